"""Access log and security events: visible to auditors, filterable, exportable, never editable."""

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.core.models import AccessLog, SecurityEvent, User


@pytest.fixture
def entries(commander, grid_worker):
    user_type = ContentType.objects.get_for_model(User)
    old = AccessLog.objects.create(
        actor=grid_worker,
        action="view",
        subject_type=user_type,
        subject_id=1,
        subject_label="旧记录",
        fields="resident_id",
        reason="核对身份",
        at=timezone.now() - timedelta(days=10),
    )
    new = AccessLog.objects.create(
        actor=commander,
        action="export",
        subject_type=user_type,
        subject_id=2,
        subject_label="新记录",
        fields="mobile",
        reason="流调",
    )
    return old, new


def test_auditor_sees_access_log(client, readonly, entries):
    client.force_login(readonly)
    response = client.get(reverse("core:accesslog_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "旧记录" in content and "新记录" in content


def test_filters_by_actor_action_and_date(client, readonly, entries):
    client.force_login(readonly)
    url = reverse("core:accesslog_list")
    content = client.get(url, {"actor": "command"}).content.decode()
    assert "新记录" in content and "旧记录" not in content
    content = client.get(url, {"action": "view"}).content.decode()
    assert "旧记录" in content and "新记录" not in content
    since = (timezone.localdate() - timedelta(days=1)).isoformat()
    content = client.get(url, {"date_from": since}).content.decode()
    assert "新记录" in content and "旧记录" not in content


def test_export_is_the_filtered_list(client, readonly, entries):
    client.force_login(readonly)
    response = client.get(reverse("core:accesslog_list"), {"action": "export", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # header + the one matching entry
    assert "新记录" in rows[1]


def test_people_without_the_permission_are_refused_and_logged(client, grid_worker, sysadmin):
    client.force_login(grid_worker)
    assert client.get(reverse("core:accesslog_list")).status_code == 403
    assert client.get(reverse("core:securityevent_list")).status_code == 403
    assert SecurityEvent.objects.filter(kind="denied", user=grid_worker).count() == 2
    # Separation of duties: the system administrator reads neither log (the auditor does).
    client.force_login(sysadmin)
    assert client.get(reverse("core:accesslog_list")).status_code == 403
    assert client.get(reverse("core:securityevent_list")).status_code == 403


def test_security_events_list_and_filter(client, readonly, db):
    SecurityEvent.objects.create(kind="login_failed", username="mallory", ip="10.0.0.9")
    SecurityEvent.objects.create(kind="login", username="alice")
    client.force_login(readonly)
    url = reverse("core:securityevent_list")
    content = client.get(url, {"kind": "login_failed"}).content.decode()
    assert "mallory" in content and "alice" not in content
    response = client.get(url, {"username": "mall", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2


def test_logs_cannot_be_changed(client, readonly, entries):
    client.force_login(readonly)
    before = AccessLog.objects.count()
    response = client.post(reverse("core:accesslog_list"), {"action": "view"})
    assert response.status_code == 405  # a read-only screen

    assert AccessLog.objects.count() == before
    with pytest.raises(PermissionError):
        entries[0].delete()


def test_logs_are_read_only_in_the_admin(db):
    from django.contrib import admin
    from django.test import RequestFactory

    superuser = User.objects.create_superuser("root", password="Fk-test-pass-2020")
    request = RequestFactory().get("/")
    request.user = superuser
    for model in (AccessLog, SecurityEvent):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_admin_site_is_for_superusers_only(client, sysadmin):
    sysadmin.is_staff = True
    sysadmin.save()
    client.force_login(sysadmin)
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
@pytest.mark.parametrize("url", ["core:accesslog_list", "core:securityevent_list"])
def test_date_filters_keep_an_iso_date(client, readonly, db, language, url):
    # <input type=date> shows only YYYY-MM-DD: a localised 2026/01/05 left the box blank.
    client.force_login(readonly)
    page = client.get(
        reverse(url),
        {"date_from": "2026-01-05", "date_to": "2026-01-31"},
        HTTP_ACCEPT_LANGUAGE=language,
    ).content.decode()
    assert 'type="date"' in page
    assert 'value="2026-01-05"' in page and 'value="2026-01-31"' in page


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_date_filter_widgets_format_dates_as_iso(language):
    # A date value (an initial, a default range) is shown as the locale's 2026/01/05 by a plain
    # DateInput, which <input type=date> cannot show: the box looked empty.
    from datetime import date

    from django.utils import translation

    from fangkong.core.filtersets import AccessLogFilterSet, SecurityEventFilterSet

    for filterset in (AccessLogFilterSet, SecurityEventFilterSet):
        for name in ("date_from", "date_to"):
            widget = filterset.base_filters[name].field.widget
            with translation.override(language):
                html = widget.render(name, date(2026, 1, 5))
            assert 'type="date"' in html and 'value="2026-01-05"' in html, (filterset, html)
