"""The Datonghu demo: 大通湖区 (430971) with its four towns, villages, grids, households, persons.

Everything here is synthetic and deterministic for a given seed: names drawn from a realistic
surname distribution, resident ID numbers with valid GB 11643 check digits, mainland mobile
numbers, households of one to six members with their relations, a few hundred Hubei returnees
and a few close contacts true to the article's period (2020-01-20 .. 2020-02-24), and one demo
user per role scoped the way the district would scope them.

``load_demo`` is the demo's service. It writes in bulk, because the default district (about
35,000 households and 110,000 persons) must load in under a minute and the benchmark district
(1,000,000 persons) in a few minutes; the per-record services (``person_create`` …) validate,
audit and re-check scope one row at a time, which is right for people and far too slow here.
Rows are written by ``write_rows``: each value goes through its model field's own
``get_db_prep_save`` (exactly what ``bulk_create`` does), then one ``executemany`` on SQLite or
one ``COPY`` on PostgreSQL per batch. ``bulk_create`` itself spends most of its time compiling
a multi-row INSERT of 999 parameters at a time on SQLite, which alone took the default load
past a minute; the field preparation, and so the encryption, is the same. What the bulk path
still does exactly as the services do:

- ID and phone numbers are set as plain ``str`` on the model; ``EncryptedTextField`` encrypts
  them in ``get_prep_value`` when the row is prepared (``fangkong.core.crypto`` is the only way
  ciphertext is made), and ``refresh_sensitive_indexes()`` computes the blind indexes and the
  last-four-digit columns per object, since bulk writes skip ``save()``;
- pinyin comes from ``fangkong.core.text.pinyin_of`` (cached per surname and per given name);
- the ID's region warning uses ``validate_resident_id`` (cached per region code).

What it skips on purpose: change-history rows. Demo rows were never changed by anyone, and a
history row per synthetic person would double the load time; the records' ``created_at`` is
still set to a realistic time in the story (the carpet survey of late January 2020).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from fangkong.core.fields import EncryptedTextField
from fangkong.core.text import pinyin_of
from fangkong.core.validators import validate_resident_id

DEMO_PASSWORD = "Datonghu-2020"
DEFAULT_PERSONS = 110_000
DEFAULT_SEED = 2020
DISTRICT_CODE = "430971"
DISTRICT_NAME = "大通湖区"
# Ages and timestamps are computed as of the story: the carpet survey of early 2020.
STORY_DAY = dt.date(2020, 2, 1)
STORY_START = dt.date(2020, 1, 20)
STORY_END = dt.date(2020, 2, 24)
TZ_CN = dt.timezone(dt.timedelta(hours=8))

TAG_HUBEI = "湖北返乡"
TAG_CONTACT = "密切接触者"

# code, name, share of the district's population, communities, villages. Communities come
# first in the code range (001..199) and villages after (201..), as in the statistical codes.
TOWNS: list[tuple[str, str, float, list[str], list[str]]] = [
    (
        "430971100",
        "河坝镇",
        0.30,
        ["河坝社区", "大通湖社区", "湖滨社区"],
        [
            "东湖村",
            "西湖村",
            "南堤村",
            "北堤村",
            "新河村",
            "渔场村",
            "永兴村",
            "杨柳村",
            "沙堤村",
            "南港村",
            "白鹤村",
            "大东口村",
            "新华村",
            "红星村",
        ],
    ),
    (
        "430971101",
        "金盆镇",
        0.25,
        ["金盆社区", "金盆桥社区"],
        [
            "南湾村",
            "北胜村",
            "合兴村",
            "三财垸村",
            "金湖村",
            "东堤村",
            "西堤村",
            "福安村",
            "利民村",
            "荷花村",
            "渔业村",
            "新民村",
        ],
    ),
    (
        "430971102",
        "北洲子镇",
        0.22,
        ["北洲子社区", "向东社区"],
        [
            "北洲村",
            "东胜村",
            "中洲村",
            "南洲村",
            "长港村",
            "五一村",
            "团结村",
            "光明村",
            "湖心村",
            "芦苇村",
            "双塘村",
            "新垸村",
        ],
    ),
    (
        "430971103",
        "千山红镇",
        0.23,
        ["千山红社区", "大莲湖社区"],
        [
            "东河村",
            "西河村",
            "南湖垸村",
            "民主村",
            "丰收村",
            "红旗村",
            "联合村",
            "莲花村",
            "湖岸村",
            "安乐村",
            "腰堤村",
            "哑河村",
        ],
    ),
]
# More villages for the benchmark scales: lake, embankment and polder names of a reclaimed lake.
_NAME_A = "东西南北新中上下前后大小长永太兴和安丰福"
_NAME_B = "湖堤河洲垸港湾口塘渡坪岭"
_NAME_C = "头尾岗桥"

PERSONS_PER_GRID = 220  # about 70 households: a grid worker's round of doors
PERSONS_PER_UNIT = 1900  # a village or community of the lake district

# Surnames with weights roughly as in national counts, tilted towards Hunan (彭, 谭, 曾 …).
SURNAMES = (
    "王7.2 李7.2 张6.8 刘6.4 陈5.2 杨3.1 黄2.4 赵2.1 吴2.1 周2.0 徐1.6 孙1.3 马1.1 朱1.3 胡1.5 "
    "郭1.1 何1.4 高0.9 林0.9 罗1.3 郑0.8 梁0.7 谢1.0 宋0.7 唐1.1 许0.7 韩0.6 冯0.6 邓1.0 "
    "曹0.6 彭1.2 曾1.1 肖0.9 田0.6 董0.5 袁0.6 潘0.4 于0.4 蒋0.6 蔡0.5 余0.6 杜0.5 叶0.5 程0.5 "
    "苏0.4 魏0.4 吕0.4 丁0.4 任0.4 沈0.3 姚0.4 卢0.4 姜0.3 崔0.2 钟0.4 谭0.9 陆0.3 汪0.3 范0.3 "
    "金0.2 石0.4 廖0.5 贾0.3 夏0.4 付0.4 方0.3 邹0.5 孟0.2 熊0.5 秦0.2 邱0.3 江0.3 尹0.3 "
    "段0.3 雷0.3 侯0.2 龙0.3 史0.2 陶0.3 黎0.4 贺0.4 顾0.2 毛0.3 龚0.3 邵0.2 万0.2 严0.2 "
    "向0.3 汤0.3 符0.2 易0.3 戴0.3 莫0.2 欧阳0.1"
)
_SURNAME_LIST = [
    (name, float(weight)) for name, weight in re.findall(r"(\D+?)([\d.]+)\s*", SURNAMES)
]
_MALE_OLD = "建国华明军平德福林强伟志文忠海春生庆光云荣新红祥安良成富贵辉松"
_FEMALE_OLD = "秀英兰芳桂珍玉凤华梅淑琴娥莲香翠云霞菊娟花春红美丽萍群"
_MALE_NEW = "浩宇轩睿博涛杰俊磊鹏子豪昊然宸泽晨阳天航凯明哲诚"
_FEMALE_NEW = "欣怡婷静雅梓涵思琪雨萱诗悦佳慧颖馨彤瑶妍可心语"

# Region codes for ID numbers (and the matching registered residence).
YIYANG_OTHER = [
    ("430902", "湖南省益阳市资阳区"),
    ("430903", "湖南省益阳市赫山区"),
    ("430921", "湖南省益阳市南县"),
    ("430922", "湖南省益阳市桃江县"),
    ("430923", "湖南省益阳市安化县"),
    ("430981", "湖南省沅江市"),
]
OTHER_PROVINCES = [
    ("430602", "湖南省岳阳市岳阳楼区"),
    ("430621", "湖南省岳阳县"),
    ("430702", "湖南省常德市武陵区"),
    ("440306", "广东省深圳市宝安区"),
    ("441900", "广东省东莞市"),
    ("330106", "浙江省杭州市西湖区"),
    ("360102", "江西省南昌市东湖区"),
    ("510107", "四川省成都市武侯区"),
    ("500101", "重庆市万州区"),
    ("410102", "河南省郑州市中原区"),
]
HUBEI = [
    ("420102", "湖北省武汉市江岸区"),
    ("420103", "湖北省武汉市江汉区"),
    ("420106", "湖北省武汉市武昌区"),
    ("420111", "湖北省武汉市洪山区"),
    ("420115", "湖北省武汉市江夏区"),
    ("421083", "湖北省洪湖市"),
]

# Mainland mobile prefixes of the three carriers (no virtual-operator 170/171 ranges).
_PHONE_PREFIXES = (  # noqa: SIM905 (two lines read better than 36 items)
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 173 175 176 177 180 181 182 183 185 186 187 188 189 191 198 199"
).split()

# Household sizes 1..6; the mean (about 3.1) gives 35,000 households for 110,000 persons.
_HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [15, 25, 22, 18, 12, 8])

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
    ("sysadmin", "system_admin", "杨帆", "区政务服务中心", "district"),
    ("secadmin", "security_admin", "邓立新", "区委网信办", "district"),
]


@dataclass
class DemoResult:
    areas: int = 0
    households: int = 0
    persons: int = 0
    returnees: int = 0
    contacts: int = 0
    users: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def demo_present() -> bool:
    """The demo (or any real district) is there when any area exists."""
    from fangkong.places.models import Area

    return Area.all_objects.exists()


@contextmanager
def _stored_timestamps(*models):
    """Let bulk rows keep their story-time ``updated_at``.

    ``auto_now`` would stamp every demo row with today's date, which makes the 2020 story look
    edited yesterday; the switch is restored at once and only affects this process.
    """
    fields = [m._meta.get_field("updated_at") for m in models]
    saved = [f.auto_now for f in fields]
    for f in fields:
        f.auto_now = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now = value


class _Names:
    """Chinese names with cached pinyin per surname and per given name."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.surnames = [s for s, _ in _SURNAME_LIST]
        self.cum = list(itertools.accumulate(w for _, w in _SURNAME_LIST))
        self._pinyin: dict[str, tuple[str, str]] = {}

    def pinyin(self, part: str) -> tuple[str, str]:
        hit = self._pinyin.get(part)
        if hit is None:
            hit = self._pinyin[part] = pinyin_of(part)
        return hit

    def surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.cum)[0]

    def given(self, male: bool, birth_year: int) -> str:
        rng = self.rng
        if birth_year < 1985:
            pool = _MALE_OLD if male else _FEMALE_OLD
        else:
            pool = _MALE_NEW if male else _FEMALE_NEW
        if rng.random() < 0.3:
            return rng.choice(pool)
        return rng.choice(pool) + rng.choice(pool)

    def full(self, surname: str, male: bool, birth_year: int) -> tuple[str, str, str]:
        given = self.given(male, birth_year)
        sp, si = self.pinyin(surname)
        gp, gi = self.pinyin(given)
        return surname + given, sp + gp, si + gi


class _Numbers:
    """Unique resident ID numbers (valid check digit) and mobile numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: set[int] = set()
        self.phones: set[int] = set()
        self._unknown: dict[str, bool] = {}

    def resident_id(self, region: str, birth: dt.date, male: bool) -> str:
        stem = f"{region}{birth:%Y%m%d}"
        while True:
            order = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{stem}{order:03d}"
            key = int(body)
            if key not in self.ids:
                self.ids.add(key)
                return body + _check_digit(body)

    def region_unknown(self, number: str) -> bool:
        """The validator's own region warning, asked once per region code."""
        region = number[:6]
        hit = self._unknown.get(region)
        if hit is None:
            hit = self._unknown[region] = not validate_resident_id(number).region_known
        return hit

    def mobile(self) -> str:
        while True:
            prefix = self.rng.choice(_PHONE_PREFIXES)
            number = f"{prefix}{self.rng.randrange(0, 100_000_000):08d}"
            key = int(number)
            if key not in self.phones:
                self.phones.add(key)
                return number


_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def _check_digit(body: str) -> str:
    """GB 11643 check digit (as ``validators.gb11643_check_digit``, with the weights computed
    once: it runs for every synthetic person). The tests validate samples with the validator."""
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _story_time(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    """A working-hours moment (08:00–20:00 Beijing time) between two story dates."""
    day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
    local = dt.datetime.combine(day, dt.time(8), tzinfo=TZ_CN) + dt.timedelta(
        seconds=rng.randrange(12 * 3600)
    )
    return local.astimezone(dt.UTC)


def _birth_from_age(rng: random.Random, age: int) -> dt.date:
    return STORY_DAY - dt.timedelta(days=int(age * 365.25) + rng.randrange(365))


def _has_phone(rng: random.Random, age: int) -> bool:
    # Children rarely have their own number, many of the elderly share a child's.
    if age < 12:
        return False
    if age < 16:
        return rng.random() < 0.35
    if age < 65:
        return rng.random() < 0.96
    if age < 75:
        return rng.random() < 0.7
    return rng.random() < 0.35


def _unit_names(
    rng: random.Random, town_index: int, n: int, used: set[str]
) -> list[tuple[str, bool]]:
    """``n`` (name, is_community) pairs for a town: first a village, its seat community, then
    the rest of the curated names, then generated lake-district names."""
    _, _, _, communities, villages = TOWNS[town_index]
    ordered = [(villages[0], False), (communities[0], True)]
    rest = [(v, False) for v in villages[1:]] + [(c, True) for c in communities[1:]]
    rng.shuffle(rest)
    ordered += rest
    out = []
    for name, is_community in ordered:
        if len(out) == n:
            return out
        used.add(name)
        out.append((name, is_community))
    for a, b, c in itertools.product(_NAME_A, _NAME_B, ["", *_NAME_C]):
        if len(out) == n:
            break
        name = f"{a}{b}{c}{'社区' if len(out) % 7 == 6 else '村'}"
        if name in used:
            continue
        used.add(name)
        out.append((name, name.endswith("社区")))
    return out


def build_area_tree(persons: int, rng: random.Random) -> list[dict]:
    """Plan the tree: towns > villages/communities > grids, each grid with a person quota."""
    units_total = max(4, round(persons / PERSONS_PER_UNIT))
    used: set[str] = set()
    plan = []
    for t_index, (t_code, t_name, share, _c, _v) in enumerate(TOWNS):
        town_persons = round(persons * share)
        n_units = max(1, round(units_total * share))
        names = _unit_names(rng, t_index, n_units, used)
        weights = [rng.uniform(0.6, 1.4) for _ in names]
        total_w = sum(weights)
        units = []
        n_community = 0
        n_village = 0
        for (u_name, is_community), w in zip(names, weights, strict=True):
            if is_community:
                n_community += 1
                u_code = f"{t_code}{n_community:03d}"
            else:
                n_village += 1
                u_code = f"{t_code}{200 + n_village:03d}"
            u_persons = max(2, round(town_persons * w / total_w))
            n_grids = max(2, round(u_persons / PERSONS_PER_GRID))
            grids = []
            first = 1
            for g in range(1, n_grids + 1):
                quota = u_persons // n_grids + (1 if g <= u_persons % n_grids else 0)
                if is_community:
                    span = rng.randint(3, 6)
                    g_name = f"{u_name}{first}–{first + span - 1}栋网格"
                else:
                    span = rng.randint(2, 3)
                    g_name = f"{u_name}第{g}网格（{first}–{first + span - 1}组）"
                grids.append(
                    {
                        "code": f"{u_code}{g:03d}",
                        "name": g_name,
                        "quota": quota,
                        "first": first,
                        "span": span,
                    }
                )
                first += span
            units.append(
                {"code": u_code, "name": u_name, "community": is_community, "grids": grids}
            )
        plan.append({"code": t_code, "name": t_name, "units": units})
    return plan


def load_demo(
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    batch_households: int = 4000,
    progress: Callable[[str], None] | None = None,
) -> DemoResult:
    """Write the Datonghu demo district into an empty database, in one transaction.

    ``persons`` is the target population (the default district has about 110,000; the
    benchmark uses 1,000,000: more villages and grids, the same density). The same ``seed``
    gives the same district, names and numbers. Raises ``RuntimeError`` if areas exist.
    """
    from fangkong.core.models import Role, RoleGrant, User
    from fangkong.people.models import Person, Tag
    from fangkong.places.models import Area, Household

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    rng = random.Random(seed)
    names = _Names(rng)
    numbers = _Numbers(rng)
    result = DemoResult()
    area_time = dt.datetime(2020, 1, 22, 9, 0, tzinfo=TZ_CN).astimezone(dt.UTC)
    through = Person.tags.through

    with transaction.atomic(), _stored_timestamps(Area, Household, Person):
        if Area.all_objects.exists():
            raise RuntimeError(
                "The database already holds areas; the demo loads into an empty one."
            )
        plan = build_area_tree(persons, rng)

        # Areas, level by level, with their materialised paths (bulk_create skips save()).
        def area(code, name, level, parent):
            path = (parent.path if parent else "/") + code + "/"
            return Area(
                code=code,
                name=name,
                level=level,
                parent=parent,
                path=path,
                created_at=area_time,
                updated_at=area_time,
            )

        district = area(DISTRICT_CODE, DISTRICT_NAME, Area.Level.DISTRICT, None)
        district.save()
        towns = Area.objects.bulk_create(
            [area(t["code"], t["name"], Area.Level.TOWN, district) for t in plan]
        )
        units, grids = [], []
        for town, t in zip(towns, plan, strict=True):
            for u in t["units"]:
                level = Area.Level.COMMUNITY if u["community"] else Area.Level.VILLAGE
                units.append(area(u["code"], u["name"], level, town))
        Area.objects.bulk_create(units, batch_size=500)
        unit_by_code = {u.code: u for u in units}
        for t in plan:
            for u in t["units"]:
                for g in u["grids"]:
                    g["area"] = area(g["code"], g["name"], Area.Level.GRID, unit_by_code[u["code"]])
                    grids.append(g["area"])
        Area.objects.bulk_create(grids, batch_size=500)
        result.areas = 1 + len(towns) + len(units) + len(grids)
        result.timings["areas"] = time.perf_counter() - started
        say(f"areas: {result.areas}")

        hubei_tag = Tag.objects.get_or_create(name=TAG_HUBEI, defaults={"color": "danger"})[0]
        contact_tag = Tag.objects.get_or_create(name=TAG_CONTACT, defaults={"color": "warning"})[0]

        households: list = []
        members: list = []  # (household, [Person, ...], [(person, tag), ...])
        next_id = {m: _next_id(m) for m in (Household, Person, through)}

        def flush():
            if not households:
                return
            people, links = [], []
            for hh, persons_of, tags_of in members:
                hh.pk = next_id[Household]
                next_id[Household] += 1
                for p in persons_of:
                    p.pk = next_id[Person]
                    next_id[Person] += 1
                    p.household_id = hh.pk
                    people.append(p)
                for p, tag in tags_of:
                    links.append(through(pk=next_id[through], person_id=p.pk, tag_id=tag.pk))
                    next_id[through] += 1
            write_rows(Household, households)
            write_rows(Person, people)
            write_rows(through, links)
            result.households += len(households)
            result.persons += len(people)
            households.clear()
            members.clear()

        for t in plan:
            for u in t["units"]:
                for g in u["grids"]:
                    for hh, persons_of, tags_of in _grid_households(
                        g,
                        u,
                        t,
                        rng,
                        names,
                        numbers,
                        Person,
                        Household,
                        hubei_tag,
                        contact_tag,
                        persons,
                    ):
                        households.append(hh)
                        members.append((hh, persons_of, tags_of))
                        result.returnees += sum(1 for _, tag in tags_of if tag is hubei_tag)
                        result.contacts += sum(1 for _, tag in tags_of if tag is contact_tag)
                        if len(households) >= batch_households:
                            flush()
                            say(f"persons: {result.persons}")
            say(f"town {t['name']}: {result.persons} persons so far")
        flush()
        _reset_sequences(Household, Person, through)
        result.timings["people"] = time.perf_counter() - started

        result.users = _demo_users(plan, Area, User, Role, RoleGrant, area_time)
    _analyze()
    result.seconds = time.perf_counter() - started
    return result


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load: without them the query planner
    believes the freshly filled tables are empty and picks nested loops that are slow on a
    district of real size (autovacuum would catch up, but only minutes later)."""
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _next_id(model) -> int:
    from django.db.models import Max

    return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _factory(model):
    """A fast constructor: positional ``Model(*values)`` skips the keyword path of
    ``Model.__init__``, which was a fifth of the load time; unnamed fields take their defaults."""
    fields = model._meta.concrete_fields
    defaults = {
        f.attname: (f.get_default() if f.has_default() or not f.null else None) for f in fields
    }
    names = [f.attname for f in fields]
    defaults["id"] = None

    def new(**values):
        merged = defaults | values
        return model(*[merged[n] for n in names])

    return new


def write_rows(model, objs: list) -> None:
    """Insert model instances (primary keys already set) in one statement batch.

    Every value is prepared by its own field (``get_db_prep_save``), as ``bulk_create`` does, so
    encrypted fields store ciphertext and dates are stored the way Django reads them back. No
    signals, no ``save()``, no history: callers compute derived columns first.
    """
    if not objs:
        return
    db = connections[DEFAULT_DB_ALIAS]  # the real connection: the proxy costs a lookup per value
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    # Plain text, number, flag and key columns store the Python value as it is (their
    # get_db_prep_save is the identity for values of the right type, which the demo sets);
    # everything else (encrypted text, dates, times) goes through its field.
    plain = (models.CharField, models.IntegerField, models.BooleanField, models.ForeignKey)
    preps = [
        None
        if isinstance(f, plain) and not isinstance(f, EncryptedTextField)
        else f.get_db_prep_save
        for f in fields
    ]
    getters = [operator.attrgetter(f.attname) for f in fields]
    pairs = list(zip(getters, preps, strict=True))
    rows = [
        tuple(get(obj) if prep is None else prep(get(obj), db) for get, prep in pairs)
        for obj in objs
    ]
    table = db.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(db.ops.quote_name(c) for c in columns)
    db.ensure_connection()
    if db.vendor == "postgresql":
        raw = db.connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(columns))
        with db.cursor() as cur:
            # The driver's executemany (below Django's debug wrapper): one prepared statement.
            # Table and column names come from the model's own metadata, never from input.
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({marks})"  # noqa: S608
            cur.cursor.executemany(sql, rows)


def _reset_sequences(*models) -> None:
    """Explicit primary keys leave PostgreSQL's sequences behind; SQLite keeps up by itself."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def _grid_households(
    g, u, t, rng, names, numbers, Person, Household, hubei_tag, contact_tag, district_persons
) -> Iterator[tuple]:
    """Households of one grid until its person quota is met, with their members and tags."""
    grid = g["area"]
    new_person, new_household = _factory(Person), _factory(Household)
    local_residence = f"湖南省益阳市大通湖区{t['name']}{u['name']}"
    # A few hundred Hubei returnees in the default district: about 0.3 % of persons.
    p_returnee_household = 0.0095
    count = 0
    seq = 0
    while count < g["quota"]:
        seq += 1
        size = rng.choices(*_HOUSEHOLD_SIZES)[0]
        size = min(size, max(1, g["quota"] - count))
        if u["community"]:
            building = g["first"] + rng.randrange(g["span"])
            address = (
                f"{t['name']}{u['name']}{building}栋{rng.randint(1, 3)}单元"
                f"{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
            )
        else:
            group = g["first"] + rng.randrange(g["span"])
            address = f"{t['name']}{u['name']}{group}组{rng.randint(1, 80)}号"
        # Some households are migrant workers (fisheries, farms, shops) registered elsewhere.
        migrant = rng.random() < 0.04
        returnee_home = not migrant and rng.random() < p_returnee_household
        created = _story_time(rng, dt.date(2020, 1, 25), dt.date(2020, 2, 8))
        hh = new_household(
            area_id=grid.pk,
            number=f"{seq:04d}",
            address=address,
            created_at=created,
            updated_at=created,
        )
        people, tags = [], []
        plan = _household_members(rng, size, migrant)
        head_surname = names.surname()
        returnee_done = False
        for relation, age, male, kin in plan:
            surname = head_surname if kin else names.surname()
            birth = _birth_from_age(rng, age)
            name, pinyin, initials = names.full(surname, male, birth.year)
            is_resident, residence = True, local_residence
            is_returnee = returnee_home and not returnee_done and 18 <= age <= 55
            r = rng.random()
            p_local = 0.9 if relation in ("子女", "孙子女") else 0.78
            if migrant:
                region, residence = rng.choice(OTHER_PROVINCES if r < 0.6 else YIYANG_OTHER)
                is_resident = False
            elif is_returnee and r < 0.25:
                # Married in from Hubei or registered where they work: a Hubei ID number.
                region, residence = rng.choice(HUBEI)
                is_resident = False
            elif r < p_local:
                region = DISTRICT_CODE
            elif r < p_local + 0.17:
                region, _ = rng.choice(YIYANG_OTHER)
            else:
                region, _ = rng.choice(OTHER_PROVINCES)
            id_number = numbers.resident_id(region, birth, male)
            person_created = created + dt.timedelta(seconds=rng.randrange(60, 900))
            if is_returnee:
                # Reported from the telecom lists and self-declarations of late January.
                person_created = _story_time(rng, dt.date(2020, 1, 21), dt.date(2020, 1, 31))
            p = new_person(
                area_id=grid.pk,
                name=name,
                name_pinyin=pinyin,
                name_initials=initials,
                id_number=id_number,
                id_region_unknown=numbers.region_unknown(id_number),
                birth_date=birth,
                sex="M" if male else "F",
                phone=numbers.mobile() if _has_phone(rng, age) else "",
                relation=relation,
                current_address=address,
                registered_residence=residence,
                is_resident=is_resident,
                created_at=person_created,
                updated_at=person_created,
            )
            p.refresh_sensitive_indexes()
            people.append(p)
            if is_returnee:
                returnee_done = True
                tags.append((p, hubei_tag))
        if returnee_done and rng.random() < 0.3:
            # The household members who met the returnee before they were isolated.
            others = [p for p in people if p is not tags[0][0]]
            for p in others[: rng.randint(1, 2)]:
                tags.append((p, contact_tag))
        hh.head_name = people[0].name
        count += len(people)
        yield hh, people, tags


def _household_members(rng: random.Random, size: int, migrant: bool) -> list[tuple]:
    """(relation, age, male, same surname as head) for each member, the head first.

    Ages follow the lake district's 2020 profile: many elderly, the young often away.
    """
    if migrant:
        head_age = rng.randint(22, 55)
    elif size == 1:
        head_age = rng.choice([rng.randint(60, 92), rng.randint(25, 60)])
    else:
        head_age = int(min(88, max(24, rng.gauss(52, 13))))
    head_male = rng.random() < 0.82
    out = [("户主", head_age, head_male, True)]
    if size >= 2 and rng.random() < 0.88:
        spouse_age = max(20, head_age + rng.randint(-6, 4) * (1 if head_male else -1))
        out.append(("配偶", spouse_age, not head_male, False))
    children: list[int] = []
    parents = 0
    while len(out) < size:
        r = rng.random()
        if head_age < 55 and parents < 2 and r < 0.3 and head_age + 24 <= 95:
            age = min(95, head_age + rng.randint(23, 32))
            parents += 1
            out.append(("父母", age, rng.random() < 0.45, True))
        elif head_age >= 50 and children and max(children) >= 22 and r < 0.5:
            age = max(0, max(children) - rng.randint(22, 30))
            out.append(("孙子女", age, rng.random() < 0.53, True))
        elif head_age >= 20 and r < 0.95:
            age = max(0, head_age - rng.randint(22, 34) - 2 * len(children))
            children.append(age)
            out.append(("子女", age, rng.random() < 0.53, True))
        else:
            out.append(
                ("兄弟姐妹", max(1, head_age + rng.randint(-8, 8)), rng.random() < 0.5, True)
            )
    return out


def _demo_users(plan, Area, User, Role, RoleGrant, joined) -> int:
    """One demo user per role, scoped the way the district would scope them."""
    roles = {r.code: r for r in Role.objects.all()}
    # One hash for the one published demo password: hashing it thirteen times would only cost
    # seconds (the hasher is deliberately slow), and the password is printed anyway.
    password = make_password(DEMO_PASSWORD)
    codes = {"district": [DISTRICT_CODE]}
    for i, t in enumerate(plan):
        codes[f"town:{i}"] = [t["code"]]
    heba_village = plan[0]["units"][0]
    codes["village:0"] = [heba_village["code"]]
    codes["grids:0"] = [g["code"] for g in heba_village["grids"][:2]]
    jinpen = plan[1]["units"]
    community = next((u for u in jinpen if u["community"]), jinpen[0])
    codes["community:1"] = [community["code"]]
    areas = {
        a.code: a for a in Area.objects.filter(code__in=[c for cs in codes.values() for c in cs])
    }
    made = 0
    for username, role_code, full_name, organisation, where in DEMO_USERS:
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
        for code in codes[where]:
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
    return made
