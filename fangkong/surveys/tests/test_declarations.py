"""Unit staff declarations: versions kept, the head sees who has not declared, a risky
declaration links one key person, strangers get nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.testing import make_user
from fangkong.observation.models import KeyPerson
from fangkong.surveys import selectors
from fangkong.surveys.models import Declaration, Unit, UnitStaff
from fangkong.surveys.services import declaration_submit


@pytest.fixture
def head(world):
    return make_user("head", None, None, full_name="局长")


@pytest.fixture
def unit(world, head, today):
    return Unit.objects.create(
        area=world.town,
        name="河坝镇卫生院",
        kind="hospital",
        head=head,
        since_date=today - dt.timedelta(days=30),
    )


@pytest.fixture
def staff(unit, person_in, world):
    me = make_user("staffer", None, None, full_name="张三")
    a = UnitStaff.objects.create(unit=unit, name="张三", person=person_in, user=me)
    b = UnitStaff.objects.create(unit=unit, name="李护士")
    return a, b


def test_self_declaration_versions_are_kept(staff, today):
    a, _b = staff
    first = declaration_submit(actor=a.user, staff=a, data={"returned_on": today.isoformat()})
    second = declaration_submit(
        actor=a.user, staff=a, data={"returned_on": today.isoformat(), "note": "改为居家办公"}
    )
    first.refresh_from_db()
    assert (first.number, first.current, second.number, second.current) == (1, False, 2, True)
    assert first.self_declared and second.self_declared
    assert Declaration.objects.filter(staff=a).count() == 2


def test_head_sees_who_has_not_declared(client, login, unit, staff, head, today):
    a, b = staff
    declaration_submit(actor=a.user, staff=a, data={})
    roster = list(selectors.roster(unit))
    assert [(s.name, s.declared) for s in roster] == [("李护士", False), ("张三", True)]
    page = login(head).get(f"/surveys/units/{unit.pk}/")
    assert page.status_code == 200
    assert 'id="fk-not-declared"' in page.text and "李护士" in page.text
    # The head declares for a staff member without an account.
    response = client.post(
        f"/surveys/staff/{b.pk}/declare/", {"travel_origin": "长沙", "contact": ""}
    )
    assert response.status_code == 302
    assert Declaration.objects.get(staff=b).self_declared is False


def test_risky_declaration_links_one_key_person(staff, person_in, today):
    a, _b = staff
    data = {"travel_origin": "武汉", "arrival_date": (today - dt.timedelta(days=2)).isoformat()}
    declaration_submit(actor=a.user, staff=a, data=data)
    declaration_submit(actor=a.user, staff=a, data={**data, "symptoms": ["cough"]})
    codes = sorted(
        KeyPerson.objects.filter(person=person_in).values_list("category__code", flat=True)
    )
    assert codes == ["fever", "wuhan"]
    assert KeyPerson.objects.get(person=person_in, category__code="wuhan").source == "self_report"


def test_bad_declarations_are_refused_with_nothing_written(staff, today):
    a, _b = staff
    for data, field in [
        ({"temperature": "60"}, "temperature"),
        ({"symptoms": ["x"]}, "symptoms"),
        ({"returned_on": "2999-01-01"}, "returned_on"),
        ({"note": "bad\x07"}, "note"),
        ({"arrival_date": today.isoformat()}, "travel_origin"),
    ]:
        with pytest.raises(ValidationError) as exc:
            declaration_submit(actor=a.user, staff=a, data=data)
        assert field in exc.value.message_dict
    assert not Declaration.objects.exists()


def test_strangers_cannot_declare_or_see_the_roster(client, login, staff, unit, outsider):
    a, _b = staff
    with pytest.raises(PermissionDenied):
        declaration_submit(actor=outsider, staff=a, data={})
    as_outsider = login(outsider)
    assert as_outsider.get(f"/surveys/staff/{a.pk}/declare/").status_code == 404
    assert as_outsider.get(f"/surveys/units/{unit.pk}/").status_code == 404
    response = client.post(
        "/api/v1/staff-declarations", {"staff_id": a.pk}, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert not Declaration.objects.exists()


def test_api_declaration_by_the_town(client, login, world, staff, commander):
    a, _b = staff
    login(commander)
    response = client.post(
        "/api/v1/staff-declarations",
        {"staff_id": a.pk, "travel_origin": "岳阳"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert client.get("/api/v1/staff-declarations").json()["count"] == 1


def test_a_unit_without_a_head_shows_a_dash_on_its_list_and_page(client, login, unit, commander):
    # The head's account may be gone (SET_NULL): the pages must not fail on the missing user.
    unit.head = None
    unit.save()
    as_commander = login(commander)
    for url in ("/surveys/units/", f"/surveys/units/{unit.pk}/"):
        page = as_commander.get(url)
        assert page.status_code == 200, url
        assert "河坝镇卫生院" in page.text and "—" in page.text
