"""Reads of the observation module, always starting from the actor's jurisdiction."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fangkong.observation.filtersets import (
    HealthCheckFilterSet,
    KeyPersonFilterSet,
    ObservationFilterSet,
    RosterFilterSet,
    SiteFilterSet,
    TeamMemberFilterSet,
)
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    Observation,
    ObservationSite,
    RosterEntry,
    TeamMember,
)


def key_person_list(*, actor, filters: dict | None = None) -> QuerySet[KeyPerson]:
    qs = KeyPerson.objects.restrict(actor, "view").select_related("person", "category", "area")
    return KeyPersonFilterSet(filters or {}, queryset=qs, actor=actor).qs


def observation_list(*, actor, filters: dict | None = None) -> QuerySet[Observation]:
    qs = Observation.objects.restrict(actor, "view").select_related(
        "person", "area", "site", "key_person__category"
    )
    return ObservationFilterSet(filters or {}, queryset=qs, actor=actor).qs


def observation_get(*, actor, pk: int, action: str = "view") -> Observation:
    return (
        Observation.objects.restrict(actor, action)
        .select_related("person", "area", "site", "key_person__category")
        .get(pk=pk)
    )


def check_list(*, actor, filters: dict | None = None) -> QuerySet[HealthCheck]:
    qs = HealthCheck.objects.restrict(actor, "view").select_related(
        "observation__person", "observation__area", "checked_by"
    )
    return HealthCheckFilterSet(filters or {}, queryset=qs, actor=actor).qs


def site_list(*, actor, filters: dict | None = None) -> QuerySet[ObservationSite]:
    qs = ObservationSite.objects.restrict(actor, "view").select_related("area")
    return SiteFilterSet(filters or {}, queryset=qs, actor=actor).qs


def site_capacity(*, actor) -> QuerySet[ObservationSite]:
    """Centralised sites in scope with their occupied rooms (active observations)."""
    return (
        ObservationSite.objects.restrict(actor, "view")
        .select_related("area")
        .annotate(
            occupied=Count(
                "observations",
                filter=Q(
                    observations__status=Observation.Status.ACTIVE,
                    observations__deleted_at__isnull=True,
                ),
            )
        )
        .order_by("area__path", "name")
    )


def roster_list(*, actor, filters: dict | None = None) -> QuerySet[RosterEntry]:
    qs = RosterEntry.objects.restrict(actor, "view").select_related("area", "role", "user")
    return RosterFilterSet(filters or {}, queryset=qs, actor=actor).qs


def team_member_list(*, actor, filters: dict | None = None) -> QuerySet[TeamMember]:
    qs = TeamMember.objects.restrict(actor, "view").select_related(
        "observation__person", "observation__area", "role", "user"
    )
    return TeamMemberFilterSet(filters or {}, queryset=qs, actor=actor).qs


def today_list(
    *, actor, day: dt.date | None = None, half: str | None = None, limit: int = 200
) -> list[Observation]:
    """A worker's "today": observations under way today in the actor's scope (where they may
    add checks) or whose team they serve on, each with ``done`` (this half-day's check is
    recorded), those still to check first.

    Two index lookups: active observations by area (``observation_area_status_idx``) or by
    team membership (``team_user_idx``), then the half-day's checks of those observations by
    the unique (observation, date, half) index. Capped at ``limit`` rows (a worker's round)."""
    from fangkong.observation.services import current_half

    day = day or timezone.localdate()
    half = half or current_half()
    active = Observation.objects.filter(
        status=Observation.Status.ACTIVE, start_date__lte=day, planned_end_date__gte=day
    )
    mine = active.restrict(actor, "view", perm="observation.add_healthcheck")
    # Team seats are looked up apart (an index lookup) rather than ORed into the scope filter,
    # which the planners would answer with a full scan.
    seats = list(
        TeamMember.objects.filter(user=actor, observation__in=active).values_list(
            "observation_id", flat=True
        )[:limit]
    )
    base = mine
    if seats:
        base = Observation.objects.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=seats))
    done = HealthCheck.objects.filter(observation=OuterRef("pk"), date=day, half=half)
    qs = (
        base.annotate(done=Exists(done))
        .select_related("person", "area", "site")
        .order_by("done", "area__path", "person__name", "pk")
    )
    return list(qs[:limit])


def observation_checks(observation: Observation) -> list[HealthCheck]:
    return list(
        observation.checks.prefetch_related("symptoms")
        .select_related("checked_by")
        .order_by("date", "half")
    )
