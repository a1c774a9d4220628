"""The passage screen (htmx and plain POST), the lookup, the ledger, the roster, scope guards."""

import io

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.alerts.models import Alert
from fangkong.checkpoints.models import Passage
from fangkong.core.models import AccessLog
from fangkong.core.testing import make_id_number

REGISTER = "/checkpoints/register/"
LOOKUP = "/checkpoints/register/lookup/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def form(checkpoint, **extra):
    return {
        "checkpoint": checkpoint.pk,
        "kind": "person",
        "temperature": "36.6",
        "direction": "in",
        "origin": "长沙",
        **extra,
    }


def test_the_screen_shows_the_checkpoint_on_duty(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    response = client.get(REGISTER)
    assert response.status_code == 200
    assert checkpoint.name in response.content.decode()
    assert response["Cache-Control"].startswith("no-store")


def test_off_duty_the_screen_says_so(client, clerk, checkpoint):
    client.force_login(clerk)
    assert b"data-fk-off-duty" in client.get(REGISTER).content


def test_lookup_shows_only_name_masked_number_and_flag(client, clerk, on_duty, resident):
    client.force_login(clerk)
    response = client.post(LOOKUP, {"id_number": resident.id_number})
    body = response.content.decode()
    assert "张三" in body and resident.masked("id_number") in body
    assert resident.id_number not in body and "东湖村" not in body
    assert AccessLog.objects.filter(actor=clerk, reason="lookup: checkpoint passage").count() == 1


def test_lookup_says_which_digit_rule_failed(client, clerk, on_duty):
    client.force_login(clerk)
    number = make_id_number(seq=5)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert "check digit" in client.post(LOOKUP, {"id_number": wrong}).content.decode()


@override_settings(FANGKONG_PERSON_LOOKUP_LIMIT=2)
def test_lookups_are_rate_limited(client, clerk, on_duty, resident):
    client.force_login(clerk)
    for _ in range(2):
        assert "张三" in client.post(LOOKUP, {"id_number": resident.id_number}).content.decode()
    refused = client.post(LOOKUP, {"id_number": resident.id_number}).content.decode()
    assert "张三" not in refused and "most allowed" in refused


def test_htmx_registration_resets_the_form_with_the_last_passage_on_top(
    client, clerk, on_duty, checkpoint, resident
):
    client.force_login(clerk)
    client.post(LOOKUP, {"id_number": resident.id_number})
    response = client.post(
        REGISTER,
        form(
            checkpoint,
            id_number=resident.id_number,
            temperature="37.8",
            origin="武汉",
            direction="in",
        ),
        **HTMX,
    )
    body = response.content.decode()
    passage = Passage.objects.get()
    assert passage.person == resident and passage.name == "张三" and passage.fever
    assert f'data-fk-last-passage="{passage.pk}"' in body and "data-fk-fever" in body
    assert "data-fk-risk" in body
    # The form is empty again (only the checkpoint and the direction are kept).
    assert 'name="id_number" id="id_id_number"' in body and resident.id_number not in body
    assert 'value="37.8"' not in body
    # The lookup was counted once, not again for the registration.
    assert AccessLog.objects.filter(actor=clerk, reason="lookup: checkpoint passage").count() == 1
    assert set(Alert.objects.values_list("kind", flat=True)) == {"fever_checkpoint", "risk_arrival"}


def test_without_javascript_it_is_a_plain_post_and_redirect(
    client, clerk, on_duty, checkpoint, resident
):
    client.force_login(clerk)
    response = client.post(REGISTER, form(checkpoint, id_number=resident.id_number))
    assert response.status_code == 302
    assert Passage.objects.get().name == "张三"  # looked up on the way (no name typed)
    page = client.get(response["Location"]).content.decode()
    assert "data-fk-last-passage" in page


def test_an_unknown_number_without_a_name_asks_for_it(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    number = make_id_number(region="430902", seq=31)
    body = client.post(REGISTER, form(checkpoint, id_number=number), **HTMX).content.decode()
    assert "not in the registry" in body and not Passage.objects.exists()
    client.post(REGISTER, form(checkpoint, id_number=number, name="赵六"), **HTMX)
    assert Passage.objects.get().person.name == "赵六"


def test_errors_are_shown_and_nothing_is_written(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    body = client.post(
        REGISTER, form(checkpoint, name="赵六", temperature="44"), **HTMX
    ).content.decode()
    assert "34.0–43.0" in body and not Passage.objects.exists()


def test_the_screen_refuses_a_clerk_not_on_duty(client, clerk, checkpoint):
    client.force_login(clerk)
    body = client.post(REGISTER, form(checkpoint, name="赵六"), **HTMX).content.decode()
    assert "not on duty" in body and not Passage.objects.exists()


def test_a_checkpoint_outside_the_clerks_area_is_404(client, clerk, on_duty, other_checkpoint):
    client.force_login(clerk)
    response = client.post(REGISTER, form(other_checkpoint, name="赵六"))
    assert response.status_code == 404 and not Passage.objects.exists()


def test_users_without_the_permission_get_403(client, grid_worker, checkpoint):
    client.force_login(grid_worker)
    assert client.get(REGISTER).status_code == 403
    assert client.post(LOOKUP, {"id_number": make_id_number(seq=3)}).status_code == 403


@pytest.fixture
def day_of_passages(clerk, on_duty, checkpoint, resident):
    from fangkong.checkpoints import services

    services.passage_create(
        actor=clerk,
        data={
            "checkpoint": checkpoint,
            "name": "张三",
            "id_number": resident.id_number,
            "phone": "13907370002",
            "temperature": "36.4",
            "direction": "in",
            "origin": "长沙",
            "destination": "东湖村",
        },
    )
    services.passage_create(
        actor=clerk,
        data={
            "checkpoint": checkpoint,
            "name": "李司机",
            "kind": "vehicle",
            "plate": "湘H12345",
            "passengers": 2,
            "temperature": "37.5",
            "direction": "out",
            "origin": "河坝镇",
        },
    )
    return timezone.localdate()


def test_the_ledger_page_and_its_hourly_counts(client, clerk, checkpoint, day_of_passages):
    client.force_login(clerk)
    url = reverse("checkpoints:ledger", args=[checkpoint.pk])
    body = client.get(url, {"day": day_of_passages.isoformat()}).content.decode()
    assert "张三" in body and "湘H12345" in body and 'id="fk-hourly-data"' in body
    assert "13907370002" not in body


def test_the_ledger_exports_as_the_paper_form(client, clerk, checkpoint, day_of_passages, resident):
    client.force_login(clerk)
    url = reverse("checkpoints:ledger_export", args=[checkpoint.pk])
    with __import__("django").utils.translation.override("en"):
        response = client.get(url, {"day": day_of_passages.isoformat()})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert checkpoint.name in rows[0][0]
    header = rows[3]
    assert list(header[:4]) == ["No.", "Time", "Name", "ID number"]
    assert rows[4][2] == "张三" and rows[4][3] == resident.masked("id_number")
    assert rows[4][4] == "139****0002"
    assert rows[5][5] == "湘H12345" and "fever" in rows[5][10]
    assert any("signature" in str(c) for row in rows[-1:] for c in row if c)
    assert resident.id_number.encode() not in data


def test_outsiders_see_no_ledger_no_passage(client, world, checkpoint, day_of_passages):
    from fangkong.core.testing import make_user

    client.force_login(make_user("clerk3", "checkpoint_staff", world.other_town))
    passage = Passage.objects.first()
    assert client.get(reverse("checkpoints:ledger", args=[checkpoint.pk])).status_code == 404
    assert client.get(reverse("checkpoints:ledger_export", args=[checkpoint.pk])).status_code == 404
    assert client.get(reverse("checkpoints:passage_detail", args=[passage.pk])).status_code == 404


def test_a_clerk_of_another_town_sees_neither(client, world, checkpoint, day_of_passages):
    from fangkong.core.testing import make_user

    other = make_user("clerk2", "checkpoint_staff", world.other_town)
    client.force_login(other)
    assert client.get(reverse("checkpoints:ledger", args=[checkpoint.pk])).status_code == 404
    body = client.get(reverse("checkpoints:passage_list")).content.decode()
    assert "张三" not in body
    assert "张三" in _list_as(client, checkpoint, day_of_passages)


def _list_as(client, checkpoint, day):
    from fangkong.core.models import User

    client.force_login(User.objects.get(username="clerk"))
    return client.get(reverse("checkpoints:passage_list")).content.decode()


def test_home_shows_my_shift_and_today(client, clerk, on_duty, checkpoint, day_of_passages):
    client.force_login(clerk)
    body = client.get(reverse("checkpoints:home")).content.decode()
    assert f'data-fk-on-duty="{checkpoint.pk}"' in body


def test_the_roster_week_grid(client, office, clerk, checkpoint, on_duty):
    client.force_login(office)
    body = client.get(reverse("checkpoints:roster")).content.decode()
    assert checkpoint.name in body and "陈国平" in body


def test_login_lands_checkpoint_staff_on_their_shift(client, clerk, on_duty):
    response = client.post(reverse("login"), {"username": "clerk", "password": "Fk-test-pass-2020"})
    assert response.status_code == 302
    assert response["Location"] == reverse("checkpoints:home")


def test_unparsable_input_is_refused_not_dropped(client, clerk, on_duty, checkpoint):
    client.force_login(clerk)
    body = client.post(
        REGISTER,
        form(checkpoint, name="赵六", kind="vehicle", plate="湘H12345", passengers="abc"),
        **HTMX,
    ).content.decode()
    assert "is-invalid" in body and not Passage.objects.exists()
