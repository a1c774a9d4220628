"""Text messages: a gateway that is down leaves them pending and retries with backoff, never
loses one; the HTTP adapter treats non-2xx and timeouts as failures."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from fangkong.alerts.gateways import HttpGateway, SmsGatewayError
from fangkong.alerts.models import SmsMessage
from fangkong.alerts.sms import queue_sms, send_due_sms, sms_retry

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2020, 2, 1, 8, 0))


class Switchable:
    def __init__(self):
        self.up = False
        self.sent = []

    def send(self, message):
        if not self.up:
            raise SmsGatewayError("gateway down")
        self.sent.append(message.pk)
        return f"gw-{message.pk}"


def test_a_down_gateway_keeps_the_message_pending_with_backoff_then_sends_it(settings):
    settings.FANGKONG_SMS_RETRY_BASE_SECONDS = 60
    settings.FANGKONG_SMS_MAX_ATTEMPTS = 5
    gateway = Switchable()
    message = queue_sms(phone="13800138000", text="测试", template="notice")
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=T0)

    assert send_due_sms(now=T0, gateway=gateway) == {"sent": 0, "retry": 1, "failed": 0}
    message.refresh_from_db()
    assert message.status == "pending" and message.attempts == 1
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert message.last_error == "gateway down"
    # Not due yet: nothing is tried.
    assert send_due_sms(now=T0 + dt.timedelta(seconds=59), gateway=gateway)["retry"] == 0
    # Second failure doubles the wait.
    t1 = T0 + dt.timedelta(seconds=60)
    send_due_sms(now=t1, gateway=gateway)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == t1 + dt.timedelta(seconds=120)
    # The gateway comes back: the message goes out, once.
    gateway.up = True
    t2 = t1 + dt.timedelta(seconds=120)
    assert send_due_sms(now=t2, gateway=gateway) == {"sent": 1, "retry": 0, "failed": 0}
    assert send_due_sms(now=t2 + dt.timedelta(hours=1), gateway=gateway)["sent"] == 0
    message.refresh_from_db()
    assert message.status == "sent" and message.gateway_id == f"gw-{message.pk}"
    assert gateway.sent == [message.pk] and message.last_error == ""


def test_after_the_last_attempt_it_is_failed_listed_and_can_be_sent_again(settings, commander):
    settings.FANGKONG_SMS_MAX_ATTEMPTS = 2
    settings.FANGKONG_SMS_RETRY_MAX_SECONDS = 60
    gateway = Switchable()
    message = queue_sms(phone="13800138000", text="测试")
    now = timezone.now()
    send_due_sms(now=now, gateway=gateway)
    send_due_sms(now=now + dt.timedelta(hours=1), gateway=gateway)
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2
    assert SmsMessage.objects.filter(pk=message.pk).exists()  # never lost
    sms_retry(actor=commander, message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 0)
    gateway.up = True
    assert send_due_sms(now=timezone.now() + dt.timedelta(seconds=1), gateway=gateway)["sent"] == 1


def test_the_sms_page_shows_pending_and_failed_masked(client, commander, settings):
    queue_sms(phone="13800138000", text="待发短信")
    client.force_login(commander)
    page = client.get("/alerts/sms/").content.decode()
    assert "待发短信" in page and "138****8000" in page and "13800138000" not in page
    api = client.get("/api/v1/sms").json()
    assert api["results"][0]["phone_masked"] == "138****8000"
    assert "13800138000" not in json.dumps(api)


class _Handler(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Handler.received.append((self.headers.get("Authorization"), json.loads(body)))
        status = _Handler.answers.pop(0) if _Handler.answers else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "prov-1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def http_gateway():
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Handler.answers, _Handler.received = [], []
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()


def test_http_gateway_posts_json_and_treats_non_2xx_as_failure(http_gateway):
    gateway = HttpGateway(url=http_gateway, token="secret-token", timeout=2)
    message = queue_sms(phone="13800138000", text="你好")
    _Handler.answers = [503, 200]
    with pytest.raises(SmsGatewayError, match="503"):
        gateway.send(message)
    assert gateway.send(message) == "prov-1"
    auth, body = _Handler.received[-1]
    assert auth == "Bearer secret-token"
    assert body == {"id": message.pk, "phone": "13800138000", "text": "你好"}


def test_http_gateway_unreachable_or_slow_is_a_failure():
    import socket

    # A listening socket that never answers: the read times out.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    message = queue_sms(phone="13800138000", text="你好")
    try:
        with pytest.raises(SmsGatewayError):
            HttpGateway(url=f"http://127.0.0.1:{port}/", timeout=0.5).send(message)
    finally:
        silent.close()
    with pytest.raises(SmsGatewayError):
        HttpGateway(url="http://127.0.0.1:9/", timeout=0.5).send(message)
