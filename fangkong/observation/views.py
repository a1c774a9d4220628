"""Pages of the observation module. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.exceptions import StaleVersion
from fangkong.core.generic import (
    apply_validation_error,
    get_scoped_object_or_404,
    no_store,
    with_masked,
)
from fangkong.core.kit.views import KitCreateView, KitDetailView, KitListView
from fangkong.core.sensitive import can_view_sensitive, log_access
from fangkong.core.signals import client_ip, log_denied
from fangkong.observation import selectors, services
from fangkong.observation.forms import (
    CheckForm,
    CloseForm,
    ExtendForm,
    ReleaseForm,
    StartForm,
    TransferForm,
)
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    Measure,
    Observation,
    ObservationSite,
    TeamRole,
)


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied


# --------------------------------------------------------------------------- key persons


class KeyPersonListView(KitListView):
    def get(self, request, *args, **kwargs):
        # The list opens on who needs action; "Clear" (an explicit empty filter) shows all.
        if not request.GET:
            return redirect(f"{request.path}?needs=any")
        return super().get(request, *args, **kwargs)


class KeyPersonDetailView(KitDetailView):
    def get_crumbs(self, obj):
        return [{"label": _("Key persons"), "url": reverse("observation:keyperson_list")}]

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        context["observations"] = obj.observations.select_related("site").order_by("-start_date")
        context["others"] = (
            KeyPerson.objects.restrict(self.request.user, "view")
            .filter(person=obj.person)
            .exclude(pk=obj.pk)
            .select_related("category")
        )
        context["person_masked"] = with_masked([obj.person])[0]
        context["can_observe"] = (
            obj.status == KeyPerson.Status.OPEN
            and context["can_change"]
            and self.request.user.has_perm("observation.add_observation")
        )
        return context


class KeyPersonCreateView(KitCreateView):
    def get_initial(self):
        return {"source": KeyPerson.Source.MANUAL}


def _get(request, model, pk, action="view", queryset=None):
    return get_scoped_object_or_404(
        model, request.user, action, pk, request=request, queryset=queryset
    )


@login_required
def key_person_observe(request, pk):
    """One action from a key person: start the 14-day observation (home or centralised)."""
    _require(request, "observation.add_observation")
    kp = _get(request, KeyPerson, pk, "change", KeyPerson.objects.select_related("person", "area"))
    sites = ObservationSite.objects.restrict(request.user, "view").filter(active=True)
    form = StartForm(
        request.POST or None,
        sites=sites,
        initial={"kind": Observation.Kind.HOME, "start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = {
            "key_person": kp,
            "kind": form.cleaned_data["kind"],
            "site": form.cleaned_data.get("site"),
            "room": form.cleaned_data.get("room") or "",
            "start_date": form.cleaned_data.get("start_date"),
        }
        try:
            obs = services.observation_create(actor=request.user, data=data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request, _("Observation started until %(d)s.") % {"d": obs.planned_end_date}
            )
            return redirect("observation:observation_detail", obs.pk)
    end = services.planned_end(kp, timezone.localdate())
    return no_store(
        render(
            request,
            "observation/observe_form.html",
            {"form": form, "key_person": kp, "planned_end": end, "title": _("Start observation")},
            status=400 if form.errors else 200,
        )
    )


@login_required
def key_person_close(request, pk):
    kp = _get(request, KeyPerson, pk, "change", KeyPerson.objects.select_related("person"))
    form = CloseForm(request.POST or None, initial={"version": kp.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.key_person_close(
                actor=request.user,
                key_person=kp,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data.get("version"),
            )
        except (ValidationError, StaleVersion) as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Closed."))
            return redirect("observation:keyperson_detail", kp.pk)
    return _action_page(request, form, _("Close key-person record"), kp, "keyperson_detail")


def _form_error(form, exc):
    if isinstance(exc, StaleVersion):
        form.add_error(None, _("Someone else changed this record meanwhile; reload and try again."))
    else:
        apply_validation_error(form, exc)


def _action_page(request, form, title, obj, back, extra=None):
    context = {
        "form": form,
        "title": title,
        "object": obj,
        "cancel_url": reverse(f"observation:{back}", args=[obj.pk]),
        **(extra or {}),
    }
    return no_store(
        render(request, "observation/action_form.html", context, status=400 if form.errors else 200)
    )


# --------------------------------------------------------------------------- observations


class ObservationListView(KitListView):
    pass


class ObservationCreateView(KitCreateView):
    def get_initial(self):
        return {"start_date": timezone.localdate(), "kind": Observation.Kind.HOME}


class ObservationDetailView(KitDetailView):
    def get_queryset(self):
        return Observation.objects.select_related("person", "area", "site", "key_person__category")

    def get_crumbs(self, obj):
        return [{"label": _("Observations"), "url": reverse("observation:observation_list")}]

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        user = self.request.user
        team = with_masked(list(obj.team.select_related("role", "user")))
        seats = {m.role_id: m for m in team}
        context["seats"] = [
            (role, seats.get(role.pk)) for role in TeamRole.objects.filter(active=True)
        ]
        ticks = {t.measure_id: t for t in obj.measure_ticks.select_related("done_by")}
        context["measures"] = [(m, ticks.get(m.pk)) for m in Measure.objects.filter(active=True)]
        context["checks"] = selectors.observation_checks(obj)
        context["person_masked"] = with_masked([obj.person])[0]
        context["blockers"] = services.release_blockers(obj)
        context["may_check"] = obj.status == Observation.Status.ACTIVE and (
            services.is_team_member(user, obj) or _may_add_check(user, obj)
        )
        context["notice"] = getattr(obj, "release_notice", None)
        context["may_add_member"] = (
            user.has_perm("observation.add_teammember") and context["can_change"]
        )
        context["today"] = timezone.localdate()
        return context


def _may_add_check(user, obs) -> bool:
    return (
        Observation.objects.restrict(user, "view", perm="observation.add_healthcheck")
        .filter(pk=obs.pk)
        .exists()
    )


def _obs_action(request, pk, form_class, title, run, initial=None, extra=None):
    obs = _get(
        request, Observation, pk, "change", Observation.objects.select_related("person", "area")
    )
    form = form_class(request.POST or None, initial={"version": obs.version, **(initial or {})})
    if request.method == "POST" and form.is_valid():
        try:
            run(obs, form.cleaned_data)
        except (ValidationError, StaleVersion) as exc:
            _form_error(form, exc)
        else:
            return redirect("observation:observation_detail", obs.pk)
    return _action_page(request, form, title, obs, "observation_detail", extra)


@login_required
def observation_extend(request, pk):
    def run(obs, data):
        services.observation_extend(
            actor=request.user,
            observation=obs,
            new_end=data["new_end"],
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        messages.success(request, _("Extended to %(d)s.") % {"d": data["new_end"]})

    return _obs_action(request, pk, ExtendForm, _("Extend observation"), run)


@login_required
def observation_transfer(request, pk):
    def run(obs, data):
        services.observation_transfer(
            actor=request.user,
            observation=obs,
            hospital=data["hospital"],
            reason=data.get("reason") or "",
            expected_version=data.get("version"),
        )
        messages.success(request, _("Transferred to hospital."))

    return _obs_action(request, pk, TransferForm, _("Transfer to hospital"), run)


@login_required
def observation_release(request, pk):
    obs = _get(request, Observation, pk, "view")

    def run(obs, data):
        services.observation_release(
            actor=request.user, observation=obs, expected_version=data.get("version")
        )
        messages.success(request, _("Released; the release notice is ready to print."))

    return _obs_action(
        request,
        pk,
        ReleaseForm,
        _("Release from observation"),
        run,
        extra={"blockers": services.release_blockers(obs), "release": True},
    )


@login_required
def release_notice_pdf(request, pk):
    """The 解除医学观察通知书 as a PDF (WeasyPrint). Each print is counted on the notice and,
    when the full ID number is printed, written to the access log."""
    obs = _get(
        request, Observation, pk, "view", Observation.objects.select_related("person", "area")
    )
    notice = getattr(obs, "release_notice", None)
    if notice is None:
        raise Http404
    person = obs.person
    full = can_view_sensitive(request.user, person)
    id_text = person.id_number if full else with_masked([person])[0].masked_id_number
    if full:
        log_access(
            actor=request.user,
            subjects=[person],
            action="view",
            fields=["id_number"],
            reason=_("release notice %(n)s") % {"n": notice.number},
            ip=client_ip(request),
        )
    services.notice_printed(notice, request.user)
    from django.template.loader import render_to_string
    from weasyprint import CSS, HTML

    html = render_to_string(
        "observation/release_notice.html",
        {"obs": obs, "person": person, "notice": notice, "id_text": id_text},
    )
    # The stylesheet is read from the app's static folder (no inline <style>, no URL fetch).
    css = Path(__file__).parent / "static" / "observation" / "release_notice.css"
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(css))])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="release-notice-{notice.pk}.pdf"'
    return no_store(response)


@login_required
@require_POST
def measure_toggle(request, pk, measure_pk):
    obs = _get(request, Observation, pk, "change")
    measure = Measure.objects.filter(pk=measure_pk).first()
    if measure is None:
        raise Http404
    services.measure_toggle(
        actor=request.user, observation=obs, measure=measure, done=request.POST.get("done") == "1"
    )
    return redirect(reverse("observation:observation_detail", args=[obs.pk]) + "#measures")


# --------------------------------------------------------------------------- checks


def _check_target(request, pk) -> Observation:
    """The observation a check is recorded for: in the actor's scope for adding checks, or one
    whose team the actor serves on (a police officer of another station); else 404."""
    obs = (
        Observation.objects.select_related("person", "area")
        .filter(pk=pk)
        .filter(
            Q(
                pk__in=Observation.objects.restrict(
                    request.user, "view", perm="observation.add_healthcheck"
                ).values("pk")
            )
            | Q(team__user=request.user)
        )
        .distinct()
        .first()
    )
    if obs is None:
        log_denied(request, f"add check observation#{pk}")
        raise Http404
    return obs


@login_required
def record_check(request, pk):
    """Record this half-day's check at the door: temperature, symptoms, one tap to save; back
    to the today list for the next household."""
    obs = _check_target(request, pk)
    now = timezone.now()
    initial = {"date": timezone.localdate(), "half": services.current_half(now)}
    form = CheckForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            "observation": obs,
            "temperature": form.cleaned_data["temperature"],
            "symptoms": list(form.cleaned_data["symptoms"]),
            "date": form.cleaned_data["date"],
            "half": form.cleaned_data["half"],
            "note": form.cleaned_data.get("note") or "",
        }
        try:
            check = services.check_create(actor=request.user, data=data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            if check.abnormal:
                messages.warning(
                    request,
                    _(
                        "%(name)s: %(t)s °C recorded — not normal; the clinicians and the "
                        "village have been alerted."
                    )
                    % {"name": obs.person.name, "t": check.temperature},
                )
            else:
                messages.success(
                    request,
                    _("%(name)s: %(t)s °C recorded.")
                    % {"name": obs.person.name, "t": check.temperature},
                )
            return redirect(request.POST.get("next") or reverse("observation:today"))
    recent = list(obs.checks.order_by("-date", "-half")[:4])
    return no_store(
        render(
            request,
            "observation/check_form.html",
            {
                "form": form,
                "obs": obs,
                "recent": recent,
                "title": _("Record check"),
                "threshold": _threshold(),
            },
            status=400 if form.errors else 200,
        )
    )


def _threshold():
    from django.conf import settings

    return settings.FANGKONG_FEVER_THRESHOLD


class CheckCreateView(KitCreateView):
    def get_initial(self):
        return {"date": timezone.localdate(), "half": services.current_half()}


@login_required
def today(request):
    """The worker's round: who still needs this half-day's check (first), one tap to record."""
    _require(request, "observation.view_observation")
    now = timezone.now()
    half = request.GET.get("half") or services.current_half(now)
    if half not in HealthCheck.Half.values:
        half = services.current_half(now)
    rows = selectors.today_list(actor=request.user, half=half)
    todo = [o for o in rows if not o.done]
    return no_store(
        render(
            request,
            "observation/today.html",
            {
                "rows": rows,
                "todo": len(todo),
                "done": len(rows) - len(todo),
                "half": half,
                "half_label": HealthCheck.Half(half).label,
                "day": timezone.localdate(),
                "title": _("Today's checks"),
                "other_half": "pm" if half == "am" else "am",
            },
        )
    )


# --------------------------------------------------------------------------- sites, dashboard


@login_required
def site_capacity(request):
    _require(request, "observation.view_observationsite")
    sites = list(selectors.site_capacity(actor=request.user))
    for site in sites:
        site.free = max(site.capacity - site.occupied, 0)
        site.percent = round(100 * site.occupied / site.capacity) if site.capacity else 0
    totals = {
        "capacity": sum(s.capacity for s in sites if s.active),
        "occupied": sum(s.occupied for s in sites),
    }
    totals["free"] = max(totals["capacity"] - totals["occupied"], 0)
    return render(
        request,
        "observation/site_capacity.html",
        {"sites": sites, "totals": totals, "title": _("Capacity of centralised sites")},
    )


@login_required
def dashboard(request):
    """The observation dashboard of the user's area, by town or village (drill down)."""
    _require(request, "observation.view_observation")
    from fangkong.observation.dashboard import dashboard_context

    try:
        context = dashboard_context(request.user, request.GET.get("area"))
    except LookupError:
        raise Http404 from None
    return render(
        request, "observation/dashboard.html", {**context, "title": _("Observation dashboard")}
    )


# --------------------------------------------------------------------------- configurable lists


@login_required
def list_settings(request, kind):
    """The command office's configurable lists: key-person categories, team roles, 六个一
    measures, symptoms (add, rename, reorder, retire)."""
    from fangkong.observation.lists import LISTS, list_page

    if kind not in LISTS:
        raise Http404
    return list_page(request, kind)
