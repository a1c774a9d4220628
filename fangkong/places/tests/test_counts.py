"""Kept per-area counts: maintained by every write path, refreshed by a command, read by home
and the area browser without counting the person or household tables."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from fangkong.core.testing import make_id_number, make_phone, make_user
from fangkong.people import services as people_services
from fangkong.people.models import Person
from fangkong.places import counts, services
from fangkong.places.models import Area, AreaCount, Household


def kept(model) -> dict[int, int]:
    """Kept rows of ``model``, non-zero only."""
    return {
        a: n
        for a, n in AreaCount.objects.filter(kind=counts.kind_of(model)).values_list("area_id", "n")
        if n
    }


def actual(model) -> dict[int, int]:
    live = model._base_manager.filter(deleted_at__isnull=True)
    out: dict[int, int] = {}
    for area_id in live.values_list("area_id", flat=True):
        out[area_id] = out.get(area_id, 0) + 1
    return out


def assert_in_step():
    assert kept(Person) == actual(Person)
    assert kept(Household) == actual(Household)


def new_person(actor, area, household=None, name="王五"):
    return people_services.person_create(
        actor=actor,
        data={
            "name": name,
            "id_number": make_id_number(),
            "phone": make_phone(),
            "area": area,
            "household": household,
        },
    )


def test_services_keep_counts_through_create_move_delete_merge_and_purge(world, commander):
    assert_in_step()  # the world's two households, counted as they were created
    a = new_person(commander, world.grid, world.household)
    b = new_person(commander, world.grid, name="赵六")
    c = new_person(commander, world.other_grid, world.other_household)
    assert kept(Person) == {world.grid.pk: 2, world.other_grid.pk: 1}
    assert_in_step()

    # An edit that moves a person to another grid moves the count with them.
    people_services.person_update(
        actor=commander, person=b, expected_version=b.version, data={"area": world.grid2}
    )
    assert kept(Person) == {world.grid.pk: 1, world.grid2.pk: 1, world.other_grid.pk: 1}
    # An edit that changes nothing countable changes no count.
    b.refresh_from_db()
    people_services.person_update(
        actor=commander, person=b, expected_version=b.version, data={"name": "赵六六"}
    )
    assert_in_step()

    people_services.person_delete(actor=commander, person=c, reason="moved away")
    assert kept(Person) == {world.grid.pk: 1, world.grid2.pk: 1}

    a.refresh_from_db()
    b.refresh_from_db()
    people_services.person_merge(
        actor=commander,
        keep=a,
        drop=b,
        reason="same person",
        keep_version=a.version,
        drop_version=b.version,
    )
    assert kept(Person) == {world.grid.pk: 1}
    assert_in_step()

    h = services.household_create(actor=commander, area=world.grid2, number="009", address="9号")
    assert kept(Household)[world.grid2.pk] == 1
    admin = make_user("root", is_superuser=True)
    services.household_delete(actor=admin, household=h, reason="entered twice")
    assert_in_step()

    # Purging soft-deleted rows (as the retention command does, one delete() each) changes no
    # live figure; a hard delete of a live row does.
    Person.all_objects.get(pk=c.pk).delete()
    Household.all_objects.get(pk=h.pk).delete()
    assert_in_step()
    d = new_person(commander, world.other_grid, name="钱七")
    assert kept(Person) == {world.grid.pk: 1, world.other_grid.pk: 1}
    Person.objects.get(pk=d.pk).delete()
    assert kept(Person) == {world.grid.pk: 1}
    assert_in_step()


def test_refresh_counts_repairs_writes_that_bypassed_the_services(world, commander):
    Household.objects.bulk_create(  # bulk loads skip save() and its signals
        [Household(area=world.grid2, number=f"1{i:02d}", address="x") for i in range(5)]
    )
    assert kept(Household) != actual(Household)
    AreaCount.objects.filter(area=world.grid).delete()  # and a lost row comes back too
    call_command("refresh_counts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_in_step()
    assert kept(Household)[world.grid2.pk] == 5
    # Every area has a row, so later writes adjust instead of recounting.
    assert AreaCount.objects.filter(kind="places.household").count() == Area.objects.count()


def test_first_write_in_an_area_without_a_row_counts_it_exactly(world, commander):
    Household.objects.bulk_create([Household(area=world.grid2, number="201", address="x")])
    AreaCount.objects.all().delete()
    services.household_create(actor=commander, area=world.grid2, number="202", address="y")
    assert kept(Household)[world.grid2.pk] == 2


def test_a_batch_over_many_areas_adjusts_them_in_two_statements(world, commander):
    # A batch of field records spreads over a worker's grids: one UPDATE per grid made the
    # kept counts the batch's slowest step. Areas with a row cost one locking SELECT and one
    # UPDATE together; an area without a row yet is counted exactly (this write included).
    grids = [world.grid, world.grid2, world.other_grid]
    Person.objects.bulk_create(
        [Person(name="甲", name_pinyin="jia", name_initials="j", area=g) for g in grids]
    )
    counts.refresh()
    Person.objects.bulk_create(
        [
            Person(name="乙", name_pinyin="yi", name_initials="y", area=g)
            for g in grids
            for _ in range(2)
        ]
    )
    AreaCount.objects.filter(area=world.other_grid).delete()  # its first write since
    with CaptureQueriesContext(connection) as ctx:
        counts.adjust(Person, {world.grid.pk: 2, world.grid2.pk: 2, world.other_grid.pk: 2})
    assert kept(Person) == actual(Person) == {g.pk: 3 for g in grids}
    sql = [q["sql"] for q in ctx.captured_queries]
    # lock, update the two present rows, exact count and insert for the third
    assert len(sql) == 4, "\n".join(sql)


def test_moving_an_area_moves_its_totals(world, commander):
    new_person(commander, world.grid)
    # The village moves from one town to the other: the kept rows are per area, so the
    # subtree sums follow the new paths with nothing recounted.
    services.area_update(
        actor=make_user("root", is_superuser=True),
        area=world.village,
        expected_version=world.village.version,
        parent=world.other_town,
    )
    towns = list(Area.objects.filter(pk__in=[world.town.pk, world.other_town.pk]))
    totals, _at = counts.subtree_totals(actor=commander, model=Person, areas=towns)
    assert totals.get(world.town.pk, 0) == 0
    assert totals[world.other_town.pk] == 1


def _counting_queries(captured) -> list[str]:
    pattern = re.compile(r'FROM\s+"?(people_person|places_household)"?', re.IGNORECASE)
    return [q["sql"] for q in captured.captured_queries if pattern.search(q["sql"])]


@pytest.mark.parametrize("page", ["home", "browser_district", "browser_town"])
def test_home_and_browser_read_kept_counts_not_the_tables(
    client, world, commander, person_in, person_out, page
):
    client.force_login(commander)
    url = {
        "home": reverse("home"),
        "browser_district": reverse("places:area_detail", args=[world.district.pk]),
        "browser_town": reverse("places:area_detail", args=[world.town.pk]),
    }[page]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert _counting_queries(captured) == []
    if page == "browser_district":
        rows = {row["area"].pk: row for row in response.context["rows"]}
        assert rows[world.town.pk]["persons"] == 1
        assert rows[world.town.pk]["households"] == 1
        assert response.context["totals"]["persons"] == 2


def test_home_and_browser_say_as_of_when(client, world, commander, person_in):
    client.force_login(commander)
    stamp = AreaCount.objects.latest("updated_at").updated_at
    with translation.override("en"):
        for url in (reverse("home"), reverse("places:area_detail", args=[world.district.pk])):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            assert response.context["counts_as_of"] == stamp
            assert "Figures as of" in response.content.decode()


def test_grid_worker_sums_only_their_grids(client, world, grid_worker, commander):
    new_person(commander, world.grid)
    new_person(commander, world.grid2)  # same village, not the worker's grid
    new_person(commander, world.other_grid)
    totals, _ = counts.subtree_totals(actor=grid_worker, model=Person, areas=[world.village])
    assert totals == {world.village.pk: 1}
    assert counts.scoped_total(actor=grid_worker, model=Person) == 1
    assert counts.scoped_total(actor=commander, model=Person) == 3
    nobody = make_user("nobody")
    assert counts.scoped_total(actor=nobody, model=Person) == 0
    client.force_login(grid_worker)
    response = client.get(reverse("home"))
    assert response.context["total_persons"] == 1


def test_figures_have_thousands_separators_but_codes_and_years_do_not(client, world, commander):
    from django.utils import timezone

    AreaCount.objects.update_or_create(
        area=world.grid, kind="people.person", defaults={"n": 109_997, "updated_at": timezone.now()}
    )
    client.force_login(commander)
    with translation.override("en"):
        content = client.get(reverse("places:area_detail", args=[world.village.pk])).content
        home = client.get(reverse("home")).content.decode()
    content = content.decode()
    assert "109,997" in content and "109997" not in content
    assert "430971100201" in content  # the area code, never "430,971,100,201"
    assert "430,971" not in content
    assert "109,997" in home
