"""Login, logout, password change and the second factor (TOTP)."""

from __future__ import annotations

import base64

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.forms import (
    LoginForm,
    OtpCodeForm,
    StyledPasswordChangeForm,
)
from fangkong.core.models import SecurityEvent
from fangkong.core.signals import client_ip
from fangkong.core.views.common import (
    _safe_next,
)

# --------------------------------------------------------------------------- login, 2FA


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def get_default_redirect_url(self):
        # A module's landing page for this user (core.landing), else LOGIN_REDIRECT_URL.
        from fangkong.core.landing import landing_url

        return landing_url(self.request.user) or super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("password_change_done")


def _otp_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Enter a TOTP code, or first set up an authenticator app when the user has none.

    Set-up shows the secret as a QR code (drawn here, never by an outside service) and as text;
    the device only counts once a code from it has been confirmed. Wrong codes are security
    events, and django-otp throttles repeated failures.
    """
    user = request.user
    next_url = _safe_next(request, reverse("home"))
    if user.is_verified():
        return redirect(next_url)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    setup = device is None
    if setup:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Fangkong", confirmed=False)
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            if setup:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(next_url)
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.OTP_FAILED,
            user=user,
            username=user.username,
            ip=client_ip(request),
            path=request.path[:200],
            detail="setup" if setup else "",
        )
        if allowed:
            form.add_error(
                "code",
                _(
                    "That code is not right. Check the clock of your phone "
                    "and enter the code now shown."
                ),
            )
        else:
            form.add_error("code", _("Too many wrong codes. Wait a minute, then try again."))
    context = {"form": form, "setup": setup, "next": next_url}
    if setup:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, border=2, svgclass="fk-qr", lineclass=None, omitsize=True
        )
        context["secret"] = _otp_secret(device)
    return render(request, "registration/otp_verify.html", context)
