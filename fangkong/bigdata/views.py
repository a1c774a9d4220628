"""Pages of the big-data module: lists and their progress, the ambiguous queue, the grid
worker's verification tasks. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.bigdata import selectors, services
from fangkong.bigdata.forms import (
    AssignForm,
    CarrierListForm,
    ListFileForm,
    OutcomeForm,
    ResolveForm,
)
from fangkong.bigdata.models import CarrierList, ListRow, VerificationTask
from fangkong.core.exceptions import StaleVersion
from fangkong.core.generic import apply_validation_error, get_scoped_object_or_404
from fangkong.core.generic.masking import with_masked
from fangkong.core.jobs import job_message
from fangkong.core.kit.views import KitDetailView
from fangkong.core.signals import log_denied


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied


@login_required
def carrier_list_upload(request):
    """Receive a carrier's list: describe it, upload the file; the import runs in the
    background and the list's page shows its progress."""
    _require(request, "bigdata.add_carrierlist")
    form = CarrierListForm(request.POST or None, request.FILES or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            path, filename = services.store_upload(form.cleaned_data["file"])
            carrier_list = services.carrier_list_create(
                actor=request.user, data=form.service_data(), path=path, filename=filename
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect("bigdata:carrierlist_detail", carrier_list.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "bigdata/carrierlist_upload.html",
        {"form": form, "title": _("Receive a carrier list")},
        status=status,
    )


class CarrierListDetailView(KitDetailView):
    """A list: its import's progress bar while it runs, then its figures and per-town
    progress of verification."""

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        progress, totals = selectors.list_progress(actor=self.request.user, carrier_list=obj)
        job = obj.job
        own_job = job is not None and job.owner_id == self.request.user.pk
        context.update(
            state=services.carrier_list_state(obj),
            progress=progress,
            totals=totals,
            job=job if own_job else None,
            job_message=job_message(job) if own_job else "",
            has_report=own_job and job.finished and bool(job.output_file),
            file_form=ListFileForm(),
        )
        return context


@login_required
@require_POST
def carrier_list_resume(request, pk: int):
    carrier_list = get_scoped_object_or_404(
        CarrierList, request.user, "change", pk, request=request
    )
    try:
        services.carrier_list_resume(actor=request.user, carrier_list=carrier_list)
        messages.success(request, _("The import goes on from where it stopped."))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("bigdata:carrierlist_detail", pk)


@login_required
@require_POST
def carrier_list_add_file(request, pk: int):
    carrier_list = get_scoped_object_or_404(
        CarrierList, request.user, "change", pk, request=request
    )
    form = ListFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            path, filename = services.store_upload(form.cleaned_data["file"])
            services.carrier_list_add_file(
                actor=request.user, carrier_list=carrier_list, path=path, filename=filename
            )
            messages.success(request, _("The file is being imported into this list."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("bigdata:carrierlist_detail", pk)


class ListRowDetailView(KitDetailView):
    """A row as uploaded, where it came from, and for an ambiguous row the queue's choice among
    its candidates (masked)."""

    def get_context_data(self, obj):
        # Rows keep no change history of their own (they are the file as received); the
        # resolution is recorded on the row (who, when) and in the task's history.
        shown = with_masked([obj])[0]
        context = {"object": shown, "listrow": shown, "can_change": self.may("change", obj)}
        candidates = []
        if obj.status == ListRow.Status.AMBIGUOUS:
            candidates = with_masked(selectors.candidates_for(actor=self.request.user, row=obj))
        context.update(candidates=candidates, form=ResolveForm(candidates=candidates))
        return context


@login_required
@require_POST
def row_resolve(request, pk: int):
    row = get_scoped_object_or_404(
        ListRow,
        request.user,
        "change",
        pk,
        request=request,
        queryset=ListRow.objects.select_related("carrier_list__area"),
    )
    candidates = selectors.candidates_for(actor=request.user, row=row)
    form = ResolveForm(request.POST, candidates=candidates)
    if not form.is_valid():
        messages.error(request, _("Choose one of the candidates, or “none of them”."))
        return redirect("bigdata:listrow_detail", pk)
    chosen = next((p for p in candidates if p.pk == form.cleaned_data["person"]), None)
    try:
        services.row_resolve(actor=request.user, row=row, person=chosen)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("bigdata:listrow_detail", pk)
    messages.success(request, _("Resolved; the lead is now a verification task."))
    nxt = (
        ListRow.objects.restrict(request.user, "change")
        .filter(carrier_list=row.carrier_list, status=ListRow.Status.AMBIGUOUS)
        .order_by("line")
        .first()
    )
    if nxt is not None:
        return redirect("bigdata:listrow_detail", nxt.pk)
    return redirect("bigdata:carrierlist_detail", row.carrier_list_id)


class TaskDetailView(KitDetailView):
    """The lead at the door: who, from where, when; the outcome buttons (thumb-sized); for a
    pooled lead, the command office's assignment."""

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        may_verify = user.has_perm("bigdata.add_verificationoutcome") and (
            VerificationTask.objects.restrict(user, "view").filter(pk=obj.pk).exists()
        )
        context.update(
            outcome_form=OutcomeForm(),
            may_verify=may_verify,
            assign_form=AssignForm(initial={"version": obj.version}, actor=user)
            if context["can_change"] and obj.person_id is None
            else None,
        )
        return context


@login_required
@require_POST
def task_outcome(request, pk: int):
    _require(request, "bigdata.add_verificationoutcome")
    task = get_scoped_object_or_404(VerificationTask, request.user, "view", pk, request=request)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_create(
                actor=request.user,
                data={"task": task, **form.cleaned_data},
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("bigdata:verificationtask_detail", pk)
        messages.success(request, _("Outcome recorded."))
        return redirect(reverse("bigdata:verificationtask_list") + "?state=pending")
    messages.error(request, _("Choose what you found."))
    return redirect("bigdata:verificationtask_detail", pk)


@login_required
@require_POST
def task_assign(request, pk: int):
    task = get_scoped_object_or_404(VerificationTask, request.user, "change", pk, request=request)
    form = AssignForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.task_assign(
                actor=request.user,
                task=task,
                area=form.cleaned_data["area"],
                expected_version=form.cleaned_data["version"],
            )
            messages.success(request, _("Assigned."))
        except StaleVersion:
            messages.error(request, _("Someone changed this lead meanwhile; look again."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("Choose an area."))
    return redirect("bigdata:verificationtask_detail", pk)
