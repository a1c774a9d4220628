"""The access log for auditors: scoped by the subject's area, searchable by whose record
without full numbers, masked numbers, links only where the auditor may look, capped paging."""

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.models import AccessLog, RoleGrant
from fangkong.core.testing import make_user
from fangkong.people.services import person_delete, person_reveal


@pytest.fixture
def town_auditor(world):
    return make_user("townaudit", "access_auditor", world.town, full_name="镇审计员")


@pytest.fixture
def revealed(commander, person_in, person_out):
    person_reveal(actor=commander, person=person_in, reason="流调核对")
    person_reveal(actor=commander, person=person_out, reason="流调核对")
    return person_in, person_out


def test_log_rows_keep_the_subjects_area(revealed, world):
    person_in, person_out = revealed
    areas = dict(AccessLog.objects.values_list("subject_id", "subject_area_id"))
    assert areas == {person_in.pk: world.grid.pk, person_out.pk: world.other_grid.pk}


def test_a_town_auditor_sees_only_their_towns_rows(client, town_auditor, revealed, readonly):
    client.force_login(town_auditor)
    content = client.get(reverse("core:accesslog_list")).content.decode()
    assert "张三" in content and "李四" not in content
    export = client.get(reverse("core:accesslog_list"), {"export": "xlsx"})
    assert export.status_code == 200
    # The district auditor sees both.
    client.force_login(readonly)
    content = client.get(reverse("core:accesslog_list")).content.decode()
    assert "张三" in content and "李四" in content


def test_search_by_name_or_last_four_never_a_full_number(client, readonly, revealed):
    person_in, person_out = revealed
    client.force_login(readonly)
    url = reverse("core:accesslog_list")
    content = client.get(url, {"subject": "李"}).content.decode()
    assert "李四" in content and "张三" not in content
    content = client.get(url, {"subject": person_in.id_number[-4:]}).content.decode()
    assert "张三" in content and "李四" not in content
    with translation.override("en"):
        response = client.get(url, {"subject": person_in.id_number}, HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert "张三" not in content and "李四" not in content
    assert response.context["filter"].form.errors["subject"]


def test_rows_show_masked_id_area_and_field_names(client, readonly, revealed, world):
    person_in, _ = revealed
    client.force_login(readonly)
    with translation.override("en"):
        response = client.get(reverse("core:accesslog_list"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert person_in.masked("id_number") in content
    assert person_in.id_number not in content
    assert world.grid.name in content
    assert "resident ID number" in content and "id_number" not in content


def test_link_only_when_the_auditor_may_view_the_record(
    client, readonly, revealed, world, commander
):
    person_in, _ = revealed
    detail = reverse("people:person_detail", args=[person_in.pk])
    client.force_login(readonly)  # an auditor without people.view_person: plain text
    assert f'href="{detail}"' not in client.get(reverse("core:accesslog_list")).content.decode()
    both = make_user("auditor_cmd", "auditor", world.district, demo=True)
    RoleGrant.objects.create(
        user=both,
        role=RoleGrant._meta.get_field("role").related_model.objects.get(code="town_officer"),
        area=world.town,
        status=RoleGrant.Status.APPROVED,
    )
    client.force_login(both)
    content = client.get(reverse("core:accesslog_list")).content.decode()
    assert f'href="{detail}"' in content
    # The record goes; its link now answers the normal 404 page.
    person_delete(actor=commander, person=person_in, reason="重复登记")
    gone = client.get(detail)
    assert gone.status_code == 404
    assert "404.html" in [t.name for t in gone.templates]


def test_paging_counts_stop_at_the_cap(client, readonly, revealed, monkeypatch):
    from fangkong.core.views import logs

    monkeypatch.setattr(logs, "LOG_COUNT_CAP", 1)
    client.force_login(readonly)
    with translation.override("en"):
        response = client.get(reverse("core:accesslog_list"), HTTP_ACCEPT_LANGUAGE="en")
    page = response.context["page"]
    assert page.paginator.count == 1 and page.paginator.count_capped
    assert "More than 1 records" in response.content.decode()
