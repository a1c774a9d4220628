"""The medical part of the Datonghu demo (20 January – 24 February 2020).

Facilities of the district (the district people's hospital 大通湖区人民医院 with its fever clinic
and observation beds, the four town health centres, village clinics, a private clinic,
pharmacies) and the designated hospital of the city (益阳市第四人民医院, in 益阳市); fever-clinic
visits, village-clinic fever reports with their referrals, pharmacy reports with the grid
workers' home visits — and the article's case: on the afternoon of 22 January the district
hospital received a suspected patient from 沅江市四季红镇, referred them to the designated
hospital and told 沅江市 at once (later Yiyang's first cured confirmed case). That patient
belongs to 沅江市: the district's own confirmed and suspected counts stay zero throughout.

The story case goes through the services (a handful of writes, so alerts, notices and the SMS
are exactly what the desk would produce); the daily volume is bulk-inserted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step, stored_timestamps, story_time

FIRST, LAST = dt.date(2020, 1, 20), dt.date(2020, 2, 24)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ_CN).astimezone(dt.UTC)


def _daily(day: dt.date, low: int, high: int, rng) -> int:
    """Few before the level-I response (24 January), most in the first fortnight of February."""
    if day < dt.date(2020, 1, 24):
        return rng.randint(0, max(1, low // 2))
    if day <= dt.date(2020, 2, 12):
        return rng.randint(low, high)
    return rng.randint(max(0, low // 2), max(1, high // 2))


@demo_step("medical", after=("people", "users"))
def medical_demo(ctx: DemoContext) -> None:

    from fangkong.core.models import User
    from fangkong.medical.models import Facility, FacilityMember, Jurisdiction
    from fangkong.places.models import Area

    rng = ctx.rng("medical")
    district = Area.objects.get(level=Area.Level.DISTRICT, parent=None)
    towns = list(Area.objects.filter(parent=district, level=Area.Level.TOWN).order_by("code"))
    where = ctx.data["places.jurisdictions"]
    F = Facility.Kind

    yuanjiang = Jurisdiction.objects.create(
        area=district,
        name="沅江市",
        contact_name="沅江市疫情防控指挥部办公室值班室",
        contact_unit="沅江市卫生健康局",
        contact_phone="13907370001",
    )
    yiyang = Jurisdiction.objects.create(
        area=district,
        name="益阳市",
        contact_name="益阳市卫生健康委员会应急办",
        contact_unit="益阳市卫生健康委员会",
        contact_phone="13907370002",
    )
    hospital = Facility.objects.create(
        area=district,
        name="大通湖区人民医院",
        kind=F.DISTRICT_HOSPITAL,
        fever_clinic=True,
        observation_beds=20,
        address="大通湖区河坝镇",
        phone="0737-6800120",
    )
    designated = Facility.objects.create(
        area=district,
        name="益阳市第四人民医院",
        kind=F.DESIGNATED,
        jurisdiction=yiyang,
        address="益阳市赫山区",
        phone="0737-4223120",
    )
    centres, clinics, pharmacies = [], [], []
    for town in towns:
        centres.append(
            Facility.objects.create(
                area=town, name=f"{town.name}卫生院", kind=F.HEALTH_CENTRE, observation_beds=4
            )
        )
        villages = list(Area.objects.filter(parent=town, level__in=(3, 4)).order_by("code"))
        for village in villages[:4]:
            clinics.append(
                Facility.objects.create(
                    area=village, name=f"{village.name}卫生室", kind=F.VILLAGE_CLINIC
                )
            )
        if villages:
            pharmacies.append(
                Facility.objects.create(
                    area=villages[-1],
                    name=f"{town.name}{villages[-1].name}仁和药店",
                    kind=F.PHARMACY,
                )
            )
    private = Facility.objects.create(
        area=clinics[0].area, name=f"{towns[0].name}李氏诊所", kind=F.PRIVATE_CLINIC
    )
    community = Area.objects.get(code=where["community:1"][0])
    own_pharmacy = Facility.objects.create(
        area=community, name="金盆社区益康大药房", kind=F.PHARMACY
    )
    pharmacies.insert(0, own_pharmacy)

    # Staff: the demo clinician at the fever clinic, the demo pharmacist at 益康大药房 (the
    # demo has one user per role, so the village clinics have no staff account here).
    users = {u.username: u for u in User.objects.filter(username__in=("clinician", "pharmacist"))}
    R = FacilityMember.Role
    if "clinician" in users:
        FacilityMember.objects.create(facility=hospital, user=users["clinician"], role=R.DOCTOR)
    if "pharmacist" in users:
        FacilityMember.objects.create(
            facility=own_pharmacy, user=users["pharmacist"], role=R.PHARMACIST
        )
    ctx.count("facilities", Facility.objects.count())

    staff = users.get("clinician")
    if staff is None:  # the users step always makes one; a partial demo skips the story
        return
    _article_case(ctx, staff, hospital, designated, yuanjiang, towns[0])
    _daily_records(ctx, rng, hospital, centres, clinics + [private], pharmacies, staff)


def _article_case(ctx, clinician, hospital, designated, yuanjiang, seat):
    """22 January, afternoon: the suspected patient from 沅江市四季红镇.

    Every person of the demo lives in a grid and a household: the patient from 沅江市 is
    registered as a non-resident in a temporary household at the hospital's grid (the district
    seat), the way a desk registers a traveller it cannot place."""
    from fangkong.core.validators import gb11643_check_digit
    from fangkong.medical import services
    from fangkong.people.models import Person
    from fangkong.places.models import Area, Household

    grid = (
        Area.objects.filter(level=Area.Level.GRID, path__startswith=seat.path)
        .order_by("code")
        .first()
    )
    seen = _at(dt.date(2020, 1, 22), 15, 20)
    household = Household.objects.create(
        area=grid,
        number="LS0122",
        address="大通湖区人民医院发热门诊（外地来院就诊人员临时登记）",
        head_name="刘某某",
        created_at=seen,
    )
    ctx.count("households", 1)
    ctx.count("persons", 1)

    body = "43098119650308041"
    number = body + gb11643_check_digit(body)
    visit = services.triage_create(
        actor=clinician,
        data={
            "facility": hospital,
            "id_number": number,
            "name": "刘某某",
            "phone": "13787370123",
            "area": grid,
            "home_jurisdiction": yuanjiang,
            "occupation": "个体经营",
            "visited_at": seen,
            "temperature": "38.6",
            "symptoms": "发热、干咳、乏力",
            "onset_date": dt.date(2020, 1, 19),
            "travel_wuhan": True,
            "assessment": "suspected",
            "disposition": "referred",
            "referred_to": designated,
            "transport": "negative_pressure",
            "reason": "新型冠状病毒感染的肺炎疑似病例，按规范转诊定点医院",
            "clinical_notes": "武汉返乡，1月19日起发热，最高38.6℃；胸部CT示双肺磨玻璃影。"
            "医务人员三级防护，接诊区终末消毒。",
        },
    )
    # Written through the services today; dated as the story has them.
    Person.objects.filter(pk=visit.patient_id).update(
        household=household,
        relation="户主",
        current_address="沅江市四季红镇",
        registered_residence="湖南省沅江市四季红镇",
        created_at=seen,
        updated_at=seen,
    )
    referral = visit.referrals.get()
    referral.handover_at = _at(dt.date(2020, 1, 22), 17, 10)
    referral.save(update_fields=["handover_at"])
    services.referral_acknowledge(
        actor=clinician,
        referral=referral,
        at=_at(dt.date(2020, 1, 22), 17, 10),
        receiver_name="益阳市第四人民医院感染科值班医生",
    )
    case = visit.cases.get()
    case.current_address = "沅江市四季红镇"
    case.save(update_fields=["current_address"])
    services.case_transition(
        actor=clinician,
        case=case,
        to_status="confirmed",
        severity="moderate",
        reason="益阳市第四人民医院报告：新型冠状病毒核酸检测阳性，确诊",
        at=_at(dt.date(2020, 1, 24), 10, 30),
    )
    services.case_transition(
        actor=clinician,
        case=case,
        to_status="recovered",
        reason="益阳市首位治愈出院的确诊病例",
        at=_at(dt.date(2020, 2, 4), 10, 0),
    )
    from fangkong.alerts.models import SmsMessage
    from fangkong.medical.models import Case, FeverVisit, JurisdictionNotice, Referral

    FeverVisit.objects.filter(pk=visit.pk).update(created_at=seen, updated_at=seen)
    Referral.objects.filter(pk=referral.pk).update(created_at=seen)
    Case.objects.filter(pk=case.pk).update(created_at=seen)
    notices = JurisdictionNotice.objects.filter(referral=referral)
    notices.update(created_at=referral.referred_at, updated_at=referral.referred_at)
    # The text to 沅江市 went out that afternoon: it is history, not a message still to send.
    SmsMessage.objects.filter(pk__in=notices.values("sms_id")).update(
        status=SmsMessage.Status.SENT,
        attempts=1,
        created_at=referral.referred_at,
        next_attempt_at=referral.referred_at,
        sent_at=referral.referred_at,
    )
    ctx.count("external cases (沅江市)", 1)


def _daily_records(ctx, rng, hospital, centres, clinics, pharmacies, staff):
    from fangkong.medical.models import (
        ClinicReport,
        FeverVisit,
        HomeVisitTask,
        PharmacyReport,
        Referral,
    )
    from fangkong.people.models import Person

    # The same seed gives the same records: sample from a stable order with the step's rng.
    pool = list(
        Person.objects.filter(is_resident=True)
        .order_by("id")
        .values_list("id", "area_id", "name")[:20000]
    )
    rng.shuffle(pool)
    pool = pool[:3000]
    if not pool:
        return
    phones = {p.pk: p.phone for p in Person.objects.filter(pk__in=[p[0] for p in pool[:600]])}
    visits, referrals, reports, tasks, preports = [], [], [], [], []
    day = FIRST
    n = 0
    while day <= LAST:
        for _ in range(_daily(day, 4, 14, rng)):
            pid, area_id, name = pool[n % len(pool)]
            n += 1
            at = story_time(rng, day, day)
            temp = Decimal(rng.choice(["37.4", "37.6", "37.8", "38.0", "38.3", "38.6", "36.9"]))
            obs = rng.random() < 0.2
            visits.append(
                FeverVisit(
                    facility=hospital,
                    patient_id=pid,
                    visited_at=at,
                    temperature=temp,
                    symptoms=rng.choice(["发热", "发热、咳嗽", "咽痛、低热", "发热、乏力"]),
                    onset_date=day - dt.timedelta(days=rng.randint(0, 3)),
                    assessment="ordinary",
                    disposition="observation" if obs else "home",
                    clinician=staff,
                    created_at=at,
                    updated_at=at,
                )
            )
        for _ in range(_daily(day, 1, 4, rng)):
            pid, area_id, name = pool[n % len(pool)]
            n += 1
            clinic = rng.choice(clinics)
            at = story_time(rng, day, day)
            ref = Referral(
                patient_id=pid,
                from_facility=clinic,
                to_facility=hospital,
                referred_at=at,
                reason="发热，村卫生室不得收治，转发热门诊",
                transport="facility_vehicle",
                handover_at=at + dt.timedelta(minutes=50),
                acknowledged_at=at + dt.timedelta(minutes=50),
                acknowledged_by=staff,
                created_at=at,
                updated_at=at,
            )
            referrals.append(ref)
            reports.append(
                ClinicReport(
                    facility=clinic,
                    patient_id=pid,
                    reported_at=at,
                    temperature=Decimal("37.9"),
                    symptoms="发热",
                    referral=ref,
                    created_at=at,
                    updated_at=at,
                )
            )
        for _ in range(_daily(day, 2, 8, rng) if day >= dt.date(2020, 1, 24) else 0):
            pid, area_id, name = pool[n % len(pool)]
            n += 1
            at = story_time(rng, day, day)
            report = PharmacyReport(
                pharmacy=rng.choice(pharmacies),
                reported_at=at,
                buyer_name=name,
                buyer_phone=phones.get(pid, ""),
                symptom=rng.choice(["发热", "咳嗽", "鼻塞、咽痛"]),
                medicine=rng.choice(["布洛芬", "感冒灵颗粒", "连花清瘟胶囊", "对乙酰氨基酚"]),
                person_id=pid,
                created_at=at,
                updated_at=at,
            )
            if not report.buyer_phone:
                report.buyer_phone = f"139{rng.randrange(10**8):08d}"
                report.person_id = None
            report.refresh_sensitive_indexes()
            preports.append((report, area_id, name))
        day += dt.timedelta(days=1)
    with stored_timestamps(FeverVisit, Referral, ClinicReport, PharmacyReport, HomeVisitTask):
        FeverVisit.objects.bulk_create(visits, batch_size=500)
        Referral.objects.bulk_create(referrals, batch_size=500)
        for report in reports:
            report.referral_id = report.referral.pk
        ClinicReport.objects.bulk_create(reports, batch_size=500)
        PharmacyReport.objects.bulk_create([r for r, _a, _n in preports], batch_size=500)
        for report, area_id, name in preports:
            visited = report.reported_at + dt.timedelta(hours=rng.randint(2, 20))
            tasks.append(
                HomeVisitTask(
                    person_id=report.person_id,
                    name=name,
                    area_id=area_id if report.person_id else report.pharmacy.area_id,
                    reason=f"到{report.pharmacy.name}购买{report.medicine}（{report.symptom}）",
                    pharmacy_report=report,
                    due_at=report.reported_at + dt.timedelta(hours=24),
                    visited_at=visited,
                    outcome="well",
                    visited_by=None,
                    created_at=report.reported_at,
                    updated_at=visited,
                )
            )
        HomeVisitTask.objects.bulk_create(tasks, batch_size=500)
    ctx.count("fever-clinic visits", len(visits) + 1)
    ctx.count("clinic fever reports", len(reports))
    ctx.count("pharmacy reports", len(preports))
