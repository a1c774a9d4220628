"""Permissions come from role grants: a user has a permission if any active grant's role has it.

Where the permission applies is decided separately, per record, by ``restrict()``.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class RoleGrantBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(
            group__role__grants__user=user_obj, group__role__grants__revoked_at__isnull=True
        )
