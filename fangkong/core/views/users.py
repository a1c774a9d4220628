"""Users and role grants, for those who may grant roles."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core import services_accounts as accounts
from fangkong.core.forms import (
    GrantForm,
    UserCreateForm,
    UserSearchForm,
)
from fangkong.core.models import RoleGrant
from fangkong.core.signals import log_denied
from fangkong.core.views.common import (
    _page,
    require_perm,
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
                # In effect and waiting for approval: the list shows both, pending marked.
                queryset=RoleGrant.objects.filter(revoked_at__isnull=True).select_related(
                    "role", "area"
                ),
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
        user.grants.select_related("role", "area", "granted_by", "approved_by").order_by(
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
            grant = accounts.grant_create(
                actor=actor,
                user=user,
                role=form.cleaned_data["role"],
                area=form.cleaned_data["area"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if grant.status == RoleGrant.Status.PENDING:
                messages.info(
                    request,
                    _(
                        "Role requested: it takes effect when a security administrator or the "
                        "commander approves it."
                    ),
                )
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


# --------------------------------------------------------------------------- approvals


@require_perm("core.approve_grant")
@require_safe
def grant_approvals(request: HttpRequest) -> HttpResponse:
    """Grants waiting for this approver: in their areas, neither requested by nor for them."""
    pending = accounts.approvable_grants(request.user)
    return render(request, "core/grant_approvals.html", {"page": _page(request, pending)})


def _decide(request: HttpRequest, pk: int, decide, done: str) -> HttpResponse:
    grant = get_object_or_404(RoleGrant.objects.pending(), pk=pk)
    try:
        decide(actor=request.user, grant=grant)
    except ValidationError as exc:
        log_denied(request, f"grant #{grant.pk} decision refused: {exc.messages[0]}")
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            done % {"role": _(grant.role.name), "area": grant.area.name, "user": grant.user},
        )
    return redirect("core:grant_approvals")


@require_perm("core.approve_grant")
@require_POST
def grant_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, accounts.grant_approve, _("Approved: %(role)s in %(area)s for %(user)s.")
    )


@require_perm("core.approve_grant")
@require_POST
def grant_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(
        request, pk, accounts.grant_refuse, _("Refused: %(role)s in %(area)s for %(user)s.")
    )
