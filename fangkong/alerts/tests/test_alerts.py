"""The inbox's routing, acknowledgement once, escalation up the area tree, urgent texts."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.alerts.models import Alert, AlertProfile, AlertRoute, SmsMessage
from fangkong.alerts.selectors import alerts_for, unread_count
from fangkong.alerts.services import (
    AlreadyAcknowledged,
    alert_acknowledge,
    alerts_escalate,
    raise_alert,
)
from fangkong.core.testing import make_user

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2020, 1, 30, 9, 0))


def _fever(world, **extra):
    return raise_alert(
        kind="fever_checkpoint",
        area=world.grid,
        title="卡口发热 37.9",
        roles=["grid_worker"],
        raised_at=T0,
        **extra,
    )


def test_routing_reaches_the_role_in_the_area_and_above_and_nobody_outside(
    world, grid_worker, outsider, commander
):
    alert = _fever(world)
    village_grid_worker = make_user("vgw", "grid_worker", world.village)
    other_grid = make_user("g2", "grid_worker", world.grid2)
    assert list(alerts_for(grid_worker)) == [alert]
    assert list(alerts_for(village_grid_worker)) == [alert]  # an area above
    assert list(alerts_for(other_grid)) == []  # a sibling grid: not above
    assert list(alerts_for(outsider)) == []  # another town
    assert list(alerts_for(commander)) == []  # the district, but not the role
    assert unread_count(grid_worker) == 1 and unread_count(outsider) == 0


def test_no_roles_means_every_alert_role_above_and_the_recipient(world, commander, outsider):
    named = make_user("named", None, None)
    alert = raise_alert(kind="other", area=world.grid, title="x", recipient=named)
    assert list(alerts_for(commander)) == [alert]
    assert list(alerts_for(named)) == [alert]
    assert list(alerts_for(outsider)) == []


def test_the_inbox_page_and_api_refuse_an_alert_outside(world, client, grid_worker, outsider):
    alert = _fever(world)
    client.force_login(outsider)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    assert client.get(f"/api/v1/alerts/{alert.pk}").status_code == 404
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge").status_code == 404
    assert "卡口发热" not in client.get("/alerts/").content.decode()
    assert client.get("/api/v1/alerts").json()["count"] == 0
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    client.force_login(grid_worker)
    page = client.get("/alerts/").content.decode()
    assert "卡口发热" in page
    assert client.get("/api/v1/alerts/unread").json() == {"unread": 1}
    assert 'data-fk-unread="1"' in client.get("/alerts/badge/").content.decode()


def test_acknowledged_once_and_a_second_acknowledgement_is_refused(world, client, grid_worker):
    alert = _fever(world)
    other = make_user("vgw", "grid_worker", world.village, full_name="李村网格")
    alert_acknowledge(actor=grid_worker, alert=alert)
    alert.refresh_from_db()
    assert alert.acknowledged_by == grid_worker and alert.version == 2
    assert not AlertRoute.objects.filter(alert=alert, open=True).exists()
    assert unread_count(other) == 0
    with pytest.raises(AlreadyAcknowledged) as refused:
        alert_acknowledge(actor=other, alert=alert)
    assert "already acknowledged by 王网格" in str(refused.value.messages[0])
    alert.refresh_from_db()
    assert alert.acknowledged_by == grid_worker  # unchanged
    client.force_login(other)
    answer = client.post(f"/api/v1/alerts/{alert.pk}/acknowledge")
    assert answer.status_code == 409 and "already acknowledged" in answer.json()["detail"]
    page = client.post(f"/alerts/{alert.pk}/acknowledge/", follow=True).content.decode()
    assert "already acknowledged" in page


def test_escalation_climbs_one_level_at_a_time_when_nobody_acknowledges(world, settings):
    settings.FANGKONG_ALERT_ESCALATION_MINUTES = {"warning": 30, "urgent": 10, "info": 0}
    cadre = make_user("cadre", "village_cadre", world.village)
    officer = make_user("officer", "town_officer", world.town)
    alert = _fever(world)
    assert alerts_escalate(now=T0 + dt.timedelta(minutes=29)) == 0
    assert list(alerts_for(cadre)) == []
    assert alerts_escalate(now=T0 + dt.timedelta(minutes=31)) == 1
    alert.refresh_from_db()
    assert (alert.escalation_level, alert.escalated_to) == (1, world.village)
    assert list(alerts_for(cadre)) == [alert] and list(alerts_for(officer)) == []
    # The clock restarts at the escalation: not again 10 minutes later, but 30.
    assert alerts_escalate(now=T0 + dt.timedelta(minutes=41)) == 0
    assert alerts_escalate(now=T0 + dt.timedelta(minutes=62)) == 1
    alert.refresh_from_db()
    assert (alert.escalation_level, alert.escalated_to) == (2, world.town)
    assert list(alerts_for(officer)) == [alert]
    # Acknowledged: no further escalation.
    alert_acknowledge(actor=officer, alert=alert)
    assert alerts_escalate(now=T0 + dt.timedelta(days=1)) == 0


def test_the_escalation_command_and_info_alerts_never_escalate(world, settings):
    settings.FANGKONG_ALERT_ESCALATION_MINUTES = {"warning": 1, "urgent": 1, "info": 0}
    raise_alert(kind="other", area=world.grid, title="info", severity="info", raised_at=T0)
    warn = _fever(world)
    call_command("escalate_alerts")
    warn.refresh_from_db()
    assert warn.escalation_level == 1
    assert Alert.objects.get(title="info").escalation_level == 0


def test_an_urgent_alert_texts_recipients_with_a_number_on_record(world, grid_worker, commander):
    AlertProfile.objects.create(user=grid_worker, phone="13800138000")
    AlertProfile.objects.create(user=commander, phone="13900139000")  # not a recipient
    alert = _fever(world, severity="urgent")
    messages = list(SmsMessage.objects.all())
    assert len(messages) == 1
    assert messages[0].phone == "13800138000" and "紧急预警" in messages[0].text
    assert messages[0].source == f"alerts.alert:{alert.pk}"
    # raising it again with the same dedupe key texts nobody twice
    _fever(world, severity="urgent", dedupe_key="k")
    _fever(world, severity="urgent", dedupe_key="k")
    assert SmsMessage.objects.count() == 2


def test_the_alert_links_its_record_only_to_those_who_may_open_it(world, office, client):
    # A fever at a checkpoint reaches the clinicians, who may not open the passage itself: the
    # alert says what they need and offers no link to a 404.
    from fangkong.checkpoints.models import Checkpoint, Passage

    checkpoint = Checkpoint.objects.create(area=world.town, name="河坝卡口", kind="road")
    passage = Passage.objects.create(
        checkpoint=checkpoint, at=T0, name="旅客", temperature="38.1", fever=True
    )
    link = f"/checkpoints/passages/{passage.pk}/"
    alert = raise_alert(
        kind="fever_checkpoint",
        area=world.town,
        title="卡口发热 38.1",
        roles=["clinician", "command_office"],
        link=link,
        raised_at=T0,
    )
    clinician = make_user("doc", "clinician", world.district)
    client.force_login(clinician)
    page = client.get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200 and link not in page.content.decode()
    assert client.get(link).status_code == 404
    client.force_login(office)
    assert link in client.get(f"/alerts/{alert.pk}/").content.decode()
    assert client.get(link).status_code == 200


def test_may_open_judges_a_kit_page_by_its_scope_and_leaves_other_pages_to_themselves(
    world, grid_worker, person_in, person_out
):
    from fangkong.core.scoping import may_open

    assert may_open(grid_worker, f"/people/{person_in.pk}/")
    assert not may_open(grid_worker, f"/people/{person_out.pk}/")
    assert not may_open(grid_worker, "/people/999999999/")
    assert not may_open(grid_worker, "/no/such/page/") and not may_open(grid_worker, "")
    assert may_open(grid_worker, "/alerts/")  # not a record page: it decides when opened
