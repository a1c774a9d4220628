import datetime as dt

import pytest
from django.utils import timezone

from fangkong.surveys.models import Campaign


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def campaign(world, commander, today):
    """A district-wide round launched by the command office, running today."""
    from fangkong.surveys.services import campaign_create

    return campaign_create(
        actor=commander,
        data={
            "area": world.district,
            "name": "第一轮地毯式摸排",
            "starts_on": today - dt.timedelta(days=2),
            "ends_on": today + dt.timedelta(days=5),
            "since_date": today - dt.timedelta(days=20),
            "ask_temperature": True,
            "extra_questions": "家中是否有外地车辆",
        },
    )


@pytest.fixture
def town_campaign(world, commander, today):
    """A round launched by 河坝镇 for its own villages."""
    return Campaign.objects.create(
        area=world.town,
        name="河坝镇摸排",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=3),
        since_date=today - dt.timedelta(days=20),
    )


def seen_payload(campaign, household, person, **answers):
    return {
        "campaign_id": campaign.pk,
        "household_id": household.pk,
        "outcome": "seen",
        "persons": [{"person_id": person.pk, "seen": True, **answers}],
    }
