"""The demo at the size the browser tests use (3,000 persons), and its determinism."""

import pytest

from fangkong.core.kit.demo import discover, load_demo
from fangkong.core.models import RoleGrant, User
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.people.demo import TAG_HUBEI
from fangkong.people.models import Person
from fangkong.places.models import Area, Household


@pytest.mark.django_db(transaction=True)
def test_returnees_are_tagged_in_late_january():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    returnees = Person.objects.filter(tags__name=TAG_HUBEI)
    assert returnees.exists()
    assert all(p.created_at.date().isoformat() <= "2020-01-31" for p in returnees)


def _district_only():
    """The steps that draw the district (places, people, users): the modules' steps only read
    it, and replaying them twice would cost a minute."""
    return {
        name: step for name, step in discover().items() if name in ("places", "people", "users")
    }


def test_same_seed_same_district(db):
    load_demo(persons=200, seed=11, steps=_district_only())
    first = list(Person.objects.order_by("pk").values_list("name", "birth_date", "area__code"))
    Person.all_objects.all().delete()
    Household.all_objects.all().delete()
    RoleGrant.objects.all().delete()
    User.objects.filter(demo=True).delete()
    for level in (Area.Level.GRID, Area.Level.VILLAGE, Area.Level.COMMUNITY, Area.Level.TOWN):
        Area.all_objects.filter(level=level).delete()
    Area.all_objects.filter(level=Area.Level.DISTRICT).delete()
    load_demo(persons=200, seed=11, steps=_district_only())
    again = list(Person.objects.order_by("pk").values_list("name", "birth_date", "area__code"))
    assert len(first) > 150 and first == again
