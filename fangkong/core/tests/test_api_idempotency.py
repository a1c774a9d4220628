"""Idempotency-Key on creates: a retried request returns the first answer, creates nothing."""

import json
import threading

import pytest
from django.db import connection

from fangkong.core.models import IdempotencyRecord
from fangkong.core.testing import make_id_number
from fangkong.people.models import Person
from fangkong.places.models import Household

pytestmark = pytest.mark.django_db


def post(client, path, body, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def body(world):
    return {"name": "王五", "id_number": make_id_number(), "area_id": world.grid.pk}


def test_retry_returns_the_first_answer_and_creates_nothing(client, grid_worker, body):
    client.force_login(grid_worker)
    first = post(client, "/api/v1/persons", body, key="phone-42-001")
    assert first.status_code == 201
    # The same request again, keys in another order (a different client library).
    retry = post(client, "/api/v1/persons", dict(reversed(list(body.items()))), key="phone-42-001")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert Person.objects.filter(name="王五").count() == 1
    assert IdempotencyRecord.objects.filter(user=grid_worker, key="phone-42-001").count() == 1


def test_same_key_different_body_is_refused(client, grid_worker, body):
    client.force_login(grid_worker)
    assert post(client, "/api/v1/persons", body, key="k1").status_code == 201
    other = post(client, "/api/v1/persons", {**body, "name": "赵六"}, key="k1")
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["errors"]
    assert not Person.objects.filter(name="赵六").exists()


def test_same_key_on_another_route_is_refused(client, grid_worker, world, body):
    client.force_login(grid_worker)
    assert post(client, "/api/v1/persons", body, key="k2").status_code == 201
    response = post(
        client,
        "/api/v1/households",
        {"area_id": world.grid.pk, "number": "900", "address": "x"},
        key="k2",
    )
    assert response.status_code == 422
    assert not Household.objects.filter(number="900").exists()


def test_keys_belong_to_their_user(client, grid_worker, commander, world, body):
    client.force_login(grid_worker)
    assert post(client, "/api/v1/persons", body, key="shared").status_code == 201
    client.force_login(commander)
    second = {**body, "id_number": make_id_number()}
    assert post(client, "/api/v1/persons", second, key="shared").status_code == 201
    assert Person.objects.filter(name="王五").count() == 2


def test_failed_create_stores_nothing_and_a_fixed_retry_works(client, grid_worker, body):
    client.force_login(grid_worker)
    bad = post(client, "/api/v1/persons", {**body, "phone": "12345"}, key="k3")
    assert bad.status_code == 422
    assert not IdempotencyRecord.objects.filter(key="k3").exists()
    good = post(client, "/api/v1/persons", body, key="k3")
    assert good.status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 101])
def test_bad_keys_are_refused(client, grid_worker, body, key):
    client.force_login(grid_worker)
    response = post(client, "/api/v1/persons", body, key=key)
    assert response.status_code == 422
    assert not Person.objects.filter(name="王五").exists()


def test_without_a_key_each_request_creates(client, grid_worker, world):
    client.force_login(grid_worker)
    for _ in range(2):
        assert (
            post(client, "/api/v1/persons", {"name": "钱七", "area_id": world.grid.pk}).status_code
            == 201
        )
    assert Person.objects.filter(name="钱七").count() == 2


def test_a_recorded_key_is_replayed_after_a_lost_race(client, grid_worker, body, monkeypatch):
    """The request that loses the race on the unique (user, key) index answers with the
    winner's stored result and leaves nothing of its own."""
    client.force_login(grid_worker)
    first = post(client, "/api/v1/persons", body, key="race")
    # The loser looked before the winner committed, so its first look found no record.
    real_filter = IdempotencyRecord.objects.filter
    monkeypatch.setattr(
        IdempotencyRecord.objects, "filter", lambda *a, **kw: real_filter(*a, **kw).none()
    )
    retry = post(client, "/api/v1/persons", body, key="race")
    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert Person.objects.filter(name="王五").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_record(grid_worker, world):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: runs in the PostgreSQL pass of .ci/run")
    from django.test import Client

    body = {"name": "孙八", "id_number": make_id_number(), "area_id": world.grid.pk}
    results = []

    def send():
        c = Client()
        c.force_login(grid_worker)
        results.append(post(c, "/api/v1/persons", body, key="together"))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {r.status_code for r in results} == {201}
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    assert Person.objects.filter(name="孙八").count() == 1
