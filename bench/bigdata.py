#!/usr/bin/env python
"""Carrier-list matching benchmark: a list of ``--rows`` rows against a registry of
``--persons`` persons, end to end, beside DuckDB doing the join of the same normalised data.

    .venv/bin/python bench/bigdata.py --db postgresql            # 1,000,000 x 1,000,000
    .venv/bin/python bench/bigdata.py --db sqlite --rows 20000 --persons 20000

What is timed (``import_file``, the very code the background job runs): read the CSV as a
carrier sends it (GB18030), normalise every row with core's validators, compute blind indexes,
match by ID number, phone, name + village in chunks (one ``IN`` query per key per chunk),
classify, insert-or-find the verification tasks and insert the rows (encrypted numbers).
Not timed: building the registry and writing the file.

The reference, in the same run: DuckDB reads the same normalised registry and list (phone,
ID number, person id) from CSV and hash-joins them (by ID number, then by phone), counting
matched / ambiguous / unmatched. The ratio ours / DuckDB is what to compare across machines.
Per-chunk times of the pipeline give p50/p95/p99.

Results: bench/results/bigdata-<db>.json. The database is fresh each run (SQLite file under
var/bench-bigdata/, PostgreSQL database ``fk_bench_bigdata`` or ``BENCH_PG_DB``), dropped after.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
WORK = ROOT / "var" / "bench-bigdata"
PG_DB = os.environ.get("BENCH_PG_DB", "fk_bench_bigdata")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def log(msg: str) -> None:
    print(f"[bigdata {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def fresh_database(db: str) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="fangkong.settings")
    env["FANGKONG_KEY_FILE"] = str(WORK / "keys.json")
    if db == "sqlite":
        path = WORK / "fangkong.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_DB], check=True
        )
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_DB], check=True)
        env["DATABASE_URL"] = PG_URL
    log(f"migrating a fresh {db} database")
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return env


def phone_of(n: int) -> str:
    return f"13{n:09d}"


def id_of(n: int) -> str:
    from fangkong.core.validators import gb11643_check_digit

    # Unique for every n (a thousand sequence numbers per birth date): a registry whose numbers
    # repeat would keep only the first of each (the database refuses a second live person).
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=n // 1000)
    body = f"430971{birth:%Y%m%d}{n % 1000:03d}"
    return body + gb11643_check_digit(body)


def build_registry(persons: int, rng: random.Random) -> dict:
    """An area tree (1 district, 4 towns, 40 villages, 400 grids) and ``persons`` persons with
    encrypted phone and ID numbers and blind indexes, inserted in bulk. 1% share a phone with
    the person before them (a family phone: ambiguous by phone alone)."""
    from fangkong.bigdata.bulk import Crypt, insert_ignore
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    district = Area.objects.create(code="430971", name="大通湖区", level=Area.Level.DISTRICT)
    grids = []
    for t in range(4):
        town = Area.objects.create(
            code=f"4309711{t:02d}", name=f"镇{t}", level=Area.Level.TOWN, parent=district
        )
        for v in range(10):
            village = Area.objects.create(
                code=f"{town.code}2{v:02d}",
                name=f"村{t}{v}",
                level=Area.Level.VILLAGE,
                parent=town,
            )
            for g in range(10):
                grids.append(
                    Area.objects.create(
                        code=f"{village.code}{g:03d}",
                        name=f"组{t}{v}{g}",
                        level=Area.Level.GRID,
                        parent=village,
                    ).pk
                )
    crypt = Crypt()
    registry = []  # (person index, phone, id) as normalised, for DuckDB
    chunk = []
    started = time.perf_counter()
    for n in range(persons):
        phone = phone_of(n - 1 if n % 100 == 1 else n)
        id_number = id_of(n)
        registry.append((n + 1, phone, id_number))
        chunk.append(
            {
                "id": n + 1,
                "area_id": grids[n % len(grids)],
                "name": f"人{n}",
                "name_pinyin": f"ren{n}",
                "name_initials": "r",
                "id_number": crypt.encrypt(id_number),
                "id_number_bidx": crypt.index(id_number, "resident_id"),
                "id_last4_bidx": crypt.last4(id_number, "resident_id"),
                "phone": crypt.encrypt(phone),
                "phone_bidx": crypt.index(phone, "mobile"),
                "phone_last4_bidx": crypt.last4(phone, "mobile"),
            }
        )
        if len(chunk) == 20000:
            insert_ignore(Person, chunk)
            chunk = []
    insert_ignore(Person, chunk)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('people_person','id'), %s)", [persons + 1]
            )
            cur.execute("ANALYZE")
    log(f"registry of {persons:,} persons built in {time.perf_counter() - started:.1f} s")
    return {"district": district, "registry": registry}


def write_list(path: Path, rows: int, persons: int, rng: random.Random) -> list[tuple]:
    """The carrier's CSV (GB18030, as Chinese Excel saves it): 80% known phones, 20% of those
    with the ID number too, 15% unknown numbers, 0.5% broken numbers; returns the normalised
    (row, phone, id) triples of the valid rows for DuckDB."""
    normalised = []
    with open(path, "w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["序号", "手机号码", "姓名", "身份证号", "到达日期", "来源地", "号码归属地"]
        )
        for i in range(rows):
            r = rng.random()
            arrival = (dt.date(2020, 1, 10) + dt.timedelta(days=i % 20)).isoformat()
            if r < 0.8:
                n = rng.randrange(persons)
                phone, id_number = phone_of(n), id_of(n) if rng.random() < 0.2 else ""
                name = f"人{n}" if rng.random() < 0.5 else ""
            elif r < 0.995:
                phone, id_number, name = f"18{rng.randrange(10**9):09d}", "", ""
            else:
                writer.writerow([i + 1, "1380000", "", "", arrival, "武汉", ""])
                continue
            writer.writerow([i + 1, phone, name, id_number, arrival, "湖北省武汉市", "镇1"])
            normalised.append((i + 1, phone, id_number))
    return normalised


def duckdb_reference(registry: list[tuple], listed: list[tuple]) -> dict:
    """DuckDB hash-joins the same normalised data: by ID number, then by phone (counting
    persons per phone to tell matched from ambiguous)."""
    import duckdb

    reg_path, list_path = WORK / "registry.csv", WORK / "list.csv"
    with open(reg_path, "w", newline="") as handle:
        csv.writer(handle).writerows([("person", "phone", "id"), *registry])
    with open(list_path, "w", newline="") as handle:
        csv.writer(handle).writerows([("row", "phone", "id"), *listed])
    con = duckdb.connect()
    started = time.perf_counter()
    result = con.execute(
        f"""
        WITH reg AS (SELECT * FROM read_csv('{reg_path}', all_varchar=true)),
             lst AS (SELECT * FROM read_csv('{list_path}', all_varchar=true)),
             by_phone AS (SELECT phone, count(*) AS n, min(person) AS person
                          FROM reg GROUP BY phone),
             m AS (
               SELECT l.row, r.person AS by_id, p.n AS phone_n, p.person AS by_phone
               FROM lst l
               LEFT JOIN reg r ON l.id <> '' AND r.id = l.id
               LEFT JOIN by_phone p ON p.phone = l.phone)
        SELECT
          count(*) FILTER (WHERE by_id IS NOT NULL OR phone_n = 1) AS matched,
          count(*) FILTER (WHERE by_id IS NULL AND phone_n > 1) AS ambiguous,
          count(*) FILTER (WHERE by_id IS NULL AND phone_n IS NULL) AS unmatched
        FROM m
        """  # noqa: S608 - paths written by this script
    ).fetchone()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "matched": result[0],
        "ambiguous": result[1],
        "unmatched": result[2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--out", default="")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="print the pipeline's profile")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    env = fresh_database(args.db)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db.models import Count

    from fangkong.bigdata import importing
    from fangkong.bigdata.models import CarrierList, ListRow, VerificationTask

    rng = random.Random(args.seed)
    world = build_registry(args.persons, rng)
    csv_path = WORK / "carrier-list.csv"
    listed = write_list(csv_path, args.rows, args.persons, rng)
    size_mb = csv_path.stat().st_size / 1e6
    log(f"carrier list of {args.rows:,} rows written ({size_mb:.1f} MB)")
    carrier_list = CarrierList.objects.create(
        area=world["district"],
        name="bench",
        carrier="telecom",
        source="bench",
        list_date=dt.date(2020, 1, 27),
    )
    chunk_times: list[float] = []
    last = [time.perf_counter()]

    def progress(done, total):
        now = time.perf_counter()
        chunk_times.append(now - last[0])
        last[0] = now

    cpu0 = time.process_time()
    started = time.perf_counter()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    result = importing.import_file(carrier_list, csv_path, "carrier-list.csv", progress=progress)
    seconds = time.perf_counter() - started
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    cpu = time.process_time() - cpu0
    tasks = VerificationTask.objects.filter(carrier_list=carrier_list).count()
    stored = dict(
        ListRow.objects.filter(carrier_list=carrier_list)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    log(f"pipeline: {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s), {tasks:,} tasks")
    reference = duckdb_reference(world["registry"], listed)
    log(f"DuckDB join of the same normalised data: {reference['seconds']:.2f} s")
    out = {
        "benchmark": "bigdata carrier-list matching, end to end",
        "db": args.db,
        "rows": args.rows,
        "persons": args.persons,
        "file_mb": round(size_mb, 1),
        "chunk_rows": importing.CHUNK,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "rows_per_second": round(args.rows / seconds),
        "chunk_seconds": {
            "p50": round(pct(chunk_times, 50), 3),
            "p95": round(pct(chunk_times, 95), 3),
            "p99": round(pct(chunk_times, 99), 3),
            "mean": round(statistics.mean(chunk_times), 3) if chunk_times else 0,
        },
        "stored": stored,
        "rejected": result["rejected"],
        "tasks": tasks,
        "duckdb": reference,
        "ratio_to_duckdb": round(seconds / reference["seconds"], 1)
        if reference["seconds"]
        else None,
        "target_seconds": 60,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    target = Path(args.out) if args.out else ROOT / "bench" / "results" / f"bigdata-{args.db}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    log(f"results in {target}")
    print(json.dumps(out, indent=2, ensure_ascii=False))
    from django.db import connections

    connections.close_all()
    if not args.keep:
        if args.db == "postgresql":
            subprocess.run(
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", PG_DB], check=False
            )
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
