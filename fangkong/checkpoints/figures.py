"""The checkpoints' section of the daily report: passages of the day at the district's
checkpoints by town (of the checkpoint), from the passages' own times (``Passage.at``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import Figure, FigureContext, count_by_unit, figure_section, unit_case


def _link(ctx: FigureContext, **filters) -> str:
    query = {"day": ctx.day.isoformat(), "area": ctx.root.pk, **filters}
    return reverse("checkpoints:passage_list") + "?" + urlencode(query)


def _passengers(queryset, ctx: FigureContext) -> tuple[int, dict[int, int]]:
    """People riding in the vehicles registered (besides their drivers), by unit."""
    path = "checkpoint__area__path"
    rows = (
        queryset.filter(**{f"{path}__startswith": ctx.root.path})
        .annotate(_unit=unit_case(path, ctx.units))
        .values("_unit")
        .annotate(_n=Sum("passengers"))
        .order_by()
    )
    total, by_unit = 0, {}
    for row in rows:
        n = row["_n"] or 0
        total += n
        if row["_unit"]:
            by_unit[int(row["_unit"])] = n
    return total, by_unit


@figure_section("checkpoints", _("Checkpoints"), order=20)
def checkpoint_figures(ctx: FigureContext) -> list[Figure]:
    """Passages registered at checkpoints between 00:00 and 24:00 of the day (their own
    time), persons and vehicles, entering and leaving, fevers and arrivals from risk areas."""
    from fangkong.checkpoints.models import Passage

    day = Passage.objects.filter(at__gte=ctx.start, at__lt=ctx.end)
    person = day.filter(kind=Passage.Kind.PERSON)
    vehicle = day.filter(kind=Passage.Kind.VEHICLE)
    return [
        Figure("passages", _("passages registered"), *count_by_unit(day, ctx), link=_link(ctx)),
        Figure(
            "persons",
            _("persons registered"),
            *count_by_unit(person, ctx),
            link=_link(ctx, kind="person"),
        ),
        Figure(
            "vehicles",
            _("vehicles registered"),
            *count_by_unit(vehicle, ctx),
            link=_link(ctx, kind="vehicle"),
        ),
        Figure(
            "vehicle_passengers",
            _("passengers in those vehicles"),
            *_passengers(vehicle, ctx),
            link=_link(ctx, kind="vehicle"),
        ),
        Figure(
            "entering",
            _("entering"),
            *count_by_unit(day.filter(direction="in"), ctx),
            link=_link(ctx, direction="in"),
        ),
        Figure(
            "leaving",
            _("leaving"),
            *count_by_unit(day.filter(direction="out"), ctx),
            link=_link(ctx, direction="out"),
        ),
        Figure(
            "fevers",
            _("fevers at checkpoints"),
            *count_by_unit(day.filter(fever=True), ctx),
            link=_link(ctx, fever="true"),
        ),
        Figure(
            "risk_arrivals",
            _("arrivals from risk areas"),
            *count_by_unit(day.filter(risk_origin=True), ctx),
            link=_link(ctx, risk_origin="true"),
        ),
    ]
