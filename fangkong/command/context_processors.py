"""The response level in every page's header, from a cache (no query per request): the levels
in effect are a handful of rows, recomputed at most every ``TTL`` seconds and at once after a
level is declared or changed (``services._forget_levels``). The default cache is per process: in
a deployment with several server processes, the others see a change within ``TTL``."""

from django.core.cache import cache

from fangkong.command.services import RESPONSE_LEVEL_CACHE_KEY

TTL = 60


def response_level(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    levels = cache.get(RESPONSE_LEVEL_CACHE_KEY)
    if levels is None:
        from fangkong.command.selectors import current_levels

        levels = current_levels()
        cache.set(RESPONSE_LEVEL_CACHE_KEY, levels, TTL)
    if not levels:
        return {}
    # Everyone sees the level; only those who may open the list (its own rule) get a link.
    linked = user.has_perm("command.view_responselevel")
    return {"response_level": _level_for(user, levels), "response_level_linked": linked}


def _level_for(user, levels: list[dict]) -> dict:
    # One district per installation is the common case; with several, the first whose tree
    # holds one of the user's grants (their grants are already read for the menu).
    if len(levels) > 1:
        from fangkong.core.models import RoleGrant

        paths = set(
            RoleGrant.objects.active().filter(user=user).values_list("area__path", flat=True)
        )
        for level in levels:
            if any(p.startswith(level["path"]) or level["path"].startswith(p) for p in paths):
                return level
    return levels[0]
