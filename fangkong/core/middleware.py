from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers

# Pages a user who still owes a second factor may open.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")


class TwoFactorRequiredMiddleware:
    """Send a signed-in user whose roles need TOTP to set it up or enter a code first.

    Whether the roles need it is worked out on every request of a not-yet-verified user (one
    small query), so a role granted during a session takes effect at once. API calls are not
    redirected: the API's session authentication refuses an unverified session itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and needs_second_factor(request)
        ):
            return redirect(reverse("otp_verify"))
        return self.get_response(request)


def needs_second_factor(request) -> bool:
    from fangkong.core.twofactor import requires_2fa

    user = request.user
    if user.is_verified():
        return False
    return requires_2fa(user)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, except that a *passive* request does not save the session.

    ``SESSION_SAVE_EVERY_REQUEST`` renews the 30-minute idle expiry on every request, which is a
    database write. A page polling a job's progress every second is not the user being active:
    renewing the session there would keep an unattended screen signed in for ever, and its
    write every second contends with the job itself. Views mark such requests with
    ``@passive_session``; a change they make to the session is still saved.
    """

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        passive = getattr(request, "session_passive", False)
        if passive and session is not None and not session.modified:
            patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)


def passive_session(view):
    """Mark a view's requests as not user activity (no session save, no idle renewal)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.session_passive = True
        return view(request, *args, **kwargs)

    return wrapped
