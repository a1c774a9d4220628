"""The command app's section of the daily report and its dashboard panel (the task board).

As of 24:00 of the report's day, from the records' own times: a meeting counts on the day it was
held, a directive on the day it was issued, a task is open at 24:00 if it was dispatched before
then and neither completed nor verified by then, overdue if also past its deadline, completed
if completed by then."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.command.models import Directive, Meeting, Task
from fangkong.core.figures import (
    Figure,
    FigureContext,
    aggregate_by_unit,
    count_by_unit,
    dashboard_panel,
    figure_section,
)


def _summary(ctx: FigureContext, figures: list[Figure]) -> str:
    by = {f.key: f.total for f in figures}
    return str(
        _(
            "%(meetings)s meetings held and %(directives)s directives issued so far; "
            "%(open)s tasks open (%(overdue)s overdue), %(done)s completed."
        )
        % {
            "meetings": by["meetings_cumulative"],
            "directives": by["directives_cumulative"],
            "open": by["tasks_open"],
            "overdue": by["tasks_overdue"],
            "done": by["tasks_completed"],
        }
    )


@figure_section("command", _("Command and tasks"), order=90, summary=_summary)
def command_figures(ctx: FigureContext) -> list[Figure]:
    end, start = ctx.end, ctx.start
    meetings = aggregate_by_unit(
        Meeting.objects.filter(held_at__lt=end),
        ctx,
        {"today": Count("pk", filter=Q(held_at__gte=start)), "all": Count("pk")},
    )
    directives = Directive.objects.filter(issued_at__lt=end)
    done_by_end = Q(completed_at__lt=end) | Q(verified_at__lt=end)
    # completed_at/verified_at may be NULL: "not done" is spelled out, not ~done_by_end.
    not_done = Q(completed_at__isnull=True) | Q(completed_at__gte=end)
    not_verified = Q(verified_at__isnull=True) | Q(verified_at__gte=end)
    open_q = not_done & not_verified
    tasks = aggregate_by_unit(
        Task.objects.filter(dispatched_at__lt=end),
        ctx,
        {
            "dispatched_today": Count("pk", filter=Q(dispatched_at__gte=start)),
            "open": Count("pk", filter=open_q),
            "overdue": Count("pk", filter=open_q & Q(deadline__lt=end)),
            "completed": Count("pk", filter=done_by_end),
        },
    )
    tasks_url = reverse("command:task_list")
    return [
        Figure(
            "meetings_today",
            _("meetings held today"),
            *meetings["today"],
            link=reverse("command:meeting_list"),
        ),
        Figure(
            "meetings_cumulative",
            _("meetings held, cumulative"),
            *meetings["all"],
            link=reverse("command:meeting_list"),
        ),
        Figure(
            "directives_cumulative",
            _("directives issued, cumulative"),
            *count_by_unit(directives, ctx),
            link=reverse("command:directive_list"),
        ),
        Figure(
            "tasks_dispatched_today",
            _("tasks dispatched today"),
            *tasks["dispatched_today"],
            link=tasks_url,
        ),
        Figure("tasks_open", _("tasks open at 24:00"), *tasks["open"], link=tasks_url),
        Figure(
            "tasks_overdue",
            _("tasks overdue at 24:00"),
            *tasks["overdue"],
            link=f"{tasks_url}?overdue=true",
        ),
        Figure(
            "tasks_completed",
            _("tasks completed, cumulative"),
            *tasks["completed"],
            link=f"{tasks_url}?status=verified",
        ),
    ]


@dashboard_panel(
    "tasks",
    _("Task board"),
    template="command/_task_board.html",
    order=50,
    visible=lambda user: user.has_perm("command.view_task"),
)
def task_board_panel(request) -> dict:
    from fangkong.command.selectors import task_board

    return task_board(actor=request.user)
