"""Test helpers shared by every app: a small district tree, personas and ID/phone makers.

Personas (after healthchecks' alice/bob/charlie):
- ``grid_worker``: grid worker for grid 东湖村一组 only (in scope for ``person_in``);
- ``readonly``: auditor-like user who can view areas but not persons;
- ``outsider``: grid worker for a grid of another town (out of scope);
- ``commander``: district commander (may unmask; 2FA waived as a demo user);
- ``admin``: system administrator for the district.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass

from fangkong.core.models import Role, RoleGrant, User
from fangkong.core.validators import gb11643_check_digit
from fangkong.places.models import Area, Household

_serial = itertools.count(1)


def make_id_number(
    region: str = "430971", birth: str = "19800101", seq: int | None = None, male: bool = True
) -> str:
    n = next(_serial) if seq is None else seq
    order = (n * 2 + (1 if male else 0)) % 1000
    body = f"{region}{birth}{order:03d}"
    return body + gb11643_check_digit(body)


def make_phone(n: int | None = None) -> str:
    n = next(_serial) if n is None else n
    return f"138{n:08d}"[:11]


def make_user(
    username: str, role_code: str | None = None, area: Area | None = None, **extra
) -> User:
    user = User.objects.create_user(username=username, password="Fk-test-pass-2020", **extra)
    if role_code:
        # Test personas hold their roles at once, as the demo's seeded users do.
        RoleGrant.objects.create(
            user=user,
            role=Role.objects.get(code=role_code),
            area=area,
            status=RoleGrant.Status.APPROVED,
        )
    return user


@dataclass
class World:
    district: Area
    town: Area
    village: Area
    grid: Area
    grid2: Area
    other_town: Area
    other_village: Area
    other_grid: Area
    household: Household
    other_household: Household


def build_world() -> World:
    d = Area.objects.create(code="430971", name="大通湖区", level=Area.Level.DISTRICT)
    t = Area.objects.create(code="430971100", name="河坝镇", level=Area.Level.TOWN, parent=d)
    v = Area.objects.create(code="430971100201", name="东湖村", level=Area.Level.VILLAGE, parent=t)
    g = Area.objects.create(
        code="430971100201001", name="东湖村一组", level=Area.Level.GRID, parent=v
    )
    g2 = Area.objects.create(
        code="430971100201002", name="东湖村二组", level=Area.Level.GRID, parent=v
    )
    t2 = Area.objects.create(code="430971101", name="金盆镇", level=Area.Level.TOWN, parent=d)
    v2 = Area.objects.create(
        code="430971101201", name="南湾村", level=Area.Level.VILLAGE, parent=t2
    )
    g3 = Area.objects.create(
        code="430971101201001", name="南湾村一组", level=Area.Level.GRID, parent=v2
    )
    h = Household.objects.create(area=g, number="001", address="东湖村一组1号", head_name="张三")
    h2 = Household.objects.create(area=g3, number="001", address="南湾村一组1号", head_name="李四")
    return World(d, t, v, g, g2, t2, v2, g3, h, h2)


def xlsx_bytes(headers, rows) -> bytes:
    """An .xlsx file with a header row and data rows, as a ledger keeper would upload."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def postgresql_only(what: str):
    """Skip a test of something only PostgreSQL has (real concurrent writers, its bulk insert
    form, its DDL) on SQLite; the second pass of ``.ci/run`` runs it on PostgreSQL."""
    import pytest
    from django.db import connection

    return pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=f"{what}: runs in the PostgreSQL pass of .ci/run",
    )


# --------------------------------------------------------------------------- the demo, loaded once

# The demo most tests read: big enough for every screen to show something, seeded the same.
DEMO_PERSONS, DEMO_SEED = 3000, 7

# (vendor, persons, seed) -> (a copy of the database just after ``load_demo``, what the load
# printed), per test process.
_DEMO_SNAPSHOTS: dict[tuple[str, int, int], tuple[object, str]] = {}


def load_demo_once(*, persons: int, seed: int) -> str:
    """Put the Datonghu demo of ``persons`` and ``seed`` into the (empty) test database.

    The first call in a test process runs ``load_demo`` and keeps a copy of every table; later
    calls put that copy back (well under a second instead of the twenty or more the demo's
    nightly reports cost). Must run in autocommit (a transactional test, or a module fixture
    inside ``django_db_blocker.unblock()``): the copy replaces whole tables, content types and
    migrations' seeds included, so ids match the ones the snapshot was taken with. Returns what
    ``load_demo`` printed (its summary of counts)."""
    import io

    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    key = (connection.vendor, persons, seed)
    if key not in _DEMO_SNAPSHOTS:
        out = io.StringIO()
        call_command("load_demo", scale=persons, seed=seed, stdout=out)
        _DEMO_SNAPSHOTS[key] = (_take_snapshot(connection), out.getvalue())
    else:
        _restore_snapshot(connection, _DEMO_SNAPSHOTS[key][0])
    ContentType.objects.clear_cache()
    cache.clear()
    return _DEMO_SNAPSHOTS[key][1]


def _take_snapshot(connection):
    if connection.vendor == "sqlite":
        import sqlite3

        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.ensure_connection()
        connection.connection.backup(copy)
        return copy
    data = {}
    with connection.cursor() as cursor:
        # The schema's own tables (not a session's temporary ones, such as an import's).
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename <> 'django_migrations' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                data[table] = b"".join(bytes(chunk) for chunk in copy)
    return data


def _restore_snapshot(connection, snapshot) -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import transaction

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        snapshot.backup(connection.connection)
        return
    quoted = ", ".join(f'"{t}"' for t in snapshot)
    with transaction.atomic(), connection.cursor() as cursor:
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: any table order loads.
        cursor.execute(f"TRUNCATE {quoted} CASCADE")
        for table, rows in snapshot.items():
            with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(rows)
        models = apps.get_models(include_auto_created=True)
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
