"""The people part of the Datonghu demo: the members of every household the places step
planned (see ``fangkong.core.kit.demo`` for the hook).

Names are drawn from a realistic surname distribution tilted towards Hunan; resident ID numbers
have valid GB 11643 check digits, mobile numbers use the three carriers' prefixes; ages follow
the lake district's 2020 profile. A few hundred Hubei returnees (tagged 湖北返乡, registered from
the telecom lists of late January) and some of their household members as close contacts
(密切接触者) are true to the article's period. What the bulk path still does exactly as the
services do: ``EncryptedTextField`` encrypts ID and phone numbers when rows are prepared,
``refresh_sensitive_indexes()`` computes the blind indexes and last-four-digit columns, pinyin
comes from ``core.text.pinyin_of`` (cached per surname and given name), and the ID's region
warning from ``validate_resident_id`` (cached per region code).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re

from fangkong.core.kit.demo import (
    DemoContext,
    demo_step,
    factory,
    next_id,
    reset_sequences,
    stored_timestamps,
    story_time,
    write_rows,
)
from fangkong.core.text import pinyin_of
from fangkong.core.validators import validate_resident_id
from fangkong.places.demo import DISTRICT_CODE, MIGRANT, RETURNEE_HOME, SIZE_MASK

TAG_HUBEI = "湖北返乡"
TAG_CONTACT = "密切接触者"
# Ages are computed as of the story: the carpet survey of early 2020.
STORY_DAY = dt.date(2020, 2, 1)

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


@demo_step("people", after=("places",))
def people_demo(ctx: DemoContext, *, batch: int = 12000) -> None:
    """Members of every planned household, their tags, and each household's head named."""
    from django.db.models import OuterRef, Subquery

    from fangkong.people.models import Person, Tag
    from fangkong.places.models import Household

    plan = ctx.data["places.households"]
    first_pk, flags, where = plan["first_pk"], plan["flags"], plan["where"]
    rng = ctx.rng("people")
    names, numbers = _Names(rng), _Numbers(rng)
    through = Person.tags.through
    hubei = Tag.objects.get_or_create(name=TAG_HUBEI, defaults={"color": "danger"})[0]
    contact = Tag.objects.get_or_create(name=TAG_CONTACT, defaults={"color": "warning"})[0]
    ids = {Person: next_id(Person), through: next_id(through)}
    people, links = [], []
    returnees = contacts = persons = 0

    def flush():
        write_rows(Person, people)
        write_rows(through, links)
        people.clear()
        links.clear()

    households = (
        Household._base_manager.filter(pk__gte=first_pk, pk__lt=first_pk + len(flags))
        .order_by("pk")
        .values_list("pk", "area_id", "address", "created_at")
    )
    with stored_timestamps(Person):
        for pk, area_id, address, created in households.iterator(chunk_size=4000):
            flag = flags[pk - first_pk]
            town, unit = where[area_id]
            members, tags = _household_persons(
                rng,
                names,
                numbers,
                size=flag & SIZE_MASK,
                migrant=bool(flag & MIGRANT),
                returnee_home=bool(flag & RETURNEE_HOME),
                residence=f"湖南省益阳市大通湖区{town}{unit}",
                address=address,
                created=created,
                hubei=hubei,
                contact=contact,
            )
            for p in members:
                p.pk, p.area_id, p.household_id = ids[Person], area_id, pk
                ids[Person] += 1
                people.append(p)
            for p, tag in tags:
                links.append(through(pk=ids[through], person_id=p.pk, tag_id=tag.pk))
                ids[through] += 1
                returnees += tag is hubei
                contacts += tag is contact
            persons += len(members)
            if len(people) >= batch:
                flush()
                ctx.say(f"persons: {persons}")
        flush()
        reset_sequences(Person, through)
    # The head is the first member; one statement names every demo household's head.
    head = Person._base_manager.filter(household=OuterRef("pk")).order_by("pk").values("name")
    Household._base_manager.filter(pk__gte=first_pk).update(head_name=Subquery(head[:1]))
    ctx.count("persons", persons)
    ctx.count(f"tagged {TAG_HUBEI}", returnees)
    ctx.count(TAG_CONTACT, contacts)


def _household_persons(
    rng,
    names,
    numbers,
    *,
    size,
    migrant,
    returnee_home,
    residence,
    address,
    created,
    hubei,
    contact,
) -> tuple[list, list]:
    """The members of one household (head first) and their (person, tag) pairs."""
    from fangkong.people.models import Person

    new_person = _person_factory(Person)
    people, tags = [], []
    head_surname = names.surname()
    returnee_done = False
    for relation, age, male, kin in _household_members(rng, size, migrant):
        surname = head_surname if kin else names.surname()
        birth = _birth_from_age(rng, age)
        name, pinyin, initials = names.full(surname, male, birth.year)
        is_resident, registered = True, residence
        is_returnee = returnee_home and not returnee_done and 18 <= age <= 55
        r = rng.random()
        p_local = 0.9 if relation in ("子女", "孙子女") else 0.78
        if migrant:
            region, registered = rng.choice(OTHER_PROVINCES if r < 0.6 else YIYANG_OTHER)
            is_resident = False
        elif is_returnee and r < 0.25:
            # Married in from Hubei or registered where they work: a Hubei ID number.
            region, registered = rng.choice(HUBEI)
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
            person_created = story_time(rng, dt.date(2020, 1, 21), dt.date(2020, 1, 31))
        p = new_person(
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
            registered_residence=registered,
            is_resident=is_resident,
            created_at=person_created,
            updated_at=person_created,
        )
        p.refresh_sensitive_indexes()
        people.append(p)
        if is_returnee:
            returnee_done = True
            tags.append((p, hubei))
    if returnee_done and rng.random() < 0.3:
        # The household members who met the returnee before they were isolated.
        others = [p for p in people if p is not tags[0][0]]
        for p in others[: rng.randint(1, 2)]:
            tags.append((p, contact))
    return people, tags


_FACTORIES: dict = {}


def _person_factory(model):
    if model not in _FACTORIES:
        _FACTORIES[model] = factory(model)
    return _FACTORIES[model]
