"""The command part of the Datonghu demo (20 January – 24 February 2020), after the article:
level-I response from 24 January, the leadership group upgraded on 28 January (party secretary
as first leader), ten working groups under the command office, 18 meetings with their
decisions, directives turned into tasks for the four towns (and passed down to villages), and
district, town and village leaders answering for every town and village (包干).

Names of people are invented; posts, dates and decisions are the article's."""

from __future__ import annotations

import datetime as dt

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国志强卫东桂兰秀英明华国平丽娟海涛红梅德明立新文彬小燕春生永红玉兰晓峰"


def _name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _at(day: tuple[int, int], hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2020, day[0], day[1], hour, minute, tzinfo=TZ_CN).astimezone(dt.UTC)


WORKING_GROUPS = [
    ("综合协调组", "统筹协调、信息汇总、会议组织、文件起草和上传下达"),
    ("医疗救治组", "发热门诊预检分诊、疑似病例转诊、医务人员调配与培训"),
    ("疾病防控组", "流行病学调查、密切接触者追踪、消毒消杀、14天医学观察"),
    ("交通卡口组", "边界、车站、码头24小时卡口值守、体温检测、乘客台账"),
    ("社区防控组", "网格化管理、地毯式摸排、到户见人、不留空白"),
    ("宣传舆论组", "村村响、电话四问、短信提醒、舆情监测与辟谣"),
    ("物资保障组", "口罩、防护服等应急物资采购、储备和优先调配"),
    ("市场监管组", "药店禁售退烧感冒药、农贸市场和公共场所管控"),
    ("社会稳定组", "日常巡查和突击暗访、打击聚众赌博和造谣"),
    ("督查督办组", "督查各镇、各部门落实情况，干部工作纪实与考核"),
]

# (month, day), hour, kind, title, decisions
MEETINGS = [
    (
        (1, 20),
        15,
        "party_committee",
        "区管委会党组会",
        "部署冬春期间和人员密集场所公共卫生、病毒性传染病防控工作。",
    ),
    (
        (1, 22),
        9,
        "special",
        "全区新型冠状病毒感染的肺炎疫情防控专题会议",
        "审议通过工作应急预案和防控方案，从点线面上铺开各项工作。",
    ),
    (
        (1, 24),
        16,
        "dispatch",
        "贯彻市长专题视频调度会议精神部署会",
        "启动重大突发公共卫生事件I级响应；公共文化娱乐、网吧和宗教活动场所一律关停；婚宴一律停办，丧事从简。",
    ),
    (
        (1, 26),
        9,
        "special",
        "全区疫情防控工作专题会议（正月初二）",
        "紧急召集各联防联控单位、各镇主要负责人再动员，人员到岗，全面联动，防止疏漏。",
    ),
    (
        (1, 28),
        10,
        "party_committee",
        "区委常委会",
        "领导小组升格为区委书记任第一组长、区长任组长；实行区、镇、村（社区）领导包干负责制。",
    ),
    ((1, 30), 9, "dispatch", "疫情防控调度会", "部署移动通信大数据湖北返区人员精准摸排。"),
    ((2, 1), 9, "progress", "疫情防控推进会", "通报地毯式摸排进度，未完成的村限期完成。"),
    ((2, 3), 9, "dispatch", "疫情防控调度会", "加强卡口值守轮班，落实乘客台账登记。"),
    ((2, 5), 15, "progress", "疫情防控推进会", "重点人员“六包一”责任制全覆盖检查。"),
    ((2, 7), 9, "dispatch", "疫情防控调度会", "组织鄰居监督员队伍，落实居家观察对象监督。"),
    (
        (2, 9),
        9,
        "special",
        "企业复工复产专题会议",
        "成立复工复产领导小组，制定企业复工复产“十要”。",
    ),
    ((2, 11), 9, "progress", "疫情防控推进会", "选派9名驻企防疫联络员进驻企业。"),
    ((2, 13), 9, "dispatch", "疫情防控调度会", "春耕生产摸底，科学调度农资供应。"),
    ((2, 15), 15, "progress", "疫情防控推进会", "督查督办组通报各镇落实情况，纳入干部工作纪实。"),
    ((2, 17), 9, "party_committee", "区委常委会", "统筹推进疫情防控与大湖水环境治理、脱贫攻坚。"),
    ((2, 19), 9, "dispatch", "疫情防控调度会", "种草人员每日测温、配发口罩，草籽包装袋及时消毒。"),
    ((2, 21), 9, "progress", "疫情防控推进会", "巩固“零发生”成果，严防松懈。"),
    (
        (2, 23),
        16,
        "dispatch",
        "疫情防控调度会",
        "截至2月23日24时确诊和疑似病例保持为零，部署下一阶段工作。",
    ),
]

# meeting index (or None with the higher level), title, task title, days to deadline,
# passed down to villages
DIRECTIVES = [
    (1, "落实工作应急预案和防控方案", "制定本镇防控工作方案并报区指挥部", 2, False),
    (2, "关停公共场所，停办婚宴", "关停辖区娱乐场所、网吧和宗教活动场所", 1, True),
    (3, "联防联控人员到岗", "镇村干部全部到岗并报送值班表", 1, False),
    (4, "实行领导包干负责制", "落实镇村两级包干责任人名单", 2, True),
    (None, "开展湖北返区人员大数据核查", "核查移动通信大数据湖北返区人员名单", 3, True),
    (6, "完成地毯式摸排", "完成辖区地毯式摸排并报送台账", 3, True),
    (8, "重点人员六包一全覆盖", "为每名居家观察对象落实六包一责任人", 2, True),
    (10, "企业复工复产“十要”", "指导辖区企业按“十要”做好复工准备", 5, False),
    (12, "春耕生产摸底", "完成春耕生产摸底和农资需求统计", 4, False),
    (16, "巩固零发生成果", "开展一轮防控措施落实情况自查", 3, False),
]


@demo_step("command", after=("places", "users"))
def command_demo(ctx: DemoContext) -> None:
    """Response level, groups, meetings, directives and tasks, 包干 for every town and village."""
    from fangkong.command.models import (
        CommandGroup,
        Directive,
        GroupMember,
        Meeting,
        ResponseLevel,
        Responsibility,
        Task,
        TaskNote,
    )
    from fangkong.core.models import User
    from fangkong.places.models import Area

    rng = ctx.rng("command")
    district = Area.objects.get(level=Area.Level.DISTRICT, parent=None)
    towns = list(Area.objects.filter(parent=district, level=Area.Level.TOWN).order_by("code"))
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["commander", "office", "town_heba", "village_cadre"]
        )
    }

    ResponseLevel.objects.create(
        area=district,
        level=ResponseLevel.Level.I,
        effective_from=dt.date(2020, 1, 24),
        declared_by="大通湖区委、区管委会",
        document_ref="",
        note="1月24日（大年三十）启动重大突发公共卫生事件I级响应，根据市长专题视频调度会议精神作出部署。",
        created_at=_at((1, 24), 17),
    )

    def phone() -> str:
        return f"139{rng.randrange(10**8):08d}"

    old = CommandGroup.objects.create(
        area=district,
        group_kind="leadership",
        name="大通湖区新型冠状病毒感染的肺炎疫情防控工作领导小组",
        duties="统一领导全区疫情防控工作。",
        effective_from=dt.date(2020, 1, 22),
        effective_to=dt.date(2020, 1, 27),
        sort=1,
    )
    new = CommandGroup.objects.create(
        area=district,
        group_kind="leadership",
        name="区委新型冠状病毒感染的肺炎疫情防控工作领导小组",
        duties="区委书记任第一组长、区长任组长；实行区、镇、村（社区）领导包干负责制。",
        effective_from=dt.date(2020, 1, 28),
        supersedes=old,
        document_ref="1月28日区委常委会决定",
        sort=1,
    )
    members = []
    old_lead = [("组长", "区管委会主任"), ("副组长", "区管委会副主任"), ("副组长", "区卫健局局长")]
    new_lead = [
        ("第一组长", "区委书记"),
        ("组长", "区长"),
        ("常务副组长", "区委副书记"),
        ("副组长", "区管委会副主任"),
        ("副组长", "区卫健局局长"),
    ]
    names = {}
    for group, posts in ((old, old_lead), (new, new_lead)):
        for i, (post, position) in enumerate(posts):
            name = names.setdefault(position, _name(rng))
            members.append(
                GroupMember(
                    group=group, name=name, post=post, position=position, phone=phone(), sort=i
                )
            )
    working = []
    for i, (name, duties) in enumerate(WORKING_GROUPS):
        working.append(
            CommandGroup(
                area=district,
                group_kind="working",
                name=name,
                duties=duties,
                effective_from=dt.date(2020, 1, 28),
                sort=10 + i,
            )
        )
    working = CommandGroup.objects.bulk_create(working)
    for group in working:
        for i, post in enumerate(("组长", "副组长", "成员", "成员")):
            members.append(
                GroupMember(
                    group=group,
                    name=_name(rng),
                    post=post,
                    position="区直单位干部",
                    phone=phone(),
                    sort=i,
                )
            )
    for m in members:
        m.refresh_sensitive_indexes()
    GroupMember.objects.bulk_create(members)

    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                area=district,
                meeting_kind=kind,
                title=title,
                held_at=_at(day, hour),
                chair="区委书记" if day >= (1, 28) else "区管委会主任",
                attendees="领导小组成员、各工作组组长、各镇主要负责人、联防联控单位负责人",
                decisions=decisions,
                created_at=_at(day, hour + 2),
            )
            for day, hour, kind, title, decisions in MEETINGS
        ]
    )

    directives, tasks, notes = [], [], []
    for index, title, _task_title, _days, _down in DIRECTIVES:
        meeting = meetings[index] if index is not None else None
        issued = (meeting.held_at + dt.timedelta(hours=2)) if meeting else _at((1, 29), 20)
        directives.append(
            Directive(
                area=district,
                title=title,
                text=meeting.decisions
                if meeting
                else "上级提供的移动通信大数据名单，逐人核查、精准管控。",
                meeting=meeting,
                issued_by="" if meeting else "益阳市新冠肺炎疫情防控指挥部",
                issued_at=issued,
                created_at=issued,
            )
        )
    directives = Directive.objects.bulk_create(directives)
    end = dt.datetime(2020, 2, 24, 9, tzinfo=TZ_CN).astimezone(dt.UTC)
    for directive, (_i, _t, task_title, days, down) in zip(directives, DIRECTIVES, strict=True):
        for t_index, town in enumerate(towns):
            dispatched = directive.issued_at + dt.timedelta(minutes=30)
            deadline = dispatched + dt.timedelta(days=days)
            task = Task(
                area=town,
                from_area=district,
                directive=directive,
                title=task_title,
                details=directive.text,
                deadline=deadline,
                dispatched_at=dispatched,
                created_at=dispatched,
            )
            ack = dispatched + dt.timedelta(minutes=rng.randrange(20, 180))
            task.acknowledged_at = ack
            task.acknowledged_by = users.get("town_heba") if t_index == 0 else None
            late = rng.random() < 0.15
            done = (
                deadline + dt.timedelta(hours=rng.randrange(2, 30))
                if late
                else (deadline - dt.timedelta(hours=rng.randrange(1, 20)))
            )
            done = max(done, ack + dt.timedelta(hours=1))
            if done < end:
                task.status = (
                    Task.Status.VERIFIED
                    if done + dt.timedelta(hours=12) < end
                    else Task.Status.COMPLETED
                )
                task.completed_at = done
                task.completed_by = task.acknowledged_by
                task.completion_note = "已按要求完成，台账已报区指挥部办公室。"
                if task.status == Task.Status.VERIFIED:
                    task.verified_at = done + dt.timedelta(hours=rng.randrange(2, 12))
                    task.verified_by = users.get("office")
            else:
                task.status = Task.Status.IN_PROGRESS
            if late:
                task.escalated_at = deadline
            tasks.append((task, down, town))
    Task.objects.bulk_create([t for t, _d, _town in tasks])
    sub = []
    for task, down, town in tasks:
        notes.append(
            TaskNote(
                task=task,
                author=task.acknowledged_by,
                text="已召开专题会议部署，各村（社区）正在落实。",
                written_at=task.acknowledged_at + dt.timedelta(hours=2),
            )
        )
        if not down:
            continue
        for village in Area.objects.filter(parent=town).order_by("code")[:3]:
            child = Task(
                area=village,
                from_area=town,
                parent=task,
                directive=task.directive,
                title=task.title.replace("辖区", "本村"),
                details=task.details,
                deadline=task.deadline - dt.timedelta(hours=6),
                dispatched_at=task.acknowledged_at + dt.timedelta(minutes=30),
                created_at=task.acknowledged_at + dt.timedelta(minutes=30),
                acknowledged_at=task.acknowledged_at + dt.timedelta(hours=1),
                status=task.status,
                completed_at=task.completed_at and task.completed_at - dt.timedelta(hours=3),
                verified_at=task.completed_at and task.completed_at - dt.timedelta(hours=1),
                completion_note=task.completion_note,
            )
            if child.status == Task.Status.COMPLETED:
                child.status = Task.Status.VERIFIED
            sub.append(child)
    Task.objects.bulk_create(sub)
    TaskNote.objects.bulk_create(notes)

    # 包干: a district leader for each town, a town leader for each village and community,
    # and each village's own secretary.
    leaders = [m for m in members if m.group_id == new.pk] + [
        m for m in members if m.group.group_kind == "working" and m.post == "组长"
    ]
    resp = []
    for t_index, town in enumerate(towns):
        leader = leaders[t_index % len(leaders)]
        resp.append(
            Responsibility(
                area=town,
                leader_name=leader.name,
                leader_level="district",
                position=leader.position
                if leader.group_id == new.pk
                else f"{leader.group.name}组长",
                phone=leader.phone,
                effective_from=dt.date(2020, 1, 28),
                created_at=_at((1, 28), 18),
            )
        )
        town_leaders = [_name(rng) for _ in range(4)]
        for v_index, village in enumerate(Area.objects.filter(parent=town).order_by("code")):
            resp.append(
                Responsibility(
                    area=village,
                    leader_name=town_leaders[v_index % 4],
                    leader_level="town",
                    position=f"{town.name}党政班子成员",
                    phone=phone(),
                    effective_from=dt.date(2020, 1, 28),
                    created_at=_at((1, 28), 18),
                )
            )
            resp.append(
                Responsibility(
                    area=village,
                    leader_name=_name(rng),
                    leader_level="village",
                    position="村（社区）党组织书记",
                    phone=phone(),
                    effective_from=dt.date(2020, 1, 28),
                    created_at=_at((1, 28), 18),
                )
            )
    for r in resp:
        r.refresh_sensitive_indexes()
    Responsibility.objects.bulk_create(resp)
    ctx.data["command.tasks"] = [t.pk for t, _d, _town in tasks]
    ctx.count("meetings", len(meetings))
    ctx.count("tasks", len(tasks) + len(sub))
    ctx.count("area responsibilities", len(resp))
