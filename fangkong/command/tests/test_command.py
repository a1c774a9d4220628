"""Response levels in the header, group compositions with history, 包干, the report's figures."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from fangkong.command import services
from fangkong.command.models import CommandGroup, Meeting, Task
from fangkong.command.selectors import areas_without_responsibility
from fangkong.core.figures import FigureContext, sections
from fangkong.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_the_response_level_is_on_every_page_without_a_query(world, commander, client):
    services.response_level_create(
        actor=commander,
        data={
            "area": world.district,
            "level": 1,
            "effective_from": dt.date(2020, 1, 24),
            "declared_by": "大通湖区委",
            "document_ref": "大通湖区启动重大突发公共卫生事件I级响应",
        },
    )
    client.force_login(commander)
    with override("en"):
        first = client.get("/command/response-levels/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Level I response" in first.content.decode() or "I级" in first.content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get("/alerts/settings/")
    assert not [q for q in queries.captured_queries if "command_responselevel" in q["sql"]]


def test_the_header_links_the_level_only_for_those_who_may_open_the_list(world, commander, client):
    services.response_level_create(
        actor=commander,
        data={
            "area": world.district,
            "level": 1,
            "effective_from": dt.date(2020, 1, 24),
            "declared_by": "大通湖区委",
        },
    )
    clerk = make_user("fk-clerk", "checkpoint_staff", world.town)
    client.force_login(clerk)
    page = client.get("/alerts/settings/").content.decode()
    assert "fk-response-level" in page and "/command/response-levels/" not in page
    assert client.get("/command/response-levels/").status_code == 403
    client.force_login(commander)
    assert "/command/response-levels/" in client.get("/alerts/settings/").content.decode()


def test_a_recomposed_leadership_group_keeps_the_old_composition(world, commander):
    old = services.group_create(
        actor=commander,
        data={
            "area": world.district,
            "group_kind": "leadership",
            "name": "疫情防控工作领导小组",
            "effective_from": dt.date(2020, 1, 22),
        },
    )
    new = services.group_create(
        actor=commander,
        data={
            "area": world.district,
            "group_kind": "leadership",
            "name": "区委新型冠状病毒感染的肺炎疫情防控工作领导小组",
            "effective_from": dt.date(2020, 1, 28),
            "supersedes": old,
        },
    )
    old.refresh_from_db()
    assert old.effective_to == dt.date(2020, 1, 27) and new.effective_to is None
    assert CommandGroup.objects.filter(group_kind="leadership").count() == 2
    services.member_create(
        actor=commander,
        data={"group": new, "name": "张书记", "post": "第一组长", "phone": "13800001111"},
    )
    assert new.members.get().phone == "13800001111"


def test_responsibility_on_the_area_page_and_the_uncovered_list(world, commander, office, client):
    services.responsibility_create(
        actor=commander,
        data={
            "area": world.village,
            "leader_name": "刘包干",
            "leader_level": "town",
            "effective_from": dt.date(2020, 1, 28),
        },
    )
    client.force_login(office)
    assert "刘包干" in client.get(f"/places/areas/{world.village.pk}/").content.decode()
    uncovered = list(areas_without_responsibility(actor=office))
    assert world.village not in uncovered and world.town in uncovered
    assert world.other_village in uncovered
    page = client.get("/command/responsibilities/uncovered/").content.decode()
    assert "南湾村" in page and "东湖村" not in page


def test_a_grid_worker_cannot_list_other_towns_responsibilities(world, commander, outsider, client):
    r = services.responsibility_create(
        actor=commander,
        data={
            "area": world.village,
            "leader_name": "刘包干",
            "leader_level": "town",
            "effective_from": dt.date(2020, 1, 28),
        },
    )
    client.force_login(outsider)
    assert client.get(f"/command/responsibilities/{r.pk}/").status_code in (403, 404)


def test_the_command_section_counts_as_of_24_00(world, commander):
    day = dt.date(2020, 2, 1)
    local = lambda d, h: timezone.make_aware(dt.datetime.combine(d, dt.time(h)))  # noqa: E731
    services.meeting_create(
        actor=commander,
        data={
            "area": world.district,
            "meeting_kind": "dispatch",
            "title": "调度会",
            "held_at": local(day, 9),
            "chair": "区长",
        },
    )
    Meeting.objects.create(
        area=world.district,
        meeting_kind="progress",
        title="次日",
        held_at=local(day, 9) + dt.timedelta(days=1),
        chair="x",
    )
    base = {"area": world.town, "from_area": world.district, "dispatched_at": local(day, 8)}
    Task.objects.create(title="逾期", deadline=local(day, 12), **base)
    Task.objects.create(title="未到期", deadline=local(day, 12) + dt.timedelta(days=3), **base)
    Task.objects.create(
        title="已完成",
        deadline=local(day, 18),
        completed_at=local(day, 17),
        status="completed",
        **base,
    )
    Task.objects.create(  # completed the next day: still open at 24:00 of the day
        title="次日完成",
        deadline=local(day, 10),
        completed_at=local(day, 10) + dt.timedelta(days=1),
        status="verified",
        verified_at=local(day, 11) + dt.timedelta(days=1),
        **base,
    )
    ctx = FigureContext(day=day, root=world.district, units=[world.town, world.other_town])
    section = next(s for s in sections() if s.key == "command")
    figures = {f.key: f for f in section.compute(ctx)}
    assert figures["meetings_cumulative"].total == 1
    assert figures["tasks_open"].total == 3
    assert figures["tasks_overdue"].total == 2
    assert figures["tasks_completed"].total == 1
    assert figures["tasks_open"].by_unit == {world.town.pk: 3}
    assert "3 tasks open" in section.summary(ctx, list(figures.values()))


def test_task_board_panel_is_registered(world, commander, rf):
    from fangkong.core.figures import panels_for

    panel = next(p for p in panels_for(commander) if p.key == "tasks")
    request = rf.get("/")
    request.user = commander
    assert "received" in panel.context(request)
    town_grid = make_user("gw", "grid_worker", world.grid)
    assert all(p.key != "tasks" for p in panels_for(town_grid))


def test_the_response_levels_api_answers_the_level_as_its_number(world, commander, client):
    services.response_level_create(
        actor=commander,
        data={
            "area": world.district,
            "level": 1,
            "effective_from": dt.date(2020, 1, 24),
            "declared_by": "大通湖区委",
        },
    )
    client.force_login(commander)
    response = client.get("/api/v1/response-levels")
    assert response.status_code == 200, response.content
    assert response.json()["results"][0]["level"] == 1
