"""Users and role grants: an administrator manages only users and areas within their own scope."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.core import services_accounts as accounts
from fangkong.core.models import Role, RoleGrant, SecurityEvent, User
from fangkong.core.testing import make_user


@pytest.fixture
def town_admin(world):
    """System administrator for 河坝镇 only (demo, so tests skip the second factor)."""
    return make_user("townadmin", "system_admin", world.town, full_name="镇管理员", demo=True)


@pytest.fixture
def grid_role(db):
    return Role.objects.get(code="grid_worker")


def new_user_data(area, role, **extra):
    return {
        "username": "newcadre",
        "full_name": "新干部",
        "organisation": "东湖村委",
        "password1": "Donghu-cadre-2020",
        "password2": "Donghu-cadre-2020",
        "role": role.pk,
        "area": area.pk,
        **extra,
    }


def test_users_without_grant_role_are_refused(client, grid_worker, readonly):
    for user in (grid_worker, readonly):
        client.force_login(user)
        assert client.get(reverse("core:user_list")).status_code == 403
        assert client.get(reverse("core:user_create")).status_code == 403


def test_list_shows_only_users_in_scope(client, town_admin, grid_worker, outsider):
    client.force_login(town_admin)
    response = client.get(reverse("core:user_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "gridworker" in content and "outsider" not in content
    assert (
        client.get(reverse("core:user_list"), {"q": "王网"}).content.decode().count("gridworker")
        >= 1
    )


def test_detail_of_user_outside_scope_is_404(client, town_admin, outsider, grid_worker):
    client.force_login(town_admin)
    assert client.get(reverse("core:user_detail", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("core:user_detail", args=[grid_worker.pk])).status_code == 200


def test_area_choices_are_within_scope(client, town_admin, grid_worker, world):
    client.force_login(town_admin)
    form = client.get(reverse("core:user_detail", args=[grid_worker.pk])).context["grant_form"]
    names = {area.name for area in form.fields["area"].queryset}
    assert names == {"河坝镇", "东湖村", "东湖村一组", "东湖村二组"}


def test_grant_in_scope_is_written(client, town_admin, grid_worker, grid_role, world):
    client.force_login(town_admin)
    response = client.post(
        reverse("core:grant_create", args=[grid_worker.pk]),
        {"role": grid_role.pk, "area": world.grid2.pk},
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(user=grid_worker, area=world.grid2)
    assert grant.granted_by == town_admin
    assert grant.history.count() == 1


def test_forged_area_outside_scope_is_refused(client, town_admin, grid_worker, grid_role, world):
    client.force_login(town_admin)
    before = RoleGrant.objects.count()
    response = client.post(
        reverse("core:grant_create", args=[grid_worker.pk]),
        {"role": grid_role.pk, "area": world.other_grid.pk},
    )
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()
    assert RoleGrant.objects.count() == before
    assert SecurityEvent.objects.filter(kind="denied", user=town_admin).exists()


def test_service_rechecks_scope(town_admin, grid_worker, grid_role, world):
    with pytest.raises(ValidationError) as exc:
        accounts.grant_create(
            actor=town_admin, user=grid_worker, role=grid_role, area=world.other_grid
        )
    assert "area" in exc.value.message_dict
    assert not RoleGrant.objects.filter(area=world.other_grid, user=grid_worker).exists()


def test_no_self_grant(client, town_admin, world):
    commander_role = Role.objects.get(code="district_commander")
    client.force_login(town_admin)
    response = client.post(
        reverse("core:grant_create", args=[town_admin.pk]),
        {"role": commander_role.pk, "area": world.town.pk},
    )
    assert response.status_code == 400
    assert not RoleGrant.objects.filter(user=town_admin, role=commander_role).exists()


def test_duplicate_grant_is_a_clear_error(client, town_admin, grid_worker, grid_role, world):
    client.force_login(town_admin)
    response = client.post(
        reverse("core:grant_create", args=[grid_worker.pk]),
        {"role": grid_role.pk, "area": world.grid.pk},
    )
    assert response.status_code == 400
    assert "已在" in response.content.decode() and "拥有该角色" in response.content.decode()


def test_revoke_keeps_history_and_removes_access(client, town_admin, grid_worker):
    grant = grid_worker.grants.get()
    client.force_login(town_admin)
    response = client.post(reverse("core:grant_revoke", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    fresh = User.objects.get(pk=grid_worker.pk)
    assert not fresh.has_perm("people.view_person")


def test_revoke_outside_scope_is_404(client, town_admin, outsider):
    grant = outsider.grants.get()
    client.force_login(town_admin)
    assert client.post(reverse("core:grant_revoke", args=[grant.pk])).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_revoke_needs_post(client, town_admin, grid_worker):
    client.force_login(town_admin)
    grant = grid_worker.grants.get()
    assert client.get(reverse("core:grant_revoke", args=[grant.pk])).status_code == 405


def test_create_user_with_first_grant(client, town_admin, grid_role, world):
    client.force_login(town_admin)
    response = client.post(reverse("core:user_create"), new_user_data(world.grid2, grid_role))
    assert response.status_code == 302
    user = User.objects.get(username="newcadre")
    assert user.check_password("Donghu-cadre-2020")
    assert user.grants.get().area == world.grid2
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("password", ["short1", "1234567890123", "password1234"])
def test_weak_password_is_refused(client, town_admin, grid_role, world, password):
    client.force_login(town_admin)
    response = client.post(
        reverse("core:user_create"),
        new_user_data(world.grid2, grid_role, password1=password, password2=password),
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not User.objects.filter(username="newcadre").exists()


def test_create_user_outside_scope_writes_nothing(client, town_admin, grid_role, world):
    client.force_login(town_admin)
    response = client.post(reverse("core:user_create"), new_user_data(world.other_grid, grid_role))
    assert response.status_code == 200
    assert not User.objects.filter(username="newcadre").exists()


def test_non_superuser_must_give_a_first_grant(client, town_admin, world):
    client.force_login(town_admin)
    data = new_user_data(world.grid2, Role.objects.first())
    data.update(role="", area="")
    client.post(reverse("core:user_create"), data)
    assert not User.objects.filter(username="newcadre").exists()


def test_duplicate_username_is_refused(client, town_admin, grid_worker, grid_role, world):
    client.force_login(town_admin)
    response = client.post(
        reverse("core:user_create"), new_user_data(world.grid2, grid_role, username="GridWorker")
    )
    assert response.status_code == 200
    assert "该用户名已被使用" in response.content.decode()
    assert User.objects.filter(username__iexact="gridworker").count() == 1


def test_superuser_sees_users_without_grants(client, db):
    # A demo superuser: the demo switch waives the second factor superusers otherwise owe.
    root = User.objects.create_superuser("root", password="Fk-test-pass-2020", demo=True)
    make_user("loner")
    client.force_login(root)
    content = client.get(reverse("core:user_list")).content.decode()
    assert "loner" in content
