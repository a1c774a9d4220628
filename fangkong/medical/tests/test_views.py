"""Pages and API: scope and facility guards (each proven by breaking it), masking, clinical notes,
exports, the batch for the phone app."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.testing import make_phone
from fangkong.medical import services
from fangkong.medical.models import Case, HomeVisitTask, PharmacyReport

pytestmark = pytest.mark.django_db


def report(med, person=None, pharmacy=None, actor=None, **extra):
    return services.pharmacy_report_create(
        actor=actor or med.pharmacist,
        data={
            "pharmacy": pharmacy or med.pharmacy,
            "buyer_name": person.name if person else "王五",
            "buyer_phone": person.phone if person else make_phone(),
            "symptom": "发热",
            "medicine": "布洛芬",
            **extra,
        },
    )


def test_a_pharmacy_sees_only_its_own_reports(med, client, person_in):
    mine = report(med, person_in)
    theirs = report(med, pharmacy=med.pharmacy2, actor=med.pharmacist2)
    client.force_login(med.pharmacist)
    page = client.get(reverse("medical:pharmacyreport_list")).content.decode()
    assert mine.buyer_name in page and theirs.buyer_name not in page
    # The other pharmacy's report, by its number: 404 as for a missing one.
    assert client.get(reverse("medical:pharmacyreport_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("medical:pharmacyreport_detail", args=[mine.pk])).status_code == 200
    api = client.get("/api/v1/pharmacy-reports").json()
    assert [r["id"] for r in api["results"]] == [mine.pk]
    assert client.get(f"/api/v1/pharmacy-reports/{theirs.pk}").status_code == 404
    # Masked on the page and in the API.
    assert person_in.phone not in page
    assert api["results"][0]["buyer_phone_masked"].startswith(person_in.phone[:3])


def test_breaking_the_facility_filter_shows_the_other_pharmacy(med, client, monkeypatch):
    """The guard above is the facility filter: without it, the same area scope lets the other
    pharmacy's report through (this test proves the filter is what refuses it)."""
    from fangkong.medical import selectors

    theirs = report(med, pharmacy=med.pharmacy2, actor=med.pharmacist2)
    monkeypatch.setattr(selectors, "member_filter", lambda qs, actor, *lookups: qs)
    client.force_login(med.pharmacist)
    page = client.get(reverse("medical:pharmacyreport_list")).content.decode()
    assert theirs.buyer_name in page


def test_the_command_office_sees_every_pharmacy_in_its_area(med, client, office):
    a = report(med)
    b = report(med, pharmacy=med.pharmacy2, actor=med.pharmacist2)
    client.force_login(office)
    page = client.get(reverse("medical:pharmacyreport_list")).content.decode()
    assert a.buyer_name in page and b.buyer_name in page


def test_outsider_gets_404(med, client, outsider, person_in):
    mine = report(med, person_in)
    task = HomeVisitTask.objects.get(pharmacy_report=mine)
    client.force_login(outsider)
    assert client.get(reverse("medical:homevisittask_detail", args=[task.pk])).status_code == 404
    assert client.get(reverse("medical:pharmacyreport_detail", args=[mine.pk])).status_code == 404


def test_grid_worker_sees_and_records_the_home_visit(med, client, grid_worker, person_in):
    mine = report(med, person_in)
    task = HomeVisitTask.objects.get(pharmacy_report=mine)
    client.force_login(grid_worker)
    page = client.get(reverse("medical:homevisittask_list")).content.decode()
    assert person_in.name in page
    response = client.post(
        reverse("medical:homevisittask_edit", args=[task.pk]),
        {"version": 1, "visited_at": "", "outcome": "fever_referred", "outcome_note": "38.1"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.outcome == "fever_referred" and task.visited_by == grid_worker


def test_pharmacy_report_batch_from_the_phone(med, client, person_in):
    client.force_login(med.pharmacist)
    body = {
        "records": [
            {
                "client_id": "a",
                "pharmacy_id": med.pharmacy.pk,
                "buyer_name": "张三",
                "buyer_phone": person_in.phone,
                "symptom": "发热",
                "medicine": "布洛芬",
            },
            {
                "client_id": "b",
                "pharmacy_id": med.pharmacy.pk,
                "buyer_name": "无名",
                "symptom": "发热",
                "medicine": "布洛芬",
            },
        ]
    }
    answer = client.post("/api/v1/pharmacy-reports/batch", body, content_type="application/json")
    assert answer.status_code == 200, answer.content
    results = {r["client_id"]: r for r in answer.json()["results"]}
    assert results["a"]["status"] == "stored"
    assert results["b"]["status"] == "rejected"
    assert "buyer_id_number" in results["b"]["errors"] or "buyer_phone" in results["b"]["errors"]
    stored = PharmacyReport.objects.get()
    assert stored.person == person_in
    assert HomeVisitTask.objects.get(pharmacy_report=stored).area == person_in.area


@pytest.fixture
def case(med, person_in):
    visit = services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "patient": person_in,
            "temperature": "38.8",
            "assessment": "suspected",
            "disposition": "admitted",
            "clinical_notes": "双肺磨玻璃影-NOTE",
        },
    )
    return visit.cases.get()


def test_clinical_notes_only_for_clinical_roles_and_the_command_office(
    med, client, case, office, commander
):
    url = reverse("medical:case_detail", args=[case.pk])
    for user in (med.doctor, office):
        client.force_login(user)
        assert "双肺磨玻璃影-NOTE" in client.get(url).content.decode()
        assert client.get(f"/api/v1/cases/{case.pk}/clinical-notes").status_code == 200
    for user in (med.town_officer, commander):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200 and "双肺磨玻璃影-NOTE" not in page.content.decode()
        assert client.get(f"/api/v1/cases/{case.pk}/clinical-notes").status_code == 403
        assert "NOTE" not in client.get(f"/api/v1/cases/{case.pk}").content.decode()


def test_breaking_the_notes_permission_shows_them(med, client, case, monkeypatch):
    from fangkong.medical import views

    monkeypatch.setattr(views, "covers", lambda user, perm, obj: True)
    client.force_login(med.town_officer)
    page = client.get(reverse("medical:case_detail", args=[case.pk])).content.decode()
    assert "双肺磨玻璃影-NOTE" in page


def test_case_export_is_the_report_card_masked(med, client, case, office, person_in):
    client.force_login(office)
    response = client.post(reverse("medical:case_list"), {"export": "xlsx", "reason": ""})
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    text = " ".join(str(c) for row in rows for c in row if c)
    assert "大通湖区人民医院" in text and person_in.name in text
    assert person_in.id_number not in text and person_in.phone not in text
    assert person_in.id_number[:6] in text


def test_transition_page_refuses_illegal_move_clearly(med, client, case):
    client.force_login(med.doctor)
    url = reverse("medical:case_transition", args=[case.pk])
    client.post(url, {"to_status": "excluded", "reason": "阴性"})
    response = client.post(url, {"to_status": "confirmed", "reason": "x"}, follow=True)
    assert "re-assess it as suspected first" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.EXCLUDED


def test_double_acknowledgement_over_the_api(med, client, person_in):
    referral = services.referral_create(
        actor=med.village_doctor,
        data={
            "patient": person_in,
            "from_facility": med.clinic,
            "to_facility": med.hospital,
            "reason": "发热",
            "transport": "ambulance",
        },
    )
    client.force_login(med.doctor)
    url = f"/api/v1/referrals/{referral.pk}/acknowledge"
    assert client.post(url, {}, content_type="application/json").status_code == 200
    second = client.post(url, {}, content_type="application/json")
    assert second.status_code == 422
    assert "cannot be acknowledged twice" in second.content.decode()


def test_triage_page_refuses_a_village_clinic_closing_a_fever_visit(med, client, person_in):
    client.force_login(med.village_doctor)
    response = client.post(
        reverse("medical:triage"),
        {
            "facility": med.clinic.pk,
            "id_number": person_in.id_number,
            "temperature": "38.5",
            "assessment": "ordinary",
            "disposition": "home",
        },
    )
    assert response.status_code == 200
    assert "may not close a fever visit" in response.content.decode()


def test_chain_endpoint(med, client, case, office, household_family):
    services.contacts_from_household(actor=office, case=case, exposure_date=dt.date.today())
    client.force_login(office)
    chain = client.get(f"/api/v1/cases/{case.pk}/chain").json()
    assert len(chain["nodes"]) >= 1 and isinstance(chain["links"], list)


def test_area_scope_of_the_api_proven_by_breaking_it(med, client, world, monkeypatch):
    """A town officer of another town sees every facility's records, but only in their town:
    the area scope (``restrict``) is what refuses 河坝镇's report."""
    from fangkong.core.testing import make_user
    from fangkong.medical import kit

    mine = report(med)
    other = make_user("othertown", "town_officer", world.other_town)
    client.force_login(other)
    assert client.get(f"/api/v1/pharmacy-reports/{mine.pk}").status_code == 404
    assert client.get("/api/v1/pharmacy-reports").json()["results"] == []
    monkeypatch.setattr(kit, "restrict", lambda qs, *args, **kwargs: qs)
    assert client.get(f"/api/v1/pharmacy-reports/{mine.pk}").status_code == 200


def test_api_triage_honours_idempotency_key(med, client, person_in):
    from fangkong.medical.models import FeverVisit

    client.force_login(med.doctor)
    body = {
        "facility_id": med.hospital.pk,
        "id_number": person_in.id_number,
        "temperature": "38.1",
        "disposition": "home",
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "triage-1"}
    first = client.post("/api/v1/fever-visits", body, content_type="application/json", **headers)
    again = client.post("/api/v1/fever-visits", body, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    assert again.json()["id"] == first.json()["id"]
    assert FeverVisit.objects.count() == 1


def test_api_village_doctor_refers_to_the_fever_clinic_outside_their_area(med, client, person_in):
    client.force_login(med.village_doctor)
    body = {
        "patient_id": person_in.pk,
        "from_facility_id": med.clinic.pk,
        "to_facility_id": med.hospital.pk,
        "reason": "发热",
        "transport": "ambulance",
    }
    answer = client.post("/api/v1/referrals", body, content_type="application/json")
    assert answer.status_code == 201, answer.content
    body["from_facility_id"] = med.private.pk  # not their clinic
    refused = client.post("/api/v1/referrals", body, content_type="application/json")
    assert refused.status_code == 422 and "not on the staff" in refused.content.decode()
