"""The demo step: checkpoints, a roster that covers today for the demo clerk, passages."""

import pytest
from django.utils import timezone

from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.checkpoints.services import current_shifts
from fangkong.core.models import User
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once


@pytest.mark.django_db(transaction=True)
def test_the_demo_staffs_the_checkpoints_and_fills_the_ledgers():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    assert Checkpoint.objects.count() == 10
    assert set(Checkpoint.objects.values_list("kind", flat=True)) == {"road", "bus", "dock"}
    clerk = User.objects.get(username="checkpoint")
    assert list(current_shifts(clerk, at=timezone.now()))  # the demo works today
    assert Shift.objects.filter(user=clerk, duty="leader").count() > 30
    assert Passage.objects.count() > 500
    first, last = Passage.objects.order_by("at").first(), Passage.objects.order_by("at").last()
    assert timezone.localdate(first.at).isoformat() >= "2020-01-20"
    assert timezone.localdate(last.at).isoformat() <= "2020-02-24"
    assert Passage.objects.filter(risk_origin=True).exists()
    assert Passage.objects.filter(risk_origin=True, person__isnull=False).exists()
