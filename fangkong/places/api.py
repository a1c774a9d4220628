"""Areas and households over the API: thin handlers over places.selectors and places.services.

Households come from the module kit (``core.kit.api``); areas, a tree with its own rules, keep
hand-written handlers.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_errors import api_field_names, validate_filters
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    paginate,
    paginated,
)
from fangkong.core.idempotency import IDEMPOTENCY_OPENAPI, idempotent
from fangkong.core.kit.api import kit_router
from fangkong.places import selectors, services
from fangkong.places.filtersets import AreaFilterSet
from fangkong.places.kit import household_kit
from fangkong.places.models import Area
from fangkong.places.schemas import (
    AreaCreateIn,
    AreaFilters,
    AreaOut,
    AreaPatchIn,
)

router = Router(tags=["places"])

AREA_FIELDS = {"parent": "parent_id"}


def area_for_input(request, pk: int | None, field: str) -> Area | None:
    """An area named in a request body, if the caller can see it; else a field error (the same
    message for missing and out of scope)."""
    if pk is None:
        return None
    try:
        return selectors.area_get(actor=request.auth, pk=pk)
    except Area.DoesNotExist:
        raise ValidationError({field: _("No such area in your area of responsibility.")}) from None


def _text_changes(changes: dict, fields: tuple[str, ...]) -> dict:
    # JSON null for a text field means "empty"; the model's own validation decides if allowed.
    return {k: ("" if changes[k] is None else changes[k]) for k in fields if k in changes}


# Areas ------------------------------------------------------------------------------------------


@router.get(
    "/areas",
    response={200: paginated(AreaOut), **ERROR_RESPONSES},
    summary="List areas in your jurisdiction",
)
def list_areas(request, filters: Query[AreaFilters]):
    data = filters.filter_data()
    validate_filters(AreaFilterSet, data, actor=request.auth)
    qs = selectors.area_list(actor=request.auth, filters=data)
    return paginate(qs, page=filters.page, page_size=filters.page_size)


@router.get(
    "/areas/{area_id}", response={200: AreaOut, **OBJECT_ERROR_RESPONSES}, summary="One area"
)
def get_area(request, area_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return scoped_get(request, selectors.area_get, Area, area_id)


@router.post(
    "/areas",
    response={201: AreaOut, **WRITE_ERROR_RESPONSES},
    openapi_extra=IDEMPOTENCY_OPENAPI,
    summary="Add an area under a parent area",
)
@idempotent(AreaOut)
def create_area(request, payload: AreaCreateIn):
    parent = area_for_input(request, payload.parent_id, "parent_id")
    with api_field_names(AREA_FIELDS):
        area = services.area_create(
            actor=request.auth,
            code=payload.code,
            name=payload.name,
            level=payload.level,
            parent=parent,
            description=payload.description,
        )
    return Status(201, area)


@router.patch(
    "/areas/{area_id}",
    response={200: AreaOut, **WRITE_ERROR_RESPONSES},
    summary="Change an area (send the version you read)",
)
def update_area(request, payload: AreaPatchIn, area_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    area = scoped_get(request, selectors.area_get, Area, area_id, action="change")
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    fields = _text_changes(changes, ("code", "name", "description"))
    if "parent_id" in changes:
        fields["parent"] = area_for_input(request, changes["parent_id"], "parent_id")
    with api_field_names(AREA_FIELDS):
        return services.area_update(
            actor=request.auth, area=area, expected_version=version, **fields
        )


# Households: the kit's CRUD routes (core.kit.api) on the same router -------------------------

kit_router(
    household_kit,
    router=router,
    descriptions={"area_id": "The grid the household is registered in."},
    getter=selectors.household_get,
)
