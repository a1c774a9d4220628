"""The big-data section of the daily report: leads received, matched, verified, pending and
overdue as of 24:00, by town, each with a link to the records behind it.

Effective times: a row counts from its list's ``received_at``; a hand resolution from its
``resolved_at``; a task from its ``created_at``, verified from its ``verified_at`` (the visit's
time as recorded on the phone), overdue when still unverified at 24:00 past its ``due_at``.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.bigdata.models import ListRow, VerificationTask
from fangkong.core.figures import Figure, FigureContext, aggregate_by_unit, figure_section


@figure_section("bigdata", _("Big-data list verification"), order=70)
def bigdata_figures(ctx: FigureContext) -> list[Figure]:
    end = ctx.end
    rows = ListRow.objects.filter(carrier_list__received_at__lt=end)
    tasks = VerificationTask.all_objects.filter(created_at__lt=end, deleted_at__isnull=True)
    pending = Q(verified_at__isnull=True) | Q(verified_at__gte=end)
    matched = Q(status=ListRow.Status.MATCHED) | Q(
        status=ListRow.Status.RESOLVED, resolved_at__lt=end
    )
    lists = reverse("bigdata:carrierlist_list")
    task_url = reverse("bigdata:verificationtask_list")
    # Rows are the district's (through their list); by town through the task they became. A
    # list holds up to a million rows: each grouping reads them once for both figures.
    measures = {"received": Count("pk"), "matched": Count("pk", filter=matched)}
    by_list = aggregate_by_unit(rows, ctx, measures, "carrier_list__area__path")
    by_task = aggregate_by_unit(rows.filter(task__isnull=False), ctx, measures, "task__area__path")
    (received_total, _u), (_t, received_by) = by_list["received"], by_task["received"]
    (matched_total, _u), (_t, matched_by) = by_list["matched"], by_task["matched"]
    leads = aggregate_by_unit(
        tasks,
        ctx,
        {
            "verified": Count("pk", filter=Q(verified_at__lt=end)),
            "pending": Count("pk", filter=pending),
            "overdue": Count("pk", filter=pending & Q(due_at__lt=end)),
        },
    )
    return [
        Figure("rows_received", _("list rows received"), received_total, received_by, lists),
        Figure(
            "rows_matched", _("matched to a registered person"), matched_total, matched_by, lists
        ),
        Figure(
            "tasks_verified",
            _("leads verified"),
            *leads["verified"],
            f"{task_url}?state=verified",
        ),
        Figure(
            "tasks_pending",
            _("leads still to verify"),
            *leads["pending"],
            f"{task_url}?state=pending",
        ),
        Figure(
            "tasks_overdue",
            _("leads overdue"),
            *leads["overdue"],
            f"{task_url}?state=overdue",
        ),
    ]
