"""Tasks: dispatched down the tree, acknowledged, reported on, completed only by whoever they
were dispatched to, verified by the dispatching level; overdue ones raise an alert once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.alerts.models import Alert
from fangkong.alerts.selectors import alerts_for
from fangkong.command import services
from fangkong.command.models import Task, TaskNote
from fangkong.command.selectors import task_board
from fangkong.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(world):
    return make_user("officer", "town_officer", world.town, full_name="河坝镇干部")


@pytest.fixture
def other_officer(world):
    return make_user("officer2", "town_officer", world.other_town, full_name="金盆镇干部")


@pytest.fixture
def cadre(world):
    return make_user("cadre", "village_cadre", world.village, full_name="东湖村干部")


@pytest.fixture
def task(world, commander):
    return services.task_dispatch(
        actor=commander,
        data={
            "area": world.town,
            "title": "全面摸排返乡人员",
            "details": "两天内完成",
            "deadline": timezone.now() + dt.timedelta(days=2),
        },
    )


def test_dispatch_comes_from_the_commanders_level_and_notifies_the_town(task, world, officer):
    assert task.from_area == world.district and task.status == "dispatched"
    assert [a.title for a in alerts_for(officer)] == ["New task: 全面摸排返乡人员"]


def test_the_whole_cycle(task, commander, officer):
    services.task_acknowledge(actor=officer, task=task)
    with pytest.raises(ValidationError, match="already acknowledged"):
        services.task_acknowledge(actor=officer, task=task)
    services.task_note_add(actor=officer, task=task, text="已摸排3个村")
    task.refresh_from_db()
    assert task.status == "in_progress"
    services.task_complete(actor=officer, task=task, report="全部完成")
    with pytest.raises(PermissionDenied):  # the receiver does not verify their own work
        services.task_verify(actor=officer, task=task)
    services.task_verify(actor=commander, task=task)
    task.refresh_from_db()
    assert task.status == "verified" and task.verified_by == commander
    assert task.history.count() >= 4


def test_a_task_cannot_be_completed_by_someone_it_was_not_dispatched_to(
    task, commander, cadre, other_officer, officer, client
):
    for stranger in (commander, cadre):  # the dispatcher above, a village below
        with pytest.raises(PermissionDenied, match="not dispatched to you"):
            services.task_complete(actor=stranger, task=task, report="我来")
    client.force_login(commander)
    answer = client.post(f"/api/v1/tasks/{task.pk}/complete", {"report": "x"}, "application/json")
    assert answer.status_code == 403
    assert (
        client.post(f"/command/tasks/{task.pk}/act/complete/", {"report": "x"}).status_code == 403
    )
    client.force_login(other_officer)  # another town does not even see it
    answer = client.post(f"/api/v1/tasks/{task.pk}/complete", {"report": "x"}, "application/json")
    assert answer.status_code == 404
    task.refresh_from_db()
    assert task.status == "dispatched" and task.completed_at is None
    client.force_login(officer)
    answer = client.post(
        f"/api/v1/tasks/{task.pk}/complete", {"report": "完成"}, "application/json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "completed"


def test_a_task_for_a_named_person_is_theirs_alone(world, commander, officer):
    named = make_user("named", "town_officer", world.town)
    task = services.task_dispatch(
        actor=commander,
        data={
            "area": world.town,
            "title": "专人任务",
            "assignee_user": named,
            "deadline": timezone.now() + dt.timedelta(days=1),
        },
    )
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=officer, task=task, report="x")
    services.task_complete(actor=named, task=task, report="完成")


def test_each_level_sees_what_it_received_and_what_it_passed_down(
    task, world, commander, officer, cadre
):
    sub = services.task_dispatch(
        actor=officer,
        data={
            "area": world.village,
            "title": "东湖村摸排",
            "parent": task,
            "deadline": timezone.now() - dt.timedelta(hours=1),
        },
    )
    assert sub.from_area == world.town
    town = task_board(actor=officer)
    assert town["received"]["open"] == 1 and town["passed_down"]["open"] == 1
    assert town["passed_down"]["overdue"] == 1
    village = task_board(actor=cadre)
    assert village["received"]["open"] == 1 and village["passed_down"]["open"] == 0
    district = task_board(actor=commander)
    assert district["passed_down"]["open"] == 1  # the district's own dispatch


def test_overdue_tasks_raise_one_alert(task, officer, commander):
    later = task.deadline + dt.timedelta(minutes=1)
    assert services.tasks_escalate_overdue(now=task.deadline - dt.timedelta(minutes=1)) == 0
    assert services.tasks_escalate_overdue(now=later) == 1
    assert services.tasks_escalate_overdue(now=later + dt.timedelta(hours=1)) == 0
    overdue = Alert.objects.get(dedupe_key=f"command.task:{task.pk}:overdue")
    assert overdue in alerts_for(officer) and overdue in alerts_for(commander)


def test_attachments_are_checked_and_stored_sealed(task, officer, outsider, client, settings):
    settings.FANGKONG_TASK_ATTACHMENT_MAX_BYTES = 2048
    pdf = b"%PDF-1.4 progress report " + b"x" * 100
    with pytest.raises(ValidationError, match="Only PDF"):
        services.task_note_add(
            actor=officer,
            task=task,
            text="附件",
            attachment=SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
        )
    with pytest.raises(ValidationError, match="larger than"):
        services.task_note_add(
            actor=officer,
            task=task,
            text="附件",
            attachment=SimpleUploadedFile("a.pdf", b"%PDF-" + b"x" * 4096, "application/pdf"),
        )
    assert not TaskNote.objects.exists()
    note = services.task_note_add(
        actor=officer,
        task=task,
        text="附件",
        attachment=SimpleUploadedFile("报告.pdf", pdf, "application/pdf"),
    )
    stored = services.attachment_dir() / note.attachment_file
    assert stored.stat().st_mode & 0o777 == 0o600
    assert b"progress report" not in stored.read_bytes()
    client.force_login(officer)
    got = client.get(f"/command/tasks/notes/{note.pk}/file/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf
    client.force_login(outsider)
    assert client.get(f"/command/tasks/notes/{note.pk}/file/").status_code == 404


def test_task_pages(task, officer, client):
    client.force_login(officer)
    assert "全面摸排返乡人员" in client.get("/command/").content.decode()
    page = client.get(f"/command/tasks/{task.pk}/").content.decode()
    assert "act/acknowledge" in page
    client.post(f"/command/tasks/{task.pk}/act/acknowledge/")
    client.post(f"/command/tasks/{task.pk}/act/note/", {"text": "进展顺利"})
    task.refresh_from_db()
    assert task.status == Task.Status.IN_PROGRESS
    assert "进展顺利" in client.get(f"/command/tasks/{task.pk}/").content.decode()


def test_the_escalate_tasks_command(task, officer):
    from django.core.management import call_command

    Task.objects.filter(pk=task.pk).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    call_command("escalate_tasks")
    assert Alert.objects.filter(dedupe_key=f"command.task:{task.pk}:overdue").exists()


def test_the_api_dispatches_and_lists_tasks_in_scope(world, commander, outsider, client):
    client.force_login(commander)
    answer = client.post(
        "/api/v1/tasks",
        {"area_id": world.town.pk, "title": "API任务", "deadline": "2020-02-01T18:00:00+08:00"},
        "application/json",
    )
    assert answer.status_code in (200, 201), answer.content
    client.force_login(outsider)
    assert client.get("/api/v1/tasks").json()["count"] == 0
    answer = client.post(
        "/api/v1/tasks",
        {"area_id": world.town.pk, "title": "越权", "deadline": "2020-02-01T18:00:00+08:00"},
        "application/json",
    )
    assert answer.status_code in (403, 404, 422)
    assert not Task.objects.filter(title="越权").exists()
