"""Nothing stored in plain text rebuilds an ID number: the last four digits are a keyed index."""

import importlib

import pytest
from django.apps import apps
from django.db import models

from fangkong.core import crypto
from fangkong.core.models import User
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.people.models import Person
from fangkong.people.selectors import person_search
from fangkong.people.services import person_update

pytestmark = pytest.mark.django_db


# Keyed digests (HMAC, hex) of the sensitive values: not plain text. Their 64 hex characters
# begin or end with the number's last four digits about once in 65,536 columns, by chance and
# by key, so they are not scanned; the test checks instead that each holds exactly its digest.
DIGEST_COLUMNS = {column for columns in Person.SENSITIVE.values() for column in columns[:2]}


def _plain_values(row, model) -> set[str]:
    """Every value stored in a plain (not encrypted, not keyed-digest) text column of ``row``."""
    values = set()
    for field in model._meta.concrete_fields:
        if field.attname in DIGEST_COLUMNS:
            continue
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(row, field.attname)
            if value:
                values.add(str(value))
    return values


@pytest.mark.django_db(transaction=True)
def test_no_plain_column_rebuilds_a_demo_number():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    commander = User.objects.create_superuser("fk-test-root", password="Fk-test-pass-2020")
    persons = list(Person.all_objects.exclude(id_number_bidx=""))
    assert len(persons) > 100
    # One history row per person at least; an edit adds one with the same number.
    person_update(
        actor=commander,
        person=persons[0],
        expected_version=persons[0].version,
        data={"relation": "户主"},
    )
    history = Person.history.model
    rebuilt = []
    for person in persons:
        number = person.id_number
        region, birth = number[:6], number[6:14]
        rows = [(person, Person), *((h, history) for h in person.history.all())]
        for row, model in rows:
            assert row.id_number_bidx == crypto.blind_index(number, "resident_id")
            assert row.id_last4_bidx == crypto.last4_index(number, "resident_id")
            # Birth date is kept in plain text (a search filter); nothing may complete it.
            for value in _plain_values(row, model):
                for tail in {value[:4], value[-4:], value}:
                    if region + birth + tail == number:
                        rebuilt.append((person.pk, model.__name__))
                assert number[-4:] != value and number not in value, (person.pk, value)
    assert rebuilt == []


def test_last_four_search_still_finds_id_and_phone(world, grid_worker, person_in):
    assert person_in.id_last4_bidx == crypto.last4_index(person_in.id_number, "resident_id")
    assert person_in.id_last4_bidx != crypto.blind_index(person_in.id_number[-4:], "resident_id")
    assert list(person_search(actor=grid_worker, query=person_in.id_number[-4:])) == [person_in]
    assert list(person_search(actor=grid_worker, query=person_in.phone[-4:])) == [person_in]
    assert list(person_search(actor=grid_worker, query="0000")) == []


def test_the_data_migration_fills_the_indexes_of_existing_rows(person_in):
    Person.all_objects.update(id_last4_bidx="", phone_last4_bidx="")
    Person.history.update(id_last4_bidx="", phone_last4_bidx="")
    migration = importlib.import_module("fangkong.people.migrations.0002_last4_blind_index")
    migration.fill_last4_indexes(apps, None)
    person_in.refresh_from_db()
    assert person_in.id_last4_bidx == crypto.last4_index(person_in.id_number, "resident_id")
    assert person_in.phone_last4_bidx == crypto.last4_index(person_in.phone, "mobile")
    for h in person_in.history.all():
        assert h.id_last4_bidx == crypto.last4_index(h.id_number, "resident_id")
