"""Every write of the command app: ``<noun>_<verb>(*, actor, ...)``, one transaction each,
validated by the models, scope-checked by ``core.services``.

Tasks carry the rules of issue 9: only the level a task was dispatched to (its area's own
officials, the named working group's members, or the named person) acknowledges, reports on and
completes it; only the dispatching level verifies it; an overdue task raises an alert once."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.command.models import (
    CommandGroup,
    Directive,
    GroupMember,
    Meeting,
    ResponseLevel,
    Responsibility,
    Task,
    TaskNote,
)
from fangkong.core.jobfiles import SealedWriter
from fangkong.core.models import RoleGrant
from fangkong.core.scoping import covers, grant_paths
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.validators import validate_mobile

RESPONSE_LEVEL_CACHE_KEY = "command:response-levels"


# --------------------------------------------------------------------------- simple records


def _crud(model, fields: tuple[str, ...], *, after=None):
    """check / create / update / delete for a model whose rules all live in ``clean()``.

    ``after`` runs after every write (e.g. to forget the cached response level)."""
    names = set(fields)

    def check(*, actor=None, data: dict[str, Any], exclude_pk: int | None = None) -> dict:
        values = {k: v for k, v in data.items() if k in names}
        if "phone" in values and values["phone"]:
            try:
                values["phone"] = validate_mobile(values["phone"])
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages}) from None
        instance = model(**values)
        if exclude_pk:
            instance.pk = exclude_pk
        instance.full_clean(validate_constraints=False)
        return values

    @transaction.atomic
    def create(*, actor, data: dict[str, Any]):
        obj = create_record(model, actor=actor, **check(data=data))
        if after:
            after(obj)
        return obj

    @transaction.atomic
    def update(*, actor, obj, expected_version: int | None, data: dict[str, Any]):
        current = {name: getattr(obj, name) for name in names}
        checked = check(data={**current, **data}, exclude_pk=obj.pk)
        changes = {name: checked[name] for name in data if name in checked}
        saved = update_record(obj, actor=actor, expected_version=expected_version, changes=changes)
        if after:
            after(saved)
        return saved

    def delete(*, actor, obj, reason: str, expected_version: int | None):
        saved = soft_delete_record(
            obj, actor=actor, reason=reason, expected_version=expected_version
        )
        if after:
            after(saved)
        return saved

    return check, create, update, delete


def _forget_levels(_obj=None) -> None:
    """The header's response level is cached; a change is seen on the next page."""
    transaction.on_commit(lambda: cache.delete(RESPONSE_LEVEL_CACHE_KEY))
    cache.delete(RESPONSE_LEVEL_CACHE_KEY)


RESPONSE_LEVEL_FIELDS = (
    "area",
    "level",
    "effective_from",
    "effective_to",
    "declared_by",
    "document_ref",
    "note",
)
GROUP_FIELDS = (
    "area",
    "group_kind",
    "name",
    "duties",
    "effective_from",
    "effective_to",
    "supersedes",
    "document_ref",
    "sort",
)
MEMBER_FIELDS = ("group", "name", "post", "position", "duties", "phone", "sort")
MEETING_FIELDS = (
    "area",
    "meeting_kind",
    "title",
    "held_at",
    "chair",
    "attendees",
    "decisions",
    "document_ref",
)
DIRECTIVE_FIELDS = ("area", "title", "text", "meeting", "issued_by", "issued_at", "document_ref")
RESPONSIBILITY_FIELDS = (
    "area",
    "leader_name",
    "leader_level",
    "position",
    "phone",
    "effective_from",
    "effective_to",
)

(
    response_level_check,
    response_level_create,
    response_level_update,
    response_level_delete,
) = _crud(ResponseLevel, RESPONSE_LEVEL_FIELDS, after=_forget_levels)
group_check, _group_create, group_update, group_delete = _crud(CommandGroup, GROUP_FIELDS)
member_check, member_create, member_update, member_delete = _crud(GroupMember, MEMBER_FIELDS)
meeting_check, meeting_create, meeting_update, meeting_delete = _crud(Meeting, MEETING_FIELDS)
directive_check, directive_create, directive_update, directive_delete = _crud(
    Directive, DIRECTIVE_FIELDS
)
(
    responsibility_check,
    responsibility_create,
    responsibility_update,
    responsibility_delete,
) = _crud(Responsibility, RESPONSIBILITY_FIELDS)


@transaction.atomic
def group_create(*, actor, data: dict[str, Any]) -> CommandGroup:
    """Create a group composition. When it ``supersedes`` an earlier composition (the
    leadership group upgraded on 28 January), the earlier one ends the day before: both stay,
    so the history of who led when is kept."""
    group = _group_create(actor=actor, data=data)
    old = group.supersedes
    if old is not None:
        if old.effective_from >= group.effective_from:
            raise ValidationError(
                {"supersedes": _("The new composition must start after the one it replaces.")}
            )
        end = group.effective_from - dt.timedelta(days=1)
        if old.effective_to is None or old.effective_to > end:
            update_record(old, actor=actor, expected_version=None, changes={"effective_to": end})
    return group


# --------------------------------------------------------------------------- tasks


TASK_FIELDS = ("directive", "area", "assignee_group", "title", "details", "deadline")


def _dispatching_area(actor, area):
    """The highest area where ``actor`` may dispatch tasks (``command.add_task``) that covers
    ``area``: the level the task comes from."""
    from fangkong.places.models import Area

    paths = [p for p in grant_paths(actor, "command.add_task") if area.path.startswith(p)]
    if actor.is_superuser and not paths:
        return Area.objects.filter(parent__isnull=True).order_by("path").first()
    if not paths:
        return None
    return Area.objects.get(path=min(paths, key=len))


def task_check(*, actor, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a dispatch as ``task_dispatch`` would, without writing."""
    values = {k: v for k, v in data.items() if k in (*TASK_FIELDS, "parent", "assignee_user")}
    errors: dict[str, list[str]] = {}
    area = values.get("area")
    group = values.get("assignee_group")
    if group is not None and area is not None and not area.path.startswith(group.area.path):
        errors.setdefault("assignee_group", []).append(
            _("This working group does not belong to the area the task goes to.")
        )
    task = Task(**values)
    try:
        task.full_clean(exclude=["from_area"], validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def task_dispatch(*, actor, data: dict[str, Any], now: dt.datetime | None = None) -> Task:
    """Dispatch a task to an area of the actor's (optionally to one of its working groups or a
    person); it comes from the highest level where the actor may dispatch."""
    values = task_check(actor=actor, data=data)
    area = values["area"]
    from_area = _dispatching_area(actor, area)
    if from_area is None:
        raise ValidationError({"area": _("You may not dispatch tasks to this area.")})
    parent = values.get("parent")
    if parent is not None:
        from_area = parent.area
    task = create_record(
        Task, actor=actor, from_area=from_area, dispatched_at=now or timezone.now(), **values
    )
    _notify_assignees(task)
    return task


def _notify_assignees(task: Task) -> None:
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    raise_alert(
        kind=Alert.Kind.TASK,
        area=task.area,
        title=_("New task: %(title)s") % {"title": task.title},
        body=task.details[:500],
        roles=["town_officer", "village_cadre", "command_office"],
        recipient=task.assignee_user,
        link=f"/command/tasks/{task.pk}/",
        severity=Alert.Severity.INFO,
        source=f"command.task:{task.pk}",
        dedupe_key=f"command.task:{task.pk}:new",
        raised_at=task.dispatched_at,
    )


def is_task_receiver(actor, task: Task) -> bool:
    """Whether the task was dispatched to ``actor``: the named person; else a member (with a
    user account) of the named working group; else an official holding ``command.change_task``
    in the very area it went to. The dispatching level above is **not** a receiver."""
    if actor is None or not actor.is_authenticated:
        return False
    if task.assignee_user_id:
        return actor.pk == task.assignee_user_id
    if task.assignee_group_id:
        return GroupMember.objects.filter(group_id=task.assignee_group_id, user=actor).exists()
    return (
        RoleGrant.objects.active()
        .filter(
            user=actor,
            area_id=task.area_id,
            role__group__permissions__content_type__app_label="command",
            role__group__permissions__codename="change_task",
        )
        .exists()
    )


def _require_receiver(actor, task: Task) -> None:
    if not is_task_receiver(actor, task):
        raise PermissionDenied(_("This task was not dispatched to you."))


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


def _save_task(task: Task, actor, **changes) -> Task:
    for name, value in changes.items():
        setattr(task, name, value)
    task.version += 1
    task._history_user = actor
    task.save()
    return task


@transaction.atomic
def task_acknowledge(*, actor, task: Task, now: dt.datetime | None = None) -> Task:
    """The receiver confirms they have the task (once)."""
    task = _locked(task)
    _require_receiver(actor, task)
    if task.status != Task.Status.DISPATCHED:
        raise ValidationError(_("This task was already acknowledged."), code="already")
    return _save_task(
        task,
        actor,
        status=Task.Status.ACKNOWLEDGED,
        acknowledged_at=now or timezone.now(),
        acknowledged_by=actor,
    )


ALLOWED_ATTACHMENTS = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    # .docx and .xlsx are zip files
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


def attachment_dir() -> Path:
    """Private directory of task attachments (0700; files 0600, sealed like job files)."""
    path = Path(settings.MEDIA_ROOT) / "command"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _store_attachment(upload) -> dict[str, Any]:
    """Check an upload (size, declared type, and the file's own first bytes) and store it
    sealed (AES-256-GCM, as job files) under a random name. Returns the note's fields."""
    limit = settings.FANGKONG_TASK_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "attachment": _("The file is larger than %(mb)s MB.")
                % {"mb": round(limit / 1024 / 1024, 1)}
            }
        )
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    head = upload.read(16)
    upload.seek(0)
    signatures = ALLOWED_ATTACHMENTS.get(declared)
    if not signatures or not any(head.startswith(sig) for sig in signatures):
        raise ValidationError(
            {"attachment": _("Only PDF, JPEG, PNG, Word (.docx) and Excel (.xlsx) files.")}
        )
    name = secrets.token_hex(16)
    fd = os.open(attachment_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with SealedWriter(os.fdopen(fd, "wb")) as writer:
        for chunk in upload.chunks():
            writer.write(chunk)
    return {
        "attachment_name": os.path.basename(upload.name or "file")[:120],
        "attachment_type": declared,
        "attachment_size": upload.size,
        "attachment_file": name,
    }


@transaction.atomic
def task_note_add(
    *, actor, task: Task, text: str, attachment=None, now: dt.datetime | None = None
) -> TaskNote:
    """A progress note (with at most one attachment) by the receiver; the task is in progress
    from its first note."""
    task = _locked(task)
    _require_receiver(actor, task)
    if not task.is_open:
        raise ValidationError(_("This task is closed; no more progress notes."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what was done.")})
    fields = _store_attachment(attachment) if attachment is not None else {}
    note = TaskNote(task=task, author=actor, text=text, written_at=now or timezone.now(), **fields)
    note.full_clean()
    note._history_user = actor
    note.save()
    if task.status != Task.Status.IN_PROGRESS:
        _save_task(
            task,
            actor,
            status=Task.Status.IN_PROGRESS,
            acknowledged_at=task.acknowledged_at or note.written_at,
            acknowledged_by=task.acknowledged_by or actor,
        )
    return note


@transaction.atomic
def task_complete(*, actor, task: Task, report: str, now: dt.datetime | None = None) -> Task:
    """The receiver reports the task done; it waits for the dispatching level to verify it.

    Refused (403) for anyone the task was not dispatched to, the dispatcher included."""
    task = _locked(task)
    _require_receiver(actor, task)
    if not task.is_open:
        raise ValidationError(_("This task is already completed."), code="already")
    report = (report or "").strip()
    if not report:
        raise ValidationError({"report": _("Say how the task was completed.")})
    now = now or timezone.now()
    return _save_task(
        task,
        actor,
        status=Task.Status.COMPLETED,
        completed_at=now,
        completed_by=actor,
        completion_note=report,
        acknowledged_at=task.acknowledged_at or now,
        acknowledged_by=task.acknowledged_by or actor,
    )


@transaction.atomic
def task_verify(
    *, actor, task: Task, accept: bool = True, note: str = "", now: dt.datetime | None = None
) -> Task:
    """The dispatching level checks a completed task: accepted (verified) or sent back (in
    progress again, with the reason as a note)."""
    task = _locked(task)
    if not covers(actor, "command.verify_task", task.from_area) or is_task_receiver(actor, task):
        raise PermissionDenied(_("Only the level that dispatched this task verifies it."))
    if task.status != Task.Status.COMPLETED:
        raise ValidationError(_("Only a completed task can be verified."))
    now = now or timezone.now()
    if accept:
        return _save_task(
            task, actor, status=Task.Status.VERIFIED, verified_at=now, verified_by=actor
        )
    if not note.strip():
        raise ValidationError({"note": _("Say why the task is sent back.")})
    TaskNote.objects.create(task=task, author=actor, text=note.strip(), written_at=now)
    return _save_task(task, actor, status=Task.Status.IN_PROGRESS, completed_at=None)


def tasks_escalate_overdue(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Raise an alert, once per task, for every open task past its deadline: to the receiving
    area's officials and, one level up, the dispatching level (the alerts app escalates it
    further if nobody acknowledges). Returns the number of tasks escalated."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    now = now or timezone.now()
    overdue = (
        Task.objects.filter(status__in=Task.OPEN_STATUSES, deadline__lt=now, escalated_at=None)
        .select_related("area", "from_area")
        .order_by("deadline")[:limit]
    )
    count = 0
    for task in overdue:
        with transaction.atomic():
            done = Task.objects.filter(pk=task.pk, escalated_at=None).update(escalated_at=now)
            if not done:
                continue
            raise_alert(
                kind=Alert.Kind.TASK,
                area=task.area,
                title=_("Task overdue: %(title)s") % {"title": task.title},
                body=_("Deadline %(deadline)s; dispatched by %(from)s.")
                % {
                    "deadline": timezone.localtime(task.deadline).strftime("%Y-%m-%d %H:%M"),
                    "from": task.from_area.name,
                },
                roles=["town_officer", "village_cadre", "command_office", "district_commander"],
                recipient=task.assignee_user,
                link=f"/command/tasks/{task.pk}/",
                severity=Alert.Severity.WARNING,
                source=f"command.task:{task.pk}",
                dedupe_key=f"command.task:{task.pk}:overdue",
                raised_at=now,
            )
            count += 1
    return count
