"""The menu: groups with nothing the user can open are hidden on phones behind one line."""

import re

from django.urls import reverse
from django.utils import translation

from fangkong.core.navigation import NAV


def _group_classes(html: str) -> dict[str, str]:
    return {
        key: classes
        for classes, key in re.findall(r'<li class="([^"]*)" data-fk-nav-group="([a-z]+)"', html)
    }


def test_unavailable_groups_are_hidden_on_phones_and_named_in_one_line(client, grid_worker):
    client.force_login(grid_worker)
    with translation.override("en"):
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    classes = _group_classes(html)
    assert set(classes) == {group.key for group in NAV}
    # The registers are the grid worker's: shown everywhere.
    assert "d-none" not in classes["base"]
    # So is "strict" once a module of it is built that grid workers open (patrols).
    assert "d-none" not in classes["strict"]
    # Every other group is all "not yet available": gone below 768 px, greyed on desktops.
    for key in ("early", "broad", "practical", "comprehensive", "reports"):
        assert "d-none d-md-block" in classes[key], key
    assert html.count("not yet available") >= 14
    coming = re.search(r'<li class="([^"]*)" data-fk-nav-coming>\s*<span[^>]*>([^<]*)</span>', html)
    assert coming, "the phone's one line about the coming modules is missing"
    assert "d-md-none" in coming.group(1)
    assert coming.group(2).startswith("More modules are coming:")
    assert "Command" in coming.group(2) and "Reports" in coming.group(2)
    assert "Registers" not in coming.group(2)


def test_a_group_the_user_cannot_open_counts_as_unavailable(client, db):
    from fangkong.core.testing import make_user

    client.force_login(make_user("nobody"))
    with translation.override("en"):
        html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "d-none d-md-block" in _group_classes(html)["base"]
