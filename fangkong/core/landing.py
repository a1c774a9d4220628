"""Where a user lands after logging in, when a module knows better than the home page.

A module registers ``register_landing(url_name, applies=lambda user: ..., order=N)`` (in its
app config's ``ready()``); after login without a ``next`` the first landing (by ``order``)
that applies to the user is where they go — a checkpoint clerk to "my checkpoint, my shift".
Anyone else lands on the home page (``LOGIN_REDIRECT_URL``). The home page stays reachable
from the menu for everyone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Landing:
    url_name: str
    applies: Callable[[Any], bool]
    order: int = 100


_LANDINGS: dict[str, Landing] = {}


def register_landing(url_name: str, *, applies: Callable[[Any], bool], order: int = 100) -> None:
    _LANDINGS[url_name] = Landing(url_name, applies, order)


def landing_url(user) -> str | None:
    """The URL of the first registered landing that applies to ``user``, if any."""
    for landing in sorted(_LANDINGS.values(), key=lambda item: (item.order, item.url_name)):
        try:
            if landing.applies(user):
                return reverse(landing.url_name)
        except NoReverseMatch:
            continue
    return None
