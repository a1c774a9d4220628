"""Writes to the person registry: create, update, delete, merge, and unmasked viewing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.models import AccessLog
from fangkong.core.sensitive import can_view_sensitive, log_access
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.text import pinyin_of
from fangkong.core.validators import validate_mobile, validate_resident_id
from fangkong.people.models import Person, Tag

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


def _normalise(data: dict[str, Any], *, instance: Person | None = None) -> dict[str, Any]:
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
        out["name_pinyin"], out["name_initials"] = pinyin_of(out["name"])
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


def _check_duplicate_id(number: str, *, exclude_pk: int | None = None) -> None:
    if not number:
        return
    from fangkong.core.crypto import blind_index

    clash = Person.objects.filter(id_number_bidx=blind_index(number, "resident_id"))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "id_number": _(
                    "A person with this ID number is already registered. Search for "
                    "them instead, or merge the two records."
                )
            },
            code="duplicate",
        )


@transaction.atomic
def person_create(*, actor, data: dict[str, Any], tags: list[Tag] | None = None) -> Person:
    """Register a person. The ID number must be new; the actor must hold the area."""
    fields = _normalise(data)
    if not fields.get("area"):
        raise ValidationError({"area": _("Choose the grid or village the person lives in.")})
    _check_duplicate_id(fields.get("id_number", ""))
    return create_record(Person, actor=actor, m2m={"tags": tags} if tags else None, **fields)


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    expected_version: int | None,
    data: dict[str, Any],
    tags: list[Tag] | None = None,
) -> Person:
    """Change a person's record; a stale ``expected_version`` raises ``StaleVersion``."""
    fields = _normalise(data, instance=person)
    if "household" in fields and fields["household"] is not None and "area" not in data:
        fields["area"] = fields["household"].area
    _check_duplicate_id(fields.get("id_number", ""), exclude_pk=person.pk)
    return update_record(
        person,
        actor=actor,
        expected_version=expected_version,
        changes=fields,
        m2m={"tags": tags} if tags is not None else None,
    )


def person_delete(
    *, actor, person: Person, reason: str, expected_version: int | None = None
) -> Person:
    return soft_delete_record(person, actor=actor, reason=reason, expected_version=expected_version)


@transaction.atomic
def person_merge(*, actor, keep: Person, drop: Person, reason: str) -> Person:
    """Merge ``drop`` into ``keep``: blanks of ``keep`` are filled from ``drop``, tags joined.

    ``drop`` is soft-deleted and points to ``keep``; both change histories stay, and the kept
    person's page links to the merged record's history.
    """
    if keep.pk == drop.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the merge.")})
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
    dropped = soft_delete_record(
        drop, actor=actor, reason=_("Merged into #%(pk)d: %(why)s") % {"pk": keep.pk, "why": reason}
    )
    Person.all_objects.filter(pk=dropped.pk).update(merged_into=keep)
    if "id_number" in changes:
        changes.update({k: v for k, v in _normalise({"id_number": changes["id_number"]}).items()})
    kept = update_record(keep, actor=actor, expected_version=None, changes=changes)
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
    *, data: dict[str, Any], exclude_pk: int | None = None, check_duplicates: bool = True
) -> dict[str, Any]:
    """Validate a person's data as ``person_create`` would, without writing (for imports).

    Returns the normalised fields; raises ``ValidationError`` keyed by field. A batch write
    passes ``check_duplicates=False`` and checks the ID numbers of all its rows in one query.
    """
    fields = _normalise(data)
    if check_duplicates:
        _check_duplicate_id(fields.get("id_number", ""), exclude_pk=exclude_pk)
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
