"""Passage registration: the rules a clerk can break, and what a fever or a risk origin sets off."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.alerts.models import Alert
from fangkong.checkpoints import services
from fangkong.checkpoints.models import Passage, Shift
from fangkong.checkpoints.plates import validate_plate
from fangkong.core.testing import make_user
from fangkong.observation.models import KeyPerson, Observation
from fangkong.people.models import Person


def test_a_passage_is_registered_and_linked(clerk, on_duty, resident, passage_data):
    data = {**passage_data, "id_number": resident.id_number, "name": "张三"}
    passage = services.passage_create(actor=clerk, data=data)
    passage.refresh_from_db()
    assert passage.person == resident and passage.clerk == clerk
    assert not passage.fever and not passage.risk_origin
    assert passage.temperature == Decimal("36.5")
    assert not Alert.objects.exists() and not KeyPerson.objects.exists()


@pytest.mark.parametrize("temperature", ["33.9", "43.1", "abc"])
def test_impossible_temperatures_are_refused(clerk, on_duty, passage_data, temperature):
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data={**passage_data, "temperature": temperature})
    assert "temperature" in exc.value.message_dict
    assert not Passage.objects.exists()


def test_an_invalid_id_number_says_which_rule_failed(clerk, on_duty, passage_data):
    good = passage_data["id_number"]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data={**passage_data, "id_number": wrong_check})
    assert "check digit" in exc.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data={**passage_data, "id_number": good[:17]})
    assert "18 characters" in exc.value.message_dict["id_number"][0]
    bad_date = good[:10] + "1399" + good[14:]
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data={**passage_data, "id_number": bad_date})
    assert "birth date" in exc.value.message_dict["id_number"][0]
    assert not Passage.objects.exists()


def test_a_clerk_not_on_duty_is_refused(clerk, checkpoint, passage_data):
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data=passage_data)
    assert "not on duty" in exc.value.message_dict["checkpoint"][0]
    assert not Passage.objects.exists()


def test_a_shift_at_another_checkpoint_or_time_does_not_count(
    clerk, checkpoint, other_checkpoint, passage_data
):
    now = timezone.now()
    Shift.objects.create(
        checkpoint=other_checkpoint,
        user=clerk,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=1),
    )
    Shift.objects.create(
        checkpoint=checkpoint,
        user=clerk,
        start=now + dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=9),
    )
    with pytest.raises(ValidationError, match="not on duty"):
        services.passage_create(actor=clerk, data=passage_data)
    # The same clerk on duty later: a passage at that time (a phone syncing) is accepted…
    later = {**passage_data, "at": now + dt.timedelta(hours=2)}
    with pytest.raises(ValidationError, match="future"):
        services.passage_create(actor=clerk, data=later)
    assert not Passage.objects.exists()


def test_someone_elses_shift_does_not_count(world, clerk, on_duty, passage_data):
    colleague = make_user("colleague", "checkpoint_staff", world.town)
    with pytest.raises(ValidationError, match="not on duty"):
        services.passage_create(actor=colleague, data=passage_data)


def test_a_closed_checkpoint_takes_no_passages(clerk, on_duty, checkpoint, passage_data):
    checkpoint.active = False
    checkpoint.save()
    with pytest.raises(ValidationError, match="closed"):
        services.passage_create(actor=clerk, data=passage_data)


@pytest.mark.parametrize(
    ("plate", "fragment"),
    [
        ("XH12345", "province"),
        ("湘112345", "city's letter"),
        ("湘H123", "7 characters"),
        ("湘HI2345", "only letters"),
    ],
)
def test_plates_are_checked_with_a_clear_message(plate, fragment):
    with pytest.raises(ValidationError, match=fragment):
        validate_plate(plate)


def test_plates_are_normalised():
    assert validate_plate(" 湘h·12345 ") == "湘H12345"
    assert validate_plate("鄂AD12345") == "鄂AD12345"


def test_a_vehicle_needs_its_plate(clerk, on_duty, passage_data):
    with pytest.raises(ValidationError) as exc:
        services.passage_create(actor=clerk, data={**passage_data, "kind": "vehicle"})
    assert "plate" in exc.value.message_dict
    passage = services.passage_create(
        actor=clerk,
        data={**passage_data, "kind": "vehicle", "plate": "湘h 88888", "passengers": 3},
    )
    assert passage.plate == "湘H88888" and passage.passengers == 3


def test_fever_raises_a_triage_alert_for_the_checkpoints_area(
    world, clerk, on_duty, checkpoint, passage_data
):
    passage = services.passage_create(actor=clerk, data={**passage_data, "temperature": "37.3"})
    assert passage.fever
    alert = Alert.objects.get()
    assert alert.kind == "fever_checkpoint" and alert.area == checkpoint.area
    assert {"clinician", "town_officer"} <= set(alert.roles)
    assert alert.dedupe_key == f"checkpoints.passage:{passage.pk}:fever"
    # Raised again (a retry of the consequences), it is stored once.
    services.passage_consequences(actor=clerk, passages=[passage])
    assert Alert.objects.count() == 1


def test_36_9_is_no_fever(clerk, on_duty, passage_data):
    assert not services.passage_create(
        actor=clerk, data={**passage_data, "temperature": "37.2"}
    ).fever


def test_a_resident_from_wuhan_is_observed_at_home_and_the_grid_alerted(
    world, clerk, on_duty, resident, passage_data
):
    data = {**passage_data, "id_number": resident.id_number, "name": "张三", "origin": "武汉市"}
    passage = services.passage_create(actor=clerk, data=data)
    key_person = KeyPerson.objects.get()
    assert key_person.person == resident and key_person.category.code == "wuhan"
    assert key_person.area == world.grid and key_person.source == "checkpoint"
    assert key_person.source_ref == f"checkpoints.passage:{passage.pk}"
    assert key_person.arrival_date == timezone.localdate(passage.at)
    observation = Observation.objects.get()
    assert observation.kind == "home" and observation.person == resident
    alert = Alert.objects.get(kind="risk_arrival")
    assert alert.area == world.grid and set(alert.roles) == {"grid_worker", "village_cadre"}


def test_an_unknown_traveller_from_hubei_goes_to_the_district_pool(
    world, clerk, on_duty, checkpoint, passage_data
):
    data = {**passage_data, "origin": "湖北孝感", "phone": "13907370001"}
    passage = services.passage_create(actor=clerk, data=data)
    traveller = Person.objects.get(name="王五")
    assert not traveller.is_resident and traveller.area == checkpoint.area
    assert passage.person == traveller
    key_person = KeyPerson.objects.get()
    assert key_person.category.code == "hubei" and key_person.area == world.district
    assert not Observation.objects.exists()
    alert = Alert.objects.get(kind="risk_arrival")
    assert alert.area == world.district and alert.roles == ["command_office"]


def test_a_risk_origin_needs_the_id_number(clerk, on_duty, passage_data):
    with pytest.raises(ValidationError) as exc:
        services.passage_create(
            actor=clerk, data={**passage_data, "id_number": "", "origin": "武汉"}
        )
    assert "id_number" in exc.value.message_dict
    assert not Passage.objects.exists()


def test_everything_rolls_back_together(monkeypatch, clerk, on_duty, resident, passage_data):
    from django.db import transaction

    def broken(**kwargs):
        raise RuntimeError("alert store down")

    monkeypatch.setattr("fangkong.alerts.services.raise_alert", broken)
    data = {**passage_data, "id_number": resident.id_number, "name": "张三", "origin": "武汉"}
    with pytest.raises(RuntimeError), transaction.atomic():
        services.passage_create(actor=clerk, data=data)
    assert not Passage.objects.exists() and not KeyPerson.objects.exists()
    assert not Observation.objects.exists()


def test_only_staff_who_may_register_there_are_rostered(world, checkpoint, grid_worker):
    now = timezone.now()
    data = {
        "checkpoint": checkpoint,
        "user": grid_worker,
        "start": now,
        "end": now + dt.timedelta(hours=8),
    }
    with pytest.raises(ValidationError) as exc:
        services.shift_check(data=data)
    assert "user" in exc.value.message_dict


def test_a_shift_is_at_most_a_day(clerk, checkpoint):
    now = timezone.now()
    with pytest.raises(ValidationError, match="at most"):
        services.shift_check(
            data={
                "checkpoint": checkpoint,
                "user": clerk,
                "start": now,
                "end": now + dt.timedelta(hours=25),
            }
        )
    with pytest.raises(ValidationError, match="ends after"):
        services.shift_check(
            data={"checkpoint": checkpoint, "user": clerk, "start": now, "end": now}
        )
