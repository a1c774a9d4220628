"""The checkpoints' part of the Datonghu demo.

The article names 24-hour checkpoints "at borders, stations and docks" without a number; the
district's geography gives them: road posts where the county roads leave for 南县, 沅江 and
华容, the bus station in 河坝镇, docks and ferries on the lake. Ten checkpoints, each staffed
around the clock in three eight-hour turns, register passages from 20 January to 24 February
2020: heavy in the days before the Spring Festival (24 January), thin after the level-I
response, rising again with the return to work. A few travellers have a fever; arrivals from
Wuhan and elsewhere in Hubei become key persons through the observation services (residents
under home observation), exactly as a passage registered on the screen would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangkong.core.kit.demo import (
    STORY_END,
    STORY_START,
    TZ_CN,
    DemoContext,
    demo_step,
    factory,
    next_id,
    reset_sequences,
    stored_timestamps,
    write_rows,
)

# town index, name, kind, location
CHECKPOINTS = [
    (0, "河坝镇沙堡洲卡点", "road", "S308 河坝镇沙堡洲与南县交界"),
    (0, "大通湖汽车站", "bus", "河坝镇大通湖大道汽车站"),
    (0, "河坝码头", "dock", "大通湖河坝码头渡口"),
    (1, "金盆镇东卡点", "road", "金盆镇与沅江市交界"),
    (1, "金盆渡口", "dock", "金盆镇大通湖渡口"),
    (2, "北洲子镇北卡点", "road", "北洲子镇与华容县交界"),
    (2, "北洲子汽车站", "bus", "北洲子镇客运站"),
    (3, "千山红镇防疫监测点", "road", "千山红镇S202入区路口"),
    (3, "千山红码头", "dock", "千山红镇大通湖码头"),
    (3, "千山红镇西卡点", "road", "千山红镇与沅江市交界"),
]
STAFF_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
STAFF_GIVEN = ["建军", "卫东", "志刚", "海波", "丽华", "小燕", "国强", "红梅", "德明", "立新"]
TURNS = (0, 8, 16)  # three eight-hour turns a day
SPRING_FESTIVAL = dt.date(2020, 1, 25)
ORIGINS = [
    ("长沙", 18),
    ("益阳", 20),
    ("沅江", 14),
    ("南县", 14),
    ("岳阳", 8),
    ("华容", 6),
    ("常德", 5),
    ("广东", 6),
    ("浙江", 3),
    ("省内", 4),
    ("省外", 2),
]
RISK_ORIGINS = ["武汉", "武汉市洪山区", "湖北孝感", "湖北荆州", "湖北监利", "湖北石首"]
REGIONS = ["430902", "430903", "430921", "430981", "430102", "430602", "430623", "431102"]
PLATE_LETTERS = "HHHHHAFCJDBG"


def _daily_volume(day: dt.date) -> float:
    """Relative traffic of a day: the festival rush, the lockdown lull, the return to work."""
    if day < dt.date(2020, 1, 24):
        return 1.6
    if day < dt.date(2020, 1, 28):
        return 0.9
    if day < dt.date(2020, 2, 10):
        return 0.35
    return 0.6


def _id_number(rng, region: str) -> str:
    from fangkong.core.validators import gb11643_check_digit

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 52))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + gb11643_check_digit(body)


def _plate(rng) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    province = "湘" if rng.random() < 0.93 else rng.choice("粤鄂浙赣")
    tail = "".join(rng.choice("0123456789" + letters[:6]) for _ in range(5))
    return f"{province}{rng.choice(PLATE_LETTERS)}{tail}"


def _staff(ctx, towns, checkpoints) -> dict[int, list]:
    """Two staff per turn per checkpoint, drawn from a pool of demo users per town (the demo's
    ``checkpoint`` user is one of 千山红镇's)."""
    from django.contrib.auth.hashers import make_password

    from fangkong.core.demo import DEMO_PASSWORD, JOINED
    from fangkong.core.models import User

    rng = ctx.rng("checkpoints.staff")
    password = make_password(DEMO_PASSWORD)
    joined = JOINED.astimezone(dt.UTC)
    pool: dict[int, list] = {}
    main = User.objects.filter(username="checkpoint").first()
    made = 0
    for t_index, town in enumerate(towns):
        users = []
        if t_index == 3 and main is not None:
            users.append(main)
        for n in range(8 - len(users)):
            made += 1
            user = User.objects.create(
                username=f"checkpoint_{t_index + 1}_{n + 1}",
                password=password,
                full_name=rng.choice(STAFF_SURNAMES) + rng.choice(STAFF_GIVEN),
                organisation=f"{town.name}防疫监测点",
                demo=True,
                date_joined=joined,
            )
            # Named on the roster only: the demo keeps one grant holder per role (its
            # ``checkpoint`` user); an administrator grants the others their role to log in.
            users.append(user)
        pool[t_index] = users
    ctx.count("checkpoint staff", made)
    return pool


@demo_step("checkpoints", after=("places", "people", "users"))
def checkpoints_demo(ctx: DemoContext) -> None:
    """Ten checkpoints, a round-the-clock roster, tens of thousands of passages."""
    from django.utils import timezone

    from fangkong.checkpoints.models import Checkpoint, Passage, Shift
    from fangkong.checkpoints.services import passage_consequences
    from fangkong.core.validators import is_fever
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    rng = ctx.rng("checkpoints")
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code")[:4])
    if not towns:
        return
    opened = dt.datetime(2020, 1, 21, 18, 0, tzinfo=TZ_CN).astimezone(dt.UTC)
    checkpoints = []
    for t_index, name, kind, location in CHECKPOINTS:
        if t_index >= len(towns):
            continue
        checkpoints.append(
            Checkpoint.objects.create(
                area=towns[t_index], name=name, kind=kind, location=location, created_at=opened
            )
        )
    ctx.count("checkpoints", len(checkpoints))
    pool = _staff(ctx, towns, checkpoints)
    town_of = {c.pk: towns.index(c.area) for c in checkpoints}

    # The roster: three turns a day, a leader and a member each, rotating through the pool.
    shift_id = next_id(Shift)
    shifts, on_duty = [], {}
    days = (STORY_END - STORY_START).days + 1
    for c in checkpoints:
        staff = pool[town_of[c.pk]]
        offset = checkpoints.index(c) * 2
        for d in range(days):
            day = STORY_START + dt.timedelta(days=d)
            for turn, hour in enumerate(TURNS):
                start = dt.datetime.combine(day, dt.time(hour), tzinfo=TZ_CN).astimezone(dt.UTC)
                end = start + dt.timedelta(hours=8)
                k = offset + d * 3 + turn
                leader, member = staff[k % len(staff)], staff[(k + 3) % len(staff)]
                if (
                    c.name == "千山红镇防疫监测点"
                    and hour == 8
                    and staff[0].username == "checkpoint"
                ):
                    leader = staff[0]  # the demo clerk works the day turn at their post
                for user, duty in ((leader, "leader"), (member, "member")):
                    shifts.append(
                        Shift(
                            pk=shift_id,
                            checkpoint=c,
                            user=user,
                            start=start,
                            end=end,
                            duty=duty,
                            created_at=start - dt.timedelta(days=1),
                            updated_at=start,
                        )
                    )
                    shift_id += 1
                on_duty[(c.pk, day, turn)] = leader
    # The demo clerk is on duty today, whenever the demo is shown (three 24-hour shifts).
    demo_clerk = pool.get(3, [None])[0] if len(towns) > 3 else None
    main_post = next((c for c in checkpoints if c.name == "千山红镇防疫监测点"), None)
    if demo_clerk is not None and main_post is not None:
        today = timezone.localdate()
        for n in range(3):
            start = timezone.make_aware(
                dt.datetime.combine(today + dt.timedelta(days=n), dt.time())
            )
            shifts.append(
                Shift(
                    pk=shift_id,
                    checkpoint=main_post,
                    user=demo_clerk,
                    start=start,
                    end=start + dt.timedelta(hours=24),
                    duty="leader",
                    note="演示：今日值班",
                    updated_at=timezone.now(),
                )
            )
            shift_id += 1
    with stored_timestamps(Shift):
        write_rows(Shift, shifts)
    reset_sequences(Shift)
    ctx.count("shifts", len(shifts))

    # Residents passing: a sample of the registry (their numbers decrypted once here).
    from django.db.models import Max, Min

    bounds = Person.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    residents = []
    if bounds["lo"] is not None:
        span = range(bounds["lo"], bounds["hi"] + 1)
        sample = rng.sample(span, min(len(span), max(200, ctx.persons // 40)))
        residents = list(
            Person.objects.filter(pk__in=sample, household__isnull=False)
            .order_by("pk")
            .values_list("pk", "id_number", "name", "phone")
        )
    rng.shuffle(residents)
    from fangkong.people.demo import _Names  # the registry's own name generator

    names = _Names(rng)
    per_day = max(4.0, 90 * ctx.persons / 110_000)
    passage_id = next_id(Passage)
    rows, risky = [], []
    new = factory(Passage)  # positional construction: a fifth of the time of keywords
    risk_budget = max(6, round(40 * ctx.persons / 110_000))
    fever_every = 1500
    serial = 0
    with stored_timestamps(Passage):
        for d in range(days):
            day = STORY_START + dt.timedelta(days=d)
            level = _daily_volume(day)
            for c in checkpoints:
                weight = {"bus": 1.4, "dock": 0.6, "road": 1.0}.get(c.kind, 1.0)
                n = max(1, round(rng.gauss(per_day * level * weight, per_day * 0.15)))
                for _i in range(n):
                    serial += 1
                    hour = min(23, max(0, int(rng.triangular(5, 23, 14))))
                    turn = 0 if hour < 8 else (1 if hour < 16 else 2)
                    local = dt.datetime.combine(day, dt.time(hour), tzinfo=TZ_CN) + dt.timedelta(
                        seconds=rng.randrange(3600)
                    )
                    at = local.astimezone(dt.UTC)
                    clerk = on_duty[(c.pk, day, turn)]
                    vehicle = rng.random() < 0.25
                    direction = (
                        "in" if rng.random() < (0.7 if day < SPRING_FESTIVAL else 0.55) else "out"
                    )
                    person_id = None
                    if residents and rng.random() < 0.3:
                        person_id, number, name, phone = residents[serial % len(residents)]
                        origin = (
                            rng.choice(["益阳", "长沙", "沅江", "南县"])
                            if direction == "in"
                            else c.area.name
                        )
                    else:
                        number = _id_number(rng, rng.choice(REGIONS)) if rng.random() < 0.9 else ""
                        male = rng.random() < 0.55
                        name = names.full(names.surname(), male, 1975)[0]
                        phone = (
                            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
                            if rng.random() < 0.6
                            else ""
                        )
                        origin = rng.choices([o for o, _w in ORIGINS], [w for _o, w in ORIGINS])[0]
                    celsius = min(max(rng.gauss(36.5, 0.25), 35.6), 37.2)
                    if serial % fever_every == 0:
                        celsius = rng.choice([37.4, 37.6, 37.8, 38.1, 38.5])
                    temperature = Decimal(f"{celsius:.1f}")
                    risk = False
                    if (
                        risk_budget > 0
                        and direction == "in"
                        and day <= dt.date(2020, 2, 5)
                        and rng.random() < (0.03 if day < SPRING_FESTIVAL else 0.012)
                        and person_id is not None
                    ):
                        origin, risk = rng.choice(RISK_ORIGINS), True
                        risk_budget -= 1
                    obj = new(
                        id=passage_id,
                        checkpoint_id=c.pk,
                        at=at,
                        kind="vehicle" if vehicle else "person",
                        id_number=number,
                        name=name,
                        phone=phone,
                        plate=_plate(rng) if vehicle or rng.random() < 0.1 else "",
                        passengers=rng.choice([0, 0, 1, 1, 2, 3, 4]) if vehicle else 0,
                        temperature=temperature,
                        direction=direction,
                        origin=origin if direction == "in" else c.area.name,
                        destination=(
                            c.area.name
                            if direction == "in"
                            else rng.choice([o for o, _w in ORIGINS])
                        ),
                        note="",
                        fever=is_fever(temperature),
                        risk_origin=risk,
                        person_id=person_id,
                        clerk_id=clerk.pk,
                        created_at=at,
                        updated_at=at,
                    )
                    obj.refresh_sensitive_indexes()
                    passage_id += 1
                    rows.append(obj)
                    if risk or obj.fever:
                        risky.append((obj, c, clerk))
                if len(rows) >= 20_000:
                    write_rows(Passage, rows)
                    rows.clear()
            ctx.say(f"passages: {passage_id - 1}")
        write_rows(Passage, rows)
    reset_sequences(Passage)
    ctx.count("passages", serial)

    # The consequences through the services, as on the screen: fever alerts, key persons,
    # home observation for residents, alerts to the grid or the district pool.
    keyed = 0
    for obj, _checkpoint, clerk in risky:
        passage = Passage.objects.select_related("checkpoint__area", "person__household__area").get(
            pk=obj.pk
        )
        passage_consequences(actor=clerk, passages=[passage])
        keyed += passage.risk_origin
    # The services stamp their rows with the time of writing; the story's rows carry the
    # passage's own time (identified, started, raised) as their creation time too.
    from django.db.models import F

    from fangkong.alerts.models import Alert
    from fangkong.observation.models import KeyPerson, Observation

    ours = KeyPerson.all_objects.filter(source_ref__startswith="checkpoints.passage:")
    ours.update(created_at=F("identified_at"), updated_at=F("identified_at"))
    Observation.all_objects.filter(key_person__in=ours).update(
        created_at=F("started_at"), updated_at=F("started_at")
    )
    Alert.all_objects.filter(source__startswith="checkpoints.passage:").update(
        created_at=F("raised_at"), updated_at=F("raised_at")
    )
    ctx.count("checkpoint key persons", keyed)
