"""The command API under /api/v1/: the kit's routes for every model, plus the task actions
(acknowledge, progress note, complete, verify) and the task board."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from ninja import Path, Router, Schema
from ninja.errors import HttpError

from fangkong.command import kit, selectors, services
from fangkong.command.models import Task
from fangkong.core.api_auth import scoped_get
from fangkong.core.api_schemas import ERROR_RESPONSES, MAX_DB_ID, OBJECT_ERROR_RESPONSES
from fangkong.core.kit.api import KitApi, kit_router

router = Router(tags=["command"])

task_api = KitApi(
    kit.task_kit,
    extra_output=("status", "dispatched_at", "acknowledged_at", "completed_at", "verified_at"),
    getter=selectors.task_get,
)
TaskOut = task_api.output


class ReportIn(Schema):
    report: str


class NoteIn(Schema):
    text: str


class VerifyIn(Schema):
    accept: bool = True
    note: str = ""


class BoardCounts(Schema):
    open: int
    completed: int
    verified: int
    overdue: int


class BoardOut(Schema):
    received: BoardCounts
    passed_down: BoardCounts


def _task(request, task_id: int) -> Task:
    return scoped_get(request, selectors.task_get, Task, task_id)


def _act(fn, **kwargs):
    try:
        return fn(**kwargs)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.get("/tasks/board", response={200: BoardOut, **ERROR_RESPONSES}, summary="Task board")
def task_board(request):
    if not request.auth.has_perm("command.view_task"):
        raise HttpError(403, "You may not view tasks.")
    board = selectors.task_board(actor=request.auth)
    return {"received": board["received"], "passed_down": board["passed_down"]}


@router.post(
    "/tasks/{task_id}/acknowledge",
    response={200: TaskOut, **OBJECT_ERROR_RESPONSES},
    summary="Acknowledge receipt of a task (its receiver only)",
)
def acknowledge_task(request, task_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return _act(services.task_acknowledge, actor=request.auth, task=_task(request, task_id))


@router.post(
    "/tasks/{task_id}/notes",
    response={200: TaskOut, **OBJECT_ERROR_RESPONSES},
    summary="Report progress on a task (its receiver only; attachments through the page)",
)
def note_task(request, payload: NoteIn, task_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    task = _task(request, task_id)
    _act(services.task_note_add, actor=request.auth, task=task, text=payload.text)
    return selectors.task_get(actor=request.auth, pk=task.pk)


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskOut, **OBJECT_ERROR_RESPONSES},
    summary="Report a task completed (its receiver only)",
)
def complete_task(request, payload: ReportIn, task_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return _act(
        services.task_complete,
        actor=request.auth,
        task=_task(request, task_id),
        report=payload.report,
    )


@router.post(
    "/tasks/{task_id}/verify",
    response={200: TaskOut, **OBJECT_ERROR_RESPONSES},
    summary="Verify a completed task or send it back (the dispatching level only)",
)
def verify_task(request, payload: VerifyIn, task_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return _act(
        services.task_verify,
        actor=request.auth,
        task=_task(request, task_id),
        accept=payload.accept,
        note=payload.note,
    )


kit_router(kit.response_level_kit, router=router)
kit_router(kit.group_kit, router=router)
kit_router(kit.member_kit, router=router)
kit_router(kit.meeting_kit, router=router)
kit_router(kit.directive_kit, router=router)
kit_router(kit.task_kit, router=router, api=task_api, batch=False)
kit_router(kit.responsibility_kit, router=router)
