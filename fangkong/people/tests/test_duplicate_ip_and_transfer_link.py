"""Duplicate-ID hits from the pages and the API are logged with the client's address; the
"registered elsewhere" answer on the register page links a transfer request; the transfer pages
are reachable from the menu and the person list."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.models import AccessLog
from fangkong.people.services import DUPLICATE_CHECK_REASON

IP = "10.20.30.40"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _hits():
    return AccessLog.objects.filter(reason=DUPLICATE_CHECK_REASON)


def _create_page(client, world, person_in, **extra):
    body = {"name": "重复", "id_number": person_in.id_number, "area": world.other_grid.pk}
    body.update(extra)
    return client.post(
        reverse("people:person_create"), body, REMOTE_ADDR=IP, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_register_page_logs_the_ip_and_links_a_transfer(client, outsider, world, person_in):
    client.force_login(outsider)
    page = _create_page(client, world, person_in)
    assert page.status_code == 400
    html = page.content.decode()
    assert "registered elsewhere" in html
    assert "data-fk-transfer-hint" in html
    assert f'href="{reverse("people:transfer_new")}"' in html
    assert list(_hits().values_list("ip", flat=True)) == [IP]


def test_transfer_link_also_with_other_field_errors(client, outsider, world, person_in):
    # The form is invalid (no name): the ID clash comes from the kit's check_all.
    client.force_login(outsider)
    page = _create_page(client, world, person_in, name="")
    assert page.status_code == 400
    assert "data-fk-transfer-hint" in page.content.decode()
    assert list(_hits().values_list("ip", flat=True)) == [IP]


def test_an_in_scope_clash_gets_no_transfer_link(client, grid_worker, world, person_in):
    client.force_login(grid_worker)
    body = {"name": "重复", "id_number": person_in.id_number, "area": world.grid.pk}
    page = client.post(reverse("people:person_create"), body, REMOTE_ADDR=IP)
    assert page.status_code == 400
    assert "data-fk-transfer-hint" not in page.content.decode()


def test_edit_page_logs_the_ip(client, commander, world, person_in, person_out):
    client.force_login(commander)
    url = reverse("people:person_edit", args=[person_out.pk])
    form = client.get(url).context["form"]
    body = {k: v for k, v in form.initial.items() if v is not None}
    body.update(
        {"id_number": person_in.id_number, "version": person_out.version, "area": body["area"]}
    )
    body.pop("tags", None)
    page = client.post(url, body, REMOTE_ADDR=IP)
    assert page.status_code == 400
    assert IP in _hits().values_list("ip", flat=True)


def test_api_create_and_update_log_the_ip(client, outsider, commander, world, person_in):
    client.force_login(outsider)
    body = {"name": "某人", "id_number": person_in.id_number, "area_id": world.other_grid.pk}
    response = client.post(
        "/api/v1/persons", json.dumps(body), content_type="application/json", REMOTE_ADDR=IP
    )
    assert response.status_code == 422
    assert list(_hits().values_list("ip", flat=True)) == [IP]

    mine = client.post(
        "/api/v1/persons",
        json.dumps({"name": "本人", "area_id": world.other_grid.pk}),
        content_type="application/json",
    ).json()
    response = client.patch(
        f"/api/v1/persons/{mine['id']}",
        json.dumps({"version": mine["version"], "id_number": person_in.id_number}),
        content_type="application/json",
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 422
    assert "10.9.9.9" in _hits().values_list("ip", flat=True)


def test_transfer_pages_are_linked_from_the_menu_and_the_list(client, grid_worker):
    client.force_login(grid_worker)
    url = reverse("people:transfer_list")
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    assert f'href="{url}"' in client.get(reverse("people:person_list")).content.decode()
