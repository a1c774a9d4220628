"""Business rules of the patrols app, in the services (the one validator of forms, API,
imports and batches). Messages are compared in English, the source language."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fangkong.core.exceptions import StaleVersion
from fangkong.patrols import selectors, services
from fangkong.patrols.models import Ceremony, Venue, VenueOrder, Violation
from fangkong.patrols.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    error = caught.value
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


# --------------------------------------------------------------------------- venue orders


def test_a_closure_cannot_start_before_the_venue_exists(world, commander):
    venue = f.venue(commander, world.grid, operating_since=dt.date(2020, 1, 25))
    errors = errors_of(lambda: f.order(commander, venue, day=dt.date(2020, 1, 24)))
    assert "cannot start before the venue exists" in errors["effective_date"][0]
    assert "2020-01-25" in errors["effective_date"][0]
    assert not VenueOrder.objects.exists()


def test_a_reopening_needs_an_active_closure(world, commander):
    venue = f.venue(commander, world.grid)
    errors = errors_of(lambda: f.order(commander, venue, "reopening", dt.date(2020, 2, 20)))
    assert "needs an active closure order" in errors["kind"][0]
    f.order(commander, venue, "closure", dt.date(2020, 1, 24))
    # Before the closure took effect there is still nothing to reopen.
    errors = errors_of(lambda: f.order(commander, venue, "reopening", dt.date(2020, 1, 20)))
    assert "is not closed on 2020-01-20" in errors["kind"][0]
    reopened = f.order(commander, venue, "reopening", dt.date(2020, 2, 20))
    assert reopened.pk and VenueOrder.objects.count() == 2


def test_a_closed_venue_is_not_closed_again_and_late_orders_keep_the_sequence(world, commander):
    venue = f.venue(commander, world.grid)
    f.order(commander, venue, "closure", dt.date(2020, 1, 24))
    errors = errors_of(lambda: f.order(commander, venue, "closure", dt.date(2020, 1, 30)))
    assert "already closed on 2020-01-30" in errors["kind"][0]
    f.order(commander, venue, "reopening", dt.date(2020, 2, 20))
    # A closure entered late, between the closure and the reopening: it would be a second
    # closure in a row.
    errors = errors_of(lambda: f.order(commander, venue, "closure", dt.date(2020, 2, 1)))
    assert "already closed" in errors["kind"][0]
    # A reopening entered late before the existing reopening: two reopenings in a row.
    errors = errors_of(lambda: f.order(commander, venue, "reopening", dt.date(2020, 2, 10)))
    assert "also a reopening" in errors["effective_date"][0]
    errors = errors_of(lambda: f.order(commander, venue, "reopening", dt.date(2020, 2, 20)))
    assert "already has an order on 2020-02-20" in errors["effective_date"][0]


def test_the_venue_status_follows_its_orders(world, commander):
    venue = f.venue(commander, world.grid)
    state = lambda day: selectors.with_venue_state(Venue.objects.all(), day).get().state  # noqa: E731
    assert state(dt.date(2020, 1, 23)) is None  # open: never ordered closed
    f.order(commander, venue, "closure", dt.date(2020, 1, 24))
    f.order(commander, venue, "reopening", dt.date(2020, 2, 20))
    assert state(dt.date(2020, 1, 24)) == "closure"
    assert state(dt.date(2020, 2, 19)) == "closure"
    assert state(dt.date(2020, 2, 20)) == "reopening"


def test_a_venue_cannot_move_its_opening_after_its_first_order(world, commander):
    venue = f.venue(commander, world.grid)
    f.order(commander, venue, "closure", dt.date(2020, 1, 24))
    errors = errors_of(
        lambda: services.venue_update(
            actor=commander,
            venue=venue,
            expected_version=venue.version,
            data={"operating_since": dt.date(2020, 2, 1)},
        )
    )
    assert "cannot have opened after it" in errors["operating_since"][0]


def test_the_operator_number_is_validated_and_stored_encrypted(world, commander):
    errors = errors_of(lambda: f.venue(commander, world.grid, operator_phone="12345"))
    assert "operator_phone" in errors
    venue = f.venue(commander, world.grid, operator_phone="139 1234 5678")
    assert venue.operator_phone == "13912345678"
    assert venue.masked("operator_phone") == "139****5678"
    assert venue.operator_phone_bidx and "5678" not in venue.operator_phone_last4_bidx


def test_two_venues_of_one_name_in_one_grid_are_refused_by_the_database(world, commander):
    f.venue(commander, world.grid)
    errors = errors_of(lambda: f.venue(commander, world.grid))
    assert "already registered here" in str(errors)
    assert Venue.objects.count() == 1
    f.venue(commander, world.grid2)  # the same name elsewhere is another venue


# --------------------------------------------------------------------------- violations


def test_a_referral_names_its_time_and_station_and_a_conclusion_its_outcome(world, commander):
    errors = errors_of(lambda: f.violation(commander, world.grid, status="referred"))
    assert set(errors) >= {"referred_at", "police_station"}
    errors = errors_of(lambda: f.violation(commander, world.grid, status="concluded"))
    assert "outcome" in errors
    errors = errors_of(
        lambda: f.violation(commander, world.grid, referred_at=f.at(), police_station="河坝派出所")
    )
    assert "set the status to referred" in errors["status"][0]
    errors = errors_of(
        lambda: f.violation(
            commander,
            world.grid,
            status="referred",
            referred_at=f.at(hour=8),
            police_station="河坝派出所",
        )
    )
    assert "cannot come before the violation" in errors["referred_at"][0]


def test_refer_then_conclude_keeps_each_status_in_the_history(world, commander):
    case = f.violation(commander, world.grid)
    with pytest.raises(StaleVersion):
        services.violation_refer(
            actor=commander,
            violation=case,
            expected_version=case.version + 5,
            referred_at=f.at(hour=12),
            police_station="河坝派出所",
        )
    case = services.violation_refer(
        actor=commander,
        violation=case,
        expected_version=case.version,
        referred_at=f.at(hour=12),
        police_station="河坝派出所",
    )
    assert case.status == Violation.Status.REFERRED
    errors = errors_of(
        lambda: services.violation_refer(
            actor=commander,
            violation=case,
            expected_version=case.version,
            referred_at=f.at(hour=13),
            police_station="金盆派出所",
        )
    )
    assert "already referred" in str(errors)
    errors = errors_of(
        lambda: services.violation_conclude(
            actor=commander, violation=case, expected_version=case.version, outcome="  "
        )
    )
    assert "outcome" in errors
    case = services.violation_conclude(
        actor=commander, violation=case, expected_version=case.version, outcome="行政拘留5日"
    )
    timeline = selectors.status_timeline(case)
    assert [s["value"] for s in timeline] == ["recorded", "referred", "concluded"]
    assert all(s["by"] == commander for s in timeline)


def test_a_violation_can_name_a_registered_person(world, commander, person_in):
    case = f.violation(commander, world.grid, person=person_in, others="另两人姓名不详")
    assert case.person == person_in


# --------------------------------------------------------------------------- weddings, funerals


def test_a_postponement_names_when_and_who_persuaded(world, commander):
    errors = errors_of(lambda: f.ceremony(commander, world.grid, status="postponed"))
    assert set(errors) >= {"decided_on", "persuaded_by"}
    errors = errors_of(
        lambda: f.ceremony(
            commander,
            world.grid,
            status="postponed",
            decided_on=dt.date(2020, 1, 25),
            persuaded_by="张桂兰",
            new_date=dt.date(2020, 1, 30),
        )
    )
    assert "must come after the planned date" in errors["new_date"][0]
    wedding = f.ceremony(
        commander,
        world.grid,
        status="postponed",
        decided_on=dt.date(2020, 1, 25),
        persuaded_by="张桂兰（村干部）",
        new_date=dt.date(2020, 5, 1),
    )
    assert wedding.status == Ceremony.Status.POSTPONED
    # Held later on its new date, it keeps who persuaded the family and when.
    held = services.ceremony_update(
        actor=commander,
        ceremony=wedding,
        expected_version=wedding.version,
        data={"status": "held", "new_date": None},
    )
    assert held.persuaded_by == "张桂兰（村干部）"


def test_funerals_are_simplified_not_postponed(world, commander):
    items = f.arrangements("no_banquet", "family_only")
    errors = errors_of(
        lambda: f.ceremony(
            commander,
            world.grid,
            kind="funeral",
            status="cancelled",
            decided_on=dt.date(2020, 1, 25),
            persuaded_by="张桂兰",
        )
    )
    assert "not postponed or cancelled" in errors["status"][0]
    errors = errors_of(lambda: f.ceremony(commander, world.grid, arrangements=items))
    assert "funerals only" in errors["arrangements"][0]
    errors = errors_of(lambda: f.ceremony(commander, world.grid, attendees=20))
    assert "attendees" in errors
    funeral = f.ceremony(
        commander,
        world.grid,
        kind="funeral",
        status="held",
        arrangements=items,
        attendees=18,
        expected_guests=None,
    )
    assert set(funeral.arrangements.values_list("code", flat=True)) == {"no_banquet", "family_only"}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "make, field, value",
    [
        (lambda c, w, **kw: f.dispersal(c, w.grid, **kw), "people", 0),
        (lambda c, w, **kw: f.dispersal(c, w.grid, **kw), "people", 100_000),
        (lambda c, w, **kw: f.ceremony(c, w.grid, **kw), "expected_guests", 50_000),
        (lambda c, w, **kw: f.dispersal(c, w.grid, **kw), "place", "村部\x00广场"),
        (lambda c, w, **kw: f.spot_check(c, w.grid, **kw), "place", "小卖部\x1b[31m"),
        (lambda c, w, **kw: f.patrol(c, w.village, **kw), "route", "主路\x07"),
        (lambda c, w, **kw: f.patrol(c, w.village, **kw), "route", "主路\n二组"),
        (lambda c, w, **kw: f.patrol(c, w.village, **kw), "day", dt.date(2999, 1, 1)),
        (
            lambda c, w, **kw: f.spot_check(c, w.grid, **kw),
            "checked_at",
            timezone.now() + dt.timedelta(days=2),
        ),
        (lambda c, w, **kw: f.patrol(c, w.village, **kw), "end_time", dt.time(8)),
        (lambda c, w, **kw: f.violation(c, w.grid, **kw), "kind", "murder"),
        (lambda c, w, **kw: f.venue(c, w.grid, **kw), "operating_since", dt.date(2999, 1, 1)),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(
    world, commander, make, field, value
):
    from fangkong.patrols.models import Dispersal, Patrol, SpotCheck

    before = (Dispersal.objects.count(), Patrol.objects.count(), SpotCheck.objects.count())
    errors = errors_of(lambda: make(commander, world, **{field: value}))
    assert field in errors
    assert (Dispersal.objects.count(), Patrol.objects.count(), SpotCheck.objects.count()) == before


def test_multiline_findings_are_accepted_in_a_text_area(world, commander):
    patrol = f.patrol(commander, world.village, findings="一组：无聚集\n二组：劝散打牌4人")
    assert "\n" in patrol.findings
