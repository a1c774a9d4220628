"""Persons over the API: thin handlers over people.selectors and people.services.

Full ID and phone numbers never travel in a URL: lists take only names, initials and last
digits in ``q``; full numbers are searched with ``POST /persons/search``. Output is masked;
``POST /persons/{id}/reveal`` returns the plain numbers to users allowed to see them and writes
the access log.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_errors import api_field_names, validate_filters
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    DeleteIn,
    paginate,
    paginated,
)
from fangkong.core.idempotency import IDEMPOTENCY_OPENAPI, idempotent
from fangkong.core.paging import SEARCH_COUNT_CAP
from fangkong.core.signals import client_ip
from fangkong.people import selectors, services
from fangkong.people.filtersets import PersonFilterSet
from fangkong.people.models import Person, Tag
from fangkong.people.schemas import (
    PersonCreateIn,
    PersonFilters,
    PersonOut,
    PersonPatchIn,
    PersonSearchIn,
    RevealIn,
    RevealOut,
)
from fangkong.places.api import area_for_input
from fangkong.places.models import Household
from fangkong.places.selectors import household_get

router = Router(tags=["people"])

# Service (model) field -> the API field the client sent.
PERSON_FIELDS = {"area": "area_id", "household": "household_id", "tags": "tag_ids"}
_TEXT = ("name", "id_number", "phone", "relation", "current_address", "registered_residence")


def _household_for_input(request, pk: int | None) -> Household | None:
    if pk is None:
        return None
    try:
        return household_get(actor=request.auth, pk=pk)
    except Household.DoesNotExist:
        raise ValidationError(
            {"household_id": _("No such household in your area of responsibility.")}
        ) from None


def _tags_for_input(ids: list[int] | None) -> list[Tag] | None:
    if ids is None:
        return None
    tags = list(selectors.tag_choices().filter(pk__in=set(ids)))
    if len(tags) != len(set(ids)):
        missing = sorted(set(ids) - {t.pk for t in tags})
        raise ValidationError(
            {"tag_ids": _("No such tag: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    return tags


def _person_input(request, fields: dict[str, Any]) -> tuple[dict[str, Any], list[Tag] | None]:
    """The API body as the service's ``data`` and ``tags``: ids become scoped objects."""
    data = {k: ("" if fields[k] is None else fields[k]) for k in _TEXT if k in fields}
    if fields.get("is_resident") is not None:
        data["is_resident"] = fields["is_resident"]
    if "area_id" in fields:
        if fields["area_id"] is None:
            raise ValidationError({"area_id": _("Choose the grid or village the person lives in.")})
        data["area"] = area_for_input(request, fields["area_id"], "area_id")
    if "household_id" in fields:
        data["household"] = _household_for_input(request, fields["household_id"])
    return data, _tags_for_input(fields.get("tag_ids"))


@router.get(
    "/persons",
    response={200: paginated(PersonOut), **ERROR_RESPONSES},
    summary="List persons in your jurisdiction (masked)",
)
def list_persons(request, filters: Query[PersonFilters]):
    data = filters.filter_data()
    validate_filters(PersonFilterSet, data, actor=request.auth)
    qs = selectors.person_list(actor=request.auth, filters=data).prefetch_related("tags")
    return paginate(qs, page=filters.page, page_size=filters.page_size)


@router.post(
    "/persons/search",
    response={200: paginated(PersonOut), **ERROR_RESPONSES},
    summary="Search by full or partial ID or phone number, name or initials",
)
def search_persons(request, payload: PersonSearchIn):
    # A POST, so that a full ID or phone number stays out of URLs, proxies and access logs.
    try:
        qs = selectors.person_search(actor=request.auth, query=payload.query)
    except ValidationError as exc:
        raise ValidationError({"query": exc.messages}) from exc
    page = paginate(
        qs.prefetch_related("tags"),
        page=payload.page,
        page_size=payload.page_size,
        count_cap=SEARCH_COUNT_CAP,
    )
    services.log_number_search(
        actor=request.auth, query=payload.query, found=page["results"], ip=client_ip(request)
    )
    return page


@router.get(
    "/persons/{person_id}",
    response={200: PersonOut, **OBJECT_ERROR_RESPONSES},
    summary="One person (masked)",
)
def get_person(request, person_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    return scoped_get(request, selectors.person_get, Person, person_id)


@router.post(
    "/persons",
    response={201: PersonOut, **WRITE_ERROR_RESPONSES},
    openapi_extra=IDEMPOTENCY_OPENAPI,
    summary="Register a person",
)
@idempotent(PersonOut)
def create_person(request, payload: PersonCreateIn):
    data, tags = _person_input(request, payload.model_dump(exclude_unset=True))
    with api_field_names(PERSON_FIELDS):
        person = services.person_create(actor=request.auth, data=data, tags=tags)
    return Status(201, person)


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, **WRITE_ERROR_RESPONSES},
    summary="Change a person (send the version you read; 409 if it is stale)",
)
def update_person(request, payload: PersonPatchIn, person_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    person = scoped_get(request, selectors.person_get, Person, person_id, action="change")
    fields = payload.model_dump(exclude_unset=True)
    version = fields.pop("version")
    data, tags = _person_input(request, fields)
    with api_field_names(PERSON_FIELDS):
        return services.person_update(
            actor=request.auth, person=person, expected_version=version, data=data, tags=tags
        )


@router.delete(
    "/persons/{person_id}",
    response={204: None, **WRITE_ERROR_RESPONSES},
    summary="Delete a person (soft delete, with a reason)",
)
def delete_person(request, payload: DeleteIn, person_id: int = Path(..., ge=1, le=MAX_DB_ID)):
    person = scoped_get(request, selectors.person_get, Person, person_id, action="delete")
    services.person_delete(
        actor=request.auth, person=person, reason=payload.reason, expected_version=payload.version
    )
    return Status(204, None)


@router.post(
    "/persons/{person_id}/reveal",
    response={200: RevealOut, **OBJECT_ERROR_RESPONSES},
    summary="The unmasked ID and phone number (needs view-sensitive; logged)",
)
def reveal_person(
    request,
    payload: RevealIn,
    response: HttpResponse,
    person_id: int = Path(..., ge=1, le=MAX_DB_ID),
):
    """Plain numbers for a user holding ``core.view_sensitive`` over the person's area.

    The service refuses others (403, logged as a refusal) and writes the access log (who,
    whose, when, why) before anything is returned.
    """
    person = scoped_get(request, selectors.person_get, Person, person_id)
    numbers = services.person_reveal(
        actor=request.auth, person=person, reason=payload.reason, ip=client_ip(request)
    )
    response["Cache-Control"] = "no-store"  # plain numbers must not stay in any cache
    return {"id": person.pk, **numbers}
