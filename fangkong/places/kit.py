"""Households declared once for the module kit (see ``fangkong.core.kit``)."""

from __future__ import annotations

from fangkong.core.kit import ModelKit, register
from fangkong.places import selectors, services
from fangkong.places.filtersets import HouseholdFilterSet
from fangkong.places.models import Household


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


household_kit = register(
    ModelKit(
        model=Household,
        fields=("area", "number", "address", "head_name", "note"),
        filterset=HouseholdFilterSet,
        selector=selectors.household_list,
        create=_create,
        update=_update,
        delete=_delete,
        counted=True,
        url_namespace="places",
        api_path="households",
    )
)
