"""Two-factor login (TOTP) for roles that can unmask personal data or grant roles (MLPS 3)."""

from django.conf import settings

from fangkong.core.models import Role


def requires_2fa(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.demo and settings.FANGKONG_DEMO_WAIVE_2FA:
        return False
    if user.is_superuser:
        return True
    return any(
        role.requires_2fa
        for role in Role.objects.filter(
            grants__user=user, grants__revoked_at__isnull=True
        ).prefetch_related("group__permissions__content_type")
    )
