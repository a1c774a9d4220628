"""Search-as-you-type choice sources of areas and households (see ``core.kit.choices``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from fangkong.core.kit.choices import ChoiceSource, register_source
from fangkong.core.scoping import areas_for
from fangkong.core.text import in_script, pinyin_of
from fangkong.places.models import Area, Household

SEP = " › "
# Pinyin of area names is matched in Python: a district has hundreds of areas, a province a few
# tens of thousands; past this many in scope only names and codes are searched.
PINYIN_SCAN = 20000


def _names_by_code(paths: list[str]) -> dict[str, str]:
    codes = {code for path in paths for code in path.strip("/").split("/")}
    return dict(Area.all_objects.filter(code__in=codes).values_list("code", "name"))


def area_path_labels(areas: list[Area], lang: str | None) -> list[str]:
    """``河坝镇 › 永兴村 › 第3网格``: the path below the district, in the reader's script."""
    names = _names_by_code([a.path for a in areas])
    labels = []
    for area in areas:
        codes = area.path.strip("/").split("/")
        shown = codes[1:] if len(codes) > 1 else codes
        labels.append(SEP.join(in_script(names.get(c, c), lang) for c in shown))
    return labels


def area_tree_labels(areas: list[Area], lang: str | None) -> list[str]:
    """Indented names for a short ``<select>`` in tree order."""
    depths = [a.path.count("/") for a in areas]
    top = min(depths, default=0)
    return [
        "\u3000" * (d - top) + in_script(a.name, lang) for a, d in zip(areas, depths, strict=True)
    ]


def _narrow_areas(queryset: QuerySet, user, params: dict) -> QuerySet:
    perm = params.get("perm", "")
    if perm and not user.is_superuser:
        queryset = queryset.filter(pk__in=areas_for(user, perm).values("pk"))
    levels = [int(v) for v in params.get("levels", "").split(",") if v.strip().isdigit()]
    if levels:
        queryset = queryset.filter(level__in=levels)
    return queryset


def _search_areas(queryset: QuerySet, query: str, params: dict):
    if not query:
        return queryset.order_by("path")
    if query.isdigit():
        return queryset.filter(code__startswith=query).order_by("path")
    if not query.isascii():
        return queryset.filter(name__contains=query).order_by("path")
    low = query.lower().replace(" ", "")
    found = []
    for area in queryset.order_by("path")[:PINYIN_SCAN]:
        full, initials = pinyin_of(area.name)
        if initials.startswith(low) or full.startswith(low):
            found.append(area)
    return found


AREAS = register_source(
    ChoiceSource(
        model_key="places.area",
        search=_search_areas,
        labels=area_path_labels,
        option_labels=area_tree_labels,
        narrow=_narrow_areas,
        prepare=lambda qs: qs.only("id", "code", "name", "path", "level"),
    )
)


def household_labels(households: list[Household], lang: str | None) -> list[str]:
    grids = area_path_labels([h.area for h in households], lang)
    return [
        " · ".join(p for p in (h.number, h.address, h.head_name, grid) if p)
        for h, grid in zip(households, grids, strict=True)
    ]


def _narrow_households(queryset: QuerySet, user, params: dict) -> QuerySet:
    area = params.get("area", "")
    if area.isdigit():
        chosen = Area.objects.restrict(user, "view").filter(pk=int(area)).first()
        queryset = queryset.filter(area__path__startswith=chosen.path) if chosen else queryset
    return queryset


def _search_households(queryset: QuerySet, query: str, params: dict):
    # Newest first: the database walks the primary key and stops at the 21st match instead of
    # sorting every household that contains a common character.
    if not query:
        return queryset.order_by("-id")
    q = Q(number__startswith=query) | Q(head_name__startswith=query)
    if not query.isdigit():
        q |= Q(address__contains=query)
    return queryset.filter(q).order_by("-id")


HOUSEHOLDS = register_source(
    ChoiceSource(
        model_key="places.household",
        search=_search_households,
        labels=household_labels,
        narrow=_narrow_households,
        prepare=lambda qs: qs.select_related("area"),
    )
)
