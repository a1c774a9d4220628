"""The surveys API under /api/v1/: campaigns, coverage and blanks, household visits (single and
batch, safe to resend), units, staff and staff declarations. Thin: the services validate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_errors import NON_FIELD, _pydantic_message, ninja_field_name
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    InputSchema,
)
from fangkong.core.kit.api import KitApi, kit_router
from fangkong.core.kit.batch import BatchIn, BatchOut
from fangkong.core.paging import CappedPaginator
from fangkong.core.scoping import holds_anywhere
from fangkong.surveys import selectors, services
from fangkong.surveys.kit import campaign_kit, declaration_kit, staff_kit, unit_kit, visit_kit
from fangkong.surveys.models import Campaign, UnitStaff

router = Router(tags=["surveys"])


class AnswerIn(InputSchema):
    person_id: int = Field(ge=1, le=MAX_DB_ID)
    seen: bool = True
    lives_here: bool = True
    travel_origin: str = Field("", max_length=60)
    arrival_date: dt.date | None = None
    symptoms: list[str] = Field(default_factory=list, max_length=10)
    temperature: Decimal | None = None
    contact: bool = False
    extra: list[bool] = Field(default_factory=list, max_length=10)


class NewcomerIn(InputSchema):
    name: str = Field(max_length=50)
    id_number: str = Field("", max_length=20)
    lives_here: bool = True
    travel_origin: str = Field("", max_length=60)
    arrival_date: dt.date | None = None
    symptoms: list[str] = Field(default_factory=list, max_length=10)
    temperature: Decimal | None = None
    contact: bool = False
    extra: list[bool] = Field(default_factory=list, max_length=10)


class VisitIn(InputSchema):
    campaign_id: int = Field(ge=1, le=MAX_DB_ID)
    household_id: int = Field(ge=1, le=MAX_DB_ID)
    visited_at: dt.datetime | None = None
    outcome: str = Field(description="seen | unreachable", max_length=12)
    unreachable_reason: str = Field("", max_length=12)
    retry_on: dt.date | None = None
    note: str = Field("", max_length=200)
    persons: list[AnswerIn] = Field(default_factory=list, max_length=services.MAX_PERSONS)
    newcomers: list[NewcomerIn] = Field(default_factory=list, max_length=services.MAX_PERSONS)
    client_id: str | None = Field(
        None, max_length=64, description="The phone's id for this visit: a resend stores once."
    )


class VisitSaved(Schema):
    id: int
    status: str
    persons_seen: int
    risks_found: int
    visits_made: int


class CoverageOut(Schema):
    tree: dict[str, Any] | None


class BlankOut(Schema):
    id: int
    number: str
    address: str
    head_name: str
    grid: str
    retry_on: dt.date | None = None


class BlanksOut(Schema):
    count: int
    results: list[BlankOut]


class DeclarationIn(InputSchema):
    staff_id: int = Field(ge=1, le=MAX_DB_ID)
    returned_on: dt.date | None = None
    travel_origin: str = Field("", max_length=100)
    arrival_date: dt.date | None = None
    contact: bool = False
    symptoms: list[str] = Field(default_factory=list, max_length=10)
    temperature: Decimal | None = None
    note: str = Field("", max_length=200)


def _campaign_getter(*, actor, pk: int, action: str = "view") -> Campaign:
    """A grid worker reads the district's campaign over their grids; writes need the grant."""
    if action == "view":
        return selectors.campaign_get(actor=actor, pk=pk)
    return Campaign.objects.restrict(actor, action).select_related("area").get(pk=pk)


def _campaign(request, pk: int) -> Campaign:
    return scoped_get(request, _campaign_getter, Campaign, pk)


# Routes with a literal segment after the id, and the hand-written creates, before the kit's.


@router.get(
    "/survey-campaigns/{campaign_id}/coverage",
    response={200: CoverageOut, **OBJECT_ERROR_RESPONSES},
    summary="Coverage of a campaign: households seen / total per grid, village, town (kept)",
)
def campaign_coverage(request, campaign_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    campaign = _campaign(request, campaign_id)
    tree = selectors.coverage_tree(actor=request.auth, campaign=campaign)
    return {"tree": tree.as_dict() if tree else None}


@router.get(
    "/survey-campaigns/{campaign_id}/blanks",
    response={200: BlanksOut, **OBJECT_ERROR_RESPONSES},
    summary="Households of your grids not yet seen in a campaign (search, 25 a page)",
)
def campaign_blanks(
    request,
    campaign_id: int = Path(..., ge=1, le=MAX_DB_ID),
    q: str = Query("", max_length=50),
    page: int = Query(1, ge=1, le=10_000),
):
    campaign = _campaign(request, campaign_id)
    if not request.auth.has_perm(selectors.COVERAGE_PERM):
        raise PermissionDenied
    paged = CappedPaginator(
        selectors.blanks(actor=request.auth, campaign=campaign, query=q), 25
    ).get_page(page)
    retries = selectors.retry_dates(campaign, paged.object_list)
    return {
        "count": paged.paginator.count,
        "results": [
            {
                "id": h.pk,
                "number": h.number,
                "address": h.address,
                "head_name": h.head_name,
                "grid": h.area.name,
                "retry_on": (retries.get(h.pk) or (None, None))[1],
            }
            for h in paged.object_list
        ],
    }


def _record(actor, body: dict[str, Any]):
    client_id = body.pop("client_id", None)
    return services.visit_record(actor=actor, data=body, client_id=client_id)


def _saved(result) -> dict:
    visit = result.visit
    return {
        "id": visit.pk,
        "status": result.status,
        "persons_seen": visit.persons_seen,
        "risks_found": visit.risks_found,
        "visits_made": visit.visits_made,
    }


@router.post(
    "/survey-visits",
    response={201: VisitSaved, 200: VisitSaved, **WRITE_ERROR_RESPONSES},
    summary="Record a household visit (a revisit updates it; a resent client_id stores once)",
)
def create_visit(request, payload: VisitIn):
    if not holds_anywhere(request.auth, "surveys.add_visit"):
        raise PermissionDenied
    result = _record(request.auth, payload.model_dump(exclude_unset=False))
    return Status(201 if result.status == "stored" else 200, _saved(result))


@router.post(
    "/survey-visits/batch",
    response={200: BatchOut, **ERROR_RESPONSES},
    summary="Record up to 500 household visits at once (one answer per visit; safe to resend)",
)
def create_visits_batch(request, payload: BatchIn):
    """The batch path of field records (docs/batch-writes.md): per record ``client_id``,
    answered ``stored`` / ``already_stored`` / ``rejected``. Each visit goes through
    ``services.visit_record`` in its own savepoint (nested answers, revisits, coverage and key
    persons are not a bulk insert); the client ids are kept in ``core.BatchReceipt`` like the
    kit's batches, so a resent batch stores nothing twice."""
    if not holds_anywhere(request.auth, "surveys.add_visit"):
        raise PermissionDenied
    results, seen = [], set()
    with transaction.atomic():
        for record in payload.records:
            answer = {"client_id": None, "status": "rejected", "id": None, "errors": {}}
            results.append(answer)
            if not isinstance(record, dict):
                answer["errors"] = {NON_FIELD: [_("Send each record as a JSON object.")]}
                continue
            client_id = record.get("client_id")
            answer["client_id"] = client_id if isinstance(client_id, str) else None
            if not answer["client_id"] or not client_id.strip():
                answer["errors"] = {"client_id": [_("Give each record a client_id.")]}
                continue
            if client_id in seen:
                answer["errors"] = {"client_id": [_("This client_id appears twice in this batch.")]}
                continue
            seen.add(client_id)
            try:
                body = VisitIn.model_validate(record).model_dump()
            except PydanticValidationError as exc:
                errors: dict[str, list[str]] = {}
                for error in exc.errors():
                    field = ninja_field_name(error.get("loc", ()), set())
                    errors.setdefault(field, []).append(_pydantic_message(error))
                answer["errors"] = errors
                continue
            try:
                with transaction.atomic():
                    result = _record(request.auth, body)
            except ValidationError as exc:
                answer["errors"] = (
                    exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
                )
                continue
            answer["id"] = result.visit.pk
            answer["status"] = "already_stored" if result.status == "already_stored" else "stored"
    return {"results": results}


_declarations = KitApi(declaration_kit)


@router.post(
    "/staff-declarations",
    response={201: _declarations.output, **WRITE_ERROR_RESPONSES},
    summary="File a staff declaration (a new version; the previous one is kept)",
)
def create_declaration(request, payload: DeclarationIn):
    body = payload.model_dump()
    staff = UnitStaff.objects.select_related("unit").filter(pk=body.pop("staff_id")).first()
    if staff is None or not services.may_declare_for(request.auth, staff):
        raise ValidationError(
            {"staff_id": [_("No such staff member in your area of responsibility.")]}
        )
    declaration = services.declaration_submit(actor=request.auth, staff=staff, data=body)
    return Status(201, declaration)


kit_router(
    campaign_kit,
    router=router,
    api=KitApi(campaign_kit, getter=_campaign_getter),
)  # /survey-campaigns, /survey-campaigns/batch, /survey-campaigns/{campaign_id}
kit_router(visit_kit, router=router, batch=False)  # GET /survey-visits, /survey-visits/{id}
kit_router(unit_kit, router=router)  # /units, /units/batch, /units/{unit_id}
kit_router(staff_kit, router=router)  # /unit-staff, /unit-staff/batch, /unit-staff/{id}
kit_router(declaration_kit, router=router, api=_declarations)  # GET /staff-declarations, /{id}
