"""Core screens: home, login and two-factor, the user's account, jobs, logs, users and grants.

Views stay thin: they parse the request, call a selector or service and render. Writes are POST
only. Records that are not the user's answer 404, exactly as missing ones do.
"""

from __future__ import annotations

import base64
from functools import wraps
from pathlib import Path

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core import services_accounts as accounts
from fangkong.core.filtersets import AccessLogFilterSet, SecurityEventFilterSet
from fangkong.core.forms import (
    GrantForm,
    LoginForm,
    OtpCodeForm,
    StyledPasswordChangeForm,
    TokenCreateForm,
    UserCreateForm,
    UserSearchForm,
)
from fangkong.core.jobs import job_dir
from fangkong.core.models import AccessLog, ApiToken, Job, RoleGrant, SecurityEvent
from fangkong.core.signals import client_ip, log_denied
from fangkong.core.tokens import token_create, token_revoke
from fangkong.core.twofactor import requires_2fa
from fangkong.core.xlsx import Column, write_workbook

PAGE_SIZE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def require_perm(perm: str):
    """Login required, then ``perm`` (from any active grant); a refusal is a logged 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                log_denied(request, f"missing {perm}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """The ``next`` target if it stays on this site; anything else could be an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _page(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    # Encodes Chinese names per RFC 6266 (filename*=utf-8'') with an ASCII fallback.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --------------------------------------------------------------------------- home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from fangkong.places.models import Area
    from fangkong.places.selectors import area_counts, area_roots

    user = request.user
    roots = list(area_roots(actor=user).select_related("parent")[:50])
    counts = area_counts(actor=user, areas=roots)
    rows = [(root, counts[root.pk]) for root in roots]
    by_level = [
        (Area.Level(row["level"]).label, row["n"])
        for row in Area.objects.restrict(user, "view")
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    ]
    context = {
        "rows": rows,
        "by_level": by_level,
        "total_persons": sum(c["persons"] for c in counts.values()),
        "total_households": sum(c["households"] for c in counts.values()),
        "total_areas": sum(n for _label, n in by_level),
        "can_persons": user.has_perm("people.view_person"),
        "can_households": user.has_perm("places.view_household"),
        "grants": user.grants.active().select_related("role", "area").order_by("role__sort"),
        "running_jobs": Job.objects.filter(owner=user).exclude(
            status__in=[Job.Status.DONE, Job.Status.FAILED]
        )[:3],
    }
    return render(request, "core/home.html", context)


# --------------------------------------------------------------------------- login, 2FA


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True
    template_name = "registration/login.html"


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


# --------------------------------------------------------------------------- jobs


def _own_job(request: HttpRequest, pk) -> Job:
    return get_object_or_404(Job, pk=pk, owner=request.user)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, Job.objects.filter(owner=request.user), 25)
    return render(request, "core/job_list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    return render(request, "core/job_detail.html", {"job": _own_job(request, pk)})


@never_cache
@login_required
def job_progress(request: HttpRequest, pk) -> HttpResponse:
    """The progress partial polled by htmx; once finished it no longer asks to be polled."""
    return render(request, "core/partials/job_progress.html", {"job": _own_job(request, pk)})


@login_required
def job_download(request: HttpRequest, pk) -> FileResponse:
    job = _own_job(request, pk)
    if job.status != Job.Status.DONE or not job.output_file:
        raise Http404
    path = Path(job.output_file).resolve()
    # Only files the job machinery wrote: a stored path must never reach elsewhere on disk.
    if not path.is_relative_to(job_dir().resolve()) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.output_name or path.name)


# --------------------------------------------------------------------------- logs


ACCESSLOG_COLUMNS = [
    Column("at", _l("Time"), width=20),
    Column("actor", _l("User"), width=16),
    Column("action", _l("Action"), width=14),
    Column("subject", _l("Whose"), width=20),
    Column("fields", _l("Fields"), width=16),
    Column("reason", _l("Reason"), width=40),
    Column("ip", _l("IP address"), width=16),
]
SECURITY_COLUMNS = [
    Column("at", _l("Time"), width=20),
    Column("kind", _l("Kind"), width=16),
    Column("username", _l("Username"), width=16),
    Column("ip", _l("IP address"), width=16),
    Column("path", _l("Path"), width=30),
    Column("detail", _l("Detail"), width=40),
]


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S")


@require_perm("core.view_accesslog")
@require_safe
def accesslog_list(request: HttpRequest) -> HttpResponse:
    queryset = AccessLog.objects.select_related("actor", "subject_type")
    filterset = AccessLogFilterSet(request.GET, queryset=queryset)
    if request.GET.get("export") == "xlsx":
        rows = (
            [
                _local(e.at),
                e.actor.username,
                e.get_action_display(),
                e.subject_label,
                e.fields,
                e.reason,
                e.ip or "",
            ]
            for e in filterset.qs.iterator(chunk_size=2000)
        )
        columns = [Column(c.key, str(c.header), width=c.width) for c in ACCESSLOG_COLUMNS]
        data = write_workbook(_("Access log"), columns, rows)
        return _xlsx_response(data, f"{_('Access log')}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")
    return render(
        request,
        "core/accesslog_list.html",
        {"filter": filterset, "page": _page(request, filterset.qs)},
    )


@require_perm("core.view_securityevent")
@require_safe
def securityevent_list(request: HttpRequest) -> HttpResponse:
    filterset = SecurityEventFilterSet(request.GET, queryset=SecurityEvent.objects.all())
    if request.GET.get("export") == "xlsx":
        rows = (
            [_local(e.at), e.get_kind_display(), e.username, e.ip or "", e.path, e.detail]
            for e in filterset.qs.iterator(chunk_size=2000)
        )
        columns = [Column(c.key, str(c.header), width=c.width) for c in SECURITY_COLUMNS]
        data = write_workbook(_("Security events"), columns, rows)
        return _xlsx_response(
            data, f"{_('Security events')}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        )
    return render(
        request,
        "core/securityevent_list.html",
        {"filter": filterset, "page": _page(request, filterset.qs)},
    )


# --------------------------------------------------------------------------- users and grants


@require_perm("core.grant_role")
def user_list(request: HttpRequest) -> HttpResponse:
    search = UserSearchForm(request.GET)
    users = (
        accounts.managed_users(request.user)
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "grants",
                queryset=RoleGrant.objects.active().select_related("role", "area"),
                to_attr="active_grants",
            )
        )
    )
    if search.is_valid() and search.cleaned_data["q"]:
        q = search.cleaned_data["q"]
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    return render(request, "core/user_list.html", {"search": search, "page": _page(request, users)})


@require_perm("core.grant_role")
def user_create(request: HttpRequest) -> HttpResponse:
    actor = request.user
    form = UserCreateForm(
        request.POST or None, areas=accounts.grantable_areas(actor), superuser=actor.is_superuser
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                organisation=data["organisation"],
                password=data["password1"],
                role=data.get("role"),
                area=data.get("area"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The account %(name)s is created.") % {"name": user})
            return redirect("core:user_detail", pk=user.pk)
    return render(request, "core/user_form.html", {"form": form})


def _managed_user_or_404(request: HttpRequest, pk: int):
    return get_object_or_404(accounts.managed_users(request.user), pk=pk)


def _user_detail(
    request: HttpRequest, user, grant_form: GrantForm | None = None, status: int = 200
) -> HttpResponse:
    actor = request.user
    grants = list(
        user.grants.select_related("role", "area", "granted_by").order_by(
            "revoked_at", "-granted_at"
        )
    )
    visible = [g for g in grants if accounts.can_grant_in(actor, g.area)]
    context = {
        "subject": user,
        "grants": visible,
        "hidden_grants": len(grants) - len(visible),
        "grant_form": grant_form or GrantForm(areas=accounts.grantable_areas(actor)),
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "is_self": user.pk == actor.pk,
    }
    return render(request, "core/user_detail.html", context, status=status)


@require_perm("core.grant_role")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _user_detail(request, _managed_user_or_404(request, pk))


@require_perm("core.grant_role")
@require_POST
def grant_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = _managed_user_or_404(request, pk)
    form = GrantForm(request.POST, areas=accounts.grantable_areas(actor))
    if form.is_valid():
        try:
            accounts.grant_create(
                actor=actor,
                user=user,
                role=form.cleaned_data["role"],
                area=form.cleaned_data["area"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("core:user_detail", pk=user.pk)
    elif form.has_error("area", "invalid_choice"):
        log_denied(request, "grant outside scope refused")
    return _user_detail(request, user, form, status=400)


@require_perm("core.grant_role")
@require_POST
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    grant = get_object_or_404(
        RoleGrant.objects.select_related("area", "user").filter(
            user__in=accounts.managed_users(actor)
        ),
        pk=pk,
    )
    try:
        accounts.grant_revoke(actor=actor, grant=grant)
    except ValidationError:
        # Visible-but-not-yours is answered like missing, as everywhere else.
        raise Http404 from None
    messages.success(
        request,
        _("Role revoked: %(role)s in %(area)s.")
        % {"role": _(grant.role.name), "area": grant.area.name},
    )
    return redirect("core:user_detail", pk=grant.user_id)
