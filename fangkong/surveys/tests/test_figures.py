"""The surveys section of the daily report: exact, as of 24:00, from the visits' own times."""

import datetime as dt

from django.utils import timezone

from fangkong.core.figures import FigureContext
from fangkong.surveys.figures import survey_figures
from fangkong.surveys.services import visit_record
from fangkong.surveys.tests.conftest import seen_payload


def figures(world, day):
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    return {f.key: f for f in survey_figures(ctx)}


def test_coverage_figures_are_exact_as_of_midnight(
    world, grid_worker, outsider, campaign, person_in, person_out, today
):
    from fangkong.places.models import Household

    # The households were registered before the survey (as the district's were, on 22 January).
    Household.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    yesterday = today - dt.timedelta(days=1)
    # Entered today for a visit made yesterday at 10:00: it counts for yesterday.
    late = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10, 0)))
    visit_record(
        actor=grid_worker,
        data={**seen_payload(campaign, world.household, person_in), "visited_at": late},
    )
    visit_record(
        actor=outsider,
        data=seen_payload(campaign, world.other_household, person_out, travel_origin="武汉"),
    )
    before = figures(world, today - dt.timedelta(days=2))
    assert before["households_seen"].total == 0 and before["coverage_percent"].total == 0
    y = figures(world, yesterday)
    assert (y["households"].total, y["households_seen"].total) == (2, 1)
    assert y["households_seen"].by_unit == {world.town.pk: 1, world.other_town.pk: 0}
    assert y["coverage_percent"].total == 50 and y["coverage_percent"].unit == "%"
    assert y["coverage_percent"].by_unit == {world.town.pk: 100, world.other_town.pk: 0}
    assert y["visits_today"].total == 1 and y["risks_found"].total == 0
    t = figures(world, today)
    assert t["households_seen"].total == 2 and t["coverage_percent"].total == 100
    assert t["visits_today"].by_unit == {world.other_town.pk: 1}
    assert t["risks_found"].total == 1
    assert t["risks_found"].link.startswith("/surveys/visits/?")


def test_no_campaign_no_figures(world, today):
    assert figures(world, today) == {}


def test_a_household_registered_after_its_visit_does_not_push_coverage_past_100(
    world, grid_worker, campaign, person_in, today
):
    from fangkong.places.models import Household

    yesterday = today - dt.timedelta(days=1)
    at = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10, 0)))
    visit_record(
        actor=grid_worker,
        data={**seen_payload(campaign, world.household, person_in), "visited_at": at},
    )
    # The household was entered in the register only today, after the visit.
    Household.objects.filter(pk=world.household.pk).update(created_at=timezone.now())
    Household.objects.exclude(pk=world.household.pk).update(
        created_at=timezone.now() - dt.timedelta(days=10)
    )
    y = figures(world, yesterday)
    assert y["households_seen"].total == 0 and y["coverage_percent"].total == 0
    t = figures(world, today)
    assert (t["households"].total, t["households_seen"].total) == (2, 1)
    assert t["coverage_percent"].total == 50
