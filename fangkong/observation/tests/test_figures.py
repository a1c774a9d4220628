"""The report sections "key_persons" and "observation": as of 24:00 of the day, from the
records' own effective times; a later record never changes an earlier day."""

import datetime as dt

from django.utils import timezone

from fangkong.core.figures import FigureContext, sections
from fangkong.observation.models import HealthCheck


def _figures(world, day, key):
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    section = next(s for s in sections() if s.key == key)
    return {f.key: f for f in section.compute(ctx)}


def test_both_sections_are_registered():
    keys = {s.key for s in sections()}
    assert {"key_persons", "observation"} <= keys


def test_observation_figures_as_of_the_day(world, observation, grid_worker):
    start = observation.start_date
    figures = _figures(world, start, "observation")
    assert figures["under_observation"].total == 1
    assert figures["under_observation"].by_unit == {world.town.pk: 1}
    assert figures["under_observation_home"].total == 1
    assert figures["started"].total == 1
    assert figures["checks_missed"].total == 2  # started at 08:00: both half-days were due
    assert "active_on=" in figures["under_observation"].link
    # The day before it started: nothing, never a made-up number.
    before = _figures(world, start - dt.timedelta(days=1), "observation")
    assert before["under_observation"].total == 0 and before["started"].total == 0
    HealthCheck.objects.create(
        observation=observation, date=start, half="am", temperature="38.0", fever=True
    )
    figures = _figures(world, start, "observation")
    assert figures["checks_done"].total == 1 and figures["fevers"].total == 1
    assert figures["checks_missed"].total == 1
    # A check entered later for that day counts for that day, not for the day before.
    assert _figures(world, start - dt.timedelta(days=1), "observation")["checks_done"].total == 0


def test_key_person_figures_by_category(world, key_person):
    day = timezone.localtime(key_person.identified_at).date()
    figures = _figures(world, day, "key_persons")
    assert figures["new"].total == 1 and figures["new_wuhan"].total == 1
    assert figures["cumulative_wuhan"].total == 1 and figures["open_wuhan"].total == 1
    assert figures["new_hubei"].total == 0
    earlier = _figures(world, day - dt.timedelta(days=1), "key_persons")
    assert earlier["cumulative"].total == 0
