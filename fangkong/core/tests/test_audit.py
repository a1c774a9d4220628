"""Audit: who changed what is kept; deletion is soft with a reason; logs cannot be edited."""

import pytest
from django.contrib.contenttypes.models import ContentType

from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.people.models import Person
from fangkong.people.services import person_delete, person_reveal, person_update


def test_update_records_history_with_actor_and_change(person_in, grid_worker):
    person_update(
        actor=grid_worker,
        person=person_in,
        expected_version=1,
        data={"current_address": "东湖村一组2号"},
    )
    latest, first = person_in.history.order_by("-history_id")[:2]
    assert latest.history_user == grid_worker and latest.history_type == "~"
    assert first.history_type == "+"
    delta = latest.diff_against(first)
    assert [c.field for c in delta.changes if c.field != "version"] == ["current_address"]
    assert next(c for c in delta.changes if c.field == "current_address").new == "东湖村一组2号"
    assert Person.objects.get(pk=person_in.pk).version == 2


def test_soft_delete_hides_but_keeps_with_reason(person_in, commander):
    person_delete(actor=commander, person=person_in, reason="迁出本区")
    assert not Person.objects.filter(pk=person_in.pk).exists()
    kept = Person.all_objects.get(pk=person_in.pk)
    assert kept.deleted_at is not None and kept.deleted_reason == "迁出本区"
    assert kept.id_number == person_in.id_number  # nothing lost until the retention purge
    last = kept.history.order_by("-history_id").first()
    assert last.history_user == commander and last.history_change_reason == "迁出本区"


def test_soft_delete_needs_a_reason(person_in, commander):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        person_delete(actor=commander, person=person_in, reason="  ")
    assert Person.objects.filter(pk=person_in.pk).exists()


@pytest.fixture
def log_rows(person_in, commander):
    person_reveal(actor=commander, person=person_in, reason="核查密接")
    access = AccessLog.objects.get()
    event = SecurityEvent.objects.create(kind="denied", username="x", detail="越权")
    return access, event


def test_reveal_is_written_to_the_access_log(log_rows, person_in, commander):
    access, _ = log_rows
    assert (access.actor, access.subject_id, access.reason) == (commander, person_in.pk, "核查密接")
    assert access.subject_type == ContentType.objects.get_for_model(Person)


def test_log_rows_cannot_be_changed_or_deleted_through_the_model(log_rows):
    for row, field in zip(log_rows, ("reason", "detail"), strict=True):
        setattr(row, field, "改写")
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
        row.refresh_from_db()
        assert getattr(row, field) != "改写"
    assert AccessLog.objects.count() == SecurityEvent.objects.count() == 1


def test_logs_are_not_editable_in_the_django_admin():
    from django.contrib import admin

    for model in (AccessLog, SecurityEvent):
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            continue  # not in the admin at all
        assert not model_admin.has_change_permission(_superuser_request())
        assert not model_admin.has_delete_permission(_superuser_request())
        assert not model_admin.has_add_permission(_superuser_request())


def _superuser_request():
    from django.test import RequestFactory

    from fangkong.core.models import User

    request = RequestFactory().get("/")
    request.user = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    return request


def test_log_rows_cannot_be_bulk_deleted_or_updated(person_in, commander):
    from fangkong.core.models import AccessLog, SecurityEvent
    from fangkong.core.sensitive import log_access

    log_access(
        actor=commander, subjects=[person_in], action="view", fields=["id_number"], reason="核查"
    )
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.DENIED, username="x")
    for model in (AccessLog, SecurityEvent):
        with pytest.raises(PermissionError):
            model.objects.all().delete()
        with pytest.raises(PermissionError):
            model.objects.all().update(ip="10.0.0.1")
    assert AccessLog.objects.count() == 1 and SecurityEvent.objects.count() == 1
