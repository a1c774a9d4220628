"""Figures of the day: the one registration point through which a module's figures reach the
daily situation report, the dashboard and the figures API.

A module declares its section in ``<app>/figures.py`` (loaded by ``discover()``)::

    @figure_section("observation", _("Medical observation"), order=40)
    def observation_figures(ctx: FigureContext) -> list[Figure]:
        return [Figure("under_observation", _("under observation"), *count_by_unit(qs, ctx))]

``compute(ctx)`` answers **as of** ``ctx.end`` (24:00 local time of ``ctx.day``) from the
records' own effective times (when a passage happened, when an observation started), never
from when a row was written: a report for a past date must not change when a late record for a
later day arrives. Sections that a planned module would fill but which nobody has registered
yet are listed in ``PLANNED`` so the report can say plainly "not yet built" — never a made-up
zero.

Each figure is broken down by the report's **units** (the towns under the district, or the
villages under a town): ``by_unit`` maps a unit's area id to its value; ``count_by_unit`` does
that in one grouped query from a queryset and the lookup of its scope path, and
``aggregate_by_unit`` computes several figures of the same records in that one query.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Aggregate, Case, CharField, Count, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Figure:
    """One number of the report: its total for the root area and its value per unit."""

    key: str
    label: str | Promise
    total: int
    by_unit: dict[int, int] = field(default_factory=dict)
    # Where the records behind the number are listed (a filtered list URL), for drill-down.
    link: str = ""
    # A figure that is not a count of records in the area (e.g. a percentage) says so.
    unit: str = ""
    # The query parameters of ``link`` that narrow it to the report's day and area, if the
    # list supports them, e.g. ``{"day": "date", "area": "area"}``: the report then links each
    # cell to exactly its records (``?date=2020-02-23&area=<unit id>``). Empty: ``link`` as is.
    link_filters: dict[str, str] = field(default_factory=dict)
    # A key figure of its section, shown at the top of the report and on the dashboard (a
    # section without one shows its first figure there).
    headline: bool = False


@dataclass(frozen=True)
class FigureContext:
    """What a section computes for: one calendar day, as of its 24:00, for one area."""

    day: dt.date
    root: Any  # the area (places.Area) the report is for
    units: Sequence[Any]  # the areas one level below it, one column each

    @property
    def start(self) -> dt.datetime:
        """00:00 of ``day`` in local time (aware)."""
        return timezone.make_aware(dt.datetime.combine(self.day, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        """24:00 of ``day`` in local time (aware): the "as of" instant, exclusive."""
        return self.start + dt.timedelta(days=1)


@dataclass(frozen=True)
class FigureSection:
    key: str
    title: str | Promise
    order: int
    compute: Callable[[FigureContext], list[Figure]]
    # One sentence for the bulletin-style summary, from the figures (optional).
    summary: Callable[[FigureContext, list[Figure]], str] | None = None


# Sections the product plans. A registered section replaces its planned entry; a planned one
# nobody registered is shown as "this module is not yet built".
PLANNED: dict[str, tuple[str | Promise, int]] = {
    "cases": (_("Suspected and confirmed cases"), 10),
    "key_persons": (_("Key persons"), 20),
    "observation": (_("Medical observation"), 30),
    "checkpoints": (_("Checkpoints"), 40),
    "medical": (_("Fever clinics, referrals and fever reports"), 50),
    "surveys": (_("Carpet surveys"), 60),
    "bigdata": (_("Big-data list verification"), 70),
    "patrols": (_("Patrols and gatherings"), 80),
    "command": (_("Command and tasks"), 90),
}

_SECTIONS: dict[str, FigureSection] = {}
_discovered = False


def figure_section(
    key: str,
    title: str | Promise,
    *,
    order: int = 100,
    summary: Callable[[FigureContext, list[Figure]], str] | None = None,
):
    """Register ``compute(ctx) -> list[Figure]`` as the report section ``key``."""

    def decorate(compute: Callable[[FigureContext], list[Figure]]):
        _SECTIONS[key] = FigureSection(key, title, order, compute, summary)
        return compute

    return decorate


def discover() -> None:
    """Import ``<app>.figures`` of every installed app once (sections register on import)."""
    global _discovered
    if _discovered:
        return
    for config in apps.get_app_configs():
        try:
            _load(f"{config.name}.figures")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.figures":
                raise
    _discovered = True


def _load(module_name: str) -> None:
    # A module imported before ``clear_for_tests``/``only_sections`` forgot its sections is
    # executed again, so that its decorators register again.
    if module_name in sys.modules:
        importlib.reload(sys.modules[module_name])
    else:
        importlib.import_module(module_name)


def sections() -> list[FigureSection]:
    """Registered sections, in report order."""
    discover()
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def planned_missing() -> list[tuple[str, str | Promise, int]]:
    """Planned sections no module has registered yet: (key, title, order)."""
    discover()
    return sorted(
        ((k, t, o) for k, (t, o) in PLANNED.items() if k not in _SECTIONS), key=lambda x: x[2]
    )


def unit_case(path_lookup: str, units: Sequence[Any]) -> Case:
    """An SQL CASE naming the unit (by area id, as text) whose path prefixes ``path_lookup``."""
    return Case(
        *[When(**{f"{path_lookup}__startswith": u.path}, then=Value(str(u.pk))) for u in units],
        default=Value(""),
        output_field=CharField(),
    )


def count_by_unit(
    queryset: QuerySet, ctx: FigureContext, path_lookup: str | None = None
) -> tuple[int, dict[int, int]]:
    """``(total, {unit id: count})`` of ``queryset`` inside ``ctx.root``, in one grouped query.

    ``path_lookup`` is the lookup of the records' area path (default: the model's
    ``scope_path``). Records outside every unit but inside the root (e.g. filed at district
    level) count in the total only."""
    return aggregate_by_unit(queryset, ctx, {"n": Count("pk")}, path_lookup)["n"]


def aggregate_by_unit(
    queryset: QuerySet,
    ctx: FigureContext,
    measures: dict[str, Aggregate],
    path_lookup: str | None = None,
) -> dict[str, tuple[int, dict[int, int]]]:
    """Several figures of one queryset in **one** grouped query: ``{key: (total, {unit id:
    value})}`` for each aggregate of ``measures`` — typically ``Count("pk", filter=Q(...))``
    per figure, or a ``Sum``. A section whose figures all count the same table (the day's
    passages by kind, direction, fever …) reads it once instead of once per figure; at millions
    of rows that is most of the report's time. Units with a value of 0 are left out of the
    breakdown, as ``count_by_unit`` leaves out units without rows."""
    path_lookup = path_lookup or getattr(queryset.model, "scope_path", "area__path")
    names = {key: f"_m{i}" for i, key in enumerate(measures)}
    rows = (
        queryset.filter(**{f"{path_lookup}__startswith": ctx.root.path})
        .annotate(_unit=unit_case(path_lookup, ctx.units))
        .values("_unit")
        .annotate(**{names[key]: aggregate for key, aggregate in measures.items()})
        .order_by()
    )
    out: dict[str, tuple[int, dict[int, int]]] = {key: (0, {}) for key in measures}
    for row in rows:
        for key, name in names.items():
            value = row[name] or 0
            if not value:
                continue
            total, by_unit = out[key]
            if row["_unit"]:
                by_unit[int(row["_unit"])] = value
            out[key] = (total + value, by_unit)
    return out


def clear_for_tests() -> None:  # pragma: no cover - used by tests that register sections
    """Forget sections registered by a test (the app sections are discovered again)."""
    global _discovered
    _SECTIONS.clear()
    _discovered = False


def section(key: str) -> FigureSection | None:
    """The registered section ``key``, or ``None`` (planned but not built, or unknown)."""
    discover()
    return _SECTIONS.get(key)


@contextlib.contextmanager
def only_sections() -> Iterator[None]:
    """For tests: inside the block, the registry holds only the sections registered in it (by
    ``@figure_section`` inside the block) — the app sections are set aside and restored after.

    A test that registers its own ``cases`` section therefore neither sees nor hides the real
    one, and its expectations hold whichever modules have landed."""
    global _discovered
    saved, saved_discovered = dict(_SECTIONS), _discovered
    _SECTIONS.clear()
    _discovered = True  # do not import the app sections inside the block
    try:
        yield
    finally:
        _SECTIONS.clear()
        _SECTIONS.update(saved)
        _discovered = saved_discovered


# --------------------------------------------------------------------------- dashboard panels


@dataclass(frozen=True)
class DashboardPanel:
    """A module's panel on the dashboard (e.g. the command app's task board): a template and
    the function that gives it its context for the signed-in user (``context(request)``).
    Shown only to users for whom ``visible(user)`` is true."""

    key: str
    title: str | Promise
    order: int
    template: str
    context: Callable[[Any], dict]
    visible: Callable[[Any], bool] = lambda user: True


_PANELS: dict[str, DashboardPanel] = {}


def dashboard_panel(
    key: str,
    title: str | Promise,
    *,
    template: str,
    order: int = 100,
    visible: Callable[[Any], bool] = lambda user: True,
):
    """Register ``context(request) -> dict`` as dashboard panel ``key`` (in ``figures.py``)."""

    def decorate(context: Callable[[Any], dict]):
        _PANELS[key] = DashboardPanel(key, title, order, template, context, visible)
        return context

    return decorate


def panels_for(user) -> list[DashboardPanel]:
    """Registered panels the user may see, in order."""
    discover()
    return sorted((p for p in _PANELS.values() if p.visible(user)), key=lambda p: (p.order, p.key))
