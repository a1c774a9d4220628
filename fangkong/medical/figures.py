"""The medical module's sections of the daily report: "cases" and "medical".

Computed as of ``ctx.end`` from the records' own effective times: a case's classification at
24:00 is the last ``CaseTransition`` before then (so a later confirmation never changes an
earlier day's report); visits, referrals and reports count by when they happened. Cases of
patients of **another jurisdiction** are reported under ``external_*`` keys and never in the
district's own figures."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import (
    Figure,
    FigureContext,
    aggregate_by_unit,
    count_by_unit,
    dashboard_panel,
    figure_section,
)
from fangkong.medical.models import (
    Case,
    CaseTransition,
    ClinicReport,
    FeverVisit,
    PharmacyReport,
    Referral,
)

S = Case.Status


def _link(name: str, **params) -> str:
    url = reverse(f"medical:{name}")
    return f"{url}?{urlencode(params)}" if params else url


def _as_of(ctx: FigureContext):
    """Cases reported before 24:00, annotated with their classification at 24:00."""
    last = (
        CaseTransition.objects.filter(case=OuterRef("pk"), at__lt=ctx.end)
        .order_by("-at", "-id")
        .values("to_status")[:1]
    )
    return Case.objects.filter(reported_at__lt=ctx.end).annotate(status_then=Subquery(last))


def _ever(ctx: FigureContext, status: str, start=None):
    moves = CaseTransition.objects.filter(to_status=status, at__lt=ctx.end)
    if start is not None:
        moves = moves.filter(at__gte=start)
    return Case.objects.filter(pk__in=moves.values("case_id"))


def _case_figures(ctx: FigureContext, prefix: str, own: bool) -> list[Figure]:
    def mine(qs):
        return qs.filter(home_jurisdiction__isnull=own)

    day = ctx.day.isoformat()
    cases = _link("case_list", external="true" if not own else "false")
    return [
        Figure(
            f"{prefix}confirmed_new",
            _("confirmed today"),
            *count_by_unit(mine(_ever(ctx, S.CONFIRMED, ctx.start)), ctx),
            link=cases,
        ),
        Figure(
            f"{prefix}confirmed_cumulative",
            _("confirmed, cumulative"),
            *count_by_unit(mine(_ever(ctx, S.CONFIRMED)), ctx),
            link=cases,
        ),
        Figure(
            f"{prefix}suspected_new",
            _("suspected, reported today"),
            *count_by_unit(
                mine(Case.objects.filter(reported_at__gte=ctx.start, reported_at__lt=ctx.end)), ctx
            ),
            link=_link("case_list", day=day, external="true" if not own else "false"),
        ),
        Figure(
            f"{prefix}suspected_current",
            _("suspected at 24:00"),
            *count_by_unit(mine(_as_of(ctx).filter(status_then=S.SUSPECTED)), ctx),
            link=cases,
        ),
        Figure(
            f"{prefix}excluded_cumulative",
            _("excluded, cumulative"),
            *count_by_unit(mine(_ever(ctx, S.EXCLUDED)), ctx),
            link=cases,
        ),
    ]


def _case_summary(ctx: FigureContext, figures: list[Figure]) -> str:
    values = {f.key: f.total for f in figures}
    text = _(
        "As of 24:00 the district has %(confirmed)d confirmed and %(suspected)d suspected cases "
        "of its own."
    ) % {
        "confirmed": values.get("confirmed_cumulative", 0),
        "suspected": values.get("suspected_current", 0),
    }
    if values.get("external_suspected_new") or values.get("external_received"):
        text += " " + _(
            "Patients of other jurisdictions handled by the district's facilities: %(n)d "
            "(not counted as the district's own)."
        ) % {"n": values.get("external_received", 0)}
    return str(text)


@figure_section("cases", _("Suspected and confirmed cases"), order=10, summary=_case_summary)
def case_figures(ctx: FigureContext) -> list[Figure]:
    external = _case_figures(ctx, "external_", own=False)
    received = Case.objects.filter(home_jurisdiction__isnull=False, reported_at__lt=ctx.end)
    external.append(
        Figure(
            "external_received",
            _("patients of other jurisdictions received, cumulative"),
            *count_by_unit(received, ctx),
            link=_link("case_list", external="true"),
        )
    )
    return [*_case_figures(ctx, "", own=True), *external]


def _today(qs, field: str, ctx: FigureContext):
    return qs.filter(**{f"{field}__gte": ctx.start, f"{field}__lt": ctx.end})


@figure_section("medical", _("Fever clinics, referrals and fever reports"), order=50)
def medical_figures(ctx: FigureContext) -> list[Figure]:
    day = ctx.day.isoformat()
    visits = aggregate_by_unit(
        _today(FeverVisit.objects.all(), "visited_at", ctx),
        ctx,
        {"all": Count("pk"), "suspected": Count("pk", filter=Q(assessment="suspected"))},
    )
    return [
        Figure(
            "fever_visits",
            _("fever-clinic visits"),
            *visits["all"],
            link=_link("fevervisit_list", day=day),
        ),
        Figure(
            "suspected_at_triage",
            _("assessed as suspected at triage"),
            *visits["suspected"],
            link=_link("fevervisit_list", day=day, assessment="suspected"),
        ),
        Figure(
            "referrals",
            _("referrals"),
            *count_by_unit(_today(Referral.objects.all(), "referred_at", ctx), ctx),
            link=_link("referral_list", day=day),
        ),
        Figure(
            "pharmacy_reports",
            _("pharmacy fever-medicine reports"),
            *count_by_unit(_today(PharmacyReport.objects.all(), "reported_at", ctx), ctx),
            link=_link("pharmacyreport_list", day=day),
        ),
        Figure(
            "clinic_reports",
            _("clinic fever reports"),
            *count_by_unit(_today(ClinicReport.objects.all(), "reported_at", ctx), ctx),
            link=_link("clinicreport_list", day=day),
        ),
    ]


def _may_visit(user) -> bool:
    return user.has_perm("medical.view_homevisittask")


@dashboard_panel(
    "medical_home_visits",
    _("Home visits owed"),
    template="medical/_panel_home_visits.html",
    order=40,
    visible=_may_visit,
)
def home_visits_panel(request) -> dict:
    """The home visits the signed-in user's grids still owe (pharmacy and clinic reports)."""
    from fangkong.medical.selectors import home_visit_list

    open_tasks = home_visit_list(actor=request.user, filters={"open": "true"})
    return {
        "open_count": open_tasks.count(),
        "first": list(open_tasks.order_by("due_at")[:5]),
        "url": _link("homevisittask_list", open="true"),
    }
