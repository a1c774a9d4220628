#!/usr/bin/env python
"""Carpet-survey coverage at district scale: p50/p95/p99 of the coverage figures through the real
endpoints, beside the raw database doing the same work in the same run.

    .venv/bin/python bench/surveys.py --db sqlite      # 350,000 households, 1,000,000 visits
    .venv/bin/python bench/surveys.py --db postgresql --reps 100
    .venv/bin/python bench/surveys.py --db sqlite --households 20000 --visits 50000   # smoke test

Builds a fresh database (SQLite file under ``var/bench-surveys/`` or the PostgreSQL database
``fk_bench_surveys``): one district, 4 towns, villages of 10 grids, grids of ``--grid-size``
households, and ``--visits`` household visits spread over as many district-wide campaigns as
one visit per household per campaign needs (the last campaign 95 % done). Coverage is kept
(``surveys.Coverage``, moved in each visit's transaction; here recounted once after the bulk
load) and household totals too (``places.AreaCount``).

Measured, each ``--reps`` times after a warm-up, with Django's test client through the URL
resolver, middleware, session auth, view and JSON/HTML rendering, in a process prepared as a
server's (``core.startup.prepare_worker``: routes imported, startup objects frozen out of the
garbage collector's full collections):

- ``api_district``: ``GET /api/v1/survey-campaigns/{id}/coverage`` as the district commander
  (the whole tree: district, towns, villages, every grid);
- ``api_town``: the same as a town officer (one town's grids);
- ``api_grid_worker``: the same as a grid worker (their grids);
- ``page_district``: the campaign's coverage page (HTML) as the command office;
- ``json_town``: the treemap's ``coverage.json?area=<town>`` as the command office.

Beside them, in the same run, the raw database through the driver:

- ``raw_kept``: the SQL the endpoint's work boils down to — the kept rows of the campaign and the
  household counts, summed per town (``GROUP BY`` on the path prefix);
- ``raw_recount``: what a page would cost if coverage were recomputed per view: ``COUNT`` of seen
  visits of the campaign grouped by town (join visits → households → areas).

Results: ``bench/results/surveys-<db>.json`` (``--out`` to change). Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
PG_DB = os.environ.get("BENCH_SURVEYS_PG_DB", "fk_bench_surveys")
SQLITE_DIR = ROOT / "var" / "bench-surveys"


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
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def _database_url(db: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{SQLITE_DIR / 'fangkong.sqlite3'}"
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def _fresh(db: str, env: dict) -> None:
    if db == "sqlite":
        shutil.rmtree(SQLITE_DIR, ignore_errors=True)
        SQLITE_DIR.mkdir(parents=True)
    else:
        base = ["-h", "127.0.0.1", "-U", "postgres"]
        subprocess.run(["dropdb", *base, "--if-exists", PG_DB], check=True)
        subprocess.run(["createdb", *base, PG_DB], check=True)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def _build(households: int, visits: int, grid_size: int) -> dict:
    """The district, its households and visits, written in bulk; kept counts recounted."""
    import datetime as dt
    import math
    import random

    from django.db import transaction

    from fangkong.core.kit.demo import reset_sequences, write_rows
    from fangkong.core.models import Role, RoleGrant, User
    from fangkong.places import counts
    from fangkong.places.models import Area, Household
    from fangkong.surveys.models import Campaign, Visit
    from fangkong.surveys.services import refresh_coverage

    rng = random.Random(2020)
    now = dt.datetime(2020, 1, 22, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    n_grids = math.ceil(households / grid_size)
    n_villages = math.ceil(n_grids / 10)
    with transaction.atomic():
        district = Area.objects.create(code="430971", name="大通湖区", level=Area.Level.DISTRICT)
        towns = [
            Area.objects.create(
                code=f"430971{100 + t}", name=f"镇{t + 1}", level=Area.Level.TOWN, parent=district
            )
            for t in range(4)
        ]
        villages = Area.objects.bulk_create(
            [
                Area(
                    code=f"{towns[v % 4].code}{200 + v // 4:03d}",
                    name=f"村{v + 1}",
                    level=Area.Level.VILLAGE,
                    parent=towns[v % 4],
                    path=f"{towns[v % 4].path}{towns[v % 4].code}{200 + v // 4:03d}/",
                )
                for v in range(n_villages)
            ]
        )
        grids = Area.objects.bulk_create(
            [
                Area(
                    code=f"{villages[g // 10].code}{g % 10 + 1:03d}",
                    name=f"网格{g + 1}",
                    level=Area.Level.GRID,
                    parent=villages[g // 10],
                    path=f"{villages[g // 10].path}{villages[g // 10].code}{g % 10 + 1:03d}/",
                )
                for g in range(n_grids)
            ]
        )
        first_hh = 1
        rows = [
            Household(
                pk=first_hh + i,
                area_id=grids[i // grid_size].pk,
                number=f"{i % grid_size + 1:03d}",
                address=f"{grids[i // grid_size].name}{i % grid_size + 1}号",
                head_name="户主",
                created_at=now,
                updated_at=now,
            )
            for i in range(households)
        ]
        for i in range(0, len(rows), 50_000):
            write_rows(Household, rows[i : i + 50_000])
        del rows
        # Rounds of (up to) every household until the visits are spent; the measured round is
        # the last one that received visits (an empty round would measure nothing).
        n_campaigns = max(1, math.ceil(visits / households))
        campaigns = [
            Campaign.objects.create(
                area=district,
                name=f"第{c + 1}轮摸排",
                starts_on=dt.date(2020, 1, 24) + dt.timedelta(days=10 * c),
                ends_on=dt.date(2020, 1, 31) + dt.timedelta(days=10 * c),
                since_date=dt.date(2020, 1, 1),
            )
            for c in range(n_campaigns)
        ]
        user = User.objects.create(username="bench-writer")
        left, pk = visits, 1
        for c in campaigns:
            n = min(left, households)
            chosen = rng.sample(range(households), n) if n < households else range(households)
            start = dt.datetime(2020, 1, 24, 2, tzinfo=dt.UTC) + dt.timedelta(
                days=10 * campaigns.index(c)
            )
            batch = []
            for j, i in enumerate(chosen):
                seen = rng.random() < 0.96
                batch.append(
                    Visit(
                        pk=pk,
                        campaign_id=c.pk,
                        household_id=first_hh + i,
                        worker_id=user.pk,
                        visited_at=start + dt.timedelta(seconds=j % 600_000),
                        outcome="seen" if seen else "unreachable",
                        unreachable_reason="" if seen else "nobody_home",
                        risks_found=1 if rng.random() < 0.003 else 0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                pk += 1
                if len(batch) == 50_000:
                    write_rows(Visit, batch)
                    batch = []
            write_rows(Visit, batch)
            left -= n
            if left <= 0:
                break
        reset_sequences(Household, Visit)
    loaded = time.perf_counter() - started
    for c in campaigns:
        refresh_coverage(c)
    counts.refresh()
    roles = {r.code: r for r in Role.objects.all()}
    people = {}
    for username, role, area in (
        ("bench-commander", "district_commander", district),
        ("bench-office", "command_office", district),
        ("bench-town", "town_officer", towns[0]),
        ("bench-grid", "grid_worker", grids[0]),
    ):
        # Demo-flagged: no TOTP device to enrol in a benchmark (roles that unmask need 2FA).
        u = User.objects.create(username=username, demo=True)
        RoleGrant.objects.create(user=u, role=roles[role], area=area, status="approved")
        people[username] = u.pk
    last_visited = Visit.objects.order_by("-campaign_id").values_list("campaign_id", flat=True)
    measured = last_visited.first()
    return {
        "households": households,
        "visits": Visit.objects.count(),
        "campaigns": len(campaigns),
        "grids": n_grids,
        "villages": n_villages,
        "load_s": round(loaded, 1),
        "campaign_id": measured,
        "town_id": towns[0].pk,
        "town_path": towns[0].path,
        "district_path": district.path,
        "users": people,
    }


def _time(fn, reps: int) -> list[float]:
    fn()  # warm-up (connection, caches of the process)
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _measure(world: dict, reps: int) -> dict:
    from django.db import connection
    from django.test import Client

    from fangkong.core.models import User
    from fangkong.core.startup import prepare_worker

    prepare_worker()  # as each server process does (fangkong/wsgi.py)
    cid = world["campaign_id"]
    clients = {}
    for name, pk in world["users"].items():
        c = Client(HTTP_HOST="localhost")
        c.force_login(User.objects.get(pk=pk))
        clients[name] = c

    def get(client, url):
        def run():
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
            return r

        return run

    api = f"/api/v1/survey-campaigns/{cid}/coverage"
    results = {
        "api_district": _stats(_time(get(clients["bench-commander"], api), reps)),
        "api_town": _stats(_time(get(clients["bench-town"], api), reps)),
        "api_grid_worker": _stats(_time(get(clients["bench-grid"], api), reps)),
        "page_district": _stats(
            _time(get(clients["bench-office"], f"/surveys/campaigns/{cid}/"), reps)
        ),
        "json_town": _stats(
            _time(
                get(
                    clients["bench-office"],
                    f"/surveys/campaigns/{cid}/coverage.json?area={world['town_id']}",
                ),
                reps,
            )
        ),
    }
    tree = clients["bench-commander"].get(api).json()["tree"]
    results["district_figure"] = {
        "households": tree["households"],
        "seen": tree["seen"],
        "percent": tree["percent"],
    }
    n = len(world["district_path"]) + 10  # "/430971/" + a town code and its slash
    kept_sql = (
        "SELECT substr(a.path, 1, %s) AS town, SUM(c.seen), SUM(c.visited) "
        "FROM surveys_coverage c JOIN places_area a ON a.id = c.area_id "
        "WHERE c.campaign_id = %s AND a.path LIKE %s GROUP BY town"
    )
    hh_sql = (
        "SELECT substr(a.path, 1, %s) AS town, SUM(k.n) FROM places_areacount k "
        "JOIN places_area a ON a.id = k.area_id WHERE k.kind = 'places.household' "
        "AND a.path LIKE %s GROUP BY town"
    )
    recount_sql = (
        "SELECT substr(a.path, 1, %s) AS town, COUNT(*) FROM surveys_visit v "
        "JOIN places_household h ON h.id = v.household_id JOIN places_area a ON a.id = h.area_id "
        "WHERE v.campaign_id = %s AND v.outcome = 'seen' AND a.path LIKE %s GROUP BY town"
    )
    like = world["district_path"] + "%"

    def raw(sql_params):
        def run():
            with connection.cursor() as cur:
                for sql, params in sql_params:
                    cur.execute(sql, params)
                    cur.fetchall()

        return run

    results["raw_kept"] = _stats(
        _time(raw([(kept_sql, [n, cid, like]), (hh_sql, [n, like])]), reps)
    )
    results["raw_recount"] = _stats(_time(raw([(recount_sql, [n, cid, like])]), max(5, reps // 5)))
    return results


def child(db: str, households: int, visits: int, grid_size: int, reps: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    world = _build(households, visits, grid_size)
    result = {"world": world, "results": _measure(world, reps)}
    Path(out).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--households", type=int, default=350_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--grid-size", type=int, default=100)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--out", default="")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db, args.households, args.visits, args.grid_size, args.reps, args.child)
        return
    env = {**os.environ, "DATABASE_URL": _database_url(args.db), "DJANGO_DEBUG": "0"}
    _fresh(args.db, env)
    tmp = ROOT / "var" / f"bench-surveys-{args.db}.tmp.json"
    tmp.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [
            PY,
            __file__,
            "--db",
            args.db,
            "--households",
            str(args.households),
            "--visits",
            str(args.visits),
            "--grid-size",
            str(args.grid_size),
            "--reps",
            str(args.reps),
            "--child",
            str(tmp),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )
    data = json.loads(tmp.read_text())
    tmp.unlink()
    r = data["results"]
    data.update(
        {
            "db": args.db,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "total_s": round(time.perf_counter() - started, 1),
            "target_p95_ms": 200,
            "ratios": {
                "api_district_p95_over_raw_kept_p95": round(
                    r["api_district"]["p95_ms"] / max(r["raw_kept"]["p95_ms"], 0.01), 1
                ),
                "raw_recount_p95_over_api_district_p95": round(
                    r["raw_recount"]["p95_ms"] / max(r["api_district"]["p95_ms"], 0.01), 1
                ),
            },
        }
    )
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"surveys-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(data, indent=2, ensure_ascii=False))
    if args.db == "sqlite":
        shutil.rmtree(SQLITE_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
