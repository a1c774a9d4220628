"""Export and import columns taken from a model's ``ModelKit``: one declaration, no column lists.

Exports: the header is the field's ``verbose_name``; the cell is derived from the field's type
(foreign key → its natural key or name, choices → label, bool → yes/no, dates ISO, many-to-many
→ joined names). Personal data is masked **by field type**: every ``EncryptedTextField`` is a
sensitive column, masked with the function of its ``SENSITIVE`` purpose unless the export is
unmasked (which ``core.exports`` permits only with ``core.view_sensitive`` over every record and a
reason, and logs). No module writes a value function for a column, so no column can be forgotten.

Imports: the columns are the kit's ``fields``; foreign keys are written as natural keys (an area
by its code, a household by its number within the row's area) resolved inside the uploader's
jurisdiction; every row is validated by the kit's ``check`` (the service's ``*_check``) and the
rows are written by the kit's ``create``. Natural keys are declared by the app that owns the
target model (``register_natural_key`` in its ``kit.py``), so core imports no domain app.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from fangkong.core.exports import ExportColumn, Exporter
from fangkong.core.fields import EncryptedTextField
from fangkong.core.imports import Importer
from fangkong.core.kit import ModelKit
from fangkong.core.sensitive import MASKERS
from fangkong.core.xlsx import Column

# Words accepted for yes and no in a sheet, besides "yes"/"no" in the reader's language.
YES_WORDS = {"是", "yes", "y", "1", "true", "常住", "√", "✓"}
NO_WORDS = {"否", "no", "n", "0", "false", "非常住", "×"}
LIST_SEPARATOR = "、"
_LIST_SPLIT = re.compile(r"[、,，;；\s]+")


# --------------------------------------------------------------------------- natural keys


@dataclass(frozen=True)
class NaturalKey:
    """How a model is named in a sheet, declared by the app that owns the model.

    ``to_text(obj)`` is the cell of an export. ``resolver(actor=, perm=)`` is called once per
    import run and returns ``resolve(text, row) -> obj``: ``row`` holds the fields of the same
    row resolved so far (in the kit's field order, so a household can be looked up in the row's
    area); it raises ``ValidationError`` with the specific reason (unknown, outside your areas).
    """

    model: type[models.Model]
    to_text: Callable[[models.Model], str]
    resolver: Callable[..., Callable[[str, dict], models.Model | None]]
    help: str = ""
    example: str = ""
    width: int = 16


_NATURAL_KEYS: dict[type[models.Model], NaturalKey] = {}


def register_natural_key(key: NaturalKey) -> NaturalKey:
    _NATURAL_KEYS[key.model] = key
    return key


def natural_key(model: type[models.Model]) -> NaturalKey | None:
    return _NATURAL_KEYS.get(model)


# --------------------------------------------------------------------------- field kinds


def is_sensitive(field: models.Field) -> bool:
    """Personal data is recognised by its type, not by a flag someone may forget to set."""
    return isinstance(field, EncryptedTextField)


def masker(model: type[models.Model], field: models.Field) -> Callable[[str], str]:
    """The mask of the field's ``SENSITIVE`` purpose; an encrypted field without a declared
    purpose is hidden entirely (safe by default)."""
    spec = getattr(model, "SENSITIVE", {}).get(field.name)
    if spec is not None and spec[2] in MASKERS:
        return MASKERS[spec[2]]
    return lambda value: "******" if value else ""


def _yes_no(value: bool) -> str:
    return str(_("yes") if value else _("no"))


def _local_iso(value: dt.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")


def _width(field: models.Field) -> int:
    if is_sensitive(field):
        return 20
    if isinstance(field, models.BooleanField):
        return 8
    if isinstance(field, models.DateTimeField):
        return 18
    if isinstance(field, models.DateField):
        return 12
    max_length = getattr(field, "max_length", None) or 20
    return max(8, min(30, max_length // 5 + 6))


def _header(field: models.Field) -> str:
    return capfirst(field.verbose_name)


def _cell_getter(model: type[models.Model], field: models.Field) -> Callable[[Any, bool], Any]:
    """(record, unmasked) -> cell, chosen once per column from the field's type."""
    name = field.name
    if is_sensitive(field):
        mask = masker(model, field)

        def sensitive(obj, unmasked):
            value = getattr(obj, name) or ""
            return value if unmasked else mask(value)

        return sensitive
    if field.many_to_many:
        key = natural_key(field.related_model)
        text = key.to_text if key else str
        return lambda obj, _u: LIST_SEPARATOR.join(text(o) for o in getattr(obj, name).all())
    if field.is_relation:
        key = natural_key(field.related_model)
        text = key.to_text if key else str

        def related(obj, _u):
            if getattr(obj, field.attname) is None:
                return ""
            return text(getattr(obj, name))

        return related
    if field.choices:
        display = f"get_{name}_display"
        return lambda obj, _u: str(getattr(obj, display)()) if getattr(obj, name) else ""
    if isinstance(field, models.BooleanField):
        return lambda obj, _u: _yes_no(getattr(obj, name))
    if isinstance(field, models.DateTimeField):
        return lambda obj, _u: _local_iso(v) if (v := getattr(obj, name)) else ""
    if isinstance(field, models.DateField):
        return lambda obj, _u: v.isoformat() if (v := getattr(obj, name)) else ""
    return lambda obj, _u: "" if (v := getattr(obj, name)) is None else v


def export_columns(kit: ModelKit) -> list[ExportColumn]:
    """The kit's fields and extra columns as export columns (header, cell, sensitivity)."""
    model = kit.model
    columns = []
    for name in (*kit.fields, *kit.extra_columns):
        field = model._meta.get_field(name)
        columns.append(
            ExportColumn(
                Column(name, _header(field), width=_width(field)),
                _cell_getter(model, field),
                sensitive=is_sensitive(field),
            )
        )
    return columns


class KitExporter(Exporter):
    """An ``Exporter`` whose columns come from ``kit``. Subclass with ``key``, ``title``, ``kit``
    (registration in ``core.exports.EXPORTERS`` happens on subclassing, as for any exporter)."""

    kit: ModelKit

    @cached_property
    def columns(self) -> list[ExportColumn]:  # type: ignore[override]
        return export_columns(self.kit)

    def queryset(self, *, actor, params: dict) -> models.QuerySet:
        queryset = self.kit.selector(actor=actor, filters=params)
        meta = self.kit.model._meta
        names = (*self.kit.fields, *self.kit.extra_columns)
        related = [n for n in names if meta.get_field(n).many_to_one]
        many = [n for n in names if meta.get_field(n).many_to_many]
        return queryset.select_related(*related).prefetch_related(*many)


# --------------------------------------------------------------------------- imports


@dataclass
class ImportField:
    """One import column bound to its model field and its parser."""

    field: models.Field
    column: Column


def _help_now(field: models.Field) -> str:
    if field.many_to_many:
        key = natural_key(field.related_model)
        return str(key.help) if key else ""
    if field.is_relation:
        key = natural_key(field.related_model)
        return str(key.help) if key else ""
    if field.choices:
        return "、".join(str(label) for _v, label in field.flatchoices)
    if isinstance(field, models.BooleanField):
        default = _("yes") if field.get_default() else _("no")
        return _("yes/no (是/否); empty means %(default)s.") % {"default": default}
    if isinstance(field, models.DateField):
        return _("Date as YYYY-MM-DD.")
    return str(field.help_text or "")


# Columns are built once per process; their help is translated when shown, in the reader's language.
_help = lazy(_help_now, str)


def _example(field: models.Field) -> str:
    if field.is_relation:
        key = natural_key(field.related_model)
        return key.example if key else ""
    return ""


def _required(field: models.Field) -> bool:
    if field.many_to_many or isinstance(field, models.BooleanField):
        return False
    return not field.blank


def import_fields(kit: ModelKit) -> list[ImportField]:
    exclude = set(kit.options.get("import_exclude", ()))
    out = []
    for name in kit.fields:
        if name in exclude:
            continue
        field = kit.model._meta.get_field(name)
        key = natural_key(field.related_model) if field.is_relation else None
        column = Column(
            name,
            _header(field),
            required=_required(field),
            help=_help(field),
            example=_example(field),
            width=key.width if key else _width(field),
        )
        out.append(ImportField(field, column))
    return out


def parse_yes_no(field: models.Field, text: str) -> bool:
    value = text.strip().lower()
    if not value:
        return bool(field.get_default())
    if value in YES_WORDS or value == str(_("yes")).lower():
        return True
    if value in NO_WORDS or value == str(_("no")).lower():
        return False
    raise ValidationError(_("Write yes or no (是/否), not %(v)s.") % {"v": text})


def parse_choice(field: models.Field, text: str):
    """A choice by its stored value or by its label in any interface language."""
    from django.conf import settings
    from django.utils import translation

    value = text.strip()
    if not value:
        return field.get_default() if field.has_default() else ""
    for stored, label in field.flatchoices:
        if value == str(stored):
            return stored
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                if value.lower() == str(label).lower():
                    return stored
    raise ValidationError(
        _("%(value)s is not one of: %(choices)s.")
        % {"value": value, "choices": "、".join(str(label) for _v, label in field.flatchoices)}
    )


def parse_date(text: str) -> dt.date | None:
    value = text.strip()
    if not value:
        return None
    # A date cell of Excel arrives as "2020-01-25 00:00:00"; typed dates as 2020-01-25 or 2020/1/25.
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?", value)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            pass
    raise ValidationError(_("%(value)s is not a date; write it as YYYY-MM-DD.") % {"value": value})


class KitImporter(Importer):
    """An ``Importer`` whose columns, validation and writes come from ``kit``.

    Subclass with ``key``, ``title`` and ``kit``. ``kit.options["import_unique"]`` lists field
    tuples that must not repeat within one file (the database would refuse the second row only
    at commit, after the whole file was checked).
    """

    kit: ModelKit

    @cached_property
    def fields(self) -> list[ImportField]:
        return import_fields(self.kit)

    @cached_property
    def columns(self) -> list[Column]:  # type: ignore[override]
        return [f.column for f in self.fields]

    def start(self, actor) -> dict[str, Any]:
        perm = self.kit.perm("add")
        resolvers = {}
        for item in self.fields:
            if item.field.is_relation:
                key = natural_key(item.field.related_model)
                if key is None:
                    raise LookupError(f"{item.field.related_model} has no natural key for imports")
                resolvers[item.field.name] = key.resolver(actor=actor, perm=perm)
        return {"resolvers": resolvers, "seen": {}}

    def _parse(self, item: ImportField, text: str, data: dict, context: dict):
        field = item.field
        if field.many_to_many:
            resolve = context["resolvers"][field.name]
            found, messages = [], []
            for part in filter(None, _LIST_SPLIT.split(text)):
                try:
                    found.append(resolve(part, data))
                except ValidationError as exc:
                    messages.extend(exc.messages)
            if messages:
                raise ValidationError(messages)
            return found
        if field.is_relation:
            if not text:
                return None
            return context["resolvers"][field.name](text, data)
        if field.choices:
            return parse_choice(field, text)
        if isinstance(field, models.BooleanField):
            return parse_yes_no(field, text)
        if isinstance(field, models.DateField):
            return parse_date(text)
        if isinstance(field, models.IntegerField):
            if not text:
                return None
            try:
                return int(text)
            except ValueError:
                raise ValidationError(
                    _("%(value)s is not a whole number.") % {"value": text}
                ) from None
        return text

    def prepare(self, row, *, actor, context):
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {}
        for item in self.fields:
            name = item.field.name
            try:
                data[name] = self._parse(item, row.get(name, ""), data, context)
            except ValidationError as exc:
                errors[name] = exc.messages
                data[name] = [] if item.field.many_to_many else None
        try:
            checked = self.kit.check(actor=actor, data=data) or data
        except ValidationError as exc:
            # A field already rejected by the sheet's own reading is not reported twice.
            for key, messages in exc.message_dict.items():
                if key not in errors:
                    errors[key] = messages
            checked = data
        self._check_repeats(checked, data, errors, context)
        if errors:
            raise ValidationError(errors)
        return data

    def _check_repeats(self, checked: dict, data: dict, errors: dict, context: dict) -> None:
        for fields in self.kit.options.get("import_unique", ()):
            values = tuple(checked.get(f, data.get(f)) for f in fields)
            if any(v in (None, "") for v in values) or any(f in errors for f in fields):
                continue
            values = tuple(getattr(v, "pk", v) for v in values)
            seen = context["seen"].setdefault(fields, {})
            if values in seen:
                labels = "、".join(
                    str(self.kit.model._meta.get_field(f).verbose_name) for f in fields
                )
                errors.setdefault(fields[-1], []).append(
                    _("The same %(fields)s is already in an earlier row of this file (%(row)s).")
                    % {"fields": labels, "row": seen[values]}
                )
            else:
                first = data.get(self.kit.fields[0])
                seen[values] = str(first) if first not in (None, "") else "—"

    def commit(self, prepared, *, actor, context):
        for data in prepared:
            self.kit.create(actor=actor, data=data)
        return len(prepared)
