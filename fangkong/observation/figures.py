"""The daily report's sections "key_persons" and "observation" (``core.figures``).

Computed as of ``ctx.end`` (24:00 of the report day) from the records' own effective times:
when a person was identified (``identified_at``), when an observation started and ended
(``started_at``/``ended_at``), the day a check was for (``date``). A record entered late for an
earlier day counts for that day; nothing of a later day changes an earlier report. Each figure
links to the filtered list behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import (
    Figure,
    FigureContext,
    aggregate_by_unit,
    count_by_unit,
    figure_section,
)
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    Observation,
)
from fangkong.observation.services import missed_checks


def _link(name: str, ctx: FigureContext, **params) -> str:
    return f"{reverse(name)}?{urlencode({'area': ctx.root.pk, **params})}"


def _count(q: Q | None = None) -> Count:
    return Count("pk", filter=q) if q is not None else Count("pk")


@figure_section("key_persons", _("Key persons"), order=20)
def key_person_figures(ctx: FigureContext) -> list[Figure]:
    """Per category: identified that day, identified up to 24:00, and still open at 24:00
    (not closed by then). One grouped query for every category's three figures."""
    day = ctx.day.isoformat()
    base = KeyPerson.objects.filter(identified_at__lt=ctx.end)
    new_q = Q(identified_at__gte=ctx.start)
    open_q = Q(closed_at__isnull=True) | Q(closed_at__gte=ctx.end)
    categories = [None, *KeyPersonCategory.objects.all()]
    measures, labels = {}, []
    for cat in categories:
        suffix = f"_{cat.code}" if cat else ""
        name = f" · {cat}" if cat else ""
        cat_q = Q(category=cat) if cat else Q()
        params = {"category": cat.pk} if cat else {}
        keyperson_list = "observation:keyperson_list"
        measures[f"new{suffix}"] = _count(new_q & cat_q)
        measures[f"cumulative{suffix}"] = _count(cat_q if cat else None)
        measures[f"open{suffix}"] = _count(open_q & cat_q)
        labels += [
            (
                f"new{suffix}",
                gettext("identified that day") + name,
                _link(keyperson_list, ctx, identified_from=day, identified_to=day, **params),
            ),
            (
                f"cumulative{suffix}",
                gettext("identified in all") + name,
                _link(keyperson_list, ctx, identified_to=day, **params),
            ),
            (
                f"open{suffix}",
                gettext("open at 24:00") + name,
                _link(keyperson_list, ctx, **params),
            ),
        ]
    values = aggregate_by_unit(base, ctx, measures)
    return [Figure(key, label, *values[key], link=link) for key, label, link in labels]


@figure_section("observation", _("Medical observation"), order=30)
def observation_figures(ctx: FigureContext) -> list[Figure]:
    """Observations as of 24:00 (one grouped query), the day's checks (one more) and the
    checks missed in the morning and the afternoon."""
    day = ctx.day.isoformat()
    started = Observation.objects.filter(started_at__lt=ctx.end)
    running = Q(ended_at__isnull=True) | Q(ended_at__gte=ctx.end)
    released = Q(status=Observation.Status.RELEASED, ended_at__lt=ctx.end)
    obs = aggregate_by_unit(
        started,
        ctx,
        {
            "under_observation": _count(running),
            "under_observation_home": _count(running & Q(kind=Observation.Kind.HOME)),
            "under_observation_centralised": _count(running & Q(kind=Observation.Kind.CENTRALISED)),
            "started": _count(Q(started_at__gte=ctx.start)),
            "released": _count(released & Q(ended_at__gte=ctx.start)),
            "released_cumulative": _count(released),
        },
    )
    checks = aggregate_by_unit(
        HealthCheck.objects.filter(date=ctx.day),
        ctx,
        {"checks_done": _count(), "fevers": _count(Q(fever=True))},
        "observation__area__path",
    )
    obs_list, check_list = "observation:observation_list", "observation:healthcheck_list"
    figures = [
        Figure(key, label, *obs[key], link=link)
        for key, label, link in (
            (
                "under_observation",
                gettext("under observation at 24:00"),
                _link(obs_list, ctx, active_on=day),
            ),
            (
                "under_observation_home",
                gettext("of whom at home"),
                _link(obs_list, ctx, active_on=day, kind="home"),
            ),
            (
                "under_observation_centralised",
                gettext("of whom centralised"),
                _link(obs_list, ctx, active_on=day, kind="centralised"),
            ),
            ("started", gettext("started that day"), _link(obs_list, ctx, started_on=day)),
            (
                "released",
                gettext("released that day"),
                _link(obs_list, ctx, status="released", ended_on=day),
            ),
            (
                "released_cumulative",
                gettext("released in all"),
                _link(obs_list, ctx, status="released"),
            ),
        )
    ]
    figures.append(
        Figure(
            "checks_done",
            gettext("checks done that day"),
            *checks["checks_done"],
            link=_link(check_list, ctx, date=day),
        )
    )
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
        Figure(
            "fevers",
            gettext("fevers at checks that day"),
            *checks["fevers"],
            link=_link(check_list, ctx, date=day, fever="true"),
        )
    )
    return figures
