"""The daily report's "patrols" section: patrols, spot checks, gatherings dispersed and
violations of the day; venues closed at 24:00; weddings and banquets postponed or cancelled and
funerals with simplified arrangements, cumulative — by town, from the records' own dates
(``core.figures``), each with a link to the filtered list behind it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.figures import (
    Figure,
    FigureContext,
    aggregate_by_unit,
    count_by_unit,
    figure_section,
)
from fangkong.patrols.models import (
    Ceremony,
    Dispersal,
    Patrol,
    SpotCheck,
    Venue,
    VenueOrder,
    Violation,
)
from fangkong.patrols.selectors_state import venue_state_at

STORY_START = "2020-01-01"  # lower bound of cumulative links (a list's "from" filter)


_VIOLATION_LABELS = {
    "gathering": gettext_lazy("violations: gathering"),
    "gambling": gettext_lazy("violations: gambling"),
    "rumour": gettext_lazy("violations: rumour"),
    "other": gettext_lazy("violations: other"),
}


def _link(name: str, ctx: FigureContext, **params) -> str:
    return reverse(f"patrols:{name}_list") + "?" + urlencode({"area": ctx.root.pk, **params})


def compute(ctx: FigureContext) -> list[Figure]:
    day = ctx.day.isoformat()
    one_day = {"date_from": day, "date_to": day}
    figures = [
        Figure(
            "patrols",
            gettext_lazy("patrols that day"),
            *count_by_unit(Patrol.objects.filter(day=ctx.day), ctx),
            link=_link("patrol", ctx, day_from=day, day_to=day),
        ),
        Figure(
            "spot_checks",
            gettext_lazy("spot checks that day"),
            *count_by_unit(
                SpotCheck.objects.filter(checked_at__gte=ctx.start, checked_at__lt=ctx.end), ctx
            ),
            link=_link("spotcheck", ctx, **one_day),
        ),
        Figure(
            "gatherings_dispersed",
            gettext_lazy("gatherings dispersed that day"),
            *count_by_unit(
                Dispersal.objects.filter(dispersed_at__gte=ctx.start, dispersed_at__lt=ctx.end),
                ctx,
            ),
            link=_link("dispersal", ctx, **one_day),
        ),
    ]
    of_day = Violation.objects.filter(occurred_at__gte=ctx.start, occurred_at__lt=ctx.end)
    by_kind = aggregate_by_unit(
        of_day, ctx, {kind: Count("pk", filter=Q(kind=kind)) for kind in Violation.Kind.values}
    )
    for kind in Violation.Kind.values:
        figures.append(
            Figure(
                f"violations_{kind}",
                _VIOLATION_LABELS[kind],
                *by_kind[kind],
                link=_link("violation", ctx, kind=kind, **one_day),
            )
        )
    closed = Venue.objects.filter(operating_since__lte=ctx.day).annotate(
        _state=venue_state_at(ctx.day)
    )
    figures.append(
        Figure(
            "venues_closed",
            gettext_lazy("venues closed at 24:00"),
            *count_by_unit(closed.filter(_state=VenueOrder.Kind.CLOSURE), ctx),
            link=_link("venue", ctx, status="closed", as_of=day),
        )
    )
    stopped = Ceremony.objects.filter(
        kind__in=(Ceremony.Kind.WEDDING, Ceremony.Kind.BANQUET),
        decided_on__isnull=False,
        decided_on__lte=ctx.day,
    )
    figures.append(
        Figure(
            "weddings_banquets_stopped",
            gettext_lazy("weddings and banquets postponed or cancelled (cumulative)"),
            *count_by_unit(stopped, ctx),
            link=_link("ceremony", ctx, decided_from=STORY_START, decided_to=day),
        )
    )
    ticked = Ceremony.arrangements.through.objects.values("ceremony_id")
    funerals = Ceremony.objects.filter(
        kind=Ceremony.Kind.FUNERAL, planned_date__lte=ctx.day, pk__in=ticked
    )
    figures.append(
        Figure(
            "funerals_simplified",
            gettext_lazy("funerals with simplified arrangements (cumulative)"),
            *count_by_unit(funerals, ctx),
            link=_link("ceremony", ctx, kind="funeral", simplified="true", date_to=day),
        )
    )
    return figures


def summary(ctx: FigureContext, figures: list[Figure]) -> str:
    by_key = {f.key: f.total for f in figures}
    return _(
        "%(patrols)d patrols, %(checks)d spot checks and %(dispersed)d gatherings dispersed; "
        "%(closed)d venues closed at 24:00; %(stopped)d weddings and banquets postponed or "
        "cancelled so far."
    ) % {
        "patrols": by_key["patrols"],
        "checks": by_key["spot_checks"],
        "dispersed": by_key["gatherings_dispersed"],
        "closed": by_key["venues_closed"],
        "stopped": by_key["weddings_banquets_stopped"],
    }


figure_section("patrols", gettext_lazy("Patrols and gatherings"), order=80, summary=summary)(
    compute
)
