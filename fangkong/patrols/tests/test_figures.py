"""The daily report's "patrols" section: by town, from the records' own dates, as of 24:00."""

import datetime as dt

import pytest
from django.test import Client

from fangkong.core.figures import FigureContext, sections
from fangkong.patrols.tests import factories as f

pytestmark = pytest.mark.django_db


def figures(world, day):
    section = next(s for s in sections() if s.key == "patrols")
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    return {fig.key: fig for fig in section.compute(ctx)}, section, ctx


def test_counts_by_town_from_the_records_own_dates(world, commander):
    day = dt.date(2020, 1, 26)
    f.patrol(commander, world.village, day=day)
    f.patrol(commander, world.village, day=day, start_time=dt.time(14), end_time=dt.time(16))
    f.patrol(commander, world.other_village, day=day)
    f.patrol(commander, world.village, day=day - dt.timedelta(days=1))
    # 23:30 local on the day counts for it; 00:10 the next day does not.
    f.spot_check(commander, world.grid, checked_at=f.at(day, 23).replace(minute=30))
    f.spot_check(commander, world.grid, checked_at=f.at(day + dt.timedelta(days=1), 0))
    f.dispersal(commander, world.other_grid, dispersed_at=f.at(day, 9))
    f.violation(commander, world.grid, occurred_at=f.at(day, 10), kind="gambling")
    f.violation(commander, world.grid, occurred_at=f.at(day, 11), kind="rumour")
    figs, section, ctx = figures(world, day)
    assert (figs["patrols"].total, figs["patrols"].by_unit) == (
        3,
        {world.town.pk: 2, world.other_town.pk: 1},
    )
    assert figs["spot_checks"].total == 1
    assert figs["gatherings_dispersed"].by_unit == {world.other_town.pk: 1}
    assert figs["violations_gambling"].total == figs["violations_rumour"].total == 1
    assert figs["violations_gathering"].total == 0
    assert "3" in section.summary(ctx, list(figs.values()))


def test_venues_closed_at_24_00_and_cumulative_ceremonies(world, commander):
    venue = f.venue(commander, world.grid)
    other = f.venue(commander, world.other_grid, name="金盆KTV", kind="entertainment")
    f.order(commander, venue, "closure", dt.date(2020, 1, 24))
    f.order(commander, venue, "reopening", dt.date(2020, 2, 20))
    f.order(commander, other, "closure", dt.date(2020, 1, 28))
    f.ceremony(
        commander,
        world.grid,
        status="postponed",
        decided_on=dt.date(2020, 1, 25),
        persuaded_by="张桂兰",
    )
    f.ceremony(
        commander,
        world.other_grid,
        kind="banquet",
        status="cancelled",
        decided_on=dt.date(2020, 1, 27),
        persuaded_by="李村长",
    )
    f.ceremony(
        commander,
        world.grid,
        kind="funeral",
        status="held",
        planned_date=dt.date(2020, 1, 26),
        arrangements=f.arrangements("no_banquet"),
        attendees=12,
        expected_guests=None,
    )
    f.ceremony(
        commander,
        world.grid,
        kind="funeral",
        planned_date=dt.date(2020, 1, 26),
        expected_guests=None,
    )  # no arrangement ticked: not counted
    on = {d: figures(world, dt.date(2020, *d))[0] for d in ((1, 23), (1, 26), (2, 1), (2, 20))}
    assert [on[d]["venues_closed"].total for d in on] == [0, 1, 2, 1]
    assert on[(1, 26)]["venues_closed"].by_unit == {world.town.pk: 1}
    assert [on[d]["weddings_banquets_stopped"].total for d in on] == [0, 1, 2, 2]
    assert [on[d]["funerals_simplified"].total for d in on] == [0, 1, 1, 1]


def test_a_later_record_never_changes_an_earlier_report(world, commander):
    day = dt.date(2020, 1, 26)
    f.dispersal(commander, world.grid, dispersed_at=f.at(day, 9))
    before = figures(world, day)[0]
    # Entered a day late for the day before: counts for its own day, not the report's.
    f.dispersal(commander, world.grid, dispersed_at=f.at(day + dt.timedelta(days=1), 9))
    venue = f.venue(commander, world.grid)
    f.order(commander, venue, "closure", day + dt.timedelta(days=3))
    after = figures(world, day)[0]
    assert {k: v.total for k, v in before.items()} == {k: v.total for k, v in after.items()}
    # A late entry for the day itself does count for it.
    f.dispersal(commander, world.other_grid, dispersed_at=f.at(day, 20))
    assert figures(world, day)[0]["gatherings_dispersed"].total == 2


def test_each_figure_links_to_the_records_behind_it(world, commander):
    day = dt.date(2020, 1, 26)
    f.patrol(commander, world.village, day=day)
    f.patrol(commander, world.village, day=day + dt.timedelta(days=1))
    f.order(commander, f.venue(commander, world.grid), "closure", dt.date(2020, 1, 24))
    f.ceremony(
        commander,
        world.grid,
        status="postponed",
        decided_on=dt.date(2020, 1, 25),
        persuaded_by="张桂兰",
    )
    figs = figures(world, day)[0]
    client = Client()
    client.force_login(commander)
    for key in ("patrols", "venues_closed", "weddings_banquets_stopped"):
        page = client.get(figs[key].link)
        assert page.status_code == 200, key
        assert len(page.context["objects"]) == figs[key].total, key
