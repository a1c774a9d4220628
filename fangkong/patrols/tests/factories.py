"""Records of the patrols app for tests, written through the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fangkong.patrols import services
from fangkong.patrols.models import Arrangement

DAY = dt.date(2020, 1, 26)


def at(day: dt.date = DAY, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def venue(actor, area, **extra):
    data = {
        "area": area,
        "name": "星空网吧",
        "kind": "netbar",
        "address": "东湖村一组8号",
        "operating_since": dt.date(2015, 5, 1),
        "operator_name": "刘老板",
        "operator_phone": "13912345678",
        **extra,
    }
    return services.venue_create(actor=actor, data=data)


def order(actor, venue_, kind="closure", day=dt.date(2020, 1, 24), **extra):
    data = {
        "venue": venue_,
        "kind": kind,
        "effective_date": day,
        "issued_by": "大通湖区疫情防控指挥部",
        "document_number": f"大防指〔2020〕{day.day}号",
        **extra,
    }
    return services.venue_order_create(actor=actor, data=data)


def ceremony(actor, area, **extra):
    data = {
        "area": area,
        "kind": "wedding",
        "hosts": "王建国、李秀英",
        "planned_date": dt.date(2020, 2, 2),
        "place": "东湖村一组王家",
        "expected_guests": 200,
        **extra,
    }
    return services.ceremony_create(actor=actor, data=data)


def violation(actor, area, **extra):
    data = {
        "area": area,
        "kind": "gambling",
        "occurred_at": at(),
        "place": "东湖村棋牌室",
        "description": "六人聚众打麻将",
        "action": "劝散，没收赌资",
        **extra,
    }
    return services.violation_create(actor=actor, data=data)


def patrol(actor, area, **extra):
    data = {
        "area": area,
        "day": DAY,
        "start_time": dt.time(9),
        "end_time": dt.time(11, 30),
        "police_members": "赵警官、钱辅警",
        "village_members": "张桂兰、王志强",
        "route": "东湖村一组至三组主路",
        "findings": "劝散聚集打牌一处",
        **extra,
    }
    return services.patrol_create(actor=actor, data=data)


def spot_check(actor, area, **extra):
    data = {"area": area, "checked_at": at(), "place": "东湖村小卖部", "result": "compliant"}
    return services.spot_check_create(actor=actor, data={**data, **extra})


def dispersal(actor, area, **extra):
    data = {
        "area": area,
        "dispersed_at": at(),
        "place": "村部广场",
        "kind": "dance",
        "people": 12,
        "handling": "persuaded",
    }
    return services.dispersal_create(actor=actor, data={**data, **extra})


def follow_up(actor, ceremony_, **extra):
    data = {
        "ceremony": ceremony_,
        "visited_on": dt.date(2020, 2, 2),
        "visitor": "张桂兰",
        "result": "kept",
    }
    return services.follow_up_create(actor=actor, data={**data, **extra})


def arrangements(*codes):
    return list(Arrangement.objects.filter(code__in=codes))
