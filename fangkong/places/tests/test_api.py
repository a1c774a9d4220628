"""Areas and households over the API, with personas."""

import json

import pytest

from fangkong.core.models import SecurityEvent
from fangkong.core.testing import make_user
from fangkong.places.models import Area, Household
from fangkong.places.services import household_update

pytestmark = pytest.mark.django_db


def send(client, method, path, body=None):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def test_grid_worker_sees_only_own_grid(client, grid_worker, world):
    client.force_login(grid_worker)
    areas = client.get("/api/v1/areas").json()
    assert [a["id"] for a in areas["results"]] == [world.grid.pk]
    households = client.get("/api/v1/households").json()
    assert [h["id"] for h in households["results"]] == [world.household.pk]
    assert households["results"][0]["area"] == {
        "id": world.grid.pk,
        "code": world.grid.code,
        "name": world.grid.name,
    }


def test_area_filters(client, readonly, world):
    client.force_login(readonly)
    grids = client.get("/api/v1/areas?level=5&ordering=-code").json()
    assert [a["id"] for a in grids["results"]] == [
        world.other_grid.pk,
        world.grid2.pk,
        world.grid.pk,
    ]
    children = client.get(f"/api/v1/areas?parent={world.village.pk}").json()
    assert children["count"] == 2
    assert client.get("/api/v1/areas?q=东湖").json()["count"] == 3
    assert client.get("/api/v1/areas?level=9").status_code == 422
    assert client.get("/api/v1/areas?parent=99999").status_code == 422


def test_outsider_gets_404_for_foreign_area_and_household(client, outsider, world):
    client.force_login(outsider)
    for path in (f"/api/v1/areas/{world.grid.pk}", f"/api/v1/households/{world.household.pk}"):
        assert client.get(path).status_code == 404
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DENIED, user=outsider).count() == 2
    response = send(
        client, "patch", f"/api/v1/households/{world.household.pk}", {"version": 1, "address": "改"}
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/households?area={world.grid.pk}").status_code == 422


def test_create_household_and_field_errors(client, grid_worker, world):
    client.force_login(grid_worker)
    ok = send(
        client,
        "post",
        "/api/v1/households",
        {"area_id": world.grid.pk, "number": "002", "address": "东湖村一组2号"},
    )
    assert ok.status_code == 201 and ok.json()["version"] == 1
    dup = send(
        client,
        "post",
        "/api/v1/households",
        {"area_id": world.grid.pk, "number": "002", "address": "又一个"},
    )
    assert dup.status_code == 422
    missing = send(client, "post", "/api/v1/households", {"area_id": world.grid.pk})
    assert {"number", "address"} <= set(missing.json()["errors"])
    foreign = send(
        client,
        "post",
        "/api/v1/households",
        {"area_id": world.other_grid.pk, "number": "9", "address": "x"},
    )
    assert foreign.status_code == 422 and "area_id" in foreign.json()["errors"]
    assert Household.objects.filter(area=world.grid).count() == 2


def test_household_must_be_in_a_grid(client, commander, world):
    client.force_login(commander)
    response = send(
        client,
        "post",
        "/api/v1/households",
        {"area_id": world.village.pk, "number": "1", "address": "x"},
    )
    assert response.status_code == 422 and "area_id" in response.json()["errors"]


def test_household_patch_and_stale_version(client, grid_worker, commander, world):
    client.force_login(grid_worker)
    path = f"/api/v1/households/{world.household.pk}"
    ok = send(client, "patch", path, {"version": 1, "head_name": "张大"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    household_update(
        actor=commander, household=world.household, expected_version=2, note="他人修改"
    )
    stale = send(client, "patch", path, {"version": 2, "head_name": "张二"})
    assert stale.status_code == 409
    assert stale.json()["current"]["note"] == "他人修改"
    assert Household.objects.get(pk=world.household.pk).head_name == "张大"


def test_household_delete(client, world, person_in):
    office = make_user("office", "command_office", world.district)
    client.force_login(office)
    path = f"/api/v1/households/{world.household.pk}"
    occupied = send(client, "delete", path, {"version": 1, "reason": "拆迁"})
    assert occupied.status_code == 422 and occupied.json()["errors"]
    empty = send(
        client,
        "post",
        "/api/v1/households",
        {"area_id": world.grid.pk, "number": "003", "address": "空户"},
    ).json()
    gone = send(
        client, "delete", f"/api/v1/households/{empty['id']}", {"version": 1, "reason": "拆迁"}
    )
    assert gone.status_code == 204
    assert client.get(f"/api/v1/households/{empty['id']}").status_code == 404


def test_area_create_and_patch(client, world):
    cadre = make_user("cadre", "village_cadre", world.village)
    client.force_login(cadre)
    created = send(
        client,
        "post",
        "/api/v1/areas",
        {
            "code": "430971100201003",
            "name": "东湖村三组",
            "level": 5,
            "parent_id": world.village.pk,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["path"] == world.village.path + "430971100201003/"
    # A village cadre cannot add a town next to their village.
    outside = send(
        client,
        "post",
        "/api/v1/areas",
        {"code": "430971199", "name": "新镇", "level": 2, "parent_id": world.district.pk},
    )
    assert outside.status_code == 422
    assert not Area.objects.filter(code="430971199").exists()
    bad = send(
        client,
        "post",
        "/api/v1/areas",
        {"code": "abc", "name": "x", "level": 5, "parent_id": world.village.pk},
    )
    assert "code" in bad.json()["errors"]
    # Changing areas needs places.change_area, which a village cadre lacks.
    patch = send(
        client, "patch", f"/api/v1/areas/{created.json()['id']}", {"version": 1, "name": "三组"}
    )
    assert patch.status_code == 403


def test_area_patch_by_command_office(client, world):
    office = make_user("office", "command_office", world.district)
    client.force_login(office)
    path = f"/api/v1/areas/{world.grid2.pk}"
    ok = send(client, "patch", path, {"version": 1, "name": "东湖村第二组"})
    assert ok.status_code == 200 and ok.json()["name"] == "东湖村第二组"
    assert send(client, "patch", path, {"version": 1, "name": "旧"}).status_code == 409
    orphan = send(client, "patch", path, {"version": 2, "parent_id": None})
    assert orphan.status_code == 422 and "parent_id" in orphan.json()["errors"]
