"""Reading alerts: a user's inbox, its unread count, and the scoped list of text messages.

The inbox is not a jurisdiction filter (an alert for a grid is not for every grid worker above
it): it is the alerts whose routes (``AlertRoute``) match one of the user's grants exactly, or
name the user. See ``AlertRoute`` for why that stays fast at a million alerts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.alerts.filtersets import AlertFilterSet, SmsMessageFilterSet
from fangkong.alerts.models import Alert, AlertRoute, SmsMessage
from fangkong.core.models import RoleGrant


def user_routes_q(user) -> Q | None:
    """The route rows that reach ``user``: their (area, role) grants whose role may view
    alerts, and the rows naming them. ``None`` for anyone who may see no alerts. Cached on the
    user object for the request (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    cached = getattr(user, "_fk_alert_routes", None)
    if cached is not None:
        return cached
    grants = (
        RoleGrant.objects.active()
        .filter(
            user=user,
            role__group__permissions__content_type__app_label="alerts",
            role__group__permissions__codename="view_alert",
        )
        .values_list("area_id", "role__code")
        .distinct()
    )
    by_area: dict[int, set[str]] = {}
    for area_id, code in grants:
        by_area.setdefault(area_id, {"*"}).add(code)
    q = Q(user=user)
    for area_id, codes in sorted(by_area.items()):
        q |= Q(area_id=area_id, role__in=sorted(codes))
    # A named recipient sees their alert whatever roles they hold.
    user._fk_alert_routes = q
    return q


def alert_routes_for(user, *, open_only: bool = False) -> QuerySet[AlertRoute]:
    q = user_routes_q(user)
    if q is None:
        return AlertRoute.objects.none()
    routes = AlertRoute.objects.filter(q)
    return routes.filter(open=True) if open_only else routes


def alerts_for(user, *, filters: dict | None = None) -> QuerySet[Alert]:
    """The alerts in ``user``'s inbox, newest first: routed to one of their roles in one of
    their areas or an area below it, or naming them. Outside that, an alert does not exist
    for them (its page answers 404)."""
    ids = alert_routes_for(user).values("alert_id")
    queryset = Alert.objects.filter(pk__in=ids).select_related(
        "area", "acknowledged_by", "escalated_to"
    )
    return AlertFilterSet(filters or {}, queryset=queryset).qs


def alert_get(*, actor, pk) -> Alert:
    """One alert of the actor's inbox, or ``Alert.DoesNotExist`` (missing and not theirs
    alike)."""
    return alerts_for(actor).get(pk=pk)


def unread_count(user) -> int:
    """Open (unacknowledged) alerts in ``user``'s inbox: one count on the route index."""
    return alert_routes_for(user, open_only=True).values("alert_id").distinct().count()


def sms_list(*, actor, filters: dict | None = None) -> QuerySet[SmsMessage]:
    """Text messages of the actor's areas (a message without an area: district level only)."""
    queryset = SmsMessage.objects.restrict(actor, "view").select_related("area")
    return SmsMessageFilterSet(filters or {}, queryset=queryset, actor=actor).qs
