"""The surveys app's models declared once for the module kit (``fangkong.core.kit``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.kit import ModelKit, register
from fangkong.places.models import Area
from fangkong.surveys import selectors, services
from fangkong.surveys.filtersets import (
    CampaignFilterSet,
    DeclarationFilterSet,
    StaffFilterSet,
    UnitFilterSet,
    VisitFilterSet,
)
from fangkong.surveys.models import Campaign, Declaration, Unit, UnitStaff, Visit

NOT_GRID = {
    "level__in": [Area.Level.DISTRICT, Area.Level.TOWN, Area.Level.VILLAGE, Area.Level.COMMUNITY]
}

campaign_kit = register(
    ModelKit(
        model=Campaign,
        fields=services.CAMPAIGN_FIELDS,
        filterset=CampaignFilterSet,
        selector=selectors.campaign_list,
        create=services.campaign_create,
        update=lambda *, actor, obj, expected_version, data: services.campaign_update(
            actor=actor, campaign=obj, expected_version=expected_version, data=data
        ),
        delete=lambda *, actor, obj, reason, expected_version: services.campaign_delete(
            actor=actor, campaign=obj, reason=reason, expected_version=expected_version
        ),
        check=lambda *, actor, data, exclude_pk=None: services.campaign_check(
            data=data, exclude_pk=exclude_pk
        ),
        extra_columns=("created_at",),
        url_namespace="surveys",
        api_path="survey-campaigns",
        options={
            "limit_choices": {"area": NOT_GRID},
            "select_related": ("area",),
            "labels": {"area": _("Area surveyed")},
        },
    )
)

# Visits are written by ``services.visit_record`` (nested answers, revisits, coverage, key
# persons), through the visit page and the API's own create and batch routes (api.py).
visit_kit = register(
    ModelKit(
        model=Visit,
        fields=(
            "campaign",
            "household",
            "visited_at",
            "outcome",
            "unreachable_reason",
            "retry_on",
            "note",
        ),
        filterset=VisitFilterSet,
        selector=selectors.visit_list,
        extra_columns=("persons_seen", "risks_found", "visits_made"),
        url_namespace="surveys",
        api_path="survey-visits",
        options={"select_related": ("campaign", "household__area", "worker")},
    )
)

unit_kit = register(
    ModelKit(
        model=Unit,
        fields=("area", "name", "kind", "since_date"),
        filterset=UnitFilterSet,
        selector=selectors.unit_list,
        create=services.unit_create,
        update=lambda *, actor, obj, expected_version, data: services.unit_update(
            actor=actor, unit=obj, expected_version=expected_version, data=data
        ),
        delete=lambda *, actor, obj, reason, expected_version: services.unit_delete(
            actor=actor, unit=obj, reason=reason, expected_version=expected_version
        ),
        check=lambda *, actor, data, exclude_pk=None: services.unit_check(
            data=data, exclude_pk=exclude_pk
        ),
        url_namespace="surveys",
        api_path="units",
        options={"select_related": ("area", "head"), "import_unique": (("area", "name"),)},
    )
)

staff_kit = register(
    ModelKit(
        model=UnitStaff,
        fields=("unit", "name", "position", "active"),
        filterset=StaffFilterSet,
        selector=selectors.staff_list,
        create=services.staff_create,
        update=lambda *, actor, obj, expected_version, data: services.staff_update(
            actor=actor, staff=obj, expected_version=expected_version, data=data
        ),
        check=lambda *, actor, data, exclude_pk=None: services.staff_check(
            data=data, exclude_pk=exclude_pk
        ),
        url_namespace="surveys",
        api_path="unit-staff",
        options={"select_related": ("unit__area",)},
    )
)

declaration_kit = register(
    ModelKit(
        model=Declaration,
        fields=(
            "staff",
            "returned_on",
            "travel_origin",
            "arrival_date",
            "contact",
            "symptoms",
            "temperature",
            "note",
        ),
        filterset=DeclarationFilterSet,
        selector=selectors.declaration_list,
        extra_columns=("number", "current", "declared_at", "self_declared", "risk"),
        url_namespace="surveys",
        api_path="staff-declarations",
        options={"select_related": ("staff__unit__area",)},
    )
)
