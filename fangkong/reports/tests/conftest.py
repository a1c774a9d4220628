"""A small district with known records, and report sections registered by the tests.

The sections compute from persons (people.Person), whose ``created_at`` is their effective
time here: ``population`` (registered as of 24:00, new that day) and a test ``cases`` section
(persons tagged "confirmed" / "suspected"; non-residents count as another jurisdiction's
patients, ``external_confirmed``). ``only_sections`` sets the app sections aside, so these
expectations hold whichever modules have landed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from fangkong.core.figures import Figure, count_by_unit, figure_section, only_sections
from fangkong.core.testing import make_id_number, make_user

DAY = dt.date(2020, 2, 23)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A local (Asia/Shanghai) moment of ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def add_person(world, *, area, when, tags=(), resident=True, name="张某"):
    from fangkong.people.models import Person, Tag

    person = Person(
        name=name,
        id_number=make_id_number(),
        area=area,
        is_resident=resident,
    )
    person.refresh_sensitive_indexes()
    person.save()
    Person.objects.filter(pk=person.pk).update(created_at=when)
    for tag in tags:
        person.tags.add(Tag.objects.get_or_create(name=tag)[0])
    return person


def register_population():
    from fangkong.people.models import Person

    @figure_section("population", "Population", order=5)
    def population(ctx):
        qs = Person.objects.filter(created_at__lt=ctx.end)
        new = qs.filter(created_at__gte=ctx.start)
        return [
            Figure(
                "registered",
                "registered persons",
                *count_by_unit(qs, ctx),
                link="/people/",
                link_filters={"area": "area"},
                headline=True,
            ),
            Figure("new_today", "newly registered", *count_by_unit(new, ctx), link="/people/"),
        ]


def register_cases(*, fail_times: list | None = None):
    from fangkong.people.models import Person

    @figure_section("cases", "Cases", order=1)
    def cases(ctx):
        if fail_times:
            fail_times.pop()
            raise RuntimeError("database went away")
        upto = Person.objects.filter(created_at__lt=ctx.end)
        today = upto.filter(created_at__gte=ctx.start)
        own = {"is_resident": True}
        conf, susp = {"tags__name": "confirmed"}, {"tags__name": "suspected"}
        return [
            Figure(
                "confirmed_new", "new confirmed", *count_by_unit(today.filter(**conf, **own), ctx)
            ),
            Figure(
                "confirmed_cumulative",
                "confirmed in total",
                *count_by_unit(upto.filter(**conf, **own), ctx),
            ),
            Figure(
                "suspected_new", "new suspected", *count_by_unit(today.filter(**susp, **own), ctx)
            ),
            Figure(
                "suspected_current",
                "suspected at 24:00",
                *count_by_unit(upto.filter(**susp, **own), ctx),
            ),
            Figure(
                "external_confirmed",
                "confirmed patients of other jurisdictions",
                *count_by_unit(upto.filter(is_resident=False, **conf), ctx),
            ),
        ]


@pytest.fixture
def sections():
    """Only the test sections (population and cases) are registered inside the test."""
    with (
        only_sections(),
        override_settings(FANGKONG_REPORT_LANGUAGE="en"),
        translation.override("en"),
    ):
        register_population()
        register_cases()
        yield


@pytest.fixture
def office_user(world):
    return make_user("office_r", "command_office", world.district)


@pytest.fixture
def town_officer(world):
    return make_user("town_r", "town_officer", world.town)


@pytest.fixture
def other_town_officer(world):
    return make_user("town_other_r", "town_officer", world.other_town)


@pytest.fixture
def district(world):
    """Known records: 河坝镇 (world.town) and 金盆镇 (world.other_town), around 2-23."""
    g, g2, g3 = world.grid, world.grid2, world.other_grid
    add_person(world, area=g, when=at(DAY - dt.timedelta(days=30), 10))
    add_person(world, area=g2, when=at(DAY - dt.timedelta(days=2), 9))
    add_person(world, area=g3, when=at(DAY - dt.timedelta(days=40), 9))
    add_person(world, area=g, when=at(DAY, 0, 1))  # new on the day, just after 00:00
    add_person(world, area=g3, when=at(DAY, 23, 59))  # new on the day, just before 24:00
    # A confirmed patient of another jurisdiction treated here (external, never the district's).
    add_person(
        world, area=g, when=at(DAY - dt.timedelta(days=5), 11), tags=["confirmed"], resident=False
    )
    return world
