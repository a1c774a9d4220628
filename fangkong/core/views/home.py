"""The home page: the user's areas and figures."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.models import Job
from fangkong.core.scoping import area_model

# --------------------------------------------------------------------------- home


@login_required
def home(request: HttpRequest) -> HttpResponse:
    Area = area_model()
    # The app holding the area tree answers for its figures (core does not import it).
    tree = apps.get_app_config(Area._meta.app_label)
    user = request.user
    roots = list(tree.area_roots(actor=user).select_related("parent")[:50])
    counts = tree.area_counts(actor=user, areas=roots)
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
        "total_persons": tree.scoped_total(actor=user, label="people.person"),
        "total_households": tree.scoped_total(actor=user, label="places.household"),
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
