"""Search-as-you-type choices of the observation module (persons, key persons, observations,
sites): a district holds far too many to list as options."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError

from fangkong.core.kit.choices import ChoiceSource, register_source, source_for
from fangkong.core.validators import mask_resident_id


def _person_search(queryset, query: str, params: dict):
    from fangkong.people.filtersets import search_q

    try:
        return search_q(queryset, query) if query else queryset.order_by("-id")
    except ValidationError:
        return queryset.none()


def _person_labels(people, lang):
    return [f"{p.name} {mask_resident_id(p.id_number or '')} ({p.area.name})" for p in people]


def _by_person(field: str):
    def search(queryset, query: str, params: dict):
        if not query:
            return queryset.order_by("-id")
        Person = apps.get_model("people", "Person")
        people = _person_search(Person.objects.all(), query, params)
        return queryset.filter(**{f"{field}__in": people.values("pk")}).order_by("-id")

    return search


def register() -> None:
    Person = apps.get_model("people", "Person")
    # The person registry has no choice source of its own yet; the key-person form needs one.
    if source_for(Person) is None:
        register_source(
            ChoiceSource(
                model_key="people.person",
                search=_person_search,
                labels=_person_labels,
                prepare=lambda qs: qs.select_related("area"),
            )
        )


KEY_PERSONS = register_source(
    ChoiceSource(
        model_key="observation.keyperson",
        search=_by_person("person"),
        labels=lambda records, lang: [
            f"{r.person.name} · {r.category} · {r.get_status_display()}" for r in records
        ],
        prepare=lambda qs: qs.select_related("person", "category"),
    )
)

OBSERVATIONS = register_source(
    ChoiceSource(
        model_key="observation.observation",
        search=_by_person("person"),
        labels=lambda records, lang: [
            f"{r.person.name} · {r.start_date}–{r.planned_end_date} · {r.get_status_display()}"
            for r in records
        ],
        prepare=lambda qs: qs.select_related("person"),
    )
)

SITES = register_source(
    ChoiceSource(
        model_key="observation.observationsite",
        search=lambda qs, q, params: (qs.filter(name__icontains=q) if q else qs).order_by("name"),
        labels=lambda records, lang: [r.name for r in records],
    )
)
