"""Reads of the person registry, always scoped to the actor's jurisdiction."""

from __future__ import annotations

from django.db.models import QuerySet

from fangkong.core.crypto import blind_index
from fangkong.core.scoping import restrict
from fangkong.core.validators import normalize_mobile, normalize_resident_id
from fangkong.people.filtersets import PersonFilterSet, search_q
from fangkong.people.models import Person, Tag, TransferRequest


def person_list(*, actor, filters: dict | None = None) -> QuerySet[Person]:
    # Joined, not prefetched: Django 5.2 prefetches a foreign key with a row-value lookup that
    # SQLite receives as one OR term per household, which fails past ~1,000 (a town's export).
    qs = Person.objects.restrict(actor, "view").select_related("area", "household")
    return PersonFilterSet(filters or {}, queryset=qs, actor=actor).qs


def person_get(*, actor, pk: int, action: str = "view") -> Person:
    """The person if within the actor's scope; ``Person.DoesNotExist`` otherwise."""
    return (
        Person.objects.restrict(actor, action)
        .select_related("area", "household", "household__area")
        .get(pk=pk)
    )


def person_search(*, actor, query: str) -> QuerySet[Person]:
    """What a village worker types: a full ID or phone number (exact, through the blind index),
    the last four digits of either, a name, or pinyin initials such as ``zs`` for 张三.

    Called from POST handlers only, so that full numbers never appear in a URL.
    """
    base = Person.objects.restrict(actor, "view").select_related("area", "household")
    value = (query or "").strip()
    if not value:
        return base.none()
    compact = normalize_resident_id(value)
    if len(compact) in (15, 18) and compact[:-1].isdigit():
        return base.filter(id_number_bidx=blind_index(compact, "resident_id"))
    mobile = normalize_mobile(value)
    if len(mobile) == 11 and mobile.isdigit():
        return base.filter(phone_bidx=blind_index(mobile, "mobile"))
    return search_q(base, value)


def person_duplicates(*, actor, limit: int = 200) -> list[list[Person]]:
    """Groups of visible persons that look like the same human: a record without an ID number
    that has the name and the mobile number of another record.

    Two live records cannot share an ID number (a unique index forbids it), and two records with
    different ID numbers are two people; so the second copy of someone is a record registered
    without one. The groups grow from those few records (a partial index), not from a grouping
    of the whole registry: the page costs the same at a million persons as at a thousand. At
    most ``limit`` groups; two queries."""
    from django.db.models import Count

    scoped = Person.objects.restrict(actor, "view")
    without_number = scoped.filter(id_number_bidx="").exclude(phone_bidx="").values("phone_bidx")
    keys = set(
        scoped.filter(phone_bidx__in=without_number)
        .values("phone_bidx", "name")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("phone_bidx", "name")
        .values_list("phone_bidx", "name")[:limit]
    )
    groups: dict[tuple[str, str], list[Person]] = {}
    members = (
        scoped.filter(phone_bidx__in={phone for phone, _name in keys})
        .select_related("area")
        .order_by("phone_bidx", "name", "pk")
    )
    for person in members:
        key = (person.phone_bidx, person.name)
        if key in keys:
            groups.setdefault(key, []).append(person)
    return list(groups.values())


def person_merged_from(*, actor, person: Person) -> QuerySet[Person]:
    """Records merged into ``person`` (soft-deleted), within the actor's scope."""
    return Person.all_objects.restrict(actor, "view").filter(merged_into=person).order_by("id")


def household_fellows(*, actor, person: Person) -> QuerySet[Person]:
    if not person.household_id:
        return Person.objects.none()
    return (
        Person.objects.restrict(actor, "view")
        .filter(household_id=person.household_id)
        .exclude(pk=person.pk)
        .order_by("id")
    )


def tag_choices() -> QuerySet[Tag]:
    return Tag.objects.all()


def transfer_requests_to_me(*, actor) -> QuerySet[TransferRequest]:
    """Requests for persons in areas where ``actor`` may change persons (they answer them)."""
    qs = TransferRequest.objects.select_related(
        "person", "from_area", "to_area", "to_household", "requester", "decided_by"
    )
    return restrict(qs, actor, perm="people.change_person")


def transfer_requests_from_me(*, actor) -> QuerySet[TransferRequest]:
    """The actor's own requests. Who and where the person is stays hidden in the page until
    the request is accepted (then the person is in the actor's area)."""
    return TransferRequest.objects.filter(requester=actor).select_related(
        "person", "to_area", "to_household", "decided_by"
    )


def transfer_request_get(*, actor, pk: int) -> TransferRequest:
    """A request the actor answers; ``TransferRequest.DoesNotExist`` otherwise."""
    return transfer_requests_to_me(actor=actor).get(pk=pk)
