"""API authentication: tokens, sessions (CSRF, second factor), JSON 401s, and the docs."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.core.models import SecurityEvent
from fangkong.core.testing import make_user
from fangkong.core.tokens import token_create, token_revoke

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_lets_a_machine_in(client, grid_worker, person_in):
    _token, raw = token_create(actor=grid_worker, name="phone")
    response = client.get("/api/v1/persons", **bearer(raw))
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [person_in.pk]


@pytest.mark.parametrize("case", ["wrong_secret", "unknown", "garbage", "revoked", "expired"])
def test_refused_token_is_401_and_a_security_event(client, grid_worker, case):
    token, raw = token_create(actor=grid_worker, name="phone")
    if case == "wrong_secret":
        raw = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")
    elif case == "unknown":
        raw = "fk_deadbeef_" + "x" * 40
    elif case == "garbage":
        raw = "not-a-token"
    elif case == "revoked":
        token_revoke(actor=grid_worker, token=token)
    elif case == "expired":
        type(token).objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
    before = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_FAILED).count()
    response = client.get("/api/v1/persons", **bearer(raw))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.TOKEN_FAILED).count() == before + 1


def test_refused_token_does_not_fall_back_to_the_session(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get("/api/v1/persons", **bearer("fk_deadbeef_nope"))
    assert response.status_code == 401


def test_disabled_user_token_is_refused(client, grid_worker):
    _token, raw = token_create(actor=grid_worker, name="phone")
    grid_worker.is_active = False
    grid_worker.save()
    assert client.get("/api/v1/persons", **bearer(raw)).status_code == 401


def test_anonymous_gets_json_401(client, world):
    for path in ("/api/v1/persons", "/api/v1/areas", "/api/v1/households", "/api/v1/areas/1"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "detail" in response.json()
    response = client.post("/api/v1/persons", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_session_works_for_reads(client, grid_worker, person_in):
    client.force_login(grid_worker)
    assert client.get(f"/api/v1/persons/{person_in.pk}").status_code == 200


def test_session_writes_need_the_csrf_token(grid_worker, world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(grid_worker)
    response = browser.post(
        "/api/v1/persons",
        {"name": "王五", "area_id": world.grid.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "detail" in response.json()


def test_session_without_required_second_factor_is_refused(client, world, person_in):
    # A commander may unmask, so needs TOTP; this one is no demo account and has not verified.
    user = make_user("cmd2", "district_commander", world.district)
    client.force_login(user)
    assert client.get("/api/v1/persons").status_code == 401


def test_token_of_a_two_factor_user_works(client, world, person_in):
    # The token was created after a verified login; the machine carries no second factor.
    user = make_user("cmd3", "district_commander", world.district)
    _token, raw = token_create(actor=user, name="script")
    assert client.get("/api/v1/persons", **bearer(raw)).status_code == 200


def test_docs_and_schema_load(client, commander):
    # Not public (docs/deployment.md): a signed-in user of any role reads them.
    client.force_login(commander)
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/areas",
        "/api/v1/households/{household_id}",
        "/api/v1/persons",
        "/api/v1/persons/search",
        "/api/v1/persons/{person_id}/reveal",
    ):
        assert path in paths
    # No route takes an ID or phone number in the query string.
    for ops in paths.values():
        for op in ops.values():
            names = {p["name"] for p in op.get("parameters", [])}
            assert not names & {"id_number", "phone"}
