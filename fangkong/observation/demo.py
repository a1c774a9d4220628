"""The observation part of the Datonghu demo: the 六包一 roster of every village, one
centralised site per town, the demo's Hubei returnees and close contacts as key persons under
14-day observation (a few centralised) with their teams, 六个一 measures and twice-daily
checks (a few missed, very few fevers), all released on day 14 with a notice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fangkong.core.kit.demo import (
    STORY_END,
    TZ_CN,
    DemoContext,
    demo_step,
    factory,
    next_id,
    reset_sequences,
    stored_timestamps,
    write_rows,
)

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国志强桂兰丽华伟明秀英德明立新海燕红梅国平小军春生文杰玉珍永红金凤"
SITES = ("集中隔离观察点", "宾馆集中医学观察点")


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _mobile(rng) -> str:
    return rng.choice(("139", "138", "137", "159", "187", "150")) + f"{rng.randrange(10**8):08d}"


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(hour), tzinfo=TZ_CN) + dt.timedelta(minutes=minute)
    return local.astimezone(dt.UTC)


@demo_step("observation", after=("people", "users"))
def observation_demo(ctx: DemoContext) -> None:
    from fangkong.core.models import User
    from fangkong.observation.models import (
        HealthCheck,
        KeyPerson,
        KeyPersonCategory,
        Measure,
        MeasureTick,
        Observation,
        ObservationSite,
        ReleaseNotice,
        RosterEntry,
        TeamMember,
        TeamRole,
    )
    from fangkong.people.demo import TAG_CONTACT, TAG_HUBEI
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    rng = ctx.rng("observation")
    areas = {a.pk: a for a in Area.objects.all().only("id", "parent_id", "level", "code", "name")}
    roles = {r.code: r for r in TeamRole.objects.all()}
    cats = {c.code: c for c in KeyPersonCategory.objects.all()}
    users = {
        u.username: u
        for u in User.objects.filter(username__in=("grid_worker", "village_cadre", "town_heba"))
    }

    def up(area_id, levels):
        while area_id is not None:
            area = areas[area_id]
            if area.level in levels:
                return area
            area_id = area.parent_id
        return None

    towns = [a for a in areas.values() if a.level == Area.Level.TOWN]
    villages = [a for a in areas.values() if a.level in (Area.Level.VILLAGE, Area.Level.COMMUNITY)]
    joined = _local(dt.date(2020, 1, 22), 9)

    # --- the standing 六包一 roster: a town cadre and a police officer per town, the other
    # seats per village; the demo's grid worker and village cadre are linked to their accounts.
    new_entry = factory(RosterEntry)
    roster, rid = [], next_id(RosterEntry)
    by_area: dict[int, dict[str, RosterEntry]] = {}

    def add_entry(area, code, user=None):
        nonlocal rid
        entry = new_entry(
            id=rid,
            area_id=area.pk,
            role_id=roles[code].pk,
            name=user.full_name if user else _name(rng),
            phone=_mobile(rng),
            user_id=user.pk if user else None,
            created_at=joined,
            updated_at=joined,
        )
        entry.refresh_sensitive_indexes()
        rid += 1
        roster.append(entry)
        by_area.setdefault(area.pk, {})[code] = entry

    for town in towns:
        add_entry(town, "town_cadre", users.get("town_heba") if town.code.endswith("100") else None)
        add_entry(town, "police")
    grid_user = users.get("grid_worker")
    grid_user_areas = set()
    if grid_user is not None:
        grid_user_areas = set(grid_user.grants.values_list("area_id", flat=True))
    cadre_user = users.get("village_cadre")
    cadre_areas = set(cadre_user.grants.values_list("area_id", flat=True)) if cadre_user else set()
    for village in villages:
        add_entry(village, "village_cadre", cadre_user if village.pk in cadre_areas else None)
        add_entry(village, "village_doctor")
        add_entry(village, "grid_worker")
        add_entry(village, "volunteer")
    for area_id in grid_user_areas:
        if areas[area_id].level == Area.Level.GRID:
            add_entry(areas[area_id], "grid_worker", grid_user)

    def team_for(area_id):
        seats = {}
        current = area_id
        while current is not None:
            for code, entry in by_area.get(current, {}).items():
                seats.setdefault(code, entry)
            current = areas[current].parent_id
        return seats

    # --- one centralised site per town.
    new_site = factory(ObservationSite)
    sites, sid = {}, next_id(ObservationSite)
    for n, town in enumerate(sorted(towns, key=lambda a: a.code)):
        sites[town.pk] = new_site(
            id=sid,
            area_id=town.pk,
            name=f"{town.name}{SITES[n % 2]}",
            address=f"{town.name}人民路{rng.randrange(1, 99)}号",
            capacity=rng.choice((20, 30, 40)),
            phone=f"0737-{rng.randrange(10**7):07d}",
            active=True,
            created_at=joined,
            updated_at=joined,
        )
        sid += 1

    # --- key persons and observations for the tagged returnees and contacts.
    through = Person.tags.through
    tagged = list(
        through.objects.filter(tag__name__in=(TAG_HUBEI, TAG_CONTACT))
        .values_list(
            "person_id",
            "tag__name",
            "person__area_id",
            "person__created_at",
            "person__household_id",
        )
        .order_by("person_id")
    )
    arrival_by_household: dict[int, dt.date] = {}
    new_kp, new_obs, new_member = factory(KeyPerson), factory(Observation), factory(TeamMember)
    new_check, new_tick, new_notice = (
        factory(HealthCheck),
        factory(MeasureTick),
        factory(ReleaseNotice),
    )
    ids = {
        m: next_id(m)
        for m in (KeyPerson, Observation, TeamMember, HealthCheck, MeasureTick, ReleaseNotice)
    }
    kps, obs_rows, members, checks, ticks, notices = [], [], [], [], [], []
    measures = list(Measure.objects.filter(active=True))
    fevers = missed = 0
    today_cap = STORY_END
    # Returnees first, so that a household's contacts know when the returnee arrived.
    tagged.sort(key=lambda r: (r[1] != TAG_HUBEI, r[0]))
    for person_id, tag, area_id, created, household_id in tagged:
        identified = created.astimezone(TZ_CN)
        day = max(identified.date(), dt.date(2020, 1, 20))
        if tag == TAG_HUBEI:
            code = "wuhan" if rng.random() < 0.4 else "hubei"
            arrival = max(day - dt.timedelta(days=rng.randrange(0, 4)), dt.date(2020, 1, 17))
            arrival_by_household[household_id] = arrival
            base, exposure, source = (
                arrival,
                None,
                rng.choice(("bigdata", "survey", "checkpoint", "self_report")),
            )
            origin = (
                "武汉市"
                if code == "wuhan"
                else rng.choice(("孝感市", "荆州市", "黄冈市", "岳阳临湘—湖北监利"))
            )
        else:
            code, source, origin = "close_contact", "contact_tracing", ""
            exposure = arrival_by_household.get(household_id, day)
            base, arrival = exposure, None
        start = max(day, base)
        planned_end = base + dt.timedelta(days=14)
        started_at = max(created, _local(start, 9))
        kp_id, obs_id = ids[KeyPerson], ids[Observation]
        ids[KeyPerson] += 1
        ids[Observation] += 1
        released = planned_end <= today_cap
        ended_at = _local(planned_end, 10, rng.randrange(60)) if released else None
        kps.append(
            new_kp(
                id=kp_id,
                area_id=area_id,
                person_id=person_id,
                category_id=cats[code].pk,
                source=source,
                origin=origin,
                arrival_date=arrival,
                last_exposure_date=exposure,
                identified_at=created,
                status="closed" if released else "observing",
                closed_at=ended_at,
                created_at=created,
                updated_at=created,
            )
        )
        town = up(area_id, (Area.Level.TOWN,))
        central = rng.random() < 0.12 and town is not None
        obs_rows.append(
            new_obs(
                id=obs_id,
                area_id=area_id,
                key_person_id=kp_id,
                person_id=person_id,
                kind="centralised" if central else "home",
                site_id=sites[town.pk].pk if central else None,
                room=f"{rng.randrange(1, 4)}{rng.randrange(1, 20):02d}" if central else "",
                start_date=start,
                planned_end_date=planned_end,
                status="released" if released else "active",
                started_at=started_at,
                ended_at=ended_at,
                end_reason="released at the end of the observation period" if released else "",
                created_at=started_at,
                updated_at=ended_at or started_at,
            )
        )
        for entry in team_for(area_id).values():
            member = new_member(
                id=ids[TeamMember],
                observation_id=obs_id,
                role_id=entry.role_id,
                name=entry.name,
                phone=entry.phone,
                user_id=entry.user_id,
                created_at=started_at,
                updated_at=started_at,
            )
            member.refresh_sensitive_indexes()
            ids[TeamMember] += 1
            members.append(member)
        for measure in measures:
            ticks.append(
                new_tick(
                    id=ids[MeasureTick],
                    observation_id=obs_id,
                    measure_id=measure.pk,
                    done_at=started_at + dt.timedelta(hours=rng.randrange(1, 30)),
                    created_at=started_at,
                    updated_at=started_at,
                )
            )
            ids[MeasureTick] += 1
        # Twice-daily checks up to the end of the period (or the story's last day).
        last = min(planned_end, today_cap)
        check_day = start
        while check_day <= last:
            for half, hour in (("am", 8), ("pm", 15)):
                at = _local(check_day, hour, rng.randrange(0, 180))
                if at < started_at:
                    continue
                closing = check_day >= planned_end - dt.timedelta(days=1)
                if not closing and rng.random() < 0.01:
                    missed += 1
                    continue
                fever = not closing and rng.random() < 0.002
                temp = (
                    Decimal("37.6") + Decimal(rng.randrange(0, 12)) / 10
                    if fever
                    else Decimal("36.0") + Decimal(rng.randrange(0, 11)) / 10
                )
                fevers += fever
                checks.append(
                    new_check(
                        id=ids[HealthCheck],
                        observation_id=obs_id,
                        date=check_day,
                        half=half,
                        temperature=temp,
                        note="复测正常" if fever else "",
                        checked_at=at,
                        fever=fever,
                        abnormal=fever,
                        created_at=at,
                        updated_at=at,
                    )
                )
                ids[HealthCheck] += 1
            check_day += dt.timedelta(days=1)
        if released:
            notices.append(
                new_notice(
                    id=ids[ReleaseNotice],
                    observation_id=obs_id,
                    number=f"2020-{areas[area_id].code[:6]}-{len(notices) + 1:05d}-{obs_id}",
                    issuing_body="大通湖区新型冠状病毒感染的肺炎疫情防控指挥部",
                    issued_on=planned_end,
                    printed=1,
                    created_at=ended_at,
                    updated_at=ended_at,
                )
            )
            ids[ReleaseNotice] += 1

    models_ = (
        RosterEntry,
        ObservationSite,
        KeyPerson,
        Observation,
        TeamMember,
        MeasureTick,
        HealthCheck,
        ReleaseNotice,
    )
    with stored_timestamps(*models_):
        write_rows(RosterEntry, roster)
        write_rows(ObservationSite, list(sites.values()))
        write_rows(KeyPerson, kps)
        write_rows(Observation, obs_rows)
        write_rows(TeamMember, members)
        write_rows(MeasureTick, ticks)
        for n in range(0, len(checks), 20000):
            write_rows(HealthCheck, checks[n : n + 20000])
        write_rows(ReleaseNotice, notices)
    reset_sequences(*models_)
    ctx.count("key persons", len(kps))
    ctx.count("observations", len(obs_rows))
    ctx.count("observation checks", len(checks))
    ctx.count("missed checks", missed)
    ctx.count("fevers at checks", fevers)
