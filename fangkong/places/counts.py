"""Kept per-area counts: home and the area browser read a few hundred rows, not a million.

A model joins by declaring ``counted=True`` in its ``ModelKit`` (persons and households do);
it must belong to an area through its ``area`` field. ``places.AreaCount`` then holds, per
area and kind, how many live (not soft-deleted) records sit directly in that area:

- every ``save()`` and ``delete()`` of a counted model adjusts the rows in the same transaction
  (signals, so no service has to remember it: create, edit that moves a person, soft delete,
  merge and the retention purge are all covered);
- writers that bypass signals (``bulk_create``, ``QuerySet.update`` of ``area`` or
  ``deleted_at``, COPY in the demo loader) call ``adjust()`` or end with ``refresh()``
  (``manage.py refresh_counts``);
- readers sum the rows under a path prefix, within the reader's own grants
  (``subtree_totals``), so a grid worker sees the totals of their grids only.

Own rows rather than subtree totals: moving an area in the tree changes no kept figure.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Substr
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from fangkong.core.scoping import area_prefix_q, covers_every_area, grant_paths, permission_name
from fangkong.core.sql import update_from_values

_UNKNOWN = object()
_counted: dict[type[models.Model], str] | None = None


def counted_models() -> dict[type[models.Model], str]:
    """Counted model -> its kind (``app_label.model_name``), from the kit declarations."""
    global _counted
    if _counted is None:
        if not apps.ready:
            return {}
        from fangkong.core.kit import all_kits

        _counted = {kit.model: kit.key for kit in all_kits() if getattr(kit, "counted", False)}
    return _counted


def kind_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _live(instance) -> bool:
    return getattr(instance, "deleted_at", None) is None


def _state(instance):
    """``(area_id, live)`` as loaded, without loading deferred fields (``_UNKNOWN`` then)."""
    values = instance.__dict__
    if "area_id" not in values or (
        hasattr(type(instance), "deleted_at") and "deleted_at" not in values
    ):
        return _UNKNOWN
    return values["area_id"], values.get("deleted_at") is None


def _remember(sender, instance, **kwargs):
    if sender in counted_models():
        instance._fk_count_state = _state(instance)


def _saved(sender, instance, created, raw=False, **kwargs):
    kind = counted_models().get(sender)
    if kind is None or raw:
        return
    new = (instance.area_id, _live(instance))
    old = None if created else getattr(instance, "_fk_count_state", _UNKNOWN)
    instance._fk_count_state = new
    if old is _UNKNOWN:
        # Loaded with the area or deletion mark deferred: the old place is unknown, so count
        # the new one afresh (it includes this very write).
        _recount(sender, kind, [new[0]])
        return
    deltas: Counter = Counter()
    if old is not None and old[1]:
        deltas[old[0]] -= 1
    if new[1]:
        deltas[new[0]] += 1
    adjust(sender, deltas)


def _deleted(sender, instance, **kwargs):
    if sender in counted_models() and _live(instance):
        adjust(sender, {instance.area_id: -1})


def connect() -> None:
    """Called once from ``PlacesConfig.ready``; receivers filter on ``counted_models()``."""
    post_init.connect(_remember, dispatch_uid="fk-counts-init")
    post_save.connect(_saved, dispatch_uid="fk-counts-save")
    post_delete.connect(_deleted, dispatch_uid="fk-counts-delete")
    from fangkong.core.kit.batch import records_created

    records_created.connect(_bulk_created, dispatch_uid="fk-counts-batch")


def _bulk_created(sender, objs, **kwargs):
    # Batch writes (core.kit.batch) insert with bulk_create, which sends no post_save.
    if sender in counted_models():
        adjust(sender, Counter(obj.area_id for obj in objs if _live(obj)))


def _live_rows(model: type[models.Model]) -> models.QuerySet:
    qs = model._base_manager.all()
    if hasattr(model, "deleted_at"):
        qs = qs.filter(deleted_at__isnull=True)
    return qs


def _table() -> tuple[str, type[models.Model]]:
    from fangkong.places.models import AreaCount

    return connection.ops.quote_name(AreaCount._meta.db_table), AreaCount


def adjust(model: type[models.Model], deltas: dict[int, int]) -> None:
    """Add ``deltas`` (area id -> change) to the kept counts of ``model``, in the caller's
    transaction. For writers that bypass ``save()`` (bulk inserts of field records).

    Rows are locked in area id order (one ``SELECT ... FOR UPDATE``), so that two writers
    touching the same areas cannot deadlock, then changed by one ``UPDATE ... FROM (VALUES
    ...)``: a batch spread over many grids costs two statements, not one per grid. An area
    without a row yet gets one holding its exact count (this write included).
    """
    kind = kind_of(model)
    table, AreaCount = _table()
    now = timezone.now()
    changes = sorted((a, d) for a, d in deltas.items() if d and a is not None)
    if not changes:
        return
    if len(changes) == 1:  # a single save: one UPDATE, as before
        area_id, delta = changes[0]
        updated = AreaCount.objects.filter(area_id=area_id, kind=kind).update(
            n=F("n") + delta, updated_at=now
        )
        if not updated:
            _insert_exact(model, kind, area_id, delta, now)
        return
    present = set(
        AreaCount.objects.select_for_update()
        .filter(kind=kind, area_id__in=[a for a, _d in changes])
        .order_by("area_id")
        .values_list("area_id", flat=True)
    )
    rows = [(a, d) for a, d in changes if a in present]
    at = AreaCount._meta.get_field("updated_at").get_db_prep_save(now, connection)
    update_from_values(
        AreaCount,
        rows=rows,
        types=("integer", "integer"),
        assignments="n = {t}.n + v.column2, updated_at = %s",
        match="{t}.area_id = v.column1 AND {t}.kind = %s",
        before=[at],
        after=[kind],
    )
    for area_id, delta in changes:
        if area_id not in present:
            _insert_exact(model, kind, area_id, delta, now)


def _insert_exact(model, kind: str, area_id: int, delta: int, now: dt.datetime) -> None:
    table, AreaCount = _table()
    exact = _live_rows(model).filter(area_id=area_id).count()
    at = AreaCount._meta.get_field("updated_at").get_db_prep_save(now, connection)
    # A concurrent writer may insert the row first; its exact count cannot include this
    # (uncommitted) write, so the conflict branch adds this write's delta. The table name is
    # the model's own (quoted); every value is a parameter.
    with connection.cursor() as cursor:
        sql = (
            f"INSERT INTO {table} (area_id, kind, n, updated_at) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (area_id, kind) DO UPDATE SET n = {table}.n + %s, "
            "updated_at = excluded.updated_at"
        )
        cursor.execute(
            sql,
            [area_id, kind, exact, at, delta],
        )


def _recount(model, kind: str, area_ids: list[int]) -> None:
    _table_name, AreaCount = _table()
    now = timezone.now()
    for area_id in sorted(set(area_ids)):
        exact = _live_rows(model).filter(area_id=area_id).count()
        AreaCount.objects.update_or_create(
            area_id=area_id, kind=kind, defaults={"n": exact, "updated_at": now}
        )


@transaction.atomic
def refresh() -> dict[str, int]:
    """Recount every counted kind in every area; returns kind -> total live records.

    The kept rows are locked first (PostgreSQL), so a write that lands while this runs is
    either counted here or adjusts the fresh row after it: never lost, never twice.
    """
    from fangkong.places.models import Area

    table, AreaCount = _table()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    now = timezone.now()
    area_ids = list(Area.all_objects.values_list("pk", flat=True))
    totals = {}
    for model, kind in counted_models().items():
        got = dict(
            _live_rows(model)
            .order_by()
            .values("area_id")
            .annotate(c=Count("pk"))
            .values_list("area_id", "c")
        )
        AreaCount.objects.bulk_create(
            [AreaCount(area_id=a, kind=kind, n=got.get(a, 0), updated_at=now) for a in area_ids],
            update_conflicts=True,
            unique_fields=["area", "kind"],
            update_fields=["n", "updated_at"],
            batch_size=1000,
        )
        totals[kind] = sum(got.values())
    return totals


def _scope(actor, model: type[models.Model]) -> Q | None:
    """The kept rows ``actor`` may sum for ``model`` (``None``: none), as ``restrict`` scopes
    the records themselves: by the areas under the actor's view grants."""
    from fangkong.places.models import Area

    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.is_superuser:
        return Q()
    paths = grant_paths(actor, permission_name(model, "view"))
    if not paths:
        return None
    if covers_every_area(actor, paths):
        return Q()
    return Q(area_id__in=Area.objects.filter(area_prefix_q(paths)).values("id"))


def subtree_totals(
    *, actor, model: type[models.Model], areas: list
) -> tuple[dict[int, int], dt.datetime | None]:
    """Live records of ``model`` under each of ``areas`` (whole subtree) that ``actor`` may
    see, from the kept rows; and the time of the latest change among the rows summed."""
    from fangkong.places.models import AreaCount

    totals: dict[int, int] = defaultdict(int)
    wanted = {a.path: a.pk for a in areas}
    scope = _scope(actor, model)
    if not areas or scope is None:
        return dict(totals), None
    common = _common_prefix([a.path for a in areas])
    by_length: dict[int, list[str]] = defaultdict(list)
    for path in wanted:
        by_length[len(path)].append(path)
    as_of = None
    # One grouped query per path length (per level: codes have a fixed length per level), so
    # the database sums the kept rows and only the few requested totals travel.
    for length, paths in by_length.items():
        rows = (
            AreaCount.objects.filter(scope, kind=kind_of(model), area__path__startswith=common)
            .annotate(prefix=Substr("area__path", 1, length))
            .filter(prefix__in=paths)
            .order_by()
            .values("prefix")
            .annotate(total=Sum("n"), at=Max("updated_at"))
            .values_list("prefix", "total", "at")
        )
        for prefix, total, at in rows:
            totals[wanted[prefix]] += total or 0
            if at is not None and (as_of is None or at > as_of):
                as_of = at
    return dict(totals), as_of


def scoped_total(*, actor, model: type[models.Model]) -> int | None:
    """All live records of ``model`` in ``actor``'s scope, from the kept rows; ``None`` when
    the model is not counted (the caller then counts the queryset itself)."""
    from fangkong.places.models import AreaCount

    if model not in counted_models():
        return None
    scope = _scope(actor, model)
    if scope is None:
        return 0
    got = AreaCount.objects.filter(scope, kind=kind_of(model)).aggregate(total=Sum("n"))
    return got["total"] or 0


def _common_prefix(paths: list[str]) -> str:
    import os

    common = os.path.commonprefix(paths)
    return common[: common.rfind("/") + 1]
