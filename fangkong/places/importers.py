"""Imports of the area tree and of households from XLSX/CSV ledgers.

Each row is checked against the importer's own scope: a row naming an area the uploader may not
add to is rejected with that reason, like any other bad row, and then nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.imports import Importer
from fangkong.core.kit.columns import KitImporter
from fangkong.core.xlsx import Column
from fangkong.places import selectors, services
from fangkong.places.kit import household_kit
from fangkong.places.models import Area

# Level names as officials write them, in any of the three interface languages.
LEVEL_WORDS = {
    "1": Area.Level.DISTRICT,
    "district": Area.Level.DISTRICT,
    "区": Area.Level.DISTRICT,
    "區": Area.Level.DISTRICT,
    "县": Area.Level.DISTRICT,
    "縣": Area.Level.DISTRICT,
    "2": Area.Level.TOWN,
    "town": Area.Level.TOWN,
    "镇": Area.Level.TOWN,
    "鎮": Area.Level.TOWN,
    "乡": Area.Level.TOWN,
    "鄉": Area.Level.TOWN,
    "街道": Area.Level.TOWN,
    "3": Area.Level.VILLAGE,
    "village": Area.Level.VILLAGE,
    "村": Area.Level.VILLAGE,
    "4": Area.Level.COMMUNITY,
    "community": Area.Level.COMMUNITY,
    "社区": Area.Level.COMMUNITY,
    "社區": Area.Level.COMMUNITY,
    "5": Area.Level.GRID,
    "grid": Area.Level.GRID,
    "网格": Area.Level.GRID,
    "網格": Area.Level.GRID,
}


def parse_level(value: str) -> int:
    text = (value or "").strip().lower()
    if text in LEVEL_WORDS:
        return int(LEVEL_WORDS[text])
    for level, label in Area.Level.choices:
        if text == str(label).lower():
            return level
    raise ValidationError(
        {
            "level": _("Unknown level %(v)s: write district, town, village, community or grid.")
            % {"v": value or "—"}
        }
    )


class AreaImporter(Importer):
    key = "places.areas"
    title = gettext_lazy("Areas")
    columns = [
        Column(
            "code",
            gettext_lazy("Code"),
            required=True,
            width=18,
            example="430971100201003",
            help=gettext_lazy("Official division code, digits only, unique."),
        ),
        Column("name", gettext_lazy("Name"), required=True, width=20, example="东湖村三组"),
        Column(
            "level",
            gettext_lazy("Level"),
            required=True,
            width=10,
            example="grid",
            help=gettext_lazy("district, town, village, community or grid."),
        ),
        Column(
            "parent_code",
            gettext_lazy("Parent code"),
            width=18,
            example="430971100201",
            help=gettext_lazy(
                "Code of the area above; it must exist already or be in an "
                "earlier row of this file."
            ),
        ),
    ]

    def start(self, actor) -> dict[str, Any]:
        return {
            "areas": selectors.AreaCodes(actor=actor, perm="places.add_area"),
            # Soft-deleted areas keep their codes: the unique constraint still holds them.
            "existing": set(Area.all_objects.values_list("code", flat=True)),
            "new": {},
        }

    def prepare(self, row, *, actor, context):
        code, name = row.get("code", "").strip(), row.get("name", "").strip()
        errors = {}
        if not code.isdigit():
            errors["code"] = _("An area code is digits only.")
        elif code in context["existing"] or code in context["new"]:
            errors["code"] = _("Code %(code)s is already used.") % {"code": code}
        if not name:
            errors["name"] = _("Enter the name.")
        try:
            level = parse_level(row.get("level", ""))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            level = None
        parent_code = row.get("parent_code", "").strip()
        parent_level = None
        if not parent_code:
            errors.setdefault(
                "parent_code", _("Give the parent code: new areas go below an area of yours.")
            )
        elif parent_code in context["new"]:
            parent_level = context["new"][parent_code]
        else:
            try:
                parent_level = context["areas"].get(parent_code).level
            except ValidationError as exc:
                errors["parent_code"] = exc.messages[0]
        if level and parent_level and level not in Area.CHILD_LEVELS.get(parent_level, set()):
            errors["level"] = _("A %(child)s cannot be placed under a %(parent)s.") % {
                "child": Area.Level(level).label,
                "parent": Area.Level(parent_level).label,
            }
        if errors:
            raise ValidationError(errors)
        context["new"][code] = level
        return {"code": code, "name": name, "level": level, "parent_code": parent_code}

    def commit(self, prepared, *, actor, context):
        made = {}
        for item in prepared:  # rows come parents-first (checked in prepare)
            parent = made.get(item["parent_code"]) or context["areas"].get(item["parent_code"])
            made[item["code"]] = services.area_create(
                actor=actor,
                code=item["code"],
                name=item["name"],
                level=item["level"],
                parent=parent,
            )
        return len(made)


class HouseholdImporter(KitImporter):
    """Households from the household kit: area by code, validated by ``household_check``."""

    key = "places.households"
    title = gettext_lazy("Households")
    kit = household_kit
