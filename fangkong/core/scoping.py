"""Jurisdiction scoping: the one mechanism that decides which records a user may touch.

A user holds role grants ``(role, area)``. Everything that lists, shows, exports or chooses scoped
records goes through this module's public API (after NetBox's ``RestrictedQuerySet``):

- ``restrict(queryset, user, action)`` / ``Model.objects.restrict(user, action)``: only the
  records whose scope path lies at or below an area where the user holds a role with the
  ``<app>.<action>_<model>`` permission;
- ``areas_for(user, perm)``: the areas in which the user holds ``perm`` (form choices, importers,
  grantable areas);
- ``covers(user, perm, obj)``: whether one object lies inside the user's areas for ``perm``
  (masking, granting checks), read from the object's scope path without a query;
- ``user_can(user, action, obj)``: the re-check after every write, in the database;
- ``get_in_scope(...)``: fetch one record or refuse, the same rule for the UI and the API.

**Scope paths.** A model says how its records reach an area with ``scope_path``: the lookup of
the area's materialised path. ``"area__path"`` is the default (``ScopedModel``); the area model
itself has ``"path"``; a record scoped through a related record declares e.g.
``"checkpoint__area__path"`` instead of copying an ``area`` column onto every row.

Core never imports the app that holds the area tree: the area model is
``settings.FANGKONG_AREA_MODEL`` (default ``"places.Area"``), loaded lazily by ``area_model()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_SCOPE_PATH = "area__path"


def area_model_label() -> str:
    return getattr(settings, "FANGKONG_AREA_MODEL", "places.Area")


def area_model() -> type[models.Model]:
    """The model of the area tree (``settings.FANGKONG_AREA_MODEL``), resolved when needed."""
    return apps.get_model(area_model_label(), require_ready=False)


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


# --------------------------------------------------------------------------- grants


def minimal_paths(paths: set[str]) -> list[str]:
    """Drop paths already covered by an ancestor path, so the scope filter stays short."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(parent) for parent in kept):
            kept.append(path)
    return kept


def _is_active_user(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def grant_paths(user, perm: str) -> list[str]:
    """Area paths in which ``user`` holds an *active* (approved, not revoked) role carrying
    ``perm`` (cached on the user object). Low level: prefer ``areas_for``/``covers``/``restrict``.
    """
    if not _is_active_user(user):
        return []
    cache = getattr(user, "_fk_scope_cache", None)
    if cache is None:
        from fangkong.core.models import RoleGrant

        cache = {}
        rows = (
            RoleGrant.objects.active()
            .filter(user=user)
            .values_list(
                "area__path",
                "role__group__permissions__content_type__app_label",
                "role__group__permissions__codename",
            )
        )
        for path, app_label, codename in rows:
            if app_label and path:
                cache.setdefault(f"{app_label}.{codename}", set()).add(path)
        cache = {key: minimal_paths(value) for key, value in cache.items()}
        user._fk_scope_cache = cache
    return cache.get(perm, [])


def holds_anywhere(user, perm: str) -> bool:
    """Whether ``user`` holds ``perm`` in at least one area (or is a superuser)."""
    if not _is_active_user(user):
        return False
    return bool(user.is_superuser or grant_paths(user, perm))


def covers_every_area(user, paths: list[str]) -> bool:
    """Whether ``paths`` take in the whole area tree, so that the scope filter would exclude
    nothing (a district commander where the database holds one district).

    Skipping the filter then spares the planners an ``IN (subquery)`` over every area, which
    misleads them into walking all persons area by area. Any area outside the paths, or any
    soft-deleted area (whose records are hidden by the filter), keeps the filter on. Cached on
    the user object for the request, like the grants.
    """
    cache = getattr(user, "_fk_scope_cache", None)
    key = ("covers-all", *paths)
    if cache is not None and key in cache:
        return cache[key]
    outside = area_model()._base_manager.filter(~area_prefix_q(paths) | Q(deleted_at__isnull=False))
    answer = not outside.exists()
    if cache is not None:
        cache[key] = answer
    return answer


def clear_scope_cache(user) -> None:
    for attr in ("_fk_scope_cache", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def area_prefix_q(paths: list[str], field: str = "path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


# --------------------------------------------------------------------------- scope paths


def scope_path_of(model: type[models.Model]) -> str:
    """The lookup from ``model`` to its area's path (``scope_path``, default ``area__path``)."""
    return getattr(model, "scope_path", DEFAULT_SCOPE_PATH)


def scope_q(model: type[models.Model], paths: list[str]) -> Q:
    """The filter keeping ``model``'s records under one of ``paths``.

    For ``<relation>__path`` the filter is ``<relation> IN (areas under the paths)``: for the
    default ``area__path`` that is today's index-friendly ``area_id IN (subquery)`` with no join,
    and the subquery's default manager leaves out soft-deleted areas. ``path`` (the area model
    itself) is a prefix match on the path column.
    """
    path = scope_path_of(model)
    if path == "path":
        return area_prefix_q(paths, "path")
    if path.endswith("__path"):
        relation = path[: -len("__path")]
        areas = area_model().objects.filter(area_prefix_q(paths)).values("id")
        return Q(**{f"{relation}__in": areas})
    return area_prefix_q(paths, path)


def scope_path_value(obj: models.Model) -> str | None:
    """The area path ``obj`` belongs to, walking its scope path (``None`` if any link is empty).

    Reads related objects the caller already loaded (select_related), else one query a link.
    """
    value: Any = obj
    for part in scope_path_of(type(obj)).split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value if isinstance(value, str) else None


def scope_area_id_of(obj: models.Model) -> int | None:
    """The id of the area ``obj`` belongs to through its scope path, or ``None``.

    The last hop reads the foreign key's id column, so a record scoped by its own ``area``
    costs no query (an export logs thousands of them).
    """
    parts = scope_path_of(type(obj)).split("__")
    if parts == ["path"]:
        return obj.pk
    value: Any = obj
    for part in parts[:-2]:
        value = getattr(value, part, None)
        if value is None:
            return None
    return getattr(value, f"{parts[-2]}_id", None) if len(parts) >= 2 else None


# --------------------------------------------------------------------------- the public API


def areas_for(user, perm: str) -> models.QuerySet:
    """The (not deleted) areas at or below an area where ``user`` holds ``perm``."""
    Area = area_model()
    if not _is_active_user(user):
        return Area.objects.none()
    if user.is_superuser:
        return Area.objects.all()
    paths = grant_paths(user, perm)
    if not paths:
        return Area.objects.none()
    return Area.objects.filter(area_prefix_q(paths))


def covers(user, perm: str, obj: models.Model) -> bool:
    """Whether ``user`` holds ``perm`` in an area covering ``obj`` (through its scope path).

    An object whose scope path leads nowhere (no area) is covered only for superusers.
    """
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    path = scope_path_value(obj)
    if not path:
        return False
    return any(path.startswith(p) for p in grant_paths(user, perm))


def covers_all(user, perm: str, queryset: models.QuerySet) -> bool:
    """Whether ``user`` holds ``perm`` over every record of ``queryset`` (one ``EXISTS``)."""
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    paths = grant_paths(user, perm)
    if not paths:
        return False
    if covers_every_area(user, paths):
        return True
    return not queryset.exclude(scope_q(queryset.model, paths)).exists()


def restrict(
    queryset: models.QuerySet, user, action: str = "view", *, perm: str | None = None
) -> models.QuerySet:
    """Only the records of ``queryset`` that ``user`` may ``action`` (view/add/change/delete),
    or that lie in the user's areas for ``perm`` when given. Works for any model with a
    ``scope_path`` (or an ``area``), not only ``ScopedModel`` subclasses."""
    if not _is_active_user(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    paths = grant_paths(user, perm or permission_name(queryset.model, action))
    if not paths:
        return queryset.none()
    if covers_every_area(user, paths):
        return queryset
    return queryset.filter(scope_q(queryset.model, paths))


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view", *, perm: str | None = None) -> ScopedQuerySet:
        """Only the records ``user`` may ``action`` (view/add/change/delete) in their areas."""
        return restrict(self, user, action, perm=perm)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Default manager of scoped models: soft-deleted rows are invisible."""

    def get_queryset(self):
        qs = super().get_queryset()
        if any(f.name == "deleted_at" for f in self.model._meta.fields):
            qs = qs.filter(deleted_at__isnull=True)
        return qs


class AllObjectsManager(models.Manager.from_queryset(ScopedQuerySet)):
    """Includes soft-deleted rows: for history, merges and the retention purge only."""


def user_can(user, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may ``action`` this very object (the re-check after every write)."""
    manager = type(obj)._base_manager
    qs = manager.get_queryset().filter(pk=obj.pk)
    return restrict(qs, user, action).exists()


def may_open(user, url: str) -> bool:
    """Whether ``user`` may open the record page at ``url`` (a link kept in an alert, say), so
    that a page never offers a link that answers 404 or 403.

    A module kit's record page (``core.kit.views``) is judged by the rule its view applies:
    the record is among those ``user`` may view. Any other page decides for itself when
    opened, so it counts as open here. One ``EXISTS`` for a kit page, none otherwise."""
    from django.urls import Resolver404, resolve

    if not url:
        return False
    try:
        match = resolve(url.split("?", 1)[0])
    except Resolver404:
        return False
    kit = getattr(match.func, "view_initkwargs", {}).get("kit")
    pk = match.kwargs.get("pk")
    if kit is None or pk is None:
        return True
    return restrict(kit.model._default_manager.filter(pk=pk), user, "view").exists()


# --------------------------------------------------------------------------- fetch or refuse


def get_in_scope(
    *,
    model: type[models.Model],
    user,
    action: str,
    pk: Any,
    lookup: Callable[[str], models.Model],
    request=None,
) -> models.Model:
    """The one rule for fetching a record for ``action``, shared by the UI and the API.

    - Not there, and there but outside every area of the user: ``Http404`` for both, so that
      the answer never tells whether the record exists (an existing one is logged as a refusal).
    - There and visible to the user, but not ``action``-able (may view, not change):
      ``PermissionDenied`` (403), logged. The user already sees the record, so a 404 would hide
      nothing and only make a refused edit look like a vanished record; "forbidden" tells them
      to ask someone with the right role.

    ``lookup(action)`` returns the record scoped for ``action`` or raises ``DoesNotExist``
    (a selector in the API, ``restrict().get(pk=…)`` in views).
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from fangkong.core.signals import log_denied

    label = f"{model._meta.label_lower}#{pk}"
    try:
        return lookup(action)
    except model.DoesNotExist:
        pass
    if action != "view":
        try:
            lookup("view")
        except model.DoesNotExist:
            pass
        else:
            if request is not None:
                log_denied(request, f"{action} {label}")
            raise PermissionDenied(refusal_message(action))
    # Existence only, to decide whether the refusal is worth logging; nothing is returned.
    if request is not None and model._base_manager.filter(pk=pk).exists():
        log_denied(request, f"{action} {label} (out of scope)")
    raise Http404(label)


def refusal_message(action: str) -> str:
    from django.utils.translation import gettext as _

    if action == "change":
        return _("You may not change this record.")
    if action == "delete":
        return _("You may not delete this record.")
    return _("You may not do this with this record.")
