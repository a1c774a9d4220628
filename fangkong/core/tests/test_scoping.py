import pytest
from django.core.exceptions import ValidationError

from fangkong.people.models import Person
from fangkong.people.services import person_create
from fangkong.places.models import Area


def test_grid_worker_sees_only_own_grid(grid_worker, person_in, person_out):
    assert list(Person.objects.restrict(grid_worker)) == [person_in]


def test_outsider_sees_only_other_town(outsider, person_in, person_out):
    assert list(Person.objects.restrict(outsider)) == [person_out]


def test_commander_sees_district(commander, person_in, person_out):
    assert set(Person.objects.restrict(commander)) == {person_in, person_out}


def test_readonly_has_no_person_view(readonly, person_in):
    assert not Person.objects.restrict(readonly).exists()
    assert Area.objects.restrict(readonly).count() == Area.objects.count()


def test_anonymous_sees_nothing(person_in):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.restrict(AnonymousUser()).exists()


def test_write_outside_scope_is_refused_and_rolled_back(world, grid_worker):
    with pytest.raises(ValidationError) as exc:
        person_create(actor=grid_worker, data={"name": "越界", "area": world.other_grid})
    assert "area" in exc.value.message_dict
    assert not Person.all_objects.filter(name="越界").exists()
