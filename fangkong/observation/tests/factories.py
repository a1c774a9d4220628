"""Records of the observation app for core's tests (the masked-export leak check)."""

from __future__ import annotations

from fangkong.observation import services
from fangkong.observation.models import RosterEntry, TeamRole


def export_fixture_records(*, actor, persons) -> None:
    """A standing roster with phone numbers in each person's area, and each person under
    observation with the team it fills (team members carry the roster's phones)."""
    for n, person in enumerate(persons):
        for k, role in enumerate(TeamRole.objects.all()):
            RosterEntry.objects.create(
                area=person.area, role=role, name=f"包保{n}{k}", phone=f"1391234{n}{k:03d}"
            )
        record, _ = services.register_key_person(
            actor=actor, person=person, category="wuhan", source="manual", on_behalf=True
        )
        services.start_observation(actor=actor, key_person=record, on_behalf=True)
