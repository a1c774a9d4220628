"""The alerts API under /api/v1/: the caller's inbox, its unread count, acknowledgement, and
the scoped list of text messages (numbers masked)."""

from __future__ import annotations

import datetime as dt

from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError

from fangkong.alerts import selectors, services
from fangkong.alerts.models import Alert
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    MAX_PAGE,
    MAX_PAGE_SIZE,
    OBJECT_ERROR_RESPONSES,
    AreaRef,
    ErrorOut,
    paginate,
    paginated,
)
from fangkong.core.sensitive import MASKERS

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    kind: str
    severity: str
    title: str
    body: str
    link: str
    area: AreaRef
    roles: list[str]
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    escalation_level: int
    escalated_at: dt.datetime | None
    escalated_to: AreaRef | None

    @staticmethod
    def resolve_acknowledged_by(obj) -> str | None:
        return str(obj.acknowledged_by) if obj.acknowledged_by_id else None


class InboxQuery(Schema):
    open: bool | None = None
    kind: str | None = None
    severity: str | None = None
    page: int = 1
    page_size: int = 50


class UnreadOut(Schema):
    unread: int


class SmsOut(Schema):
    id: int
    phone_masked: str
    text: str
    template: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return MASKERS["mobile"](obj.phone)


class SmsQuery(Schema):
    status: str | None = None
    template: str | None = None
    page: int = 1
    page_size: int = 50


def _bounded(query) -> tuple[int, int]:
    page = min(max(query.page, 1), MAX_PAGE)
    return page, min(max(query.page_size, 1), MAX_PAGE_SIZE)


def _filters(query, names) -> dict:
    return {
        n: getattr(query, n) if not isinstance(getattr(query, n), bool) else str(getattr(query, n))
        for n in names
        if getattr(query, n) is not None
    }


@router.get(
    "/alerts",
    response={200: paginated(AlertOut), **ERROR_RESPONSES},
    summary="The caller's alert inbox, newest first",
)
def list_alerts(request, query: Query[InboxQuery]):
    if not request.auth.has_perm("alerts.view_alert"):
        raise HttpError(403, "You may not view alerts.")
    qs = selectors.alerts_for(request.auth, filters=_filters(query, ("open", "kind", "severity")))
    page, size = _bounded(query)
    return paginate(qs, page=page, page_size=size)


@router.get(
    "/alerts/unread",
    response={200: UnreadOut, **ERROR_RESPONSES},
    summary="How many alerts of the caller's inbox nobody has acknowledged yet",
)
def unread_alerts(request):
    return {"unread": selectors.unread_count(request.auth)}


@router.get(
    "/sms",
    response={200: paginated(SmsOut), **ERROR_RESPONSES},
    summary="Text messages of the caller's areas with their delivery status",
)
def list_sms(request, query: Query[SmsQuery]):
    if not request.auth.has_perm("alerts.view_smsmessage"):
        raise HttpError(403, "You may not view text messages.")
    qs = selectors.sms_list(actor=request.auth, filters=_filters(query, ("status", "template")))
    page, size = _bounded(query)
    return paginate(qs, page=page, page_size=size)


def _alert(request, alert_id: int) -> Alert:
    try:
        return selectors.alert_get(actor=request.auth, pk=alert_id)
    except Alert.DoesNotExist:
        raise HttpError(404, "Not found.") from None


@router.get(
    "/alerts/{alert_id}",
    response={200: AlertOut, **OBJECT_ERROR_RESPONSES},
    summary="One alert of the caller's inbox",
)
def get_alert(request, alert_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return _alert(request, alert_id)


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response={200: AlertOut, 409: ErrorOut, **OBJECT_ERROR_RESPONSES},
    summary="Acknowledge an alert (once; a second acknowledgement answers 409)",
)
def acknowledge_alert(request, alert_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    alert = _alert(request, alert_id)
    if not request.auth.has_perm("alerts.change_alert"):
        raise HttpError(403, "You may not acknowledge alerts.")
    try:
        return services.alert_acknowledge(actor=request.auth, alert=alert)
    except services.AlreadyAcknowledged as exc:
        raise HttpError(409, " ".join(exc.messages)) from None
