"""Writes to the area tree and households. Every function: keyword-only, one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.places.models import Area, Household


def area_create(
    *, actor, code: str, name: str, level: int, parent: Area | None, description: str = ""
) -> Area:
    """Add an area under ``parent``; the actor must hold the area-add permission there."""
    return create_record(
        Area,
        actor=actor,
        code=code.strip(),
        name=name.strip(),
        level=level,
        parent=parent,
        description=description,
    )


@transaction.atomic
def area_update(*, actor, area: Area, expected_version: int | None, **changes) -> Area:
    """Rename or re-code an area; the paths of everything below follow a changed code."""
    old_path = area.path
    area = update_record(area, actor=actor, expected_version=expected_version, changes=changes)
    if area.path != old_path:
        Area.all_objects.filter(path__startswith=old_path).exclude(pk=area.pk).update(
            path=Concat(Value(area.path), Substr(F("path"), len(old_path) + 1))
        )
    return area


def household_create(
    *, actor, area: Area, number: str, address: str, head_name: str = "", note: str = ""
) -> Household:
    return create_record(
        Household,
        actor=actor,
        area=area,
        number=number.strip(),
        address=address.strip(),
        head_name=head_name.strip(),
        note=note,
    )


def household_check(*, data: dict, exclude_pk: int | None = None) -> dict:
    """Validate a household as ``household_create`` would, without writing (imports, batches).

    Runs the model's own validation (fields, ``clean()``, the number unique within its grid)
    on an unsaved record. Returns the normalised fields; raises ``ValidationError`` by field.
    """
    fields = {
        "area": data.get("area"),
        "number": (data.get("number") or "").strip(),
        "address": (data.get("address") or "").strip(),
        "head_name": (data.get("head_name") or "").strip(),
        "note": data.get("note") or "",
    }
    errors = {}
    clash = Household.objects.filter(area=fields["area"], number=fields["number"])
    if fields["area"] is not None and fields["number"] and clash.exclude(pk=exclude_pk).exists():
        # Said here in words: the database constraint's own message only names the constraint.
        errors["number"] = [
            _("Household %(n)s already exists in this grid.") % {"n": fields["number"]}
        ]
    try:
        Household(pk=exclude_pk, **fields).full_clean(validate_constraints=False)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, messages)
    if errors:
        raise ValidationError(errors)
    return fields


def household_update(
    *, actor, household: Household, expected_version: int | None, **changes
) -> Household:
    return update_record(household, actor=actor, expected_version=expected_version, changes=changes)


def household_delete(
    *, actor, household: Household, reason: str, expected_version: int | None = None
) -> Household:
    if household.members.filter(deleted_at__isnull=True).exists():
        raise ValidationError(_("Move or delete the members of this household first."))
    return soft_delete_record(
        household, actor=actor, reason=reason, expected_version=expected_version
    )
