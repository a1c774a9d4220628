"""Raising alerts. Other modules call ``raise_alert`` from inside their own write (a passage, a
check, a referral); the alert commits or rolls back with it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from fangkong.alerts.models import Alert


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
    is returned."""
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
    except IntegrityError:
        if not dedupe_key:
            raise
        # A concurrent raise of the same alert won the unique index.
        return Alert.all_objects.get(dedupe_key=fields["dedupe_key"])
    return alert
