"""The API and its batch path: the same rules, the same consequences, stored once."""

import datetime as dt
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.alerts.models import Alert
from fangkong.checkpoints.models import Passage
from fangkong.core.testing import make_id_number
from fangkong.core.tokens import token_create
from fangkong.observation.models import KeyPerson

BATCH = "/api/v1/passages/batch"


def record(checkpoint, n, **extra):
    return {
        "client_id": f"phone-1-{n}",
        "checkpoint_id": checkpoint.pk,
        "name": f"旅客{n}",
        "id_number": make_id_number(region="430902", seq=100 + n),
        "temperature": "36.5",
        "direction": "in",
        "origin": "长沙",
        **extra,
    }


def post(client, records, **headers):
    return client.post(
        BATCH, json.dumps({"records": records}), content_type="application/json", **headers
    )


def results(response):
    assert response.status_code == 200, response.content
    return {r["client_id"]: r for r in response.json()["results"]}


def test_single_create_through_the_api(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    body = record(checkpoint, 1, temperature="38.0")
    body.pop("client_id")
    response = client.post("/api/v1/passages", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["fever"] is True and "id_number" not in out
    assert out["id_number_masked"].startswith("430902")
    assert Alert.objects.get().kind == "fever_checkpoint"


def test_the_api_refuses_a_clerk_not_on_duty(client, clerk, checkpoint):
    client.force_login(clerk)
    body = record(checkpoint, 1)
    body.pop("client_id")
    response = client.post("/api/v1/passages", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "not on duty" in json.dumps(response.json(), ensure_ascii=False)
    assert not Passage.objects.exists()


def test_a_batch_keeps_good_rows_and_lists_every_bad_one(
    client, clerk, on_duty, checkpoint, other_checkpoint, resident
):
    client.force_login(clerk)
    now = timezone.now()
    records = [
        record(checkpoint, 1),
        record(checkpoint, 2, temperature="45.0"),
        record(checkpoint, 3, id_number=make_id_number(seq=7)[:17] + "Y"),
        record(checkpoint, 4, checkpoint_id=other_checkpoint.pk),
        record(checkpoint, 5, at=(now - dt.timedelta(hours=5)).isoformat()),  # before the shift
        record(checkpoint, 6, plate="XX12345", kind="vehicle"),
        record(
            checkpoint,
            7,
            id_number=resident.id_number,
            name="张三",
            origin="武汉",
            temperature="37.6",
        ),
    ]
    answer = results(post(client, records))
    assert answer["phone-1-1"]["status"] == "stored"
    assert answer["phone-1-7"]["status"] == "stored"
    assert "temperature" in answer["phone-1-2"]["errors"]
    assert "id_number" in answer["phone-1-3"]["errors"]
    assert "checkpoint_id" in answer["phone-1-4"]["errors"]
    assert "not on duty" in answer["phone-1-5"]["errors"]["checkpoint_id"][0]
    assert "plate" in answer["phone-1-6"]["errors"]
    for key in ("phone-1-2", "phone-1-3", "phone-1-4", "phone-1-5", "phone-1-6"):
        assert answer[key]["status"] == "rejected" and answer[key]["id"] is None
    assert Passage.objects.count() == 2
    # The consequences ran for the stored ones: linked, fever alert, key person, observation.
    wuhan = Passage.objects.get(pk=answer["phone-1-7"]["id"])
    assert wuhan.person == resident and wuhan.fever and wuhan.risk_origin
    assert KeyPerson.objects.get().person == resident
    assert set(Alert.objects.values_list("kind", flat=True)) == {"fever_checkpoint", "risk_arrival"}


def test_a_retried_batch_stores_nothing_twice(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    records = [record(checkpoint, n, temperature="37.9") for n in range(1, 4)]
    first = results(post(client, records))
    again = results(post(client, records))
    assert {r["status"] for r in first.values()} == {"stored"}
    assert {r["status"] for r in again.values()} == {"already_stored"}
    assert {k: r["id"] for k, r in first.items()} == {k: r["id"] for k, r in again.items()}
    assert Passage.objects.count() == 3 and Alert.objects.count() == 3


def test_a_batch_costs_a_fixed_number_of_queries(client, clerk, on_duty, checkpoint):
    token = token_create(actor=clerk, name="phone")[1]

    def count(first, n):
        records = [record(checkpoint, first + i) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            response = post(client, records, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert {r["status"] for r in results(response).values()} == {"stored"}
        return [re.sub(r"\d+", "", q["sql"][:60]) for q in ctx.captured_queries]

    count(1, 1)  # the token's first use writes its last_used_at
    small, large = count(10, 5), count(100, 50)
    # The same statements; SQLite splits a long INSERT by its bound-variable limit.
    assert len(large) <= 20 and set(large) == set(small), "\n".join(large)


def test_outsiders_list_nothing_and_get_404(client, outsider, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    answer = results(post(client, [record(checkpoint, 1)]))
    pk = answer["phone-1-1"]["id"]
    client.force_login(outsider)
    assert client.get("/api/v1/passages").json()["count"] == 0
    assert client.get(f"/api/v1/passages/{pk}").status_code == 404
    assert client.get("/api/v1/checkpoints").json()["count"] == 0
    refused = post(client, [record(checkpoint, 2)])
    assert refused.status_code == 403 and Passage.objects.count() == 1


def test_a_single_passage_costs_few_queries(client, clerk, on_duty, checkpoint, resident):
    token = token_create(actor=clerk, name="phone")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def create(n, **extra):
        body = record(checkpoint, n, **extra)
        body.pop("client_id")
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/passages", json.dumps(body), content_type="application/json", **auth
            )
        assert response.status_code == 201, response.content
        return [q["sql"] for q in ctx.captured_queries]

    create(1)  # the token's first use writes its last_used_at
    queries = create(2)
    # token, grants, checkpoint in scope, the clerk's shifts, the registry link, the insert
    # and its history row (SQLite adds nothing; savepoints are not counted as work).
    work = [q for q in queries if not q.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(work) <= 8, "\n".join(work)
