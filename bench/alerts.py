#!/usr/bin/env python
"""The alert inbox at scale: the header badge's unread count and the inbox's first page, as the
app computes them (``alerts.selectors``), beside hand-written SQL doing the same work in the same
run (p50/p95/p99 in ms, and the ratio).

    python bench/alerts.py --db sqlite --alerts 5000          # validation size
    python bench/alerts.py --db postgresql --alerts 1000000   # the integrator's size

Builds its own database (SQLite: a temporary file; PostgreSQL: ``fk_bench_alerts`` on
127.0.0.1, dropped and created, or ``--database-url``): the small test district plus one grid
per 2,000 alerts, alerts spread over the grids with their route rows (``AlertRoute``) bulk
inserted, a fifth of them open. Results: ``bench/results/alerts-<db>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(values, p):
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def _stats(ms):
    return {
        "p50": round(_pct(ms, 50), 3),
        "p95": round(_pct(ms, 95), 3),
        "p99": round(_pct(ms, 99), 3),
    }


def _time(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--alerts", type=int, default=5000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    if args.db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="fk-bench-alerts-")
        url = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        url = args.database_url or "postgres://postgres@127.0.0.1:5432/fk_bench_alerts"
        if not args.database_url:
            subprocess.run(
                ["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", "fk_bench_alerts"],
                check=True,
            )
            subprocess.run(
                ["createdb", "-h", "127.0.0.1", "-U", "postgres", "fk_bench_alerts"], check=True
            )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangkong.alerts.models import Alert, AlertRoute
    from fangkong.alerts.selectors import alerts_for, unread_count
    from fangkong.core.testing import build_world, make_user
    from fangkong.places.models import Area

    call_command("migrate", verbosity=0)
    world = build_world()
    grids = [world.grid, world.grid2]
    for n in range(max(0, args.alerts // 2000 - 2)):
        grids.append(
            Area.objects.create(
                code=f"430971100201{n + 3:03d}",
                name=f"网格{n}",
                level=Area.Level.GRID,
                parent=world.village,
            )
        )
    rng = random.Random(2020)
    roles_pool = [["grid_worker"], ["grid_worker", "village_cadre"], ["clinician"], []]
    chains = {g.pk: [g, world.village, world.town, world.district] for g in grids}
    now = timezone.now()
    started = time.perf_counter()
    batch = 5000
    for first in range(0, args.alerts, batch):
        alerts = []
        for i in range(first, min(args.alerts, first + batch)):
            grid = rng.choice(grids)
            raised = now - timezone.timedelta(minutes=args.alerts - i)
            is_open = rng.random() < 0.2
            alerts.append(
                Alert(
                    kind="other",
                    area=grid,
                    title=f"预警{i}",
                    roles=rng.choice(roles_pool),
                    raised_at=raised,
                    acknowledged_at=None if is_open else raised,
                )
            )
        alerts = Alert.objects.bulk_create(alerts)
        routes = [
            AlertRoute(
                alert=a, area=node, role=role, open=a.acknowledged_at is None, raised_at=a.raised_at
            )
            for a in alerts
            for node in chains[a.area_id]
            for role in (a.roles or ["*"])
        ]
        AlertRoute.objects.bulk_create(routes, batch_size=2000)
    load_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    users = {
        "grid_worker": make_user("b_gw", "grid_worker", world.grid),
        "town_officer": make_user("b_to", "town_officer", world.town),
        "district_commander": make_user("b_dc", "district_commander", world.district),
    }

    def raw_unread(user_area, codes, user_id):
        ph = ",".join(["%s"] * len(codes))
        sql = (
            "SELECT COUNT(DISTINCT alert_id) FROM alerts_alertroute WHERE open = %s AND "
            f"((area_id = %s AND role IN ({ph})) OR user_id = %s)"
        )
        with connection.cursor() as c:
            c.execute(sql, [True, user_area, *codes, user_id])
            return c.fetchone()[0]

    def raw_page(user_area, codes, user_id):
        ph = ",".join(["%s"] * len(codes))
        sql = (
            "SELECT a.id, a.title, a.raised_at FROM alerts_alert a WHERE a.id IN ("
            "SELECT alert_id FROM alerts_alertroute WHERE "
            f"(area_id = %s AND role IN ({ph})) OR user_id = %s) "
            "ORDER BY a.raised_at DESC, a.id DESC LIMIT 50"
        )
        with connection.cursor() as c:
            c.execute(sql, [user_area, *codes, user_id])
            return c.fetchall()

    results = {}
    for code, user in users.items():
        area_id = user.grants.get().area_id
        codes = ["*", code]
        assert unread_count(user) == raw_unread(area_id, codes, user.pk)

        def fresh(user=user):
            # a new request: the routes of the user's grants are read again (one query)
            if hasattr(user, "_fk_alert_routes"):
                delattr(user, "_fk_alert_routes")

        app_count = _time(lambda u=user: (fresh(), unread_count(u)), args.reps)
        sql_count = _time(lambda a=area_id, c=codes, u=user: raw_unread(a, c, u.pk), args.reps)
        app_page = _time(lambda u=user: (fresh(), list(alerts_for(u)[:50])), args.reps)
        sql_page = _time(lambda a=area_id, c=codes, u=user: raw_page(a, c, u.pk), args.reps)
        results[code] = {
            "unread": unread_count(user),
            "badge_count_ms": {"app": _stats(app_count), "sql": _stats(sql_count)},
            "badge_ratio_p50": round(_pct(app_count, 50) / max(_pct(sql_count, 50), 1e-6), 2),
            "inbox_page_ms": {"app": _stats(app_page), "sql": _stats(sql_page)},
            "inbox_ratio_p50": round(_pct(app_page, 50) / max(_pct(sql_page, 50), 1e-6), 2),
        }
    out = {
        "db": connection.vendor,
        "alerts": args.alerts,
        "routes": AlertRoute.objects.count(),
        "grids": len(grids),
        "load_seconds": round(load_s, 1),
        "reps": args.reps,
        "users": results,
    }
    path = ROOT / "bench" / "results" / f"alerts-{args.db}.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
