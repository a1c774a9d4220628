"""Every read of the command app starts from ``Model.objects.restrict(actor, action)``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.command import filtersets as fs
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


def _listed(model, filterset, *related):
    def selector(*, actor, filters: dict | None = None) -> QuerySet:
        queryset = model.objects.restrict(actor, "view")
        if related:
            queryset = queryset.select_related(*related)
        return filterset(filters or {}, queryset=queryset, actor=actor).qs

    selector.__doc__ = f"{model._meta.verbose_name_plural} in the actor's areas, filtered."
    return selector


response_level_list = _listed(ResponseLevel, fs.ResponseLevelFilterSet, "area")
group_list = _listed(CommandGroup, fs.CommandGroupFilterSet, "area")
member_list = _listed(GroupMember, fs.GroupMemberFilterSet, "group__area")
meeting_list = _listed(Meeting, fs.MeetingFilterSet, "area")
directive_list = _listed(Directive, fs.DirectiveFilterSet, "area", "meeting")
task_list = _listed(Task, fs.TaskFilterSet, "area", "from_area", "assignee_group", "assignee_user")
responsibility_list = _listed(Responsibility, fs.ResponsibilityFilterSet, "area")


def task_get(*, actor, pk, action: str = "view") -> Task:
    return (
        Task.objects.restrict(actor, action)
        .select_related("area", "from_area", "assignee_group", "assignee_user", "directive")
        .get(pk=pk)
    )


def task_notes(*, actor, task: Task) -> QuerySet[TaskNote]:
    return TaskNote.objects.restrict(actor, "view").filter(task=task).select_related("author")


def current_levels() -> list[dict]:
    """The response level in effect today for each area that declared one (a handful of
    rows), for the page header's cache."""
    today = timezone.localdate()
    rows = (
        ResponseLevel.objects.filter(effective_from__lte=today)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .select_related("area")
        .order_by("area__path", "-effective_from")
    )
    seen, result = set(), []
    for row in rows:
        if row.area_id in seen:
            continue
        seen.add(row.area_id)
        result.append(
            {
                "path": row.area.path,
                "area": row.area.name,
                "level": row.level,
                "numeral": row.numeral,
                "label": str(row.get_level_display()),
                "since": row.effective_from.isoformat(),
                "document_ref": row.document_ref,
                "declared_by": row.declared_by,
            }
        )
    return result


def task_board(*, actor, now: dt.datetime | None = None) -> dict:
    """The task board of the actor's level: tasks **received** (dispatched to the actor's own
    areas) and **passed down** (dispatched from them to areas below), counted by status, with
    the overdue ones first. Two grouped queries and one short list."""
    from fangkong.core.scoping import grant_paths

    now = now or timezone.now()
    visible = Task.objects.restrict(actor, "view")
    paths = grant_paths(actor, "command.view_task")
    mine_q = Q(area__path__in=paths)
    sent_q = Q(from_area__path__in=paths) & ~mine_q

    def counts(q):
        rows = visible.filter(q).values("status").annotate(n=Count("pk")).order_by()
        by = {r["status"]: r["n"] for r in rows}
        late = visible.filter(q, status__in=Task.OPEN_STATUSES, deadline__lt=now).count()
        return {
            "open": sum(by.get(s, 0) for s in Task.OPEN_STATUSES),
            "completed": by.get(Task.Status.COMPLETED, 0),
            "verified": by.get(Task.Status.VERIFIED, 0),
            "overdue": late,
        }

    urgent = list(
        visible.filter(mine_q | sent_q, status__in=Task.OPEN_STATUSES)
        .select_related("area", "from_area")
        .order_by("deadline")[:8]
    )
    received, passed_down = counts(mine_q), counts(sent_q)
    return {
        "received": received,
        "passed_down": passed_down,
        "columns": [
            ("received", _("Received by my level"), received),
            ("passed_down", _("Passed down by my level"), passed_down),
        ],
        "next_tasks": urgent,
        "now": now,
    }


def areas_without_responsibility(*, actor, levels=(2, 3, 4)) -> QuerySet:
    """Towns and villages of the actor's areas with nobody answering for them today (包干)."""
    from fangkong.core.scoping import areas_for

    today = timezone.localdate()
    covered = Responsibility.objects.filter(effective_from__lte=today).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    )
    return (
        areas_for(actor, "command.view_responsibility")
        .filter(level__in=levels)
        .exclude(pk__in=covered.values("area_id"))
        .select_related("parent")
        .order_by("path")
    )


def responsibilities_for_area(*, actor, area) -> list[Responsibility]:
    """Who answers for ``area`` today (for the area page)."""
    today = timezone.localdate()
    return list(
        Responsibility.objects.restrict(actor, "view")
        .filter(area=area, effective_from__lte=today)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .order_by("leader_level", "id")
    )
