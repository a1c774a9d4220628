"""JSON error answers for the whole API: field messages, never a 500 on bad input.

Every error body is ``{"detail": "<summary>", "errors": {"field": ["message", ...]}}``
(``errors`` may be empty). ``install_error_handlers(api)`` registers them on the NinjaAPI.

| cause                                                        | status |
|--------------------------------------------------------------|--------|
| Django ``ValidationError`` (services, validators, FilterSets) | 422    |
| ninja request validation (types, missing fields, bad JSON)    | 422    |
| no or refused credentials                                     | 401    |
| ``PermissionDenied``, CSRF, other ninja ``HttpError(403)``    | 403    |
| out of scope or missing (``Http404``, ``DoesNotExist``)       | 404    |
| ``StaleVersion`` (with the current record), ``IntegrityError``| 409    |
| request body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``       | 413    |
"""

import logging
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fangkong.core.api_schemas import serialize
from fangkong.core.exceptions import StaleVersion
from fangkong.core.signals import log_denied

logger = logging.getLogger("fangkong.api")

NON_FIELD = "__all__"
# Where ninja says a value came from; not part of the field name the client knows.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": str(detail), "errors": errors or {}}


def _summary(errors: dict[str, list[str]]) -> str:
    messages = [m for msgs in errors.values() for m in msgs]
    if len(messages) == 1:
        return messages[0]
    return _("The request has %(n)d errors; see the message beside each field.") % {
        "n": len(messages)
    }


def validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ValidationError as ``{field: [messages]}`` (non-field ones under ``__all__``)."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {NON_FIELD: [str(m) for m in exc.messages]}


def _pydantic_message(error: dict[str, Any]) -> str:
    """pydantic's English messages, in the user's language for the kinds clients really hit."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not known here; check its name.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter text.")
    if kind in (
        "date_parsing",
        "date_type",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return _("Enter a date as YYYY-MM-DD.")
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return _("Enter a date and time in ISO 8601 form.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Enter a list.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Enter an object.")
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a value of at least %(n)s.") % {"n": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a value of at most %(n)s.") % {"n": ctx.get("le", ctx.get("lt"))}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", _("This value is not valid.")))


def ninja_field_name(loc: tuple | list, param_names: set[str]) -> str:
    """pydantic's location, e.g. ``("body", "payload", "tag_ids", 0)``, as ``tag_ids``."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if parts and parts[0] in param_names:
        parts = parts[1:]
    names = [str(p) for p in parts if not isinstance(p, int)]
    return ".".join(names) or NON_FIELD


def ninja_errors(exc: NinjaValidationError) -> dict[str, list[str]]:
    # Handler parameter names (payload, filters, ...) wrap the client's fields: drop them.
    param_names = {"payload", "filters", "data", "body", "query"}
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        if error.get("type") == "missing" and tuple(error.get("loc", ())) in (
            ("body", "payload"),
            ("body",),
        ):
            errors.setdefault(NON_FIELD, []).append(_("Send the request body as a JSON object."))
            continue
        field = ninja_field_name(error.get("loc", ()), param_names)
        message = _pydantic_message(error)
        if message not in errors.get(field, []):
            errors.setdefault(field, []).append(message)
    return errors


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the JSON error answers on ``api`` (they replace ninja's defaults)."""

    def respond(request, status: int, detail: str, errors=None, **extra) -> HttpResponse:
        body = error_body(detail, errors)
        body.update(extra)
        return api.create_response(request, body, status=status)

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError):
        errors = validation_errors(exc)
        return respond(request, 422, _summary(errors), errors)

    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request: HttpRequest, exc: NinjaValidationError):
        errors = ninja_errors(exc)
        return respond(request, 422, _summary(errors), errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError):
        detail = (
            exc.message
            if exc.message != "Unauthorized"
            else _("Sign in, or send an API token as 'Authorization: Bearer <token>'.")
        )
        response = respond(request, 401, detail)
        response["WWW-Authenticate"] = 'Bearer realm="fangkong"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            # ninja's "Cannot parse request body": broken JSON or bytes that are not UTF-8.
            errors = {NON_FIELD: [_("The request body is not valid JSON.")]}
            return respond(request, 422, errors[NON_FIELD][0], errors)
        if exc.status_code == 403:
            log_denied(request, str(exc)[:200])
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied):
        log_denied(request, str(exc)[:200])
        return respond(request, 403, str(exc) or _("You may not do this."))

    def not_found(request: HttpRequest, exc: Exception):
        return respond(request, 404, _("Not found, or not in your area of responsibility."))

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)

    @api.exception_handler(StaleVersion)
    def stale(request: HttpRequest, exc: StaleVersion):
        return respond(
            request,
            409,
            _(
                "Someone else changed this record since you read it. Here is the current "
                "version: apply your change to it and send it again."
            ),
            current=serialize(exc.current),
        )

    @api.exception_handler(IntegrityError)
    def conflict(request: HttpRequest, exc: IntegrityError):
        logger.warning("integrity error on %s %s: %s", request.method, request.path, exc)
        return respond(
            request,
            409,
            _("This conflicts with a record saved at the same moment; reload and try again."),
        )

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError):
        logger.warning("data error on %s %s: %s", request.method, request.path, exc)
        return respond(request, 422, _("A value is too long or out of range for its field."))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig):
        return respond(request, 413, _("The request is too large."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation):
        return respond(request, 400, _("The request could not be understood."))

    @api.exception_handler(Exception)
    def crashed(request: HttpRequest, exc: Exception):
        # A bug, not bad input: keep the traceback in the log, give the client JSON.
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return respond(request, 500, _("Internal error; it has been logged."))


def validate_filters(filterset_class, data: dict[str, Any], *, actor) -> None:
    """Raise a 422 for list filters the FilterSet rejects, instead of ignoring them.

    django-filter drops an invalid filter and returns the unfiltered list, which an API client
    would take for an answer. The FilterSet runs here on an empty queryset (no rows are read)
    to collect its form errors, including those its filter methods add (e.g. a full ID number
    in ``q``); the selector then applies the same FilterSet to the scoped queryset.
    """
    model = filterset_class._meta.model
    filterset = filterset_class(data, queryset=model._default_manager.none(), actor=actor)
    filterset.qs  # noqa: B018 -- runs the filter methods, which may add form errors
    if filterset.form.errors:
        raise DjangoValidationError(
            {field: list(messages) for field, messages in filterset.form.errors.items()}
        )


@contextmanager
def api_field_names(mapping: dict[str, str]):
    """Re-key a service's ValidationError by the names the API client sent.

    Services speak model fields (``area``); the API takes ids (``area_id``). The message must
    sit beside the input the client can change.
    """
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed: dict[str, list] = {}
        for field, errors in exc.error_dict.items():
            renamed.setdefault(mapping.get(field, field), []).extend(errors)
        raise DjangoValidationError(renamed) from exc
