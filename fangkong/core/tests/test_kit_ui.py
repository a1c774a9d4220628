"""The kit's pages and search-as-you-type choices, with the personas."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.kit.choices import LIMIT
from fangkong.core.kit.views import kit_urls
from fangkong.core.testing import make_id_number, make_phone
from fangkong.people.models import Person
from fangkong.places.kit import household_kit
from fangkong.places.models import Household

pytestmark = pytest.mark.django_db


def _households(world, n, start=100, grid=None):
    Household.objects.bulk_create(
        Household(area=grid or world.grid, number=f"{start + i:04d}", address=f"东湖路{i}号")
        for i in range(n)
    )


def _choices(client, key, **params):
    response = client.get(reverse("choices", args=[key]), params)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.json()


# --------------------------------------------------------------------------- choices


def test_household_choices_are_scoped_and_capped(login, grid_worker, outsider, world):
    _households(world, LIMIT + 5)
    mine = _choices(login(grid_worker), "places.household", q="东湖")
    assert len(mine["results"]) == LIMIT and mine["more"]
    assert all("东湖" in r["label"] for r in mine["results"])
    # The outsider's grid holds 南湾村一组1号 (head 李四); nothing of 东湖 ever comes back.
    theirs = _choices(login(outsider), "places.household", q="东湖")
    assert theirs == {"results": [], "more": False}
    by_head = _choices(login(outsider), "places.household", q="张三")
    assert by_head["results"] == []
    own = _choices(login(outsider), "places.household", q="李四")
    assert [r["id"] for r in own["results"]] == [world.other_household.pk]


def test_household_choices_follow_the_chosen_area(login, commander, world):
    client = login(commander)
    in_grid = _choices(client, "places.household", q="001", area=world.other_grid.pk)
    assert [r["id"] for r in in_grid["results"]] == [world.other_household.pk]


def test_area_choices_by_name_pinyin_and_code_show_the_tree_path(login, commander, outsider, world):
    client = login(commander)
    by_name = _choices(client, "places.area", q="一组")
    assert {r["label"] for r in by_name["results"]} == {
        "河坝镇 › 东湖村 › 东湖村一组",
        "金盆镇 › 南湾村 › 南湾村一组",
    }
    by_initials = _choices(client, "places.area", q="dhc")
    assert world.village.pk in [r["id"] for r in by_initials["results"]]
    by_code = _choices(client, "places.area", q="430971101")
    assert {r["id"] for r in by_code["results"]} == {
        world.other_town.pk,
        world.other_village.pk,
        world.other_grid.pk,
    }
    grids = _choices(client, "places.area", q="", levels="5")
    assert len(grids["results"]) == 3
    # Scoped: the outsider's search for the other town's names finds nothing.
    assert _choices(login(outsider), "places.area", q="东湖")["results"] == []
    assert _choices(login(outsider), "places.area", q="dh")["results"] == []


def test_area_choices_perm_only_narrows(login, grid_worker, world):
    client = login(grid_worker)
    everything = _choices(client, "places.area", q="")
    narrowed = _choices(client, "places.area", q="", perm="places.add_area")
    assert {r["id"] for r in narrowed["results"]} <= {r["id"] for r in everything["results"]}
    widened = _choices(client, "places.area", q="南湾", perm="people.view_person")
    assert widened["results"] == []


def test_choices_need_login_and_a_known_source(client, login, grid_worker):
    assert client.get(reverse("choices", args=["places.household"])).status_code == 302
    assert login(grid_worker).get(reverse("choices", args=["core.user"])).status_code == 404


def test_person_list_size_does_not_grow_with_households(login, commander, world):
    client = login(commander)
    _households(world, 40)
    first = client.get(reverse("people:person_list")).content.decode()
    _households(world, 400, start=1000, grid=world.grid2)
    second = client.get(reverse("people:person_list")).content.decode()
    assert '<select name="household"' not in second
    assert second.count("<option") == first.count("<option")
    assert abs(len(second) - len(first)) < 200
    assert "data-fk-choice-url" in second and 'name="household"' in second


def test_short_area_choice_list_is_an_indented_select(login, grid_worker, world):
    page = login(grid_worker).get(reverse("people:person_list")).content.decode()
    area = re.search(r'<select name="area".*?</select>', page, re.S).group(0)
    assert "东湖村一组" in area and "南湾" not in area


# --------------------------------------------------------------------------- kit pages


def test_kit_urls_give_conventional_names_and_can_leave_pages_out():
    names = [p.name for p in kit_urls(household_kit, views={"import": None, "history": None})]
    assert names == [
        "household_list",
        "household_create",
        "household_detail",
        "household_edit",
        "household_delete",
    ]
    with pytest.raises(ValueError):
        kit_urls(household_kit, views={"nonsense": None})


def test_household_history_page_is_scoped(login, commander, outsider, world):
    url = reverse("places:household_history", args=[world.household.pk])
    assert login(outsider).get(url).status_code == 404
    page = login(commander).get(url)
    assert page.status_code == 200 and "东湖村一组1号" in page.content.decode()


def test_person_pages_are_not_cached(login, grid_worker, person_in):
    client = login(grid_worker)
    for name in ("people:person_detail", "people:person_edit", "people:person_history"):
        response = client.get(reverse(name, args=[person_in.pk]))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], name


def test_household_form_offers_only_grids_where_the_user_may_add(login, grid_worker, world):
    page = login(grid_worker).get(reverse("places:household_create"))
    area = re.search(r'<select name="area".*?</select>', page.content.decode(), re.S).group(0)
    assert f'value="{world.grid.pk}"' in area
    assert f'value="{world.village.pk}"' not in area and "南湾" not in area


def test_edit_form_shows_birth_date_as_iso(login, grid_worker, world, commander):
    from fangkong.people.services import person_create

    person = person_create(
        actor=commander,
        data={"name": "无证人", "area": world.grid, "birth_date": dt.date(1966, 10, 13)},
    )
    client = login(grid_worker)
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            html = client.get(reverse("people:person_edit", args=[person.pk])).content.decode()
        tag = re.search(r'<input[^>]*name="birth_date"[^>]*>', html).group(0)
        assert 'type="date"' in tag and 'value="1966-10-13"' in tag


def test_every_error_shows_at_once_with_a_focused_summary(login, grid_worker, world, person_in):
    bad_id = make_id_number()
    bad_id = bad_id[:-1] + ("0" if bad_id[-1] != "0" else "1")
    response = login(grid_worker).post(
        reverse("people:person_create"),
        {"name": "", "id_number": bad_id, "phone": "12345", "area": world.grid.pk},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "id_number", "phone"} <= set(errors)
    html = response.content.decode()
    summary = re.search(
        r'<div class="alert alert-danger"[^>]*id="fk-error-summary".*?</div>', html, re.S
    )
    assert summary, "no error summary"
    tag = summary.group(0)
    assert 'role="alert"' in tag and 'tabindex="-1"' in tag and "autofocus" in tag
    for field in ("id_name", "id_id_number", "id_phone"):
        assert f'href="#{field}"' in tag
    # The refused number stays in its input (no-store page) but nowhere else.
    assert bad_id not in tag and bad_id not in html.split("<form")[0]


def test_a_duplicate_id_is_reported_with_the_other_errors(login, grid_worker, world, person_in):
    response = login(grid_worker).post(
        reverse("people:person_create"),
        {"name": "", "id_number": person_in.id_number, "area": world.grid.pk},
    )
    assert response.status_code == 400
    assert {"name", "id_number"} <= set(response.context["form"].errors)


def test_add_member_from_household_copies_address_and_returns(login, grid_worker, world):
    client = login(grid_worker)
    url = reverse("people:person_create") + f"?household={world.household.pk}"
    form = client.get(url)
    assert form.context["form"].initial["current_address"] == "东湖村一组1号"
    html = form.content.decode()
    relation = re.search(r'<select name="relation".*?</select>', html, re.S).group(0)
    for value in ("户主", "配偶", "子", "女", "父母", "祖父母", "孙子女", "兄弟姐妹", "其他"):
        assert f'value="{value}"' in relation
    assert reverse("places:household_detail", args=[world.household.pk]) in html  # cancel
    response = client.post(
        url,
        {
            "name": "张小三",
            "area": world.grid.pk,
            "household": world.household.pk,
            "relation": "子",
            "current_address": "东湖村一组1号",
            "phone": make_phone(),
            "is_resident": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("places:household_detail", args=[world.household.pk])
    person = Person.objects.get(name="张小三")
    assert person.household_id == world.household.pk and person.relation == "子"


def test_add_member_of_an_out_of_scope_household_fills_nothing(login, grid_worker, world):
    url = reverse("people:person_create") + f"?household={world.other_household.pk}"
    form = login(grid_worker).get(url)
    assert form.status_code == 200 and "南湾村一组1号" not in form.content.decode()


def test_relation_stored_before_the_list_still_edits(login, grid_worker, world, commander):
    from fangkong.people.services import person_create

    person = person_create(
        actor=commander, data={"name": "老记录", "area": world.grid, "relation": "表亲"}
    )
    page = login(grid_worker).get(reverse("people:person_edit", args=[person.pk]))
    assert 'value="表亲" selected' in page.content.decode()


def test_search_box_on_every_page_posts(login, grid_worker, readonly, person_in):
    client = login(grid_worker)
    for url in (reverse("home"), reverse("places:area_browser"), reverse("people:person_list")):
        html = client.get(url, follow=True).content.decode()
        form = re.search(r'<form class="fk-topsearch[^>]*>', html).group(0)
        assert 'method="post"' in form
        assert f'action="{reverse("people:person_search")}"' in form
    found = client.post(reverse("people:person_search"), {"q": person_in.id_number})
    assert [p.pk for p in found.context["results"]] == [person_in.pk]
    # Someone who may not view persons is not offered the box.
    assert "fk-topsearch" not in login(readonly).get(reverse("home")).content.decode()
