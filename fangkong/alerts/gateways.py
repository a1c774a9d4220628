"""SMS gateways: the one interface the sending job talks to, chosen by ``FANGKONG_SMS_GATEWAY``
(a dotted path to a class taking no arguments).

- ``DevelopmentGateway`` (the default): "sends" by writing the message to the log (number
  masked) and marking it sent in the database with a ``dev-…`` id. Nothing leaves the machine.
- ``HttpGateway``: a JSON POST to ``FANGKONG_SMS_HTTP_URL`` with ``Authorization: Bearer
  FANGKONG_SMS_HTTP_TOKEN``, ``FANGKONG_SMS_HTTP_TIMEOUT`` seconds; any answer other than 2xx,
  a timeout or a refused connection is a failure (the message stays pending and is retried).
  The body is ``{"id": <message id>, "phone": "...", "text": "..."}``; the gateway's own id is
  read from the answer's ``"id"`` or ``"message_id"`` when it sends one.

A provider with another protocol is one small class with ``send(message) -> str`` raising
``SmsGatewayError``."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from fangkong.core.sensitive import MASKERS

log = logging.getLogger("fangkong.sms")


class SmsGatewayError(Exception):
    """The gateway did not take the message (down, refused, timed out)."""


class SmsGateway:
    def send(self, message) -> str:  # pragma: no cover - interface
        """Hand ``message`` (an ``SmsMessage``) to the provider; return its id, or raise
        ``SmsGatewayError``."""
        raise NotImplementedError


class DevelopmentGateway(SmsGateway):
    def send(self, message) -> str:
        log.info(
            "sms %s to %s [%s]: %s",
            message.pk,
            MASKERS["mobile"](message.phone),
            message.template,
            message.text,
        )
        return f"dev-{message.pk}"


class HttpGateway(SmsGateway):
    def __init__(self, url: str | None = None, token: str | None = None, timeout=None):
        self.url = url or settings.FANGKONG_SMS_HTTP_URL
        self.token = token if token is not None else settings.FANGKONG_SMS_HTTP_TOKEN
        self.timeout = float(timeout or settings.FANGKONG_SMS_HTTP_TIMEOUT)

    def send(self, message) -> str:
        if not self.url.startswith(("https://", "http://")):
            # Only web URLs: never file: or another scheme urllib would also open.
            raise SmsGatewayError("FANGKONG_SMS_HTTP_URL is not an http(s) URL")
        body = json.dumps(
            {"id": message.pk, "phone": message.phone, "text": message.text}, ensure_ascii=False
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
                raw = response.read(4096)
        except urllib.error.HTTPError as exc:
            raise SmsGatewayError(f"gateway answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsGatewayError(f"gateway unreachable: {getattr(exc, 'reason', exc)}") from None
        if not 200 <= status < 300:
            raise SmsGatewayError(f"gateway answered {status}")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        return str(answer.get("id") or answer.get("message_id") or "")


def get_gateway() -> SmsGateway:
    """The configured gateway (``FANGKONG_SMS_GATEWAY``)."""
    return import_string(settings.FANGKONG_SMS_GATEWAY)()
