from django.shortcuts import redirect
from django.urls import reverse

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
