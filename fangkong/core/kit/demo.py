"""The demo hook: each module contributes its part of the Datonghu demo (20 Jan – 24 Feb 2020).

A module's ``demo.py`` registers one or more steps::

    @demo_step("people", after=("places",))
    def people_demo(ctx: DemoContext) -> None:
        ...

``load_demo`` imports every installed app's ``demo`` module, orders the steps so that each runs
after the steps it names (a cycle or an unknown name is an error, found before anything is
written), and runs them in one transaction. Steps share a ``DemoContext``: the target
population (``--scale``), a random generator per step derived from the seed (one module's
records do not change when another module draws more random numbers), ``ctx.data`` for what a
later step needs from an earlier one (the places step publishes the named jurisdictions the
users step grants), counts for the summary line, and timings.

Demo rows are written in bulk (``write_rows``): the per-record services validate, audit and
re-check scope one row at a time, which is right for people and far too slow for a district of
110,000 persons that must load in under a minute. ``write_rows`` prepares each value through its
own model field (``get_db_prep_save``, exactly as ``bulk_create``), so encrypted fields store
ciphertext made by ``fangkong.core.crypto``; callers compute derived columns (blind indexes,
pinyin) first. Demo rows have no change-history rows: nobody ever changed them.
"""

from __future__ import annotations

import datetime as dt
import operator
import random
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from fangkong.core.fields import EncryptedTextField

DEFAULT_PERSONS = 110_000
DEFAULT_SEED = 2020
# The story: from the first telecom lists (20 January 2020) to the end of the article's period.
STORY_START = dt.date(2020, 1, 20)
STORY_END = dt.date(2020, 2, 24)
TZ_CN = dt.timezone(dt.timedelta(hours=8))


class DemoError(RuntimeError):
    """The demo cannot be loaded (a database that is not empty, a broken step order)."""


@dataclass
class DemoContext:
    persons: int = DEFAULT_PERSONS
    seed: int = DEFAULT_SEED
    progress: Callable[[str], None] = lambda _msg: None
    data: dict[str, object] = field(default_factory=dict)
    # label -> number, in the order steps report them ("areas", "persons", "demo users", …).
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def rng(self, step: str) -> random.Random:
        """The step's own deterministic random generator (same seed, same records)."""
        return random.Random(f"{self.seed}:{step}")

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n

    def say(self, message: str) -> None:
        self.progress(message)


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[DemoContext], None]
    after: tuple[str, ...] = ()
    # True when this step's records are already there (the demo then refuses, or --if-empty
    # skips quietly): the demo loads into an empty database only.
    present: Callable[[], bool] | None = None


_STEPS: dict[str, DemoStep] = {}


def demo_step(
    name: str, *, after: Iterable[str] = (), present: Callable[[], bool] | None = None
) -> Callable[[Callable[[DemoContext], None]], Callable[[DemoContext], None]]:
    """Register a module's part of the demo, to run after the steps named in ``after``.

    ``after=("*",)`` runs the step after every other step (the daily reports, which read what
    every module wrote); only one step should ask for that."""

    def register(func: Callable[[DemoContext], None]) -> Callable[[DemoContext], None]:
        step = DemoStep(name, func, tuple(after), present)
        if name in _STEPS and _STEPS[name].run is not func:
            raise ValueError(f"demo step {name!r} is registered twice")
        _STEPS[name] = step
        return func

    return register


def discover() -> dict[str, DemoStep]:
    """Import every installed app's ``demo`` module (where steps register) and return them."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo")
    return dict(_STEPS)


def ordered_steps(steps: dict[str, DemoStep]) -> list[DemoStep]:
    """The steps in dependency order (Kahn's algorithm; ties by name, so the order is stable).

    Raises ``DemoError`` for a step that waits for an unknown step, or for a cycle.
    """
    last = {name for name, step in steps.items() if "*" in step.after}
    steps = {
        name: DemoStep(
            step.name,
            step.run,
            tuple(a for a in step.after if a != "*")
            + (tuple(sorted(n for n in steps if n not in last)) if name in last else ()),
            step.present,
        )
        for name, step in steps.items()
    }
    for step in steps.values():
        unknown = [a for a in step.after if a not in steps]
        if unknown:
            raise DemoError(
                f"demo step {step.name!r} runs after unknown step(s): {', '.join(unknown)}"
            )
    waiting = {name: set(step.after) for name, step in steps.items()}
    order: list[DemoStep] = []
    while waiting:
        ready = sorted(name for name, deps in waiting.items() if not deps)
        if not ready:
            cycle = ", ".join(sorted(waiting))
            raise DemoError(f"demo steps wait for each other in a cycle: {cycle}")
        for name in ready:
            order.append(steps[name])
            del waiting[name]
        for deps in waiting.values():
            deps.difference_update(ready)
    return order


def demo_present(steps: dict[str, DemoStep] | None = None) -> bool:
    steps = discover() if steps is None else steps
    return any(step.present() for step in steps.values() if step.present)


def load_demo(
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
    steps: dict[str, DemoStep] | None = None,
) -> DemoContext:
    """Run every registered demo step in dependency order, in one transaction.

    ``persons`` is the target population (about 110,000 by default; 1,000,000 for benchmarks).
    Raises ``DemoError`` if the database already holds demo records or the steps cannot be
    ordered; nothing is written then.
    """
    steps = discover() if steps is None else steps
    order = ordered_steps(steps)
    ctx = DemoContext(persons=persons, seed=seed, progress=progress or (lambda _msg: None))
    started = time.perf_counter()
    with transaction.atomic():
        if demo_present(steps):
            raise DemoError(
                "The database already holds a district; the demo loads into an empty one."
            )
        for step in order:
            step.run(ctx)
            ctx.timings[step.name] = time.perf_counter() - started
            ctx.say(f"{step.name}: done")
    analyze()
    ctx.timings["total"] = time.perf_counter() - started
    return ctx


# --------------------------------------------------------------------------- helpers for steps


def story_time(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """A working-hours moment (08:00–20:00 Beijing time) between two story dates, in UTC."""
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    local = dt.datetime.combine(day, dt.time(8), tzinfo=TZ_CN) + dt.timedelta(
        seconds=rng.randrange(12 * 3600)
    )
    return local.astimezone(dt.UTC)


@contextmanager
def stored_timestamps(*models_):
    """Let bulk rows keep their story-time ``updated_at``.

    ``auto_now`` would stamp every demo row with today's date, which makes the 2020 story look
    edited yesterday; the switch is restored at once and only affects this process.
    """
    fields = [m._meta.get_field("updated_at") for m in models_]
    saved = [f.auto_now for f in fields]
    for f in fields:
        f.auto_now = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now = value


def next_id(model) -> int:
    from django.db.models import Max

    return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def factory(model):
    """A fast constructor: positional ``Model(*values)`` skips the keyword path of
    ``Model.__init__``, which was a fifth of the load time; unnamed fields take their defaults."""
    fields = model._meta.concrete_fields
    defaults = {
        f.attname: (f.get_default() if f.has_default() or not f.null else None) for f in fields
    }
    names = [f.attname for f in fields]
    defaults["id"] = None

    def new(**values):
        merged = defaults | values
        return model(*[merged[n] for n in names])

    return new


def write_rows(model, objs: list) -> None:
    """Insert model instances (primary keys already set) in one statement batch.

    Every value is prepared by its own field (``get_db_prep_save``), as ``bulk_create`` does, so
    encrypted fields store ciphertext and dates are stored the way Django reads them back. No
    signals, no ``save()``, no history: callers compute derived columns first. ``bulk_create``
    itself spends most of its time compiling multi-row INSERTs of 999 parameters on SQLite;
    this is one ``executemany`` (SQLite) or one ``COPY`` (PostgreSQL) per batch.
    """
    if not objs:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the real connection: the proxy costs a lookup per value
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    # Plain text, number, flag and key columns store the Python value as it is (their
    # get_db_prep_save is the identity for values of the right type, which the demo sets);
    # everything else (encrypted text, dates, times) goes through its field.
    plain = (models.CharField, models.IntegerField, models.BooleanField, models.ForeignKey)
    preps = [
        None
        if isinstance(f, plain) and not isinstance(f, EncryptedTextField)
        else f.get_db_prep_save
        for f in fields
    ]
    getters = [operator.attrgetter(f.attname) for f in fields]
    pairs = list(zip(getters, preps, strict=True))
    rows = [
        tuple(get(obj) if prep is None else prep(get(obj), db) for get, prep in pairs)
        for obj in objs
    ]
    table = db.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(db.ops.quote_name(c) for c in columns)
    db.ensure_connection()
    if db.vendor == "postgresql":
        raw = db.connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        with db.cursor() as cur:
            # The driver's executemany (below Django's debug wrapper): one prepared statement.
            # Table and column names come from the model's own metadata, never from input.
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
            cur.cursor.executemany(sql, rows)


def reset_sequences(*models_) -> None:
    """Explicit primary keys leave PostgreSQL's sequences behind; SQLite keeps up by itself."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load: without them the query planner
    believes the freshly filled tables are empty and picks nested loops that are slow on a
    district of real size (autovacuum would catch up, but only minutes later)."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
