"""Separation of duties (三员分立): grants that unmask or grant need a second person."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from fangkong.core import services_accounts as accounts
from fangkong.core.models import Role, RoleGrant, SecurityEvent
from fangkong.core.scoping import clear_scope_cache
from fangkong.core.sensitive import can_view_sensitive
from fangkong.core.testing import make_user


@pytest.fixture
def secadmin(world):
    return make_user("secadmin", "security_admin", world.district, full_name="安全员", demo=True)


@pytest.fixture
def newcomer(world, sysadmin):
    return accounts.user_create(
        actor=sysadmin,
        username="newcmd",
        full_name="新指挥长",
        password="Donghu-commander-2020",
        role=Role.objects.get(code="grid_worker"),
        area=world.grid,
    )


def _commander_grant(sysadmin, user, world):
    return accounts.grant_create(
        actor=sysadmin,
        user=user,
        role=Role.objects.get(code="district_commander"),
        area=world.district,
    )


def test_admin_made_commander_grant_is_not_effective_until_approved(
    world, sysadmin, secadmin, newcomer, person_in
):
    grant = _commander_grant(sysadmin, newcomer, world)
    assert grant.status == RoleGrant.Status.PENDING
    assert not newcomer.has_perm("core.view_sensitive")
    assert not can_view_sensitive(newcomer, person_in)
    assert SecurityEvent.objects.filter(kind="grant_requested", user=sysadmin).exists()

    accounts.grant_approve(actor=secadmin, grant=grant)
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)  # a fresh request
    assert newcomer.has_perm("core.view_sensitive")
    assert can_view_sensitive(newcomer, person_in)
    grant.refresh_from_db()
    assert grant.approved_by == secadmin and grant.approved_at
    assert SecurityEvent.objects.filter(kind="grant_approved", user=secadmin).exists()


def test_self_approval_is_refused(world, sysadmin, secadmin, commander):
    # The system admin requests a second commander grant for the security admin.
    grant = _commander_grant(sysadmin, secadmin, world)
    with pytest.raises(ValidationError) as exc:
        accounts.grant_approve(actor=secadmin, grant=grant)
    assert exc.value.code == "self_approval"
    clear_scope_cache(secadmin)
    assert not secadmin.has_perm("core.view_sensitive")
    # The commander, a second person, may.
    accounts.grant_approve(actor=commander, grant=grant)


def test_requester_approval_is_refused(world, commander, newcomer):
    # A requester who is also an approver: a security admin with grant_role.
    both = make_user("both", "security_admin", world.district, demo=True)
    RoleGrant.objects.create(
        user=both,
        role=Role.objects.get(code="system_admin"),
        area=world.district,
        status=RoleGrant.Status.APPROVED,
    )
    grant = _commander_grant(both, newcomer, world)
    with pytest.raises(ValidationError) as exc:
        accounts.grant_approve(actor=both, grant=grant)
    assert exc.value.code == "requester_approval"
    assert grant not in accounts.approvable_grants(both)
    assert grant in accounts.approvable_grants(commander)


def test_ordinary_roles_take_effect_at_once(newcomer):
    assert newcomer.has_perm("people.view_person")


def test_system_admin_sees_no_personal_data(sysadmin, person_in):
    for perm in ("people.view_person", "places.view_area", "places.view_household"):
        assert not sysadmin.has_perm(perm)
    assert not can_view_sensitive(sysadmin, person_in)


def test_security_event_roles_only_at_district_level(world, sysadmin, newcomer):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        accounts.grant_create(
            actor=sysadmin, user=newcomer, role=Role.objects.get(code="auditor"), area=world.town
        )
    assert "grant it at district level, not in 河坝镇" in exc.value.message_dict["area"][0]
    assert not RoleGrant.objects.filter(user=newcomer, role__code="auditor").exists()
    # The town-level access-log auditor is allowed.
    accounts.grant_create(
        actor=sysadmin,
        user=newcomer,
        role=Role.objects.get(code="access_auditor"),
        area=world.town,
    )


def test_approvals_page_and_grant_list(client, world, sysadmin, secadmin, newcomer):
    grant = _commander_grant(sysadmin, newcomer, world)
    client.force_login(sysadmin)
    detail = client.get(reverse("core:user_detail", args=[newcomer.pk])).content.decode()
    assert "waiting for approval" in detail or "待审批" in detail
    assert client.get(reverse("core:grant_approvals")).status_code == 403
    # The requester cannot approve through the page either.
    assert client.post(reverse("core:grant_approve", args=[grant.pk])).status_code == 403
    client.force_login(secadmin)
    page = client.get(reverse("core:grant_approvals"))
    assert page.status_code == 200 and "newcmd" in page.content.decode()
    assert client.post(reverse("core:grant_approve", args=[grant.pk])).status_code == 302
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.APPROVED


def test_refused_grant_stays_as_history(world, sysadmin, secadmin, newcomer):
    grant = _commander_grant(sysadmin, newcomer, world)
    accounts.grant_refuse(actor=secadmin, grant=grant)
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.REFUSED and grant.revoked_at
    assert not newcomer.has_perm("core.view_sensitive")
    assert SecurityEvent.objects.filter(kind="grant_refused").exists()
    # It may be requested again.
    assert _commander_grant(sysadmin, newcomer, world).status == RoleGrant.Status.PENDING
