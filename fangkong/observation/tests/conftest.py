"""Fixtures of the observation module's tests: a key person in the in-scope grid, the grid's
standing roster, and an observation under way."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.testing import make_id_number, make_phone, make_user
from fangkong.observation import services
from fangkong.observation.models import RosterEntry, TeamRole
from fangkong.people.models import Person


@pytest.fixture
def person(world):
    return Person.objects.create(
        name="赵六", id_number=make_id_number(seq=7), area=world.grid, household=world.household
    )


@pytest.fixture
def roster(world, grid_worker):
    """One standing roster entry per default team role: the grid worker's own account in the
    grid, the others in the village above it."""
    entries = []
    for n, role in enumerate(TeamRole.objects.order_by("sort")):
        in_grid = role.code == "grid_worker"
        entry = RosterEntry(
            area=world.grid if in_grid else world.village,
            role=role,
            name=f"队员{n}",
            phone=make_phone(n + 20),
            user=grid_worker if in_grid else None,
        )
        entry.save()
        entries.append(entry)
    return entries


@pytest.fixture
def doctor(world):
    return make_user("doctor", "clinician", world.district, full_name="村医甲")


@pytest.fixture
def key_person(person, grid_worker):
    record, _ = services.register_key_person(
        actor=grid_worker,
        person=person,
        category="wuhan",
        source="checkpoint",
        origin="武汉",
        arrival_date=timezone.localdate() - dt.timedelta(days=3),
    )
    return record


@pytest.fixture
def observation(key_person, grid_worker, roster):
    start = timezone.localdate() - dt.timedelta(days=3)
    obs, _ = services.start_observation(
        actor=grid_worker,
        key_person=key_person,
        start_date=start,
        started_at=timezone.make_aware(dt.datetime.combine(start, dt.time(8))),
    )
    return obs
