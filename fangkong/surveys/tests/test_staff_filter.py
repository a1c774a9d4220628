"""The staff list's "has declared" filter works in the API as on the page (the API validates
filters on the plain queryset)."""


def test_not_declared_filter_in_the_api_and_the_page(client, login, office, world, today):
    from fangkong.surveys.models import Unit, UnitStaff
    from fangkong.surveys.services import declaration_submit

    unit = Unit.objects.create(
        area=world.town, name="河坝镇政府", kind="government", since_date=today
    )
    a = UnitStaff.objects.create(unit=unit, name="甲")
    UnitStaff.objects.create(unit=unit, name="乙")
    declaration_submit(actor=office, staff=a, data={})
    login(office)
    body = client.get("/api/v1/unit-staff?declared=false").json()
    assert [s["name"] for s in body["results"]] == ["乙"]
    assert "乙" in client.get("/surveys/staff/?declared=false").text
    both = client.get(f"/api/v1/unit-staff?active=1&declared=1&unit={unit.pk}")
    assert both.status_code == 200 and [s["name"] for s in both.json()["results"]] == ["甲"]
