"""A part of an ID or phone number other than its last four digits gets a clear hint, in the
search page, the list filter and the API, instead of a silent "nothing found"."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

HINT = "a prefix such as 430971 is not searched"
HINT_ZH = "不按号码开头（如430971）查询"


def said(text: str) -> bool:
    """The hint in English (the request's language) or Chinese (lazy errors read later)."""
    return HINT in text or HINT_ZH in text


PREFIXES = ["430971", "43097", "4309711990", "1380013", "43097119900101123"]


@pytest.mark.parametrize("query", PREFIXES + ["430971 1990"])
def test_search_page_explains_a_number_prefix(login, grid_worker, person_in, query):
    client = login(grid_worker)
    with translation.override("en"):
        page = client.post(reverse("people:person_search"), {"q": query}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["results"] is None
    assert said(" ".join(page.context["form"].errors["q"]))
    assert said(page.content.decode())


def test_list_filter_explains_a_number_prefix(login, grid_worker, person_in):
    client = login(grid_worker)
    page = client.get(reverse("people:person_list"), {"q": "430971"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["page_obj"].paginator.count == 0
    assert said(page.content.decode())


def test_api_search_explains_a_number_prefix(client, grid_worker, person_in):
    client.force_login(grid_worker)
    response = client.post(
        "/api/v1/persons/search",
        json.dumps({"query": "430971"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422
    assert said(json.dumps(response.json()))


def test_last_four_and_full_numbers_still_search(login, grid_worker, person_in):
    client = login(grid_worker)
    for query in (person_in.id_number, person_in.phone, person_in.id_number[-4:], "zs"):
        page = client.post(reverse("people:person_search"), {"q": query})
        assert person_in.pk in [p.pk for p in page.context["results"]], query
