"""Jurisdiction of every list, page, API route and export of the patrols app.

The outsider is a grid worker of 金盆镇; the records are in 河坝镇. Each guard is also proven
by removing it (monkeypatch) and watching the same check catch the leak: a pass means "not
shown", not "not looked for"."""

import io
import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.models import Role, RoleGrant
from fangkong.core.testing import make_user
from fangkong.patrols import selectors, views
from fangkong.patrols.models import Venue, VenueOrder, Violation
from fangkong.patrols.tests import factories as f

pytestmark = pytest.mark.django_db

MARK = "越界标记"

# list name, API path, factory of an in-scope record carrying MARK
CASES = {
    "patrol": ("patrols", lambda c, w: f.patrol(c, w.village, route=MARK + "路线")),
    "spotcheck": ("spot-checks", lambda c, w: f.spot_check(c, w.grid, place=MARK + "小卖部")),
    "dispersal": ("dispersals", lambda c, w: f.dispersal(c, w.grid, place=MARK + "广场")),
    "violation": ("violations", lambda c, w: f.violation(c, w.grid, place=MARK + "棋牌室")),
    "venue": ("venues", lambda c, w: f.venue(c, w.grid, name=MARK + "网吧")),
    "venueorder": (
        "venue-orders",
        lambda c, w: f.order(c, f.venue(c, w.grid, name=MARK + "网吧"), issued_by=MARK + "指挥部"),
    ),
    "venueinspection": (
        "venue-inspections",
        lambda c, w: __import__("fangkong.patrols.services", fromlist=["x"]).inspection_create(
            actor=c,
            data={
                "venue": f.venue(c, w.grid, name=MARK + "歌厅"),
                "inspected_on": f.DAY,
                "inspector": MARK + "检查员",
                "finding": "compliant",
            },
        ),
    ),
    "ceremony": ("ceremonies", lambda c, w: f.ceremony(c, w.grid, hosts=MARK + "王家")),
    "followup": (
        "follow-ups",
        lambda c, w: f.follow_up(c, f.ceremony(c, w.grid), visitor=MARK + "张桂兰"),
    ),
}


def leaks(client, name: str, api_path: str, obj) -> list[str]:
    """Where ``client`` sees the in-scope record ``obj`` (empty: nowhere)."""
    found = []
    if MARK in client.get(reverse(f"patrols:{name}_list")).content.decode():
        found.append("list")
    if client.get(reverse(f"patrols:{name}_detail", args=[obj.pk])).status_code != 404:
        found.append("detail")
    if client.get(reverse(f"patrols:{name}_edit", args=[obj.pk])).status_code != 404:
        found.append("edit")
    listed = client.get(f"/api/v1/{api_path}")
    if MARK in json.dumps(listed.json(), ensure_ascii=False):
        found.append("api list")
    if client.get(f"/api/v1/{api_path}/{obj.pk}").status_code != 404:
        found.append("api detail")
    response = client.post(reverse(f"patrols:{name}_list"), {"export": "1"})
    data = b"".join(response.streaming_content)
    cells = [
        str(v)
        for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    if any(MARK in c for c in cells):
        found.append("export")
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_the_outsider_sees_nothing_of_another_town(name, world, commander, outsider, login):
    api_path, make = CASES[name]
    obj = make(commander, world)
    assert leaks(login(outsider), name, api_path, obj) == []
    # Control: someone in scope sees it everywhere the check looks.
    assert leaks(login(commander), name, api_path, obj) == [
        "list",
        "detail",
        "edit",
        "api list",
        "api detail",
        "export",
    ]


def test_removing_the_selector_scope_is_caught(world, commander, outsider, login, monkeypatch):
    obj = CASES["venue"][1](commander, world)

    def unscoped(model, filterset, *, actor, filters, related=("area",)):
        return filterset(filters or {}, queryset=model.objects.all(), actor=actor).qs

    monkeypatch.setattr(selectors, "_listed", unscoped)
    found = leaks(login(outsider), "venue", "venues", obj)
    assert {"list", "api list", "export"} <= set(found)


@pytest.fixture
def other_officer(world):
    """The town officer of 金盆镇: may add everything, in 金盆镇."""
    return make_user("officer_jinpen", "town_officer", world.other_town)


def test_an_outsider_cannot_write_into_another_town(world, commander, other_officer, login):
    client = login(other_officer)
    venue = f.venue(commander, world.grid)
    body = {
        "area_id": world.grid.pk,
        "kind": "cards",
        "dispersed_at": "2020-01-26T10:00:00+08:00",
        "place": "x",
        "people": 5,
        "handling": "persuaded",
    }
    response = client.post("/api/v1/dispersals", json.dumps(body), content_type="application/json")
    assert response.status_code == 422 and "area_id" in response.json()["errors"]
    order = {
        "venue_id": venue.pk,
        "kind": "closure",
        "effective_date": "2020-01-24",
        "issued_by": "x",
    }
    response = client.post(
        "/api/v1/venue-orders", json.dumps(order), content_type="application/json"
    )
    assert response.status_code == 422 and "venue_id" in response.json()["errors"]
    # The form page offers no venue of another town, and a prefill names none.
    page = client.get(reverse("patrols:venueorder_create") + f"?venue={venue.pk}")
    assert page.status_code == 200 and venue.name not in page.content.decode()
    assert page.context["cancel_url"] == reverse("patrols:venueorder_list")
    assert not VenueOrder.objects.exists()


def test_removing_the_prefill_scope_is_caught(world, commander, other_officer, login, monkeypatch):
    venue = f.venue(commander, world.grid, name=MARK + "网吧")
    url = reverse("patrols:venueorder_create") + f"?venue={venue.pk}"

    def unscoped(self):
        return Venue.objects.filter(pk=int(self.request.GET["venue"])).first()

    monkeypatch.setattr(views._PrefillCreate, "_parent", unscoped)
    assert login(other_officer).get(url).context["cancel_url"].endswith(f"/{venue.pk}/")


@pytest.fixture
def viewer(world):
    """Holds every view permission of the app in 河坝镇, and nothing else."""
    group = Group.objects.create(name="patrol viewer")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="patrols", codename__startswith="view_")
    )
    role = Role.objects.create(code="patrol_viewer", name="patrol viewer", group=group)
    user = make_user("viewer")
    RoleGrant.objects.create(user=user, role=role, area=world.town, status="approved")
    return user


def test_may_view_but_not_change_answers_403(world, commander, viewer, login):
    client = login(viewer)
    case = f.violation(commander, world.grid)
    assert client.get(reverse("patrols:violation_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("patrols:violation_edit", args=[case.pk])).status_code == 403
    refer = {
        "referred_at": "2020-01-26T12:00",
        "police_station": "河坝派出所",
        "version": case.version,
    }
    url = reverse("patrols:violation_refer", args=[case.pk])
    assert client.post(url, refer).status_code == 403
    patch = {"version": case.version, "status": "concluded", "outcome": "x"}
    response = client.patch(
        f"/api/v1/violations/{case.pk}", json.dumps(patch), content_type="application/json"
    )
    assert response.status_code == 403
    assert Violation.objects.get().status == "recorded"
    # The page offers the viewer no refer or conclude form.
    page = client.get(reverse("patrols:violation_detail", args=[case.pk])).content.decode()
    assert url not in page


def test_removing_the_change_guard_of_the_refer_action_is_caught(
    world, commander, viewer, login, monkeypatch
):
    case = f.violation(commander, world.grid)
    original = views.ViolationActionView.get_object
    monkeypatch.setattr(
        views.ViolationActionView,
        "get_object",
        lambda self, pk=None, action=None: original(self, pk, "view"),
    )
    url = reverse("patrols:violation_refer", args=[case.pk])
    refer = {
        "referred_at": "2020-01-26T12:00",
        "police_station": "河坝派出所",
        "version": case.version,
    }
    # With the guard gone the request gets through to the service (which, being the last
    # line, still refuses the write outside the viewer's change scope).
    assert login(viewer).post(url, refer).status_code != 403


def test_the_commander_refers_a_case_from_its_page(world, commander, login):
    client = login(commander)
    case = f.violation(commander, world.grid)
    url = reverse("patrols:violation_refer", args=[case.pk])
    bad = client.post(
        url,
        {
            "referred_at": "2020-01-26T08:00",
            "police_station": "河坝派出所",
            "version": case.version,
        },
    )
    assert bad.status_code == 400
    ok = client.post(
        url,
        {
            "referred_at": "2020-01-26T12:00",
            "police_station": "河坝派出所",
            "version": case.version,
        },
    )
    assert ok.status_code == 302
    case.refresh_from_db()
    assert case.status == "referred" and case.police_station == "河坝派出所"
