"""``Idempotency-Key`` for create endpoints: a retried request returns the first answer.

Village networks drop replies: a phone that did not hear back sends the same create again.
With the header ``Idempotency-Key: <1–100 characters>`` the first successful answer (status and
JSON body) is stored in ``IdempotencyRecord`` under (user, key), together with a SHA-256 of the
method, path and body. A retry with the same key and the same request gets the stored answer
and creates nothing; the same key with a different request is a 422.

Race safety: the key is reserved by inserting its record *first*, inside the same transaction
as the create (no look-up before it: a retry fails on the insert and reads the stored answer,
so a first request costs one insert and one update). A concurrent duplicate blocks on the
unique (user, key) index until the first commits, then fails with ``IntegrityError`` and
answers with the stored result; if the first rolls back, nothing of it remains. Failed
creates (any non-2xx answer or exception) store
nothing, so a corrected retry with the same key is processed normally.

Use on any create endpoint, below the router decorator::

    @router.post("/things", response={201: ThingOut, **WRITE_ERROR_RESPONSES},
                 openapi_extra=IDEMPOTENCY_OPENAPI)
    @idempotent(ThingOut)
    def create_thing(request, payload: ThingIn):
        return Status(201, thing_create(actor=request.auth, ...))
"""

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.responses import NinjaJSONEncoder, Status

from fangkong.core.api_schemas import to_json_data
from fangkong.core.models import BatchReceipt, IdempotencyRecord, audit_survives_rollback

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
_PENDING = 0  # status of a reserved key whose create has not finished (never committed)

IDEMPOTENCY_OPENAPI = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            "description": "Any unique text per intended create (e.g. a UUID). A retry with the "
            "same key and body returns the first answer and creates nothing.",
        }
    ]
}


def request_digest(request: HttpRequest) -> str:
    """SHA-256 of method, path and body; JSON bodies are canonicalised first, so a retry that
    only reorders keys or spacing still counts as the same request."""
    body = request.body
    with contextlib.suppress(ValueError):  # not JSON: digest the raw bytes
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\n" + request.path.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _key(request: HttpRequest) -> str | None:
    if HEADER not in request.headers:
        return None
    key = request.headers[HEADER].strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError(
            {HEADER: _("An Idempotency-Key has 1 to %(n)d characters.") % {"n": MAX_KEY_LENGTH}}
        )
    return key


def _json_response(status: int, body: Any) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _replay(record: IdempotencyRecord, digest: str) -> HttpResponse:
    if record.request_digest != digest:
        message = _(
            "This Idempotency-Key was already used for a different request. Use a new key "
            "for a new record, or resend exactly the first request."
        )
        raise ValidationError({HEADER: message})
    response = _json_response(record.status_code, record.body)
    response["Idempotent-Replayed"] = "true"
    return response


def _status_and_data(result: Any) -> tuple[int, Any]:
    if isinstance(result, Status):
        return result.status_code, result.value
    if isinstance(result, tuple) and len(result) == 2:
        return result
    return 201, result


def idempotent(schema: type[Schema]) -> Callable:
    """Make a create handler honour ``Idempotency-Key``; ``schema`` renders its 2xx result.

    Without the header the handler runs as usual. The handler must return the created object
    (or ``Status(code, obj)``); it runs in one transaction with the key's record.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            key = _key(request)
            if key is None:
                return view(request, *args, **kwargs)
            user = request.auth
            digest = request_digest(request)
            reserved = False
            kept = False
            # A refused create rolls back; the log rows it wrote (a duplicate-ID hit, a
            # rate-limit refusal) are written again so that the refusal keeps its trace.
            with audit_survives_rollback() as audit:
                try:
                    with transaction.atomic():
                        # Reserve the key first (no look-up before: a retry fails here and reads
                        # the stored answer), so a concurrent retry waits on the unique index.
                        record = IdempotencyRecord.objects.create(
                            user=user,
                            key=key,
                            route=request.path[:200],
                            request_digest=digest,
                            status_code=_PENDING,
                            body={},
                        )
                        reserved = True
                        status, data = _status_and_data(view(request, *args, **kwargs))
                        if not 200 <= status < 300:
                            transaction.set_rollback(True)  # keep neither record nor key
                            response = _json_response(status, to_json_data(data))
                        else:
                            body = to_json_data(schema.from_orm(data).model_dump(by_alias=True))
                            record.status_code, record.body = status, body
                            record.save(update_fields=["status_code", "body"])
                            response = _json_response(status, body)
                            kept = True
                except IntegrityError:
                    if reserved:
                        audit.rewrite()
                        raise  # the create's own conflict, not the key's
                    # The key was used before (a retry), or by a concurrent retry now committed.
                    return _replay(IdempotencyRecord.objects.get(user=user, key=key), digest)
                except Exception:
                    audit.rewrite()
                    raise
                if not kept:
                    audit.rewrite()
            return response

        return wrapper

    return decorator


def idempotency_purge(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget stored answers older than ``older_than`` (for the retention command)."""
    cutoff = timezone.now() - older_than
    deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def batch_receipt_purge(*, older_than: timedelta | None = None) -> int:
    """Forget the client ids of batch writes older than ``FANGKONG_BATCH_RECEIPT_DAYS``."""
    from django.conf import settings

    if older_than is None:
        older_than = timedelta(days=settings.FANGKONG_BATCH_RECEIPT_DAYS)
    cutoff = timezone.now() - older_than
    deleted, _rows = BatchReceipt.objects.filter(created_at__lt=cutoff).delete()
    return deleted
