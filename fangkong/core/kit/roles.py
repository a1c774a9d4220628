"""Role permissions declared in code reach every database, new or existing, once.

A module declares the permissions its default roles need in its own ``roles.py``::

    ROLE_PERMISSIONS = {"grid_worker": ["people.view_person", "people.add_person"], ...}

(the core role definitions in ``fangkong.core.roles.DEFAULT_ROLES`` count as declarations too).
``sync_roles`` — run after every ``migrate`` and by ``manage.py sync_roles`` — gives each
existing default role the declared permissions it was never given, and records each one in a
``RolePermissionSeed`` row. A declared permission that already has a seed row is left alone: if
an administrator removed it from the role, it stays removed. A new module, or a new permission
in a module, therefore reaches districts that were set up long before, exactly once.

Roles an administrator deleted, and permissions whose model is not migrated yet, are skipped
(the next sync after that migration adds them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.db import transaction
from django.utils.module_loading import module_has_submodule


@dataclass
class SyncResult:
    # role code -> permissions added now
    added: dict[str, list[str]] = field(default_factory=dict)
    # declared permissions that do not exist in the database (typo or model not migrated)
    unknown: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.added.values())


def declared_role_permissions() -> dict[str, set[str]]:
    """Role code -> permissions declared for it by core's role definitions and every installed
    app's ``roles.ROLE_PERMISSIONS``."""
    from fangkong.core.roles import DEFAULT_ROLES

    declared: dict[str, set[str]] = defaultdict(set)
    for spec in DEFAULT_ROLES:
        declared[spec["code"]].update(spec["perms"])
    for app in apps.get_app_configs():
        if not module_has_submodule(app.module, "roles"):
            continue
        module = import_module(f"{app.name}.roles")
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            declared[role].update(perms)
    return dict(declared)


@transaction.atomic
def sync_roles(*, declared: dict[str, set[str]] | None = None, dry_run: bool = False) -> SyncResult:
    """Give existing roles their declared permissions that were never seeded (see module doc)."""
    from django.contrib.auth.models import Permission

    from fangkong.core.models import Role, RolePermissionSeed

    declared = declared_role_permissions() if declared is None else declared
    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    result = SyncResult()
    result.unknown = sorted({p for ps in declared.values() for p in ps if p not in perms})
    roles = Role.objects.filter(code__in=declared).select_related("group")
    seeded = set(
        RolePermissionSeed.objects.filter(role__in=roles).values_list("role_id", "permission_id")
    )
    for role in roles:
        wanted = [perms[p] for p in sorted(declared[role.code]) if p in perms]
        new = [p for p in wanted if (role.pk, p.pk) not in seeded]
        if not new:
            continue
        held = set(role.group.permissions.values_list("pk", flat=True))
        added = [p for p in new if p.pk not in held]
        if added:
            result.added[role.code] = [f"{p.content_type.app_label}.{p.codename}" for p in added]
        if dry_run:
            continue
        role.group.permissions.add(*added)
        RolePermissionSeed.objects.bulk_create(
            [RolePermissionSeed(role=role, permission=p) for p in new], ignore_conflicts=True
        )
    return result
