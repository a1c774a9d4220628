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


def test_whole_tree_scope_skips_the_filter_only_when_nothing_lies_outside(
    world, commander, person_in, person_out
):
    from fangkong.core.scoping import clear_scope_cache, covers_every_area, grant_paths

    paths = grant_paths(commander, "people.view_person")
    assert covers_every_area(commander, paths)
    assert "places_area" not in str(Person.objects.restrict(commander).query)

    # A second district appears: the commander of 大通湖区 must not see into it.
    other = Area.objects.create(code="430902", name="资阳区", level=Area.Level.DISTRICT)
    grid = Area.objects.create(code="430902100", name="长春镇", level=Area.Level.TOWN, parent=other)
    stranger = person_create(
        actor=commander.__class__.objects.create_superuser(
            "root", password="Fk-test-pass-2020", demo=True
        ),
        data={"name": "外区人", "area": grid},
    )
    clear_scope_cache(commander)
    assert not covers_every_area(commander, grant_paths(commander, "people.view_person"))
    assert stranger not in Person.objects.restrict(commander)
    assert set(Person.objects.restrict(commander)) == {person_in, person_out}


def test_a_soft_deleted_area_keeps_the_filter_on(world, commander, person_in):
    from django.utils import timezone

    from fangkong.core.scoping import clear_scope_cache, covers_every_area, grant_paths

    Area.all_objects.filter(pk=world.grid2.pk).update(deleted_at=timezone.now())
    clear_scope_cache(commander)  # as the next request would start
    assert not covers_every_area(commander, grant_paths(commander, "people.view_person"))
