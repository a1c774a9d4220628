"""List counts stop at a cap: no page view or API call counts a whole district row by row."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from fangkong.core import paging
from fangkong.core.paging import CappedPaginator
from fangkong.places.models import Household


@pytest.fixture
def many_households(world):
    Household.objects.bulk_create(
        [Household(area=world.grid2, number=f"{i:03d}", address=f"{i}号") for i in range(100, 112)]
    )
    return Household.objects.order_by("pk")


def count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if re.search(r"COUNT\(", q["sql"], re.I)]


def assert_counts_bounded(captured):
    counts = count_queries(captured)
    assert counts, "expected a (capped) count"
    for sql in counts:
        # SELECT COUNT(*) FROM (SELECT … LIMIT n) subquery
        assert re.search(r"FROM\s*\(SELECT.*LIMIT\s+\d+", sql, re.I | re.S), sql


def test_capped_paginator_stops_counting_and_still_pages_on(many_households):
    with CaptureQueriesContext(connection) as captured:
        paginator = CappedPaginator(many_households, 5, cap=7)
        page = paginator.get_page(1)
    assert_counts_bounded(captured)
    assert paginator.count == 7 and paginator.count_capped
    assert page.has_next() and len(page.object_list) == 5
    page3 = paginator.get_page(3)  # past the cap: rows 11..14 exist
    assert [h.number for h in page3.object_list] == ["108", "109", "110", "111"]
    assert not page3.has_next()
    assert paginator.get_page(99).number == 1  # past the end: back to the first page
    exact = CappedPaginator(many_households, 5, cap=100)
    assert exact.count == 14 and not exact.count_capped and exact.num_pages == 3


def test_web_list_says_n_plus_records_with_a_bounded_count(
    client, commander, many_households, monkeypatch
):
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 10)
    client.force_login(commander)
    with translation.override("en"), CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("places:household_list"), {"q": "号"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    assert_counts_bounded(captured)
    page = response.context["page_obj"]
    assert page.paginator.count_capped
    assert len(page.object_list) == 14  # the page still shows every row past the cap
    assert "10+ records" in response.content.decode()


def test_unfiltered_list_takes_the_exact_kept_total_without_counting(
    client, commander, person_in, person_out
):
    client.force_login(commander)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("people:person_list"))
    page = response.context["page_obj"]
    assert page.paginator.count == 2 and not page.paginator.count_capped
    assert not [sql for sql in count_queries(captured) if "people_person" in sql]


def test_api_list_count_is_capped(client, commander, many_households, monkeypatch):
    from fangkong.core import api_schemas

    monkeypatch.setattr(api_schemas, "LIST_COUNT_CAP", 10)
    client.force_login(commander)
    with CaptureQueriesContext(connection) as captured:
        body = client.get("/api/v1/households").json()
    assert_counts_bounded(captured)
    assert body["count"] == 10 and body["count_capped"] is True
