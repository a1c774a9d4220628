"""Writes of key persons and observations that other modules call.

``register_key_person`` and ``start_observation`` are used by checkpoints (a traveller from a
risk origin), medical (contacts of a case, triage), surveys (a risky answer) and big-data lists
(a verified arrival). They are **consequences** of a write the caller has already authorised
(the clerk registered a passage at their checkpoint), so with ``on_behalf=True`` they skip the
actor's own scope check for the person's grid — the clerk never sees that grid — while the
change history still names the actor. Called directly from a key-person screen they check
scope like any other write (``on_behalf=False``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.services import create_record
from fangkong.observation.models import KeyPerson, KeyPersonCategory, Observation


def observation_days() -> int:
    return getattr(settings, "FANGKONG_OBSERVATION_DAYS", 14)


def _category(category: str | KeyPersonCategory) -> KeyPersonCategory:
    if isinstance(category, KeyPersonCategory):
        return category
    try:
        return KeyPersonCategory.objects.get(code=category)
    except KeyPersonCategory.DoesNotExist as exc:
        raise ValidationError(
            {"category": _("Unknown key-person category “%(code)s”.") % {"code": category}}
        ) from exc


def _insert(model, *, actor, on_behalf: bool, **fields):
    if not on_behalf:
        return create_record(model, actor=actor, **fields)
    obj = model(**fields)
    obj.full_clean(validate_constraints=False)
    obj._history_user = actor
    obj.save()
    return obj


def open_key_person(person, category: str | KeyPersonCategory) -> KeyPerson | None:
    """The person's open (not closed) key-person record of this category, if any."""
    return (
        KeyPerson.all_objects.filter(
            person=person, category=_category(category), deleted_at__isnull=True
        )
        .exclude(status=KeyPerson.Status.CLOSED)
        .first()
    )


def register_key_person(
    *,
    actor,
    person,
    category: str | KeyPersonCategory,
    source: str,
    origin: str = "",
    arrival_date: dt.date | None = None,
    last_exposure_date: dt.date | None = None,
    note: str = "",
    source_ref: str = "",
    area=None,
    identified_at: dt.datetime | None = None,
    on_behalf: bool = False,
) -> tuple[KeyPerson, bool]:
    """Create the person's key-person record of ``category``, or link to the open one.

    Returns ``(record, created)``. An open record of the same category is reused (its missing
    dates filled in), so a traveller named by a checkpoint, a survey and a carrier list is one
    key person; the database's unique index settles a race between two such writes. ``area``
    defaults to the person's own area (their grid)."""
    cat = _category(category)
    existing = open_key_person(person, cat)
    if existing is not None:
        return _fill_in(existing, arrival_date, last_exposure_date, origin, actor), False
    fields = {
        "person": person,
        "category": cat,
        "source": source,
        "source_ref": source_ref[:80],
        "origin": origin,
        "arrival_date": arrival_date,
        "last_exposure_date": last_exposure_date,
        "note": note,
        "area": area or person.area,
        "identified_at": identified_at or timezone.now(),
    }
    try:
        with transaction.atomic():
            return _insert(KeyPerson, actor=actor, on_behalf=on_behalf, **fields), True
    except IntegrityError:
        existing = open_key_person(person, cat)
        if existing is None:
            raise
        return existing, False


def _fill_in(record: KeyPerson, arrival, exposure, origin, actor) -> KeyPerson:
    changed = []
    if arrival and not record.arrival_date:
        record.arrival_date = arrival
        changed.append("arrival_date")
    # A later exposure moves the observation's end: keep the latest one.
    if exposure and (not record.last_exposure_date or exposure > record.last_exposure_date):
        record.last_exposure_date = exposure
        changed.append("last_exposure_date")
    if origin and not record.origin:
        record.origin = origin
        changed.append("origin")
    if changed:
        record.version += 1
        record._history_user = actor
        record.save(update_fields=[*changed, "version", "updated_at"])
    return record


def planned_end(key_person: KeyPerson, start: dt.date) -> dt.date:
    """Last exposure (or arrival, or the start) + the observation period."""
    base = key_person.last_exposure_date or key_person.arrival_date or start
    return base + dt.timedelta(days=observation_days())


def active_observation(person) -> Observation | None:
    return Observation.all_objects.filter(
        person=person, status=Observation.Status.ACTIVE, deleted_at__isnull=True
    ).first()


def start_observation(
    *,
    actor,
    key_person: KeyPerson,
    kind: str = Observation.Kind.HOME,
    start_date: dt.date | None = None,
    site=None,
    room: str = "",
    started_at: dt.datetime | None = None,
    on_behalf: bool = False,
) -> tuple[Observation, bool]:
    """Place the key person under 14-day observation, or return their active one.

    Returns ``(observation, created)``. A person has one active observation at a time (the
    database enforces it); a second key-person record for someone already observed links to
    the running observation instead of starting another."""
    person = key_person.person
    running = active_observation(person)
    if running is not None:
        return running, False
    start = start_date or timezone.localdate()
    if kind == Observation.Kind.CENTRALISED and site is None:
        raise ValidationError({"site": _("Choose the centralised observation site.")})
    fields = {
        "key_person": key_person,
        "person": person,
        "kind": kind,
        "site": site,
        "room": room,
        "start_date": start,
        "planned_end_date": max(planned_end(key_person, start), start),
        "started_at": started_at or timezone.now(),
        "area": key_person.area,
    }
    try:
        with transaction.atomic():
            obs = _insert(Observation, actor=actor, on_behalf=on_behalf, **fields)
    except IntegrityError:
        running = active_observation(person)
        if running is None:
            raise
        return running, False
    if key_person.status != KeyPerson.Status.OBSERVING:
        key_person.status = KeyPerson.Status.OBSERVING
        key_person.version += 1
        key_person._history_user = actor
        key_person.save(update_fields=["status", "version", "updated_at"])
    return obs, True
