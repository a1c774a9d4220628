"""The patrols demo step: Datonghu's towns from 24 January, and every demo row obeys the rules
the services enforce (a record the demo writes in bulk could not be entered by hand otherwise)."""

import datetime as dt

import pytest

from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.patrols import services
from fangkong.patrols.models import (
    Ceremony,
    Dispersal,
    FollowUp,
    Patrol,
    SpotCheck,
    Venue,
    VenueInspection,
    VenueOrder,
    Violation,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_step_writes_valid_records_of_the_story():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    for model in (Patrol, SpotCheck, Dispersal, Violation, Venue, Ceremony, FollowUp):
        assert model.objects.exists(), model
    first = dt.date(2020, 1, 20)
    last = dt.date(2020, 2, 24)
    assert all(first <= d <= last for d in Patrol.objects.values_list("day", flat=True))
    for obj in (
        *Patrol.objects.all(),
        *Dispersal.objects.all()[:200],
        *Violation.objects.all(),
        *VenueInspection.objects.all(),
        *FollowUp.objects.all(),
    ):
        obj.full_clean()
    for ceremony in Ceremony.objects.prefetch_related("arrangements"):
        data = {name: getattr(ceremony, name) for name in services.CEREMONY_FIELDS}
        data["arrangements"] = list(ceremony.arrangements.all())
        services.ceremony_check(data=data)
    # Orders alternate per venue and start after the venue opened.
    for order in VenueOrder.objects.select_related("venue"):
        services.venue_order_check(
            data={n: getattr(order, n) for n in services.ORDER_FIELDS}, exclude_pk=order.pk
        )
    closed = Venue.objects.exclude(kind="market")
    assert closed.count() == VenueOrder.objects.filter(kind="closure", venue__in=closed).count()
    assert VenueOrder.objects.filter(kind="reopening").exists()
    stopped = Ceremony.objects.filter(status__in=("postponed", "cancelled"))
    assert stopped.exists() and not stopped.filter(persuaded_by="").exists()
