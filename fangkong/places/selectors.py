"""Reads of areas and households, always scoped to the actor's jurisdiction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from fangkong.places import counts
from fangkong.places.filtersets import AreaFilterSet, HouseholdFilterSet
from fangkong.places.models import Area, Household


def area_list(*, actor, filters: dict | None = None) -> QuerySet[Area]:
    qs = Area.objects.restrict(actor, "view").select_related("parent")
    return AreaFilterSet(filters or {}, queryset=qs, actor=actor).qs


def area_get(*, actor, pk: int, action: str = "view") -> Area:
    """The area if the actor may see it; ``Area.DoesNotExist`` for out-of-scope and missing."""
    return Area.objects.restrict(actor, action).get(pk=pk)


def area_roots(*, actor) -> QuerySet[Area]:
    """The top areas of the actor's jurisdiction: visible areas whose parent is not visible."""
    visible = Area.objects.restrict(actor, "view")
    return visible.exclude(parent__in=visible).order_by("path")


def area_children(*, actor, area: Area) -> QuerySet[Area]:
    return Area.objects.restrict(actor, "view").filter(parent=area).order_by("code")


class AreaCounts(dict):
    """area pk -> ``{"households", "persons", "areas"}``; ``as_of`` is when the kept figures
    last changed (``None`` if nothing is kept yet)."""

    as_of = None


def area_counts(*, actor, areas: list[Area]) -> AreaCounts:
    """Households and persons under each area (whole subtree) within the actor's scope, and
    the number of visible areas directly below it.

    From the kept per-area counts (``places.counts``): a few hundred small rows, whatever the
    number of persons, instead of counting every person in scope on every view.
    """
    from fangkong.people.models import Person

    result = AreaCounts({a.pk: {"households": 0, "persons": 0, "areas": 0} for a in areas})
    if not areas:
        return result
    stamps = []
    for model, key in ((Person, "persons"), (Household, "households")):
        totals, as_of = counts.subtree_totals(actor=actor, model=model, areas=areas)
        for pk, n in totals.items():
            result[pk][key] = n
        if as_of is not None:
            stamps.append(as_of)
    result.as_of = max(stamps) if stamps else None
    child_counts = (
        Area.objects.restrict(actor, "view")
        .filter(parent__in=areas)
        .order_by()
        .values("parent_id")
        .annotate(n=Count("id"))
        .values_list("parent_id", "n")
    )
    for parent_id, n in child_counts:
        result[parent_id]["areas"] = n
    return result


def household_list(*, actor, filters: dict | None = None) -> QuerySet[Household]:
    qs = Household.objects.restrict(actor, "view").select_related("area")
    return HouseholdFilterSet(filters or {}, queryset=qs, actor=actor).qs


def household_get(*, actor, pk: int, action: str = "view") -> Household:
    return Household.objects.restrict(actor, action).select_related("area").get(pk=pk)


def areas_with_perm(*, actor, perm: str) -> QuerySet[Area]:
    """Areas at or below a grant of ``perm`` (e.g. where the actor may add persons): the scoped
    choices of form fields and importers."""
    from fangkong.core.scoping import areas_for

    return areas_for(actor, perm)


class AreaCodes:
    """The area codes of one import, resolved once: the areas where the actor holds ``perm``,
    and for any other code the specific reason a row cannot use it."""

    def __init__(self, *, actor, perm: str):
        self.allowed = {a.code: a for a in areas_with_perm(actor=actor, perm=perm)}
        self.known = set(Area.objects.values_list("code", flat=True))

    def get(self, code: str) -> Area:
        """The area with ``code``; ``ValidationError`` saying whether it is outside the actor's
        responsibility or does not exist."""
        area = self.allowed.get(code)
        if area is not None:
            return area
        if code in self.known:
            raise ValidationError(
                _("Area %(code)s is outside your area of responsibility.") % {"code": code}
            )
        raise ValidationError(_("There is no area with code %(code)s.") % {"code": code or "—"})


def area_breadcrumb(*, actor, area: Area) -> list[tuple[Area, bool]]:
    """``area`` and its ancestors, top first, each with whether the actor may open it.

    Names of the areas above one's own are not secret (they are on every signboard); the
    browser only links those inside the actor's scope.
    """
    chain = [*area.ancestors(), area]
    visible = set(
        Area.objects.restrict(actor, "view")
        .filter(pk__in=[a.pk for a in chain])
        .values_list("pk", flat=True)
    )
    return [(a, a.pk in visible) for a in chain]


def household_by_number(*, actor, area: Area, number: str, action: str = "view") -> Household:
    """The household ``number`` in grid ``area``; ``Household.DoesNotExist`` if not in scope."""
    return Household.objects.restrict(actor, action).get(area=area, number=number.strip())


def household_members(*, actor, household: Household) -> QuerySet:
    from fangkong.people.models import Person

    return (
        Person.objects.restrict(actor, "view")
        .filter(household=household)
        .select_related("area")
        .order_by("id")
    )
