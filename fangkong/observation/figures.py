"""The daily report's sections "key_persons" and "observation" (``core.figures``).

Computed as of ``ctx.end`` (24:00 of the report day) from the records' own effective times:
when a person was identified (``identified_at``), when an observation started and ended
(``started_at``/``ended_at``), the day a check was for (``date``). A record entered late for an
earlier day counts for that day; nothing of a later day changes an earlier report. Each figure
links to the filtered list behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import Figure, FigureContext, count_by_unit, figure_section
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    Observation,
)
from fangkong.observation.services import missed_checks


def _link(name: str, ctx: FigureContext, **params) -> str:
    return f"{reverse(name)}?{urlencode({'area': ctx.root.pk, **params})}"


def _figure(key, label, qs, ctx, link, path=None) -> Figure:
    total, by_unit = count_by_unit(qs, ctx, path)
    return Figure(key, label, total, by_unit, link=link)


@figure_section("key_persons", _("Key persons"), order=20)
def key_person_figures(ctx: FigureContext) -> list[Figure]:
    """Per category: identified that day, identified up to 24:00, and still open at 24:00
    (not closed by then)."""
    day = ctx.day.isoformat()
    base = KeyPerson.objects.filter(identified_at__lt=ctx.end)
    open_at_end = base.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.end))
    figures = []
    categories = [None, *KeyPersonCategory.objects.all()]
    for cat in categories:
        suffix = f"_{cat.code}" if cat else ""
        name = f" · {cat}" if cat else ""
        filt = {"category": cat} if cat else {}
        params = {"category": cat.pk} if cat else {}
        figures += [
            _figure(
                f"new{suffix}",
                gettext("identified that day") + name,
                base.filter(identified_at__gte=ctx.start, **filt),
                ctx,
                _link(
                    "observation:keyperson_list",
                    ctx,
                    identified_from=day,
                    identified_to=day,
                    **params,
                ),
            ),
            _figure(
                f"cumulative{suffix}",
                gettext("identified in all") + name,
                base.filter(**filt),
                ctx,
                _link("observation:keyperson_list", ctx, identified_to=day, **params),
            ),
            _figure(
                f"open{suffix}",
                gettext("open at 24:00") + name,
                open_at_end.filter(**filt),
                ctx,
                _link("observation:keyperson_list", ctx, **params),
            ),
        ]
    return figures


@figure_section("observation", _("Medical observation"), order=30)
def observation_figures(ctx: FigureContext) -> list[Figure]:
    day = ctx.day.isoformat()
    started = Observation.objects.filter(started_at__lt=ctx.end)
    running = started.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=ctx.end))
    released = started.filter(status=Observation.Status.RELEASED, ended_at__lt=ctx.end)
    checks = HealthCheck.objects.filter(date=ctx.day)
    check_path = "observation__area__path"
    obs_list, check_list = "observation:observation_list", "observation:healthcheck_list"
    figures = [
        _figure(
            "under_observation",
            gettext("under observation at 24:00"),
            running,
            ctx,
            _link(obs_list, ctx, active_on=day),
        ),
        _figure(
            "under_observation_home",
            gettext("of whom at home"),
            running.filter(kind=Observation.Kind.HOME),
            ctx,
            _link(obs_list, ctx, active_on=day, kind="home"),
        ),
        _figure(
            "under_observation_centralised",
            gettext("of whom centralised"),
            running.filter(kind=Observation.Kind.CENTRALISED),
            ctx,
            _link(obs_list, ctx, active_on=day, kind="centralised"),
        ),
        _figure(
            "started",
            gettext("started that day"),
            started.filter(started_at__gte=ctx.start),
            ctx,
            _link(obs_list, ctx, started_on=day),
        ),
        _figure(
            "released",
            gettext("released that day"),
            released.filter(ended_at__gte=ctx.start),
            ctx,
            _link(obs_list, ctx, status="released", ended_on=day),
        ),
        _figure(
            "released_cumulative",
            gettext("released in all"),
            released,
            ctx,
            _link(obs_list, ctx, status="released"),
        ),
        _figure(
            "checks_done",
            gettext("checks done that day"),
            checks,
            ctx,
            _link(check_list, ctx, date=day),
            check_path,
        ),
    ]
    am_total, am_units = count_by_unit(missed_checks(ctx.day, "am"), ctx)
    pm_total, pm_units = count_by_unit(missed_checks(ctx.day, "pm"), ctx)
    units = {k: am_units.get(k, 0) + pm_units.get(k, 0) for k in {*am_units, *pm_units}}
    figures.append(
        Figure(
            "checks_missed",
            gettext("checks missed that day"),
            am_total + pm_total,
            units,
            link=_link(obs_list, ctx, active_on=day),
        )
    )
    figures.append(
        _figure(
            "fevers",
            gettext("fevers at checks that day"),
            checks.filter(fever=True),
            ctx,
            _link(check_list, ctx, date=day, fever="true"),
            check_path,
        )
    )
    return figures
