"""The user's own account: password, two-factor, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.forms import (
    TokenCreateForm,
)
from fangkong.core.models import ApiToken
from fangkong.core.tokens import token_create, token_revoke
from fangkong.core.twofactor import requires_2fa

# --------------------------------------------------------------------------- own account


def _account_context(request: HttpRequest, token_form: TokenCreateForm | None = None) -> dict:
    user = request.user
    return {
        "grants": user.grants.active().select_related("role", "area").order_by("role__sort"),
        "tokens": user.api_tokens.all(),
        "token_form": token_form or TokenCreateForm(),
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "needs_2fa": requires_2fa(user),
    }


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "core/account.html", _account_context(request))


@never_cache
@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            token, text = token_create(
                actor=request.user, name=form.cleaned_data["name"], expires_at=form.expires_at()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The full token exists only in this response (never cached): it is stored hashed.
            return render(request, "core/token_created.html", {"token": token, "text": text})
    return render(request, "core/account.html", _account_context(request, form), status=400)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("core:account")
