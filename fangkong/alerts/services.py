"""Raising, routing, acknowledging and escalating alerts. Other modules call ``raise_alert``
from inside their own write (a passage, a check, a referral); the alert, its routes and its
text messages commit or roll back with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.alerts.models import Alert, AlertProfile, AlertRoute


def raise_alert(
    *,
    kind: str,
    area,
    title: str,
    body: str = "",
    roles: Iterable[str] = (),
    recipient=None,
    link: str = "",
    severity: str = Alert.Severity.WARNING,
    source: str = "",
    dedupe_key: str = "",
    raised_at=None,
) -> Alert:
    """Route an alert to ``roles`` in ``area`` (and optionally one ``recipient``).

    A system action on behalf of the write that caused it: no scope check on the caller (the
    clerk at a checkpoint raises an alert for a grid worker's area they cannot see). With a
    ``dedupe_key`` the same alert is stored once, however often it is raised; the existing one
    is returned. An urgent alert also queues a text message to every recipient whose mobile
    number is on record (``AlertProfile``)."""
    fields = {
        "kind": kind,
        "area": area,
        "title": title[:120],
        "body": body,
        "roles": sorted(set(roles)),
        "recipient": recipient,
        "link": link,
        "severity": severity,
        "source": source[:80],
        "dedupe_key": dedupe_key[:120],
    }
    if raised_at is not None:
        fields["raised_at"] = raised_at
    if dedupe_key:
        existing = Alert.all_objects.filter(dedupe_key=fields["dedupe_key"]).first()
        if existing is not None:
            return existing
    alert = Alert(**fields)
    alert.full_clean()
    try:
        with transaction.atomic():
            alert.save()
            _add_routes(alert, area, alert.roles or ["*"], recipient=recipient)
    except IntegrityError:
        if not dedupe_key:
            raise
        # A concurrent raise of the same alert won the unique index.
        return Alert.all_objects.get(dedupe_key=fields["dedupe_key"])
    if alert.severity == Alert.Severity.URGENT:
        _text_recipients(alert, area, alert.roles, recipient=recipient, template="alert_urgent")
    return alert


def _area_chain(area) -> list:
    """``area`` and every area above it, nearest first."""
    return [area, *reversed(area.ancestors())]


def _add_routes(alert: Alert, area, roles: Iterable[str], *, recipient=None) -> None:
    """Route rows for ``roles`` at ``area`` and every area above it (see ``AlertRoute``)."""
    rows = [
        AlertRoute(
            alert=alert,
            area=node,
            role=role,
            open=alert.acknowledged_at is None,
            raised_at=alert.raised_at,
        )
        for node in _area_chain(area)
        for role in roles
    ]
    if recipient is not None:
        rows.append(
            AlertRoute(
                alert=alert,
                user=recipient,
                open=alert.acknowledged_at is None,
                raised_at=alert.raised_at,
            )
        )
    AlertRoute.objects.bulk_create(rows, ignore_conflicts=True)


def recipients_of(area, roles: Iterable[str], *, recipient=None) -> list:
    """The users an alert for ``roles`` in ``area`` reaches: holders of one of the roles (any
    alert-viewing role when ``roles`` is empty) in ``area`` or above it, and the recipient."""
    from fangkong.core.models import RoleGrant, User

    chain = [a.pk for a in _area_chain(area)]
    grants = RoleGrant.objects.active().filter(
        area_id__in=chain,
        role__group__permissions__content_type__app_label="alerts",
        role__group__permissions__codename="view_alert",
    )
    roles = list(roles)
    if roles:
        grants = grants.filter(role__code__in=roles)
    ids = set(grants.values_list("user_id", flat=True))
    if recipient is not None:
        ids.add(recipient.pk)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _text_recipients(alert: Alert, area, roles, *, recipient=None, template: str) -> int:
    """Queue the alert's text message to each recipient with a mobile number on record; the
    dedupe key makes a re-run of the same step queue each message once."""
    from fangkong.alerts.sms import queue_sms
    from fangkong.alerts.templates import render_sms

    users = recipients_of(area, roles, recipient=recipient)
    profiles = AlertProfile.objects.filter(user__in=users, sms_enabled=True).exclude(phone="")
    text = render_sms(template, alert)
    queued = 0
    for profile in profiles:
        if not profile.phone:
            continue
        queue_sms(
            phone=profile.phone,
            text=text,
            template=template,
            source=f"alerts.alert:{alert.pk}",
            dedupe_key=f"alert:{alert.pk}:{alert.escalation_level}:user:{profile.user_id}",
            area=alert.area,
        )
        queued += 1
    return queued


class AlreadyAcknowledged(ValidationError):
    """The alert was acknowledged before; nothing was changed."""


@transaction.atomic
def alert_acknowledge(*, actor, alert: Alert, now: dt.datetime | None = None) -> Alert:
    """Acknowledge an alert of the actor's inbox, once.

    The update is conditional (``acknowledged_at IS NULL``) so two people pressing the button
    at once cannot both succeed: the second is refused, with who and when acknowledged it."""
    from fangkong.alerts.selectors import alerts_for

    if not alerts_for(actor).filter(pk=alert.pk).exists():
        raise Alert.DoesNotExist
    now = now or timezone.now()
    # The conditional UPDATE is the claim: only one of two concurrent acknowledgements wins.
    done = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=actor
    )
    alert.refresh_from_db()
    if not done:
        raise AlreadyAcknowledged(
            _("This alert was already acknowledged by %(who)s at %(when)s.")
            % {
                "who": alert.acknowledged_by or _("someone"),
                "when": date_format(timezone.localtime(alert.acknowledged_at), "DATETIME_FORMAT"),
            },
            code="already_acknowledged",
        )
    AlertRoute.objects.filter(alert=alert).update(open=False)
    _save_with_history(alert, actor)
    return alert


def _save_with_history(alert: Alert, actor) -> None:
    """Save the alert again after the winning conditional UPDATE, so that its version moves on
    and its change history records who did it."""
    alert.version += 1
    alert._history_user = actor
    alert.save()


def escalation_minutes(severity: str) -> int:
    """Minutes an alert of ``severity`` may stay unacknowledged before it escalates (0: never)."""
    return int(settings.FANGKONG_ALERT_ESCALATION_MINUTES.get(severity, 0))


def escalation_roles(level: int) -> list[str]:
    """The roles an escalation reaches at an area of ``level`` (places.Area.Level)."""
    table = settings.FANGKONG_ALERT_ESCALATION_ROLES
    return list(table.get(str(level), table.get(level, ())))


def alerts_escalate(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Escalate every open alert nobody acknowledged in time, one level up the area tree.

    An alert's clock starts when it was raised, then again at each escalation; the wait is
    ``FANGKONG_ALERT_ESCALATION_MINUTES[severity]``. Escalating adds the routes of the roles
    of ``FANGKONG_ALERT_ESCALATION_ROLES`` at the next area up (the town's officers, then the
    command office), texts them if urgent, and records the level. An alert at the top of the
    tree stays where it is. Each alert is escalated in its own transaction, guarded by its
    version, so two runs at once escalate it once. Returns the number escalated."""
    now = now or timezone.now()
    escalated = 0
    for severity in Alert.Severity.values:
        minutes = escalation_minutes(severity)
        if minutes <= 0:
            continue
        due = now - dt.timedelta(minutes=minutes)
        candidates = (
            Alert.objects.filter(acknowledged_at__isnull=True, severity=severity)
            .filter(raised_at__lte=due)
            .exclude(escalated_at__gt=due)
            .select_related("area", "escalated_to")
            .order_by("raised_at")[:limit]
        )
        for alert in candidates:
            if _escalate_one(alert, now):
                escalated += 1
    return escalated


@transaction.atomic
def _escalate_one(alert: Alert, now: dt.datetime) -> bool:
    current = alert.escalated_to or alert.area
    target = current.parent
    if target is None:
        return False
    done = Alert.objects.filter(
        pk=alert.pk, version=alert.version, acknowledged_at__isnull=True
    ).update(
        escalation_level=alert.escalation_level + 1,
        escalated_at=now,
        escalated_to=target,
    )
    if not done:
        return False
    alert.refresh_from_db()
    roles = escalation_roles(target.level)
    _add_routes(alert, target, roles or ["*"])
    _save_with_history(alert, None)
    if alert.severity == Alert.Severity.URGENT:
        _text_recipients(alert, target, roles, template="alert_escalated")
    return True
