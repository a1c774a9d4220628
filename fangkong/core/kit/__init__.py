"""The module kit: a module declares each model once (``ModelKit``) and the kit derives the rest.

A domain app's ``kit.py`` builds one ``ModelKit`` per model it lists and edits, and registers it.
From that single declaration:

- ``core.kit.views``  — scoped list / detail / create / edit / delete pages over a ModelForm
  (version conflicts, history, soft delete and the scope re-check handled once);
- ``core.kit.api``    — an API router (list / detail / create / update / delete, and a batch
  create for field records) with schemas derived from the model and the FilterSet;
- ``core.kit.columns`` — export and import columns taken from the model; personal data is
  masked by its field type, never by a per-column function;
- ``core.kit.demo``   — each module's part of the Datonghu demo, run in dependency order.

The services stay the only writers. The kit calls them through the four callables below, whose
signatures are the contract every module's services (or thin adapters in its ``kit.py``) meet:

- ``create(*, actor, data: dict) -> obj``
- ``update(*, actor, obj, expected_version: int | None, data: dict) -> obj``
- ``delete(*, actor, obj, reason: str, expected_version: int | None) -> obj``
- ``check(*, actor, data: dict, exclude_pk: int | None = None, unique: bool = True) -> dict`` —
  validate as ``create`` would without writing (imports and batch writes); returns the model
  field values ``create`` would store; raises ``ValidationError`` keyed by field. With
  ``unique=False`` it skips the database-wide duplicate checks of the fields named in
  ``ModelKit.unique``: a batch checks those for all its rows in one query.

``data`` maps model field names to Python values (model instances for foreign keys, lists of
instances for many-to-many fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

_KITS: dict[str, ModelKit] = {}


@dataclass(frozen=True)
class ModelKit:
    """Everything the kit needs to know about one model, declared once."""

    model: type[models.Model]
    # The fields a user edits, in form order; forms, API inputs, imports and exports use them.
    fields: tuple[str, ...]
    filterset: type | None = None
    # (actor, filters: dict | None) -> scoped queryset (the app's selector)
    selector: Callable[..., models.QuerySet] | None = None
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., Any] | None = None
    check: Callable[..., dict] | None = None
    # Fields that must be new among live records (a person's ID number). An encrypted field is
    # compared through its blind index. Batch writes check them in one query for all rows.
    unique: tuple[str, ...] = ()
    # Columns shown/exported in addition to ``fields`` (read-only, e.g. "created_at").
    extra_columns: tuple[str, ...] = ()
    # URL namespace of the app's pages ("people") and the API path segment ("persons").
    url_namespace: str = ""
    api_path: str = ""
    # Keep per-area counts of live records (``places.counts``): home, the area browser and
    # unfiltered list pagers read them instead of counting the table. Needs an ``area`` field.
    counted: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def perm(self, action: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{action}_{meta.model_name}"


def ip_kwargs(callback: Callable | None, request) -> dict[str, Any]:
    """``{"ip": ...}`` for a create/update/check callback that takes ``ip`` (the access log of
    duplicate hits records where they came from), else nothing: modules need not take it."""
    if callback is None or request is None:
        return {}
    import inspect

    params = inspect.signature(callback).parameters
    if "ip" not in params and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return {}
    return {"ip": request.META.get("REMOTE_ADDR") or None}


def register(kit: ModelKit) -> ModelKit:
    """Declare a model's kit; a second declaration of the same model is a programming error."""
    if kit.key in _KITS and _KITS[kit.key] is not kit:
        raise ValueError(f"{kit.key} is declared twice")
    _KITS[kit.key] = kit
    return kit


def get_kit(model_or_key: type[models.Model] | str) -> ModelKit:
    key = model_or_key if isinstance(model_or_key, str) else model_or_key._meta.label_lower
    return _KITS[key]


def all_kits() -> list[ModelKit]:
    return list(_KITS.values())
