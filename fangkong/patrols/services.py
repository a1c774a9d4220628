"""Every write of the patrols app: patrols, spot checks, dispersals, violations, venues and their
orders and inspections, weddings/banquets/funerals and their follow-up visits.

Each ``<noun>_check`` validates as ``<noun>_create`` would without writing (forms show every
error at once, imports and phone batches call it); creates and updates go through
``core.services`` (history, optimistic version, scope checked before and after the write).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import formats
from django.utils.translation import gettext as _

from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.validators import validate_mobile
from fangkong.patrols.models import (
    Ceremony,
    Dispersal,
    FollowUp,
    Patrol,
    SpotCheck,
    Venue,
    VenueInspection,
    VenueOrder,
    Violation,
)

PATROL_FIELDS = (
    "area",
    "day",
    "start_time",
    "end_time",
    "police_members",
    "village_members",
    "route",
    "findings",
)
SPOT_CHECK_FIELDS = ("area", "checked_at", "place", "result", "note")
DISPERSAL_FIELDS = ("area", "dispersed_at", "place", "kind", "people", "handling", "note")
VIOLATION_FIELDS = (
    "area",
    "kind",
    "occurred_at",
    "place",
    "person",
    "others",
    "description",
    "action",
    "status",
    "referred_at",
    "police_station",
    "outcome",
)
VENUE_FIELDS = (
    "area",
    "name",
    "kind",
    "address",
    "operating_since",
    "operator_name",
    "operator_phone",
)
ORDER_FIELDS = ("venue", "kind", "effective_date", "issued_by", "document_number", "note")
INSPECTION_FIELDS = ("venue", "inspected_on", "inspector", "finding", "note")
CEREMONY_FIELDS = (
    "area",
    "kind",
    "hosts",
    "planned_date",
    "place",
    "expected_guests",
    "status",
    "decided_on",
    "persuaded_by",
    "new_date",
    "arrangements",
    "attendees",
)
FOLLOW_UP_FIELDS = ("ceremony", "visited_on", "visitor", "result", "note")


def _fields(model: type[models.Model], names, data: dict[str, Any]) -> dict[str, Any]:
    """The known fields of ``data``, text stripped; many-to-many values left to the caller."""
    out = {}
    for name in names:
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, str):
            value = value.strip()
        elif value is None:
            field = model._meta.get_field(name)
            if isinstance(field, models.CharField | models.TextField) and not field.null:
                value = ""
        out[name] = value
    return out


def _validate(model: type[models.Model], fields: dict[str, Any], m2m=()) -> None:
    """The model's field rules and ``clean()``; constraints are the database's last word."""
    plain = {k: v for k, v in fields.items() if k not in m2m}
    model(**plain).full_clean(validate_constraints=False, validate_unique=False)


def _unique_error(exc: IntegrityError, model: type[models.Model]) -> ValidationError | None:
    """The constraint's own message for an insert the database refused, if we know it."""
    text = str(exc)
    for constraint in model._meta.constraints:
        if constraint.name in text or (
            isinstance(constraint, models.UniqueConstraint)
            and all(f in text for f in constraint.fields)
        ):
            return ValidationError(constraint.get_violation_error_message())
    return None


def _write(model: type[models.Model], write):
    """Run ``write`` in a savepoint; a unique rule of the database becomes a clear message."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        error = _unique_error(exc, model)
        if error is None:
            raise
        raise error from None


def _update(obj, *, actor, expected_version, changes, m2m=None):
    return _write(
        type(obj),
        lambda: update_record(
            obj, actor=actor, expected_version=expected_version, changes=changes, m2m=m2m
        ),
    )


def _current(obj, names) -> dict[str, Any]:
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        values[name] = list(getattr(obj, name).all()) if field.many_to_many else getattr(obj, name)
    return values


# --------------------------------------------------------------------------- patrols


def patrol_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a patrol log as ``patrol_create`` would; ``ValidationError`` by field."""
    fields = _fields(Patrol, PATROL_FIELDS, data)
    _validate(Patrol, fields)
    return fields


def patrol_create(*, actor, data: dict[str, Any]) -> Patrol:
    """Log a day's patrol in one of the actor's areas."""
    return create_record(Patrol, actor=actor, **patrol_check(data=data))


def patrol_update(*, actor, patrol: Patrol, expected_version: int | None, data: dict) -> Patrol:
    """Correct a patrol log; ``StaleVersion`` when someone saved it since."""
    checked = patrol_check(data={**_current(patrol, PATROL_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(patrol, actor=actor, expected_version=expected_version, changes=changes)


def spot_check_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a spot check as ``spot_check_create`` would (the phone batch calls this)."""
    fields = _fields(SpotCheck, SPOT_CHECK_FIELDS, data)
    _validate(SpotCheck, fields)
    return fields


def spot_check_create(*, actor, data: dict[str, Any]) -> SpotCheck:
    """Record a surprise spot check in one of the actor's areas."""
    return create_record(SpotCheck, actor=actor, **spot_check_check(data=data))


def spot_check_update(
    *, actor, spot_check: SpotCheck, expected_version: int | None, data: dict
) -> SpotCheck:
    checked = spot_check_check(data={**_current(spot_check, SPOT_CHECK_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(spot_check, actor=actor, expected_version=expected_version, changes=changes)


def dispersal_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a dispersed gathering (1–5,000 people) as ``dispersal_create`` would."""
    fields = _fields(Dispersal, DISPERSAL_FIELDS, data)
    _validate(Dispersal, fields)
    return fields


def dispersal_create(*, actor, data: dict[str, Any]) -> Dispersal:
    """Record a gathering the patrol dispersed."""
    return create_record(Dispersal, actor=actor, **dispersal_check(data=data))


def dispersal_update(
    *, actor, dispersal: Dispersal, expected_version: int | None, data: dict
) -> Dispersal:
    checked = dispersal_check(data={**_current(dispersal, DISPERSAL_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(dispersal, actor=actor, expected_version=expected_version, changes=changes)


# --------------------------------------------------------------------------- violations


def violation_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a violation as ``violation_create`` would: a referral needs its time and
    station, a concluded case its outcome (``Violation.clean``)."""
    fields = _fields(Violation, VIOLATION_FIELDS, data)
    fields.setdefault("status", Violation.Status.RECORDED)
    _validate(Violation, fields)
    return fields


def violation_create(*, actor, data: dict[str, Any]) -> Violation:
    """Register a violation (gathering, gambling, rumour, other) in one of the actor's areas."""
    return create_record(Violation, actor=actor, **violation_check(data=data))


def violation_update(
    *, actor, violation: Violation, expected_version: int | None, data: dict
) -> Violation:
    """Change a violation, its referral or its outcome; each status change is a history row."""
    checked = violation_check(data={**_current(violation, VIOLATION_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(violation, actor=actor, expected_version=expected_version, changes=changes)


def violation_refer(
    *,
    actor,
    violation: Violation,
    expected_version: int | None,
    referred_at: dt.datetime,
    police_station: str,
) -> Violation:
    """Refer a recorded violation to the police (time, station)."""
    if violation.status != Violation.Status.RECORDED:
        raise ValidationError(
            _("This case is already %(status)s.") % {"status": violation.get_status_display()}
        )
    return violation_update(
        actor=actor,
        violation=violation,
        expected_version=expected_version,
        data={
            "status": Violation.Status.REFERRED,
            "referred_at": referred_at,
            "police_station": police_station,
        },
    )


def violation_conclude(
    *, actor, violation: Violation, expected_version: int | None, outcome: str
) -> Violation:
    """Close a case with its outcome (e.g. the police station's decision)."""
    if violation.status == Violation.Status.CONCLUDED:
        raise ValidationError(_("This case is already concluded."))
    return violation_update(
        actor=actor,
        violation=violation,
        expected_version=expected_version,
        data={"status": Violation.Status.CONCLUDED, "outcome": outcome},
    )


def delete_record(*, actor, obj, reason: str, expected_version: int | None):
    """Soft delete with a reason (the record stays in its change history)."""
    return soft_delete_record(obj, actor=actor, reason=reason, expected_version=expected_version)


# --------------------------------------------------------------------------- venues


def venue_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a venue as ``venue_create`` would; the operator's number by the mobile rule."""
    fields = _fields(Venue, VENUE_FIELDS, data)
    if fields.get("operator_phone"):
        try:
            fields["operator_phone"] = validate_mobile(fields["operator_phone"])
        except ValidationError as exc:
            raise ValidationError({"operator_phone": exc.messages}) from None
    _validate(Venue, fields)
    return fields


def venue_create(*, actor, data: dict[str, Any]) -> Venue:
    """Register a venue; one live venue of a name per area (database constraint)."""
    fields = venue_check(data=data)
    return _write(Venue, lambda: create_record(Venue, actor=actor, **fields))


@transaction.atomic
def venue_update(*, actor, venue: Venue, expected_version: int | None, data: dict) -> Venue:
    """Change a venue. Its opening date cannot move after its first closure order."""
    checked = venue_check(data={**_current(venue, VENUE_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    since = changes.get("operating_since")
    first = venue.orders.order_by("effective_date").first()
    if since and first and first.effective_date < since:
        raise ValidationError(
            {
                "operating_since": _(
                    "The venue has an order of %(date)s: it cannot have opened after it."
                )
                % {"date": _date(first.effective_date)}
            }
        )
    return _update(venue, actor=actor, expected_version=expected_version, changes=changes)


def _date(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


def _order_rule(fields: dict[str, Any], exclude_pk: int | None) -> None:
    """A closure cannot start before the venue exists; orders alternate, by date, closure then
    reopening: a reopening needs an active closure, a closed venue is not closed again, and an
    order entered late must not break the orders after it."""
    venue, kind, day = fields.get("venue"), fields.get("kind"), fields.get("effective_date")
    if venue is None or not kind or day is None:
        return
    if kind == VenueOrder.Kind.CLOSURE and venue.operating_since and day < venue.operating_since:
        raise ValidationError(
            {
                "effective_date": _(
                    "A closure order cannot start before the venue exists: %(venue)s operates "
                    "since %(since)s."
                )
                % {"venue": venue.name, "since": _date(venue.operating_since)}
            }
        )
    others = list(
        VenueOrder.objects.filter(venue=venue)
        .exclude(pk=exclude_pk)
        .order_by("effective_date", "id")
    )
    same_day = next((o for o in others if o.effective_date == day), None)
    if same_day is not None:
        raise ValidationError(
            {
                "effective_date": _(
                    "%(venue)s already has an order on %(date)s (%(order)s): correct that one."
                )
                % {"venue": venue.name, "date": _date(day), "order": same_day}
            }
        )
    before = [o for o in others if o.effective_date < day]
    after = [o for o in others if o.effective_date > day]
    last = before[-1] if before else None
    closed = last is not None and last.kind == VenueOrder.Kind.CLOSURE
    if kind == VenueOrder.Kind.REOPENING and not closed:
        raise ValidationError(
            {
                "kind": _(
                    "A reopening needs an active closure order: %(venue)s is not closed on "
                    "%(date)s."
                )
                % {"venue": venue.name, "date": _date(day)}
            }
        )
    if kind == VenueOrder.Kind.CLOSURE and closed:
        raise ValidationError(
            {
                "kind": _("%(venue)s is already closed on %(date)s, by the order of %(since)s.")
                % {"venue": venue.name, "date": _date(day), "since": _date(last.effective_date)}
            }
        )
    if after and after[0].kind == kind:
        raise ValidationError(
            {
                "effective_date": _(
                    "The next order of %(venue)s, of %(date)s, is also a %(kind)s: enter the "
                    "orders in between first, or correct that one."
                )
                % {
                    "venue": venue.name,
                    "date": _date(after[0].effective_date),
                    "kind": after[0].get_kind_display(),
                }
            }
        )


def venue_order_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a closure order or reopening as ``venue_order_create`` would."""
    fields = _fields(VenueOrder, ORDER_FIELDS, data)
    _validate(VenueOrder, fields)
    _order_rule(fields, exclude_pk)
    return fields


def _lock_venue(venue: Venue | None) -> None:
    # Two clerks closing the same venue at once: the second waits here, then sees the first's
    # order in the rule check (on SQLite the write lock serialises them anyway).
    if venue is not None:
        Venue.objects.select_for_update().filter(pk=venue.pk).first()


@transaction.atomic
def venue_order_create(*, actor, data: dict[str, Any]) -> VenueOrder:
    """Record a closure order or a reopening of a venue the actor may add orders for."""
    _lock_venue(data.get("venue"))
    fields = venue_order_check(data=data)
    return _write(VenueOrder, lambda: create_record(VenueOrder, actor=actor, **fields))


@transaction.atomic
def venue_order_update(
    *, actor, order: VenueOrder, expected_version: int | None, data: dict
) -> VenueOrder:
    """Correct an order (date, body, number); the sequence rule is checked again."""
    _lock_venue(order.venue)
    checked = venue_order_check(data={**_current(order, ORDER_FIELDS), **data}, exclude_pk=order.pk)
    changes = {k: checked[k] for k in data if k in checked}
    return _update(order, actor=actor, expected_version=expected_version, changes=changes)


def inspection_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate an inspection visit as ``inspection_create`` would."""
    fields = _fields(VenueInspection, INSPECTION_FIELDS, data)
    _validate(VenueInspection, fields)
    venue, day = fields.get("venue"), fields.get("inspected_on")
    if (
        venue is not None
        and day is not None
        and venue.operating_since
        and (day < venue.operating_since)
    ):
        raise ValidationError({"inspected_on": _("The venue did not exist yet on that date.")})
    return fields


def inspection_create(*, actor, data: dict[str, Any]) -> VenueInspection:
    """Record an inspection visit to a venue in the actor's areas."""
    return create_record(VenueInspection, actor=actor, **inspection_check(data=data))


def inspection_update(
    *, actor, inspection: VenueInspection, expected_version: int | None, data: dict
) -> VenueInspection:
    checked = inspection_check(data={**_current(inspection, INSPECTION_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(inspection, actor=actor, expected_version=expected_version, changes=changes)


# --------------------------------------------------------------------------- weddings, funerals


def ceremony_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a wedding, banquet or funeral as ``ceremony_create`` would: a postponement or
    cancellation names its date and who persuaded the family; simplified arrangements and an
    attendee count belong to funerals (``Ceremony.clean``)."""
    fields = _fields(Ceremony, CEREMONY_FIELDS, data)
    fields.setdefault("status", Ceremony.Status.PLANNED)
    arrangements = fields.get("arrangements") or []
    errors = {}
    try:
        _validate(Ceremony, fields, m2m=("arrangements",))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if arrangements and fields.get("kind") and fields["kind"] != Ceremony.Kind.FUNERAL:
        errors.setdefault("arrangements", []).append(
            _("Simplified arrangements are ticked for funerals only.")
        )
    if errors:
        raise ValidationError(errors)
    return fields


def ceremony_create(*, actor, data: dict[str, Any]) -> Ceremony:
    """Register a wedding, banquet or funeral in one of the actor's villages."""
    fields = ceremony_check(data=data)
    arrangements = fields.pop("arrangements", None)
    return create_record(
        Ceremony,
        actor=actor,
        m2m={"arrangements": arrangements} if arrangements else None,
        **fields,
    )


def ceremony_update(
    *, actor, ceremony: Ceremony, expected_version: int | None, data: dict
) -> Ceremony:
    """Record a postponement, a cancellation, a held funeral or a correction."""
    checked = ceremony_check(data={**_current(ceremony, CEREMONY_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    arrangements = changes.pop("arrangements", None)
    return _update(
        ceremony,
        actor=actor,
        expected_version=expected_version,
        changes=changes,
        m2m={"arrangements": arrangements} if arrangements is not None else None,
    )


def follow_up_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate a follow-up visit as ``follow_up_create`` would (the phone batch calls this)."""
    fields = _fields(FollowUp, FOLLOW_UP_FIELDS, data)
    _validate(FollowUp, fields)
    return fields


def follow_up_create(*, actor, data: dict[str, Any]) -> FollowUp:
    """Record a visit to the family of a registered wedding, banquet or funeral."""
    return create_record(FollowUp, actor=actor, **follow_up_check(data=data))


def follow_up_update(
    *, actor, follow_up: FollowUp, expected_version: int | None, data: dict
) -> FollowUp:
    checked = follow_up_check(data={**_current(follow_up, FOLLOW_UP_FIELDS), **data})
    changes = {k: checked[k] for k in data if k in checked}
    return _update(follow_up, actor=actor, expected_version=expected_version, changes=changes)
