"""The home page: the user's areas and figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.models import Job

# --------------------------------------------------------------------------- home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from fangkong.people.models import Person
    from fangkong.places import counts as kept
    from fangkong.places.models import Area, Household
    from fangkong.places.selectors import area_counts, area_roots

    user = request.user
    roots = list(area_roots(actor=user).select_related("parent")[:50])
    counts = area_counts(actor=user, areas=roots)
    rows = [(root, counts[root.pk]) for root in roots]
    by_level = [
        (Area.Level(row["level"]).label, row["n"])
        for row in Area.objects.restrict(user, "view")
        .values("level")
        .annotate(n=Count("id"))
        .order_by("level")
    ]
    context = {
        "rows": rows,
        "by_level": by_level,
        # Everything in the user's scope (not only the first 50 areas listed), kept figures.
        "total_persons": kept.scoped_total(actor=user, model=Person),
        "total_households": kept.scoped_total(actor=user, model=Household),
        "counts_as_of": counts.as_of,
        "total_areas": sum(n for _label, n in by_level),
        "can_persons": user.has_perm("people.view_person"),
        "can_households": user.has_perm("places.view_household"),
        "grants": user.grants.active().select_related("role", "area").order_by("role__sort"),
        "running_jobs": Job.objects.filter(owner=user).exclude(
            status__in=[Job.Status.DONE, Job.Status.FAILED]
        )[:3],
    }
    return render(request, "core/home.html", context)
