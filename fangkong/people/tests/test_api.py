"""Persons over the API, with personas: grid worker (in scope), outsider, read-only, commander."""

import json

import pytest

from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.testing import make_id_number, make_phone
from fangkong.people.models import Person, Tag
from fangkong.people.services import person_create, person_update

pytestmark = pytest.mark.django_db


def send(client, method, path, body=None, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return getattr(client, method)(path, data, content_type="application/json", **extra)


@pytest.fixture
def as_grid(client, grid_worker):
    client.force_login(grid_worker)
    return client


@pytest.fixture
def as_commander(client, commander):
    client.force_login(commander)
    return client


# Reads and scope --------------------------------------------------------------------------------


def test_grid_worker_lists_only_own_grid(as_grid, person_in, person_out):
    body = as_grid.get("/api/v1/persons").json()
    assert body["count"] == 1
    assert [p["id"] for p in body["results"]] == [person_in.pk]
    assert set(body) == {"count", "count_capped", "page", "page_size", "results"}
    assert body["count_capped"] is False


def test_outsider_gets_404_for_person_in_and_the_refusal_is_logged(client, outsider, person_in):
    client.force_login(outsider)
    missing = client.get("/api/v1/persons/999999")
    response = client.get(f"/api/v1/persons/{person_in.pk}")
    assert response.status_code == missing.status_code == 404
    assert response.json()["detail"] == missing.json()["detail"]
    assert (
        SecurityEvent.objects.filter(
            kind=SecurityEvent.Kind.DENIED, user=outsider, path=f"/api/v1/persons/{person_in.pk}"
        ).count()
        == 1
    )
    for method, path, body in [
        ("patch", f"/api/v1/persons/{person_in.pk}", {"version": 1, "name": "改"}),
        ("delete", f"/api/v1/persons/{person_in.pk}", {"version": 1, "reason": "x"}),
        ("post", f"/api/v1/persons/{person_in.pk}/reveal", {"reason": "check"}),
    ]:
        assert send(client, method, path, body).status_code == 404, method
    person_in.refresh_from_db()
    assert person_in.name == "张三" and person_in.deleted_at is None


def test_readonly_sees_no_persons(client, readonly, person_in):
    client.force_login(readonly)
    assert client.get("/api/v1/persons").json()["count"] == 0
    assert client.get(f"/api/v1/persons/{person_in.pk}").status_code == 404
    body = {"name": "王五", "area_id": person_in.area_id}
    response = send(client, "post", "/api/v1/persons", body)
    assert response.status_code == 422  # the area is visible, adding persons there is not
    assert not Person.objects.filter(name="王五").exists()


def test_output_is_masked(as_grid, person_in):
    body = as_grid.get(f"/api/v1/persons/{person_in.pk}").json()
    number = person_in.id_number
    assert body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert body["phone_masked"] == person_in.phone[:3] + "****" + person_in.phone[-4:]
    raw = json.dumps(body)
    assert person_in.id_number not in raw and person_in.phone not in raw
    assert {
        "id",
        "version",
        "name",
        "sex",
        "birth_date",
        "id_region_unknown",
        "area",
        "household_id",
        "relation",
        "current_address",
        "registered_residence",
        "is_resident",
        "tags",
        "created_at",
        "updated_at",
    } <= set(body)
    assert body["area"] == {
        "id": person_in.area.pk,
        "code": person_in.area.code,
        "name": person_in.area.name,
    }


def test_list_filters_and_bad_filters(as_grid, person_in, world):
    assert as_grid.get("/api/v1/persons?q=zs").json()["count"] == 1
    assert as_grid.get("/api/v1/persons?q=ls").json()["count"] == 0
    query = (
        f"household={world.household.pk}&sex=M&is_resident=true&born_after=1979-01-01"
        "&ordering=-name"
    )
    assert as_grid.get(f"/api/v1/persons?{query}").json()["count"] == 1
    assert as_grid.get("/api/v1/persons?born_after=1990-01-01").json()["count"] == 0
    # A full ID in a query string is refused, not searched (it would sit in access logs).
    full = as_grid.get(f"/api/v1/persons?q={person_in.id_number}")
    assert full.status_code == 422 and "q" in full.json()["errors"]
    # An area outside one's scope is not a valid choice; nor is an unknown ordering.
    other = as_grid.get(f"/api/v1/persons?area={world.other_grid.pk}")
    assert other.status_code == 422 and "area" in other.json()["errors"]
    assert "ordering" in as_grid.get("/api/v1/persons?ordering=secret").json()["errors"]
    wrong = as_grid.get("/api/v1/persons?page=0&born_before=yesterday&area=x")
    assert wrong.status_code == 422
    assert {"page", "born_before", "area"} <= set(wrong.json()["errors"])


def test_pagination(as_commander, world):
    for i in range(3):
        Person.objects.create(name=f"测试{i}", area=world.grid, name_pinyin=f"ceshi{i}")
    body = as_commander.get("/api/v1/persons?page=2&page_size=2").json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (3, 2, 2, 1)
    assert as_commander.get("/api/v1/persons?page=9").json()["results"] == []
    assert as_commander.get("/api/v1/persons?page_size=1000").status_code == 422


# Search and reveal ------------------------------------------------------------------------------


def test_search_by_full_id_finds_exactly_that_person_in_scope(as_grid, person_in, person_out):
    found = send(as_grid, "post", "/api/v1/persons/search", {"query": person_in.id_number})
    assert found.status_code == 200
    assert [p["id"] for p in found.json()["results"]] == [person_in.pk]
    # The other person exists, but outside the grid worker's scope: nothing.
    hidden = send(as_grid, "post", "/api/v1/persons/search", {"query": person_out.id_number})
    assert hidden.json()["count"] == 0
    by_phone = send(as_grid, "post", "/api/v1/persons/search", {"query": person_in.phone})
    assert [p["id"] for p in by_phone.json()["results"]] == [person_in.pk]
    assert send(as_grid, "post", "/api/v1/persons/search", {"query": ""}).status_code == 422


def test_reveal_for_a_permitted_user_is_logged(as_commander, commander, person_in):
    response = send(
        as_commander, "post", f"/api/v1/persons/{person_in.pk}/reveal", {"reason": "核对身份"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": person_in.pk,
        "id_number": person_in.id_number,
        "phone": person_in.phone,
    }
    assert response["Cache-Control"] == "no-store"
    log = AccessLog.objects.get(actor=commander, subject_id=person_in.pk)
    assert log.reason == "核对身份" and log.action == AccessLog.Action.VIEW


def test_reveal_needs_a_reason(as_commander, person_in):
    response = send(as_commander, "post", f"/api/v1/persons/{person_in.pk}/reveal", {"reason": ""})
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    assert not AccessLog.objects.exists()


def test_reveal_is_403_for_grid_worker(as_grid, grid_worker, person_in):
    response = send(as_grid, "post", f"/api/v1/persons/{person_in.pk}/reveal", {"reason": "看看"})
    assert response.status_code == 403
    assert person_in.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DENIED, user=grid_worker).exists()


# Create -----------------------------------------------------------------------------------------


def test_create(as_grid, world):
    tag = Tag.objects.create(name="重点")
    number = make_id_number(birth="19900315", male=False)
    response = send(
        as_grid,
        "post",
        "/api/v1/persons",
        {
            "name": "王五",
            "id_number": number,
            "phone": make_phone(),
            "household_id": world.household.pk,
            "relation": "妻",
            "tag_ids": [tag.pk],
            "is_resident": False,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1 and body["sex"] == "F" and body["birth_date"] == "1990-03-15"
    assert body["area"]["id"] == world.grid.pk  # taken from the household
    assert body["tags"] == [{"id": tag.pk, "name": "重点"}]
    assert number not in response.content.decode()
    assert Person.objects.get(pk=body["id"]).id_number == number


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "王五", "id_number": "430971198001010012"}, "id_number"),  # checksum
        ({"name": "王五", "id_number": "430971198002300015"}, "id_number"),  # 30 February
        ({"name": "王五", "phone": "12345678901"}, "phone"),
        ({"name": "王五", "phone": "1380000"}, "phone"),
        ({"id_number": None}, "name"),  # missing name
        ({"name": "   "}, "name"),
        ({"name": 12}, "name"),  # wrong type
        ({"name": "王五", "is_resident": "perhaps"}, "is_resident"),
        ({"name": "王五", "tag_ids": "1"}, "tag_ids"),
        ({"name": "王五", "tag_ids": [99999]}, "tag_ids"),
        ({"name": "王五", "area_id": "abc"}, "area_id"),
        ({"name": "王五", "area_id": 10**30}, "area_id"),
        ({"name": "王五", "household_id": 99999}, "household_id"),
        ({"name": "王五", "unknown": 1}, "unknown"),
        ({"name": "王\x00五"}, "name"),
        ({"name": "王" * 61}, "name"),  # longer than any identity document prints
    ],
)
def test_create_rejects_bad_input_with_field_messages(as_grid, world, body, field):
    body = {"area_id": world.grid.pk, **body}
    response = send(as_grid, "post", "/api/v1/persons", body)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert field in errors and all(isinstance(m, str) and m for m in errors[field])
    assert response.json()["detail"]
    assert Person.objects.count() == 0


@pytest.mark.parametrize("raw", ["{bad json", "[1, 2]", '"text"', "", b"\xff\xfe"])
def test_malformed_bodies_are_422_not_500(as_grid, raw):
    response = send(as_grid, "post", "/api/v1/persons", raw)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert Person.objects.count() == 0


def test_create_outside_scope_writes_nothing(as_grid, world):
    # The grid worker holds only their grid; the village above it is not theirs.
    body = {"name": "越界", "area_id": world.village.pk}
    response = send(as_grid, "post", "/api/v1/persons", body)
    assert response.status_code == 422
    assert "area_id" in response.json()["errors"]
    assert not Person.all_objects.filter(name="越界").exists()


def test_duplicate_id_is_refused(as_grid, person_in, world):
    response = send(
        as_grid,
        "post",
        "/api/v1/persons",
        {"name": "张三", "id_number": person_in.id_number, "area_id": world.grid.pk},
    )
    assert response.status_code == 422 and "id_number" in response.json()["errors"]


# Update and delete ------------------------------------------------------------------------------


def test_patch(as_grid, person_in):
    response = send(
        as_grid,
        "patch",
        f"/api/v1/persons/{person_in.pk}",
        {"version": 1, "current_address": "东湖村一组3号"},
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["current_address"] == "东湖村一组3号"
    assert response.json()["name"] == "张三"


def test_stale_patch_is_409_with_the_current_record_and_keeps_the_other_change(
    as_grid, commander, person_in
):
    # Someone else changed the record after the phone read version 1.
    person_update(
        actor=commander, person=person_in, expected_version=1, data={"current_address": "新地址"}
    )
    response = send(
        as_grid, "patch", f"/api/v1/persons/{person_in.pk}", {"version": 1, "relation": "父"}
    )
    assert response.status_code == 409
    current = response.json()["current"]
    assert current["version"] == 2 and current["current_address"] == "新地址"
    assert person_in.id_number not in response.content.decode()
    person_in.refresh_from_db()
    assert person_in.current_address == "新地址" and person_in.relation == "户主"


def test_patch_validation_and_missing_version(as_grid, person_in):
    bad = send(as_grid, "patch", f"/api/v1/persons/{person_in.pk}", {"version": 1, "phone": "999"})
    assert bad.status_code == 422 and "phone" in bad.json()["errors"]
    no_version = send(as_grid, "patch", f"/api/v1/persons/{person_in.pk}", {"name": "x"})
    assert no_version.status_code == 422 and "version" in no_version.json()["errors"]
    person_in.refresh_from_db()
    assert person_in.version == 1


def test_patch_cannot_move_a_person_out_of_scope(as_grid, person_in, world):
    response = send(
        as_grid,
        "patch",
        f"/api/v1/persons/{person_in.pk}",
        {"version": 1, "household_id": world.other_household.pk},
    )
    assert response.status_code == 422
    person_in.refresh_from_db()
    assert person_in.area_id == world.grid.pk and person_in.version == 1


def test_delete(client, world, person_in):
    from fangkong.core.testing import make_user

    cadre = make_user("cadre", "village_cadre", world.village)
    client.force_login(cadre)
    path = f"/api/v1/persons/{person_in.pk}"
    assert send(client, "delete", path, {"version": 1}).status_code == 422
    assert send(client, "delete", path, {"version": 1, "reason": "  "}).status_code == 422
    assert send(client, "delete", path, {"version": 3, "reason": "搬走"}).status_code == 409
    assert send(client, "delete", path, {"version": 1, "reason": "搬走"}).status_code == 204
    assert client.get(path).status_code == 404
    assert Person.all_objects.get(pk=person_in.pk).deleted_reason == "搬走"


def test_delete_without_permission_is_403(as_grid, person_in):
    # The grid worker sees the person but holds no delete permission.
    response = send(
        as_grid, "delete", f"/api/v1/persons/{person_in.pk}", {"version": 1, "reason": "x"}
    )
    assert response.status_code == 403
    person_in.refresh_from_db()
    assert person_in.deleted_at is None


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", "/api/v1/persons?q=%00", None),
        ("get", "/api/v1/persons?sex=X&tag=abc&household=-1", None),
        ("get", "/api/v1/persons?ordering=%00name&page_size=0", None),
        ("get", "/api/v1/persons?born_after=2020-02-30", None),
        ("get", "/api/v1/persons/abc", None),
        ("get", "/api/v1/persons/0", None),
        ("post", "/api/v1/persons/search", {"query": "123456789"}),
        ("post", "/api/v1/persons/search", {"query": None}),
        ("post", "/api/v1/persons/search", {"query": "x" * 101}),
        ("patch", "/api/v1/persons/1", {"version": "abc"}),
        ("patch", "/api/v1/persons/1", {"version": 1, "tag_ids": [None]}),
        ("patch", "/api/v1/persons/1", {"version": 1, "area_id": None}),
        ("post", "/api/v1/persons/1/reveal", {}),
        ("delete", "/api/v1/persons/1", None),
        ("post", "/api/v1/persons", {"name": "王五", "id_number": "4309711980010100"}),
    ],
)
def test_odd_input_never_gives_a_500(as_commander, person_in, method, path, body):
    response = send(as_commander, method, path, "" if body is None else body)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["detail"]


def test_oversized_body_is_413(as_grid, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send(as_grid, "post", "/api/v1/persons", {"name": "王" * 2000})
    assert response.status_code == 413


def test_search_stops_counting_at_the_cap(client, world, commander, settings, monkeypatch):
    from fangkong.core.tokens import token_create
    from fangkong.people import api as people_api

    for i in range(4):
        person_create(actor=commander, data={"name": f"王{i}", "area": world.grid})
    monkeypatch.setattr(people_api, "SEARCH_COUNT_CAP", 3)
    token = token_create(actor=commander, name="t")[1]
    response = client.post(
        "/api/v1/persons/search",
        {"query": "王"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3 and body["count_capped"] is True
    assert [p["name"] for p in body["results"]] == ["王3", "王2", "王1", "王0"]  # newest first
