"""On a phone the list's filters beyond the search box fold away, unless one is in use."""

import re

from django.urls import reverse


def _more_filters(html: str) -> str:
    return re.search(r'<div class="([^"]*)" id="fk-more-filters"', html).group(1)


def test_filters_fold_on_phones_until_one_is_used(login, grid_worker):
    client = login(grid_worker)
    url = reverse("people:person_list")
    plain = client.get(url).content.decode()
    assert "collapse d-sm-block" in _more_filters(plain)
    assert "show" not in _more_filters(plain).split()
    assert 'data-bs-target="#fk-more-filters"' in plain  # the phone's toggle
    # The search box stays outside the folded part.
    assert plain.index('name="q"') < plain.index('id="fk-more-filters"')
    used = client.get(url, {"sex": "M"}).content.decode()
    assert "show" in _more_filters(used).split()
