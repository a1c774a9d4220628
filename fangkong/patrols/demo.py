"""The patrols part of the Datonghu demo (20 January – 24 February 2020).

From the article: "每天由派出所、村(社区)联合开展日常巡查和突击暗访抽查 … 1月24日起全区所有重点
公共文化娱乐、网吧和宗教活动聚集场所一律关停，婚宴喜事一律停办，丧事一律从简。严打疫情期间聚众赌博等
违法犯罪行为，查处编造疫情谣言扰乱公共秩序案件。" The article gives no counts for these, so the
numbers here are modest and plausible for four lake-district towns: every village patrols daily
with its police station from 24 January; internet cafés, entertainment venues and religious sites
are closed by the district command's order of 24 January (markets stay open, one closed and
reopened under conditions); weddings and banquets planned for the Spring Festival are persuaded
to postpone or cancel in the last week of January; funerals are held with simplified
arrangements; gambling, gatherings and a few rumours are recorded and referred to the police.
"""

from __future__ import annotations

import datetime as dt

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step, stored_timestamps

CLOSED_ON = dt.date(2020, 1, 24)  # 大年三十: level-I response and the closure of venues
PATROLS_FROM = dt.date(2020, 1, 24)
STORY_END = dt.date(2020, 2, 24)
COMMAND = "大通湖区新冠肺炎疫情防控指挥部"
ORDER_NO = "大防指发〔2020〕3号"


def _words(text: str) -> list[str]:
    return text.split(" ")


STATIONS = {
    "430971100": "河坝派出所",
    "430971101": "金盆派出所",
    "430971102": "北洲子派出所",
    "430971103": "千山红派出所",
}
POLICE = _words("赵刚 钱伟 孙立 周强 吴军 郑平 冯涛 陈亮 褚明 卫东 蒋华 沈勇 韩斌 杨帆 朱峰 秦磊")
CADRES = _words(
    "张桂兰 王志强 李秀英 刘建国 陈红梅 杨德福 黄春生 周淑琴 吴海涛 谭爱民 曾凡华 彭玉梅"
)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱胡郭何罗谢唐邓彭曾肖谭".strip()
VENUES = (
    ("netbar", ("网吧", "网咖", "网络会所")),
    ("entertainment", ("KTV", "棋牌室", "歌厅", "茶楼", "麻将馆")),
    ("religious", ("观音庙", "福音堂", "土地庙")),
    ("market", ("农贸市场",)),
)
ROUTES = (
    "村部至各组主路",
    "沿湖堤段及渡口",
    "集镇商铺与小卖部",
    "各组居民点",
    "村内棋牌室与小卖部",
)
CHECK_PLACES = ("小卖部", "棋牌室", "村卫生室门口", "渡口", "集贸点", "村部广场", "祠堂")
FINDINGS = (
    "未发现聚集",
    "劝散门口聊天群众一处",
    "提醒小卖部店主佩戴口罩",
    "村村响广播正常播放",
    "劝返串门群众两户",
)


@demo_step("patrols", after=("places", "users"))
def patrols_demo(ctx: DemoContext) -> None:
    """Patrols, spot checks, dispersals, violations, venues, weddings and funerals."""
    from fangkong.patrols.models import (
        Arrangement,
        Ceremony,
        Dispersal,
        FollowUp,
        Patrol,
        SpotCheck,
        Venue,
        VenueInspection,
        VenueOrder,
        Violation,
    )
    from fangkong.places.models import Area

    rng = ctx.rng("patrols")
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
    units = list(
        Area.objects.filter(level__in=[Area.Level.VILLAGE, Area.Level.COMMUNITY]).order_by("code")
    )
    town_of = {u.pk: next(t for t in towns if u.path.startswith(t.path)) for u in units}

    def moment(day: dt.date, start: int = 8, hours: int = 12) -> dt.datetime:
        local = dt.datetime.combine(day, dt.time(start), tzinfo=TZ_CN)
        return (local + dt.timedelta(seconds=rng.randrange(hours * 3600))).astimezone(dt.UTC)

    def people(pool, k):
        return "、".join(rng.sample(pool, k))

    def name():
        return rng.choice(SURNAMES) + rng.choice("建国秀英志强桂兰德福春生海涛红梅")

    days = [PATROLS_FROM + dt.timedelta(days=n) for n in range((STORY_END - PATROLS_FROM).days + 1)]
    patrols, checks, dispersals = [], [], []
    for unit in units:
        for day in days:
            start = rng.choice((8, 9, 14, 15, 19))
            patrols.append(
                Patrol(
                    area=unit,
                    day=day,
                    start_time=dt.time(start, rng.choice((0, 30))),
                    end_time=dt.time(start + 2, rng.choice((0, 30))),
                    police_members=people(POLICE, 2),
                    village_members=people(CADRES, 2),
                    route=rng.choice(ROUTES),
                    findings=rng.choice(FINDINGS),
                    created_at=moment(day, start + 2, 2),
                )
            )
            for _ in range(rng.choice((1, 2, 2, 3))):
                when = moment(day)
                checks.append(
                    SpotCheck(
                        area=unit,
                        checked_at=when,
                        place=unit.name + rng.choice(CHECK_PLACES),
                        result=rng.choices(
                            ("compliant", "rectified", "reported"), (0.86, 0.11, 0.03)
                        )[0],
                        created_at=when,
                    )
                )
            # Gatherings were common in the first days of the Spring Festival, rare later.
            early = day <= dt.date(2020, 1, 31)
            if rng.random() < (0.35 if early else 0.08):
                when = moment(day, 9, 11)
                dispersals.append(
                    Dispersal(
                        area=unit,
                        dispersed_at=when,
                        place=unit.name + rng.choice(CHECK_PLACES),
                        kind=rng.choices(
                            ("cards", "meal", "chat", "dance", "market"), (5, 2, 4, 1, 1)
                        )[0],
                        people=rng.randint(4, 25 if early else 10),
                        handling=rng.choices(("persuaded", "warned", "referred"), (8, 3, 1))[0],
                        created_at=when,
                    )
                )

    violations = []
    for _n in range(max(12, len(units) // 2)):
        unit = rng.choice(units)
        day = days[min(len(days) - 1, int(rng.triangular(0, len(days), 4)))]
        when = moment(day, 10, 12)
        kind = rng.choices(("gambling", "gathering", "rumour", "other"), (6, 3, 1, 1))[0]
        status = rng.choices(("recorded", "referred", "concluded"), (2, 3, 5))[0]
        referred = status != "recorded" and (kind != "gathering" or rng.random() < 0.4)
        if status == "referred":
            referred = True
        station = STATIONS.get(town_of[unit.pk].code, "派出所") if referred else ""
        violations.append(
            Violation(
                area=unit,
                kind=kind,
                occurred_at=when,
                place=unit.name + rng.choice(("棋牌室", "村民家中", "小卖部后屋", "微信群")),
                others=f"{name()}、{name()}等" if kind != "rumour" else name(),
                description={
                    "gambling": f"聚众打麻将赌博，约{rng.randint(4, 9)}人",
                    "gathering": f"不听劝阻组织聚餐，约{rng.randint(8, 20)}人",
                    "rumour": "在微信群编造传播本村有确诊病例的谣言",
                    "other": "拒不配合卡点登记，强行通过",
                }[kind],
                action={
                    "gambling": "当场劝散，收缴赌具",
                    "gathering": "劝散并登记",
                    "rumour": "固定证据，要求删除",
                    "other": "批评教育",
                }[kind],
                status=status,
                referred_at=when + dt.timedelta(hours=rng.randint(1, 20)) if referred else None,
                police_station=station,
                outcome=rng.choice(("警告", "罚款500元", "行政拘留5日", "批评教育并写保证书"))
                if status == "concluded"
                else "",
                created_at=when,
            )
        )

    venues, orders, inspections = [], [], []
    n_venues = 0
    for town in towns:
        town_units = [u for u in units if town_of[u.pk] == town]
        for kind, words in VENUES:
            for word in words:
                if kind == "market" or rng.random() < 0.8:
                    n_venues += 1
                    unit = rng.choice(town_units)
                    venue = Venue(
                        area=unit,
                        name=f"{unit.name.removesuffix('村').removesuffix('社区')}{word}",
                        kind=kind,
                        address=f"{unit.name}{rng.randint(1, 9)}组{rng.randint(1, 60)}号",
                        operating_since=dt.date(rng.randint(2008, 2019), rng.randint(1, 12), 1),
                        operator_name=name(),
                        operator_phone=f"13{rng.randint(0, 9)}{rng.randrange(10**8):08d}",
                        created_at=dt.datetime(2020, 1, 24, 10, tzinfo=TZ_CN).astimezone(dt.UTC),
                    )
                    venue.refresh_sensitive_indexes()
                    venues.append(venue)
    with stored_timestamps(Venue, VenueOrder, VenueInspection):
        for venue in venues:
            venue.updated_at = venue.created_at
        Venue.objects.bulk_create(venues)
        market_closed = False
        for venue in venues:
            town_code = town_of[venue.area_id].code
            if venue.kind == "market":
                if market_closed:
                    continue
                # One market closed by its town after a crowd, reopened under conditions.
                market_closed = True
                orders += [
                    VenueOrder(
                        venue=venue,
                        kind="closure",
                        effective_date=dt.date(2020, 1, 28),
                        issued_by=towns[0].name + "人民政府",
                        document_number="河政发〔2020〕5号",
                        note="限时错峰仍聚集，暂停营业",
                    ),
                    VenueOrder(
                        venue=venue,
                        kind="reopening",
                        effective_date=dt.date(2020, 2, 20),
                        issued_by=COMMAND,
                        document_number="大防指函〔2020〕21号",
                        note="限流、测温、佩戴口罩后恢复营业",
                    ),
                ]
                continue
            orders.append(
                VenueOrder(
                    venue=venue,
                    kind="closure",
                    effective_date=CLOSED_ON,
                    issued_by=COMMAND,
                    document_number=ORDER_NO,
                    note=STATIONS.get(town_code, "") + "协助送达",
                )
            )
            for day in (dt.date(2020, 1, 27), dt.date(2020, 2, 5), dt.date(2020, 2, 15)):
                day += dt.timedelta(days=rng.randint(0, 3))
                found = "violation" if rng.random() < 0.04 else "compliant"
                inspections.append(
                    VenueInspection(
                        venue=venue,
                        inspected_on=day,
                        inspector=f"{people(POLICE, 1)}、{people(CADRES, 1)}",
                        finding=found,
                        note="卷帘门已锁，张贴停业通告"
                        if found == "compliant"
                        else "发现后门开启营业，责令关闭",
                    )
                )
        for row in orders:
            row.created_at = dt.datetime.combine(
                row.effective_date, dt.time(16), tzinfo=TZ_CN
            ).astimezone(dt.UTC)
        for row in inspections:
            row.created_at = dt.datetime.combine(
                row.inspected_on, dt.time(15), tzinfo=TZ_CN
            ).astimezone(dt.UTC)
        for row in (*orders, *inspections):
            row.updated_at = row.created_at
        VenueOrder.objects.bulk_create(orders)
        VenueInspection.objects.bulk_create(inspections)

    ceremonies, follow_ups, ticks = [], [], []
    items = list(Arrangement.objects.all())
    for unit in units:
        for _ in range(rng.choice((1, 2, 2, 3))):
            kind = rng.choices(("wedding", "banquet"), (3, 2))[0]
            planned = dt.date(2020, 1, 25) + dt.timedelta(days=rng.randrange(20))
            decided = dt.date(2020, 1, 22) + dt.timedelta(days=rng.randrange(7))
            decided = min(decided, planned - dt.timedelta(days=1))
            cancelled = kind == "banquet" or rng.random() < 0.3
            ceremonies.append(
                Ceremony(
                    area=unit,
                    kind=kind,
                    hosts=f"{name()}、{name()}",
                    planned_date=planned,
                    place=f"{unit.name}{rng.randint(1, 9)}组自家",
                    expected_guests=rng.choice((80, 120, 150, 200, 260, 300)),
                    status="cancelled" if cancelled else "postponed",
                    decided_on=decided,
                    persuaded_by=f"{people(CADRES, 1)}（村干部）",
                    new_date=None if cancelled else dt.date(2020, rng.randint(5, 10), 18),
                    created_at=dt.datetime.combine(decided, dt.time(17), tzinfo=TZ_CN),
                )
            )
        if rng.random() < 0.7:
            held = dt.date(2020, 1, 22) + dt.timedelta(days=rng.randrange(32))
            ceremonies.append(
                Ceremony(
                    area=unit,
                    kind="funeral",
                    hosts=f"{name()}家属",
                    planned_date=held,
                    place=f"{unit.name}{rng.randint(1, 9)}组自家",
                    expected_guests=None,
                    status="held",
                    attendees=rng.randint(8, 30),
                    created_at=dt.datetime.combine(
                        held - dt.timedelta(days=1), dt.time(9), tzinfo=TZ_CN
                    ),
                )
            )
    with stored_timestamps(Ceremony, FollowUp):
        for row in ceremonies:
            row.created_at = row.created_at.astimezone(dt.UTC)
            row.updated_at = row.created_at
        Ceremony.objects.bulk_create(ceremonies)
        for ceremony in ceremonies:
            visits = [ceremony.planned_date] if ceremony.kind != "funeral" else []
            visits.append(ceremony.planned_date - dt.timedelta(days=rng.randint(1, 3)))
            for day in sorted(visits):
                if day > STORY_END or day < dt.date(2020, 1, 22):
                    continue
                follow_ups.append(
                    FollowUp(
                        ceremony=ceremony,
                        visited_on=day,
                        visitor=people(CADRES, 1),
                        result="kept" if rng.random() < 0.93 else "persuaded",
                        note="未发现聚集" if ceremony.kind != "funeral" else "仅直系亲属参加",
                        created_at=dt.datetime.combine(day, dt.time(18), tzinfo=TZ_CN).astimezone(
                            dt.UTC
                        ),
                    )
                )
            if ceremony.kind == "funeral":
                chosen = [i for i in items if i.code in ("no_banquet", "family_only")]
                chosen += rng.sample(items, 2)
                for item in {i.pk: i for i in chosen}.values():
                    ticks.append(
                        Ceremony.arrangements.through(
                            ceremony_id=ceremony.pk, arrangement_id=item.pk
                        )
                    )
        for row in follow_ups:
            row.updated_at = row.created_at
        FollowUp.objects.bulk_create(follow_ups)
        Ceremony.arrangements.through.objects.bulk_create(ticks)

    with stored_timestamps(Patrol, SpotCheck, Dispersal, Violation):
        for rows in (patrols, checks, dispersals, violations):
            for row in rows:
                row.updated_at = row.created_at
        Patrol.objects.bulk_create(patrols, batch_size=2000)
        SpotCheck.objects.bulk_create(checks, batch_size=2000)
        Dispersal.objects.bulk_create(dispersals)
        Violation.objects.bulk_create(violations)
    ctx.count("patrols", len(patrols))
    ctx.count("spot checks", len(checks))
    ctx.count("gatherings dispersed", len(dispersals))
    ctx.count("violations", len(violations))
    ctx.count("venues", n_venues)
    ctx.count("weddings, banquets and funerals", len(ceremonies))
    ctx.count("follow-up visits", len(follow_ups))
