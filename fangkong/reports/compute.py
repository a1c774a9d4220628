"""Computing the daily situation report from the registered figure sections (no writes).

``compute_report(area, day)`` asks every section registered in ``core.figures`` for its
figures as of ``day``'s 24:00 and returns the JSON document an issued report keeps: sections in
order (planned sections nobody has built yet are listed with ``built: false`` — the report
says "this module is not yet built", never a made-up zero), each figure with its total, its
value per unit (town, or village under a town) and its drill-down link, the figures about
another jurisdiction's patients (``external_*``) flagged apart, the key figures for the top, the
days in a row with zero confirmed and zero suspected, and the bulletin text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import figures as registry
from fangkong.core.figures import Figure, FigureContext

FORMAT = 1
CASE_KEYS = ("confirmed_new", "confirmed_cumulative", "suspected_new", "suspected_current")
# Figures of the ``cases`` section always at the top, in this order.
CASE_HEADLINE = ("confirmed_cumulative", "suspected_current", "confirmed_new", "suspected_new")


def first_day() -> dt.date:
    return dt.date.fromisoformat(settings.FANGKONG_REPORT_FIRST_DAY)


def local_today() -> dt.date:
    return timezone.localdate()


def report_end(day: dt.date) -> dt.datetime:
    """24:00 of ``day``, local time: the report's "as of" instant."""
    return FigureContext(day=day, root=None, units=()).end


def units_of(area) -> list:
    """The areas one level below ``area`` (the report's columns), by code."""
    return list(type(area).objects.filter(parent=area).order_by("code"))


def figure_link(figure: Figure, *, day: dt.date, area_id: int | None) -> str:
    """The figure's drill-down link narrowed to the day and area when the list supports it."""
    if not figure.link:
        return ""
    params = {}
    if "day" in figure.link_filters:
        params[figure.link_filters["day"]] = day.isoformat()
    if "area" in figure.link_filters and area_id is not None:
        params[figure.link_filters["area"]] = str(area_id)
    if not params:
        return figure.link
    return figure.link + ("&" if "?" in figure.link else "?") + urlencode(params)


def _unit_link(figure: Figure, ctx: FigureContext, unit) -> str:
    """The link to one unit's records: by ``link_filters``, or — for a section that put the
    report's area into its link itself (``?area=<root id>``) — that parameter set to the unit."""
    if "area" in figure.link_filters:
        return figure_link(figure, day=ctx.day, area_id=unit.pk)
    parts = urlsplit(figure.link)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if ("area", str(ctx.root.pk)) not in query:
        return ""
    query = [(k, str(unit.pk) if (k, v) == ("area", str(ctx.root.pk)) else v) for k, v in query]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _figure_json(figure: Figure, ctx: FigureContext) -> dict[str, Any]:
    return {
        "key": figure.key,
        "label": str(figure.label),
        "total": int(figure.total),
        "by_unit": {str(k): int(v) for k, v in figure.by_unit.items()},
        "unit": str(figure.unit or ""),
        "external": figure.key.startswith("external_"),
        "headline": bool(getattr(figure, "headline", False)),
        "link": figure_link(figure, day=ctx.day, area_id=ctx.root.pk),
        "unit_links": {
            str(u.pk): link
            for u in ctx.units
            if figure.link and (link := _unit_link(figure, ctx, u))
        },
    }


def _case_figures(section, area, day) -> dict[str, int] | None:
    figures = section.compute(FigureContext(day=day, root=area, units=()))
    values = {f.key: int(f.total) for f in figures}
    if not all(k in values for k in ("confirmed_new", "suspected_new", "suspected_current")):
        return None
    return values


def _is_zero_day(values: dict[str, int]) -> bool:
    return not (values["confirmed_new"] or values["suspected_new"] or values["suspected_current"])


def zero_streak(area, day: dt.date, today_values: dict[str, int] | None) -> int | None:
    """Days in a row, ending with ``day``, without a new confirmed or suspected case and with
    nobody still suspected at 24:00 (counted from ``FANGKONG_REPORT_FIRST_DAY``).

    ``None`` when there is no ``cases`` section (or it lacks the keys): it cannot be computed,
    and the report says so rather than guess. Each earlier day is computed from the records'
    own times, like the report itself, so a late record changes it only for a regeneration."""
    cases = registry.section("cases")
    if cases is None or today_values is None:
        return None
    if not _is_zero_day(today_values):
        return 0
    # The day before's issued report carries the count so far (the nightly job issues day
    # after day, so this is one lookup, not a walk back over every earlier day).
    from fangkong.reports.models import DailyReport

    before = (
        DailyReport.objects.filter(area=area, day=day - dt.timedelta(days=1))
        .exclude(zero_streak=None)
        .order_by("-revision")
        .values_list("zero_streak", flat=True)
        .first()
    )
    if before is not None:
        return before + 1
    streak, current, values = 0, day, today_values
    start = first_day()
    while current >= start:
        if values is None or not _is_zero_day(values):
            break
        streak += 1
        current -= dt.timedelta(days=1)
        if current < start:
            break
        values = _case_figures(cases, area, current)
    return streak


def _date_words(day: dt.date) -> str:
    return _("%(month)s/%(day)s") % {"month": day.month, "day": day.day}


def _area_words(area) -> str:
    return _("the whole district") if area.parent_id is None else area.name


def compose_summary(doc: dict, area, day: dt.date) -> str:
    """The bulletin text: cases and the zero streak first, then one sentence per section (the
    section's own ``summary``, or its figures listed), then what is not yet built."""
    sentences = []
    cases = next((s for s in doc["sections"] if s["key"] == "cases" and s["built"]), None)
    when = {"date": _date_words(day), "area": _area_words(area)}
    if cases:
        values = {f["key"]: f["total"] for f in cases["figures"]}
        sentences.append(
            _(
                "As of 24:00 on %(date)s, %(area)s had %(confirmed)s confirmed cases in total "
                "and %(suspected)s suspected cases."
            )
            % {
                **when,
                "confirmed": values.get("confirmed_cumulative", 0),
                "suspected": values.get("suspected_current", 0),
            }
        )
    else:
        sentences.append(_("As of 24:00 on %(date)s, %(area)s:") % when)
    if doc["zero_streak"] is not None and doc["zero_streak"] > 0:
        sentences.append(
            _("Zero confirmed and zero suspected cases for %(days)s days in a row.")
            % {"days": doc["zero_streak"]}
        )
    elif doc["zero_streak"] is None:
        sentences.append(
            _(
                "The days in a row without cases cannot be computed: the cases module is not "
                "yet built."
            )
        )
    for section in doc["sections"]:
        if not section["built"] or section["key"] == "cases":
            continue
        if section.get("summary"):
            sentences.append(section["summary"])
            continue
        own = [f for f in section["figures"] if not f["external"]]
        if own:
            parts = "、".join(f"{f['label']} {f['total']}{f['unit']}" for f in own[:6])
            sentences.append(
                _("%(section)s: %(figures)s.") % {"section": section["title"], "figures": parts}
            )
    missing = [s["title"] for s in doc["sections"] if not s["built"]]
    if missing:
        sentences.append(
            _("Not yet in this report (module not yet built): %(sections)s.")
            % {"sections": "、".join(missing)}
        )
    # Chinese sentences carry their own full stops and are not separated by spaces.
    return ("" if _is_zh() else " ").join(sentences)


def _is_zh() -> bool:
    return (translation.get_language() or "").startswith("zh")


def compute_report(*, area, day: dt.date) -> dict[str, Any]:
    """The report's document for ``area`` and ``day`` (see the module docstring), written in
    ``FANGKONG_REPORT_LANGUAGE``."""
    with translation.override(settings.FANGKONG_REPORT_LANGUAGE):
        return _compute(area, day)


def _compute(area, day: dt.date) -> dict[str, Any]:
    units = units_of(area)
    ctx = FigureContext(day=day, root=area, units=units)
    built = {s.key: s for s in registry.sections()}
    planned = {k: (t, o) for k, t, o in registry.planned_missing()}
    order = sorted(
        [(s.order, s.key) for s in built.values()] + [(o, k) for k, (t, o) in planned.items()]
    )
    sections, case_values = [], None
    for _order, key in order:
        if key not in built:
            sections.append(
                {"key": key, "title": str(planned[key][0]), "built": False, "figures": []}
            )
            continue
        section = built[key]
        computed = list(section.compute(ctx))
        summary = ""
        if section.summary is not None:
            summary = str(section.summary(ctx, computed) or "")
        sections.append(
            {
                "key": key,
                "title": str(section.title),
                "built": True,
                "figures": [_figure_json(f, ctx) for f in computed],
                "summary": summary,
            }
        )
        if key == "cases":
            values = {f.key: int(f.total) for f in computed}
            if all(k in values for k in ("confirmed_new", "suspected_new", "suspected_current")):
                case_values = values
    doc: dict[str, Any] = {
        "format": FORMAT,
        "area": {"id": area.pk, "code": area.code, "name": area.name},
        "day": day.isoformat(),
        "as_of": ctx.end.isoformat(),
        "computed_at": timezone.now().isoformat(),
        "units": [{"id": u.pk, "code": u.code, "name": u.name} for u in units],
        "sections": sections,
    }
    doc["headline"] = headline(doc)
    doc["zero_streak"] = zero_streak(area, day, case_values)
    doc["summary"] = compose_summary(doc, area, day)
    return doc


def headline(doc: dict) -> list[dict]:
    """Key figures for the top: the cases figures, then each built section's figures marked
    ``headline`` (or its first figure). External figures never head the report."""
    out = []
    for section in doc["sections"]:
        if not section["built"]:
            continue
        own = [f for f in section["figures"] if not f["external"]]
        if section["key"] == "cases":
            chosen = sorted(
                (f for f in own if f["key"] in CASE_HEADLINE),
                key=lambda f: CASE_HEADLINE.index(f["key"]),
            )
        else:
            chosen = [f for f in own if f["headline"]] or own[:1]
        for f in chosen:
            out.append({"section": section["key"], **f})
    return out


def flat_figures(doc: dict) -> dict[str, dict]:
    """``{"<section>.<figure>": figure}`` of a document (built sections only)."""
    return {
        f"{s['key']}.{f['key']}": {**f, "section_title": s["title"]}
        for s in doc.get("sections", [])
        if s.get("built")
        for f in s["figures"]
    }
