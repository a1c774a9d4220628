"""Panels other apps add to a core or base page without that page importing them.

``area_panel(template)`` decorates ``context(request, area) -> dict | None`` in any app (loaded
from the app's ``ready()``); the area page renders ``{% area_panels area %}``, which includes
each registered template with its context (``None``: not shown to this user). The command
app uses it to show who answers for an area (包干)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_AREA_PANELS: list[tuple[str, Callable[[Any, Any], dict | None]]] = []


def area_panel(template: str):
    def decorate(context: Callable[[Any, Any], dict | None]):
        _AREA_PANELS.append((template, context))
        return context

    return decorate


def area_panels() -> list[tuple[str, Callable[[Any, Any], dict | None]]]:
    return list(_AREA_PANELS)
