"""Batch create for field records: ``POST /api/v1/<api_path>/batch`` (see docs/batch-writes.md).

Phones send what they collected (passages, checks, visits, new persons) in batches of up to
500 records, each with the client's own id for it, and must be able to resend a batch whose
answer was lost. The answer is per record, in the order sent::

    {"results": [{"client_id": "...", "status": "stored" | "already_stored" | "rejected"
                  | "conflict", "id": 123 | null, "errors": {"field": ["message"]}}]}

- **stored**: written now; ``id`` is the new record's.
- **already_stored**: this user already stored a record under this ``client_id`` on this route
  (a retry); ``id`` is that record's, nothing is written again.
- **rejected**: the record is invalid or outside the user's jurisdiction; ``errors`` says why,
  beside each field. Fix it and send it again (with the same ``client_id``).
- **conflict**: the record clashes with a stored one (an ID number already registered, or
  registered by an earlier record of the same batch). Resending will not help: search, merge or
  ask for a transfer instead.

Good records are kept even when others in the batch are bad: every bad record is listed and
nothing of it is written; the good ones are stored together in one transaction.

How the work is bounded (one batch costs about a dozen SQL statements, whatever its size):

- idempotency: one lookup of the batch's client ids in ``BatchReceipt`` (unique per user,
  route and client id). The receipts are inserted *first* in the write transaction, so a
  concurrent retry of the same batch blocks on the unique index until this one commits, then
  rolls back and answers "already stored" from the committed receipts;
- each record is validated by the kit's ``check`` (the services' rules, no copy of them) with
  the database-wide duplicate checks left to one query for the whole batch (``ModelKit.unique``);
- related ids are resolved with one scoped query per related model, and the jurisdiction is
  checked in memory against the user's grant paths (no query per row);
- the records go in with ``bulk_create`` and their change-history rows with simple_history's
  ``bulk_history_create`` (``bulk_create_with_history``), many-to-many links with one insert.

The batch writes through bulk inserts, not the per-record create service, so code that must see
each new record listens to ``records_created`` (sent inside the batch's transaction; the kept
per-area counts of ``places.counts`` do).
"""

import inspect
from collections.abc import Iterable
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ValidationError as PydanticValidationError
from simple_history.utils import bulk_create_with_history

from fangkong.core.api_errors import (
    NON_FIELD,
    _pydantic_message,
    ninja_field_name,
    validation_errors,
)
from fangkong.core.api_schemas import ERROR_RESPONSES, InputSchema
from fangkong.core.models import BatchReceipt
from fangkong.core.scoping import grant_paths, holds_anywhere
from fangkong.core.services import scope_path_in_memory
from fangkong.core.sql import update_from_values

MAX_RECORDS = 500
MAX_CLIENT_ID = 64
STORED, ALREADY_STORED, REJECTED, CONFLICT = "stored", "already_stored", "rejected", "conflict"

# sender=model, objs=[the stored records], actor=user; sent inside the batch's transaction
# (receivers that notify anyone should use transaction.on_commit).
records_created = Signal()


class BatchIn(InputSchema):
    # Any, not dict: a record that is not an object is rejected alone, not the whole batch.
    records: list[Any] = Field(
        min_length=1,
        max_length=MAX_RECORDS,
        description=f"Up to {MAX_RECORDS} records, each the body of a single create plus "
        f"'client_id' (the client's own id for the record, 1–{MAX_CLIENT_ID} characters).",
    )


class BatchResultOut(Schema):
    client_id: str | None
    status: Literal["stored", "already_stored", "rejected", "conflict"]
    id: int | None = None
    errors: dict[str, list[str]] = Field(default_factory=dict)


class BatchOut(Schema):
    results: list[BatchResultOut]


class _Row:
    __slots__ = ("client_id", "status", "id", "errors", "body", "data", "m2m", "obj")

    def __init__(self, client_id: str | None):
        self.client_id = client_id
        self.status: str | None = None
        self.id: int | None = None
        self.errors: dict[str, list[str]] = {}
        self.body: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.m2m: dict[str, list] = {}
        self.obj: models.Model | None = None

    @property
    def pending(self) -> bool:
        return self.status is None

    def reject(self, errors: dict[str, list[str]], status: str = REJECTED) -> None:
        self.status, self.errors = status, errors

    def answer(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "status": self.status,
            "id": self.id,
            "errors": self.errors,
        }


class _Reserved(Exception):
    """A concurrent request committed receipts for some of this batch's client ids."""


def add_batch_route(router: Router, api, *, base: str, name: str, module: str) -> None:
    kit = api.kit

    def batch_view(request, payload: BatchIn):
        # Someone who may add these records nowhere is refused outright (403, logged), as a
        # single create is; rows outside the areas where they may add are rejected one by one.
        if not holds_anywhere(request.auth, kit.perm("add")):
            raise PermissionDenied
        results = batch_create(api, actor=request.auth, route=kit.api_path, records=payload.records)
        return {"results": results}

    batch_view.__name__ = batch_view.__qualname__ = name
    batch_view.__module__ = module
    router.post(
        f"{base}/batch",
        response={200: BatchOut, **ERROR_RESPONSES},
        summary=f"Register up to {MAX_RECORDS} {kit.model._meta.verbose_name_plural} at once "
        "(field records; one answer per record; safe to resend)",
    )(batch_view)


def batch_create(api, *, actor, route: str, records: list[Any]) -> list[dict[str, Any]]:
    """Store the valid, new records of a batch; answer for every record in order."""
    kit = api.kit
    rows = _parse(api, records)
    for _attempt in range(3):
        _mark_already_stored(actor, route, rows)
        _resolve(api, actor, [r for r in rows if r.pending])
        _check(api, actor, [r for r in rows if r.pending])
        _check_unique(kit, [r for r in rows if r.pending])
        ready = [r for r in rows if r.pending]
        try:
            _store(kit, actor, route, ready)
        except _Reserved:
            for row in ready:
                row.data, row.m2m, row.obj = {}, {}, None
            continue  # another request stored some of them: read its receipts again
        break
    else:  # three lost races in a row: say so per record rather than guess
        for row in rows:
            if row.pending:
                row.reject(
                    {NON_FIELD: [_("Another request is storing this record; send it again.")]},
                    CONFLICT,
                )
    _mark_stored_meanwhile(actor, route, rows)
    return [row.answer() for row in rows]


# Steps ------------------------------------------------------------------------------------------


def _parse(api, records: list[Any]) -> list[_Row]:
    """One row per record: its client id and the create body, checked by the create schema."""
    rows, seen = [], set()
    for record in records:
        if not isinstance(record, dict):
            row = _Row(None)
            row.reject({NON_FIELD: [_("Send each record as a JSON object.")]})
            rows.append(row)
            continue
        body = dict(record)
        client_id = body.pop("client_id", None)
        if isinstance(client_id, int) and not isinstance(client_id, bool):
            client_id = str(client_id)
        row = _Row(client_id.strip() if isinstance(client_id, str) else None)
        rows.append(row)
        if not row.client_id or len(row.client_id) > MAX_CLIENT_ID:
            row.reject(
                {
                    "client_id": [
                        _("Give each record a client_id of 1 to %(n)d characters.")
                        % {"n": MAX_CLIENT_ID}
                    ]
                }
            )
            continue
        if row.client_id in seen:
            row.reject({"client_id": [_("This client_id appears twice in this batch.")]})
            continue
        seen.add(row.client_id)
        try:
            payload = api.create_in.model_validate(body)
        except PydanticValidationError as exc:
            errors: dict[str, list[str]] = {}
            for error in exc.errors():
                field = ninja_field_name(error.get("loc", ()), set())
                errors.setdefault(field, []).append(_pydantic_message(error))
            row.body = {"__invalid__": errors}
            continue
        row.body = payload.model_dump(exclude_unset=True)
    return rows


def _mark_already_stored(actor, route: str, rows: list[_Row]) -> None:
    """Rows whose client id this user already stored on this route: one query."""
    ids = [r.client_id for r in rows if r.client_id and (r.pending or r.body.get("__invalid__"))]
    if not ids:
        return
    stored = _stored_receipts(actor, route, ids)
    for row in rows:
        if row.client_id in stored and (row.pending or row.body.get("__invalid__")):
            row.status, row.id, row.errors = ALREADY_STORED, stored[row.client_id], {}
        elif row.pending and "__invalid__" in row.body:
            row.reject(row.body["__invalid__"])


def _mark_stored_meanwhile(actor, route: str, rows: list[_Row]) -> None:
    """Refused rows whose client id a concurrent retry of this batch stored meanwhile: "already
    stored", not "conflict". The retry commits its receipts with its records, so a record seen
    by the duplicate check (after this request's first receipt lookup) has its receipt
    visible now. One query, only when some row was refused."""
    mine = {r.client_id for r in rows if r.status == STORED}  # a repeated id stays refused
    refused = {
        r.client_id: r
        for r in rows
        if r.client_id and r.status in (CONFLICT, REJECTED) and r.client_id not in mine
    }
    if not refused:
        return
    for client_id, object_id in _stored_receipts(actor, route, list(refused)).items():
        row = refused[client_id]
        row.status, row.id, row.errors = ALREADY_STORED, object_id, {}


def _stored_receipts(actor, route: str, client_ids: list[str]) -> dict[str, int]:
    """Client id -> record id of the committed receipts of ``actor`` on ``route``: one query."""
    return dict(
        BatchReceipt.objects.filter(
            user=actor, route=route, client_id__in=client_ids, object_id__isnull=False
        ).values_list("client_id", "object_id")
    )


def _resolve(api, actor, rows: list[_Row]) -> None:
    """Related ids to records: one scoped query per related model for the whole batch."""
    from fangkong.core.kit.api import _scoped_manager

    found: dict[str, dict[int, models.Model]] = {}
    for f in api.fields:
        if f.kind not in ("fk", "m2m"):
            continue
        wanted: set[int] = set()
        for row in rows:
            value = row.body.get(f.api_name)
            if f.kind == "fk" and value is not None:
                wanted.add(value)
            elif f.kind == "m2m" and value:
                wanted.update(value)
        if not wanted:
            found[f.api_name] = {}
            continue
        manager = (
            _scoped_manager(f.related_model, actor)
            if f.kind == "fk"
            else f.related_model._default_manager.all()
        )
        found[f.api_name] = {obj.pk: obj for obj in manager.filter(pk__in=wanted)}
    for row in rows:
        data, errors = {}, {}
        for f in api.fields:
            if f.api_name not in row.body:
                continue
            value = row.body[f.api_name]
            if f.kind == "fk":
                if value is None:
                    data[f.name] = None
                elif value in found[f.api_name]:
                    data[f.name] = found[f.api_name][value]
                else:
                    errors[f.api_name] = [
                        _("No such %(thing)s in your area of responsibility.")
                        % {"thing": f.related_model._meta.verbose_name}
                    ]
            elif f.kind == "m2m":
                missing = sorted(set(value or ()) - set(found[f.api_name]))
                if missing:
                    errors[f.api_name] = [
                        _("No such %(thing)s: %(ids)s.")
                        % {
                            "thing": f.related_model._meta.verbose_name,
                            "ids": ", ".join(map(str, missing)),
                        }
                    ]
                else:
                    row.m2m[f.name] = [found[f.api_name][pk] for pk in dict.fromkeys(value or ())]
            else:
                data[f.name] = "" if value is None and f.kind in ("text", "encrypted") else value
        if errors:
            row.reject(errors)
        else:
            row.data = data


def _check(api, actor, rows: list[_Row]) -> None:
    """Each record through the kit's ``check`` and the model's own field rules, and inside the
    actor's jurisdiction (in memory, from the grant paths)."""
    kit, model = api.kit, api.kit.model
    names = api.field_names
    fk_names = [f.name for f in model._meta.fields if f.many_to_one]
    paths = None if getattr(actor, "is_superuser", False) else grant_paths(actor, kit.perm("add"))
    # A check that cannot skip its duplicate queries still works, one query per row.
    skip_unique = {"unique": False} if _takes_unique(kit.check) else {}
    for row in rows:
        try:
            fields = kit.check(actor=actor, data=dict(row.data), **skip_unique)
            obj = model(**fields)
            missing = {
                f.name: [_("This field is required.")]
                for f in model._meta.fields
                if f.many_to_one and not f.null and getattr(obj, f.attname) is None
            }
            if missing:
                raise ValidationError(missing)
            # Related records were resolved above (in scope); uniqueness is checked for the
            # whole batch at once and by the database, so neither costs a query per row here.
            obj.full_clean(exclude=fk_names, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = validation_errors(exc)
            row.reject({names.get(k, k): v for k, v in errors.items()})
            continue
        if paths is not None and not _covers(paths, obj):
            area_field = names.get("area", "area")
            row.reject(
                {area_field: [_("This record would be outside your area of responsibility.")]}
            )
            continue
        if hasattr(obj, "refresh_sensitive_indexes"):
            obj.refresh_sensitive_indexes()
        row.obj = obj


def _takes_unique(check) -> bool:
    params = inspect.signature(check).parameters
    return "unique" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _covers(paths: Iterable[str], obj: models.Model) -> bool:
    path = scope_path_in_memory(obj)  # related records were resolved above: no query
    return bool(path) and any(path.startswith(p) for p in paths)


def _unique_column(model: type[models.Model], name: str) -> tuple[str, Any]:
    sensitive = getattr(model, "SENSITIVE", {})
    if name in sensitive:
        column, _suffix, purpose = sensitive[name]
        return column, lambda obj: getattr(obj, column)
    return name, lambda obj: getattr(obj, name)


def _check_unique(kit, rows: list[_Row]) -> None:
    """``ModelKit.unique`` for all rows: one query per unique field, then within the batch."""
    model = kit.model
    for name in kit.unique:
        column, value_of = _unique_column(model, name)
        values = {value_of(r.obj) for r in rows if r.pending and value_of(r.obj)}
        if not values:
            continue
        taken = set(
            model._default_manager.filter(**{f"{column}__in": values}).values_list(
                column, flat=True
            )
        )
        label = model._meta.get_field(name).verbose_name
        for row in rows:
            value = value_of(row.obj) if row.pending else None
            if not value:
                continue
            if value in taken:
                message = _("A %(thing)s with this %(field)s is already registered.") % {
                    "thing": model._meta.verbose_name,
                    "field": label,
                }
                row.reject({name: [message]}, CONFLICT)
            else:
                taken.add(value)  # a later record of this batch with it is a conflict


def _store(kit, actor, route: str, rows: list[_Row]) -> list[models.Model]:
    """Reserve the client ids, insert records, history and links: one transaction."""
    if not rows:
        return []
    model = kit.model
    with transaction.atomic():
        receipts = [BatchReceipt(user=actor, route=route, client_id=r.client_id) for r in rows]
        try:
            # First, so that a concurrent retry of this batch waits here until we commit.
            receipts = BatchReceipt.objects.bulk_create(receipts)
        except IntegrityError:
            raise _Reserved from None  # leaves the transaction: nothing of it is kept
        try:
            with transaction.atomic():
                bulk_create_with_history(
                    [r.obj for r in rows],
                    model,
                    batch_size=MAX_RECORDS,
                    default_user=actor,
                    default_change_reason="batch",
                )
        except IntegrityError:
            # A unique rule of the database caught what the batch's own check could not see
            # (a record stored by another request meanwhile): find the rows one by one.
            _store_one_by_one(model, actor, rows)
        stored = [(r, receipt) for r, receipt in zip(rows, receipts, strict=True) if r.obj.pk]
        for row, receipt in stored:
            row.status, row.id = STORED, row.obj.pk
            receipt.object_id = row.obj.pk
        _set_object_ids([(receipt.pk, row.obj.pk) for row, receipt in stored])
        unused = [receipt.pk for r, receipt in zip(rows, receipts, strict=True) if not r.obj.pk]
        if unused:
            BatchReceipt.objects.filter(pk__in=unused).delete()
        _link_many(model, [row for row, _receipt in stored])
        created = [row.obj for row, _receipt in stored]
        if created:
            # In the transaction: receivers keep derived tables (kept counts) exact with it.
            records_created.send(sender=model, objs=created, actor=actor)
    return created


def _set_object_ids(pairs: list[tuple[int, int]]) -> None:
    """Receipt id -> record id in one ``UPDATE ... FROM (VALUES ...)``; ``bulk_update`` would
    build a CASE per row, the batch's slowest step."""
    update_from_values(
        BatchReceipt,
        rows=pairs,
        types=("bigint", "bigint"),
        assignments="object_id = v.column2",
        match="{t}.id = v.column1",
    )


def _store_one_by_one(model, actor, rows: list[_Row]) -> None:
    for row in rows:
        row.obj.pk = None
        row.obj._state.adding = True
        try:
            with transaction.atomic():
                bulk_create_with_history(
                    [row.obj], model, default_user=actor, default_change_reason="batch"
                )
        except IntegrityError:
            row.obj.pk = None
            row.reject(
                {
                    NON_FIELD: [
                        _("This record clashes with one stored at the same moment; search for it.")
                    ]
                },
                CONFLICT,
            )


def _link_many(model, rows: list[_Row]) -> None:
    """Many-to-many links of the new records: one insert per relation."""
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        source = field.m2m_field_name()
        target = field.m2m_reverse_field_name()
        links = [
            through(**{f"{source}_id": row.obj.pk, f"{target}_id": other.pk})
            for row in rows
            for other in row.m2m.get(field.name, ())
        ]
        if links:
            through.objects.bulk_create(links)
