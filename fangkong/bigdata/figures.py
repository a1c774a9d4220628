"""The big-data section of the daily report: leads received, matched, verified, pending and
overdue as of 24:00, by town, each with a link to the records behind it.

Effective times: a row counts from its list's ``received_at``; a hand resolution from its
``resolved_at``; a task from its ``created_at``, verified from its ``verified_at`` (the visit's
time as recorded on the phone), overdue when still unverified at 24:00 past its ``due_at``.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.bigdata.models import ListRow, VerificationTask
from fangkong.core.figures import Figure, FigureContext, count_by_unit, figure_section


@figure_section("bigdata", _("Big-data list verification"), order=70)
def bigdata_figures(ctx: FigureContext) -> list[Figure]:
    end = ctx.end
    rows = ListRow.objects.filter(carrier_list__received_at__lt=end)
    tasks = VerificationTask.all_objects.filter(created_at__lt=end, deleted_at__isnull=True)
    verified = tasks.filter(verified_at__lt=end)
    pending = tasks.filter(Q(verified_at__isnull=True) | Q(verified_at__gte=end))
    overdue = pending.filter(due_at__lt=end)
    matched = rows.filter(
        Q(status=ListRow.Status.MATCHED) | Q(status=ListRow.Status.RESOLVED, resolved_at__lt=end)
    )
    lists = reverse("bigdata:carrierlist_list")
    task_url = reverse("bigdata:verificationtask_list")
    # Rows are the district's (through their list); by town through the task they became.
    received_total, _units = count_by_unit(rows, ctx, "carrier_list__area__path")
    _t, received_by = count_by_unit(rows.filter(task__isnull=False), ctx, "task__area__path")
    matched_total, _u = count_by_unit(matched, ctx, "carrier_list__area__path")
    _t, matched_by = count_by_unit(matched.filter(task__isnull=False), ctx, "task__area__path")
    return [
        Figure("rows_received", _("list rows received"), received_total, received_by, lists),
        Figure(
            "rows_matched", _("matched to a registered person"), matched_total, matched_by, lists
        ),
        Figure(
            "tasks_verified",
            _("leads verified"),
            *count_by_unit(verified, ctx),
            f"{task_url}?state=verified",
        ),
        Figure(
            "tasks_pending",
            _("leads still to verify"),
            *count_by_unit(pending, ctx),
            f"{task_url}?state=pending",
        ),
        Figure(
            "tasks_overdue",
            _("leads overdue"),
            *count_by_unit(overdue, ctx),
            f"{task_url}?state=overdue",
        ),
    ]
