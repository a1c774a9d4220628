#!/usr/bin/env python
"""Profile the write path in-process: ``POST /api/v1/persons/batch`` (batches of 50) and
``POST /api/v1/persons``, through Django's test client (middleware, token check, ninja, JSON),
against a loaded database (``DATABASE_URL``), every request rolled back.

    DATABASE_URL=postgres://... python bench/profile_writes.py [--batches 20] [--singles 200]
        [--profile batch|single|none] [--top 30]

Prints the app's CPU time per row / per create (process time, so the database's own work and
the round trips are not counted) and, with ``--profile``, the top functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--singles", type=int, default=200)
    parser.add_argument("--profile", choices=["batch", "single", "none"], default="none")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print the SQL of the last request")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from run import synthetic_id

    from fangkong.core.models import User
    from fangkong.core.tokens import token_create
    from fangkong.places.models import Area

    office = User.objects.get(username="office")
    _, token = token_create(actor=office, name="profile")
    grids = list(
        Area.objects.filter(
            level=Area.Level.GRID, path__startswith="/430971/430971100/"
        ).values_list("id", flat=True)[:50]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    counter = [900_000]

    def record(i: int) -> dict:
        n = counter[0]
        counter[0] += 1
        return {
            "name": "测试乙",
            "id_number": synthetic_id(i % 16, n),
            "phone": f"197{i % 100:02d}{n % 1_000_000:06d}",
            "area_id": grids[n % len(grids)],
        }

    def batch() -> None:
        body = {
            "records": [{"client_id": f"p-{counter[0]}", **record(1)} for _ in range(args.size)]
        }
        resp = client.post(
            "/api/v1/persons/batch", json.dumps(body), content_type="application/json"
        )
        assert resp.status_code == 200, resp.content[:300]
        results = resp.json()["results"]
        assert all(r["status"] == "stored" for r in results), results[0]

    def single() -> None:
        resp = client.post(
            "/api/v1/persons", json.dumps(record(2)), content_type="application/json"
        )
        assert resp.status_code == 201, resp.content[:300]

    def run(fn, times: int) -> tuple[float, float, int]:
        fn()  # warm-up (imports, caches)
        queries = 0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        try:
            with transaction.atomic():
                for _ in range(times):
                    with CaptureQueriesContext(connection) as ctx:
                        fn()
                    queries = len(ctx.captured_queries)
                if args.sql:
                    for q in ctx.captured_queries:
                        print(f"  {q['time']}s {q['sql'][:160]}")
                raise _Rollback
        except _Rollback:
            pass
        return time.process_time() - cpu0, time.perf_counter() - wall0, queries

    prof = cProfile.Profile() if args.profile != "none" else None
    try:
        with transaction.atomic():
            if prof and args.profile == "batch":
                prof.enable()
            cpu, wall, q = run(batch, args.batches)
            if prof:
                prof.disable()
            rows = args.batches * args.size
            print(
                f"batch of {args.size}: {cpu / rows * 1000:.3f} ms CPU/row, "
                f"{wall / rows * 1000:.3f} ms wall/row, {q} queries per batch"
            )
            if prof and args.profile == "single":
                prof.enable()
            cpu, wall, q = run(single, args.singles)
            if prof:
                prof.disable()
            print(
                f"single create: {cpu / args.singles * 1000:.3f} ms CPU, "
                f"{wall / args.singles * 1000:.3f} ms wall, {q} queries"
            )
            raise _Rollback
    except _Rollback:
        pass
    finally:
        from fangkong.core.models import ApiToken

        ApiToken.objects.filter(user=office, name="profile").delete()
    if prof:
        stats = pstats.Stats(prof).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
