"""Per-user API tokens: ``fk_<prefix>_<secret>``; only a SHA-256 digest is stored.

The secret is shown once, when created. Tokens can expire and be revoked; every refusal is a
security event.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import ApiToken, SecurityEvent


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, actor, name: str, expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``actor``; returns the row and the full token text (shown only now)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. the device or script using it.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name[:60], prefix=prefix, digest=_digest(secret), expires_at=expires_at
    )
    return token, f"fk_{prefix}_{secret}"


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens (administrators revoke through the user screen)."""
    if token.user_id != actor.pk and not actor.has_perm("core.grant_role"):
        raise ValidationError(_("This token is not yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str, *, ip: str | None = None, path: str = ""):
    """The active user owning token ``raw``, or None (and a security event) if refused."""
    try:
        scheme, prefix, secret = raw.split("_", 2)
    except (ValueError, AttributeError):
        scheme = prefix = secret = ""
    token = None
    if scheme == "fk" and prefix and secret:
        token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if (
        token is None
        or not hmac.compare_digest(token.digest, _digest(secret))
        or not token.is_active
        or not token.user.is_active
    ):
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.TOKEN_FAILED,
            ip=ip,
            path=path[:200],
            detail=f"prefix={prefix[:12]}",
        )
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
