"""Writes to the person registry: create, update, delete, merge, and unmasked viewing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import blind_index
from fangkong.core.exceptions import StaleVersion
from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.sensitive import can_view_sensitive, log_access
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.text import pinyin_of
from fangkong.core.validators import (
    validate_mobile,
    validate_person_name,
    validate_resident_id,
    validate_text,
)
from fangkong.people.models import Person, Tag, TransferRequest

PERSON_FIELDS = {
    "name",
    "id_number",
    "phone",
    "household",
    "relation",
    "current_address",
    "registered_residence",
    "is_resident",
    "area",
    "sex",
    "birth_date",
}


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Validate ID and phone with the core validators and derive what they encode.

    Raises ``ValidationError`` keyed by field, so forms, API and imports show the message beside
    the right input.
    """
    errors: dict[str, list[str]] = {}
    out = {k: v for k, v in data.items() if k in PERSON_FIELDS}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            errors.setdefault("name", []).append(_("Enter the person's name."))
        try:
            validate_person_name(out["name"])
        except ValidationError as exc:
            errors.setdefault("name", []).extend(exc.messages)
        pinyin, initials = pinyin_of(out["name"])
        # Derived search keys: a valid name never overflows them, and should an odd script
        # make them longer, a shorter search key is harmless where an error would not be.
        out["name_pinyin"] = pinyin[: Person._meta.get_field("name_pinyin").max_length]
        out["name_initials"] = initials[: Person._meta.get_field("name_initials").max_length]
    if out.get("id_number"):
        try:
            rid = validate_resident_id(out["id_number"])
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)
        else:
            out["id_number"] = rid.number
            out["birth_date"], out["sex"] = rid.birth_date, rid.sex
            out["id_region_unknown"] = not rid.region_known
    elif "id_number" in out:
        out["id_number"] = ""
        out["id_region_unknown"] = False
    if out.get("phone"):
        try:
            out["phone"] = validate_mobile(out["phone"])
        except ValidationError as exc:
            errors.setdefault("phone", []).extend(exc.messages)
    household = out.get("household")
    if household is not None:
        if out.get("area") is None:
            out["area"] = household.area
        elif out["area"].pk != household.area_id:
            errors.setdefault("household", []).append(
                _("The household is in %(grid)s, not in the chosen area.")
                % {"grid": household.area.name}
            )
    if errors:
        raise ValidationError(errors)
    return out


# Duplicate-ID checks ----------------------------------------------------------------------------
#
# Refusing a second record for one ID number tells the user that the number is registered: for
# a number outside their view that is personal data (DESIGN.md: existence is personal data too).
# So the answer names the person only to users who may see them, every hit is written to the
# access log, and hits are limited per user and hour. The hits are counted in the access log
# itself: every web worker and server sees the same count, with no cache service.
#
# The checks run before the write's transaction, so that the log rows and the security event
# stay although the registration is refused. A caller that wraps the service in its own
# transaction (an Idempotency-Key replay record) rolls them back with its failure.

# Stored untranslated: the limit counts the rows by this reason.
DUPLICATE_CHECK_REASON = "duplicate ID check"
_UNIQUE_ID_CONSTRAINT = "person_unique_live_id_number"


def _duplicate_hit(number: str, *, exclude_pk: int | None = None) -> Person | None:
    """The live person holding ``number`` (other than ``exclude_pk``), if any."""
    if not number:
        return None
    clash = Person.objects.filter(id_number_bidx=blind_index(number, "resident_id"))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    return clash.select_related("area").first()


def duplicate_checks_used(actor) -> int:
    """Duplicate hits of ``actor`` in the last hour."""
    return AccessLog.objects.filter(
        actor=actor,
        action=AccessLog.Action.SEARCH,
        reason=DUPLICATE_CHECK_REASON,
        at__gte=timezone.now() - dt.timedelta(hours=1),
    ).count()


def _enforce_duplicate_limit(actor, *, ip: str | None = None) -> None:
    """Refuse before looking: a refusal that came only on a hit would itself be the answer."""
    if actor is None:
        return
    limit = settings.FANGKONG_DUPLICATE_CHECK_LIMIT
    if duplicate_checks_used(actor) < limit:
        return
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.DENIED,
        user=actor,
        username=actor.username,
        ip=ip,
        detail=f"duplicate ID check limit ({limit} per hour) reached",
    )
    raise ValidationError(
        {
            "id_number": _(
                "You have entered %(limit)d ID numbers that were already registered within the "
                "last hour, the most allowed. Registering with an ID number is paused for you "
                "for up to an hour; ask your supervisor if this is part of your work."
            )
            % {"limit": limit}
        },
        code="rate_limited",
    )


def _duplicate_error(actor, existing: Person | None) -> ValidationError:
    visible = (
        actor is not None
        and existing is not None
        and Person.objects.restrict(actor, "view").filter(pk=existing.pk).exists()
    )
    if visible:
        return ValidationError(
            {
                "id_number": ValidationError(
                    _(
                        "This ID number is already registered for %(name)s in %(area)s "
                        "(record #%(pk)d). Open that record instead, or merge the two records."
                    ),
                    code="duplicate",
                    params={"name": existing.name, "area": existing.area.name, "pk": existing.pk},
                )
            }
        )
    return ValidationError(
        {
            "id_number": ValidationError(
                _(
                    "This ID number is already registered elsewhere. If the person now lives "
                    "in your area, ask for a transfer (Persons › Transfer requests)."
                ),
                code="duplicate_elsewhere",
            )
        }
    )


def _log_duplicate_hit(actor, existing: Person, *, ip: str | None) -> None:
    if actor is None:
        return
    log_access(
        actor=actor,
        subjects=[existing],
        action=AccessLog.Action.SEARCH,
        fields=["id_number"],
        reason=DUPLICATE_CHECK_REASON,
        ip=ip,
    )


def check_id_number_free(
    *, actor, number: str, exclude_pk: int | None = None, ip: str | None = None
) -> None:
    """Raise a field error if a live person holds ``number``: whose, only if the actor may see
    them. Logs the hit and enforces the hourly limit (see above)."""
    if not number:
        return
    _enforce_duplicate_limit(actor, ip=ip)
    existing = _duplicate_hit(number, exclude_pk=exclude_pk)
    if existing is None:
        return
    _log_duplicate_hit(actor, existing, ip=ip)
    raise _duplicate_error(actor, existing)


def _is_duplicate_id(exc: IntegrityError) -> bool:
    text = str(exc)
    return _UNIQUE_ID_CONSTRAINT in text or "id_number_bidx" in text


def _write_unique(write, *, actor, number: str, exclude_pk: int | None, ip: str | None):
    """Run ``write`` in a savepoint; a duplicate that raced past the check (the database's
    unique index refused it) gets the same answer as one the check found."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as exc:
        if not number or not _is_duplicate_id(exc):
            raise
    existing = _duplicate_hit(number, exclude_pk=exclude_pk)
    if existing is not None:
        _log_duplicate_hit(actor, existing, ip=ip)
        raise _duplicate_error(actor, existing)
    raise _duplicate_error(None, None)


def person_create(
    *, actor, data: dict[str, Any], tags: list[Tag] | None = None, ip: str | None = None
) -> Person:
    """Register a person. The ID number must be new; the actor must hold the area."""
    fields = _normalise(data)
    if not fields.get("area"):
        raise ValidationError({"area": _("Choose the grid or village the person lives in.")})
    number = fields.get("id_number", "")
    check_id_number_free(actor=actor, number=number, ip=ip)
    return _write_unique(
        # The ID number was checked just above (logged, rate-limited) and the unique index
        # catches a race (_write_unique): the model's constraint check would repeat the query.
        lambda: create_record(
            Person,
            actor=actor,
            m2m={"tags": tags} if tags else None,
            unique_checked={"id_number_bidx"},
            **fields,
        ),
        actor=actor,
        number=number,
        exclude_pk=None,
        ip=ip,
    )


def person_update(
    *,
    actor,
    person: Person,
    expected_version: int | None,
    data: dict[str, Any],
    tags: list[Tag] | None = None,
    ip: str | None = None,
    receiver=None,
) -> Person:
    """Change a person's record; a stale ``expected_version`` raises ``StaleVersion``.

    ``receiver``: for an accepted transfer, the user who must be able to hold the record where
    it lands (the actor, who gives it away, usually cannot).
    """
    fields = _normalise(data)
    if "household" in fields and fields["household"] is not None and "area" not in data:
        fields["area"] = fields["household"].area
    number = fields.get("id_number", "")
    check_id_number_free(actor=actor, number=number, exclude_pk=person.pk, ip=ip)
    return _write_unique(
        lambda: update_record(
            person,
            actor=actor,
            expected_version=expected_version,
            changes=fields,
            m2m={"tags": tags} if tags is not None else None,
            recheck_actor=receiver,
        ),
        actor=actor,
        number=number,
        exclude_pk=person.pk,
        ip=ip,
    )


def person_delete(
    *, actor, person: Person, reason: str, expected_version: int | None = None
) -> Person:
    return soft_delete_record(person, actor=actor, reason=reason, expected_version=expected_version)


@transaction.atomic
def person_merge(
    *,
    actor,
    keep: Person,
    drop: Person,
    reason: str,
    keep_version: int,
    drop_version: int,
) -> Person:
    """Merge ``drop`` into ``keep``: blanks of ``keep`` are filled from ``drop``, tags joined.

    ``keep_version`` and ``drop_version`` are the versions the user looked at; if either record
    changed since, ``StaleVersion`` is raised and nothing is merged. ``drop`` is soft-deleted
    and points to ``keep`` (both in its history); both change histories stay, and the kept
    person's page links to the merged record's history.
    """
    if keep.pk == drop.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the merge.")})
    # Both rows locked and compared before anything is written.
    locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[keep.pk, drop.pk])}
    for person, version in ((keep, keep_version), (drop, drop_version)):
        current = locked.get(person.pk)
        if current is None:
            raise ValidationError(_("One of the records was deleted or merged meanwhile."))
        if version is None or current.version != version:
            raise StaleVersion(current)
    keep, drop = locked[keep.pk], locked[drop.pk]
    changes = {}
    for field in (
        "id_number",
        "phone",
        "household",
        "relation",
        "current_address",
        "registered_residence",
        "birth_date",
        "sex",
    ):
        if not getattr(keep, field) and getattr(drop, field):
            changes[field] = getattr(drop, field)
    drop_tags = list(drop.tags.all())
    soft_delete_record(
        drop,
        actor=actor,
        reason=_("Merged into #%(pk)d: %(why)s") % {"pk": keep.pk, "why": reason},
        expected_version=drop_version,
        changes={"merged_into": keep},
    )
    if "id_number" in changes:
        changes.update(_normalise({"id_number": changes["id_number"]}))
    kept = update_record(keep, actor=actor, expected_version=keep_version, changes=changes)
    if drop_tags:
        kept.tags.add(*drop_tags)
    return kept


def person_reveal(*, actor, person: Person, reason: str, ip: str | None = None) -> dict[str, str]:
    """The unmasked ID and phone, for a user who may see them, written to the access log."""
    reason = (reason or "").strip()
    if not can_view_sensitive(actor, person):
        raise PermissionDenied(_("You may not view unmasked personal data."))
    if len(reason) < 2:
        raise ValidationError({"reason": _("Say why you need to see the full numbers.")})
    log_access(
        actor=actor,
        subjects=[person],
        action=AccessLog.Action.VIEW,
        fields=["id_number", "phone"],
        reason=reason,
        ip=ip,
    )
    return {"id_number": person.id_number, "phone": person.phone}


def person_check(
    *,
    data: dict[str, Any],
    exclude_pk: int | None = None,
    actor=None,
    ip: str | None = None,
    check_duplicates: bool = True,
) -> dict[str, Any]:
    """Validate a person's data as ``person_create`` would, without writing (for imports).

    Returns the normalised fields; raises ``ValidationError`` keyed by field. Pass ``actor``:
    a duplicate is then named if the actor may see it, logged and counted; without one the
    answer says only "registered elsewhere". A batch write passes ``check_duplicates=False``
    and checks the ID numbers of all its rows in one query.
    """
    fields = _normalise(data)
    # The model's own field checks too (control characters, lengths, dates), so that an import
    # reports them on the row, not as one failure of the whole file when it is written.
    candidate = Person(**fields)
    # Related records come resolved in the caller's scope: their existence query per row
    # (ForeignKey.validate) would only repeat that read.
    candidate.clean_fields(
        exclude=[
            f.name for f in Person._meta.concrete_fields if f.name not in fields or f.many_to_one
        ]
    )
    if check_duplicates:
        check_id_number_free(
            actor=actor, number=fields.get("id_number", ""), exclude_pk=exclude_pk, ip=ip
        )
    return fields


def region_warnings(id_number: str) -> list[str]:
    """Warnings (not errors) about an accepted ID number, e.g. a retired region code."""
    if not id_number:
        return []
    try:
        return validate_resident_id(id_number).warnings
    except ValidationError:
        return []


def log_number_search(*, actor, query: str, found: list[Person], ip: str | None = None) -> None:
    """A lookup by someone's full ID or phone number tells whose number it is: log it as an
    access to their identity, the same from the search page and the API."""
    digits = sum(ch.isdigit() for ch in query)
    if digits < 11 or not found:
        return
    log_access(
        actor=actor,
        subjects=found,
        action=AccessLog.Action.SEARCH,
        fields=["id_number" if digits > 11 else "phone"],
        reason=_("search by full number"),
        ip=ip,
    )


# Transfer requests ------------------------------------------------------------------------------


def transfer_request(
    *,
    actor,
    id_number: str,
    to_area,
    reason: str,
    to_household=None,
    ip: str | None = None,
) -> TransferRequest:
    """Ask the area holding the person with ``id_number`` to move them into ``to_area``.

    The requester names the person by the number they hold in hand (the person is outside their
    view) and learns nothing more until the owning area accepts. The lookup is a duplicate-ID
    check like a registration: logged, and counted against the hourly limit.
    """
    from fangkong.places.selectors import areas_with_perm

    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if len(reason) < 2:
        errors["reason"] = [_("Say why the person should be moved to your area.")]
    else:
        try:
            validate_text(reason)
        except ValidationError as exc:
            errors["reason"] = exc.messages
    try:
        number = validate_resident_id(id_number).number
    except ValidationError as exc:
        errors["id_number"] = exc.messages
        number = ""
    if (
        to_area is None
        or not areas_with_perm(actor=actor, perm="people.add_person").filter(pk=to_area.pk).exists()
    ):
        errors["to_area"] = [_("Choose a grid or village of yours to move the person into.")]
    elif to_household is not None and to_household.area_id != to_area.pk:
        errors["to_household"] = [
            _("The household is in %(grid)s, not in the chosen area.")
            % {"grid": to_household.area.name}
        ]
    if errors:
        raise ValidationError(errors)
    _enforce_duplicate_limit(actor, ip=ip)
    existing = _duplicate_hit(number)
    if existing is None:
        raise ValidationError(
            {"id_number": _("Nobody is registered with this ID number: register the person.")}
        )
    _log_duplicate_hit(actor, existing, ip=ip)
    if Person.objects.restrict(actor, "change").filter(pk=existing.pk).exists():
        raise ValidationError(
            {
                "id_number": _(
                    "%(name)s is already in your area of responsibility: edit their record to "
                    "move them."
                )
                % {"name": existing.name}
            }
        )
    try:
        with transaction.atomic():
            return TransferRequest.objects.create(
                requester=actor,
                person=existing,
                from_area=existing.area,
                to_area=to_area,
                to_household=to_household,
                reason=reason[:200],
            )
    except IntegrityError:
        raise ValidationError(
            {"id_number": _("You have already asked for this person; wait for the answer.")}
        ) from None


def transfer_decide(
    *, actor, transfer: TransferRequest, accept: bool, note: str = ""
) -> TransferRequest:
    """Accept or refuse a pending request, as a user who may change the person where they are.

    Accepting moves the person into the requester's area (and household) through
    ``person_update``, so the move is in the person's history; the requester must be able to
    hold them there.
    """
    with transaction.atomic():
        locked = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
        if locked.status != TransferRequest.Status.PENDING:
            raise ValidationError(_("This request was already answered."))
        person = Person.objects.restrict(actor, "change").filter(pk=locked.person_id).first()
        if person is None:
            raise PermissionDenied(_("Only the area that holds the person answers this request."))
        note = (note or "").strip()
        if not accept and len(note) < 2:
            raise ValidationError({"note": _("Say why the request is refused.")})
        validate_text(note)
        if accept:
            data: dict[str, Any] = {"area": locked.to_area, "household": locked.to_household}
            if person.household_id and locked.to_household_id != person.household_id:
                data["relation"] = ""  # the relation was to the head of the old household
            person_update(
                actor=actor,
                person=person,
                expected_version=None,
                data=data,
                receiver=locked.requester,
            )
        locked.status = (
            TransferRequest.Status.ACCEPTED if accept else TransferRequest.Status.REFUSED
        )
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note[:200]
        locked.full_clean()
        locked.save()
        return locked


# District-wide lookup of one ID number ----------------------------------------------------------

# Stored untranslated: the limit counts the rows by this prefix.
LOOKUP_REASON_PREFIX = "lookup: "


def person_lookups_used(actor) -> int:
    """District-wide ID lookups by ``actor`` in the last hour."""
    return AccessLog.objects.filter(
        actor=actor,
        action=AccessLog.Action.SEARCH,
        reason__startswith=LOOKUP_REASON_PREFIX,
        at__gte=timezone.now() - dt.timedelta(hours=1),
    ).count()


def person_lookup(*, actor, id_number: str, purpose: str, ip: str | None = None) -> Person | None:
    """The live person holding ``id_number`` anywhere in the district, or ``None``.

    For the desks where anyone may turn up — a checkpoint, a fever clinic, a pharmacy — whose
    staff cannot browse the registry: they type the whole number and get that one person. The
    caller shows only what the desk needs (name, masked number, whether a key person). Every
    lookup that finds someone is in the access log under ``purpose`` (e.g. "checkpoint
    passage"), and each user may find ``FANGKONG_PERSON_LOOKUP_LIMIT`` persons an hour this
    way: the limit is checked before looking, so a refusal never tells whether the number
    exists. The number is
    validated first (``validate_resident_id``), so a mistyped digit is answered with which rule
    failed, not with "not found"."""
    number = (id_number or "").strip().upper()
    validate_resident_id(number)
    limit = settings.FANGKONG_PERSON_LOOKUP_LIMIT
    if actor is not None and person_lookups_used(actor) >= limit:
        SecurityEvent.objects.create(
            kind=SecurityEvent.Kind.DENIED,
            user=actor,
            username=actor.username,
            ip=ip,
            detail=f"person lookup limit ({limit} per hour) reached",
        )
        raise ValidationError(
            {
                "id_number": ValidationError(
                    _(
                        "You have looked up %(limit)d ID numbers within the last hour, the most "
                        "allowed. Lookups are paused for you for up to an hour; ask your "
                        "supervisor if this is part of your work."
                    )
                    % {"limit": limit},
                    code="rate_limited",
                )
            }
        )
    person = (
        Person.objects.filter(id_number_bidx=blind_index(number, "resident_id"))
        .select_related("area", "household")
        .first()
    )
    if actor is not None and person is not None:
        log_access(
            actor=actor,
            subjects=[person],
            action=AccessLog.Action.SEARCH,
            fields=["id_number"],
            reason=(LOOKUP_REASON_PREFIX + purpose)[:200],
            ip=ip,
        )
    return person
