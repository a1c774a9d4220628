"""Writes of the checkpoints app: the registry, the shift roster and passage registration.

Passage registration is the busiest write of the product, so it is built to cost few queries:
the on-duty rule reads the clerk's shifts at a checkpoint once per request (cached on the user
object, like the grant paths); the person registry is consulted through its blind index only;
and the consequences — a fever alert, a key person with home observation and an alert to the
person's grid — run only for the passages that need them, inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.checkpoints.plates import validate_plate
from fangkong.core.crypto import blind_index
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.validators import (
    is_fever,
    is_risk_origin,
    validate_mobile,
    validate_resident_id,
    validate_temperature,
)

log = logging.getLogger(__name__)

CHECKPOINT_FIELDS = {"area", "name", "kind", "location", "active"}
SHIFT_FIELDS = {"checkpoint", "user", "start", "end", "duty", "note"}
PASSAGE_FIELDS = {
    "checkpoint",
    "at",
    "kind",
    "id_number",
    "name",
    "phone",
    "plate",
    "passengers",
    "temperature",
    "direction",
    "origin",
    "destination",
    "note",
}
# Quick choices of the origin field (the screen's buttons); any text is accepted.
ORIGIN_CHOICES = ("武汉", "湖北", "省内", "省外")

# Roles alerted by each consequence (core.roles codes).
FEVER_ROLES = ("clinician", "town_officer", "command_office")
GRID_ROLES = ("grid_worker", "village_cadre")
POOL_ROLES = ("command_office",)


def future_tolerance() -> dt.timedelta:
    """How far ahead of the server a phone's clock may be (``FANGKONG_PASSAGE_FUTURE_MINUTES``)."""
    return dt.timedelta(minutes=settings.FANGKONG_PASSAGE_FUTURE_MINUTES)


# Registry ---------------------------------------------------------------------------------------


def checkpoint_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``checkpoint_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in CHECKPOINT_FIELDS}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    obj = Checkpoint(**fields)
    obj.pk = exclude_pk
    obj.full_clean(exclude=["area"] if fields.get("area") else None)
    return fields


@transaction.atomic
def checkpoint_create(*, actor, data: dict[str, Any]) -> Checkpoint:
    """Register a checkpoint in one of the actor's areas."""
    return create_record(Checkpoint, actor=actor, **checkpoint_check(data=data))


@transaction.atomic
def checkpoint_update(
    *, actor, checkpoint: Checkpoint, expected_version: int | None, data: dict
) -> Checkpoint:
    """Change a checkpoint (e.g. close it); ``StaleVersion`` when changed meanwhile."""
    current = {name: getattr(checkpoint, name) for name in CHECKPOINT_FIELDS}
    checked = checkpoint_check(data={**current, **data}, exclude_pk=checkpoint.pk)
    changes = {name: checked[name] for name in data if name in checked}
    return update_record(
        checkpoint, actor=actor, expected_version=expected_version, changes=changes
    )


def checkpoint_delete(
    *, actor, checkpoint: Checkpoint, reason: str, expected_version: int | None
) -> Checkpoint:
    """Soft delete with a reason (its passages stay in the ledger)."""
    return soft_delete_record(
        checkpoint, actor=actor, reason=reason, expected_version=expected_version
    )


# Shifts -----------------------------------------------------------------------------------------


def shift_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``shift_create`` would: ends after it starts, at most a day long."""
    fields = {k: v for k, v in data.items() if k in SHIFT_FIELDS}
    Shift(**fields).full_clean(
        exclude=[f for f in ("checkpoint", "user") if fields.get(f)], validate_constraints=False
    )
    user, checkpoint = fields.get("user"), fields.get("checkpoint")
    if user is not None and checkpoint is not None and not _may_register_at(user, checkpoint):
        raise ValidationError(
            {
                "user": _(
                    "%(user)s may not register passages at %(checkpoint)s: grant them the "
                    "checkpoint staff role there first."
                )
                % {"user": user, "checkpoint": checkpoint.name}
            }
        )
    return fields


def _may_register_at(user, checkpoint: Checkpoint) -> bool:
    """Whether ``user`` holds ``checkpoints.add_passage`` in an area covering the checkpoint."""
    from fangkong.core.scoping import grant_paths

    if user.is_superuser:
        return True
    path = checkpoint.area.path
    return any(path.startswith(p) for p in grant_paths(user, "checkpoints.add_passage"))


@transaction.atomic
def shift_create(*, actor, data: dict[str, Any]) -> Shift:
    """Put someone on the roster of a checkpoint the actor may add shifts to."""
    return create_record(Shift, actor=actor, **shift_check(data=data))


@transaction.atomic
def shift_update(*, actor, shift: Shift, expected_version: int | None, data: dict) -> Shift:
    current = {name: getattr(shift, name) for name in SHIFT_FIELDS}
    checked = shift_check(data={**current, **data}, exclude_pk=shift.pk)
    changes = {name: checked[name] for name in data if name in checked}
    return update_record(shift, actor=actor, expected_version=expected_version, changes=changes)


@transaction.atomic
def shift_delete(*, actor, shift: Shift, reason: str, expected_version: int | None) -> Shift:
    """Shifts are not soft-deletable: a removed shift is deleted (the history keeps it)."""
    from fangkong.core.exceptions import StaleVersion
    from fangkong.core.services import ensure_in_scope

    ensure_in_scope(actor, "delete", shift)
    if expected_version is not None and shift.version != expected_version:
        raise StaleVersion(shift)
    shift._history_user = actor
    shift._change_reason = reason
    shift.delete()
    return shift


# On duty ----------------------------------------------------------------------------------------


def _shifts_at(actor, checkpoint_id: int) -> list[tuple[dt.datetime, dt.datetime]]:
    """The actor's shifts at one checkpoint, read once per request (cached on the user object;
    a batch of 500 passages asks once)."""
    cache = actor.__dict__.setdefault("_fk_shift_cache", {})
    if checkpoint_id not in cache:
        cache[checkpoint_id] = list(
            Shift.objects.filter(user=actor, checkpoint_id=checkpoint_id)
            .order_by("start")
            .values_list("start", "end")
        )
    return cache[checkpoint_id]


def on_duty(actor, checkpoint: Checkpoint, at: dt.datetime) -> bool:
    """Whether ``actor`` has a shift at ``checkpoint`` covering ``at``."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return any(start <= at < end for start, end in _shifts_at(actor, checkpoint.pk))


def current_shifts(actor, *, at: dt.datetime | None = None):
    """The actor's shifts running at ``at`` (now), with their checkpoints, soonest ending first."""
    at = at or timezone.now()
    return (
        Shift.objects.filter(
            user=actor,
            start__lte=at,
            end__gt=at,
            checkpoint__active=True,
            checkpoint__deleted_at__isnull=True,
        )
        .select_related("checkpoint", "checkpoint__area")
        .order_by("end")
    )


def _not_on_duty(checkpoint: Checkpoint, at: dt.datetime) -> str:
    return _(
        "You are not on duty at %(checkpoint)s at %(time)s: only the staff of a shift covering "
        "that time may register passages there."
    ) % {
        "checkpoint": checkpoint.name,
        "time": date_format(timezone.localtime(at), "Y-m-d H:i"),
    }


# Passages ---------------------------------------------------------------------------------------


def passage_check(
    *, actor, data: dict[str, Any], exclude_pk: int | None = None, unique: bool = True
) -> dict[str, Any]:
    """Validate a passage as ``passage_create`` would, without writing; return its fields.

    Every rule a clerk can break is answered beside its field: the temperature range, which
    digit rule of the ID number failed, the plate's format, the clock, a closed checkpoint, and
    the on-duty rule (a shift of the actor at that checkpoint must cover the passage's time:
    now on the screen, the time the phone recorded in a batch). Passages have no unique
    fields: ``unique=False`` comes from the kit's batch, which runs the model's ``full_clean``
    on the record itself, so it is not run twice."""
    fields = {k: v for k, v in data.items() if k in PASSAGE_FIELDS}
    errors: dict[str, list[str]] = {}

    def fail(field: str, exc_or_text) -> None:
        messages = (
            exc_or_text.messages if isinstance(exc_or_text, ValidationError) else [exc_or_text]
        )
        errors.setdefault(field, []).extend(messages)

    now = timezone.now()
    at = fields.get("at") or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + future_tolerance():
        fail("at", _("The time of a passage cannot be in the future."))
    fields["at"] = at
    for name in ("name", "origin", "destination", "note"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    if not fields.get("name"):
        fail("name", _("Enter the traveller's name (the driver's for a vehicle)."))
    if fields.get("temperature") in (None, ""):
        fail("temperature", _("Enter the temperature measured at the checkpoint."))
    else:
        try:
            fields["temperature"] = validate_temperature(fields["temperature"])
        except ValidationError as exc:
            fail("temperature", exc)
    if fields.get("id_number"):
        try:
            fields["id_number"] = validate_resident_id(fields["id_number"]).number
        except ValidationError as exc:
            fail("id_number", exc)
    else:
        fields["id_number"] = ""
    if fields.get("phone"):
        try:
            fields["phone"] = validate_mobile(fields["phone"])
        except ValidationError as exc:
            fail("phone", exc)
    else:
        fields["phone"] = ""
    if fields.get("plate"):
        try:
            fields["plate"] = validate_plate(fields["plate"])
        except ValidationError as exc:
            fail("plate", exc)
    fields["risk_origin"] = is_risk_origin(fields.get("origin", ""))
    if fields["risk_origin"] and not fields.get("id_number") and "id_number" not in errors:
        fail(
            "id_number",
            _("A traveller from %(origin)s is registered with their resident ID number.")
            % {"origin": fields["origin"]},
        )
    fields["fever"] = "temperature" not in errors and is_fever(fields["temperature"])
    checkpoint = fields.get("checkpoint")
    if checkpoint is None:
        fail("checkpoint", _("Choose the checkpoint."))
    elif not checkpoint.active or checkpoint.deleted_at:
        fail("checkpoint", _("%(name)s is closed.") % {"name": checkpoint.name})
    elif "at" not in errors and not on_duty(actor, checkpoint, at):
        fail("checkpoint", _not_on_duty(checkpoint, at))
    fields["clerk"] = actor if getattr(actor, "pk", None) else None
    if not unique and not errors:
        # The kit's batch (the one caller passing unique=False) runs the model's own
        # full_clean on every record right after this check: once is enough.
        return fields
    candidate = Passage(**fields)
    try:
        candidate.full_clean(
            exclude=["checkpoint", "clerk", "person", *errors], validate_constraints=False
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = messages
    if errors:
        raise ValidationError(errors)
    return fields


def find_person(id_number: str):
    """The live person holding ``id_number``, through its blind index (no log: nothing of them
    is shown; see ``passage_create``)."""
    from fangkong.people.models import Person

    if not id_number:
        return None
    return (
        Person.objects.filter(id_number_bidx=blind_index(id_number, "resident_id"))
        .select_related("household__area")
        .first()
    )


@transaction.atomic
def passage_create(
    *,
    actor,
    data: dict[str, Any],
    person=None,
    ip: str | None = None,
    register_traveller: bool = False,
) -> Passage:
    """Register a passage at a checkpoint where ``actor`` is on duty, with its consequences.

    ``person`` is the registry's record the screen already showed the clerk (found through
    ``people.services.person_lookup``, logged and rate-limited). Otherwise the passage is
    linked to the person holding its ID number without showing anything of them — the link is
    not a lookup, so it is neither logged nor counted. A traveller whose number is not in the
    registry is registered (``person_create``: non-resident, in the checkpoint's area) when
    ``register_traveller`` (the screen, where the clerk was told "not in the registry") or when
    they come from a risk origin (a key person needs a person); the API and the batch, fed by
    phones, leave other unknown travellers on the ledger only. One transaction: the passage,
    the traveller, the key person, the observation and the alerts commit together or not at
    all."""
    fields = passage_check(actor=actor, data=data)
    number = fields.get("id_number", "")
    if person is None and number:
        person = find_person(number)
        # A traveller from a risk origin is always registered: the key person needs a person.
        if person is None and (register_traveller or fields["risk_origin"]):
            person = _register_traveller(actor, fields, ip=ip)
    fields["person"] = person
    passage = create_record(Passage, actor=actor, **fields)
    passage_consequences(actor=actor, passages=[passage])
    return passage


def _register_traveller(actor, fields: dict[str, Any], *, ip: str | None = None):
    """A traveller unknown to the registry, registered as a non-resident at the checkpoint's
    area (``people.services.person_create``: validated, duplicate-checked, history)."""
    from fangkong.people.services import person_create

    data = {
        "name": fields["name"],
        "id_number": fields["id_number"],
        "phone": fields.get("phone", ""),
        "area": fields["checkpoint"].area,
        "is_resident": False,
        "current_address": fields.get("destination", "")[:200],
        "registered_residence": fields.get("origin", "")[:200],
    }
    try:
        with transaction.atomic():
            return person_create(actor=actor, data=data, ip=ip)
    except ValidationError as exc:
        # The passage is what the clerk came to record: it is stored even if the traveller
        # cannot be registered (e.g. the clerk may not add persons there); say so in the log.
        log.warning("checkpoint traveller not registered: %s", "; ".join(exc.messages))
        return None


def _district_root(area):
    from fangkong.places.models import Area

    code = area.path.strip("/").split("/")[0]
    if area.path == f"/{code}/":
        return area
    return Area.objects.get(path=f"/{code}/")


def _link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def passage_consequences(*, actor, passages: list[Passage]) -> None:
    """What a fever or a risk origin sets off, for the passages that need it (call inside the
    passage's transaction; every step is idempotent, keyed by the passage).

    - fever: a triage-referral alert to the checkpoint's area (clinicians, town officers, the
      command office);
    - risk origin: the person becomes a key person (category ``wuhan`` or ``hubei``) in their
      grid — or in the district pool when they have no household here — and, living here,
      starts 14-day home observation; an alert goes to that grid's workers and village cadres
      (or to the command office for the pool)."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    for passage in passages:
        if not (passage.fever or passage.risk_origin):
            continue
        checkpoint = passage.checkpoint
        ref = f"checkpoints.passage:{passage.pk}"
        when = date_format(timezone.localtime(passage.at), "Y-m-d H:i")
        if passage.fever:
            raise_alert(
                kind=Alert.Kind.FEVER_CHECKPOINT,
                area=checkpoint.area,
                roles=FEVER_ROLES,
                severity=Alert.Severity.URGENT,
                title=_("Fever %(t)s °C at %(checkpoint)s")
                % {"t": passage.temperature, "checkpoint": checkpoint.name},
                body=_(
                    "%(name)s (%(number)s) measured %(t)s °C at %(checkpoint)s on %(when)s, "
                    "coming from %(origin)s. Refer them to fever-clinic pre-screening triage."
                )
                % {
                    "name": passage.name,
                    "number": passage.masked("id_number") or passage.plate or "—",
                    "t": passage.temperature,
                    "checkpoint": checkpoint.name,
                    "when": when,
                    "origin": passage.origin or "—",
                },
                link=_link("checkpoints:passage_detail", passage.pk),
                source=ref,
                dedupe_key=f"{ref}:fever",
                raised_at=passage.at,
            )
        if passage.risk_origin:
            _risk_arrival(actor, passage, ref, when)


def _category(origin: str) -> str:
    from fangkong.observation.models import HUBEI, OTHER, WUHAN

    if "武汉" in origin:
        return WUHAN
    return HUBEI if "湖北" in origin else OTHER


def _risk_arrival(actor, passage: Passage, ref: str, when: str) -> None:
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert
    from fangkong.observation.models import Observation
    from fangkong.observation.services import register_key_person, start_observation

    person = passage.person
    household = getattr(person, "household", None) if person is not None else None
    home = household.area if household is not None else None
    area = home or _district_root(passage.checkpoint.area)
    arrival = timezone.localdate(passage.at)
    key_person = None
    if person is not None:
        key_person, _created = register_key_person(
            actor=actor,
            person=person,
            category=_category(passage.origin),
            source="checkpoint",
            source_ref=ref,
            origin=passage.origin,
            arrival_date=arrival,
            area=area,
            identified_at=passage.at,
            on_behalf=True,
        )
        if home is not None:
            start_observation(
                actor=actor,
                key_person=key_person,
                kind=Observation.Kind.HOME,
                start_date=arrival,
                started_at=passage.at,
                on_behalf=True,
            )
    raise_alert(
        kind=Alert.Kind.RISK_ARRIVAL,
        area=area,
        roles=GRID_ROLES if home is not None else POOL_ROLES,
        severity=Alert.Severity.URGENT,
        title=_("Arrival from %(origin)s: %(name)s")
        % {"origin": passage.origin, "name": passage.name},
        body=_(
            "%(name)s (%(number)s) passed %(checkpoint)s on %(when)s coming from %(origin)s, "
            "going to %(destination)s. %(next)s"
        )
        % {
            "name": passage.name,
            "number": passage.masked("id_number"),
            "checkpoint": passage.checkpoint.name,
            "when": when,
            "origin": passage.origin,
            "destination": passage.destination or "—",
            "next": _("Home observation for 14 days has started; visit the household today.")
            if home is not None
            else _("No household here: find where they stay and assign them to a grid."),
        },
        link=_link("observation:keyperson_detail", key_person.pk) if key_person else "",
        source=ref,
        dedupe_key=f"{ref}:risk",
        raised_at=passage.at,
    )


def link_and_follow_up(*, actor, passages: list[Passage]) -> None:
    """After a batch's bulk insert (``core.kit.batch.records_created``): link the passages to
    the registry by blind index in one query and one update, register the few unknown travellers
    from a risk origin, then run the consequences."""
    from fangkong.core.sql import update_from_values
    from fangkong.people.models import Person

    wanted = {p.id_number_bidx for p in passages if p.id_number_bidx}
    if wanted:
        persons = {
            p.id_number_bidx: p
            for p in Person.objects.filter(id_number_bidx__in=wanted).select_related(
                "household__area"
            )
        }
        pairs = []
        for passage in passages:
            person = persons.get(passage.id_number_bidx)
            if person is None and passage.risk_origin:
                fields = {name: getattr(passage, name) for name in PASSAGE_FIELDS}
                person = _register_traveller(actor, fields)
            if person is not None:
                passage.person = person
                pairs.append((passage.pk, person.pk))
        update_from_values(
            Passage,
            rows=pairs,
            types=("bigint", "bigint"),
            assignments="person_id = v.column2",
            match="{t}.id = v.column1",
        )
    passage_consequences(actor=actor, passages=passages)
