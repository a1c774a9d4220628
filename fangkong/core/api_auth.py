"""Who is calling the API, and the one way API handlers fetch a record in the caller's scope.

Two ways in: a per-user token (``Authorization: Bearer fk_<prefix>_<secret>``) for machines and
phones, or the browser session (with CSRF on unsafe methods, and only once a required second
factor has been entered). Anything else is a 401.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from fangkong.core.scoping import get_in_scope
from fangkong.core.signals import client_ip
from fangkong.core.tokens import token_authenticate

M = TypeVar("M", bound=models.Model)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer fk_<prefix>_<secret>``, checked against the stored digest.

    A bearer token that is given but refused (unknown, wrong secret, revoked, expired, user
    disabled) is a 401 at once, recorded as a security event by ``token_authenticate``; it does
    not fall back to a session cookie that happens to travel with the request.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token.strip(), ip=client_ip(request), path=request.path)
        if user is None:
            raise AuthenticationError(
                401, _("The API token is not valid, or was revoked or has expired.")
            )
        # Later code (audit history, refusal logs) reads request.user, as for a session.
        request.user = user
        request.fk_auth_method = "token"
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session, for the htmx pages and the interactive docs.

    Unsafe methods must carry the CSRF token (the API views are CSRF-exempt for token
    clients, so this check is the only one). A user whose roles need two-factor login but who
    has not entered a code in this session is treated as not signed in: the API must not be a
    way around the second factor.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.csrf and check_csrf(request):
            raise HttpError(403, _("CSRF check failed: reload the page and try again."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from fangkong.core.middleware import needs_second_factor

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if needs_second_factor(request):
            return None
        request.fk_auth_method = "session"
        return user


def api_auth() -> list:
    """The authentication callbacks of every API route, tokens first."""
    return [TokenAuth(), SessionAuth()]


def scoped_get(
    request: HttpRequest,
    getter: Callable[..., M],
    model: type[M],
    pk: int,
    *,
    action: str = "view",
) -> M:
    """Fetch a record through its selector for ``action``, or refuse by the one rule of
    ``core.scoping.get_in_scope`` (the UI's ``get_scoped_object_or_404`` answers the same):
    404 for out of scope and missing alike, 403 for a record the caller may view but not
    ``action``; refusals of existing records are logged."""
    actor = request.auth
    try:
        return get_in_scope(
            model=model,
            user=actor,
            action=action,
            pk=pk,
            lookup=lambda act: getter(actor=actor, pk=pk, action=act),
            request=request,
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
