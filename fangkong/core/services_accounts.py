"""Writes on users and role grants: creating accounts, granting and revoking roles.

Every function runs in one transaction and re-checks the actor's ``core.grant_role`` scope itself,
so that a forged form or API call cannot grant outside the granting administrator's areas.
"""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import Role, RoleGrant, User
from fangkong.core.scoping import area_prefix_q, clear_scope_cache, grant_paths
from fangkong.places.models import Area

log = logging.getLogger("fangkong.accounts")

GRANT_PERM = "core.grant_role"


def grantable_areas(actor) -> QuerySet[Area]:
    """Areas where ``actor`` may grant roles: at or below their own ``core.grant_role`` grants."""
    if getattr(actor, "is_superuser", False) and actor.is_active:
        return Area.objects.all()
    paths = grant_paths(actor, GRANT_PERM)
    if not paths:
        return Area.objects.none()
    return Area.objects.filter(area_prefix_q(paths))


def can_grant_in(actor, area: Area) -> bool:
    """Whether ``actor`` may grant or revoke roles in ``area`` (security check, not a filter)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return any(area.path.startswith(p) for p in grant_paths(actor, GRANT_PERM))


def managed_users(actor) -> QuerySet[User]:
    """Users an administrator may see and manage.

    Those holding an active grant inside the actor's grant scope; superusers also see users
    with no active grant at all (new or retired accounts), which nobody else can place.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    paths = grant_paths(actor, GRANT_PERM)
    if not paths:
        return User.objects.none()
    in_scope = RoleGrant.objects.active().filter(area_prefix_q(paths, "area__path"))
    return User.objects.filter(pk__in=in_scope.values("user_id"))


def _require_granting(actor, area: Area) -> None:
    if not can_grant_in(actor, area):
        raise ValidationError(
            {"area": _("You may only grant roles in areas within your own responsibility.")},
            code="out_of_scope",
        )


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    full_name: str,
    password: str,
    organisation: str = "",
    role: Role | None = None,
    area: Area | None = None,
) -> User:
    """Create an account, optionally with its first role grant, in one transaction.

    Non-superusers must give a role and an area within their scope: an account without a grant
    would be invisible to them and could only be managed by a superuser. The password is checked
    by Django's validators (minimum length 10 and the rest from settings).
    """
    username = (username or "").strip()
    if not actor.is_superuser and (role is None or area is None):
        raise ValidationError(
            {"role": _("Choose the new user's first role and area.")}, code="grant_required"
        )
    if area is not None:
        _require_granting(actor, area)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")}, code="unique")
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        organisation=(organisation or "").strip(),
    )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    log.info("user created: user_id=%s by actor_id=%s", user.pk, actor.pk)
    if role is not None and area is not None:
        grant_create(actor=actor, user=user, role=role, area=area)
    return user


@transaction.atomic
def grant_create(*, actor, user: User, role: Role, area: Area) -> RoleGrant:
    """Grant ``role`` in ``area`` to ``user``; refused outside the actor's grant scope.

    A non-superuser may not grant to themselves: holding ``core.grant_role`` must not be a way
    to give oneself the right to unmask personal data.
    """
    _require_granting(actor, area)
    if not actor.is_superuser and user.pk == actor.pk:
        raise ValidationError(
            {"role": _("You cannot grant roles to yourself; ask another administrator.")},
            code="self_grant",
        )
    if not user.is_active:
        raise ValidationError(_("This account is disabled."), code="inactive")
    if RoleGrant.objects.active().filter(user=user, role=role, area=area).exists():
        raise ValidationError(
            {
                "role": _("%(user)s already holds this role in %(area)s.")
                % {"user": user, "area": area.name}
            },
            code="duplicate",
        )
    grant = RoleGrant(user=user, role=role, area=area, granted_by=actor)
    grant._history_user = actor
    grant.save()
    clear_scope_cache(user)
    log.info(
        "role granted: grant_id=%s role=%s area_id=%s user_id=%s by actor_id=%s",
        grant.pk,
        role.code,
        area.pk,
        user.pk,
        actor.pk,
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    """End a grant by stamping ``revoked_at``; the row stays as history of who held what."""
    locked = RoleGrant.objects.select_for_update().select_related("area", "user").get(pk=grant.pk)
    _require_granting(actor, locked.area)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked._history_user = actor
        locked.save(update_fields=["revoked_at"])
        clear_scope_cache(locked.user)
        log.info(
            "role revoked: grant_id=%s user_id=%s by actor_id=%s",
            locked.pk,
            locked.user_id,
            actor.pk,
        )
    return locked
