"""Batch create for field records (``core.kit.batch``): POST /api/v1/persons/batch."""

import json
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.models import BatchReceipt, SecurityEvent
from fangkong.core.testing import make_id_number, make_phone, postgresql_only
from fangkong.people.models import Person, Tag

pytestmark = pytest.mark.django_db

URL = "/api/v1/persons/batch"


def post(client, records):
    return client.post(URL, json.dumps({"records": records}), content_type="application/json")


def good(world, n, **extra):
    return {
        "client_id": f"phone-7-{n}",
        "name": f"测试{n}",
        "id_number": make_id_number(birth="19900101"),
        "phone": make_phone(),
        "area_id": world.grid.pk,
        **extra,
    }


def by_client(response):
    assert response.status_code == 200, response.content
    return {r["client_id"]: r for r in response.json()["results"]}


def test_good_rows_are_stored_and_every_bad_row_is_listed(client, grid_worker, world):
    client.force_login(grid_worker)
    tag = Tag.objects.create(name="重点")
    records = [
        good(world, 1, tag_ids=[tag.pk]),
        {**good(world, 2), "id_number": "430971198001010012"},  # bad check digit
        good(world, 3, household_id=world.household.pk, relation="子"),
        {**good(world, 4), "area_id": world.other_grid.pk},  # another town: out of scope
        {"client_id": "phone-7-5", "area_id": world.grid.pk},  # no name
        {**good(world, 6), "unknown": 1},  # a field the create does not know
        good(world, 7),
    ]
    results = by_client(post(client, records))
    assert [r["client_id"] for r in results.values()] == [r["client_id"] for r in records]
    stored = {k for k, r in results.items() if r["status"] == "stored"}
    assert stored == {"phone-7-1", "phone-7-3", "phone-7-7"}
    assert "id_number" in results["phone-7-2"]["errors"]
    assert "area_id" in results["phone-7-4"]["errors"]
    assert "name" in results["phone-7-5"]["errors"]
    assert "unknown" in results["phone-7-6"]["errors"]
    for key in ("phone-7-2", "phone-7-4", "phone-7-5", "phone-7-6"):
        assert results[key]["status"] == "rejected" and results[key]["id"] is None
    # Stored as the single create would: derived fields, blind index, tags, history, area.
    first = Person.objects.get(pk=results["phone-7-1"]["id"])
    assert first.birth_date.isoformat() == "1990-01-01" and first.id_number_bidx
    assert first.id_number == records[0]["id_number"] and first.name_initials.startswith("cs")
    assert list(first.tags.all()) == [tag]
    third = Person.objects.get(pk=results["phone-7-3"]["id"])
    assert third.household == world.household and third.relation == "子"
    history = Person.history.filter(id__in=[first.pk, third.pk], history_type="+")
    assert {h.history_user_id for h in history} == {grid_worker.pk}
    assert Person.objects.count() == 3
    # The answer never carries plain numbers.
    assert records[0]["id_number"] not in json.dumps(list(results.values()))


def test_a_retried_batch_stores_nothing_twice(client, grid_worker, world):
    client.force_login(grid_worker)
    records = [good(world, n) for n in range(5)] + [{**good(world, 9), "phone": "123"}]
    first = by_client(post(client, records))
    again = by_client(post(client, records))
    assert Person.objects.count() == 5
    for key, answer in first.items():
        if answer["status"] == "stored":
            assert again[key] == {**answer, "status": "already_stored"}
        else:
            assert again[key]["status"] == "rejected"
    # A corrected record is stored on the next retry; the others stay stored once.
    records[-1]["phone"] = make_phone()
    third = by_client(post(client, records))
    assert third["phone-7-9"]["status"] == "stored"
    assert Person.objects.count() == 6
    assert BatchReceipt.objects.filter(user=grid_worker).count() == 6


def test_client_ids_belong_to_the_user(client, grid_worker, commander, world):
    client.force_login(grid_worker)
    assert by_client(post(client, [good(world, 1)]))["phone-7-1"]["status"] == "stored"
    client.force_login(commander)
    assert by_client(post(client, [good(world, 1)]))["phone-7-1"]["status"] == "stored"


def test_duplicate_ids_inside_a_batch_and_already_registered(client, grid_worker, world, person_in):
    client.force_login(grid_worker)
    number = make_id_number(birth="19910101")
    records = [
        good(world, 1, id_number=number),
        good(world, 2, id_number=number),  # the same person twice in one batch
        good(world, 3, id_number=person_in.id_number),  # registered already
        {**good(world, 1), "name": "又一个"},  # the same client_id twice
    ]
    response = post(client, records)
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["stored", "conflict", "conflict", "rejected"]
    assert "id_number" in results[1]["errors"] and "id_number" in results[2]["errors"]
    assert "client_id" in results[3]["errors"]
    # "Already registered" says no more: not whose record, not where.
    assert person_in.name not in response.content.decode()
    assert (
        Person.objects.filter(id_number_bidx=Person(id_number=number).id_number_bidx).count() <= 1
    )
    assert Person.objects.count() == 2


def test_a_user_who_may_add_nowhere_is_refused_whole(client, readonly, world):
    # The reader sees the district's areas but may not add persons anywhere: the batch is
    # refused outright (403, logged), as a single create is, and nothing is stored.
    client.force_login(readonly)
    response = post(client, [good(world, 1)])
    assert response.status_code == 403
    assert not Person.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.DENIED).exists()


def test_envelope_limits(client, grid_worker, world):
    client.force_login(grid_worker)
    too_many = post(client, [good(world, n) for n in range(501)])
    assert too_many.status_code == 422 and "records" in too_many.json()["errors"]
    assert post(client, []).status_code == 422
    odd = by_client(post(client, ["text", {"name": "无编号", "area_id": world.grid.pk}]))
    assert odd[None]["status"] == "rejected"
    assert not Person.objects.exists()


def test_the_queries_do_not_grow_with_the_batch(client, grid_worker, world):
    from fangkong.core.tokens import token_create

    token = token_create(actor=grid_worker, name="phone")[1]
    tag = Tag.objects.create(name="重点")

    def queries(first, n):
        records = [good(world, first + i, tag_ids=[tag.pk]) for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                URL,
                json.dumps({"records": records}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
        assert {r["status"] for r in response.json()["results"]} == {"stored"}
        return [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]

    queries(0, 1)  # the token's first use writes last_used_at
    small, large = queries(100, 3), queries(200, 60)
    # SQLite splits long inserts into chunks of its variable limit; PostgreSQL does not.
    chunks = 6 if connection.vendor == "sqlite" else 0
    assert len(large) <= len(small) + chunks, (len(small), len(large))
    # token, receipts, grants, whole-tree test, areas, tags, duplicates; receipts, persons,
    # history, tag links, receipt ids
    assert len(small) <= 13, "\n".join(small)


@postgresql_only("PostgreSQL's one-statement bulk insert")
def test_persons_and_their_history_go_in_as_one_unnest_insert_each(client, grid_worker, world):
    # The encrypted fields must not make PostgreSQL fall back to VALUES with a placeholder per
    # cell (psycopg parses such a statement anew for every batch: the batch's slowest step).
    client.force_login(grid_worker)
    records = [good(world, n) for n in range(5)]
    with CaptureQueriesContext(connection) as ctx:
        response = post(client, records)
    assert {r["status"] for r in response.json()["results"]} == {"stored"}
    inserts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith(('INSERT INTO "people_person"', 'INSERT INTO "people_historical'))
    ]
    assert len(inserts) == 2 and all("UNNEST" in sql for sql in inserts), inserts
    stored = Person.objects.get(pk=response.json()["results"][0]["id"])
    assert stored.id_number == records[0]["id_number"]  # still encrypted and read back
    assert stored.history.get().id_number == stored.id_number


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_store_each_record_once(grid_worker, world):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: runs in the PostgreSQL pass of .ci/run")
    from django.test import Client

    records = [good(world, n) for n in range(40)]
    answers = []

    def send():
        c = Client()
        c.force_login(grid_worker)
        answers.append(by_client(post(c, records)))
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Person.objects.count() == 40
    for key in (r["client_id"] for r in records):
        statuses = sorted(a[key]["status"] for a in answers)
        assert statuses.count("stored") == 1 and set(statuses) <= {"stored", "already_stored"}
        assert len({a[key]["id"] for a in answers}) == 1


def test_a_retry_stored_between_the_receipt_lookup_and_the_duplicate_check_is_already_stored(
    client, grid_worker, world, monkeypatch
):
    # The race behind the concurrent test above, made certain: the retry commits after this
    # request looked for receipts and before its duplicate check saw the ID numbers.
    from fangkong.core.kit import batch

    client.force_login(grid_worker)
    records = [good(world, n) for n in range(3)]
    first = by_client(post(client, records))
    monkeypatch.setattr(batch, "_mark_already_stored", lambda *args: None)
    again = by_client(post(client, records))
    for key, answer in again.items():
        assert answer["status"] == "already_stored" and answer["id"] == first[key]["id"]
        assert answer["errors"] == {}
    assert Person.objects.count() == 3


def test_old_receipts_are_forgotten_by_prune_logs(client, grid_worker, world, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    client.force_login(grid_worker)
    post(client, [good(world, 1), good(world, 2)])
    BatchReceipt.objects.filter(client_id="phone-7-1").update(
        created_at=timezone.now() - timedelta(days=settings.FANGKONG_BATCH_RECEIPT_DAYS + 1)
    )
    call_command("prune_logs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(BatchReceipt.objects.values_list("client_id", flat=True)) == ["phone-7-2"]


def test_a_clash_only_the_database_sees_is_a_conflict_and_the_rest_is_stored(
    client, grid_worker, world
):
    """Households have no batch-wide unique check: two records with one number in one grid
    reach the database's unique index, and the batch falls back to row by row."""
    from fangkong.places.models import Household

    client.force_login(grid_worker)
    records = [
        {"client_id": "h1", "area_id": world.grid.pk, "number": "101", "address": "一号"},
        {"client_id": "h2", "area_id": world.grid.pk, "number": "101", "address": "又一号"},
        {"client_id": "h3", "area_id": world.grid.pk, "number": "102", "address": "二号"},
    ]
    response = client.post(
        "/api/v1/households/batch",
        json.dumps({"records": records}),
        content_type="application/json",
    )
    results = by_client(response)
    assert [r["status"] for r in results.values()] == ["stored", "conflict", "stored"]
    assert set(Household.objects.filter(area=world.grid).values_list("number", flat=True)) == {
        world.household.number,
        "101",
        "102",
    }
    assert BatchReceipt.objects.filter(user=grid_worker).count() == 2


def test_batch_writes_keep_the_per_area_counts(client, grid_worker, world):
    from fangkong.places import counts

    client.force_login(grid_worker)
    kind = counts.kind_of(Person)

    def kept():
        from fangkong.places.models import AreaCount

        row = AreaCount.objects.filter(area=world.grid, kind=kind).first()
        return row.n if row else 0

    before = kept()
    post(client, [good(world, n) for n in range(4)])
    assert kept() == before + 4 == Person.objects.filter(area=world.grid).count()
