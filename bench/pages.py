#!/usr/bin/env python
"""Page latency of home and the area browser, as users get them, beside the raw SQL.

Given a loaded database (``DATABASE_URL`` in ``env``) and a running server (gunicorn) at
``base_url``, ``measure_pages(env, base_url, reps)`` measures p50/p95/p99 over ``reps``
requests of:

- the district commander: home, the area browser at district level and at one town;
- a grid worker, with a phone's headers (mobile User-Agent, ``Accept-Language: zh-CN``,
  ``Accept-Encoding: gzip``): home and the area browser at their own area;

and, in the same run, the raw SQL of the same aggregate through the driver: the full
``COUNT(*)`` of persons and households in the actor's scope (what the pages computed on every
view before the counts were kept) and the sum over the kept per-area rows (what they read now).

Standalone: ``python bench/pages.py --base-url http://127.0.0.1:8811 --reps 100 --out FILE``
with ``DATABASE_URL`` set as for the server. Every Django step runs in a child process, as in
``bench/run.py``, so this process holds no database connection of its own.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable

PHONE = {
    "User-Agent": (
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/99.0.4844.88 Mobile Safari/537.36"
    ),
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip",
}
DESKTOP = {
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip",
}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _stats(times_ms: list[float]) -> dict:
    return {
        "p50_ms": round(_pct(times_ms, 50), 2),
        "p95_ms": round(_pct(times_ms, 95), 2),
        "p99_ms": round(_pct(times_ms, 99), 2),
        "n": len(times_ms),
    }


# ---------------------------------------------------------------------------------------------
# Orchestration (no Django here).


def measure_pages(env: dict, base_url: str, reps: int = 50) -> dict:
    """Measure the pages against ``base_url``; returns the results dict (see module doc)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        setup_file = fh.name
    subprocess.run([PY, __file__, "--child-setup", setup_file], env=env, cwd=ROOT, check=True)
    setup = json.loads(Path(setup_file).read_text())
    os.unlink(setup_file)

    parts = urlsplit(base_url)
    results: dict = {"reps": reps, "base_url": base_url, "actors": {}}
    for actor in setup["actors"]:
        headers = dict(PHONE if actor["phone"] else DESKTOP)
        headers["Cookie"] = actor["cookie"]
        pages = {}
        for name, path in actor["pages"].items():
            pages[name] = _get_many(parts.hostname, parts.port or 80, path, headers, reps)
        results["actors"][actor["name"]] = {
            "headers": "phone" if actor["phone"] else "desktop",
            "pages": pages,
        }

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        raw_file = fh.name
    subprocess.run(
        [PY, __file__, "--child-raw", raw_file, "--reps", str(reps)],
        env=env,
        cwd=ROOT,
        check=True,
    )
    raw = json.loads(Path(raw_file).read_text())
    os.unlink(raw_file)
    for name, figures in raw.items():
        results["actors"][name]["raw_sql"] = figures
    return results


def _get_many(host: str, port: int, path: str, headers: dict, reps: int) -> dict:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    times, size, status = [], 0, None
    try:
        for i in range(reps + 3):  # three warm-up requests (imports, caches, plans)
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            status = response.status
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}")
            if i >= 3:
                times.append(elapsed)
                size = len(body)
                encoding = response.getheader("Content-Encoding", "")
    finally:
        conn.close()
    plain = gzip.decompress(body) if encoding == "gzip" else body
    return {
        "path": path,
        **_stats(times),
        "bytes_sent": size,
        "bytes_html": len(plain),
        "encoding": encoding or "identity",
    }


# ---------------------------------------------------------------------------------------------
# Child processes (Django set up).


def _django():
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    django.setup()


def _actors():
    from fangkong.core.models import User
    from fangkong.places.models import Area

    commander = User.objects.get(username="commander")
    worker = User.objects.get(username="grid_worker")
    district = Area.objects.get(parent__isnull=True)
    town = Area.objects.filter(parent=district).order_by("code").first()
    own = worker.grants.active().select_related("area").order_by("area__path").first().area
    return [
        (
            "commander",
            commander,
            False,
            {
                "home": "/",
                "browser_district": f"/places/areas/{district.pk}/",
                "browser_town": f"/places/areas/{town.pk}/",
            },
            [district, town],
        ),
        (
            "grid_worker",
            worker,
            True,
            {"home": "/", "browser_own_area": f"/places/areas/{own.pk}/"},
            [own],
        ),
    ]


def child_setup(out: str) -> None:
    """Log the two demo users in (sessions as a browser would hold them) and list the pages."""
    _django()
    from django.conf import settings
    from django.test import Client

    actors = []
    for name, user, phone, pages, _areas in _actors():
        client = Client()
        client.force_login(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        actors.append({"name": name, "phone": phone, "pages": pages, "cookie": cookie})
    Path(out).write_text(json.dumps({"actors": actors}))


def child_raw(out: str, reps: int) -> None:
    """The same aggregates in raw SQL through the driver, per actor and page area."""
    _django()
    from django.db import connection
    from django.db.models import Sum

    from fangkong.core.scoping import clear_scope_cache
    from fangkong.people.models import Person
    from fangkong.places.models import AreaCount, Household

    results: dict = {}
    for name, user, _phone, _pages, areas in _actors():
        clear_scope_cache(user)
        figures = {}
        for area in areas:
            prefix = area.path
            # Before: every person and household in scope under the area, counted per view.
            queries = {
                "count_tables": [
                    qs.filter(area__path__startswith=prefix).order_by().values("pk").query
                    for qs in (
                        Person.objects.restrict(user, "view"),
                        Household.objects.restrict(user, "view"),
                    )
                ],
                # Now: the kept rows under the area (the few hundred rows home and the browser
                # sum).
                "kept_rows": [
                    AreaCount.objects.filter(area__path__startswith=prefix)
                    .order_by()
                    .values("kind")
                    .annotate(total=Sum("n"))
                    .query
                ],
            }
            for label, qs_list in queries.items():
                statements = []
                for query in qs_list:
                    sql, params = query.sql_with_params()
                    if label == "count_tables":
                        sql = f"SELECT COUNT(*) FROM ({sql}) t"
                    statements.append((sql, params))
                times = []
                with connection.cursor() as cursor:
                    for i in range(reps + 3):
                        started = time.perf_counter()
                        for sql, params in statements:
                            cursor.execute(sql, params)
                            cursor.fetchall()
                        if i >= 3:
                            times.append((time.perf_counter() - started) * 1000)
                figures[f"{area.get_level_display()}:{area.code}:{label}"] = _stats(times)
        results[name] = figures
    Path(out).write_text(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8811")
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--out", help="write the results JSON here")
    parser.add_argument("--child-setup", help=argparse.SUPPRESS)
    parser.add_argument("--child-raw", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_setup:
        return child_setup(args.child_setup)
    if args.child_raw:
        return child_raw(args.child_raw, args.reps)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    env["PYTHONPATH"] = str(ROOT)
    results = measure_pages(env, args.base_url, args.reps)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
