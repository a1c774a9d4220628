"""The duplicate-ID answer is not an existence oracle: who only for those who may see them,
every hit in the access log, an hourly limit per user; transfer requests to the owning area."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.testing import make_id_number, make_user
from fangkong.people.models import Person, TransferRequest
from fangkong.people.services import (
    DUPLICATE_CHECK_REASON,
    person_check,
    person_create,
    transfer_decide,
    transfer_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def checkpoint_clerk(world):
    # May register persons in the grid but not view any.
    return make_user("clerk", "checkpoint_staff", world.grid)


def _register(actor, number, area, name="重复"):
    with pytest.raises(ValidationError) as caught:
        person_create(actor=actor, data={"name": name, "id_number": number, "area": area})
    return " ".join(caught.value.message_dict["id_number"])


def test_out_of_scope_clash_says_only_elsewhere(world, outsider, checkpoint_clerk, person_in):
    for actor, area in ((outsider, world.other_grid), (checkpoint_clerk, world.grid)):
        message = _register(actor, person_in.id_number, area)
        assert "registered elsewhere" in message
        for secret in (person_in.name, person_in.area.name, str(person_in.pk), "张"):
            assert secret not in message, (actor, secret)


def test_in_scope_clash_names_the_person_and_record(world, grid_worker, person_in):
    message = _register(grid_worker, person_in.id_number, world.grid)
    assert person_in.name in message and person_in.area.name in message
    assert f"#{person_in.pk}" in message


def test_api_out_of_scope_answer_reveals_nothing(client, outsider, world, person_in):
    client.force_login(outsider)
    body = {"name": "某人", "id_number": person_in.id_number, "area_id": world.other_grid.pk}
    response = client.post(
        "/api/v1/persons",
        json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    raw = response.content.decode()
    assert "registered elsewhere" in raw
    assert person_in.name not in raw and person_in.area.name not in raw


def test_every_hit_is_in_the_access_log_even_though_refused(world, outsider, person_in):
    _register(outsider, person_in.id_number, world.other_grid)
    with pytest.raises(ValidationError):
        person_check(
            data={"name": "x", "id_number": person_in.id_number, "area": world.other_grid},
            actor=outsider,
        )
    rows = AccessLog.objects.filter(actor=outsider, subject_id=person_in.pk)
    assert rows.count() == 2
    assert {(r.action, r.reason, r.fields) for r in rows} == {
        (AccessLog.Action.SEARCH, DUPLICATE_CHECK_REASON, "id_number")
    }
    # A number nobody holds is no hit, and not logged.
    person_create(
        actor=outsider,
        data={
            "name": "新人",
            "id_number": make_id_number(birth="20010101"),
            "area": world.other_grid,
        },
    )
    assert AccessLog.objects.filter(actor=outsider).count() == 2


def test_hits_are_limited_per_user_and_hour(settings, world, outsider, grid_worker, person_in):
    settings.FANGKONG_DUPLICATE_CHECK_LIMIT = 2
    for _ in range(2):
        assert "registered elsewhere" in _register(outsider, person_in.id_number, world.other_grid)
    # Over the limit: refused before looking, for a known and for an unknown number alike.
    for number in (person_in.id_number, make_id_number(birth="20020202")):
        message = _register(outsider, number, world.other_grid)
        assert "paused" in message and "elsewhere" not in message
    assert not Person.objects.filter(area=world.other_grid, name="重复").exists()
    events = SecurityEvent.objects.filter(user=outsider, kind=SecurityEvent.Kind.DENIED)
    assert events.count() == 2 and "duplicate ID check limit" in events.first().detail
    # Other users keep their own allowance; persons without a number are still registered.
    assert person_in.name in _register(grid_worker, person_in.id_number, world.grid)
    person_create(actor=outsider, data={"name": "无证", "area": world.other_grid})


def test_transfer_request_and_acceptance_moves_the_person(
    world, outsider, grid_worker, person_in, client
):
    transfer = transfer_request(
        actor=outsider,
        id_number=person_in.id_number,
        to_area=world.other_grid,
        to_household=world.other_household,
        reason="已搬到南湾村",
    )
    assert (transfer.from_area, transfer.status) == (world.grid, TransferRequest.Status.PENDING)
    assert AccessLog.objects.filter(actor=outsider, subject_id=person_in.pk).count() == 1
    with pytest.raises(ValidationError, match="already asked"):
        transfer_request(
            actor=outsider, id_number=person_in.id_number, to_area=world.other_grid, reason="再问"
        )
    # The requester's own list shows the masked number and status only.
    client.force_login(outsider)
    mine = client.get("/people/transfers/").content.decode()
    assert person_in.id_number[-4:] in mine and person_in.name not in mine
    assert world.grid.name not in mine
    # Someone outside the owning area cannot answer; refusing needs a reason.
    with pytest.raises(PermissionDenied):
        transfer_decide(actor=outsider, transfer=transfer, accept=True)
    with pytest.raises(ValidationError, match="why|理由"):
        transfer_decide(actor=grid_worker, transfer=transfer, accept=False)
    done = transfer_decide(actor=grid_worker, transfer=transfer, accept=True, note="同意")
    assert (done.status, done.decided_by) == (TransferRequest.Status.ACCEPTED, grid_worker)
    person_in.refresh_from_db()
    assert person_in.area == world.other_grid and person_in.household == world.other_household
    assert person_in.history.first().history_user == grid_worker
    assert Person.objects.restrict(outsider, "view").filter(pk=person_in.pk).exists()
    with pytest.raises(ValidationError, match="already answered|已处理"):
        transfer_decide(actor=grid_worker, transfer=transfer, accept=False, note="反悔")


@pytest.fixture
def transfers_api():
    """The transfer routes live under the project's ``/api/v1``."""
    return "/api/v1"


def test_transfer_api(client, transfers_api, world, outsider, grid_worker, person_in):
    client.force_login(outsider)
    body = {"id_number": person_in.id_number, "to_area_id": world.other_grid.pk, "reason": "搬家"}
    made = client.post(
        f"{transfers_api}/transfers", json.dumps(body), content_type="application/json"
    )
    assert made.status_code == 201, made.content
    raw = made.content.decode()
    assert person_in.name not in raw and world.grid.name not in raw
    assert made.json()["person_id"] is None
    assert made.json()["id_number_masked"].endswith(person_in.id_number[-4:])
    bad = client.post(
        f"{transfers_api}/transfers",
        json.dumps({**body, "to_area_id": world.grid.pk}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "to_area_id" in bad.json()["errors"]
    transfer_id = made.json()["id"]
    decide = f"{transfers_api}/transfers/{transfer_id}/decide"
    answer = {"decision": "accept", "note": ""}
    assert (
        client.post(decide, json.dumps(answer), content_type="application/json").status_code == 404
    )
    client.force_login(grid_worker)
    lists = client.get(f"{transfers_api}/transfers").json()
    assert [t["person_name"] for t in lists["to_me"]] == [person_in.name]
    done = client.post(decide, json.dumps(answer), content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    client.force_login(outsider)
    mine = client.get(f"{transfers_api}/transfers").json()["from_me"]
    assert mine[0]["person_id"] == person_in.pk  # now theirs to open


def test_transfer_pages(client, world, outsider, grid_worker, person_in):
    client.force_login(outsider)
    form = {"id_number": person_in.id_number, "to_area": world.other_grid.pk, "reason": "搬家"}
    page = client.post("/people/transfers/new/", form)
    assert page.status_code == 302
    transfer = TransferRequest.objects.get()
    client.force_login(grid_worker)
    listing = client.get("/people/transfers/").content.decode()
    assert person_in.name in listing and "搬家" in listing
    answer = client.post(
        f"/people/transfers/{transfer.pk}/decide/", {"decision": "refuse", "note": "查无此事"}
    )
    assert answer.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferRequest.Status.REFUSED
    # Not the outsider's to answer: the same 404 as a missing request.
    client.force_login(outsider)
    refused = client.post(f"/people/transfers/{transfer.pk}/decide/", {"decision": "accept"})
    assert refused.status_code == 404


def test_a_hit_under_an_idempotency_key_is_still_logged(client, outsider, world, person_in):
    client.force_login(outsider)
    body = {"name": "某人", "id_number": person_in.id_number, "area_id": world.other_grid.pk}
    response = client.post(
        "/api/v1/persons",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="dup-probe-1",
    )
    assert response.status_code == 422
    assert AccessLog.objects.filter(actor=outsider, subject_id=person_in.pk).count() == 1
