import datetime as dt

import pytest
from django.utils import timezone

from fangkong.checkpoints.models import Checkpoint, Shift
from fangkong.core.testing import make_id_number, make_user
from fangkong.people.models import Person


@pytest.fixture
def checkpoint(world):
    return Checkpoint.objects.create(
        area=world.town, name="河坝镇大堤卡点", kind="road", location="S202 大堤路口"
    )


@pytest.fixture
def other_checkpoint(world):
    return Checkpoint.objects.create(area=world.other_town, name="金盆码头", kind="dock")


@pytest.fixture
def clerk(world):
    return make_user("clerk", "checkpoint_staff", world.town, full_name="陈国平")


@pytest.fixture
def on_duty(clerk, checkpoint):
    now = timezone.now()
    return Shift.objects.create(
        checkpoint=checkpoint,
        user=clerk,
        start=now - dt.timedelta(hours=2),
        end=now + dt.timedelta(hours=6),
        duty="leader",
    )


@pytest.fixture
def resident(world):
    return Person.objects.create(
        name="张三", id_number=make_id_number(seq=11), area=world.grid, household=world.household
    )


@pytest.fixture
def passage_data(checkpoint):
    return {
        "checkpoint": checkpoint,
        "name": "王五",
        "id_number": make_id_number(region="430902", seq=21),
        "temperature": "36.5",
        "direction": "in",
        "origin": "长沙",
        "destination": "河坝镇",
    }


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted by their English source text (the catalogue is filled later).
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    # Pages in English, so messages are asserted by their source text.
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
