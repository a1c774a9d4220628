"""Permissions come from role grants: a user has a permission if any active (approved, not
revoked) grant's role has it; a grant waiting for approval gives nothing.

Where the permission applies is decided separately, per record, by ``restrict()``.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleGrantBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        from fangkong.core.models import RoleGrant

        return Permission.objects.filter(
            group__role__grants__in=RoleGrant.objects.active().filter(user=user_obj)
        )
