"""Write helpers every domain service uses: create, versioned update, soft delete, scope re-check.

Each runs in one transaction, records who made the change in the history, and checks after the
write that the record still lies inside the writer's jurisdiction (NetBox's ObjectEditView).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.exceptions import StaleVersion
from fangkong.core.scoping import user_can

M = TypeVar("M", bound=models.Model)


def ensure_in_scope(actor, action: str, obj: models.Model) -> None:
    """Raise (and so roll back) if ``obj`` is outside the areas where ``actor`` may ``action``."""
    if not user_can(actor, action, obj):
        raise ValidationError(
            {"area": _("This record would be outside your area of responsibility.")},
            code="out_of_scope",
        )


def _save(obj: models.Model, actor) -> None:
    obj.full_clean()
    obj._history_user = actor
    obj.save()


@transaction.atomic
def create_record(model: type[M], *, actor, m2m: dict[str, Any] | None = None, **fields) -> M:
    """Validate and insert a record, then confirm the actor may hold it where it landed."""
    obj = model(**fields)
    _save(obj, actor)
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    ensure_in_scope(actor, "add", obj)
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
