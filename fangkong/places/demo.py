"""The places part of the Datonghu demo: 大通湖区 (430971), its four towns, villages,
communities, grids and households (see ``fangkong.core.kit.demo`` for the hook).

Everything is synthetic and deterministic for a given seed. The tree is sized from the target
population (``--scale``): about 1,900 persons per village or community and 220 per grid (a grid
worker's round of doors), so the default 110,000 persons give 562 areas. Each grid is filled
with households of one to six members until its person quota is met; the household plan (size,
migrant workers, a Hubei returnee at home) is published for the people step, which creates the
members and names each household's head.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

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

DISTRICT_CODE = "430971"
DISTRICT_NAME = "大通湖区"
AREAS_CREATED = dt.datetime(2020, 1, 22, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

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

# Household sizes 1..6; the mean (about 3.1) gives 35,000 households for 110,000 persons.
HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [15, 25, 22, 18, 12, 8])
# Shares of households: migrant workers registered elsewhere (fisheries, farms, shops), and
# homes with a Hubei returnee (a few hundred returnees in the default district, about 0.3 %).
P_MIGRANT = 0.04
P_RETURNEE_HOME = 0.0095
# The household plan published for the people step: one byte per household.
SIZE_MASK, MIGRANT, RETURNEE_HOME = 0x07, 0x08, 0x10


def _present() -> bool:
    """The demo (or any real district) is there when any area exists."""
    from fangkong.places.models import Area

    return Area.all_objects.exists()


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


@demo_step("places", present=_present)
def places_demo(ctx: DemoContext, *, batch: int = 4000) -> None:
    """The area tree level by level, then each grid's households."""
    from fangkong.places.models import Area, Household

    # The seed's own stream (not ctx.rng): the tree of a seed stays what it always was.
    rng = random.Random(ctx.seed)
    plan = build_area_tree(ctx.persons, rng)
    created = AREAS_CREATED.astimezone(dt.UTC)

    def area(code, name, level, parent):
        path = (parent.path if parent else "/") + code + "/"
        return Area(
            code=code,
            name=name,
            level=level,
            parent=parent,
            path=path,
            created_at=created,
            updated_at=created,
        )

    with stored_timestamps(Area, Household):
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
        ctx.count("areas", 1 + len(towns) + len(units) + len(grids))

        first_pk = pk = next_id(Household)
        flags = bytearray()
        where: dict[int, tuple[str, str]] = {}
        pending: list = []
        for t in plan:
            for u in t["units"]:
                for g in u["grids"]:
                    where[g["area"].pk] = (t["name"], u["name"])
                    for hh, flag in _grid_households(g, u, t, rng):
                        hh.pk = pk
                        pk += 1
                        pending.append(hh)
                        flags.append(flag)
                        if len(pending) >= batch:
                            write_rows(Household, pending)
                            pending.clear()
            ctx.say(f"town {t['name']}: {pk - first_pk} households so far")
        write_rows(Household, pending)
        reset_sequences(Household)
    ctx.count("households", pk - first_pk)
    ctx.data["places.households"] = {"first_pk": first_pk, "flags": flags, "where": where}
    ctx.data["places.jurisdictions"] = _jurisdictions(plan)


def _jurisdictions(plan: list[dict]) -> dict[str, list[str]]:
    """Named areas for the demo users' grants: the district, each town, the first village of
    the first town and two of its grids, the first community of the second town."""
    codes = {"district": [DISTRICT_CODE]}
    for i, t in enumerate(plan):
        codes[f"town:{i}"] = [t["code"]]
    village = plan[0]["units"][0]
    codes["village:0"] = [village["code"]]
    codes["grids:0"] = [g["code"] for g in village["grids"][:2]]
    units = plan[1]["units"]
    codes["community:1"] = [next((u for u in units if u["community"]), units[0])["code"]]
    return codes


def _grid_households(g, u, t, rng: random.Random):
    """Households of one grid until its person quota is met, each with its plan byte."""
    from fangkong.places.models import Household

    new_household = factory(Household)
    count = seq = 0
    while count < g["quota"]:
        seq += 1
        size = rng.choices(*HOUSEHOLD_SIZES)[0]
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
        migrant = rng.random() < P_MIGRANT
        returnee_home = not migrant and rng.random() < P_RETURNEE_HOME
        created = story_time(rng, dt.date(2020, 1, 25), dt.date(2020, 2, 8))
        hh = new_household(
            area_id=g["area"].pk,
            number=f"{seq:04d}",
            address=address,
            created_at=created,
            updated_at=created,
        )
        count += size
        yield hh, size | (MIGRANT if migrant else 0) | (RETURNEE_HOME if returnee_home else 0)
