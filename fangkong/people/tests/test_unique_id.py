"""One live person per resident ID number, enforced by the database (not only by code)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from fangkong.core.testing import build_world, make_id_number, make_user, postgresql_only
from fangkong.people import services
from fangkong.people.models import Person
from fangkong.people.services import person_create, person_delete

DUPLICATE_MESSAGE = "already registered"


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_person_with_the_number(world, commander, monkeypatch):
    """A race that passes the code check (simulated by switching it off) is still refused,
    with the same field message instead of an IntegrityError (a 500)."""
    number = make_id_number(birth="19900101")
    person_create(actor=commander, data={"name": "甲", "id_number": number, "area": world.grid})
    monkeypatch.setattr(services, "_duplicate_hit", lambda *a, **k: None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        person_create(actor=commander, data={"name": "乙", "id_number": number, "area": world.grid})
    assert DUPLICATE_MESSAGE in " ".join(caught.value.message_dict["id_number"])
    assert Person.objects.filter(name="乙").count() == 0


@pytest.mark.django_db
def test_a_deleted_person_does_not_block_the_number(world, commander):
    number = make_id_number(birth="19900102")
    first = person_create(
        actor=commander, data={"name": "甲", "id_number": number, "area": world.grid}
    )
    person_delete(actor=commander, person=first, reason="registered twice")
    again = person_create(
        actor=commander, data={"name": "甲", "id_number": number, "area": world.grid}
    )
    assert again.pk != first.pk
    # Persons without a number never clash with each other.
    for name in ("丙", "丁"):
        person_create(actor=commander, data={"name": name, "area": world.grid})


@postgresql_only("needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_registrations_of_one_number_store_one_person():
    world = build_world()
    commander = make_user("commander", "district_commander", world.district)
    number = make_id_number(birth="19850505")
    start = threading.Barrier(10)
    outcomes: list[str] = []

    def register(i: int) -> None:
        try:
            start.wait()
            with translation.override("en"):
                person_create(
                    actor=commander,
                    data={"name": f"并发{i}", "id_number": number, "area": world.grid},
                )
            outcomes.append("stored")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.message_dict.get("id_number", ["?"])))
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=register, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("stored") == 1, outcomes
    assert all(DUPLICATE_MESSAGE in o for o in outcomes if o != "stored"), outcomes
    assert Person.objects.exclude(id_number_bidx="").count() == 1


@postgresql_only("the migration guard runs PostgreSQL DDL")
@pytest.mark.django_db
def test_the_migration_stops_on_existing_duplicates_with_the_record_numbers(world, commander):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "fangkong.people.migrations.0003_drop_plain_suffixes_unique_live_id_number"
    )
    constraint = next(
        c for c in Person._meta.constraints if c.name == "person_unique_live_id_number"
    )
    with connection.schema_editor() as editor:
        editor.remove_constraint(Person, constraint)  # as before the migration
    number = make_id_number(birth="19770707")
    a = person_create(actor=commander, data={"name": "甲", "id_number": number, "area": world.grid})
    b = Person(name="乙", id_number=number, area=world.grid)
    b.save()
    with pytest.raises(RuntimeError) as caught:
        migration.refuse_live_duplicates(apps, None)
    assert f"#{a.pk}, #{b.pk}" in str(caught.value) and "Duplicates" in str(caught.value)
    assert number not in str(caught.value)
    person_delete(actor=commander, person=b, reason="twice")
    migration.refuse_live_duplicates(apps, None)  # deleted records do not count
