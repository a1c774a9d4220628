"""Households declared once for the module kit (see ``fangkong.core.kit``), and how areas and
households are named in sheets (their natural keys, ``fangkong.core.kit.columns``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.kit import ModelKit, register
from fangkong.core.kit.columns import NaturalKey, register_natural_key
from fangkong.places import selectors, services
from fangkong.places.filtersets import HouseholdFilterSet
from fangkong.places.models import Area, Household


def _create(*, actor, data: dict) -> Household:
    return services.household_create(actor=actor, **data)


def _update(*, actor, obj: Household, expected_version: int | None, data: dict) -> Household:
    return services.household_update(
        actor=actor, household=obj, expected_version=expected_version, **data
    )


def _delete(*, actor, obj: Household, reason: str, expected_version: int | None) -> Household:
    return services.household_delete(
        actor=actor, household=obj, reason=reason, expected_version=expected_version
    )


def _check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    return services.household_check(data=data, exclude_pk=exclude_pk)


household_kit = register(
    ModelKit(
        model=Household,
        fields=("area", "number", "address", "head_name", "note"),
        filterset=HouseholdFilterSet,
        selector=selectors.household_list,
        create=_create,
        update=_update,
        delete=_delete,
        check=_check,
        counted=True,
        url_namespace="places",
        api_path="households",
        options={
            "import_unique": (("area", "number"),),
            "limit_choices": {"area": {"level__in": [Area.Level.GRID]}},
            "select_related": ("area",),
            "labels": {"area": gettext_lazy("Grid")},
        },
    )
)


def _area_resolver(*, actor, perm: str):
    codes = selectors.AreaCodes(actor=actor, perm=perm)
    return lambda text, row: codes.get(text.strip())


def _household_resolver(*, actor, perm: str):
    """A household by its number within the row's area (numbers repeat across grids)."""
    cache: dict[tuple[int, str], Household | None] = {}

    def resolve(text: str, row: dict) -> Household | None:
        area = row.get("area")
        if area is None:
            return None  # the area column already says what is wrong
        key = (area.pk, text.strip())
        if key not in cache:
            try:
                cache[key] = selectors.household_by_number(actor=actor, area=area, number=key[1])
            except Household.DoesNotExist:
                cache[key] = None
        if cache[key] is None:
            raise ValidationError(
                _("There is no household %(n)s in %(grid)s.") % {"n": key[1], "grid": area.name}
            )
        return cache[key]

    return resolve


register_natural_key(
    NaturalKey(
        model=Area,
        to_text=lambda area: area.code,
        resolver=_area_resolver,
        help=gettext_lazy("Code of a grid of yours."),
        example="430971100201001",
        width=18,
    )
)
register_natural_key(
    NaturalKey(
        model=Household,
        to_text=lambda household: household.number,
        resolver=_household_resolver,
        help=gettext_lazy("An existing household of that grid, or empty."),
        example="001",
        width=10,
    )
)
