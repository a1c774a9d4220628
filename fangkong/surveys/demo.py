"""The surveys part of the Datonghu demo (20 January – 24 February 2020).

Two district-wide carpet-survey rounds, as the article tells them ("到户见人、不留空白"):

- **第一轮地毯式摸排** 24–31 January (asking since 1 January): every household seen by the end
  of the round; about one in twelve was not reachable at the first knock and seen on a revisit
  (``visits_made`` 2). Hubei returnees at home answer "back from Hubei" (their risk is on the
  answer; the key-person records themselves come from the observation step's registry, so the
  demo does not create them twice).
- **第二轮滚动摸排** 10–24 February (asking since 25 January), still open on 24 February: most
  grids done, some lagging — the coverage map shows green, amber and red.

And five units (government departments, the district hospital, a school, a town government)
whose staff declared on returning to work, a few twice (a change), two not yet.

The article gives no count of households surveyed; the demo's households are the places step's
(one per ≈3 persons). Rows are written in bulk (``write_rows``) and the kept coverage is
recounted once at the end (``refresh_coverage``)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.kit.demo import (
    DemoContext,
    demo_step,
    next_id,
    reset_sequences,
    stored_timestamps,
    story_time,
    write_rows,
)

ROUND_1 = ("第一轮地毯式摸排", dt.date(2020, 1, 24), dt.date(2020, 1, 31), dt.date(2020, 1, 1))
ROUND_2 = ("第二轮滚动摸排", dt.date(2020, 2, 10), dt.date(2020, 2, 24), dt.date(2020, 1, 25))
UNITS = [
    # name, kind, where ("district" or a town index), head (demo user), staff count
    ("区卫生健康局", "government", "district", "office", 12),
    ("大通湖区人民医院", "hospital", "district", "clinician", 16),
    ("区教育局", "government", "district", None, 9),
    ("河坝镇中学", "school", 0, "town_heba", 10),
    ("金盆镇人民政府", "government", 1, None, 11),
]
_SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "建国华明军平德福林强伟志文忠海春生庆光云荣新红祥安良成富贵辉松秀英兰芳桂珍玉凤梅琴莲霞娟"
_POSITIONS = ("科员", "副科长", "科长", "医生", "护士", "教师", "办事员", "司机")


def _present() -> bool:
    from fangkong.surveys.models import Campaign

    return Campaign.all_objects.exists()


@demo_step("surveys", after=("places", "people", "users"), present=_present)
def surveys_demo(ctx: DemoContext) -> None:
    """Two survey rounds with visits and answers; units with staff declarations."""
    from fangkong.core.models import User
    from fangkong.people.demo import TAG_HUBEI
    from fangkong.people.models import Person
    from fangkong.places.models import Area, Household
    from fangkong.surveys.models import Campaign, Declaration, Unit, UnitStaff, Visit, VisitAnswer
    from fangkong.surveys.services import refresh_coverage

    rng = ctx.rng("surveys")
    district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("code").first()
    if district is None:
        return
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
    users = {u.username: u for u in User.objects.filter(demo=True)}
    office = users.get("office") or User.objects.order_by("pk").first()
    worker_user = users.get("grid_worker", office)
    town_user = users.get("town_heba", office)
    worker_paths = []
    if worker_user is not None:
        worker_paths = [g.area.path for g in worker_user.grants.select_related("area") if g.area_id]

    campaigns = []
    for (name, first, last, since), status in ((ROUND_1, "closed"), (ROUND_2, "open")):
        launched = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
        campaigns.append(
            Campaign(
                area=district,
                name=name,
                starts_on=first,
                ends_on=last,
                since_date=since,
                ask_temperature=name == ROUND_2[0],
                status=status,
                created_at=launched,
                updated_at=launched,
            )
        )
    with stored_timestamps(Campaign):
        Campaign.objects.bulk_create(campaigns)

    households = list(Household.objects.order_by("pk").values_list("pk", "area_id", "area__path"))
    members: dict[int, list[int]] = {}
    for pid, hid in Person.objects.filter(household__isnull=False).values_list("pk", "household"):
        members.setdefault(hid, []).append(pid)
    returnees = set(
        Person.tags.through.objects.filter(tag__name=TAG_HUBEI).values_list("person_id", flat=True)
    )
    grids = sorted({h[1] for h in households})
    # Round 2 is under way on 24 February: a grid's progress depends on its worker.
    progress = {g: rng.choice((1.0, 1.0, 0.97, 0.9, 0.8, 0.7, 0.5, 0.3)) for g in grids}

    visit_pk, answer_pk = next_id(Visit), next_id(VisitAnswer)
    visits, answers = [], []
    for c_index, campaign in enumerate(campaigns):
        first, last = campaign.starts_on, campaign.ends_on
        for hid, grid_id, path in households:
            if c_index == 1 and rng.random() > progress[grid_id]:
                continue  # a blank on 24 February
            worker = (
                worker_user
                if any(path.startswith(p) for p in worker_paths)
                else town_user
                if towns and path.startswith(towns[0].path)
                else office
            )
            when = story_time(rng, first, last)
            twice = rng.random() < 0.08
            unreachable_now = c_index == 1 and twice and rng.random() < 0.5
            people = members.get(hid, [])
            risky = 0
            rows = []
            for pid in people:
                away = rng.random() < 0.04
                seen = not away and rng.random() < 0.97
                origin = ""
                arrival = None
                risk = ""
                if pid in returnees and seen:
                    origin = rng.choice(("湖北武汉", "湖北孝感", "湖北荆州", "湖北黄冈"))
                    arrival = dt.date(2020, 1, rng.randrange(14, 24))
                    if arrival >= campaign.since_date:
                        risk = "wuhan" if "武汉" in origin else "hubei"
                        risky += 1
                rows.append(
                    VisitAnswer(
                        pk=answer_pk + len(answers) + len(rows),
                        visit_id=visit_pk + len(visits),
                        person_id=pid,
                        seen=seen,
                        lives_here=not away,
                        travel_origin=origin,
                        arrival_date=arrival,
                        symptoms="",
                        temperature=None,
                        contact=False,
                        newcomer=False,
                        extra="",
                        risk=risk,
                    )
                )
            if unreachable_now or not any(r.seen for r in rows):
                rows = []
                outcome, reason = "unreachable", rng.choice(("nobody_home", "away", "vacant"))
                retry = min(when.date() + dt.timedelta(days=1), last)
                risky = 0
            else:
                outcome, reason, retry = "seen", "", None
            visits.append(
                Visit(
                    pk=visit_pk + len(visits),
                    campaign_id=campaign.pk,
                    household_id=hid,
                    worker_id=worker.pk,
                    visited_at=when,
                    outcome=outcome,
                    unreachable_reason=reason,
                    retry_on=retry,
                    note="",
                    persons_seen=sum(1 for r in rows if r.seen),
                    risks_found=risky,
                    visits_made=2 if twice else 1,
                    version=2 if twice else 1,
                    created_at=when,
                    updated_at=when,
                )
            )
            answers.extend(rows)
    write_rows(Visit, visits)
    write_rows(VisitAnswer, answers)
    reset_sequences(Visit, VisitAnswer)
    for campaign in campaigns:
        refresh_coverage(campaign)
    ctx.count("survey visits", len(visits))
    ctx.count("persons seen in surveys", sum(1 for a in answers if a.seen))

    # Units and their staff declarations.
    declared = 0
    for name, kind, where, head, n_staff in UNITS:
        area = district if where == "district" else (towns[where] if where < len(towns) else None)
        if area is None:
            continue
        unit = Unit.objects.create(
            area=area,
            name=name,
            kind=kind,
            head=users.get(head) if head else None,
            since_date=dt.date(2020, 1, 10),
        )
        names = set()
        while len(names) < n_staff:
            names.add(rng.choice(_SURNAMES) + "".join(rng.sample(_GIVEN, rng.choice((1, 2)))))
        staff = UnitStaff.objects.bulk_create(
            [UnitStaff(unit=unit, name=n, position=rng.choice(_POSITIONS)) for n in sorted(names)]
        )
        rows = []
        for i, member in enumerate(staff):
            if i >= n_staff - (2 if kind == "government" and where != "district" else 0):
                continue  # not declared yet: the head's list shows them
            when = story_time(rng, dt.date(2020, 2, 3), dt.date(2020, 2, 10))
            travelled = rng.random() < 0.15
            versions = 2 if rng.random() < 0.12 else 1
            for number in range(1, versions + 1):
                at = when + dt.timedelta(days=2 * (number - 1))
                origin = rng.choice(("长沙", "岳阳", "益阳市区", "常德")) if travelled else ""
                risk = ""
                if i == 0 and kind == "hospital":
                    origin, risk = "湖北武汉", "wuhan"  # a returnee: followed up by the office
                rows.append(
                    Declaration(
                        staff=member,
                        number=number,
                        current=number == versions,
                        declared_at=at,
                        returned_on=at.date(),
                        travel_origin=origin,
                        arrival_date=dt.date(2020, 1, 21) if origin else None,
                        contact=False,
                        symptoms="",
                        note="行程变更" if number > 1 else "",
                        self_declared=rng.random() < 0.6,
                        risk=risk,
                        created_at=at,
                        updated_at=at,
                    )
                )
        with stored_timestamps(Declaration):
            Declaration.objects.bulk_create(rows)
        declared += len(rows)
    ctx.count("staff declarations", declared)
