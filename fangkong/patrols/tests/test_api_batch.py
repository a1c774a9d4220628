"""The phone batches (spot checks, follow-up visits), the API's messages and the exports."""

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.patrols.models import FollowUp, SpotCheck, VenueOrder
from fangkong.patrols.tests import factories as f

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def results(response):
    assert response.status_code == 200, response.content
    return {r["client_id"]: r for r in response.json()["results"]}


def check(world, n, **extra):
    return {
        "client_id": f"phone-3-{n}",
        "area_id": world.grid.pk,
        "checked_at": "2020-01-27T10:15:00+08:00",
        "place": f"东湖村小卖部{n}",
        "result": "compliant",
        **extra,
    }


def test_a_retried_spot_check_batch_stores_each_record_once(world, grid_worker, login):
    client = login(grid_worker)
    # A control character anywhere in the request refuses it whole (the API's input rule).
    poisoned = [check(world, 1), check(world, 9, place="小卖部\x07")]
    response = post(client, "/api/v1/spot-checks/batch", {"records": poisoned})
    assert response.status_code == 422 and not SpotCheck.objects.exists()
    records = [
        check(world, 1),
        check(world, 2, result="rectified", note="店主未戴口罩，已整改"),
        check(world, 3, place="小卖部" * 40),  # longer than the field
        check(world, 4, checked_at="2999-01-01T10:00:00+08:00"),  # in the future
        check(world, 5, area_id=world.other_grid.pk),  # another town
        check(world, 6, result="fine"),  # no such result
    ]
    first = results(post(client, "/api/v1/spot-checks/batch", {"records": records}))
    assert [first[f"phone-3-{n}"]["status"] for n in range(1, 7)] == [
        "stored",
        "stored",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert "place" in first["phone-3-3"]["errors"]
    assert "checked_at" in first["phone-3-4"]["errors"]
    assert "area_id" in first["phone-3-5"]["errors"]
    assert "result" in first["phone-3-6"]["errors"]
    again = results(post(client, "/api/v1/spot-checks/batch", {"records": records}))
    assert again["phone-3-1"]["status"] == "already_stored"
    assert again["phone-3-1"]["id"] == first["phone-3-1"]["id"]
    assert SpotCheck.objects.count() == 2
    # The batch writes history like the single create (nobody's record without an author).
    assert SpotCheck.history.filter(history_user=grid_worker).count() == 2


def test_follow_up_visits_sync_in_batches_within_scope(world, commander, grid_worker, login):
    mine = f.ceremony(commander, world.grid)
    theirs = f.ceremony(commander, world.other_grid)
    client = login(grid_worker)
    visit = {"visited_on": "2020-02-02", "visitor": "王志强", "result": "kept"}
    records = [
        {"client_id": "v1", "ceremony_id": mine.pk, **visit},
        {"client_id": "v2", "ceremony_id": theirs.pk, **visit},
        {"client_id": "v3", "ceremony_id": mine.pk, **visit, "visited_on": "2020-02-31"},
    ]
    answer = results(post(client, "/api/v1/follow-ups/batch", {"records": records}))
    assert answer["v1"]["status"] == "stored"
    assert answer["v2"]["status"] == "rejected" and "ceremony_id" in answer["v2"]["errors"]
    assert answer["v3"]["status"] == "rejected" and "visited_on" in answer["v3"]["errors"]
    results(post(client, "/api/v1/follow-ups/batch", {"records": records[:1]}))
    assert FollowUp.objects.count() == 1
    assert FollowUp.objects.get().ceremony == mine


def test_only_phone_records_have_a_batch_route(world, commander, login):
    client = login(commander)
    for path in ("venue-orders", "venues", "violations", "patrols", "ceremonies"):
        response = post(client, f"/api/v1/{path}/batch", {"records": [{"client_id": "x"}]})
        assert response.status_code in (404, 405), path


def test_the_api_refuses_a_reopening_without_closure_with_the_rule(world, commander, login):
    client = login(commander)
    venue = f.venue(commander, world.grid)
    body = {
        "venue_id": venue.pk,
        "kind": "reopening",
        "effective_date": "2020-02-20",
        "issued_by": "大通湖区疫情防控指挥部",
    }
    response = post(client, "/api/v1/venue-orders", body)
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
    assert not VenueOrder.objects.exists()
    closure = {**body, "kind": "closure", "effective_date": "2020-01-24"}
    key = {"HTTP_IDEMPOTENCY_KEY": "close-1"}
    one = client.post(
        "/api/v1/venue-orders", json.dumps(closure), content_type="application/json", **key
    )
    two = client.post(
        "/api/v1/venue-orders", json.dumps(closure), content_type="application/json", **key
    )
    assert one.status_code == 201 and two.json()["id"] == one.json()["id"]
    assert VenueOrder.objects.count() == 1


def test_impossible_counts_are_refused_by_the_api(world, commander, login):
    client = login(commander)
    body = {
        "area_id": world.grid.pk,
        "dispersed_at": "2020-01-26T10:00:00+08:00",
        "place": "村部广场",
        "kind": "dance",
        "handling": "persuaded",
    }
    for people in (0, -3, 99999, "many"):
        response = post(client, "/api/v1/dispersals", {**body, "people": people})
        assert response.status_code == 422, people
        assert "people" in response.json()["errors"]


def _sheet(response):
    data = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_the_venue_export_masks_the_operator_and_says_the_status(world, commander, login):
    venue = f.venue(commander, world.grid, operator_phone="13912345678")
    f.order(commander, venue)
    response = login(commander).post(reverse("patrols:venue_list"), {"export": "1"})
    header, rows = _sheet(response)
    assert len(rows) == 1
    cells = [str(c) for c in rows[0]]
    assert "139****5678" in cells and "13912345678" not in cells
    assert cells[-1] in ("closed down", "已关停")  # the derived status column


def test_an_export_follows_the_list_filters(world, commander, login):
    f.ceremony(commander, world.grid, hosts="甲家")
    f.ceremony(commander, world.grid, hosts="乙家", kind="funeral", expected_guests=None)
    url = reverse("patrols:ceremony_list") + "?kind=funeral"
    header, rows = _sheet(login(commander).post(url, {"export": "1"}))
    assert [r[header.index(next(h for h in header if "ost" in h or "主" in h))] for r in rows] == [
        "乙家"
    ]
