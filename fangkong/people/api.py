"""Persons over the API: the kit's CRUD routes (``core.kit.api``) plus search and reveal.

Full ID and phone numbers never travel in a URL: lists take only names, initials and last
digits in ``q``; full numbers are searched with ``POST /persons/search``. Output is masked;
``POST /persons/{id}/reveal`` returns the plain numbers to users allowed to see them and writes
the access log.
"""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Path, Router

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    paginate,
    paginated,
)
from fangkong.core.kit.api import KitApi, kit_router
from fangkong.core.paging import SEARCH_COUNT_CAP
from fangkong.core.signals import client_ip
from fangkong.people import selectors, services
from fangkong.people.kit import person_kit
from fangkong.people.models import Person
from fangkong.people.schemas import PERSON_DESCRIPTIONS, PersonSearchIn, RevealIn, RevealOut

router = Router(tags=["people"])
kit_api = KitApi(
    person_kit,
    extra_output=("id_region_unknown",),
    optional=("area",),  # the service takes the household's grid
    descriptions=PERSON_DESCRIPTIONS,
    getter=selectors.person_get,
)
PersonOut = kit_api.output


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


# After the routes above: "/persons/{person_id}" would otherwise take "search".
kit_router(person_kit, router=router, api=kit_api)
