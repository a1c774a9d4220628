from django.shortcuts import redirect
from django.urls import reverse

# Pages a user who still owes a second factor may open.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/")


class TwoFactorRequiredMiddleware:
    """Send a signed-in user whose roles need TOTP to set it up or enter a code first.

    API calls are not redirected here: token-authenticated calls carry their own check, and a
    browser session without a verified device is refused by the API's session authentication.
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
            return redirect(f"{reverse('otp_verify')}")
        return self.get_response(request)


def needs_second_factor(request) -> bool:
    from fangkong.core.twofactor import requires_2fa

    user = request.user
    if "fk_needs_2fa" not in request.session:
        request.session["fk_needs_2fa"] = requires_2fa(user)
    return bool(request.session["fk_needs_2fa"]) and not user.is_verified()
