#!/usr/bin/env python
"""Daily report benchmark: the report of one day for a whole district, beside the same counts
done by hand-written SQL in the same run, and the dashboard's first paint.

The district: ``--persons`` persons (1,000,000 for the issue's figure), ``--passages``
checkpoint passages (5,000,000) spread over the 35 days of the story, ``--checks`` twice-daily
health checks (2,000,000) of ``--observations`` observations (100,000), in 4 towns × 10
villages × 5 grids.

- ``report``: ``reports.compute.compute_report`` for the district on the busiest day (every
  registered section: checkpoints, key persons, observation, and any other that has landed),
  against (a) the SQL statements it runs, replayed through the driver, and (b) hand-written
  SQL doing the same counts by town in three grouped statements (passages, observations,
  checks). The ratio is Django's time over the hand-written SQL's.
- ``dashboard``: ``GET /reports/dashboard/`` (first paint: the HTML, from issued reports) and
  ``GET /reports/dashboard/trends/`` as the command office, after the 35 days were issued.

Standalone: ``python bench/reports.py --db sqlite|postgresql --persons 1000000 --passages
5000000 --checks 2000000 --observations 100000``. It builds its own database (a temporary
SQLite file, or ``fk_bench_reports`` on ``127.0.0.1:5432``, dropped and recreated), never the
development or demo data. Results: ``bench/results/reports-<db>.json``. Targets: the report
under 2 s on PostgreSQL, the dashboard's first paint p95 under 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
FIRST = dt.date(2020, 1, 20)
DAYS = 35
BUSY_DAY = dt.date(2020, 2, 10)


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
        name = "fk_bench_reports"
        for cmd in (["dropdb", "--if-exists"], ["createdb"]):
            subprocess.run([*cmd, "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fill(model, template_pk: int, n: int, overrides: dict[str, str], say) -> None:
    """Copy the template row ``n`` times in SQL (``g`` = 1…n), with per-column expressions.

    A recursive CTE numbers the rows on both databases; one statement per 500,000 rows."""
    from django.db import connection, transaction

    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    chunk = 500_000
    for first in range(1, n + 1, chunk):
        last = min(n, first + chunk - 1)
        sql = (
            f"WITH RECURSIVE s(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM s "  # noqa: S608
            f"WHERE g < {last}) INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {select} FROM s, {table} t WHERE t.id = {template_pk}"
        )
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
        say(f"{table}: {last:,} / {n:,}")


def _ts(base: dt.datetime, days: str, seconds: str) -> str:
    """SQL for ``base + days + seconds`` in the database's own datetime form."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return (
            f"(TIMESTAMPTZ '{base.isoformat()}' + ({days}) * INTERVAL '1 day' "
            f"+ ({seconds}) * INTERVAL '1 second')"
        )
    stamp = base.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"datetime('{stamp}', '+' || ({days}) || ' days', '+' || ({seconds}) || ' seconds')"


def _date(base: dt.date, days: str) -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"(DATE '{base.isoformat()}' + ({days})::int)"
    return f"date('{base.isoformat()}', '+' || ({days}) || ' days')"


def _world(args, say):
    from django.utils import timezone

    from fangkong.checkpoints.models import Checkpoint, Passage
    from fangkong.core.kit.demo import TZ_CN, reset_sequences, write_rows
    from fangkong.core.models import Role, RoleGrant, User
    from fangkong.observation.models import HealthCheck, KeyPerson, KeyPersonCategory, Observation
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    district = Area.objects.create(code="430971", name="大通湖区", level=Area.Level.DISTRICT)
    grids, checkpoints = [], []
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
        for c in range(5):
            checkpoints.append(
                Checkpoint.objects.create(area=grids[-1 - c], name=f"卡点{t}-{c}", kind="road")
            )
    start = dt.datetime.combine(FIRST, dt.time(0, 0), tzinfo=TZ_CN)
    now = timezone.now()
    # Persons and observations: ORM rows in chunks (1,000,000 plain rows).
    n_grids = len(grids)
    cat = KeyPersonCategory.objects.get(code="hubei")
    for first in range(0, args.persons, 50_000):
        rows = [
            Person(
                pk=i + 1,
                name=f"人{i}",
                area_id=grids[i % n_grids].pk,
                created_at=now,
                updated_at=now,
            )
            for i in range(first, min(args.persons, first + 50_000))
        ]
        write_rows(Person, rows)
        say(f"persons: {first + len(rows):,}")
    kps, obs = [], []
    for i in range(args.observations):
        pk, grid = i + 1, grids[i % n_grids]
        began = start + dt.timedelta(days=i % DAYS, hours=9)
        kps.append(
            KeyPerson(
                pk=pk,
                person_id=pk,
                category_id=cat.pk,
                source="bigdata",
                area_id=grid.pk,
                status="observing",
                identified_at=began,
                created_at=began,
                updated_at=began,
            )
        )
        obs.append(
            Observation(
                pk=pk,
                key_person_id=pk,
                person_id=pk,
                area_id=grid.pk,
                start_date=began.date(),
                planned_end_date=began.date() + dt.timedelta(14),
                started_at=began,
                created_at=began,
                updated_at=began,
                status="released" if i % DAYS < 20 else "active",
                ended_at=began + dt.timedelta(days=14) if i % DAYS < 20 else None,
            )
        )
    for model, rows in ((KeyPerson, kps), (Observation, obs)):
        for n in range(0, len(rows), 20_000):
            write_rows(model, rows[n : n + 20_000])
    reset_sequences(Person, KeyPerson, Observation)
    say("observations written")
    # Passages and checks: one template row each, copied in SQL.
    template = Passage(
        pk=1,
        checkpoint=checkpoints[0],
        at=start,
        kind="person",
        temperature="36.5",
        direction="in",
        name="过客",
        created_at=start,
        updated_at=start,
    )
    write_rows(Passage, [template])
    reset_sequences(Passage)
    tpl = 1
    k0, k = checkpoints[0].pk, len(checkpoints)
    _fill(
        Passage,
        tpl,
        args.passages - 1,
        {
            "checkpoint_id": f"({k0} + g % {k})",
            "at": _ts(start, f"g % {DAYS}", "(g * 7) % 86400"),
            "kind": "CASE WHEN g % 5 = 0 THEN 'vehicle' ELSE 'person' END",
            "direction": "CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END",
            "fever": "(g % 400 = 0)",
            "risk_origin": "(g % 97 = 0)",
        },
        say,
    )
    check = HealthCheck(
        pk=1,
        observation_id=1,
        date=FIRST,
        half="pm",
        temperature="36.5",
        checked_at=start,
        created_at=start,
        updated_at=start,
    )
    write_rows(HealthCheck, [check])
    reset_sequences(HealthCheck)
    tpl = 1
    n_obs = args.observations
    # Check g belongs to observation g % n_obs, day (g // n_obs) // 2, half by parity.
    _fill(
        HealthCheck,
        tpl,
        args.checks - 1,
        {
            "observation_id": f"(1 + g % {n_obs})",
            "date": _date(FIRST, f"(g / {n_obs}) / 2 % {DAYS}"),
            "half": f"CASE WHEN (g / {n_obs}) % 2 = 0 THEN 'pm' ELSE 'am' END",
            "checked_at": _ts(start, f"(g / {n_obs}) / 2 % {DAYS}", "36000"),
            "fever": "(g % 500 = 0)",
        },
        say,
    )

    def user(name, role, area):
        u = User.objects.create_user(username=name, password="x")
        RoleGrant.objects.create(
            user=u, role=Role.objects.get(code=role), area=area, status=RoleGrant.Status.APPROVED
        )
        return u

    return district, user("bench_office", "command_office", district)


def bench_report(district, reps: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.core import figures as registry
    from fangkong.reports.compute import compute_report

    compute_report(area=district, day=BUSY_DAY)  # warm
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        doc = compute_report(area=district, day=BUSY_DAY)
        times.append((time.perf_counter() - t) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        compute_report(area=district, day=BUSY_DAY)
    sqls = [q["sql"] for q in ctx.captured_queries]
    replay = []
    with connection.cursor() as cur:
        for _ in range(reps):
            t = time.perf_counter()
            for sql in sqls:
                cur.execute(sql)
                cur.fetchall()
            replay.append((time.perf_counter() - t) * 1000)
    hand = _hand_written(district, reps)
    django_p50 = _stats(times)["p50_ms"]
    return {
        "day": BUSY_DAY.isoformat(),
        "sections": [s.key for s in registry.sections()],
        "figures": sum(len(s["figures"]) for s in doc["sections"]),
        "queries": len(sqls),
        "django": _stats(times),
        "replayed_sql": _stats(replay),
        "hand_written_sql": hand,
        "ratio_django_over_hand_written_p50": round(django_p50 / hand["p50_ms"], 2),
    }


def _hand_written(district, reps: int) -> dict:
    """The counts by town in three grouped statements, as a DBA would write them."""
    from django.db import connection

    from fangkong.checkpoints.models import Checkpoint, Passage
    from fangkong.observation.models import HealthCheck, Observation
    from fangkong.places.models import Area
    from fangkong.reports.compute import report_end

    end = report_end(BUSY_DAY)
    begin = end - dt.timedelta(days=1)
    area, pas, cp = Area._meta.db_table, Passage._meta.db_table, Checkpoint._meta.db_table
    ob, hc = Observation._meta.db_table, HealthCheck._meta.db_table
    # Paths are fixed-width per level here: the district's path plus the town's segment.
    town_len = len(Area.objects.filter(parent=district).first().path)
    town = f"substr(a.path, 1, {town_len})"
    statements = [
        (
            f"SELECT {town}, count(*), sum(CASE WHEN p.kind = 'person' THEN 1 ELSE 0 END), "  # noqa: S608
            f"sum(CASE WHEN p.kind = 'vehicle' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN p.direction = 'in' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN p.direction = 'out' THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN p.fever THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN p.risk_origin THEN 1 ELSE 0 END), sum(p.passengers) "
            f"FROM {pas} p JOIN {cp} c ON c.id = p.checkpoint_id JOIN {area} a ON a.id = c.area_id "
            f"WHERE p.at >= %s AND p.at < %s GROUP BY 1",
            [begin, end],
        ),
        (
            f"SELECT {town}, "  # noqa: S608
            f"sum(CASE WHEN o.ended_at IS NULL OR o.ended_at >= %s THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN o.started_at >= %s THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN o.status = 'released' AND o.ended_at < %s THEN 1 ELSE 0 END) "
            f"FROM {ob} o JOIN {area} a ON a.id = o.area_id "
            f"WHERE o.started_at < %s AND o.deleted_at IS NULL GROUP BY 1",
            [end, begin, end, end],
        ),
        (
            f"SELECT {town}, count(*), sum(CASE WHEN h.fever THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {hc} h JOIN {ob} o ON o.id = h.observation_id JOIN {area} a ON a.id = o.area_id "
            f"WHERE h.date = %s GROUP BY 1",
            [BUSY_DAY],
        ),
    ]
    times = []
    with connection.cursor() as cur:
        for _ in range(reps + 1):
            t = time.perf_counter()
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    return _stats(times[1:])


def bench_dashboard(district, office, reps: int, say, days: int = DAYS) -> dict:
    from django.test import Client

    from fangkong.reports.services import nightly_issue

    t = time.perf_counter()
    for n in range(DAYS - days, DAYS):
        nightly_issue(day=FIRST + dt.timedelta(days=n))
    issue_all = time.perf_counter() - t
    say(f"{days} nightly runs in {issue_all:.1f} s")
    from fangkong.core.startup import prepare_worker

    prepare_worker()  # as each server process does (fangkong/wsgi.py)
    client = Client()
    client.force_login(office)
    pages, trends = [], []
    for _ in range(reps + 1):
        t = time.perf_counter()
        response = client.get("/reports/dashboard/")
        pages.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
        t = time.perf_counter()
        response = client.get("/reports/dashboard/trends/")
        trends.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    return {
        "nightly_runs": days,
        "nightly_runs_seconds": round(issue_all, 1),
        "first_paint_html": _stats(pages[1:]),
        "trends_json": _stats(trends[1:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--passages", type=int, default=5_000_000)
    parser.add_argument("--checks", type=int, default=2_000_000)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--page-reps", type=int, default=50)
    parser.add_argument(
        "--issue-days", type=int, default=DAYS, help="nightly runs before the dashboard (≤ 35)"
    )
    parser.add_argument("--out", default="")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    def say(msg):
        if not args.quiet:
            print(msg, file=sys.stderr, flush=True)

    _setup(args.db)
    started = time.perf_counter()
    district, office = _world(args, say)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    build = time.perf_counter() - started
    result = {
        "db": args.db,
        "persons": args.persons,
        "passages": args.passages,
        "checks": args.checks,
        "observations": args.observations,
        "build_seconds": round(build, 1),
        "report": bench_report(district, args.reps),
        "dashboard": bench_dashboard(
            district, office, args.page_reps, say, days=min(DAYS, args.issue_days)
        ),
        "targets": "report < 2 s on PostgreSQL; dashboard first paint p95 < 300 ms",
    }
    out = Path(args.out or ROOT / "bench" / "results" / f"reports-{args.db}.json")
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.db == "postgresql":
        connection.close()


if __name__ == "__main__":
    main()
