import pytest
from django.urls import reverse

from fangkong.patrols.tests import factories as f

LISTS = [
    "patrol",
    "spotcheck",
    "dispersal",
    "violation",
    "venue",
    "venueorder",
    "venueinspection",
    "ceremony",
    "followup",
]


@pytest.fixture
def records(world, commander):
    v = f.venue(commander, world.grid)
    f.order(commander, v)
    c = f.ceremony(commander, world.grid)
    f.follow_up(commander, c)
    return {
        "patrol": f.patrol(commander, world.village),
        "spotcheck": f.spot_check(commander, world.grid),
        "dispersal": f.dispersal(commander, world.grid),
        "violation": f.violation(commander, world.grid),
        "venue": v,
        "venueorder": v.orders.first(),
        "venueinspection": None,
        "ceremony": c,
        "followup": c.follow_ups.first(),
    }


@pytest.mark.parametrize("name", LISTS)
def test_every_page_renders_for_the_commander(name, records, commander, login):
    client = login(commander)
    assert client.get(reverse(f"patrols:{name}_list")).status_code == 200
    assert client.get(reverse(f"patrols:{name}_create")).status_code == 200
    obj = records[name]
    if obj is not None:
        for page in ("detail", "edit", "history"):
            response = client.get(reverse(f"patrols:{name}_{page}", args=[obj.pk]))
            assert response.status_code == 200, page
