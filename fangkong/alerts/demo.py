"""The alerts part of the Datonghu demo: a few alerts of the period raised and acknowledged (a
fever at a checkpoint, a missed check, overdue tasks), one still open, mobile numbers on
record for the officials, and the text messages that went out (sent; one still pending on a
gateway that was down, one failed for good and listed)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step


def _at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2020, month, day, hour, minute, tzinfo=TZ_CN).astimezone(dt.UTC)


@demo_step("alerts", after=("places", "users", "command"))
def alerts_demo(ctx: DemoContext) -> None:
    from fangkong.alerts.models import Alert, AlertProfile, AlertRoute, SmsMessage
    from fangkong.alerts.services import raise_alert
    from fangkong.core.models import RoleGrant, User

    users = {u.username: u for u in User.objects.filter(demo=True)}
    for n, name in enumerate(("commander", "office", "town_heba", "village_cadre", "grid_worker")):
        if name in users:
            AlertProfile.objects.create(user=users[name], phone=f"1390737{n:04d}")
    grid = (
        RoleGrant.objects.filter(user=users.get("grid_worker"))
        .select_related("area")
        .order_by("area__code")
        .first()
    )
    if grid is None:
        return
    grid = grid.area
    village, town = grid.parent, grid.parent.parent
    made = []
    made.append(
        raise_alert(
            kind=Alert.Kind.FEVER_CHECKPOINT,
            area=grid,
            title="千山红镇卡口：返乡人员体温37.8℃",
            body="自武汉返乡，已引导至区人民医院发热门诊预检分诊。",
            roles=["grid_worker", "village_cadre", "town_officer"],
            severity=Alert.Severity.URGENT,
            raised_at=_at(1, 25, 14, 20),
            source="demo",
        )
    )
    made.append(
        raise_alert(
            kind=Alert.Kind.MISSED_CHECK,
            area=grid,
            title="居家观察对象下午体温未上报",
            roles=["grid_worker"],
            raised_at=_at(2, 3, 18, 5),
            source="demo",
        )
    )
    made.append(
        raise_alert(
            kind=Alert.Kind.RISK_ARRIVAL,
            area=village,
            title="大数据名单：湖北返区人员待核查",
            roles=["village_cadre", "grid_worker"],
            raised_at=_at(2, 23, 10, 30),
            source="demo",
        )
    )
    acks = [
        (made[0], users.get("grid_worker"), _at(1, 25, 14, 31)),
        (made[1], users.get("grid_worker"), _at(2, 3, 18, 40)),
    ]
    for alert, who, when in acks:
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=when, acknowledged_by=who)
        AlertRoute.objects.filter(alert=alert).update(open=False)
    SmsMessage.objects.filter(template="alert_urgent").update(
        status=SmsMessage.Status.SENT, attempts=1, sent_at=_at(1, 25, 14, 21), gateway_id="dev"
    )
    base = dict(template="notice", source="demo", area=town)
    SmsMessage.objects.bulk_create(
        [
            SmsMessage(
                phone="13907370101",
                text="【防控平台】请各村于今日18时前报送地毯式摸排台账。",
                status=SmsMessage.Status.SENT,
                attempts=1,
                created_at=_at(2, 1, 9, 30),
                sent_at=_at(2, 1, 9, 31),
                gateway_id="dev-demo-1",
                **base,
            ),
            SmsMessage(
                phone="13907370102",
                text="【防控平台】居家观察对象请每日两次上报体温。",
                status=SmsMessage.Status.PENDING,
                attempts=2,
                last_error="gateway answered 503",
                created_at=_at(2, 23, 20, 0),
                next_attempt_at=_at(2, 24, 9, 0),
                **base,
            ),
            SmsMessage(
                phone="13907370103",
                text="【防控平台】驻企联络员请于明日上午到岗。",
                status=SmsMessage.Status.FAILED,
                attempts=8,
                last_error="gateway unreachable: timed out",
                created_at=_at(2, 10, 16, 0),
                **base,
            ),
        ]
    )
    # The overdue tasks of the demo raised their alert at the deadline; the town acknowledged.
    from fangkong.command.models import Task

    late = Task.objects.filter(escalated_at__isnull=False, parent=None).select_related("area")
    for task in late.order_by("deadline")[:6]:
        alert = raise_alert(
            kind=Alert.Kind.TASK,
            area=task.area,
            title=f"任务逾期：{task.title}",
            roles=["town_officer", "command_office"],
            link=f"/command/tasks/{task.pk}/",
            raised_at=task.escalated_at,
            source=f"command.task:{task.pk}",
            dedupe_key=f"command.task:{task.pk}:overdue",
        )
        Alert.objects.filter(pk=alert.pk).update(
            acknowledged_at=task.escalated_at + dt.timedelta(minutes=25),
            acknowledged_by=users.get("office"),
        )
        AlertRoute.objects.filter(alert=alert).update(open=False)
    ctx.count("alerts", Alert.objects.count())
    ctx.count("text messages", SmsMessage.objects.count())
