"""Writes on users and role grants: creating accounts, granting, approving and revoking roles.

Every function runs in one transaction and re-checks the actor's scope itself, so that a forged
form or API call cannot grant outside the granting administrator's areas.

Separation of duties (三员分立, MLPS level 3): a grant of a role that can unmask personal data
(``core.view_sensitive``) or grant roles (``core.grant_role``) is created *pending* and takes
effect only when a second person approves it: someone holding ``core.approve_grant`` over the
grant's area (the security administrator or the district commander), never the requester and
never the grantee. Roles that read the security log (auditor, security and system
administrators) are granted only at district level.
"""

from __future__ import annotations

import logging

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import Role, RoleGrant, SecurityEvent, User
from fangkong.core.scoping import (
    areas_for,
    clear_scope_cache,
    covers,
    grant_paths,
    restrict,
)

log = logging.getLogger("fangkong.accounts")

GRANT_PERM = "core.grant_role"
APPROVE_PERM = "core.approve_grant"
# A role carrying any of these needs a second person's approval before it takes effect.
NEEDS_APPROVAL = frozenset({"core.view_sensitive", GRANT_PERM, APPROVE_PERM})
# A role carrying any of these reads or governs the whole system's security: district level only.
DISTRICT_ONLY = frozenset({"core.view_securityevent", APPROVE_PERM})


def grantable_areas(actor) -> QuerySet:
    """Areas where ``actor`` may grant roles: at or below their own ``core.grant_role`` grants."""
    return areas_for(actor, GRANT_PERM)


def can_grant_in(actor, area) -> bool:
    """Whether ``actor`` may grant or revoke roles in ``area`` (security check, not a filter)."""
    return covers(actor, GRANT_PERM, area)


def managed_users(actor) -> QuerySet[User]:
    """Users an administrator may see and manage.

    Those holding an active or pending grant inside the actor's grant scope; superusers also
    see users with no grant at all (new or retired accounts), which nobody else can place.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    if not grant_paths(actor, GRANT_PERM):
        return User.objects.none()
    held = RoleGrant.objects.filter(revoked_at__isnull=True)
    in_scope = restrict(held, actor, perm=GRANT_PERM)
    return User.objects.filter(pk__in=in_scope.values("user_id"))


def needs_approval(role: Role) -> bool:
    return bool(role.perm_names() & NEEDS_APPROVAL)


def _require_granting(actor, area) -> None:
    if not can_grant_in(actor, area):
        raise ValidationError(
            {"area": _("You may only grant roles in areas within your own responsibility.")},
            code="out_of_scope",
        )


def _security_event(kind: str, *, actor, grant: RoleGrant, detail: str) -> None:
    SecurityEvent.objects.create(
        kind=kind,
        user=actor if getattr(actor, "pk", None) else None,
        username=getattr(actor, "username", "") or "",
        detail=detail[:200],
    )


def _grant_detail(grant: RoleGrant) -> str:
    # Ids and codes only: the security log is read by auditors, not a place for names.
    return (
        f"grant #{grant.pk} role={grant.role.code} area={grant.area.code} "
        f"user={grant.user.username}"
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
    area=None,
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
def grant_create(*, actor, user: User, role: Role, area, seeding: bool = False) -> RoleGrant:
    """Grant ``role`` in ``area`` to ``user``; refused outside the actor's grant scope.

    A non-superuser may not grant to themselves: holding ``core.grant_role`` must not be a way
    to give oneself the right to unmask personal data. A role that can unmask or grant is
    created pending (see the module docstring) and logged as requested; others take effect now.
    ``seeding=True`` (the demo loader and tests only) approves at once with no second person.
    """
    if not seeding:
        _require_granting(actor, area)
    if actor is not None and not actor.is_superuser and user.pk == actor.pk:
        raise ValidationError(
            {"role": _("You cannot grant roles to yourself; ask another administrator.")},
            code="self_grant",
        )
    if not user.is_active:
        raise ValidationError(_("This account is disabled."), code="inactive")
    perms = role.perm_names()
    if perms & DISTRICT_ONLY and area.parent_id is not None:
        raise ValidationError(
            {
                "area": _(
                    "The role %(role)s reads or governs security for the whole system: grant "
                    "it at district level, not in %(area)s."
                )
                % {"role": role, "area": area.name}
            },
            code="district_only",
        )
    held = RoleGrant.objects.filter(user=user, role=role, area=area, revoked_at__isnull=True)
    if held.filter(status=RoleGrant.Status.APPROVED).exists():
        raise ValidationError(
            {
                "role": _("%(user)s already holds this role in %(area)s.")
                % {"user": user, "area": area.name}
            },
            code="duplicate",
        )
    if held.exists():
        raise ValidationError(
            {
                "role": _("%(user)s already awaits approval of this role in %(area)s.")
                % {"user": user, "area": area.name}
            },
            code="duplicate_pending",
        )
    pending = bool(perms & NEEDS_APPROVAL) and not seeding
    now = timezone.now()
    grant = RoleGrant(
        user=user,
        role=role,
        area=area,
        granted_by=actor,
        granted_at=now,
        status=RoleGrant.Status.PENDING if pending else RoleGrant.Status.APPROVED,
        approved_at=None if pending else now,
    )
    grant._history_user = actor
    grant.save()
    clear_scope_cache(user)
    if pending:
        _security_event(
            SecurityEvent.Kind.GRANT_REQUESTED,
            actor=actor,
            grant=grant,
            detail=_grant_detail(grant),
        )
    log.info(
        "role %s: grant_id=%s role=%s area_id=%s user_id=%s by actor_id=%s",
        "requested" if pending else "granted",
        grant.pk,
        role.code,
        area.pk,
        user.pk,
        getattr(actor, "pk", None),
    )
    return grant


def approvable_grants(actor) -> QuerySet[RoleGrant]:
    """Pending grants ``actor`` may decide: in their ``core.approve_grant`` areas, neither
    requested by them nor for them."""
    pending = RoleGrant.objects.pending().select_related("user", "role", "area", "granted_by")
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return pending.none()
    return (
        restrict(pending, actor, perm=APPROVE_PERM)
        .exclude(user=actor)
        .exclude(granted_by=actor)
        .order_by("granted_at")
    )


def _lock_pending(actor, grant: RoleGrant) -> RoleGrant:
    # Lock the grant row only: PostgreSQL refuses FOR UPDATE across the nullable join to
    # granted_by.
    locked = (
        RoleGrant.objects.select_for_update(of=("self",))
        .select_related("user", "role", "area", "granted_by")
        .get(pk=grant.pk)
    )
    if not covers(actor, APPROVE_PERM, locked):
        raise ValidationError(
            _("You may not approve role grants in this area."), code="not_approver"
        )
    if locked.user_id == actor.pk:
        raise ValidationError(
            _("Nobody may approve a role grant for themselves."), code="self_approval"
        )
    if locked.granted_by_id == actor.pk:
        raise ValidationError(
            _("The person who requested a role grant may not approve it; ask another approver."),
            code="requester_approval",
        )
    if locked.status != RoleGrant.Status.PENDING or locked.revoked_at is not None:
        raise ValidationError(
            _("This role grant is no longer waiting for approval."), code="not_pending"
        )
    return locked


@transaction.atomic
def grant_approve(*, actor, grant: RoleGrant) -> RoleGrant:
    """Put a pending grant into effect: a second person, never the requester or the grantee."""
    locked = _lock_pending(actor, grant)
    locked.status = RoleGrant.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked._history_user = actor
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    clear_scope_cache(locked.user)
    _security_event(
        SecurityEvent.Kind.GRANT_APPROVED, actor=actor, grant=locked, detail=_grant_detail(locked)
    )
    log.info("role grant approved: grant_id=%s by actor_id=%s", locked.pk, actor.pk)
    return locked


@transaction.atomic
def grant_refuse(*, actor, grant: RoleGrant) -> RoleGrant:
    """Refuse a pending grant; it stays as history (ended), and may be requested again."""
    locked = _lock_pending(actor, grant)
    now = timezone.now()
    locked.status = RoleGrant.Status.REFUSED
    locked.approved_by = actor
    locked.approved_at = now
    locked.revoked_at = now
    locked._history_user = actor
    locked.save(update_fields=["status", "approved_by", "approved_at", "revoked_at"])
    _security_event(
        SecurityEvent.Kind.GRANT_REFUSED, actor=actor, grant=locked, detail=_grant_detail(locked)
    )
    log.info("role grant refused: grant_id=%s by actor_id=%s", locked.pk, actor.pk)
    return locked


@transaction.atomic
def grant_revoke(*, actor, grant: RoleGrant) -> RoleGrant:
    """End a grant (or withdraw a pending request) by stamping ``revoked_at``; the row stays as
    history of who held what."""
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
