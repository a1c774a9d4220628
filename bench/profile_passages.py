#!/usr/bin/env python
"""Profile passage registration in-process: ``POST /api/v1/passages`` and
``POST /api/v1/passages/batch`` (batches of 50) through Django's test client (middleware, token
check, ninja, JSON), with a phone's headers, against a loaded database (``DATABASE_URL``), every
request rolled back. The clerk, shift and token are set up as ``bench/checkpoints.py`` does.

    DATABASE_URL=postgres://... python bench/profile_passages.py [--singles 300] [--batches 20]
        [--profile single|batch|none] [--top 35] [--sql]

Prints the app's CPU time per passage (process time: the database's own work and the round
trips are not counted), the wall time and the statements per request; with ``--profile``, the
top functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checkpoints as bench  # noqa: E402  (bench/checkpoints.py: setup and the passage body)


class _Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--profile", choices=["single", "batch", "none"], default="none")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print the SQL of the last request")
    args = parser.parse_args()

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        bench.child_setup(out.name)  # sets Django up
        setup = json.loads(Path(out.name).read_text())

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    headers = {
        f"HTTP_{k.upper().replace('-', '_')}": v
        for k, v in bench.PHONE.items()
        if k != "Content-Type"
    }
    client = Client(HTTP_AUTHORIZATION=f"Bearer {setup['token']}", HTTP_HOST="127.0.0.1", **headers)
    rng = random.Random(1)
    counter = [0]

    def passage() -> dict:
        counter[0] += 1
        return bench._passage(rng, setup, 0, counter[0])

    def single() -> None:
        resp = client.post("/api/v1/passages", json.dumps(passage()), "application/json")
        assert resp.status_code == 201, resp.content[:300]

    def batch() -> None:
        body = {"records": [{"client_id": f"p-{counter[0]}", **passage()} for _ in range(50)]}
        resp = client.post("/api/v1/passages/batch", json.dumps(body), "application/json")
        assert resp.status_code == 200, resp.content[:300]

    def run(fn, times: int, prof) -> tuple[float, float, int]:
        fn()  # warm-up (imports, caches)
        queries = 0
        try:
            with transaction.atomic():
                if prof:
                    prof.enable()
                cpu0, wall0 = time.process_time(), time.perf_counter()
                for _ in range(times):
                    with CaptureQueriesContext(connection) as ctx:
                        fn()
                    queries = len(ctx.captured_queries)
                cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
                if prof:
                    prof.disable()
                if args.sql:
                    for q in ctx.captured_queries:
                        print(f"  {q['time']}s {q['sql'][:200]}")
                raise _Rollback
        except _Rollback:
            pass
        return cpu, wall, queries

    prof = cProfile.Profile() if args.profile != "none" else None
    try:
        with transaction.atomic():
            cpu, wall, q = run(single, args.singles, prof if args.profile == "single" else None)
            print(
                f"single: {cpu / args.singles * 1000:.2f} ms CPU, "
                f"{wall / args.singles * 1000:.2f} ms wall, {q} statements per passage"
            )
            n = args.batches * 50
            cpu, wall, q = run(batch, args.batches, prof if args.profile == "batch" else None)
            print(
                f"batch of 50: {cpu / n * 1000:.3f} ms CPU/passage, "
                f"{wall / n * 1000:.3f} ms wall/passage, {q} statements per batch"
            )
            raise _Rollback
    except _Rollback:
        pass
    if prof:
        stats = pstats.Stats(prof).strip_dirs().sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
