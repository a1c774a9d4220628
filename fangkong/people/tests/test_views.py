"""Person screens with the personas: in-scope, read-only, out-of-scope, and a commander."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.testing import make_id_number, make_phone
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db

LONG_NUMBER = re.compile(r"\d{11,}")


def test_grid_worker_lists_and_opens_own_grid_person(login, grid_worker, person_in, person_out):
    client = login(grid_worker)
    page = client.get(reverse("people:person_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "张三" in body and "李四" not in body
    # Numbers are masked in the list, and no full number is anywhere in the page.
    assert person_in.id_number not in body and person_in.phone not in body
    assert person_in.masked("id_number") in body
    detail = client.get(reverse("people:person_detail", args=[person_in.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert person_in.masked("phone") in text and person_in.phone not in text
    assert "东湖村一组1号" in text  # the household link


def test_list_filters_by_pinyin_initials_and_sorts_and_keeps_filters_in_page_links(
    login, grid_worker, person_in, world, commander
):
    from fangkong.people.services import person_create

    for n in range(30):
        person_create(actor=commander, data={"name": f"张{n}号", "area": world.grid})
    client = login(grid_worker)
    page = client.get(reverse("people:person_list"), {"q": "z", "ordering": "-name"})
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 31
    assert len(page.context["objects"]) == 25
    assert "?q=z&amp;ordering=-name&amp;page=2" in page.content.decode()
    htmx = client.get(reverse("people:person_list"), {"q": "zs"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in htmx.content and "张三" in htmx.content.decode()


def test_outsider_gets_404_and_never_sees_person(login, outsider, person_in, person_out):
    client = login(outsider)
    for name in (
        "people:person_detail",
        "people:person_edit",
        "people:person_delete",
        "people:person_history",
    ):
        assert client.get(reverse(name, args=[person_in.pk])).status_code == 404
    missing = client.get(reverse("people:person_detail", args=[999999]))
    assert missing.status_code == 404
    # The refusal of an existing record is logged; the missing one is not distinguishable.
    assert SecurityEvent.objects.filter(kind="denied", user=outsider).count() == 4
    household = client.get(reverse("places:household_detail", args=[person_in.household_id]))
    assert household.status_code == 404
    listing = client.get(reverse("people:person_list")).content.decode()
    assert "张三" not in listing and "李四" in listing
    post = client.post(reverse("people:person_reveal", args=[person_in.pk]), {"reason": "x y"})
    assert post.status_code == 404
    search = client.post(reverse("people:person_search"), {"q": person_in.id_number})
    assert list(search.context["results"]) == []


def test_outsider_export_excludes_other_grid(login, outsider, person_in, person_out):
    import io

    from openpyxl import load_workbook

    client = login(outsider)
    response = client.post(reverse("people:person_list"), {"export": "1"})
    assert response.status_code == 200
    # Exports are streamed (FileResponse), not held in memory.
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["李四"]


def test_readonly_cannot_see_persons(login, readonly, person_in):
    client = login(readonly)
    assert client.get(reverse("people:person_list")).status_code == 403
    assert client.get(reverse("people:person_detail", args=[person_in.pk])).status_code == 404
    assert client.post(reverse("people:person_search"), {"q": "zs"}).status_code == 403


def _export_rows(response):
    import io

    from openpyxl import load_workbook

    # Exports are streamed (FileResponse), not held in memory.
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_is_masked_for_grid_worker(login, grid_worker, person_in):
    client = login(grid_worker)
    # Even asking for unmasked data gets a refusal, never the numbers.
    refused = client.post(
        reverse("people:person_list"), {"export": "1", "unmasked": "1", "reason": "check"}
    )
    assert refused.status_code == 302
    response = client.post(reverse("people:person_list"), {"export": "1"})
    rows = _export_rows(response)
    assert rows[1][1] == person_in.masked("id_number")
    assert rows[1][2] == person_in.masked("phone")
    assert AccessLog.objects.count() == 0


def test_unmasked_export_by_commander_is_logged(login, commander, person_in, person_out):
    client = login(commander)
    page = client.get(reverse("people:person_list"))
    assert "fk-export-unmasked" in page.content.decode()
    no_reason = client.post(reverse("people:person_list"), {"export": "1", "unmasked": "1"})
    assert no_reason.status_code == 302 and AccessLog.objects.count() == 0
    url = reverse("people:person_list") + "?q=zs"
    response = client.post(url, {"export": "1", "unmasked": "1", "reason": "上报疾控"})
    rows = _export_rows(response)
    assert [r[0] for r in rows[1:]] == ["张三"]  # the filtered list only
    assert rows[1][1] == person_in.id_number and rows[1][2] == person_in.phone
    log = AccessLog.objects.get()
    assert (log.actor, log.subject_id, log.action, log.reason) == (
        commander,
        person_in.pk,
        "export",
        "上报疾控",
    )


def test_masked_export_by_commander_by_default(login, commander, person_in):
    rows = _export_rows(login(commander).post(reverse("people:person_list"), {"export": "1"}))
    assert rows[1][1] == person_in.masked("id_number")
    assert AccessLog.objects.count() == 0


def test_large_export_goes_to_a_job(login, commander, person_in, person_out, settings, run_jobs):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    response = login(commander).post(reverse("people:person_list"), {"export": "1"})
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    (job,) = run_jobs()
    assert job.status == "done" and job.output_file


def test_reveal_writes_access_log_and_shows_numbers_once(login, commander, person_in):
    client = login(commander)
    detail = client.get(reverse("people:person_detail", args=[person_in.pk]))
    assert "Show full numbers" in detail.content.decode() or "reveal" in detail.content.decode()
    assert person_in.id_number not in detail.content.decode()
    missing_reason = client.post(reverse("people:person_reveal", args=[person_in.pk]), {})
    assert missing_reason.status_code == 400 and AccessLog.objects.count() == 0
    shown = client.post(
        reverse("people:person_reveal", args=[person_in.pk]), {"reason": "核实身份"}
    )
    assert shown.status_code == 200
    assert person_in.id_number in shown.content.decode()
    assert shown["Cache-Control"].startswith("no-store")
    log = AccessLog.objects.get()
    assert (log.actor, log.subject_id, log.action) == (commander, person_in.pk, "view")
    again = client.get(reverse("people:person_detail", args=[person_in.pk]))
    assert person_in.id_number not in again.content.decode()


def test_grid_worker_is_not_offered_reveal_and_is_refused(login, grid_worker, person_in):
    client = login(grid_worker)
    detail = client.get(reverse("people:person_detail", args=[person_in.pk])).content.decode()
    assert reverse("people:person_reveal", args=[person_in.pk]) not in detail
    refused = client.post(
        reverse("people:person_reveal", args=[person_in.pk]), {"reason": "想看看"}
    )
    assert refused.status_code == 403
    assert AccessLog.objects.count() == 0


def test_search_by_full_id_is_post_only(login, grid_worker, person_in):
    client = login(grid_worker)
    by_get = client.get(reverse("people:person_search"), {"q": person_in.id_number})
    assert by_get.status_code == 200 and by_get.context["results"] is None
    assert len(list(by_get.context["messages"])) == 1
    by_list = client.get(reverse("people:person_list"), {"q": person_in.id_number})
    assert by_list.context["page_obj"].paginator.count == 0
    by_post = client.post(reverse("people:person_search"), {"q": person_in.id_number})
    assert [p.pk for p in by_post.context["results"]] == [person_in.pk]
    by_phone = client.post(reverse("people:person_search"), {"q": person_in.phone})
    assert [p.pk for p in by_phone.context["results"]] == [person_in.pk]
    by_initials = client.post(reverse("people:person_search"), {"q": "zs"})
    assert [p.pk for p in by_initials.context["results"]] == [person_in.pk]
    by_suffix = client.post(reverse("people:person_search"), {"q": person_in.id_number[-4:]})
    assert person_in.pk in [p.pk for p in by_suffix.context["results"]]


def test_no_generated_url_carries_a_number(login, commander, person_in):
    client = login(commander)
    pages = [
        reverse("people:person_list"),
        reverse("people:person_detail", args=[person_in.pk]),
        reverse("people:person_edit", args=[person_in.pk]),
        reverse("places:household_detail", args=[person_in.household_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        for link in re.findall(r'(?:href|action|hx-get|hx-post)="([^"]*)"', html):
            assert not LONG_NUMBER.search(link), (url, link)
        assert person_in.id_number not in html and person_in.phone not in html


def _edit_data(person, **changes):
    data = {
        "name": person.name,
        "area": person.area_id,
        "household": person.household_id or "",
        "relation": person.relation,
        "current_address": person.current_address,
        "registered_residence": person.registered_residence,
        "is_resident": "on",
        "version": person.version,
        "id_number": "",
        "phone": "",
    }
    data.update(changes)
    return data


def test_grid_worker_edits_own_grid_person(login, grid_worker, person_in):
    client = login(grid_worker)
    form = client.get(reverse("people:person_edit", args=[person_in.pk]))
    assert form.status_code == 200 and person_in.id_number not in form.content.decode()
    response = client.post(
        reverse("people:person_edit", args=[person_in.pk]),
        _edit_data(person_in, current_address="东湖村一组2号"),
    )
    assert response.status_code == 302
    person_in.refresh_from_db()
    assert person_in.current_address == "东湖村一组2号"
    # Empty ID/phone inputs kept the stored numbers.
    assert person_in.id_number and person_in.phone
    history = client.get(reverse("people:person_detail", args=[person_in.pk])).content.decode()
    assert "东湖村一组2号" in history


def test_edit_shows_errors_beside_fields(login, grid_worker, person_in):
    client = login(grid_worker)
    bad_id = person_in.id_number[:-1] + ("0" if person_in.id_number[-1] != "0" else "1")
    response = client.post(
        reverse("people:person_edit", args=[person_in.pk]),
        _edit_data(person_in, id_number=bad_id, phone="12345"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "id_number" in form.errors and "phone" in form.errors
    assert bad_id not in response.content.decode().split("<form")[0]


def test_region_code_warning_is_shown_but_accepted(login, grid_worker, world):
    client = login(grid_worker)
    number = make_id_number(region="999999")
    response = client.post(
        reverse("people:person_create"),
        {
            "name": "王五",
            "id_number": number,
            "phone": make_phone(),
            "area": world.grid.pk,
            "household": world.household.pk,
            "is_resident": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    person = Person.objects.get(name="王五")
    assert person.id_region_unknown and person.household_id == world.household.pk
    assert any("999999" in str(m) for m in response.context["messages"])


def test_create_in_other_grid_is_refused(login, grid_worker, world):
    client = login(grid_worker)
    response = client.post(
        reverse("people:person_create"),
        {"name": "赵六", "area": world.other_grid.pk, "is_resident": "on"},
    )
    assert response.status_code == 400 and "area" in response.context["form"].errors
    assert not Person.objects.filter(name="赵六").exists()


def test_stale_edit_shows_conflict_and_keeps_other_change(login, grid_worker, commander, person_in):
    from fangkong.people.services import person_update

    client = login(grid_worker)
    stale = _edit_data(person_in, relation="配偶")
    person_update(
        actor=commander,
        person=person_in,
        expected_version=person_in.version,
        data={"current_address": "指挥部改的地址"},
    )
    response = client.post(reverse("people:person_edit", args=[person_in.pk]), stale)
    assert response.status_code == 409
    assert response.context["conflict"]
    assert response.context["form"].initial["current_address"] == "指挥部改的地址"
    with translation.override("en"):
        assert ("Relation to head", "Spouse") in [
            (str(k), str(v)) for k, v in response.context["my_changes"]
        ]
    person_in.refresh_from_db()
    assert person_in.current_address == "指挥部改的地址" and person_in.relation == "户主"


def test_history_hides_numbers(login, commander, person_in):
    from fangkong.people.services import person_update

    new_phone = make_phone()
    person_update(
        actor=commander,
        person=person_in,
        expected_version=person_in.version,
        data={"phone": new_phone},
    )
    page = login(commander).get(reverse("people:person_detail", args=[person_in.pk]))
    html = page.content.decode()
    assert new_phone not in html and new_phone[-4:] not in html.split("fk-history")[1]
    entry = page.context["history"][0]
    assert [c.secret for c in entry.changes] == [True]


def test_soft_delete_needs_reason(login, commander, person_in):
    client = login(commander)
    url = reverse("people:person_delete", args=[person_in.pk])
    assert client.post(url, {"reason": "", "version": person_in.version}).status_code == 200
    assert Person.objects.filter(pk=person_in.pk).exists()
    assert client.post(url, {"reason": "迁出", "version": person_in.version}).status_code == 302
    assert not Person.objects.filter(pk=person_in.pk).exists()
    assert Person.all_objects.get(pk=person_in.pk).deleted_reason == "迁出"


def test_delete_based_on_a_stale_version_keeps_the_record(login, commander, person_in):
    from fangkong.people.services import person_update

    seen = person_in.version
    person_update(
        actor=commander,
        person=person_in,
        expected_version=seen,
        data={"current_address": "东湖村一组2号"},
    )
    client = login(commander)
    response = client.post(
        reverse("people:person_delete", args=[person_in.pk]),
        {"reason": "迁出", "version": seen},
        follow=True,
    )
    assert "此期间他人已修改了此记录" in response.content.decode()
    assert Person.objects.filter(pk=person_in.pk).exists()


def test_duplicates_and_merge(login, commander, world, person_in):
    from fangkong.people.services import person_create

    twin = person_create(
        actor=commander,
        data={
            "name": "张三",
            "phone": person_in.phone,
            "area": world.grid,
            "current_address": "新地址",
        },
    )
    client = login(commander)
    page = client.get(reverse("people:person_duplicates"))
    assert page.status_code == 200 and len(page.context["groups"]) == 1
    url = reverse("people:person_merge") + f"?keep={person_in.pk}&drop={twin.pk}"
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert f'name="keep_version" value="{person_in.version}"' in page
    assert f'name="drop_version" value="{twin.version}"' in page
    post = {
        "keep": person_in.pk,
        "drop": twin.pk,
        "reason": "同一人",
        "keep_version": person_in.version,
        "drop_version": twin.version,
    }
    # Someone edits the kept record after the page was shown: the merge stops, nothing changes.
    from fangkong.people.services import person_update

    person_update(
        actor=commander,
        person=person_in,
        expected_version=person_in.version,
        data={"relation": "父"},
    )
    stale = client.post(reverse("people:person_merge"), post)
    assert stale.status_code == 302 and stale.url == url
    twin.refresh_from_db()
    assert twin.deleted_at is None and twin.merged_into_id is None
    person_in.refresh_from_db()
    done = client.post(reverse("people:person_merge"), {**post, "keep_version": person_in.version})
    assert done.status_code == 302
    person_in.refresh_from_db()
    assert person_in.current_address == "新地址"
    # The link to the kept record is in the dropped record's history, not written around it.
    twin_history = twin.history.order_by("-history_date", "-history_id").first()
    assert twin_history.merged_into_id == person_in.pk and twin_history.deleted_at is not None
    detail = client.get(reverse("people:person_detail", args=[person_in.pk]))
    assert reverse("people:person_history", args=[twin.pk]) in detail.content.decode()
    assert client.get(reverse("people:person_history", args=[twin.pk])).status_code == 200


def test_export_of_more_than_a_thousand_households_works(login, commander, world, settings):
    # Django 5.2 prefetches foreign keys with one OR term per row on SQLite, which fails past
    # ~1,000; the person list joins its households instead.
    from fangkong.people.models import Person
    from fangkong.places.models import Household

    households = Household.objects.bulk_create(
        Household(area=world.grid, number=f"H{i:04d}", address=f"东湖村一组{i}号")
        for i in range(1100)
    )
    Person.objects.bulk_create(
        Person(name=f"户主{i}", area=world.grid, household=h) for i, h in enumerate(households)
    )
    settings.FANGKONG_EXPORT_INLINE_ROWS = 5000
    response = login(commander).post(reverse("people:person_list"), {"export": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_two_records_with_different_id_numbers_are_not_duplicates(
    login, commander, world, person_in
):
    from fangkong.core.testing import make_id_number
    from fangkong.people.services import person_create

    # Same name and phone, another ID number: a namesake sharing a family phone, two people.
    person_create(
        actor=commander,
        data={
            "name": person_in.name,
            "phone": person_in.phone,
            "id_number": make_id_number(birth="20100101"),
            "area": world.grid,
        },
    )
    client = login(commander)
    assert client.get(reverse("people:person_duplicates")).context["groups"] == []
