"""The checkpoints' section of the daily report: passages of the day at the district's
checkpoints by town (of the checkpoint), from the passages' own times (``Passage.at``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import Figure, FigureContext, aggregate_by_unit, figure_section


def _link(ctx: FigureContext, **filters) -> str:
    query = {"day": ctx.day.isoformat(), "area": ctx.root.pk, **filters}
    return reverse("checkpoints:passage_list") + "?" + urlencode(query)


@figure_section("checkpoints", _("Checkpoints"), order=20)
def checkpoint_figures(ctx: FigureContext) -> list[Figure]:
    """Passages registered at checkpoints between 00:00 and 24:00 of the day (their own
    time), persons and vehicles, entering and leaving, fevers and arrivals from risk areas."""
    from fangkong.checkpoints.models import Passage

    vehicle = Q(kind=Passage.Kind.VEHICLE)
    day = Passage.objects.filter(at__gte=ctx.start, at__lt=ctx.end)
    # Every figure counts the day's passages: one grouped query reads them once.
    values = aggregate_by_unit(
        day,
        ctx,
        {
            "passages": Count("pk"),
            "persons": Count("pk", filter=Q(kind=Passage.Kind.PERSON)),
            "vehicles": Count("pk", filter=vehicle),
            # People riding in the vehicles registered (besides their drivers).
            "vehicle_passengers": Sum("passengers", filter=vehicle),
            "entering": Count("pk", filter=Q(direction="in")),
            "leaving": Count("pk", filter=Q(direction="out")),
            "fevers": Count("pk", filter=Q(fever=True)),
            "risk_arrivals": Count("pk", filter=Q(risk_origin=True)),
        },
        "checkpoint__area__path",
    )
    figures = (
        ("passages", _("passages registered"), {}),
        ("persons", _("persons registered"), {"kind": "person"}),
        ("vehicles", _("vehicles registered"), {"kind": "vehicle"}),
        ("vehicle_passengers", _("passengers in those vehicles"), {"kind": "vehicle"}),
        ("entering", _("entering"), {"direction": "in"}),
        ("leaving", _("leaving"), {"direction": "out"}),
        ("fevers", _("fevers at checkpoints"), {"fever": "true"}),
        ("risk_arrivals", _("arrivals from risk areas"), {"risk_origin": "true"}),
    )
    return [
        Figure(key, label, *values[key], link=_link(ctx, **filters))
        for key, label, filters in figures
    ]
