"""A small district with the facilities of the article and their staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fangkong.core.models import User
from fangkong.core.testing import make_id_number, make_phone, make_user
from fangkong.medical.models import Facility, FacilityMember, Jurisdiction


@dataclass
class Med:
    hospital: Facility
    centre: Facility
    clinic: Facility
    private: Facility
    pharmacy: Facility
    pharmacy2: Facility
    designated: Facility
    yuanjiang: Jurisdiction
    yiyang: Jurisdiction
    doctor: User
    village_doctor: User
    centre_doctor: User
    private_doctor: User
    pharmacist: User
    pharmacist2: User
    town_officer: User


def _member(user, facility, role):
    FacilityMember.objects.create(user=user, facility=facility, role=role)
    return user


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source text (translations come with integration).
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def med(world):
    yuanjiang = Jurisdiction.objects.create(
        area=world.district,
        name="沅江市",
        contact_name="沅江市疾控值班",
        contact_phone="13900000001",
    )
    yiyang = Jurisdiction.objects.create(
        area=world.district,
        name="益阳市",
        contact_name="益阳市卫健委值班",
        contact_phone="13900000002",
    )
    F = Facility.Kind
    hospital = Facility.objects.create(
        area=world.district,
        name="大通湖区人民医院",
        kind=F.DISTRICT_HOSPITAL,
        fever_clinic=True,
        observation_beds=10,
    )
    centre = Facility.objects.create(
        area=world.town, name="河坝镇卫生院", kind=F.HEALTH_CENTRE, observation_beds=4
    )
    clinic = Facility.objects.create(area=world.village, name="东湖村卫生室", kind=F.VILLAGE_CLINIC)
    private = Facility.objects.create(area=world.village, name="东湖诊所", kind=F.PRIVATE_CLINIC)
    pharmacy = Facility.objects.create(area=world.town, name="河坝益康大药房", kind=F.PHARMACY)
    pharmacy2 = Facility.objects.create(area=world.town, name="河坝仁和药店", kind=F.PHARMACY)
    designated = Facility.objects.create(
        area=world.district, name="益阳市第四人民医院", kind=F.DESIGNATED, jurisdiction=yiyang
    )
    R = FacilityMember.Role
    return Med(
        hospital,
        centre,
        clinic,
        private,
        pharmacy,
        pharmacy2,
        designated,
        yuanjiang,
        yiyang,
        doctor=_member(
            make_user("doctor", "clinician", world.district, full_name="彭丽"), hospital, R.DOCTOR
        ),
        village_doctor=_member(
            make_user("vdoc", "clinician", world.village, full_name="村医"), clinic, R.DOCTOR
        ),
        centre_doctor=_member(
            make_user("cdoc", "clinician", world.town, full_name="镇医"), centre, R.DOCTOR
        ),
        private_doctor=_member(
            make_user("pdoc", "clinician", world.village, full_name="私医"), private, R.DOCTOR
        ),
        pharmacist=_member(
            make_user("pharm", "pharmacist", world.town, full_name="谭芳"), pharmacy, R.PHARMACIST
        ),
        pharmacist2=_member(
            make_user("pharm2", "pharmacist", world.town, full_name="药二"), pharmacy2, R.PHARMACIST
        ),
        town_officer=make_user("townofficer", "town_officer", world.town, full_name="镇干部"),
    )


@pytest.fixture
def household_family(world, commander):
    """A household of four in the in-scope grid: the patient and three family members."""
    from fangkong.people.services import person_create

    people = []
    for n, name in enumerate(["赵大", "赵妻", "赵子", "赵母"]):
        people.append(
            person_create(
                actor=commander,
                data={
                    "name": name,
                    "id_number": make_id_number(birth=f"19{70 + n}0101"),
                    "phone": make_phone(),
                    "area": world.grid,
                    "household": world.household,
                    "current_address": "东湖村一组1号",
                },
            )
        )
    return people
