"""Pages and API of carpet surveys: scope guards (404 not yours), the phone's visit form, the
batch endpoint with retries, coverage JSON, exports."""

import pytest

from fangkong.surveys.models import Coverage, Visit
from fangkong.surveys.services import visit_record
from fangkong.surveys.tests.conftest import seen_payload


def test_grid_worker_records_a_visit_from_the_phone_form(
    client, login, world, grid_worker, campaign, person_in
):
    as_worker = login(grid_worker)
    blanks = as_worker.get(f"/surveys/campaigns/{campaign.pk}/blanks/?q=东湖")
    assert blanks.status_code == 200
    assert f"/surveys/campaigns/{campaign.pk}/visit/{world.household.pk}/" in blanks.text
    url = f"/surveys/campaigns/{campaign.pk}/visit/{world.household.pk}/"
    form = as_worker.get(url)
    assert form.status_code == 200 and "张三" in form.text
    body = {
        "client_id": "form-abc",
        "outcome": "seen",
        f"p-{person_in.pk}-seen": "on",
        f"p-{person_in.pk}-origin": "",
        f"p-{person_in.pk}-temp": "36.6",
        "note": "",
    }
    response = as_worker.post(url, body)
    assert response.status_code == 302
    # A double tap: the same client id stores nothing twice.
    assert as_worker.post(url, body).status_code == 302
    visit = Visit.objects.get()
    assert (visit.outcome, visit.visits_made, visit.persons_seen) == ("seen", 1, 1)
    assert Coverage.objects.get(campaign=campaign).seen == 1
    assert (
        as_worker.get(f"/surveys/campaigns/{campaign.pk}/blanks/").text.count(
            'data-fk-household="001"'
        )
        == 0
    )


def test_visit_form_shows_every_error_and_saves_nothing(
    client, login, world, grid_worker, campaign, person_in
):
    url = f"/surveys/campaigns/{campaign.pk}/visit/{world.household.pk}/"
    response = login(grid_worker).post(
        url,
        {
            "client_id": "x1",
            "outcome": "seen",
            f"p-{person_in.pk}-seen": "on",
            f"p-{person_in.pk}-temp": "45",
            f"p-{person_in.pk}-symptoms": "plague",
        },
    )
    assert response.status_code == 422
    assert "张三" in response.text and "fk-visit-errors" in response.text
    assert not Visit.objects.exists()


def test_outsider_gets_404_for_pages_of_another_town(
    client, login, world, outsider, town_campaign, campaign, person_in
):
    as_outsider = login(outsider)
    # The town's campaign of 河坝镇 is not theirs.
    assert as_outsider.get(f"/surveys/campaigns/{town_campaign.pk}/").status_code == 404
    assert (
        as_outsider.get(f"/surveys/campaigns/{town_campaign.pk}/coverage.json").status_code == 404
    )
    # The district's campaign is theirs to see, but not the household of another town.
    assert as_outsider.get(f"/surveys/campaigns/{campaign.pk}/").status_code == 200
    form = as_outsider.get(f"/surveys/campaigns/{campaign.pk}/visit/{world.household.pk}/")
    assert form.status_code == 404
    blanks = as_outsider.get(f"/surveys/campaigns/{campaign.pk}/blanks/")
    assert "东湖村一组1号" not in blanks.text and "南湾村一组1号" in blanks.text
    coverage = as_outsider.get(f"/surveys/campaigns/{campaign.pk}/coverage.json").json()
    assert coverage["tree"]["households"] == 1
    assert [c["name"] for c in coverage["tree"]["children"]] == ["金盆镇"]


def test_outsider_cannot_open_a_visit_of_another_town(
    client, login, world, grid_worker, outsider, campaign, person_in
):
    visit = visit_record(
        actor=grid_worker, data=seen_payload(campaign, world.household, person_in)
    ).visit
    assert login(outsider).get(f"/surveys/visits/{visit.pk}/").status_code == 404
    assert client.get(f"/api/v1/survey-visits/{visit.pk}").status_code == 404
    assert client.get("/api/v1/survey-visits").json()["count"] == 0
    assert login(grid_worker).get(f"/surveys/visits/{visit.pk}/").status_code == 200


def test_batch_of_visits_is_safe_to_resend(client, login, world, grid_worker, campaign, person_in):
    login(grid_worker)
    records = [
        {"client_id": "v1", **seen_payload(campaign, world.household, person_in)},
        {
            "client_id": "v2",
            "campaign_id": campaign.pk,
            "household_id": world.other_household.pk,
            "outcome": "seen",
        },
        {"client_id": "v3", "campaign_id": campaign.pk},
    ]
    first = client.post(
        "/api/v1/survey-visits/batch", {"records": records}, content_type="application/json"
    ).json()["results"]
    assert [r["status"] for r in first] == ["stored", "rejected", "rejected"]
    assert "household_id" in first[1]["errors"]
    again = client.post(
        "/api/v1/survey-visits/batch", {"records": records}, content_type="application/json"
    ).json()["results"]
    assert [r["status"] for r in again] == ["already_stored", "rejected", "rejected"]
    assert again[0]["id"] == first[0]["id"]
    assert Visit.objects.count() == 1
    assert Coverage.objects.get(campaign=campaign).seen == 1


def test_single_api_create_and_coverage(client, login, world, grid_worker, campaign, person_in):
    login(grid_worker)
    body = {**seen_payload(campaign, world.household, person_in), "client_id": "one"}
    response = client.post("/api/v1/survey-visits", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "stored"
    again = client.post("/api/v1/survey-visits", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["status"] == "already_stored"
    bad = client.post(
        "/api/v1/survey-visits",
        {**body, "client_id": "two", "note": "\x00"},
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)
    tree = client.get(f"/api/v1/survey-campaigns/{campaign.pk}/coverage").json()["tree"]
    assert (tree["households"], tree["seen"], tree["percent"]) == (1, 1, 100.0)
    blanks = client.get(f"/api/v1/survey-campaigns/{campaign.pk}/blanks").json()
    assert blanks["count"] == 0


def test_campaign_launched_by_the_office(client, login, world, office):
    login(office)
    response = client.post(
        "/surveys/campaigns/new/",
        {
            "area": world.town.pk,
            "name": "河坝镇第二轮摸排",
            "starts_on": "2020-02-01",
            "ends_on": "2020-02-07",
            "since_date": "2020-01-10",
            "ask_travel": "on",
            "ask_symptoms": "on",
            "status": "open",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    listing = client.get("/surveys/campaigns/")
    assert "河坝镇第二轮摸排" in listing.text


@pytest.mark.parametrize(
    "page",
    [
        "/surveys/campaigns/",
        "/surveys/visits/",
        "/surveys/units/",
        "/surveys/staff/",
        "/surveys/declarations/",
        "/surveys/declarations/mine/",
    ],
)
def test_lists_render_for_the_office(client, login, office, campaign, page):
    login(office)
    assert client.get(page).status_code == 200
