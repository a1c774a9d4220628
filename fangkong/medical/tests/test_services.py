"""Services: the article's rules, referrals and notices, case transitions, contacts,
pharmacy and clinic reports — each bad input refused with its reason, nothing half-written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from fangkong.alerts.models import Alert, SmsMessage
from fangkong.core.testing import make_id_number, make_phone
from fangkong.medical import services
from fangkong.medical.models import (
    Case,
    CaseTransition,
    ClinicReport,
    FeverVisit,
    HomeVisitTask,
    JurisdictionNotice,
    PharmacyReport,
    Referral,
)
from fangkong.observation.models import KeyPerson, Observation

pytestmark = pytest.mark.django_db


def triage(med, actor, facility, person, **extra):
    data = {
        "facility": facility,
        "patient": person,
        "temperature": "38.2",
        "symptoms": "发热、咳嗽",
        "assessment": "ordinary",
        "disposition": "home",
        **extra,
    }
    return services.triage_create(actor=actor, data=data)


def messages(exc):
    return " ".join(exc.value.messages)


# --------------------------------------------------------------------------- the article's rules


def test_hubei_fever_patient_is_triaged_only_at_the_district_hospital(med, person_in):
    with pytest.raises(ValidationError) as exc:
        triage(
            med,
            med.centre_doctor,
            med.centre,
            person_in,
            travel_hubei=True,
            disposition="referred",
            referred_to=med.hospital,
            transport="ambulance",
        )
    assert "back from Hubei is triaged only at the district hospital" in messages(exc)
    assert not FeverVisit.objects.exists()
    # The district hospital may.
    visit = triage(
        med, med.doctor, med.hospital, person_in, travel_hubei=True, disposition="observation"
    )
    assert visit.observation is not None


def test_village_and_private_clinics_cannot_close_a_fever_visit(med, person_in):
    for doctor, clinic in ((med.village_doctor, med.clinic), (med.private_doctor, med.private)):
        with pytest.raises(ValidationError) as exc:
            triage(med, doctor, clinic, person_in, disposition="home")
        assert "may not close a fever visit" in messages(exc)
    assert not FeverVisit.objects.exists()
    visit = triage(
        med,
        med.village_doctor,
        med.clinic,
        person_in,
        disposition="referred",
        referred_to=med.hospital,
        transport="facility_vehicle",
    )
    assert visit.referrals.get().to_facility == med.hospital


def test_town_health_centre_cannot_admit_a_suspected_patient(med, person_in):
    with pytest.raises(ValidationError) as exc:
        triage(
            med,
            med.centre_doctor,
            med.centre,
            person_in,
            assessment="suspected",
            disposition="admitted",
        )
    assert "may not admit a suspected patient" in messages(exc)
    assert not Case.objects.exists() and not FeverVisit.objects.exists()


@override_settings(FANGKONG_NO_SUSPECTED_ADMISSION=())
def test_rules_are_configurable(med, person_in):
    visit = triage(
        med,
        med.centre_doctor,
        med.centre,
        person_in,
        assessment="suspected",
        disposition="admitted",
    )
    assert visit.cases.get().status == Case.Status.SUSPECTED


def test_only_the_facility_staff_triage_there(med, person_in):
    with pytest.raises(ValidationError) as exc:
        triage(med, med.village_doctor, med.hospital, person_in, disposition="observation")
    assert "not on the staff of 大通湖区人民医院" in messages(exc)


def test_temperature_is_validated(med, person_in):
    with pytest.raises(ValidationError) as exc:
        triage(med, med.doctor, med.hospital, person_in, temperature="52")
    assert "not a possible body temperature" in messages(exc)


def test_triage_finds_the_patient_by_full_id_number(med, person_in):
    from fangkong.core.models import AccessLog

    visit = services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "id_number": person_in.id_number,
            "temperature": "37.0",
            "disposition": "home",
        },
    )
    assert visit.patient == person_in
    assert AccessLog.objects.filter(actor=med.doctor, reason__contains="fever clinic triage")
    task = HomeVisitTask.objects.get(person=person_in)
    assert task.area == person_in.area


def test_triage_registers_a_new_patient(med, world):
    visit = services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "id_number": make_id_number(region="430981"),
            "name": "外地人",
            "area": world.district,
            "temperature": "38.5",
            "disposition": "observation",
        },
    )
    assert visit.patient.name == "外地人" and not visit.patient.is_resident
    kp = KeyPerson.objects.get(person=visit.patient)
    assert kp.category.code == "fever" and kp.source == "clinic"
    assert Observation.objects.get(person=visit.patient).status == "active"


# --------------------------------------------------------------------------- referrals


def test_referral_alerts_receiving_clinicians_and_home_area(med, person_in):
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
    alerts = Alert.objects.filter(source=f"medical.referral:{referral.pk}")
    assert {a.area for a in alerts} == {med.hospital.area, person_in.area}
    assert not JurisdictionNotice.objects.exists()


def test_referral_acknowledged_twice_is_refused(med, person_in):
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
    with pytest.raises(PermissionDenied):
        services.referral_acknowledge(actor=med.village_doctor, referral=referral)
    services.referral_acknowledge(actor=med.doctor, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_acknowledge(actor=med.doctor, referral=referral)
    assert "already acknowledged by 彭丽" in messages(exc)
    assert "cannot be acknowledged twice" in messages(exc)
    referral.refresh_from_db()
    assert referral.version == 2


def test_external_hospital_receipt_needs_who_signed(med, person_in):
    referral = services.referral_create(
        actor=med.doctor,
        data={
            "patient": person_in,
            "from_facility": med.hospital,
            "to_facility": med.designated,
            "reason": "疑似",
            "transport": "negative_pressure",
        },
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_acknowledge(actor=med.doctor, referral=referral)
    assert "signed for the patient" in messages(exc)
    done = services.referral_acknowledge(
        actor=med.doctor, referral=referral, receiver_name="李医生"
    )
    assert done.receiver_name == "李医生"


def test_referral_of_another_jurisdictions_patient_notifies_it_at_once(med, world):
    visit = services.triage_create(
        actor=med.doctor,
        data={
            "facility": med.hospital,
            "id_number": make_id_number(region="430981"),
            "name": "四季红患者",
            "area": world.district,
            "temperature": "38.6",
            "home_jurisdiction": med.yuanjiang,
            "assessment": "suspected",
            "disposition": "referred",
            "referred_to": med.designated,
            "transport": "negative_pressure",
        },
    )
    referral = visit.referrals.get()
    notices = {n.jurisdiction.name: n for n in referral.notices.all()}
    assert set(notices) == {"沅江市", "益阳市"}
    yj = notices["沅江市"]
    assert yj.channel == "sms" and yj.notified_by == med.doctor
    assert yj.contact_phone == "13900000001" and "四季红患者" in yj.content
    assert yj.sms.status == SmsMessage.Status.PENDING and yj.sms.phone == "13900000001"
    assert abs((yj.notified_at - referral.referred_at).total_seconds()) < 5
    case = visit.cases.get()
    assert case.external and case.area == world.district
    # No alert to a grid for a patient of another jurisdiction.
    assert not Alert.objects.filter(source=f"medical.referral:{referral.pk}", area=world.grid)


# --------------------------------------------------------------------------- cases


@pytest.fixture
def case(med, person_in):
    visit = triage(
        med, med.doctor, med.hospital, person_in, assessment="suspected", disposition="admitted"
    )
    return visit.cases.get()


def test_case_transitions_are_kept_with_who_when_why(med, case):
    services.case_transition(
        actor=med.doctor, case=case, to_status="confirmed", reason="核酸阳性", severity="mild"
    )
    case.refresh_from_db()
    assert case.status == "confirmed" and case.severity == "mild"
    moves = list(CaseTransition.objects.filter(case=case).values_list("from_status", "to_status"))
    assert moves == [("", "suspected"), ("suspected", "confirmed")]
    assert case.history.first().history_user == med.doctor
    assert Alert.objects.filter(kind="case_status", source=f"medical.case:{case.pk}").count() == 2


def test_excluded_case_cannot_be_confirmed_without_reassessment(med, case):
    services.case_transition(actor=med.doctor, case=case, to_status="excluded", reason="两次阴性")
    with pytest.raises(ValidationError) as exc:
        services.case_transition(actor=med.doctor, case=case, to_status="confirmed", reason="x")
    assert "re-assess it as suspected first" in messages(exc)
    case.refresh_from_db()
    assert case.status == "excluded"
    services.case_transition(
        actor=med.doctor, case=case, to_status="suspected", reason="新的流行病学史"
    )
    services.case_transition(actor=med.doctor, case=case, to_status="confirmed", reason="阳性")
    case.refresh_from_db()
    assert case.status == "confirmed"


def test_other_illegal_transitions_and_missing_reason(med, case):
    with pytest.raises(ValidationError) as exc:
        services.case_transition(actor=med.doctor, case=case, to_status="recovered", reason="x")
    assert "cannot become recovered" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.case_transition(actor=med.doctor, case=case, to_status="confirmed", reason=" ")
    assert "Give the reason" in messages(exc)
    services.case_transition(actor=med.doctor, case=case, to_status="confirmed", reason="阳性")
    services.case_transition(actor=med.doctor, case=case, to_status="died", reason="x")
    with pytest.raises(ValidationError) as exc:
        services.case_transition(actor=med.doctor, case=case, to_status="recovered", reason="x")
    assert "classification is final" in messages(exc)


def test_only_authorised_people_change_a_classification(med, case, grid_worker):
    for someone in (med.pharmacist, grid_worker, med.town_officer):
        with pytest.raises(PermissionDenied):
            services.case_transition(actor=someone, case=case, to_status="excluded", reason="x")
    case.refresh_from_db()
    assert case.status == "suspected"


# --------------------------------------------------------------------------- contacts


def test_household_contacts_go_under_observation_with_one_action(med, office, household_family):
    patient, *family = household_family
    visit = triage(
        med, med.doctor, med.hospital, patient, assessment="suspected", disposition="admitted"
    )
    case = visit.cases.get()
    contacts = services.contacts_from_household(
        actor=office, case=case, exposure_date=dt.date.today() - dt.timedelta(days=2)
    )
    assert [c.person for c in contacts] == family
    done = services.contacts_observe(actor=office, case=case, contacts=contacts)
    assert len(done) == 3
    for contact in done:
        kp = KeyPerson.objects.get(person=contact.person)
        assert kp.category.code == "close_contact" and kp.source == "contact_tracing"
        assert kp.last_exposure_date == contact.exposure_date
        assert Observation.objects.get(person=contact.person).status == "active"
    # Again: nothing doubles.
    assert services.contacts_observe(actor=office, case=case, contacts=contacts) == []
    assert Observation.objects.count() == 3


def test_contact_listed_twice_is_refused(med, office, household_family):
    patient, wife, *_ = household_family
    case = triage(
        med, med.doctor, med.hospital, patient, assessment="suspected", disposition="admitted"
    ).cases.get()
    services.contact_add(
        actor=office, case=case, person=wife, kind="household", exposure_date=dt.date.today()
    )
    with pytest.raises(ValidationError) as exc:
        services.contact_add(
            actor=office, case=case, person=wife, kind="household", exposure_date=dt.date.today()
        )
    assert "already a contact" in messages(exc)


# --------------------------------------------------------------------------- pharmacy, clinics


def test_pharmacy_report_without_id_and_phone_is_refused(med):
    with pytest.raises(ValidationError) as exc:
        services.pharmacy_report_create(
            actor=med.pharmacist,
            data={
                "pharmacy": med.pharmacy,
                "buyer_name": "王五",
                "symptom": "发热",
                "medicine": "布洛芬",
            },
        )
    assert exc.value.message_dict["buyer_id_number"] == [
        "Enter the buyer's ID number or mobile number: one of them is required."
    ]
    assert not PharmacyReport.objects.exists() and not HomeVisitTask.objects.exists()


def test_pharmacy_report_matches_by_phone_and_sends_the_grid_worker(med, person_in):
    report = services.pharmacy_report_create(
        actor=med.pharmacist,
        data={
            "pharmacy": med.pharmacy,
            "buyer_name": "张三",
            "buyer_phone": person_in.phone,
            "symptom": "发热",
            "medicine": "感冒灵",
        },
    )
    assert report.person == person_in
    task = HomeVisitTask.objects.get(pharmacy_report=report)
    assert task.area == person_in.area and task.due_at > report.reported_at
    alert = Alert.objects.get(kind="pharmacy_report")
    assert alert.area == person_in.area and "grid_worker" in alert.roles


def test_pharmacy_report_matches_by_id(med, person_in):
    report = services.pharmacy_report_create(
        actor=med.pharmacist,
        data={
            "pharmacy": med.pharmacy,
            "buyer_name": "张三",
            "buyer_id_number": person_in.id_number,
            "symptom": "咳嗽",
            "medicine": "止咳糖浆",
        },
    )
    assert report.person == person_in


def test_pharmacist_reports_only_for_their_own_pharmacy(med):
    with pytest.raises(ValidationError) as exc:
        services.pharmacy_report_create(
            actor=med.pharmacist,
            data={
                "pharmacy": med.pharmacy2,
                "buyer_name": "王五",
                "buyer_phone": make_phone(),
                "symptom": "发热",
                "medicine": "布洛芬",
            },
        )
    assert "not on the staff of 河坝仁和药店" in messages(exc)


def test_clinic_report_refers_to_the_fever_clinic_and_reaches_the_grid(med, person_in):
    report = services.clinic_report_create(
        actor=med.village_doctor,
        data={
            "facility": med.clinic,
            "patient": person_in,
            "temperature": "38.4",
            "symptoms": "发热",
            "transport": "facility_vehicle",
        },
    )
    assert report.referral.to_facility == med.hospital
    kinds = set(Alert.objects.filter(kind="clinic_report").values_list("area", flat=True))
    assert kinds == {med.hospital.area_id, person_in.area_id}


def test_clinic_report_of_hubei_fever_patient_goes_to_the_district_hospital(med, person_in):
    fever_clinic_centre = med.centre
    fever_clinic_centre.fever_clinic = True
    fever_clinic_centre.save()
    with pytest.raises(ValidationError) as exc:
        services.clinic_report_create(
            actor=med.village_doctor,
            data={
                "facility": med.clinic,
                "patient": person_in,
                "temperature": "38.4",
                "travel_hubei": True,
                "to_facility": med.centre,
                "transport": "ambulance",
            },
        )
    assert "back from Hubei" in messages(exc)
    assert not ClinicReport.objects.exists() and not Referral.objects.exists()


def test_home_visit_needs_an_outcome(med, person_in, grid_worker):
    report = services.pharmacy_report_create(
        actor=med.pharmacist,
        data={
            "pharmacy": med.pharmacy,
            "buyer_name": "张三",
            "buyer_phone": person_in.phone,
            "symptom": "发热",
            "medicine": "感冒灵",
        },
    )
    task = report.tasks.get()
    with pytest.raises(ValidationError):
        services.home_visit_record(actor=grid_worker, obj=task, expected_version=1, data={})
    done = services.home_visit_record(
        actor=grid_worker,
        obj=task,
        expected_version=1,
        data={"outcome": "fever_referred", "visited_at": timezone.now()},
    )
    assert done.visited_by == grid_worker and done.outcome == "fever_referred"
