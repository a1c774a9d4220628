"""Search-as-you-type choice sources: venues (for orders and inspections), weddings/banquets/
funerals (for follow-up visits) and, unless the people app declares its own, persons (for the
person of a violation). See ``core.kit.choices``: the endpoint answers only from what the user
may view."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q

from fangkong.core.kit.choices import ChoiceSource, register_source, source_for
from fangkong.core.text import in_script
from fangkong.people.models import Person


def _search_venues(queryset, query: str, params: dict):
    if not query:
        return queryset.order_by("-id")
    return queryset.filter(Q(name__contains=query) | Q(address__contains=query)).order_by("name")


VENUES = register_source(
    ChoiceSource(
        model_key="patrols.venue",
        search=_search_venues,
        labels=lambda venues, lang: [
            f"{v.name} · {v.get_kind_display()} · {in_script(v.area.name, lang)}" for v in venues
        ],
        prepare=lambda qs: qs.select_related("area"),
    )
)


def _search_ceremonies(queryset, query: str, params: dict):
    if not query:
        return queryset.order_by("-planned_date", "-id")
    return queryset.filter(Q(hosts__contains=query) | Q(place__contains=query)).order_by(
        "-planned_date", "-id"
    )


CEREMONIES = register_source(
    ChoiceSource(
        model_key="patrols.ceremony",
        search=_search_ceremonies,
        labels=lambda rows, lang: [
            f"{c.planned_date:%Y-%m-%d} {c.get_kind_display()} · {c.hosts} · "
            f"{in_script(c.area.name, lang)}"
            for c in rows
        ],
        prepare=lambda qs: qs.select_related("area"),
    )
)


def _search_persons(queryset, query: str, params: dict):
    from fangkong.people.filtersets import search_q

    if not query:
        return queryset.order_by("-id")
    try:
        return search_q(queryset, query)
    except ValidationError:
        return queryset.none()  # a long number is searched on the person search page only


# The person registry declares no source of its own (yet): one here, so that a violation's
# person is typed and searched, never listed. Should ``people`` register one, it wins.
PERSONS = source_for(Person) or register_source(
    ChoiceSource(
        model_key="people.person",
        search=_search_persons,
        labels=lambda persons, lang: [
            f"{p.name} · {p.masked('id_number') or '—'} · {in_script(p.area.name, lang)}"
            for p in persons
        ],
        prepare=lambda qs: qs.select_related("area"),
    )
)
