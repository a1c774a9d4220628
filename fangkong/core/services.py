"""Write helpers every domain service uses: create, versioned update, soft delete, scope re-check.

Each runs in one transaction, records who made the change in the history, and checks after the
write that the record still lies inside the writer's jurisdiction (NetBox's ObjectEditView).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.exceptions import StaleVersion
from fangkong.core.scoping import (
    grant_paths,
    permission_name,
    scope_path_of,
    user_can,
)

M = TypeVar("M", bound=models.Model)


def scope_path_in_memory(obj: models.Model) -> str | None:
    """The area path ``obj`` belongs to, walking its scope path through related records already
    in memory only (never a query); None when a link is not loaded, empty, or leads to a
    soft-deleted area (whose records nobody may add to or change)."""
    value: Any = obj
    for part in scope_path_of(type(obj)).split("__"):
        if part == "path":
            if getattr(value, "deleted_at", None) or not getattr(value, "path", ""):
                return None
            return value.path
        field = value._meta.get_field(part)
        if not field.many_to_one:
            return None
        value = value._state.fields_cache.get(part)  # loaded, not fetched
        if value is None:
            return None
    return None


def _covers_in_memory(actor, action: str, obj: models.Model) -> bool | None:
    """Whether ``actor`` may ``action`` ``obj``, decided from the related records in memory and
    the grant paths cached on the user; None when that cannot be told without a query."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    path = scope_path_in_memory(obj)
    if path is None:
        return None
    return any(path.startswith(p) for p in grant_paths(actor, permission_name(type(obj), action)))


def ensure_in_scope(actor, action: str, obj: models.Model) -> None:
    """Raise (and so roll back) if ``obj`` is outside the areas where ``actor`` may ``action``.

    Decided in memory when the record's area is loaded (it always is right after a write: the
    caller assigned it), so the re-check costs no query; otherwise through ``restrict()``."""
    allowed = _covers_in_memory(actor, action, obj)
    if allowed is None:
        allowed = user_can(actor, action, obj)
    if not allowed:
        raise _out_of_scope()


def _out_of_scope() -> ValidationError:
    return ValidationError(
        {"area": _("This record would be outside your area of responsibility.")},
        code="out_of_scope",
    )


def _loaded_relations(obj: models.Model) -> list[str]:
    # A foreign key given as a record read from the database exists: full_clean's check of it
    # would only repeat that read (one query per key). Scope is checked separately.
    cache = obj._state.fields_cache
    return [
        f.name
        for f in obj._meta.fields
        if f.many_to_one
        and isinstance(cache.get(f.name), models.Model)
        and not cache[f.name]._state.adding
    ]


def _full_clean(obj: models.Model, checked: Iterable[str] = ()) -> None:
    """``full_clean()`` without the existence query of foreign keys given as loaded records;
    uniqueness and constraints are still checked on every field but ``checked`` (fields whose
    uniqueness the caller has checked itself, and the database enforces)."""
    errors: dict = {}
    checked = set(checked)
    for step in (
        lambda: obj.clean_fields(exclude=_loaded_relations(obj)),
        obj.clean,
        lambda: obj.validate_unique(exclude=checked),
        lambda: obj.validate_constraints(exclude=checked),
    ):
        try:
            step()
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _save(obj: models.Model, actor) -> None:
    _full_clean(obj)
    obj._history_user = actor
    obj.save()


def _known_many(obj: models.Model, m2m: dict[str, Any]) -> None:
    """A new record's many-to-many values are what was just written: cache them as if
    prefetched, so that answering with the record reads nothing back."""
    for field in obj._meta.many_to_many:
        values = list(m2m.get(field.name) or [])
        qs = field.related_model._default_manager.none() if not values else None
        if qs is None:
            qs = field.related_model._default_manager.filter(pk__in=[v.pk for v in values])
            qs._result_cache, qs._prefetch_done = values, True
        obj._prefetched_objects_cache = getattr(obj, "_prefetched_objects_cache", {})
        obj._prefetched_objects_cache[field.name] = qs


def create_record(
    model: type[M],
    *,
    actor,
    m2m: dict[str, Any] | None = None,
    unique_checked: Iterable[str] = (),
    **fields,
) -> M:
    """Validate and insert a record, then confirm the actor may hold it where it landed.

    ``unique_checked`` names fields whose uniqueness the caller has checked itself and the
    database enforces (the caller turns its ``IntegrityError`` into the same answer): their
    unique and constraint checks are not run again here.

    Validation and the scope check run before anything is written, from what is in memory, so
    the insert needs no savepoint of its own (the caller's transaction holds it) and nothing is
    read back. Only a record whose scope cannot be told in memory is re-checked after the
    insert, inside a savepoint."""
    obj = model(**fields)
    _full_clean(obj, unique_checked)
    allowed = _covers_in_memory(actor, "add", obj)
    if allowed is False:
        raise _out_of_scope()
    with transaction.atomic(savepoint=allowed is None):
        obj._history_user = actor
        obj.save()
        for name, values in (m2m or {}).items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            # A new record has no links yet: insert them without set()'s read of the old ones.
            through.objects.bulk_create(
                [through(**{f"{source}_id": obj.pk, f"{target}_id": v.pk}) for v in set(values)]
            )
        if allowed is None:
            ensure_in_scope(actor, "add", obj)
    _known_many(obj, m2m or {})
    return obj


@transaction.atomic
def update_record(
    obj: M,
    *,
    actor,
    expected_version: int | None,
    changes: dict[str, Any],
    m2m: dict[str, Any] | None = None,
    recheck_actor=None,
) -> M:
    """Apply ``changes`` if the stored version is still ``expected_version``.

    A stale version raises ``StaleVersion`` carrying the current record, so that a late phone
    sync never overwrites somebody else's change silently. ``None`` skips the check (server-side
    jobs that hold the row lock themselves).

    The record must be the actor's to change before the write, and after it the actor's, or
    ``recheck_actor``'s when the change hands the record to someone else (a transfer into
    another area, decided by the area that gives the record away).
    """
    model = type(obj)
    manager = getattr(model, "all_objects", model._default_manager)
    locked = manager.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    ensure_in_scope(actor, "change", locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.version += 1
    _save(locked, actor)
    for name, values in (m2m or {}).items():
        getattr(locked, name).set(values)
    ensure_in_scope(recheck_actor or actor, "change", locked)
    return locked


@transaction.atomic
def soft_delete_record(
    obj: M,
    *,
    actor,
    reason: str,
    expected_version: int | None = None,
    changes: dict[str, Any] | None = None,
) -> M:
    """Hide a personal record with a reason; the retention command purges it later.

    ``changes`` are written in the same save, so they appear in the same history row (a merge's
    ``merged_into``)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for deleting this record.")})
    model = type(obj)
    locked = model.all_objects.select_for_update().get(pk=obj.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    ensure_in_scope(actor, "delete", locked)
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.deleted_at = timezone.now()
    locked.deleted_reason = reason[:200]
    locked.version += 1
    locked._history_user = actor
    locked._change_reason = reason[:100]
    locked.save()
    return locked
