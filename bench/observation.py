#!/usr/bin/env python
"""Observation benchmarks: a grid worker's "today" list with many observations in the database,
and the batch upload of 500 checks through the API, each beside the raw database doing the same
work in the same run (p50/p95/p99 in milliseconds).

- ``today``: ``selectors.today_list`` for a grid worker (their grid's observations under way
  today plus those whose team they serve on, with this half-day's check done or not), against
  the SQL that list compiles to, executed directly through the driver.
- ``batch``: ``POST /api/v1/checks/batch`` with 500 checks of a town officer's observations
  (validation, scope, receipts, bulk insert, history, alerts listener), against one
  ``executemany`` INSERT of the same 500 rows in a transaction.

Standalone: ``python bench/observation.py --db sqlite|postgresql --observations 100000
--reps 50``. It builds its own database (a temporary SQLite file, or the PostgreSQL database
``fk_bench_observation`` on ``127.0.0.1:5432``, dropped and recreated), so it never touches the
development or demo data. Results go to ``bench/results/observation-<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _stats(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": round(_pct(ms, 50), 2),
        "p95_ms": round(_pct(ms, 95), 2),
        "p99_ms": round(_pct(ms, 99), 2),
        "mean_ms": round(statistics.mean(ms), 2),
    }


def _setup(db: str) -> None:
    if db == "postgresql":
        name = "fk_bench_observation"
        for cmd in (["dropdb", "--if-exists"], ["createdb"]):
            subprocess.run([*cmd, "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("FANGKONG_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world(n_obs: int):
    """Towns, villages, grids; ``n_obs`` persons each under observation (today in period)."""
    import datetime as dt

    from django.utils import timezone

    from fangkong.core.kit.demo import write_rows
    from fangkong.core.models import Role, RoleGrant, User
    from fangkong.observation.models import KeyPerson, KeyPersonCategory, Observation
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    district = Area.objects.create(code="430971", name="大通湖区", level=Area.Level.DISTRICT)
    grids = []
    for t in range(4):
        town = Area.objects.create(
            code=f"430971{100 + t}", name=f"镇{t}", level=Area.Level.TOWN, parent=district
        )
        for v in range(10):
            village = Area.objects.create(
                code=f"{town.code}{200 + v}",
                name=f"村{t}-{v}",
                level=Area.Level.VILLAGE,
                parent=town,
            )
            for g in range(5):
                grids.append(
                    Area.objects.create(
                        code=f"{village.code}{g + 1:03d}",
                        name=f"组{t}-{v}-{g}",
                        level=Area.Level.GRID,
                        parent=village,
                    )
                )
    today = timezone.localdate()
    cat = KeyPersonCategory.objects.get(code="hubei")
    now = timezone.now()
    persons, kps, obs = [], [], []
    for i in range(n_obs):
        grid = grids[i % len(grids)]
        pk = i + 1
        persons.append(
            Person(pk=pk, name=f"人{i}", area_id=grid.pk, created_at=now, updated_at=now)
        )
        kps.append(
            KeyPerson(
                pk=pk,
                person_id=pk,
                category_id=cat.pk,
                source="bigdata",
                area_id=grid.pk,
                status="observing",
                identified_at=now,
                created_at=now,
                updated_at=now,
            )
        )
        obs.append(
            Observation(
                pk=pk,
                key_person_id=pk,
                person_id=pk,
                area_id=grid.pk,
                start_date=today - dt.timedelta(days=10),
                planned_end_date=today + dt.timedelta(days=4),
                started_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    for model, rows in ((Person, persons), (KeyPerson, kps), (Observation, obs)):
        for n in range(0, len(rows), 20000):
            write_rows(model, rows[n : n + 20000])
    from fangkong.core.kit.demo import reset_sequences

    reset_sequences(Person, KeyPerson, Observation)

    def user(name, role, area):
        u = User.objects.create_user(username=name, password="x")
        RoleGrant.objects.create(
            user=u, role=Role.objects.get(code=role), area=area, status=RoleGrant.Status.APPROVED
        )
        return u

    worker = user("bench_grid", "grid_worker", grids[0])
    officer = user("bench_town", "town_officer", grids[0].parent.parent)
    return worker, officer, grids


def bench_today(worker, reps: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.observation import selectors

    selectors.today_list(actor=worker)  # warm: grants cache, statements
    times = []
    for _ in range(reps):
        if hasattr(worker, "_fk_scope_cache"):
            del worker._fk_scope_cache  # every request reads the grants again
        t = time.perf_counter()
        rows = selectors.today_list(actor=worker)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        del worker._fk_scope_cache
        selectors.today_list(actor=worker)
    sqls = [q["sql"] for q in ctx.captured_queries]
    raw = []
    with connection.cursor() as cur:
        for _ in range(reps):
            t = time.perf_counter()
            for sql in sqls:
                cur.execute(sql)
                cur.fetchall()
            raw.append((time.perf_counter() - t) * 1000)
    return {
        "rows": len(rows),
        "queries": len(sqls),
        "django": _stats(times),
        "raw_sql": _stats(raw),
    }


def bench_batch(officer, grids, reps: int) -> dict:
    import datetime as dt

    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from fangkong.observation.models import HealthCheck, Observation

    town_path = grids[0].parent.parent.path
    ids = list(
        Observation.objects.filter(area__path__startswith=town_path).values_list("pk", flat=True)[
            :500
        ]
    )
    from fangkong.core.startup import prepare_worker

    prepare_worker()  # as each server process does (fangkong/wsgi.py)
    client = Client(HTTP_HOST="localhost")
    client.force_login(officer)
    today = timezone.localdate()
    # Warm: the first request loads the URLconf and builds the API schemas (seconds).
    client.get("/api/v1/checks?page_size=1")
    times, raw = [], []
    for rep in range(reps):
        day = today - dt.timedelta(days=1 + rep // 2)
        half = "am" if rep % 2 == 0 else "pm"
        records = [
            {
                "client_id": f"b{rep}-{pk}",
                "observation_id": pk,
                "date": day.isoformat(),
                "half": half,
                "temperature": "36.6",
            }
            for pk in ids
        ]
        body = json.dumps({"records": records})
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            t = time.perf_counter()
            response = client.post("/api/v1/checks/batch", body, content_type="application/json")
            times.append((time.perf_counter() - t) * 1000)
        statements = len(queries.captured_queries)
        assert response.status_code == 200, response.content[:300]
        stored = sum(r["status"] == "stored" for r in response.json()["results"])
        assert stored == len(ids), response.content[:300]
    table = HealthCheck._meta.db_table
    marks = "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s"
    sql = (
        f"INSERT INTO {table} (observation_id, date, half, temperature, note, checked_at, fever, "  # noqa: S608
        f"abnormal, version, created_at, updated_at) VALUES ({marks})"
    )
    now = timezone.now()
    for rep in range(reps):
        day = today - dt.timedelta(days=2 + (reps + 1) // 2 + rep // 2)
        half = "am" if rep % 2 == 0 else "pm"
        rows = [(pk, day, half, "36.6", "", now, False, False, 1, now, now) for pk in ids]
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows)
        raw.append((time.perf_counter() - t) * 1000)
    return {
        "records_per_batch": len(ids),
        "sql_statements_per_batch": statements,
        "django": _stats(times),
        "raw_sql": _stats(raw),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--batch-reps", type=int, default=10)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    _setup(args.db)
    started = time.perf_counter()
    worker, officer, grids = _world(args.observations)
    build = time.perf_counter() - started
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    result = {
        "db": args.db,
        "observations": args.observations,
        "build_seconds": round(build, 1),
        "today_list": bench_today(worker, args.reps),
        "check_batch_500": bench_batch(officer, grids, args.batch_reps),
        "target": "today list p95 < 50 ms at 100,000 observations",
    }
    out = Path(args.out or ROOT / "bench" / "results" / f"observation-{args.db}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.db == "postgresql":
        connection.close()
        subprocess.run(
            ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", "fk_bench_observation"],
            check=False,
        )


if __name__ == "__main__":
    main()
