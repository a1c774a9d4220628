"""The surveys section of the daily report: coverage of the latest campaign(s) as of 24:00,
visits of the day and risks found, by town, each with a link to the visits behind it.

Computed from the records' own times (``visited_at``), as of ``ctx.end``: a visit entered late
for an earlier day counts for that day; a later visit never changes an earlier report. A
revisit updates its visit in place, so a household first found unreachable and seen two days
later counts as seen from the day it was seen.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import Figure, FigureContext, count_by_unit, figure_section


def _latest_campaigns(ctx: FigureContext) -> dict[int, list]:
    """Unit id -> the latest campaign(s) started by ``ctx.day`` that cover it (launched for
    the district, the unit, or places inside the unit); ties all count."""
    from fangkong.surveys.models import Campaign

    candidates = [
        c
        for c in Campaign.objects.filter(starts_on__lte=ctx.day).select_related("area")
        if ctx.root.path.startswith(c.area.path) or c.area.path.startswith(ctx.root.path)
    ]
    chosen: dict[int, list] = {}
    for unit in ctx.units:
        mine = [
            c
            for c in candidates
            if unit.path.startswith(c.area.path) or c.area.path.startswith(unit.path)
        ]
        if mine:
            latest = max(c.starts_on for c in mine)
            chosen[unit.pk] = [c for c in mine if c.starts_on == latest]
    return chosen


def _visits_link(**params) -> str:
    return reverse("surveys:visit_list") + "?" + urlencode(params, doseq=True)


@figure_section("surveys", _("Carpet surveys"), order=70)
def survey_figures(ctx: FigureContext) -> list[Figure]:
    from fangkong.places.models import Household
    from fangkong.surveys.models import Visit, VisitAnswer

    chosen = _latest_campaigns(ctx)
    if not chosen:
        return []  # no survey had started: nothing to report, not a zero
    end = ctx.end
    households: dict[int, int] = {}
    seen: dict[int, int] = {}
    by_set: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for unit_id, campaigns in chosen.items():
        by_set[tuple(sorted(c.pk for c in campaigns))].append(unit_id)
    for ids, unit_ids in by_set.items():
        campaigns = [c for c in chosen[unit_ids[0]]]
        # Households of the campaigns' areas registered by 24:00 (a household registered
        # later was not there to be surveyed).
        area_q = None
        from django.db.models import Q

        for c in campaigns:
            q = Q(area__path__startswith=c.area.path)
            area_q = q if area_q is None else area_q | q
        _t, hh = count_by_unit(
            Household.all_objects.filter(area_q, created_at__lt=end).exclude(deleted_at__lt=end),
            ctx,
        )
        # Seen: of those same households (one visit per household and campaign), so that
        # coverage cannot pass 100 % when a household is registered after its visit.
        _t, sn = count_by_unit(
            Visit.objects.filter(
                campaign_id__in=ids,
                outcome=Visit.Outcome.SEEN,
                visited_at__lt=end,
                household__created_at__lt=end,
            ).exclude(household__deleted_at__lt=end),
            ctx,
        )
        for unit_id in unit_ids:
            households[unit_id] = hh.get(unit_id, 0)
            seen[unit_id] = sn.get(unit_id, 0)
    total_hh, total_seen = sum(households.values()), sum(seen.values())
    percent = {u: (100 * seen[u] // households[u]) if households[u] else 0 for u in households}
    campaign_ids = sorted({c.pk for cs in chosen.values() for c in cs})
    day = ctx.day.isoformat()
    visits_total, visits_by = count_by_unit(
        Visit.objects.filter(visited_at__gte=ctx.start, visited_at__lt=end), ctx
    )
    risks_total, risks_by = count_by_unit(
        VisitAnswer.objects.filter(
            visit__visited_at__gte=ctx.start, visit__visited_at__lt=end
        ).exclude(risk=""),
        ctx,
        path_lookup="visit__household__area__path",
    )
    return [
        Figure(
            "households",
            _("households to survey (latest round)"),
            total_hh,
            households,
            link=_visits_link(campaign=campaign_ids) if len(campaign_ids) == 1 else "",
        ),
        Figure(
            "households_seen",
            _("households seen (到户见人)"),
            total_seen,
            seen,
            link=_visits_link(campaign=campaign_ids[0], outcome="seen")
            if len(campaign_ids) == 1
            else _visits_link(outcome="seen"),
        ),
        Figure(
            "coverage_percent",
            _("survey coverage"),
            (100 * total_seen // total_hh) if total_hh else 0,
            percent,
            unit="%",
        ),
        Figure(
            "visits_today",
            _("household visits that day"),
            visits_total,
            visits_by,
            link=_visits_link(day=day),
        ),
        Figure(
            "risks_found",
            _("persons with a risk found that day"),
            risks_total,
            risks_by,
            link=_visits_link(day=day, risky="true"),
        ),
    ]
