"""A venue's status on a day, as one SQL expression (lists, filters and the daily report)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery

from fangkong.patrols.models import VenueOrder


def venue_state_at(day: dt.date) -> Subquery:
    """The kind of the venue's last order in force on ``day`` ("closure", "reopening"), or
    NULL when it never had one: closed when it is a closure. Orders alternate and are one per
    day (services), so the last one by date decides."""
    last = (
        VenueOrder.objects.filter(venue=OuterRef("pk"), effective_date__lte=day)
        .order_by("-effective_date", "-id")
        .values("kind")[:1]
    )
    return Subquery(last)
