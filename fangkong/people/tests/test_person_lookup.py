"""District-wide lookup of one ID number (checkpoints, fever clinics, pharmacies)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.testing import make_id_number, make_user
from fangkong.people.models import Person
from fangkong.people.services import person_lookup


@pytest.fixture
def clerk(world):
    return make_user("clerk", "checkpoint_staff", world.other_town)


def test_finds_anyone_in_the_district_and_logs_it(world, clerk):
    number = make_id_number(seq=7)
    person = Person.objects.create(name="张三", id_number=number, area=world.grid)
    assert person_lookup(actor=clerk, id_number=number, purpose="checkpoint passage") == person
    log = AccessLog.objects.get()
    assert log.actor == clerk and log.subject_id == person.pk
    assert log.reason == "lookup: checkpoint passage"
    assert person_lookup(actor=clerk, id_number=make_id_number(seq=8), purpose="x") is None


def test_a_mistyped_number_says_which_rule_failed(world, clerk):
    number = make_id_number(seq=7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        person_lookup(actor=clerk, id_number=wrong, purpose="x")
    assert "check" in str(exc.value).lower() or "校验" in str(exc.value)


@override_settings(FANGKONG_PERSON_LOOKUP_LIMIT=2)
def test_lookups_are_limited_per_hour(world, clerk):
    numbers = [make_id_number(seq=n) for n in (1, 2, 3)]
    for n in numbers:
        Person.objects.create(name="李四", id_number=n, area=world.grid)
    person_lookup(actor=clerk, id_number=numbers[0], purpose="x")
    person_lookup(actor=clerk, id_number=numbers[1], purpose="x")
    with pytest.raises(ValidationError) as exc:
        person_lookup(actor=clerk, id_number=numbers[2], purpose="x")
    assert exc.value.error_dict["id_number"][0].code == "rate_limited"
    assert SecurityEvent.objects.filter(user=clerk).exists()
