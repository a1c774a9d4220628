"""The observation dashboard: today's figures for the user's area, one row per town (or per
village below a town), each number a link to the list behind it."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlencode

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.figures import count_by_unit
from fangkong.core.scoping import areas_for
from fangkong.observation import services
from fangkong.observation.models import HealthCheck, Observation
from fangkong.places.models import Area


def _root(user, area_id):
    areas = areas_for(user, "observation.view_observation")
    if area_id:
        try:
            return areas.get(pk=int(area_id))
        except (Area.DoesNotExist, ValueError):
            raise LookupError(area_id) from None
    level = areas.aggregate(m=Min("level"))["m"]
    if level is None:
        raise LookupError("no area")
    return areas.filter(level=level).order_by("path").first()


def dashboard_context(user, area_id=None) -> dict:
    """Figures of today for the root area and each area one level below it."""
    root = _root(user, area_id)
    units = list(Area.objects.filter(parent=root).order_by("code"))
    ctx = SimpleNamespace(root=root, units=units)
    today = timezone.localdate()
    now = timezone.now()
    half = services.current_half(now)
    start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    active = Observation.objects.restrict(user, "view").filter(status=Observation.Status.ACTIVE)
    due_q = active.filter(start_date__lte=today, planned_end_date__gte=today)
    checks = HealthCheck.objects.restrict(user, "view")
    obs_list = reverse("observation:observation_list")
    check_list = reverse("observation:healthcheck_list")

    def link(base, **params):
        return f"{base}?{urlencode(params)}"

    rows = [
        (
            "home",
            _("home observation"),
            active.filter(kind=Observation.Kind.HOME),
            "area__path",
            lambda a: link(obs_list, status="active", kind="home", area=a),
        ),
        (
            "centralised",
            _("centralised observation"),
            active.filter(kind=Observation.Kind.CENTRALISED),
            "area__path",
            lambda a: link(obs_list, status="active", kind="centralised", area=a),
        ),
        (
            "new_today",
            _("started today"),
            Observation.objects.restrict(user, "view").filter(start_date=today),
            "area__path",
            lambda a: link(obs_list, started_on=today.isoformat(), area=a),
        ),
        (
            "released_today",
            _("released today"),
            Observation.objects.restrict(user, "view").filter(
                status=Observation.Status.RELEASED, ended_at__gte=start
            ),
            "area__path",
            lambda a: link(obs_list, status="released", ended_on=today.isoformat(), area=a),
        ),
        (
            "due",
            _("checks due this half-day"),
            due_q,
            "area__path",
            lambda a: reverse("observation:today"),
        ),
        (
            "done",
            _("checks done this half-day"),
            checks.filter(date=today, half=half),
            "observation__area__path",
            lambda a: link(check_list, date=today.isoformat(), half=half, area=a),
        ),
        (
            "fever_today",
            _("fevers today"),
            checks.filter(date=today, fever=True),
            "observation__area__path",
            lambda a: link(check_list, date=today.isoformat(), fever="true", area=a),
        ),
    ]
    figures = []
    for key, label, qs, path, make_link in rows:
        total, by_unit = count_by_unit(qs, ctx, path)
        figures.append(
            {
                "key": key,
                "label": label,
                "total": total,
                "link": make_link(root.pk),
                "cells": [(by_unit.get(u.pk, 0), make_link(u.pk)) for u in units],
                "by_unit": by_unit,
            }
        )
    by_key = {f["key"]: f for f in figures}
    # Still to check (or missed, once the half-day has closed) = due − done.
    missed = {
        "key": "missed",
        "label": _("checks still to do")
        if now < services.half_closes_at(today, half)
        else _("checks missed"),
        "total": max(by_key["due"]["total"] - by_key["done"]["total"], 0),
        "link": reverse("observation:today"),
        "cells": [
            (
                max(
                    by_key["due"]["by_unit"].get(u.pk, 0) - by_key["done"]["by_unit"].get(u.pk, 0),
                    0,
                ),
                "",
            )
            for u in units
        ],
    }
    figures.insert(6, missed)
    table = [
        {"unit": u, "values": [f["cells"][i] for f in figures], "drill": u.level < Area.Level.GRID}
        for i, u in enumerate(units)
    ]
    crumbs = []
    if root.parent_id:
        chain = Area.objects.filter(
            path__in=[root.path[:i] for i in range(1, len(root.path))]
        ).order_by("level")
        allowed = set(areas_for(user, "observation.view_observation").values_list("pk", flat=True))
        crumbs = [a for a in chain if a.pk in allowed]
    return {
        "root": root,
        "units": units,
        "figures": figures,
        "table": table,
        "half_label": HealthCheck.Half(half).label,
        "day": today,
        "crumbs_areas": crumbs,
    }
