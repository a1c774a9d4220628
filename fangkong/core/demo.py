"""The core part of the Datonghu demo: one demo user per role, granted where the district would
grant it (the jurisdictions the places step publishes). See ``fangkong.core.kit.demo``."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step

DEMO_PASSWORD = "Datonghu-2020"
JOINED = dt.datetime(2020, 1, 22, 9, 0, tzinfo=TZ_CN)

# username, role, full name, organisation, where: (town index, unit index, grids) or None.
DEMO_USERS: list[tuple[str, str, str, str, str]] = [
    ("commander", "district_commander", "周建国", "区疫情防控指挥部", "district"),
    ("office", "command_office", "刘敏", "区疫情防控指挥部办公室", "district"),
    ("town_heba", "town_officer", "李卫东", "河坝镇人民政府", "town:0"),
    ("village_cadre", "village_cadre", "张桂兰", "东湖村村民委员会", "village:0"),
    ("grid_worker", "grid_worker", "王志强", "东湖村网格员", "grids:0"),
    ("checkpoint", "checkpoint_staff", "陈国平", "千山红镇防疫监测点", "town:3"),
    ("clinician", "clinician", "彭丽", "大通湖区人民医院发热门诊", "district"),
    ("pharmacist", "pharmacist", "谭芳", "金盆社区益康大药房", "community:1"),
    ("warehouse", "warehouse_keeper", "曾德明", "区防疫物资储备库", "district"),
    ("liaison", "enterprise_liaison", "黄志刚", "区复工复产联络组", "town:2"),
    ("counsellor", "counsellor", "何静", "区心灵驿站", "district"),
    ("auditor", "auditor", "罗建华", "区委网信办", "district"),
    ("auditor_heba", "access_auditor", "孙丽华", "河坝镇纪委", "town:0"),
    ("secadmin", "security_admin", "邓立新", "区委网信办", "district"),
    ("sysadmin", "system_admin", "杨帆", "区政务服务中心", "district"),
]


@demo_step("users", after=("places",))
def users_demo(ctx: DemoContext) -> None:
    """One demo user per role, scoped the way the district would scope them."""
    from fangkong.core.models import Role, RoleGrant, User

    # The area model is reached through the grant, so core names no domain app here.
    Area = RoleGrant._meta.get_field("area").related_model
    where = ctx.data["places.jurisdictions"]
    roles = {r.code: r for r in Role.objects.all()}
    codes = {c for cs in where.values() for c in cs}
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    # One hash for the one published demo password: hashing it thirteen times would only cost
    # seconds (the hasher is deliberately slow), and the password is printed anyway.
    password = make_password(DEMO_PASSWORD)
    joined = JOINED.astimezone(dt.UTC)
    made = 0
    for username, role_code, full_name, organisation, scope in DEMO_USERS:
        user = User.objects.create(
            username=username,
            password=password,
            full_name=full_name,
            organisation=organisation,
            demo=True,
            date_joined=joined,
        )
        role = roles.get(role_code)
        if role is None:
            continue
        for code in where[scope]:
            # Seeded grants are in effect at once: no second person exists yet to approve them.
            RoleGrant.objects.create(
                user=user,
                role=role,
                area=areas[code],
                granted_at=joined,
                status=RoleGrant.Status.APPROVED,
                approved_at=joined,
            )
        made += 1
    ctx.count("demo users", made)
