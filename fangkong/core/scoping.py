"""Jurisdiction scoping: the one mechanism that decides which records a user may touch.

A user holds role grants ``(role, area)``. ``Model.objects.restrict(user, action)`` keeps only the
records whose area lies at or below an area where the user holds a role with the
``<app>.<action>_<model>`` permission (after NetBox's ``RestrictedQuerySet``). Everything that
lists, shows, exports or chooses scoped records goes through it; out-of-scope and missing records
look the same (404).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def minimal_paths(paths: set[str]) -> list[str]:
    """Drop paths already covered by an ancestor path, so the scope filter stays short."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(parent) for parent in kept):
            kept.append(path)
    return kept


def grant_paths(user, perm: str) -> list[str]:
    """Area paths in which ``user`` holds a role carrying ``perm`` (cached on the user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
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
    from fangkong.places.models import Area

    outside = Area.all_objects.filter(~area_prefix_q(paths) | Q(deleted_at__isnull=False))
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


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> ScopedQuerySet:
        """Only the records ``user`` may ``action`` (view/add/change/delete) in their areas."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        paths = grant_paths(user, permission_name(self.model, action))
        if not paths:
            return self.none()
        if covers_every_area(user, paths):
            return self
        return self.filter(self.model.scope_q(paths))


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
    qs = ScopedQuerySet(model=type(obj), using=manager.db).filter(pk=obj.pk)
    return qs.restrict(user, action).exists()
