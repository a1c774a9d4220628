"""Thin pages of the medical module: the kit's pages with the facility-staff filter, and the
desks that do more than one record (triage, clinic reports, acknowledgement, case transitions,
contact tracing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from fangkong.core.generic import apply_validation_error, get_scoped_object_or_404, no_store
from fangkong.core.kit.views import (
    KitCreateView,
    KitDeleteView,
    KitDetailView,
    KitHistoryView,
    KitUpdateView,
)
from fangkong.core.scoping import covers
from fangkong.core.signals import log_denied
from fangkong.medical import selectors, services
from fangkong.medical.forms import (
    AcknowledgeForm,
    ClinicReportForm,
    HouseholdContactsForm,
    ObserveContactsForm,
    TransitionForm,
    TriageForm,
)
from fangkong.medical.kit import scoped_queryset
from fangkong.medical.models import Case, Facility, FeverVisit, Referral


class StaffScoped:
    """Kit pages fetch their record through the facility-staff filter as well as the area
    scope: a pharmacist opening another pharmacy's report by its number gets 404."""

    def get_queryset(self):
        qs = scoped_queryset(self.kit.model, self.request.user)
        related = self.kit.options.get("select_related")
        return qs.select_related(*related) if related else qs


class DetailView(StaffScoped, KitDetailView):
    pass


class UpdateView(StaffScoped, KitUpdateView):
    pass


class HistoryView(StaffScoped, KitHistoryView):
    pass


class DeleteView(StaffScoped, KitDeleteView):
    pass


class PharmacyReportCreateView(KitCreateView):
    def get_initial(self):
        mine = Facility.objects.filter(
            kind=Facility.Kind.PHARMACY, pk__in=services.member_facility_ids(self.request.user)
        ).first()
        return {"pharmacy": mine.pk} if mine else {}


class ContactCreateView(KitCreateView):
    """Coming from a case's page (``?case=<id>``), the case is filled in."""

    def get_initial(self):
        case = self.request.GET.get("case", "")
        return {"case": int(case)} if case.isdigit() else {}


class NotesDetailView(DetailView):
    """Detail pages with clinical notes: shown to clinical roles and the command office only."""

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        context["can_read_notes"] = covers(self.request.user, "medical.view_clinical_notes", obj)
        return context


class ReferralDetailView(DetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        dst = obj.to_facility
        context["notices"] = obj.notices.select_related("notified_by", "sms").order_by(
            "notified_at"
        )
        context["may_acknowledge"] = obj.acknowledged_at is None and (
            user.is_superuser
            or dst.pk in services.member_facility_ids(user)
            or (dst.external and obj.from_facility_id in services.member_facility_ids(user))
        )
        context["needs_receiver"] = dst.external
        context["ack_form"] = AcknowledgeForm()
        return context


class CaseDetailView(NotesDetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        context["masked_id"] = obj.patient.masked("id_number")
        context["transitions"] = selectors.case_transitions(actor=user, case=obj)
        context["allowed"] = [
            Case.Status(s).label for s in sorted(services.TRANSITIONS[Case.Status(obj.status)])
        ]
        context["may_classify"] = covers(user, services.CLASSIFY, obj)
        context["may_trace"] = covers(user, "medical.change_contact", obj)
        form = TransitionForm()
        form.fields["to_status"].choices = [
            (s, Case.Status(s).label) for s in sorted(services.TRANSITIONS[Case.Status(obj.status)])
        ]
        context["transition_form"] = form
        context["household_form"] = HouseholdContactsForm(
            initial={"exposure_date": obj.reported_at.date()}
        )
        context["contacts"] = obj.contacts.select_related("person").order_by("id")
        context["timeline"] = selectors.case_timeline(actor=user, case=obj)
        chain = selectors.case_chain(actor=user, case=obj)
        chain["categories"] = [
            {"name": _("case")},
            {"name": _("contact under observation")},
            {"name": _("contact not yet observed")},
        ]
        context["chain"] = chain
        return context


def _case_for(request, pk: int, action: str = "view") -> Case:
    return get_scoped_object_or_404(
        Case,
        request.user,
        action,
        pk,
        request=request,
        queryset=scoped_queryset(Case, request.user).select_related("patient", "area"),
    )


@login_required
@require_POST
def case_transition_view(request, pk: int):
    case = _case_for(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.case_transition(
                actor=request.user,
                case=case,
                to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
                at=form.cleaned_data["at"],
                severity=form.cleaned_data["severity"] or None,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            log_denied(request, f"classify medical.case#{pk}")
            raise
        else:
            messages.success(request, _("Case classification changed."))
    else:
        messages.error(request, _("Choose the new classification and give the reason."))
    return redirect("medical:case_detail", pk=case.pk)


@login_required
@require_POST
def case_household_view(request, pk: int):
    case = _case_for(request, pk)
    if not covers(request.user, "medical.add_contact", case):
        raise PermissionDenied
    form = HouseholdContactsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the last exposure date."))
    else:
        try:
            added = services.contacts_from_household(
                actor=request.user, case=case, exposure_date=form.cleaned_data["exposure_date"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(n)d household contacts listed.") % {"n": len(added)})
    return redirect("medical:case_detail", pk=case.pk)


@login_required
@require_POST
def case_observe_view(request, pk: int):
    case = _case_for(request, pk)
    if not covers(request.user, "medical.change_contact", case):
        raise PermissionDenied
    form = ObserveContactsForm(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, _("Choose the contacts to put under observation."))
    else:
        try:
            done = services.contacts_observe(
                actor=request.user, case=case, contacts=list(form.cleaned_data["contacts"])
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("%(n)d contacts are now under medical observation.") % {"n": len(done)}
            )
    return redirect("medical:case_detail", pk=case.pk)


@login_required
@require_POST
def referral_acknowledge_view(request, pk: int):
    referral = get_scoped_object_or_404(
        Referral,
        request.user,
        "view",
        pk,
        request=request,
        queryset=scoped_queryset(Referral, request.user),
    )
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.referral_acknowledge(
                actor=request.user,
                referral=referral,
                at=form.cleaned_data["at"],
                receiver_name=form.cleaned_data["receiver_name"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            log_denied(request, f"acknowledge medical.referral#{pk}")
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Receipt of the patient acknowledged."))
    return redirect("medical:referral_detail", pk=referral.pk)


class PatientDeskView(View):
    """A desk form that finds or registers the patient and calls one service."""

    form_class = None
    permission = ""
    title = ""
    list_url = ""

    @method_decorator(login_required)
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            log_denied(request, self.permission)
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        response = render(
            self.request,
            "core/generic/form.html",
            {"form": form, "title": self.title, "cancel_url": reverse(self.list_url)},
        )
        return no_store(response)

    def get(self, request):
        return self.render_form(self.form_class(actor=request.user, initial=self.initial()))

    def initial(self):
        return {}

    def post(self, request):
        form = self.form_class(request.POST, actor=request.user)
        if not form.is_valid():
            return self.render_form(form)
        try:
            obj = self.save(form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
            return self.render_form(form)
        return redirect(self.success_url(obj))


class TriageView(PatientDeskView):
    form_class = TriageForm
    permission = "medical.add_fevervisit"
    list_url = "medical:fevervisit_list"

    @property
    def title(self):
        return _("Pre-screening triage")

    def initial(self):
        return {"disposition": FeverVisit.Disposition.HOME}

    def save(self, data):
        visit = services.triage_create(
            actor=self.request.user, data=data, ip=self.request.META.get("REMOTE_ADDR")
        )
        messages.success(self.request, _("Triage recorded."))
        return visit

    def success_url(self, visit):
        case = visit.cases.first()
        if case is not None:
            return reverse("medical:case_detail", args=[case.pk])
        return reverse("medical:fevervisit_detail", args=[visit.pk])


class ClinicReportView(PatientDeskView):
    form_class = ClinicReportForm
    permission = "medical.add_clinicreport"
    list_url = "medical:clinicreport_list"

    @property
    def title(self):
        return _("Report a fever patient and refer them")

    def save(self, data):
        report = services.clinic_report_create(
            actor=self.request.user, data=data, ip=self.request.META.get("REMOTE_ADDR")
        )
        messages.success(self.request, _("Fever patient reported and referred."))
        return report

    def success_url(self, report):
        return reverse("medical:clinicreport_detail", args=[report.pk])


@login_required
def index(request):
    """The module's desk: what this user can do and see here."""
    user = request.user
    links = [
        ("medical.add_fevervisit", "medical:triage", _("Pre-screening triage"), "thermometer"),
        (
            "medical.add_clinicreport",
            "medical:clinicreport_create",
            _("Report a fever patient and refer them"),
            "send",
        ),
        (
            "medical.add_pharmacyreport",
            "medical:pharmacyreport_create",
            _("Register a buyer of fever medicine"),
            "capsule",
        ),
        ("medical.view_homevisittask", "medical:homevisittask_list", _("Home visits"), "house"),
        (
            "medical.view_fevervisit",
            "medical:fevervisit_list",
            _("Fever-clinic visits"),
            "clipboard2-pulse",
        ),
        ("medical.view_referral", "medical:referral_list", _("Referrals"), "arrow-left-right"),
        ("medical.view_case", "medical:case_list", _("Cases"), "virus"),
        ("medical.view_contact", "medical:contact_list", _("Contacts"), "diagram-3"),
        (
            "medical.view_pharmacyreport",
            "medical:pharmacyreport_list",
            _("Pharmacy reports"),
            "capsule-pill",
        ),
        (
            "medical.view_clinicreport",
            "medical:clinicreport_list",
            _("Clinic fever reports"),
            "hospital",
        ),
        (
            "medical.view_jurisdictionnotice",
            "medical:jurisdictionnotice_list",
            _("Notices to other jurisdictions"),
            "envelope",
        ),
        ("medical.view_facility", "medical:facility_list", _("Facilities"), "building"),
        (
            "medical.view_facilitymember",
            "medical:facilitymember_list",
            _("Facility staff"),
            "person-badge",
        ),
        (
            "medical.view_jurisdiction",
            "medical:jurisdiction_list",
            _("Other jurisdictions"),
            "signpost-split",
        ),
    ]
    shown = [(reverse(u), label, icon) for perm, u, label, icon in links if user.has_perm(perm)]
    if not shown:
        raise Http404
    return render(request, "medical/index.html", {"links": shown, "title": _("Treatment")})
