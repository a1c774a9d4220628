"""Pages of the surveys app. Thin: parse, call a selector or service, render.

The kit gives the lists, create/edit/delete and history pages (urls.py); here are the pages
the kit cannot guess: a campaign's coverage (tree, lagging grids, treemap), the blanks list a
grid worker picks households from, the visit form for a phone at a door, a visit's answers,
a unit's roster (who has not declared) and the declaration form.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.kit.views import KitDetailView, KitListView
from fangkong.core.paging import CappedPaginator
from fangkong.core.scoping import get_in_scope
from fangkong.core.signals import log_denied
from fangkong.surveys import selectors, services
from fangkong.surveys.forms import DeclarationForm, parse_visit_post
from fangkong.surveys.models import Campaign, Declaration, Symptom, Unit, UnitStaff, Visit

PAGE = 25


def _campaign(request, pk) -> Campaign:
    """A campaign the user may see (one over their grids included), else 404 (logged)."""
    return get_in_scope(
        model=Campaign,
        user=request.user,
        action="view",
        pk=pk,
        lookup=lambda action: selectors.campaign_get(actor=request.user, pk=pk),
        request=request,
    )


def _area_in(request, campaign):
    from fangkong.places.models import Area

    raw = request.GET.get("area", "")
    if not raw.isdigit():
        return campaign.area
    area = (
        Area.objects.restrict(request.user, "view", perm=selectors.COVERAGE_PERM)
        .filter(pk=int(raw), path__startswith=campaign.area.path)
        .first()
    )
    if area is None:
        raise Http404
    return area


class CampaignListView(KitListView):
    def base_queryset(self):
        return selectors.campaign_list(actor=self.request.user)


class CampaignDetailView(KitDetailView):
    """The campaign's coverage: the area's children with seen/total, the lagging grids, the
    coloured treemap (refreshes itself), and the links to blanks and visits."""

    def get_object(self, pk=None, action=None):
        return _campaign(self.request, self.kwargs["pk"])

    def may(self, action, obj):
        return Campaign.objects.restrict(self.request.user, action).filter(pk=obj.pk).exists()

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        node = _area_in(self.request, obj)
        tree = selectors.coverage_tree(actor=self.request.user, campaign=obj, root=node)
        context.update(
            node=tree,
            lagging=selectors.lagging(tree, 10) if tree else [],
            may_visit=self.request.user.has_perm("surveys.add_visit") and obj.status == "open",
            refresh=settings.FANGKONG_SURVEY_REFRESH_SECONDS,
            area=node,
        )
        return context


@login_required
def coverage_json(request, pk):
    """The coverage tree as JSON for the treemap (polled every minute by coverage.js)."""
    campaign = _campaign(request, pk)
    tree = selectors.coverage_tree(
        actor=request.user, campaign=campaign, root=_area_in(request, campaign)
    )
    response = JsonResponse({"tree": tree.as_dict() if tree else None})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def blanks_view(request, pk):
    """Households not yet seen in the campaign, in the user's grids; search as you type
    (coverage.js asks for ``?partial=1`` and swaps the list)."""
    campaign = _campaign(request, pk)
    if not request.user.has_perm(selectors.COVERAGE_PERM):
        log_denied(request, selectors.COVERAGE_PERM)
        raise PermissionDenied
    query = request.GET.get("q", "")[:50]
    queryset = selectors.blanks(
        actor=request.user, campaign=campaign, query=query, area=_area_in(request, campaign)
    )
    page = CappedPaginator(queryset, PAGE).get_page(request.GET.get("page"))
    retries = selectors.retry_dates(campaign, page.object_list)
    rows = [(h, retries.get(h.pk)) for h in page.object_list]
    partial = request.GET.get("partial") or request.headers.get("HX-Request")
    template = "surveys/_blanks.html" if partial else "surveys/blanks.html"
    return render(
        request,
        template,
        {
            "campaign": campaign,
            "page_obj": page,
            "rows": rows,
            "q": query,
            "can_visit": request.user.has_perm("surveys.add_visit")
            and campaign.status == Campaign.Status.OPEN,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def visit_form(request, pk, household_pk):
    """The visit form for a phone at a door: members to tick, answers per person, newcomers,
    or "not reachable" with a reason and a retry date. A double-tapped submit carries the same
    client id and stores once."""
    campaign = _campaign(request, pk)
    if not request.user.has_perm("surveys.add_visit"):
        log_denied(request, "surveys.add_visit")
        raise PermissionDenied
    try:
        _c, household = services.visit_context(
            actor=request.user, campaign_id=campaign.pk, household_id=household_pk
        )
    except ValidationError:
        log_denied(request, f"visit household#{household_pk}")
        raise Http404 from None
    members = list(household.members.filter(merged_into__isnull=True).order_by("id"))
    existing = Visit.objects.filter(campaign=campaign, household=household).first()
    errors, posted, payload = {}, None, None
    if request.method == "POST":
        payload, client_id = parse_visit_post(request.POST, campaign, household, members)
        posted = request.POST
        try:
            result = services.visit_record(actor=request.user, data=payload, client_id=client_id)
        except ValidationError as exc:
            errors = _labelled(exc.message_dict, members)
        else:
            note = {
                "stored": _("Visit recorded."),
                "updated": _("Visit updated (revisit)."),
                "already_stored": _("This visit was already recorded."),
            }[result.status]
            if result.visit.risks_found:
                note += " " + _("Risks found: the village has been alerted.")
            messages.success(request, note)
            return redirect(
                reverse("surveys:campaign_blanks", args=[campaign.pk])
                + f"?area={household.area_id}"
            )
    context = {
        "campaign": campaign,
        "household": household,
        "people": _people(members, payload, existing),
        "newcomers": _newcomer_slots(payload),
        "outcome": (payload or {}).get("outcome") or (existing.outcome if existing else ""),
        "reason": (payload or {}).get("unreachable_reason", ""),
        "retry_on": (payload or {}).get("retry_on") or "",
        "note": (payload or {}).get("note", existing.note if existing else ""),
        "existing": existing,
        "errors": errors,
        "posted": posted,
        "client_id": (posted or {}).get("client_id") or uuid.uuid4().hex,
        "symptoms": Symptom.choices,
        "reasons": Visit.Reason.choices,
        "extra": campaign.extra_list,
    }
    return render(request, "surveys/visit_form.html", context, status=422 if errors else 200)


def _people(members, payload, existing) -> list[dict]:
    """Each member with the values to show: as posted (after an error), as recorded at the last
    visit (a revisit), or blank."""
    posted = {p["person_id"]: p for p in (payload or {}).get("persons", [])}
    before = {}
    if existing is not None and payload is None:
        for a in existing.answers.all():
            before[a.person_id] = {
                "seen": a.seen,
                "lives_here": a.lives_here,
                "travel_origin": a.travel_origin,
                "arrival_date": a.arrival_date.isoformat() if a.arrival_date else "",
                "symptoms": a.symptom_list,
                "temperature": a.temperature,
                "contact": a.contact,
                "extra": [c == "1" for c in a.extra],
            }
    return [
        {"m": m, "p": f"p-{m.pk}", "v": posted.get(m.pk) or before.get(m.pk) or {}} for m in members
    ]


def _newcomer_slots(payload) -> list[dict]:
    from fangkong.surveys.forms import NEWCOMER_SLOTS

    given = list((payload or {}).get("newcomers", []))[:NEWCOMER_SLOTS]
    given += [{}] * (NEWCOMER_SLOTS - len(given))
    return [{"p": f"n-{k}", "v": v, "n": k + 1} for k, v in enumerate(given)]


def _labelled(errors: dict, members) -> dict:
    """Service error keys (``persons.0.temperature``) as what the worker sees: the person's
    name, or "newcomer 1"."""
    out: dict[str, list[str]] = {}
    for key, msgs in errors.items():
        parts = key.split(".")
        label = ""
        if parts[0] == "persons" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            label = members[index].name if index < len(members) else ""
        elif parts[0] == "newcomers" and len(parts) > 1 and parts[1].isdigit():
            label = _("newcomer %(n)d") % {"n": int(parts[1]) + 1}
        out.setdefault(label, []).extend(msgs)
    return out


class VisitListView(KitListView):
    pass


class VisitDetailView(KitDetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        context["answers"] = list(obj.answers.select_related("person"))
        context["symptom_labels"] = dict(Symptom.choices)
        return context


# --------------------------------------------------------------------------------- units


def _unit_for_roster(request, pk) -> Unit:
    """A unit the user may view (grant), or heads; else 404 (logged)."""

    def lookup(action):
        unit = Unit.objects.filter(pk=pk, head=request.user).first()
        return unit or Unit.objects.restrict(request.user, action).get(pk=pk)

    return get_in_scope(
        model=Unit, user=request.user, action="view", pk=pk, lookup=lookup, request=request
    )


class UnitDetailView(KitDetailView):
    """The unit and its roster: who has declared, who has not (the head's page)."""

    def get_object(self, pk=None, action=None):
        return _unit_for_roster(self.request, self.kwargs["pk"])

    def may(self, action, obj):
        return Unit.objects.restrict(self.request.user, action).filter(pk=obj.pk).exists()

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        staff = list(selectors.roster(obj))
        context.update(
            staff=staff,
            missing=sum(1 for s in staff if not s.declared),
            is_head=obj.head_id == self.request.user.pk,
        )
        return context


@require_http_methods(["POST"])
@login_required
def unit_link_account(request, pk):
    """Name the unit's head, or link a staff member to their user account (by user name)."""
    unit = get_in_scope(
        model=Unit,
        user=request.user,
        action="change",
        pk=pk,
        lookup=lambda action: Unit.objects.restrict(request.user, action).get(pk=pk),
        request=request,
    )
    username = request.POST.get("username", "").strip()[:150]
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        messages.error(request, _("No active user of that name."))
        return redirect("surveys:unit_detail", unit.pk)
    staff_id = request.POST.get("staff", "")
    with transaction.atomic():
        if staff_id.isdigit():
            staff = UnitStaff.objects.filter(unit=unit, pk=int(staff_id)).first()
            if staff is None:
                raise Http404
            services.staff_update(
                actor=request.user, staff=staff, expected_version=None, data={"user": user}
            )
        else:
            services.unit_update(
                actor=request.user, unit=unit, expected_version=None, data={"head": user}
            )
    messages.success(request, _("Saved."))
    return redirect("surveys:unit_detail", unit.pk)


@require_http_methods(["GET", "POST"])
@login_required
def declare(request, pk):
    """File or update a staff member's declaration: themself, the unit's head, or an officer
    who may add declarations in the unit's area; anyone else gets 404."""
    staff = UnitStaff.objects.select_related("unit__area").filter(pk=pk).first()
    if staff is None or not services.may_declare_for(request.user, staff):
        if staff is not None:
            log_denied(request, f"declare staff#{pk}")
        raise Http404
    current = staff.declarations.filter(current=True).first()
    form = DeclarationForm(request.POST or None, initial=DeclarationForm.initial_from(current))
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_submit(
                actor=request.user, staff=staff, data=form.cleaned_data
            )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            msg = _("Declaration no. %(n)d saved.") % {"n": declaration.number}
            if declaration.risk:
                msg += " " + _("It needs follow-up: the office has been alerted.")
            messages.success(request, msg)
            if staff.user_id == request.user.pk:
                return redirect("surveys:my_declarations")
            return redirect("surveys:unit_detail", staff.unit_id)
    history = list(staff.declarations.order_by("-number")[:20])
    return render(
        request,
        "surveys/declare.html",
        {"staff": staff, "form": form, "current": current, "history": history},
        status=422 if form.errors else 200,
    )


@login_required
def my_declarations(request):
    """The staff records the user declares for, and the units they head."""
    return render(
        request,
        "surveys/my_declarations.html",
        {
            "records": [
                (s, s.declarations.filter(current=True).first())
                for s in selectors.my_staff_records(actor=request.user)
            ],
            "units": selectors.units_headed(actor=request.user),
        },
    )


class DeclarationDetailView(KitDetailView):
    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        context["versions"] = list(
            Declaration.objects.filter(staff_id=obj.staff_id).order_by("-number")
        )
        context["symptom_labels"] = dict(Symptom.choices)
        return context
