"""Records of the checkpoints app for core's tests (the masked-export leak check)."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from fangkong.checkpoints.models import Checkpoint, Passage


def export_fixture_records(*, actor, persons) -> None:
    """A checkpoint in each person's area and one passage per person carrying their full ID
    and phone numbers (what a masked ledger export must never show)."""
    for n, person in enumerate(persons):
        checkpoint = Checkpoint.objects.create(
            area=person.area, name=f"测试卡点{n}", kind="road", location="测试"
        )
        passage = Passage(
            checkpoint=checkpoint,
            at=timezone.now(),
            name=person.name,
            id_number=person.id_number,
            phone=person.phone,
            temperature=Decimal("36.5"),
            direction="in",
            person=person,
        )
        passage.refresh_sensitive_indexes()
        passage.save()
