"""One fetch rule for UI and API: 404 for not-there and not-yours alike; 403 for a record the
user may view but not change (they already see it; "forbidden" says why the edit failed)."""

import json

from django.urls import reverse

from fangkong.core.models import SecurityEvent


def _patch(client, path):
    return client.patch(path, json.dumps({"version": 1, "name": "改名"}), "application/json")


def test_view_but_not_change_is_403_in_ui_and_api(client, readonly, world):
    client.force_login(readonly)  # views every area, changes none
    assert client.get(reverse("places:area_edit", args=[world.grid.pk])).status_code == 403
    assert _patch(client, f"/api/v1/areas/{world.grid.pk}").status_code == 403
    assert SecurityEvent.objects.filter(kind="denied", user=readonly).count() >= 2


def test_not_yours_and_not_there_are_404_in_ui_and_api(client, world):
    from fangkong.core.testing import make_user

    # May change areas, but in the other town only.
    client.force_login(make_user("office2", "command_office", world.other_town))
    for pk in (world.grid.pk, 999999):
        assert client.get(reverse("places:area_edit", args=[pk])).status_code == 404
        assert _patch(client, f"/api/v1/areas/{pk}").status_code == 404
