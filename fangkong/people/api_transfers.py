"""Transfer requests over the API: ask for a person registered in another area, and answer the
requests made to your area. The integrator mounts ``router`` in ``fangkong/api.py``.

The requester's view of a request shows the masked number and the status only; the person's
name and area appear to the answering area, and to the requester once the person is theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status

from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    AreaRef,
    DbId,
    InputSchema,
)
from fangkong.core.signals import client_ip
from fangkong.people import selectors, services
from fangkong.people.models import TransferRequest
from fangkong.places.api import area_for_input
from fangkong.places.models import Household
from fangkong.places.selectors import household_get

router = Router(tags=["people"])


class TransferIn(InputSchema):
    id_number: str = Field(max_length=40, description="The person's resident ID number.")
    to_area_id: DbId = Field(description="Your grid or village to move the person into.")
    to_household_id: DbId | None = Field(None, description="A household of that grid.")
    reason: str = Field(max_length=200)


class TransferDecideIn(InputSchema):
    decision: Literal["accept", "refuse"]
    note: str = Field("", max_length=200, description="Needed to refuse.")


class TransferOut(Schema):
    """A request as its requester sees it: no name, no area of the person."""

    id: int
    status: str
    id_number_masked: str
    to_area: AreaRef
    to_household_id: int | None
    reason: str
    created_at: datetime
    decided_at: datetime | None
    decision_note: str
    person_id: int | None = Field(None, description="Set once the request is accepted.")

    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.person.masked("id_number")

    @staticmethod
    def resolve_person_id(obj) -> int | None:
        return obj.person_id if obj.status == TransferRequest.Status.ACCEPTED else None


class TransferToMeOut(TransferOut):
    """A request as the answering area sees it: whom it is about and who asks."""

    person_id: int | None = None
    person_name: str
    from_area: AreaRef
    requester: str

    @staticmethod
    def resolve_person_id(obj) -> int | None:
        return obj.person_id

    @staticmethod
    def resolve_person_name(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_requester(obj) -> str:
        return str(obj.requester)


class TransferLists(Schema):
    to_me: list[TransferToMeOut]
    from_me: list[TransferOut]


@router.get(
    "/transfers",
    response={200: TransferLists, **ERROR_RESPONSES},
    summary="Transfer requests to your areas and from you (the latest 200 of each)",
)
def list_transfers(request):
    return {
        "to_me": list(selectors.transfer_requests_to_me(actor=request.auth)[:200]),
        "from_me": list(selectors.transfer_requests_from_me(actor=request.auth)[:200]),
    }


@router.post(
    "/transfers",
    response={201: TransferOut, **ERROR_RESPONSES},
    summary="Ask the area that holds a person to move them to yours",
)
def create_transfer(request, payload: TransferIn):
    area = area_for_input(request, payload.to_area_id, "to_area_id")
    household = None
    if payload.to_household_id is not None:
        try:
            household = household_get(actor=request.auth, pk=payload.to_household_id)
        except Household.DoesNotExist:
            raise ValidationError(
                {"to_household_id": _("No such household in your area of responsibility.")}
            ) from None
    try:
        transfer = services.transfer_request(
            actor=request.auth,
            id_number=payload.id_number,
            to_area=area,
            to_household=household,
            reason=payload.reason,
            ip=client_ip(request),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            names = {"to_area": "to_area_id", "to_household": "to_household_id"}
            raise ValidationError(
                {names.get(k, k): v for k, v in exc.message_dict.items()}
            ) from exc
        raise
    return Status(201, transfer)


@router.post(
    "/transfers/{transfer_id}/decide",
    response={200: TransferToMeOut, **OBJECT_ERROR_RESPONSES},
    summary="Accept (moving the person) or refuse a request made to your area",
)
def decide_transfer(
    request, payload: TransferDecideIn, transfer_id: int = Path(..., ge=1, le=MAX_DB_ID)
):
    transfer = selectors.transfer_request_get(actor=request.auth, pk=transfer_id)
    return services.transfer_decide(
        actor=request.auth,
        transfer=transfer,
        accept=payload.decision == "accept",
        note=payload.note,
    )
