"""Names as long as identity documents print them, no future birth dates, merges that check
versions and keep their link in history."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fangkong.core.exceptions import StaleVersion
from fangkong.core.imports import IMPORTERS, run_import
from fangkong.people import importers as _importers  # noqa: F401  (registers the importer)
from fangkong.people.models import Person
from fangkong.people.services import person_create, person_merge, person_update

pytestmark = pytest.mark.django_db

LATIN_40 = "Maximilian Alexander Konstantin Oberholz"  # 40 characters, 37 letters


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_a_long_latin_name_is_stored_by_service_api_and_import(client, commander, world):
    assert len(LATIN_40) == 40
    person = person_create(actor=commander, data={"name": LATIN_40, "area": world.grid})
    assert person.name_initials == LATIN_40.lower().replace(" ", "")
    client.force_login(commander)
    body = {"name": LATIN_40 + " Jr", "area_id": world.grid.pk}
    response = client.post("/api/v1/persons", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    csv = f"Name,Area\n{LATIN_40} Sr,{world.grid.code}\n".encode()
    result = run_import(IMPORTERS["people.persons"], csv, "p.csv", actor=commander)
    assert result.get("created") == 1, result


def test_a_name_longer_than_any_card_is_refused_with_one_clear_message(commander, world):
    with pytest.raises(ValidationError) as caught:
        person_create(actor=commander, data={"name": "A" * 61, "area": world.grid})
    (message,) = caught.value.message_dict["name"]
    assert "at most 60 characters" in message and "61" in message
    # In an import, the row says so (not the whole file at commit without a row number).
    csv = f"Name,Area\n{'B' * 61},{world.grid.code}\n".encode()
    result = run_import(IMPORTERS["people.persons"], csv, "p.csv", actor=commander)
    assert result["failed"] and result["errors"][0][0] == 2


def test_a_birth_date_in_the_future_is_refused(commander, world, person_in):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        person_create(
            actor=commander, data={"name": "未来", "area": world.grid, "birth_date": tomorrow}
        )
    assert "future" in caught.value.message_dict["birth_date"][0]
    nobody = person_create(actor=commander, data={"name": "无证", "area": world.grid})
    with pytest.raises(ValidationError):
        person_update(
            actor=commander,
            person=nobody,
            expected_version=nobody.version,
            data={"birth_date": tomorrow},
        )
    person_create(
        actor=commander,
        data={"name": "今天", "area": world.grid, "birth_date": timezone.localdate()},
    )


def test_merge_requires_the_versions_the_user_saw(commander, world, person_in):
    twin = person_create(
        actor=commander, data={"name": "张三", "area": world.grid, "current_address": "湖边"}
    )
    seen_keep, seen_drop = person_in.version, twin.version
    person_update(actor=commander, person=twin, expected_version=seen_drop, data={"relation": "子"})
    with pytest.raises(StaleVersion):
        person_merge(
            actor=commander,
            keep=person_in,
            drop=twin,
            reason="同一人",
            keep_version=seen_keep,
            drop_version=seen_drop,
        )
    twin.refresh_from_db()
    assert twin.deleted_at is None and twin.merged_into_id is None
    kept = person_merge(
        actor=commander,
        keep=person_in,
        drop=twin,
        reason="同一人",
        keep_version=seen_keep,
        drop_version=twin.version,
    )
    assert kept.current_address == "湖边" and kept.version == seen_keep + 1
    dropped = Person.all_objects.get(pk=twin.pk)
    assert dropped.merged_into_id == person_in.pk and dropped.deleted_at is not None
    last = dropped.history.order_by("-history_id").first()
    assert last.merged_into_id == person_in.pk and last.history_user == commander
