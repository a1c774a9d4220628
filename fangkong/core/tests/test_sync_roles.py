"""Declared role permissions reach existing databases once; an administrator's removal stands."""

from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from fangkong.core.kit.roles import declared_role_permissions, sync_roles
from fangkong.core.models import Role, RolePermissionSeed

pytestmark = pytest.mark.django_db


def _perm(name: str) -> Permission:
    app, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app, codename=codename)


def _declared_plus(role: str, perm: str) -> dict[str, set[str]]:
    declared = declared_role_permissions()
    declared[role] = declared[role] | {perm}
    return declared


def test_migrate_seeds_every_declared_permission():
    """After migrate (the test database is migrated) every role holds what code declares."""
    for code, perms in declared_role_permissions().items():
        role = Role.objects.get(code=code)
        assert perms <= role.perm_names(), code
        assert RolePermissionSeed.objects.filter(role=role).count() == len(perms)


def test_modules_declare_their_own_permissions():
    declared = declared_role_permissions()
    assert {"people.view_person", "places.add_household"} <= declared["grid_worker"]


def test_a_permission_an_administrator_removed_is_not_restored():
    role = Role.objects.get(code="grid_worker")
    role.group.permissions.remove(_perm("people.change_person"))
    result = sync_roles()
    assert "people.change_person" not in role.perm_names()
    assert result.total == 0
    call_command("migrate", verbosity=0)  # post_migrate runs the sync again
    assert "people.change_person" not in Role.objects.get(code="grid_worker").perm_names()


def test_a_newly_declared_permission_is_added_to_existing_roles_once():
    role = Role.objects.get(code="grid_worker")
    assert "people.delete_tag" not in role.perm_names()
    declared = _declared_plus("grid_worker", "people.delete_tag")
    result = sync_roles(declared=declared)
    assert result.added == {"grid_worker": ["people.delete_tag"]}
    assert "people.delete_tag" in role.perm_names()
    # The administrator takes it away again: the next sync leaves it away.
    role.group.permissions.remove(_perm("people.delete_tag"))
    assert sync_roles(declared=declared).total == 0
    assert "people.delete_tag" not in role.perm_names()
    # Other roles were not touched.
    assert "people.delete_tag" not in Role.objects.get(code="town_officer").perm_names()


def test_permission_already_held_is_recorded_without_change():
    role = Role.objects.get(code="auditor")
    role.group.permissions.add(_perm("people.view_tag"))
    result = sync_roles(declared=_declared_plus("auditor", "people.view_tag"))
    assert result.total == 0
    assert RolePermissionSeed.objects.filter(
        role=role, permission=_perm("people.view_tag")
    ).exists()


def test_deleted_roles_and_unknown_permissions_are_skipped():
    declared = {"no_such_role": {"people.view_person"}, "grid_worker": {"people.fly_person"}}
    result = sync_roles(declared=declared)
    assert result.total == 0 and result.unknown == ["people.fly_person"]


def test_command_dry_run_changes_nothing(monkeypatch):
    from fangkong.core.kit import roles as kit_roles

    declared = _declared_plus("grid_worker", "people.delete_tag")
    monkeypatch.setattr(kit_roles, "declared_role_permissions", lambda: declared)
    out = StringIO()
    call_command("sync_roles", "--dry-run", stdout=out)
    assert "grid_worker: would add people.delete_tag" in out.getvalue()
    assert "people.delete_tag" not in Role.objects.get(code="grid_worker").perm_names()
    call_command("sync_roles", stdout=out)
    assert "people.delete_tag" in Role.objects.get(code="grid_worker").perm_names()
