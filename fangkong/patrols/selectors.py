"""Reads of the patrols app, always scoped to the actor's jurisdiction (``restrict``), then
filtered by the list's FilterSet (the same for the page, the API and the export)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.patrols import filtersets as fs
from fangkong.patrols.models import (
    Ceremony,
    Dispersal,
    FollowUp,
    Patrol,
    SpotCheck,
    Venue,
    VenueInspection,
    VenueOrder,
    Violation,
)
from fangkong.patrols.selectors_state import venue_state_at


def _listed(model, filterset, *, actor, filters, related=("area",)) -> QuerySet:
    queryset = model.objects.restrict(actor, "view").select_related(*related)
    return filterset(filters or {}, queryset=queryset, actor=actor).qs


def patrol_list(*, actor, filters: dict | None = None) -> QuerySet[Patrol]:
    return _listed(Patrol, fs.PatrolFilterSet, actor=actor, filters=filters)


def spot_check_list(*, actor, filters: dict | None = None) -> QuerySet[SpotCheck]:
    return _listed(SpotCheck, fs.SpotCheckFilterSet, actor=actor, filters=filters)


def dispersal_list(*, actor, filters: dict | None = None) -> QuerySet[Dispersal]:
    return _listed(Dispersal, fs.DispersalFilterSet, actor=actor, filters=filters)


def violation_list(*, actor, filters: dict | None = None) -> QuerySet[Violation]:
    return _listed(
        Violation, fs.ViolationFilterSet, actor=actor, filters=filters, related=("area", "person")
    )


def with_venue_state(queryset: QuerySet[Venue], day=None) -> QuerySet[Venue]:
    """Venues annotated with ``state`` on ``day`` (today): the kind of the last order in force,
    "closure" meaning closed."""
    return queryset.annotate(state=venue_state_at(day or timezone.localdate()))


def venue_list(*, actor, filters: dict | None = None) -> QuerySet[Venue]:
    """Venues in scope with their status today (``state``)."""
    return with_venue_state(_listed(Venue, fs.VenueFilterSet, actor=actor, filters=filters))


def venue_order_list(*, actor, filters: dict | None = None) -> QuerySet[VenueOrder]:
    return _listed(
        VenueOrder, fs.VenueOrderFilterSet, actor=actor, filters=filters, related=("venue__area",)
    )


def venue_inspection_list(*, actor, filters: dict | None = None) -> QuerySet[VenueInspection]:
    return _listed(
        VenueInspection,
        fs.VenueInspectionFilterSet,
        actor=actor,
        filters=filters,
        related=("venue__area",),
    )


def venue_orders(*, actor, venue: Venue) -> QuerySet[VenueOrder]:
    """A venue's orders, oldest first (its closure and reopening timeline)."""
    return (
        VenueOrder.objects.restrict(actor, "view")
        .filter(venue=venue)
        .order_by("effective_date", "id")
    )


def venue_inspections(*, actor, venue: Venue) -> QuerySet[VenueInspection]:
    return VenueInspection.objects.restrict(actor, "view").filter(venue=venue)


def ceremony_list(*, actor, filters: dict | None = None) -> QuerySet[Ceremony]:
    return _listed(Ceremony, fs.CeremonyFilterSet, actor=actor, filters=filters)


def follow_up_list(*, actor, filters: dict | None = None) -> QuerySet[FollowUp]:
    return _listed(
        FollowUp, fs.FollowUpFilterSet, actor=actor, filters=filters, related=("ceremony__area",)
    )


def ceremony_follow_ups(*, actor, ceremony: Ceremony) -> QuerySet[FollowUp]:
    return FollowUp.objects.restrict(actor, "view").filter(ceremony=ceremony)


def status_timeline(obj, field: str = "status") -> list[dict]:
    """The changes of ``field`` in a record's history, oldest first: who set which value when.

    The history is the record's own (simple-history rows, written by every create and update,
    batches included), so the timeline cannot disagree with what was saved."""
    rows = obj.history.order_by("history_date", "history_id").select_related("history_user")
    timeline, last = [], None
    for row in rows:
        value = getattr(row, field)
        if value == last:
            continue
        last = value
        timeline.append(
            {
                "value": value,
                "label": dict(type(obj)._meta.get_field(field).flatchoices).get(value, value),
                "at": row.history_date,
                "by": row.history_user,
            }
        )
    if not timeline:
        # Rows written in bulk (the demo) have no history: their current status, as entered.
        value = getattr(obj, field)
        timeline.append(
            {
                "value": value,
                "label": dict(type(obj)._meta.get_field(field).flatchoices).get(value, value),
                "at": obj.created_at,
                "by": None,
            }
        )
    return timeline
