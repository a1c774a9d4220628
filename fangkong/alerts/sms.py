"""Text messages: queue one inside your write; the sending job delivers it through the gateway.

``queue_sms`` is the contract other modules use (a referral to another jurisdiction notifies its
contact on record). Gateways, templates, the sending job and retries live in this app."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from fangkong.alerts.models import SmsMessage
from fangkong.core.validators import validate_mobile


def queue_sms(
    *, phone: str, text: str, template: str = "", source: str = "", dedupe_key: str = ""
) -> SmsMessage:
    """Store a message to send (status pending). The same ``dedupe_key`` stores it once."""
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
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        if not dedupe_key:
            raise
        return SmsMessage.objects.get(dedupe_key=dedupe_key[:120])
    return message
