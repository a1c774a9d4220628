"""``aggregate_by_unit``: several figures of one table in one grouped query, each equal to the
figure ``count_by_unit`` gives for the same filter."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from fangkong.core.figures import FigureContext, aggregate_by_unit, count_by_unit
from fangkong.core.testing import make_id_number
from fangkong.people.models import Person
from fangkong.people.services import person_create

pytestmark = pytest.mark.django_db


def test_each_measure_equals_its_own_count_in_one_query(world, commander, person_in, person_out):
    person_create(
        actor=commander,
        data={"name": "王五", "id_number": make_id_number(birth="19881111"), "area": world.grid},
    )
    ctx = FigureContext(
        day=dt.date.today(), root=world.district, units=[world.town, world.other_town]
    )
    conditions = {
        "all": None,
        "wang": Q(name__startswith="王"),
        "zhang": Q(name="张三"),
        "nobody": Q(name="无此人"),
    }
    with CaptureQueriesContext(connection) as queries:
        values = aggregate_by_unit(
            Person.objects.all(),
            ctx,
            {k: Count("pk", filter=q) if q else Count("pk") for k, q in conditions.items()},
        )
    assert len(queries) == 1
    for key, q in conditions.items():
        qs = Person.objects.filter(q) if q else Person.objects.all()
        assert values[key] == count_by_unit(qs, ctx), key
    assert values["nobody"] == (0, {})
    assert values["all"][1] == {world.town.pk: 2, world.other_town.pk: 1}


def test_a_unit_at_zero_and_a_unit_left_out_are_no_change():
    from fangkong.reports.services import _nonzero

    assert _nonzero({"2": 0, "3": 4}) == _nonzero({"3": 4})
