"""Text messages: queue one inside your write; the sending job delivers it through the gateway.

``queue_sms`` is the contract other modules use (a referral to another jurisdiction notifies its
contact on record). ``send_due_sms`` is the sending job: it claims the messages that are due,
hands each to the configured gateway (``FANGKONG_SMS_GATEWAY``, see ``alerts.gateways``) and
records the outcome. A gateway that is down leaves the message **pending** with its next attempt
pushed back exponentially (``FANGKONG_SMS_RETRY_BASE_SECONDS`` × 2^(attempts−1), at most
``FANGKONG_SMS_RETRY_MAX_SECONDS``); after ``FANGKONG_SMS_MAX_ATTEMPTS`` it is marked **failed**,
still listed, and can be sent again (``sms_retry``). A message is never deleted or lost."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.alerts.models import SmsMessage
from fangkong.core.validators import validate_mobile

log = logging.getLogger("fangkong.sms")


def queue_sms(
    *,
    phone: str,
    text: str,
    template: str = "",
    source: str = "",
    dedupe_key: str = "",
    area=None,
) -> SmsMessage:
    """Store a message to send (status pending). The same ``dedupe_key`` stores it once.

    ``area`` (optional) is where the message belongs: the scoped list of messages shows it to
    that area's officials; without it only district-level users see it."""
    number = validate_mobile(phone)
    if dedupe_key:
        existing = SmsMessage.objects.filter(dedupe_key=dedupe_key[:120]).first()
        if existing is not None:
            return existing
    message = SmsMessage(
        phone=number,
        text=text,
        template=template[:40],
        source=source[:80],
        dedupe_key=dedupe_key[:120],
        area=area,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if not dedupe_key:
            raise
        return SmsMessage.objects.get(dedupe_key=dedupe_key[:120])
    transaction.on_commit(_enqueue_sending)
    return message


def _enqueue_sending() -> None:
    """Ask the worker to send now rather than at the next scheduled run (best effort: the
    scheduled ``send_sms`` run picks the message up anyway)."""
    try:
        from fangkong.alerts.tasks import send_sms_task

        send_sms_task.enqueue()
    except Exception:  # noqa: BLE001 - a queue hiccup must not fail the write that queued it
        log.warning("could not enqueue the sending job; the scheduled run will send it")


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: exponential, capped."""
    base = settings.FANGKONG_SMS_RETRY_BASE_SECONDS
    seconds = min(base * (2 ** max(attempts - 1, 0)), settings.FANGKONG_SMS_RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def send_due_sms(*, now: dt.datetime | None = None, limit: int = 200, gateway=None) -> dict:
    """Send the pending messages that are due; returns counts by outcome.

    Each message is first **claimed** by a conditional UPDATE that moves its next attempt a
    lease ahead (``FANGKONG_SMS_CLAIM_SECONDS``): two workers never send the same message, and
    a worker that dies mid-send leaves it pending, to be tried again when the lease runs out."""
    from fangkong.alerts.gateways import SmsGatewayError, get_gateway

    now = now or timezone.now()
    gateway = gateway or get_gateway()
    outcome = {"sent": 0, "retry": 0, "failed": 0}
    due = list(
        SmsMessage.objects.filter(status=SmsMessage.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")[:limit]
    )
    lease = dt.timedelta(seconds=settings.FANGKONG_SMS_CLAIM_SECONDS)
    for pk, attempts in due:
        claimed = SmsMessage.objects.filter(
            pk=pk, status=SmsMessage.Status.PENDING, attempts=attempts
        ).update(attempts=attempts + 1, next_attempt_at=now + lease)
        if not claimed:
            continue
        message = SmsMessage.objects.get(pk=pk)
        try:
            gateway_id = gateway.send(message)
        except SmsGatewayError as exc:
            error = str(exc)[:200]
            if message.attempts >= settings.FANGKONG_SMS_MAX_ATTEMPTS:
                SmsMessage.objects.filter(pk=pk).update(
                    status=SmsMessage.Status.FAILED, last_error=error
                )
                outcome["failed"] += 1
                log.warning("sms %s failed for good after %s attempts", pk, message.attempts)
            else:
                SmsMessage.objects.filter(pk=pk).update(
                    last_error=error, next_attempt_at=now + retry_delay(message.attempts)
                )
                outcome["retry"] += 1
            continue
        SmsMessage.objects.filter(pk=pk).update(
            status=SmsMessage.Status.SENT,
            sent_at=timezone.now(),
            gateway_id=(gateway_id or "")[:80],
            last_error="",
        )
        outcome["sent"] += 1
    return outcome


def sms_retry(*, actor, message: SmsMessage) -> SmsMessage:
    """Send a failed message again: pending, due now, attempts start over."""
    SmsMessage.objects.filter(pk=message.pk, status=SmsMessage.Status.FAILED).update(
        status=SmsMessage.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    transaction.on_commit(_enqueue_sending)
    message.refresh_from_db()
    return message
