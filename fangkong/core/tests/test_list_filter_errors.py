"""An invalid filter on a web list is not silently ignored: the page says which and why."""

import pytest
from django.utils import translation


@pytest.mark.parametrize("htmx", [False, True])
def test_invalid_filters_are_reported_above_the_results(client, commander, person_in, htmx):
    client.force_login(commander)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        response = client.get("/people/?born_after=not-a-date&sex=Q", **headers)
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="fk-filter-errors"' in content
    assert "Some filters were not applied" in content
    assert "Enter a valid date." in content


def test_valid_filters_show_no_warning(client, commander, person_in):
    client.force_login(commander)
    content = client.get("/people/?sex=M", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="fk-filter-errors"' not in content
