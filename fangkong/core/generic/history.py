"""A record's change history, which never reveals protected numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.core.fields import EncryptedTextField

# --------------------------------------------------------------------------- history

HIDDEN_HISTORY_FIELDS = {"version", "updated_at", "created_at", "id"}


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""
    secret: bool = False  # an encrypted number: say "changed", never show a value


@dataclass
class HistoryEntry:
    when: Any
    who: str
    kind: str  # "created", "changed", "deleted"
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    record_label: str = ""


def secret_fields(model: type[models.Model]) -> tuple[set[str], set[str]]:
    """(encrypted fields, their blind-index/suffix companions) of ``model``."""
    encrypted = {f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)}
    companions = set()
    for name in encrypted:
        companions |= {f"{name}_bidx", f"{name}_suffix"}
    for _field, spec in getattr(model, "SENSITIVE", {}).items():
        companions |= {spec[0], spec[1]}
    companions |= {
        f.name
        for f in model._meta.fields
        if f.name.endswith(("_bidx", "_suffix")) and f.name not in encrypted
    }
    return encrypted, companions


def _display(model_field, value, user, fk_labels: dict) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return fk_labels.get((model_field.related_model, value), f"#{value}")
    if isinstance(model_field, models.DateTimeField) and isinstance(value, datetime):
        # As every other time on the page: local, to the minute (not UTC with microseconds).
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(model_field, models.DateField) and isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fk_labels(model, records, user) -> dict:
    """Labels of FK targets in the history, looked up within the user's scope only."""
    wanted: dict[type, set] = {}
    for f in model._meta.fields:
        if isinstance(f, models.ForeignKey) and f.name not in ("merged_into",):
            ids = {getattr(r, f.attname) for r in records} - {None}
            if ids:
                wanted.setdefault(f.related_model, set()).update(ids)
    labels = {}
    for related, ids in wanted.items():
        manager = getattr(related, "all_objects", related._base_manager)
        qs = manager.filter(pk__in=ids)
        if hasattr(qs, "restrict") and related._meta.label != "places.Area":
            qs = qs.restrict(user, "view")  # an out-of-scope household's address stays hidden
        for obj in qs:
            labels[(related, obj.pk)] = str(obj)
    return labels


def history_entries(obj: models.Model, user, *, limit: int = 100) -> list[HistoryEntry]:
    """The change history of ``obj`` newest first: who, when, and which fields went old → new.

    Encrypted fields show only "changed"; their blind-index and suffix columns are never shown.
    """
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    encrypted, companions = secret_fields(model)
    fk_labels = _fk_labels(model, records, user)
    fields = {f.name: f for f in model._meta.fields}
    entries = []
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    for i, record in enumerate(records[:limit]):
        entry = HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else _("system"),
            kind=str(kinds.get(record.history_type, record.history_type)),
            reason=record.history_change_reason or "",
        )
        previous = records[i + 1] if i + 1 < len(records) else None
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=HIDDEN_HISTORY_FIELDS)
            secret_changed = set()
            for change in delta.changes:
                name = change.field
                if name in companions:
                    continue
                model_field = fields.get(name)
                if model_field is None:
                    continue
                label = str(model_field.verbose_name)
                if name in encrypted:
                    secret_changed.add(name)
                    entry.changes.append(Change(label, secret=True))
                elif name == "deleted_at":
                    entry.changes.append(
                        Change(_("deleted"), "—", _("yes") if change.new else _("no"))
                    )
                elif name != "deleted_reason":
                    entry.changes.append(
                        Change(
                            label,
                            _display(model_field, change.old, user, fk_labels),
                            _display(model_field, change.new, user, fk_labels),
                        )
                    )
            # A changed blind index means the number changed even if the ciphertext compare
            # could not tell (e.g. rows written before a key rotation).
            for name in encrypted - secret_changed:
                companion = next(
                    (s[0] for f, s in getattr(model, "SENSITIVE", {}).items() if f == name),
                    f"{name}_bidx",
                )
                if hasattr(record, companion) and getattr(record, companion) != getattr(
                    previous, companion
                ):
                    entry.changes.append(Change(str(fields[name].verbose_name), secret=True))
            if getattr(record, "deleted_at", None) and not getattr(previous, "deleted_at", None):
                entry.kind = str(kinds["-"])
                entry.reason = entry.reason or getattr(record, "deleted_reason", "")
        entries.append(entry)
    return entries
