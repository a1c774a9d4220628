"""The daily report's figures: the article's external case never counts as the district's own;
figures are as of 24:00 from effective times."""

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.figures import FigureContext
from fangkong.core.testing import make_id_number
from fangkong.medical import services
from fangkong.medical.figures import case_figures, medical_figures

pytestmark = pytest.mark.django_db


def at(day, hour=15):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def figures(world, day):
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    return {f.key: f for f in case_figures(ctx)}, {f.key: f for f in medical_figures(ctx)}


def test_external_case_is_never_counted_as_the_districts_own(med, world):
    d22, d24, d25 = dt.date(2020, 1, 22), dt.date(2020, 1, 24), dt.date(2020, 1, 25)
    visit = services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "id_number": make_id_number(region="430981"),
            "name": "四季红患者",
            "area": world.district,
            "temperature": "38.6",
            "home_jurisdiction": med.yuanjiang,
            "assessment": "suspected",
            "disposition": "referred",
            "referred_to": med.designated,
            "transport": "negative_pressure",
            "visited_at": at(d22),
        },
    )
    case = visit.cases.get()
    services.case_transition(
        actor=med.doctor, case=case, to_status="confirmed", reason="阳性", at=at(d24, 10)
    )
    cases, medical = figures(world, d22)
    for key in (
        "confirmed_new",
        "confirmed_cumulative",
        "suspected_new",
        "suspected_current",
        "excluded_cumulative",
    ):
        assert cases[key].total == 0, key
    assert cases["external_suspected_new"].total == 1
    assert cases["external_suspected_current"].total == 1
    assert cases["external_received"].total == 1
    assert medical["fever_visits"].total == 1 and medical["referrals"].total == 1
    # As of 24 January the external case is confirmed; the 22nd's report does not change.
    cases, _m = figures(world, d24)
    assert cases["external_confirmed_new"].total == 1
    assert cases["external_suspected_current"].total == 0
    assert cases["confirmed_cumulative"].total == 0
    cases, _m = figures(world, d22)
    assert cases["external_suspected_current"].total == 1
    cases, medical = figures(world, d25)
    assert cases["external_confirmed_new"].total == 0
    assert cases["external_confirmed_cumulative"].total == 1
    assert medical["fever_visits"].total == 0


def test_own_case_counts_by_town(med, world, person_in):
    day = dt.date(2020, 2, 1)
    services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "patient": person_in,
            "temperature": "38.6",
            "assessment": "suspected",
            "disposition": "admitted",
            "visited_at": at(day),
        },
    )
    cases, medical = figures(world, day)
    assert cases["suspected_new"].total == 1
    assert cases["suspected_current"].by_unit == {world.town.pk: 1}
    assert "day=2020-02-01" in medical["fever_visits"].link
