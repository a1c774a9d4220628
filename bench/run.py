#!/usr/bin/env python
"""Fangkong benchmark: ``make bench`` (full) or ``make bench BENCH_ARGS="--quick"`` (smoke test).

For SQLite and PostgreSQL, each in a fresh database, in subprocesses:

1. demo load time (and peak RSS) at the default size and at 1,000,000 persons;
2. person search latency p50/p95 through ``person_search`` (first page of 20 rows and the
   count capped at 1,000, as the search API does), for the district commander and the grid
   worker, beside the raw
   database running the very same SQL (compiled once by the ORM) through the driver;
3. API person-create throughput with 16 keep-alive clients against gunicorn, beside the raw
   insert rate of the same row (``pgbench`` on PostgreSQL, 16 ``sqlite3`` threads on SQLite);
4. peak RSS of one gunicorn worker after the throughput run.

Every figure sits beside its raw-database figure measured in the same run, because the machine
(and its other load) changes between runs; the ratio is what to compare across runs.
Results: bench/results/{sqlite,postgresql}.json and summary.md (quick runs go to var/bench/).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
PG = {
    "host": "127.0.0.1",
    "port": "5432",
    "user": "postgres",
    "db": os.environ.get("BENCH_PG_DB", "fangkong_bench"),
}
CLIENTS = 16
BATCH_SIZES = (50, 500)
BATCH_CLIENTS = 4  # phones syncing at the same moment
SEARCH_REPS = 10
# Worker model of the measured server; BENCH_GUNICORN="-w 4 --threads 4" compares another.
# Three sync workers on 2 cores: measured against 4x4 threads and 4 sync workers (bench/README).
GUNICORN_ARGS = os.environ.get("BENCH_GUNICORN", "-w 3").split()
PAGE_REPS = 30
SQLITE_DIR = ROOT / "var" / "bench-sqlite"
SQLITE_FILE = SQLITE_DIR / "fangkong.sqlite3"


# ---------------------------------------------------------------------------------------------
# Orchestration (no Django in this process: every measured step runs in a child process).


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run_child(cmd: list[str], env: dict) -> dict:
    """Run a command; return wall time, CPU time and the child's peak RSS (from wait4)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "output": out,
    }


def backend_env(backend: str) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "fangkong.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    if backend == "sqlite":
        # The embedded default (WAL, IMMEDIATE transactions, busy timeout) in a directory of
        # its own, so the benchmark never touches the demo database in var/.
        env.pop("DATABASE_URL", None)
        env["FANGKONG_VAR_DIR"] = str(SQLITE_DIR)
    else:
        env["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{PG['db']}"
    return env


def fresh_database(backend: str, env: dict) -> None:
    if backend == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    else:
        psql = [
            "psql",
            "-h",
            PG["host"],
            "-p",
            PG["port"],
            "-U",
            PG["user"],
            "-q",
            "-d",
            "postgres",
        ]
        subprocess.run([*psql, "-c", f"DROP DATABASE IF EXISTS {PG['db']}"], check=True)
        subprocess.run([*psql, "-c", f"CREATE DATABASE {PG['db']}"], check=True)
    run_child([PY, "manage.py", "migrate", "--noinput", "-v", "0"], env)


def load(backend: str, env: dict, persons: int) -> dict:
    fresh_database(backend, env)
    log(f"{backend}: loading the demo with {persons:,} persons")
    res = run_child([PY, "manage.py", "load_demo", "--scale", str(persons)], env)
    if backend == "postgresql":
        # Fresh statistics, as autovacuum would give a real database after a bulk import.
        subprocess.run(
            [
                "psql",
                "-h",
                PG["host"],
                "-U",
                PG["user"],
                "-q",
                "-d",
                PG["db"],
                "-c",
                "VACUUM ANALYZE",
            ],
            check=True,
        )
    line = res.pop("output").strip().splitlines()[-1]
    log(f"{backend}: {line} (wall {res['wall_s']} s, CPU {res['cpu_s']} s)")
    res["persons"] = persons
    res["summary"] = line
    return res


def search(env: dict, reps: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    run_child([PY, __file__, "--child-search", out, "--reps", str(reps)], env)
    data = json.loads(Path(out).read_text())
    os.unlink(out)
    for actor, agg in data["overall"].items():
        log(
            f"  search as {actor}: p50 {agg['orm_p50_ms']} ms / p95 {agg['orm_p95_ms']} ms "
            f"(raw {agg['raw_p50_ms']} / {agg['raw_p95_ms']} ms)"
        )
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput(backend: str, env: dict, seconds: float) -> dict:
    """Through gunicorn, as users get it: search, single creates (without and with an
    Idempotency-Key), batch creates of 50 and 500; each beside the raw database doing the same
    work in the same run."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        setup_file = fh.name
    run_child([PY, __file__, "--child-token", setup_file], env)
    setup = json.loads(Path(setup_file).read_text())
    os.unlink(setup_file)
    port = free_port()
    gun_log = (ROOT / "var" / f"bench-gunicorn-{backend}.log").open("w")
    gun = subprocess.Popen(
        [
            GUNICORN,
            "fangkong.wsgi",
            *GUNICORN_ARGS,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=gun_log,
        stderr=gun_log,
    )
    out: dict = {"gunicorn": " ".join(GUNICORN_ARGS)}
    try:
        _wait_http(port)
        _api_clients(port, setup, 2, offset=50_000)  # warm-up: imports, pinyin tables, keys
        pages = _pages_module()
        if pages is not None:  # bench/pages.py: home and area browser latencies
            measure = getattr(pages, "measure_pages", None) or pages.measure
            out["pages"] = measure(env, f"http://127.0.0.1:{port}", reps=PAGE_REPS)
            log("  pages measured (bench/pages.py)")
        out["api_search"] = _api_search(port, setup)
        for actor, agg in out["api_search"]["overall"].items():
            log(
                f"  API search as {actor}: p50 {agg['p50_ms']} / p95 {agg['p95_ms']} / "
                f"p99 {agg['p99_ms']} ms"
            )
        api = _api_clients(port, setup, seconds)
        log(f"  API: {api['requests_per_s']} creates/s, p99 {api['latency_p99_ms']} ms")
        keyed = _api_clients(port, setup, seconds, offset=100_000, idempotency=True)
        log(f"  API with Idempotency-Key: {keyed['requests_per_s']} creates/s")
        out["api_keyed"] = keyed
        for size in BATCH_SIZES:
            batch = _batch_clients(port, setup, seconds, size, offset=200_000 + size * 1000)
            log(
                f"  API batch of {size}: {batch['rows_per_s']} rows/s, per batch p50 "
                f"{batch['latency_p50_ms']} / p99 {batch['latency_p99_ms']} ms"
            )
            out[f"api_batch_{size}"] = batch
        workers = _children(gun.pid)
        rss = [_vm(pid, "VmHWM") for pid in workers]
        api["worker_peak_rss_mb"] = round(max(rss) / 1024, 1) if rss else None
    finally:
        gun.terminate()
        gun.wait(timeout=30)
        gun_log.close()
    raw = _raw_pg(setup, seconds) if backend == "postgresql" else _raw_sqlite(env, setup, seconds)
    log(f"  raw inserts: {raw['inserts_per_s']}/s")
    out.update(
        {
            "api": api,
            "raw": raw,
            "ratio": round(api["requests_per_s"] / raw["inserts_per_s"], 3)
            if raw["inserts_per_s"]
            else None,
        }
    )
    if backend == "postgresql":
        for size in BATCH_SIZES:
            raw_batch = _raw_pg(setup, seconds, rows=size)
            out[f"raw_batch_{size}"] = raw_batch
            log(f"  raw batch inserts of {size}: {raw_batch['rows_per_s']} rows/s")
    return out


def _wait_http(port: int) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True, text=True
    ).stdout
    return [int(x) for x in out.split()]


def _vm(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def check_digit(body: str) -> str:
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


_SYNTHETIC_REGIONS = ("430971", "430902", "430903", "430921", "430922", "430923", "430981")


def synthetic_id(client: int, n: int) -> str:
    """Unique valid ID numbers that the demo never issues: born 2021-01-01 to 2026-06-23, over
    several regions, unique per (client < CLIENTS, n)."""
    k = n * CLIENTS + client
    day = dt.date(2021, 1, 1) + dt.timedelta(days=(k // 1000) % 2000)
    region = _SYNTHETIC_REGIONS[(k // 2_000_000) % len(_SYNTHETIC_REGIONS)]
    body = f"{region}{day:%Y%m%d}{k % 1000:03d}"
    return body + check_digit(body)


def _api_clients(
    port: int, setup: dict, seconds: float, offset: int = 0, idempotency: bool = False
) -> dict:
    token, grids = setup["token"], setup["grids"]
    counts = [[0, 0] for _ in range(CLIENTS)]
    first_error: list[str] = []
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        n = offset
        while time.perf_counter() < stop:
            body = json.dumps(
                {
                    "name": "测试甲",
                    "id_number": synthetic_id(i, n),
                    "phone": f"199{i:02d}{n % 1_000_000:06d}",
                    "area_id": grids[n % len(grids)],
                }
            )
            n += 1
            if idempotency:
                headers["Idempotency-Key"] = f"bench-{i}-{n}-{offset}"
            try:
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/persons", body=body, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
                latencies.append((time.perf_counter() - t0) * 1000)
            except (OSError, http.client.HTTPException) as exc:
                counts[i][1] += 1
                first_error.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if resp.status == 201:
                counts[i][0] += 1
            else:
                counts[i][1] += 1
                if not first_error:
                    first_error.append(f"{resp.status} {text[:300]!r}")
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ok, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return {
        "clients": CLIENTS,
        "seconds": round(elapsed, 2),
        "ok": ok,
        "errors": errors,
        "requests_per_s": round(ok / elapsed, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(_pct(latencies, 95), 1) if latencies else None,
        "latency_p99_ms": round(_pct(latencies, 99), 1) if latencies else None,
        "idempotency_key": idempotency,
        "first_error": first_error[0] if first_error else None,
    }


def _batch_clients(port: int, setup: dict, seconds: float, size: int, offset: int) -> dict:
    """``POST /api/v1/persons/batch`` with ``size`` records from BATCH_CLIENTS phones."""
    token, grids = setup["token"], setup["grids"]
    rows = [0] * BATCH_CLIENTS
    errors: list[str] = []
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        n = offset
        # A phone syncs what its worker collected in their own grids: each client its own.
        mine = grids[i::BATCH_CLIENTS] or grids
        while time.perf_counter() < stop:
            records = []
            for _ in range(size):
                records.append(
                    {
                        "client_id": f"bench-{i}-{n}",
                        "name": "测试乙",
                        "id_number": synthetic_id(i, n),
                        "phone": f"198{i:02d}{n % 1_000_000:06d}",
                        "area_id": mine[n % len(mine)],
                    }
                )
                n += 1
            body = json.dumps({"records": records})
            try:
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/persons/batch", body=body, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
                latencies.append((time.perf_counter() - t0) * 1000)
            except (OSError, http.client.HTTPException) as exc:
                errors.append(repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            if resp.status != 200:
                errors.append(f"{resp.status} {text[:300]!r}")
                continue
            results = json.loads(text)["results"]
            stored = sum(r["status"] == "stored" for r in results)
            rows[i] += stored
            if stored != len(results) and not errors:
                bad = next(r for r in results if r["status"] != "stored")
                errors.append(json.dumps(bad, ensure_ascii=False)[:300])
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(BATCH_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "clients": BATCH_CLIENTS,
        "batch_size": size,
        "seconds": round(elapsed, 2),
        "batches": len(latencies),
        "rows": sum(rows),
        "rows_per_s": round(sum(rows) / elapsed, 1),
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(_pct(latencies, 95), 1) if latencies else None,
        "latency_p99_ms": round(_pct(latencies, 99), 1) if latencies else None,
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def _api_search(port: int, setup: dict) -> dict:
    """``POST /api/v1/persons/search`` as the search box sends it (first page of 20), one
    request at a time, for every kind of query, as the commander and as the grid worker."""
    result: dict = {"queries": {}, "overall": {}}
    for actor, token in setup["search_tokens"].items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        every: list[float] = []
        for label, query in setup["queries"].items():
            times = []
            found = None
            for i in range(SEARCH_REPS + 2):
                body = json.dumps({"query": query, "page_size": 20})
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/persons/search", body=body, headers=headers)
                resp = conn.getresponse()
                text = resp.read()
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status != 200:
                    raise SystemExit(f"search {label!r} as {actor}: {resp.status} {text[:200]!r}")
                found = json.loads(text)["count"]
                if i >= 2:  # two warm-up rounds
                    times.append(elapsed)
            result["queries"].setdefault(label, {})[actor] = {
                "found": found,
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(_pct(times, 95), 2),
            }
            every += times
        conn.close()
        result["overall"][actor] = {
            "p50_ms": round(statistics.median(every), 2),
            "p95_ms": round(_pct(every, 95), 2),
            "p99_ms": round(_pct(every, 99), 2),
            "samples": len(every),
        }
    return result


# The same row the API writes into people_person, with ciphertext-sized values: an AES-GCM blob
# of an ID number is 2 (key id) + 1 + 12 (nonce) + 18 + 16 (tag) = 49 bytes; a phone's is 42.
_PG_INSERT = r"""
\set grid random(:grid_lo, :grid_hi)
INSERT INTO people_person (version, created_at, updated_at, area_id, deleted_reason, name,
  name_pinyin, name_initials, id_number, id_number_bidx, id_last4_bidx, id_region_unknown,
  birth_date, sex, phone, phone_bidx, phone_last4_bidx, relation, current_address,
  registered_residence, is_resident)
VALUES (1, now(), now(), :grid, '', '测试甲', 'ceshijia', 'csj',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 34), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  false, '2021-01-01', 'M',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 20), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  '', '', '', true);
"""


# The same rows, ``:rows`` per transaction (one multi-row INSERT), as a batch writes them.
_PG_BATCH_INSERT = r"""
\set grid random(:grid_lo, :grid_hi)
INSERT INTO people_person (version, created_at, updated_at, area_id, deleted_reason, name,
  name_pinyin, name_initials, id_number, id_number_bidx, id_last4_bidx, id_region_unknown,
  birth_date, sex, phone, phone_bidx, phone_last4_bidx, relation, current_address,
  registered_residence, is_resident)
SELECT 1, now(), now(), :grid, '', '测试乙', 'ceshiyi', 'csy',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 34), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  false, '2021-01-01', 'M',
  decode(md5(random()::text) || md5(random()::text) || substr(md5(random()::text), 1, 20), 'hex'),
  md5(random()::text) || md5(random()::text), md5(random()::text) || md5(random()::text),
  '', '', '', true
FROM generate_series(1, :rows);
"""


def _raw_pg(setup: dict, seconds: float, rows: int = 1) -> dict:
    clients = CLIENTS if rows == 1 else BATCH_CLIENTS
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as fh:
        fh.write(_PG_INSERT if rows == 1 else _PG_BATCH_INSERT)
        script = fh.name
    cmd = [
        "pgbench",
        "-n",
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(int(seconds)),
        "-f",
        script,
        "-D",
        f"grid_lo={min(setup['grids'])}",
        "-D",
        f"grid_hi={max(setup['grids'])}",
        "-D",
        f"rows={rows}",
        "-h",
        PG["host"],
        "-p",
        PG["port"],
        "-U",
        PG["user"],
        PG["db"],
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    os.unlink(script)
    if out.returncode:
        raise SystemExit(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    latency = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    return {
        "tool": f"pgbench -n -c {clients} -j 2, {rows} row(s) per transaction",
        "seconds": int(seconds),
        "inserts_per_s": round(tps, 1),
        "rows_per_s": round(tps * rows, 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
    }


def _raw_sqlite(env: dict, setup: dict, seconds: float) -> dict:
    """16 threads, one row per transaction, WAL and the app's pragmas, through ``sqlite3``."""
    import secrets
    import sqlite3

    path = str(SQLITE_FILE)
    grids = setup["grids"]
    sql = (
        "INSERT INTO people_person (version, created_at, updated_at, area_id, deleted_reason, "
        "name, name_pinyin, name_initials, id_number, id_number_bidx, id_last4_bidx, "
        "id_region_unknown, birth_date, sex, phone, phone_bidx, phone_last4_bidx, relation, "
        "current_address, registered_residence, is_resident) VALUES "
        "(1, ?, ?, ?, '', '测试甲', 'ceshijia', 'csj', ?, ?, ?, 0, '2021-01-01', 'M', ?, ?, ?, "
        "'', '', '', 1)"
    )
    counts = [0] * CLIENTS
    stop = time.perf_counter() + seconds

    def worker(i: int) -> None:
        db = sqlite3.connect(path, timeout=20, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=20000")
        n = 0
        while time.perf_counter() < stop:
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                sql,
                (
                    now,
                    now,
                    grids[n % len(grids)],
                    secrets.token_bytes(49),
                    secrets.token_hex(32),
                    secrets.token_hex(32),  # last-four keyed index
                    secrets.token_bytes(42),
                    secrets.token_hex(32),
                    secrets.token_hex(32),
                ),
            )
            db.execute("COMMIT")
            n += 1
        counts[i] = n
        db.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "tool": "python sqlite3, 16 threads, one row per transaction, WAL",
        "seconds": round(elapsed, 2),
        "inserts_per_s": round(sum(counts) / elapsed, 1),
    }


def machine_info(backend: str, env: dict) -> dict:
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
    }
    out = subprocess.run(
        [PY, "-c", "import django; print(django.get_version())"], capture_output=True, text=True
    )
    info["django"] = out.stdout.strip()
    if backend == "postgresql":
        out = subprocess.run(
            ["psql", "-h", PG["host"], "-U", PG["user"], "-tAc", "SHOW server_version", "postgres"],
            capture_output=True,
            text=True,
        )
        info["postgresql"] = out.stdout.strip()
    else:
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
    return info


def _pages_module():
    """``bench.pages`` if it exists: ``measure_pages(env, base_url, reps) -> dict`` (or
    ``measure(...)`` with the same arguments) measures page latencies against the running
    gunicorn on the loaded database; its figures land in the results JSON under ``pages``."""
    if not (ROOT / "bench" / "pages.py").exists():
        return None
    import importlib

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("bench.pages")


def bench_backend(backend: str, args) -> dict:
    env = backend_env(backend)
    result = {"backend": backend, "machine": machine_info(backend, env), "quick": args.quick}
    sizes = [("default", args.persons)] + ([("large", args.large)] if args.large else [])
    for label, persons in sizes:
        if args.reuse and label == "default":
            log(f"{backend}: reusing the loaded database (--reuse)")
            section = {"load": {"persons": persons, "reused": True}}
        else:
            section = {"load": load(backend, env, persons)}
        log(f"{backend}: search at {persons:,} persons")
        section["search"] = search(env, args.reps)
        if label == "default":
            log(f"{backend}: API search, creates and batches, {args.seconds:g} s each")
            section["create"] = throughput(backend, env, args.seconds)
        result[label] = section
    return result


# ---------------------------------------------------------------------------------------------
# Child processes (Django set up).


def _django():
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    django.setup()


def child_token(out: str) -> None:
    _django()
    from fangkong.core.models import RoleGrant, User
    from fangkong.core.tokens import token_create
    from fangkong.places.models import Area

    office = User.objects.get(username="office")
    _clean_bench_rows()
    _, token = token_create(actor=office, name="benchmark")
    worker_grids = RoleGrant.objects.filter(user__username="grid_worker").values_list(
        "area_id", flat=True
    )
    # Spread the creates over the grids of the first town, as many workers at once would.
    grids = list(
        Area.objects.filter(
            level=Area.Level.GRID, path__startswith="/430971/430971100/"
        ).values_list("id", flat=True)[:50]
    ) or list(worker_grids)
    search_tokens = {
        name: token_create(actor=User.objects.get(username=name), name="benchmark search")[1]
        for name in ("commander", "grid_worker")
    }
    worker = User.objects.get(username="grid_worker")
    Path(out).write_text(
        json.dumps(
            {
                "token": token,
                "grids": grids,
                "search_tokens": search_tokens,
                "queries": search_queries(worker),
            },
            ensure_ascii=False,
        )
    )


def _clean_bench_rows() -> None:
    """A reused database (--reuse) still holds the last run's rows (the raw ones with random
    bytes for ciphertext), Idempotency-Keys and client ids: remove them."""
    from django.db import connection

    from fangkong.core.models import BatchReceipt, IdempotencyRecord

    BatchReceipt.objects.filter(user__username="office").delete()
    IdempotencyRecord.objects.filter(user__username="office").delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_person WHERE name IN ('测试甲', '测试乙')")


def search_queries(worker) -> dict[str, str]:
    """The 8 kinds of query the search box gets, found in the grid worker's grids too."""
    from fangkong.people.models import Person

    sample = Person.objects.restrict(worker).exclude(phone="").order_by("id").first()
    surname = sample.name[0]
    return {
        "initials zs": "zs",
        "initials wxm": "wxm",
        "initials of a neighbour": sample.name_initials,
        "name prefix": sample.name[:2] if len(sample.name) > 2 else surname,
        "surname": surname,
        "last 4 digits": sample.id_number[-4:],
        "full ID number": sample.id_number,
        "full phone number": sample.phone,
    }


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def child_search(out: str, reps: int) -> None:
    _django()
    from django.db import connection

    from fangkong.core.models import User
    from fangkong.core.paging import SEARCH_COUNT_CAP, capped_count
    from fangkong.core.scoping import clear_scope_cache
    from fangkong.people.selectors import person_search

    _clean_bench_rows()
    commander = User.objects.get(username="commander")
    worker = User.objects.get(username="grid_worker")
    queries = search_queries(worker)
    connection.ensure_connection()
    raw_conn = connection.connection
    results: dict = {"queries": {}, "overall": {}}
    per_actor: dict[str, dict[str, list[float]]] = {}
    for actor_name, actor in (("commander", commander), ("grid_worker", worker)):
        orm_all, raw_all = [], []
        for label, query in queries.items():
            orm_times, raw_times = [], []
            # The same SQL, compiled once by the ORM, for the raw driver to run.
            qs = person_search(actor=actor, query=query)
            page_sql, page_params = qs[:20].query.sql_with_params()
            count_sql, count_params = (
                qs.order_by()[: SEARCH_COUNT_CAP + 1].values("pk").query.sql_with_params()
            )
            count_sql = f"SELECT COUNT(*) FROM ({count_sql}) AS sub"
            if connection.vendor == "postgresql":
                page_sql, count_sql = page_sql.replace("%s", "%s"), count_sql
            else:
                page_sql, count_sql = page_sql.replace("%s", "?"), count_sql.replace("%s", "?")
            found = 0
            for i in range(reps + 2):
                clear_scope_cache(actor)  # a request looks the grants up again
                t0 = time.perf_counter()
                qs = person_search(actor=actor, query=query)
                found, _more = capped_count(qs)
                rows = list(qs[:20])
                t1 = time.perf_counter()
                cur = raw_conn.cursor()
                cur.execute(count_sql, count_params)
                cur.fetchall()
                cur.execute(page_sql, page_params)
                cur.fetchall()
                cur.close()
                t2 = time.perf_counter()
                if i >= 2:  # two warm-up rounds
                    orm_times.append((t1 - t0) * 1000)
                    raw_times.append((t2 - t1) * 1000)
            assert len(rows) <= 20
            results["queries"].setdefault(label, {})[actor_name] = {
                "found": found,
                "orm_p50_ms": round(statistics.median(orm_times), 2),
                "orm_p95_ms": round(_pct(orm_times, 95), 2),
                "raw_p50_ms": round(statistics.median(raw_times), 2),
                "raw_p95_ms": round(_pct(raw_times, 95), 2),
            }
            orm_all += orm_times
            raw_all += raw_times
        per_actor[actor_name] = {"orm": orm_all, "raw": raw_all}
        results["overall"][actor_name] = {
            "orm_p50_ms": round(statistics.median(orm_all), 2),
            "orm_p95_ms": round(_pct(orm_all, 95), 2),
            "raw_p50_ms": round(statistics.median(raw_all), 2),
            "raw_p95_ms": round(_pct(raw_all, 95), 2),
            "samples": len(orm_all),
        }
    results["reps_per_query"] = reps
    results["query_kinds"] = list(queries)
    Path(out).write_text(json.dumps(results, ensure_ascii=False, indent=1))


# ---------------------------------------------------------------------------------------------
# Report.


def _r(a, b):
    return f"{a / b:.2f}" if a and b else "—"


def summary(results: dict[str, dict]) -> str:
    s, p = results.get("sqlite", {}), results.get("postgresql", {})

    def get(d, *keys):
        for k in keys:
            if not isinstance(d, dict) or k not in d:
                return None
            d = d[k]
        return d

    def fmt(v, unit=""):
        return "—" if v is None else f"{v:,}{unit}" if isinstance(v, int) else f"{v:,.1f}{unit}"

    rows = []
    for label in ("default", "large"):
        persons = get(s, label, "load", "persons") or get(p, label, "load", "persons")
        if not persons:
            continue
        rows.append(
            (
                f"demo load, {persons:,} persons (s, wall / CPU)",
                f"{fmt(get(s, label, 'load', 'wall_s'))} / {fmt(get(s, label, 'load', 'cpu_s'))}",
                "",
                "",
                f"{fmt(get(p, label, 'load', 'wall_s'))} / {fmt(get(p, label, 'load', 'cpu_s'))}",
                "",
                "",
            )
        )
        rows.append(
            (
                f"demo load peak RSS, {persons:,} persons (MB)",
                fmt(get(s, label, "load", "peak_rss_mb")),
                "",
                "",
                fmt(get(p, label, "load", "peak_rss_mb")),
                "",
                "",
            )
        )
        for actor, who in (("commander", "district commander"), ("grid_worker", "grid worker")):
            for stat in ("p50", "p95"):
                so = get(s, label, "search", "overall", actor, f"orm_{stat}_ms")
                sr = get(s, label, "search", "overall", actor, f"raw_{stat}_ms")
                po = get(p, label, "search", "overall", actor, f"orm_{stat}_ms")
                pr = get(p, label, "search", "overall", actor, f"raw_{stat}_ms")
                rows.append(
                    (
                        f"person search {stat}, {who}, {persons:,} persons (ms)",
                        fmt(so),
                        fmt(sr),
                        _r(so, sr),
                        fmt(po),
                        fmt(pr),
                        _r(po, pr),
                    )
                )
        if get(s, label, "create") or get(p, label, "create"):
            sa, sr = (
                get(s, label, "create", "api", "requests_per_s"),
                get(s, label, "create", "raw", "inserts_per_s"),
            )
            pa, pr = (
                get(p, label, "create", "api", "requests_per_s"),
                get(p, label, "create", "raw", "inserts_per_s"),
            )
            rows.append(
                (
                    "API person create, 16 clients (per s)",
                    fmt(sa),
                    fmt(sr),
                    _r(sa, sr),
                    fmt(pa),
                    fmt(pr),
                    _r(pa, pr),
                )
            )
            for key, what in (("api", "API person create"), ("api_keyed", "with Idempotency-Key")):
                for stat in ("p50", "p95", "p99"):
                    sv = get(s, label, "create", key, f"latency_{stat}_ms")
                    pv = get(p, label, "create", key, f"latency_{stat}_ms")
                    if sv or pv:
                        rows.append(
                            (f"{what}, latency {stat} (ms)", fmt(sv), "", "", fmt(pv), "", "")
                        )
            sk, pk = (
                get(s, label, "create", "api_keyed", "requests_per_s"),
                get(p, label, "create", "api_keyed", "requests_per_s"),
            )
            rows.append(
                (
                    "API person create with Idempotency-Key, 16 clients (per s)",
                    fmt(sk),
                    fmt(sr),
                    _r(sk, sr),
                    fmt(pk),
                    fmt(pr),
                    _r(pk, pr),
                )
            )
            for size in BATCH_SIZES:
                sb = get(s, label, "create", f"api_batch_{size}", "rows_per_s")
                pb = get(p, label, "create", f"api_batch_{size}", "rows_per_s")
                prb = get(p, label, "create", f"raw_batch_{size}", "rows_per_s")
                rows.append(
                    (
                        f"API batch create of {size}, {BATCH_CLIENTS} clients (rows per s)",
                        fmt(sb),
                        "",
                        "",
                        fmt(pb),
                        fmt(prb),
                        _r(pb, prb),
                    )
                )
                for stat in ("p50", "p99"):
                    rows.append(
                        (
                            f"API batch of {size}, latency {stat} per batch (ms)",
                            fmt(get(s, label, "create", f"api_batch_{size}", f"latency_{stat}_ms")),
                            "",
                            "",
                            fmt(get(p, label, "create", f"api_batch_{size}", f"latency_{stat}_ms")),
                            "",
                            "",
                        )
                    )
            for actor, who in (("commander", "district commander"), ("grid_worker", "grid worker")):
                for stat in ("p50", "p95", "p99"):
                    rows.append(
                        (
                            f"API search (POST /persons/search) {stat}, {who} (ms)",
                            fmt(
                                get(
                                    s, label, "create", "api_search", "overall", actor, f"{stat}_ms"
                                )
                            ),
                            "",
                            "",
                            fmt(
                                get(
                                    p, label, "create", "api_search", "overall", actor, f"{stat}_ms"
                                )
                            ),
                            "",
                            "",
                        )
                    )
            rows.append(
                (
                    "gunicorn worker peak RSS after the run (MB)",
                    fmt(get(s, label, "create", "api", "worker_peak_rss_mb")),
                    "",
                    "",
                    fmt(get(p, label, "create", "api", "worker_peak_rss_mb")),
                    "",
                    "",
                )
            )
    head = (
        "| measure | SQLite | raw SQLite | ratio | PostgreSQL | raw PostgreSQL | ratio |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
    )
    body = "".join("| " + " | ".join(r) + " |\n" for r in rows)
    m = s.get("machine") or p.get("machine") or {}
    note = (
        f"\nMeasured {m.get('date', '?')} on {m.get('cores', '?')} cores, Python "
        f"{m.get('python', '?')}, Django {m.get('django', '?')}, SQLite "
        f"{get(s, 'machine', 'sqlite') or '—'}, PostgreSQL "
        f"{get(p, 'machine', 'postgresql') or '—'}. Search: `person_search` evaluating the "
        "count (capped at 1,000, as the search API answers) and the first 20 rows, over 8 kinds of "
        "query (initials, name prefix, "
        "surname, last 4 digits, full ID, full phone); raw = the same SQL through the "
        "driver. API: POST /api/v1/persons (validation, encryption, audit history row, "
        "scope re-check) vs. a raw insert of the same people_person row; batch: POST "
        "/api/v1/persons/batch from 4 clients vs. pgbench inserting the same rows, as many per "
        "transaction, from 4 clients; API search: POST /api/v1/persons/search through "
        "gunicorn, one request at a time, 8 kinds of query. "
        "Ratio = Fangkong / raw (latency: higher is slower; throughput: lower is slower).\n"
    )
    return head + body + note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small smoke-test run")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--large", type=int, help="second size (0 to skip)")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--out", help="results directory")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the loaded database of the last run (no load)"
    )
    parser.add_argument("--child-search", help=argparse.SUPPRESS)
    parser.add_argument("--child-token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_search:
        return child_search(args.child_search, args.reps or 20)
    if args.child_token:
        return child_token(args.child_token)

    quick = args.quick
    args.persons = args.persons or (20_000 if quick else 110_000)
    args.large = (0 if quick else 1_000_000) if args.large is None else args.large
    args.seconds = args.seconds or (5 if quick else 15)
    args.reps = args.reps or (5 if quick else 30)
    out_dir = Path(args.out) if args.out else ROOT / ("var/bench" if quick else "bench/results")
    out_dir.mkdir(parents=True, exist_ok=True)
    if not shutil.which("pgbench") and args.db != "sqlite":
        raise SystemExit(
            "pgbench is needed for the PostgreSQL run (apt-get install postgresql-client)"
        )
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = {}
    for backend in backends:
        results[backend] = bench_backend(backend, args)
        (out_dir / f"{backend}.json").write_text(
            json.dumps(results[backend], ensure_ascii=False, indent=1) + "\n"
        )
    for backend in ("sqlite", "postgresql"):
        path = out_dir / f"{backend}.json"
        if backend not in results and path.exists():
            results[backend] = json.loads(path.read_text())
    (out_dir / "summary.md").write_text(summary(results))
    print((out_dir / "summary.md").read_text())
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    log(f"done; children used {usage.ru_utime + usage.ru_stime:.0f} s CPU; results in {out_dir}")


if __name__ == "__main__":
    main()
