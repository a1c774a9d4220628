#!/usr/bin/env python
"""Checkpoint passage registration through the real API, beside the raw database.

    python bench/checkpoints.py --db postgresql            # full: 110,000 persons, 30 s each
    python bench/checkpoints.py --db postgresql --scale 3000 --seconds 5   # a smoke test
    python bench/checkpoints.py --db sqlite --reuse        # skip the demo load

In a fresh database (migrate, ``load_demo --scale N``), a clerk on duty at a checkpoint with an
API token; then gunicorn (``-w 3`` sync workers, as ``bench/run.py``) and, with a phone's
headers (mobile User-Agent, ``Accept-Language: zh-CN``, ``Accept-Encoding: gzip``):

1. ``POST /api/v1/passages/batch`` with batches of 50 passages from 4 phones at once;
2. ``POST /api/v1/passages`` one passage per request from 8 clients;

and, in the same run, the raw database inserting the same row of ``checkpoints_passage``
(``pgbench`` on PostgreSQL: 50 rows per transaction from 4 clients, one row per transaction
from 8 clients; ``sqlite3`` threads on SQLite), as a ratio. A third of the passages carry the ID
number of a registered resident (linked through the blind index), one in 200 has a fever (the
triage alert is raised in the same transaction). Throughput and p50/p95/p99 latency per
request. Targets on 2 cores (issue 6): batches of 50 ≥ 2,000 passages/s with p99 per batch
< 250 ms; single passages from 8 clients ≥ 400/s with p99 < 100 ms.

Results: ``bench/results/checkpoints-<db>.json``. Every Django step runs in a child process.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as base  # noqa: E402  (bench/run.py: environment, database, gunicorn helpers)

ROOT = base.ROOT
PY = base.PY
BATCH = 50
BATCH_CLIENTS = 4
SINGLE_CLIENTS = 8
PHONE = {
    "User-Agent": (
        "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/99.0.4844.88 Mobile Safari/537.36"
    ),
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Accept-Encoding": "gzip",
    "Content-Type": "application/json",
}
ORIGINS = ["长沙", "益阳", "沅江", "南县", "岳阳", "常德"]
log = base.log


# ---------------------------------------------------------------------------------------------
# Child: the clerk, the shift and the token.


def child_setup(out: str) -> None:
    base._django()
    import datetime as dt

    from django.utils import timezone

    from fangkong.checkpoints.models import Checkpoint, Passage, Shift
    from fangkong.core.models import BatchReceipt, Role, RoleGrant, User
    from fangkong.core.tokens import token_create
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("pk").first()
    checkpoint = Checkpoint.objects.filter(active=True).order_by("pk").first()
    if checkpoint is None:
        checkpoint = Checkpoint.objects.create(area=district, name="基准测试卡点", kind="road")
    clerk, created = User.objects.get_or_create(
        username="bench_clerk", defaults={"full_name": "基准测试员"}
    )
    if created:
        RoleGrant.objects.create(
            user=clerk,
            role=Role.objects.get(code="checkpoint_staff"),
            area=checkpoint.area,
            status=RoleGrant.Status.APPROVED,
        )
    BatchReceipt.objects.filter(user=clerk).delete()
    # The last run's rows, raw ones included (random bytes for ciphertext): by SQL, unread.
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (Passage._meta.db_table, Passage.history.model._meta.db_table):
            cursor.execute(f"DELETE FROM {table} WHERE clerk_id = %s", [clerk.pk])  # noqa: S608
    now = timezone.now()
    Shift.objects.filter(user=clerk).delete()
    Shift.objects.create(
        checkpoint=checkpoint,
        user=clerk,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=23),
        duty="leader",
    )
    _, token = token_create(actor=clerk, name="benchmark phone")
    residents = list(
        Person.objects.filter(household__isnull=False).values_list("id_number", "name")[:2000]
    )
    Path(out).write_text(
        json.dumps(
            {
                "token": token,
                "checkpoint": checkpoint.pk,
                "clerk": clerk.pk,
                "residents": residents,
            },
            ensure_ascii=False,
        )
    )


# ---------------------------------------------------------------------------------------------
# Clients.


def _passage(rng: random.Random, setup: dict, client: int, n: int) -> dict:
    if setup["residents"] and n % 3 == 0:
        number, name = setup["residents"][(client * 7919 + n) % len(setup["residents"])]
    else:
        number, name = base.synthetic_id(client, n), "测试丙"
    return {
        "checkpoint_id": setup["checkpoint"],
        "name": name,
        "id_number": number,
        "phone": f"197{client:02d}{n % 1_000_000:06d}",
        "temperature": "37.8" if n % 200 == 199 else f"36.{rng.randrange(2, 9)}",
        "direction": "in" if n % 3 else "out",
        "origin": ORIGINS[n % len(ORIGINS)],
        "destination": "大通湖区",
    }


def _run_clients(port, setup, seconds, n_clients, work) -> dict:
    latencies: list[float] = []
    done = [0] * n_clients
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {**PHONE, "Authorization": f"Bearer {setup['token']}"}
        n = 0
        while time.perf_counter() < stop:
            path, body, count = work(rng, i, n)
            n += count
            try:
                t0 = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
                if resp.getheader("Content-Encoding") == "gzip":
                    text = gzip.decompress(text)
                latencies.append((time.perf_counter() - t0) * 1000)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            if resp.status not in (200, 201):
                errors.append(f"{resp.status} {text[:300]!r}")
                continue
            if resp.status == 200:
                results = json.loads(text)["results"]
                stored = sum(r["status"] == "stored" for r in results)
                if stored != len(results) and not errors:
                    errors.append(json.dumps(results[:2], ensure_ascii=False)[:300])
                done[i] += stored
            else:
                done[i] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": n_clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "passages": sum(done),
        "passages_per_s": round(sum(done) / elapsed, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(base._pct(latencies, 95), 1) if latencies else None,
        "latency_p99_ms": round(base._pct(latencies, 99), 1) if latencies else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def batches(port, setup, seconds, offset) -> dict:
    def work(rng, i, n):
        records = [
            {"client_id": f"bench-{offset}-{i}-{n + k}", **_passage(rng, setup, i, offset + n + k)}
            for k in range(BATCH)
        ]
        return "/api/v1/passages/batch", json.dumps({"records": records}), BATCH

    out = _run_clients(port, setup, seconds, BATCH_CLIENTS, work)
    out["batch_size"] = BATCH
    return out


def singles(port, setup, seconds, offset) -> dict:
    def work(rng, i, n):
        return "/api/v1/passages", json.dumps(_passage(rng, setup, i, offset + n)), 1

    return _run_clients(port, setup, seconds, SINGLE_CLIENTS, work)


# ---------------------------------------------------------------------------------------------
# The raw database doing the same insert.

_PG_PASSAGE = r"""
INSERT INTO checkpoints_passage (version, created_at, updated_at, checkpoint_id, at, kind,
  id_number, id_number_bidx, id_last4_bidx, name, phone, phone_bidx, phone_last4_bidx, plate,
  passengers, temperature, direction, origin, destination, note, fever, risk_origin, clerk_id)
SELECT 1, now(), now(), :checkpoint, now(), 'person',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 34), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  '测试丙',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 20), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  '', 0, 36.5, 'in', '长沙', '大通湖区', '', false, false, :clerk
FROM generate_series(1, :rows);
"""


def raw_pg(setup: dict, seconds: float, rows: int, clients: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write(_PG_PASSAGE)
        script = fh.name
    pg = base.PG
    cmd = [
        "pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-f", script,
        "-D", f"checkpoint={setup['checkpoint']}", "-D", f"clerk={setup['clerk']}",
        "-D", f"rows={rows}", "-h", pg["host"], "-p", pg["port"], "-U", pg["user"], pg["db"],
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True)
    os.unlink(script)
    if out.returncode:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    return {
        "tool": f"pgbench -n -c {clients} -j 2, {rows} row(s) per transaction",
        "transactions_per_s": round(tps, 1),
        "passages_per_s": round(tps * rows, 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


def raw_sqlite(setup: dict, seconds: float, rows: int, clients: int) -> dict:
    import secrets
    import sqlite3

    sql = (
        "INSERT INTO checkpoints_passage (version, created_at, updated_at, checkpoint_id, at, "
        "kind, id_number, id_number_bidx, id_last4_bidx, name, phone, phone_bidx, "
        "phone_last4_bidx, plate, passengers, temperature, direction, origin, destination, note, "
        "fever, risk_origin, clerk_id) VALUES (1, datetime('now'), datetime('now'), ?, "
        "datetime('now'), 'person', ?, ?, ?, '测试丙', ?, ?, ?, '', 0, 36.5, 'in', '长沙', "
        "'大通湖区', '', 0, 0, ?)"
    )
    done = [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = sqlite3.connect(base.SQLITE_FILE, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        while time.perf_counter() < stop:
            values = [
                (
                    setup["checkpoint"],
                    secrets.token_bytes(60),
                    secrets.token_hex(32),
                    secrets.token_hex(32),
                    secrets.token_bytes(50),
                    secrets.token_hex(32),
                    secrets.token_hex(32),
                    setup["clerk"],
                )  # fmt: skip
                for _ in range(rows)
            ]
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, values)
            conn.execute("COMMIT")
            done[i] += rows
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "tool": f"sqlite3, {clients} threads, {rows} row(s) per transaction",
        "passages_per_s": round(sum(done) / elapsed, 1),
    }


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--scale", type=int, default=110_000, help="persons in the demo load")
    parser.add_argument("--seconds", type=float, default=30.0, help="per measurement")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    parser.add_argument("--child-setup", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_setup:
        child_setup(args.child_setup)
        return
    env = base.backend_env(args.db)
    if args.db == "postgresql":
        base.PG["db"] = os.environ.get("BENCH_PG_DB", "fangkong_bench_checkpoints")
        env = base.backend_env(args.db)
    if not args.reuse:
        base.fresh_database(args.db, env)
        log(f"{args.db}: loading the demo with {args.scale:,} persons")
        base.run_child([PY, "manage.py", "load_demo", "--scale", str(args.scale)], env)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        setup_file = fh.name
    base.run_child([PY, __file__, "--child-setup", setup_file], env)
    setup = json.loads(Path(setup_file).read_text())
    os.unlink(setup_file)
    port = base.free_port()
    (ROOT / "var").mkdir(exist_ok=True)
    gun_log = (ROOT / "var" / f"bench-checkpoints-gunicorn-{args.db}.log").open("w")
    gun = subprocess.Popen(
        [base.GUNICORN, "fangkong.wsgi", *base.GUNICORN_ARGS, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        env=env, cwd=ROOT, stdout=gun_log, stderr=gun_log,
    )  # fmt: skip
    result: dict = {
        "db": args.db,
        "scale": args.scale,
        "gunicorn": " ".join(base.GUNICORN_ARGS),
        "targets": {
            "batch_50": ">= 2000 passages/s, p99 per batch < 250 ms",
            "single": ">= 400 passages/s from 8 clients, p99 < 100 ms",
        },
    }
    try:
        base._wait_http(port)
        singles(port, setup, 2, offset=900_000)  # warm-up: imports, keys, connections
        result["api_batch_50"] = batches(port, setup, args.seconds, offset=100_000)
        b = result["api_batch_50"]
        log(f"batch of 50: {b['passages_per_s']} passages/s, p99 {b['latency_p99_ms']} ms")
        result["api_single"] = singles(port, setup, args.seconds, offset=500_000)
        s = result["api_single"]
        log(f"single: {s['passages_per_s']} passages/s, p99 {s['latency_p99_ms']} ms")
    finally:
        gun.terminate()
        gun.wait(timeout=30)
        gun_log.close()
    raw = raw_pg if args.db == "postgresql" else raw_sqlite
    result["raw_batch_50"] = raw(setup, args.seconds, BATCH, BATCH_CLIENTS)
    result["raw_single"] = raw(setup, args.seconds, 1, SINGLE_CLIENTS)
    for kind in ("batch_50", "single"):
        api, rawv = result[f"api_{kind}"]["passages_per_s"], result[f"raw_{kind}"]["passages_per_s"]
        result[f"ratio_{kind}"] = round(api / rawv, 3) if rawv else None
        log(f"raw {kind}: {rawv} passages/s; API/raw = {result[f'ratio_{kind}']}")
    result["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}
    out = ROOT / "bench" / "results" / f"checkpoints-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    log(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
