"""Sort selects: every direction has our own translatable label, never django-filter's
English "%s (descending)" (which has no Chinese)."""

import pytest
from django.urls import reverse
from django.utils import translation
from django_filters import OrderingFilter

from fangkong.people.filtersets import PersonFilterSet
from fangkong.places.filtersets import AreaFilterSet, HouseholdFilterSet


@pytest.mark.parametrize("filterset", [PersonFilterSet, AreaFilterSet, HouseholdFilterSet])
def test_both_directions_have_explicit_labels(filterset):
    orderings = [f for f in filterset.base_filters.values() if isinstance(f, OrderingFilter)]
    assert orderings
    for flt in orderings:
        values = [value for value, _label in flt.extra["choices"]]
        assert {f"-{param}" for param in flt.param_map} <= set(values)
        for language in ("en", "zh-hans", "zh-hant"):
            with translation.override(language):
                rendered = [str(label) for _value, label in flt.extra["choices"]]
            assert not [label for label in rendered if "descending" in label], rendered
            assert len(set(rendered)) == len(rendered), rendered


@pytest.mark.parametrize("url", ["people:person_list", "places:area_list"])
def test_rendered_sort_select_has_no_english_descending(client, commander, url):
    client.force_login(commander)
    html = client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'name="ordering"' in html
    assert "(descending)" not in html
    assert "Z→A" in html  # the msgid until the integrator translates it
