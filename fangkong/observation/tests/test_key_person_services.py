"""The shared key-person and observation services other modules call."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fangkong.core.testing import make_id_number
from fangkong.observation import services
from fangkong.observation.models import KeyPerson, Observation
from fangkong.people.models import Person


@pytest.fixture
def person(world):
    return Person.objects.create(
        name="张三", id_number=make_id_number(seq=1), area=world.grid, household=world.household
    )


def test_same_category_links_to_the_open_record(world, person, grid_worker):
    first, created = services.register_key_person(
        actor=grid_worker, person=person, category="wuhan", source="survey", origin="武汉"
    )
    assert created and first.area == world.grid
    again, created = services.register_key_person(
        actor=grid_worker,
        person=person,
        category="wuhan",
        source="bigdata",
        arrival_date=dt.date(2020, 1, 21),
    )
    assert not created and again.pk == first.pk
    again.refresh_from_db()
    assert again.arrival_date == dt.date(2020, 1, 21) and again.source == "survey"
    other, created = services.register_key_person(
        actor=grid_worker, person=person, category="fever", source="clinic"
    )
    assert created and other.pk != first.pk


def test_the_database_refuses_a_second_open_record(world, person, grid_worker):
    services.register_key_person(
        actor=grid_worker, person=person, category="hubei", source="manual"
    )
    first = KeyPerson.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyPerson.objects.create(
            person=person, category=first.category, source="manual", area=world.grid
        )


def test_unknown_category_is_refused(person, grid_worker):
    with pytest.raises(ValidationError, match="nope"):
        services.register_key_person(actor=grid_worker, person=person, category="nope", source="x")


def test_on_behalf_skips_the_actors_scope_but_not_without(world, person, outsider):
    with pytest.raises(ValidationError):
        services.register_key_person(
            actor=outsider, person=person, category="wuhan", source="checkpoint"
        )
    record, created = services.register_key_person(
        actor=outsider, person=person, category="wuhan", source="checkpoint", on_behalf=True
    )
    assert created and record.history.first().history_user == outsider


def test_observation_runs_14_days_from_last_exposure_and_only_once(person, grid_worker):
    record, _ = services.register_key_person(
        actor=grid_worker,
        person=person,
        category="close_contact",
        source="contact_tracing",
        last_exposure_date=dt.date(2020, 1, 25),
    )
    obs, created = services.start_observation(
        actor=grid_worker, key_person=record, start_date=dt.date(2020, 1, 27)
    )
    assert created and obs.planned_end_date == dt.date(2020, 2, 8)
    record.refresh_from_db()
    assert record.status == KeyPerson.Status.OBSERVING
    second, _ = services.register_key_person(
        actor=grid_worker, person=person, category="fever", source="clinic"
    )
    same, created = services.start_observation(actor=grid_worker, key_person=second)
    assert not created and same.pk == obs.pk
    assert Observation.objects.count() == 1


def test_centralised_observation_needs_a_site(person, grid_worker):
    record, _ = services.register_key_person(
        actor=grid_worker, person=person, category="wuhan", source="manual"
    )
    with pytest.raises(ValidationError, match="site"):
        services.start_observation(actor=grid_worker, key_person=record, kind="centralised")


def test_asking_to_create_an_existing_record_needs_the_right_to_add(world, person, grid_worker):
    """Linking to an open record is a write too: someone who may not add key persons in the
    person's area is refused, and the record is not filled in."""
    from fangkong.core.testing import make_user

    services.register_key_person(
        actor=grid_worker, person=person, category="wuhan", source="manual"
    )
    reader = make_user("kp_reader", "auditor", world.district)
    with pytest.raises(ValidationError):
        services.register_key_person(
            actor=reader,
            person=person,
            category="wuhan",
            source="manual",
            arrival_date=dt.date(2020, 1, 22),
        )
    assert KeyPerson.objects.get().arrival_date is None
