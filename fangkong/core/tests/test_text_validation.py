"""No invisible control characters in any text: one validator, applied at the model root (every
service's full_clean), in the API's input schemas, and so in imports."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from fangkong.core.imports import IMPORTERS, run_import
from fangkong.core.testing import make_id_number
from fangkong.core.validators import validate_text
from fangkong.people import importers as _importers  # noqa: F401  (registers the importer)
from fangkong.people.models import Person
from fangkong.people.services import person_create
from fangkong.places.services import household_create


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("text", "code", "pos"),
    [
        ("王\x0f五", "U+000F", 2),
        ("\x00", "U+0000", 1),
        ("ab\x7f", "U+007F", 3),
        ("a\x85", "U+0085", 2),
    ],
)
def test_control_characters_are_refused_with_code_and_position(text, code, pos):
    with pytest.raises(ValidationError) as caught:
        validate_text(text)
    message = caught.value.messages[0]
    assert f"({code}) at position {pos}" in message and "retype" in message


def test_line_breaks_only_in_multiline_text():
    validate_text("第一行\n第二行\r\n", multiline=True)
    validate_text("普通文字 with spaces, 全角　空格 and emoji 🙂")
    with pytest.raises(ValidationError, match="line break at position 2"):
        validate_text("a\nb")
    with pytest.raises(ValidationError, match=r"U\+0009"):
        validate_text("a\tb", multiline=True)  # a tab is not a line break


@pytest.mark.django_db
def test_every_service_refuses_them_through_model_validation(world, commander):
    with pytest.raises(ValidationError) as caught:
        person_create(actor=commander, data={"name": "王\x0f五", "area": world.grid})
    assert "(U+000F) at position 2" in caught.value.message_dict["name"][0]
    with pytest.raises(ValidationError) as caught:
        person_create(
            actor=commander,
            data={"name": "王五", "area": world.grid, "current_address": "东湖\n村"},
        )
    assert "line break" in caught.value.message_dict["current_address"][0]
    # Another module (places) through the same DomainModel root.
    with pytest.raises(ValidationError) as caught:
        household_create(actor=commander, area=world.grid, number="009", address="湖边\x07路")
    assert "(U+0007)" in caught.value.message_dict["address"][0]
    assert not Person.objects.filter(name="王五").exists()


@pytest.mark.django_db
def test_api_refuses_them_with_a_field_message(client, commander, world):
    client.force_login(commander)
    for body, field in [
        ({"name": "王\x0f五", "area_id": world.grid.pk}, "name"),
        ({"name": "王五", "area_id": world.grid.pk, "relation": "\x1b[31m"}, "relation"),
        ({"name": "王\n五", "area_id": world.grid.pk}, "name"),  # one-line field: the model says
    ]:
        response = client.post(
            "/api/v1/persons",
            json.dumps(body),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 422, body
        message = " ".join(response.json()["errors"][field])
        assert "control character" in message or "line break" in message, message
    assert not Person.objects.filter(area=world.grid).exists()
    query = client.get("/api/v1/persons", {"q": "王\x0f"})
    assert query.status_code == 422 and "q" in query.json()["errors"]


@pytest.mark.django_db
def test_imports_refuse_them_per_row(world, commander):
    csv = (
        "Name,Resident ID number,Mobile number,Area\n"
        f"王\x0f五,{make_id_number(birth='19700101')},,{world.grid.code}\n"
        f"赵六,,,{world.grid.code}\n"
    ).encode()
    result = run_import(IMPORTERS["people.persons"], csv, "people.csv", actor=commander)
    assert result["failed"] and result["rejected"] == 1, result["errors"]
    (line, _row, reason) = result["errors"][0]
    assert line == 2 and "(U+000F) at position 2" in reason
    assert not Person.objects.filter(name="赵六").exists()
