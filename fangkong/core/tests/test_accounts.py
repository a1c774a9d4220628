"""Login, lockout, two-factor login, password change and the user's own API tokens."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fangkong.core.models import ApiToken, SecurityEvent
from fangkong.core.testing import make_user
from fangkong.core.tokens import token_authenticate

PASSWORD = "Fk-test-pass-2020"


@pytest.fixture
def strict_commander(world):
    """A district commander who is not a demo user: two-factor login applies."""
    return make_user("strictcmd", "district_commander", world.district, full_name="严指挥")


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    device.refresh_from_db()
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset,
    )
    return f"{value:06d}"


# --------------------------------------------------------------------------- login


def test_login_page_renders_for_phones(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="viewport"' in response.content
    assert b'name="username"' in response.content


def test_login_and_logout(client, grid_worker):
    response = client.post(reverse("login"), {"username": "gridworker", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert SecurityEvent.objects.filter(kind="login", user=grid_worker).exists()

    client.post(reverse("logout"))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wrong_password_is_refused_and_logged(client, grid_worker):
    response = client.post(reverse("login"), {"username": "gridworker", "password": "nope"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="login_failed", username="gridworker").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_login(client, grid_worker):
    for _ in range(3):
        client.post(reverse("login"), {"username": "gridworker", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "gridworker", "password": PASSWORD})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert SecurityEvent.objects.filter(kind="locked_out").exists()
    assert client.get(reverse("home")).status_code == 302  # still not logged in


def test_password_change_validates_and_changes(client, grid_worker):
    client.force_login(grid_worker)
    url = reverse("password_change")
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Lake-Datong-2020x",
            "new_password2": "Lake-Datong-2020x",
        },
    )
    assert response.status_code == 302
    grid_worker.refresh_from_db()
    assert grid_worker.check_password("Lake-Datong-2020x")


# --------------------------------------------------------------------------- two-factor


def test_demo_commander_is_waived(client, commander):
    client.force_login(commander)
    assert client.get(reverse("home")).status_code == 200


def test_strict_commander_sets_up_totp_then_reaches_home(client, strict_commander):
    client.force_login(strict_commander)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("otp_verify")

    page = client.get(reverse("otp_verify"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content  # QR drawn inline, no outside service
    assert "data-secret" in content
    device = TOTPDevice.objects.get(user=strict_commander)
    assert not device.confirmed

    response = client.post(reverse("otp_verify"), {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_strict_commander_with_device_enters_code(client, strict_commander):
    device = TOTPDevice.objects.create(user=strict_commander, name="phone", confirmed=True)
    client.force_login(strict_commander)
    page = client.get(reverse("otp_verify"))
    assert "data-secret" not in page.content.decode()  # the secret is never shown again
    response = client.post(
        reverse("otp_verify") + "?next=/account/", {"code": code_for(device), "next": "/account/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_wrong_code_is_refused_and_logged(client, strict_commander):
    device = TOTPDevice.objects.create(user=strict_commander, name="phone", confirmed=True)
    client.force_login(strict_commander)
    right = code_for(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("otp_verify"), {"code": wrong})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert SecurityEvent.objects.filter(kind="otp_failed", user=strict_commander).count() == 1
    assert client.get(reverse("home")).status_code == 302


def test_next_cannot_leave_the_site(client, strict_commander):
    device = TOTPDevice.objects.create(user=strict_commander, name="phone", confirmed=True)
    client.force_login(strict_commander)
    response = client.post(
        reverse("otp_verify"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_password_change_needs_second_factor_first(client, strict_commander):
    client.force_login(strict_commander)
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("otp_verify")


# --------------------------------------------------------------------------- account, tokens


def test_account_shows_roles(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("core:account"))
    assert response.status_code == 200
    assert "东湖村一组" in response.content.decode()


def test_token_shown_once_then_listed_and_revocable(client, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("core:token_create"), {"name": "巡查平板", "expires_in": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.context["text"]
    assert text.startswith("fk_") and text in response.content.decode()
    assert token_authenticate(text) == grid_worker

    account = client.get(reverse("core:account")).content.decode()
    token = ApiToken.objects.get(user=grid_worker)
    assert token.prefix in account and text not in account

    response = client.post(reverse("core:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert token_authenticate(text) is None


def test_token_needs_a_name_and_post(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("core:token_create")).status_code == 405
    response = client.post(reverse("core:token_create"), {"name": "", "expires_in": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client, grid_worker, outsider):
    from fangkong.core.tokens import token_create

    token, _text = token_create(actor=outsider, name="theirs")
    client.force_login(grid_worker)
    assert client.post(reverse("core:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
