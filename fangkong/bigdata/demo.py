"""The big-data part of the Datonghu demo: two carrier lists (China Telecom, 27 January 2020;
China Mobile, 3 February 2020, overlapping the first), imported through the real import
pipeline, with most leads verified by the grid workers within a day.

Rows: the Hubei returnees of the people step (tagged 湖北返乡) and other residents who passed
through Hubei, most matched by phone; some listed under a new number with a common name and
their village (ambiguous: several namesakes); some unknown numbers (unmatched: to their town
when the phone's registered area names it, else to the district pool).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

from fangkong.core.kit.demo import TZ_CN, DemoContext, demo_step

LISTS = (
    ("电信湖北来区人员名单（1月27日）", "telecom", dt.date(2020, 1, 27), 0.55),
    ("移动湖北来区人员名单（2月3日）", "mobile", dt.date(2020, 2, 3), 0.45),
)
SOURCE = "省疫情防控指挥部大数据组"
ORIGINS = (
    "湖北省武汉市",
    "湖北省武汉市",
    "湖北省孝感市",
    "湖北省黄冈市",
    "湖北省荆州市",
    "湖北省岳阳过境",
)
OUTCOMES = (("key_person", 0.5), ("present", 0.25), ("left", 0.15), ("wrong_number", 0.1))


@demo_step("bigdata", after=("people", "users"))
def bigdata_demo(ctx: DemoContext) -> None:
    from fangkong.bigdata.importing import import_file
    from fangkong.bigdata.models import CarrierList, VerificationTask
    from fangkong.core.jobfiles import write_private
    from fangkong.core.models import User
    from fangkong.people.models import Person
    from fangkong.places.models import Area

    rng = ctx.rng("bigdata")
    district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("code").first()
    if district is None:
        return
    towns = list(Area.objects.filter(parent=district).values_list("name", flat=True))
    tagged = list(
        Person.objects.filter(tags__name="湖北返乡", deleted_at__isnull=True).values_list(
            "id", flat=True
        )
    )
    size = max(300, min(3000, ctx.persons // 40))
    others = list(
        Person.objects.filter(deleted_at__isnull=True)
        .exclude(phone_bidx="")
        .order_by("id")
        .values_list("id", flat=True)[: size * 20]
    )[::10]
    pool = tagged + rng.sample(others, min(len(others), max(0, size - len(tagged))))
    people = {p.pk: p for p in Person.objects.filter(pk__in=pool).select_related("area__parent")}
    namesakes = _namesakes(rng)
    office = User.objects.filter(username="office").first()
    workers = list(User.objects.filter(username__in=("grid_worker", "village_cadre")))
    first_rows: list[list] = []
    for index, (name, carrier, day, share) in enumerate(LISTS):
        chosen = [people[pk] for pk in pool if pk in people and rng.random() < share + 0.3]
        if index == 1:  # the second list repeats a third of the first one's people
            chosen += rng.sample(first_rows, min(len(first_rows), len(chosen) // 3))
        rows = []
        for p in chosen:
            if isinstance(p, list):
                rows.append(p)
                continue
            arrival = day - dt.timedelta(days=rng.randint(1, 9))
            rows.append(
                [
                    p.phone,
                    p.name if rng.random() < 0.7 else "",
                    p.id_number if rng.random() < 0.2 else "",
                    arrival.isoformat(),
                    rng.choice(ORIGINS),
                    "益阳",
                    "",
                ]
            )
        if index == 0:
            first_rows = [r for r in rows if rng.random() < 0.4]
        for name_, village in namesakes[: 12 + index * 6]:  # ambiguous: namesakes in a village
            rows.append(
                [
                    f"13{rng.randrange(10**9):09d}",
                    name_,
                    "",
                    (day - dt.timedelta(days=3)).isoformat(),
                    rng.choice(ORIGINS),
                    "益阳",
                    village,
                ]
            )
        for _n in range(max(10, len(rows) // 25)):  # unmatched numbers
            region = rng.choice([*towns, "益阳", "湖北武汉", ""])
            rows.append(
                [
                    f"15{rng.randrange(10**9):09d}",
                    "",
                    "",
                    (day - dt.timedelta(days=2)).isoformat(),
                    rng.choice(ORIGINS),
                    region,
                    "",
                ]
            )
        rows.append(["1380000", "号码不全", "", day.isoformat(), "武汉", "", ""])  # rejected
        rng.shuffle(rows)
        received = dt.datetime.combine(day, dt.time(9, 30), TZ_CN)
        carrier_list = CarrierList.objects.create(
            area=district,
            name=name,
            carrier=carrier,
            source=SOURCE,
            list_date=day,
            received_at=received,
            created_at=received,
        )
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            ["序号", "手机号码", "姓名", "身份证号", "到达日期", "来源地", "号码归属地", "村"]
        )
        writer.writerows([i + 1, *r] for i, r in enumerate(rows))
        path = write_private(f"in-{uuid.uuid4().hex}", buffer.getvalue().encode("gb18030"))
        try:
            import_file(carrier_list, Path(path), f"{name}.csv")
        finally:
            Path(path).unlink(missing_ok=True)
        ctx.count(f"carrier list rows ({carrier})", len(rows))
    # Grid workers verified most leads within a day of each list; a few are still open.
    tasks = list(VerificationTask.objects.select_related("carrier_list"))
    for task in tasks:
        received = task.carrier_list.received_at
        task.created_at = received
        task.due_at = received + dt.timedelta(hours=24)
        if task.person_id and rng.random() < 0.9 or not task.person_id and rng.random() < 0.5:
            task.status = VerificationTask.Status.VERIFIED
            task.outcome = _pick(rng, OUTCOMES)
            task.verified_at = received + dt.timedelta(minutes=rng.randint(90, 30 * 60))
            task.verified_by = rng.choice(workers) if workers else office
    VerificationTask.objects.bulk_update(
        tasks,
        ["created_at", "due_at", "status", "outcome", "verified_at", "verified_by"],
        batch_size=1000,
    )
    ctx.count("verification tasks", len(tasks))


def _pick(rng, weighted):
    r, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if r < acc:
            return value
    return weighted[-1][0]


def _namesakes(rng) -> list[tuple[str, str]]:
    """(name, village) pairs that name two or more persons of one village."""
    from django.db.models import Count

    from fangkong.people.models import Person

    rows = (
        Person.objects.filter(deleted_at__isnull=True)
        .values("name", "area__parent__name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "name")[:40]
    )
    return [(r["name"], r["area__parent__name"]) for r in rows]
