"""Import of persons from XLSX/CSV ledgers, validated exactly as the person form is."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.crypto import blind_index
from fangkong.core.imports import Importer
from fangkong.core.xlsx import Column
from fangkong.people import selectors, services
from fangkong.places import selectors as place_selectors
from fangkong.places.models import Area, Household

YES = {"是", "yes", "y", "1", "true", "常住", "√", "✓"}
NO = {"否", "no", "n", "0", "false", "非常住", "×"}
_TAG_SPLIT = re.compile(r"[、,，;；\s]+")


def parse_yes_no(value: str, *, default: bool = True) -> bool:
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in YES or text == str(_("yes")).lower():
        return True
    if text in NO or text == str(_("no")).lower():
        return False
    raise ValidationError({"is_resident": _("Write yes or no (是/否), not %(v)s.") % {"v": value}})


class PersonImporter(Importer):
    key = "people.persons"
    title = gettext_lazy("Persons")
    columns = [
        Column("name", gettext_lazy("Name"), required=True, width=10, example="张三"),
        Column(
            "id_number",
            gettext_lazy("ID number"),
            width=20,
            example="430971198001010016",
            help=gettext_lazy("18 characters; checksum and birth date are checked."),
        ),
        Column(
            "phone",
            gettext_lazy("Phone"),
            width=14,
            example="13800000001",
            help=gettext_lazy("Mainland mobile number, 11 digits."),
        ),
        Column(
            "grid_code",
            gettext_lazy("Grid code"),
            required=True,
            width=18,
            example="430971100201001",
            help=gettext_lazy("Code of a grid of yours."),
        ),
        Column(
            "household_number",
            gettext_lazy("Household number"),
            width=10,
            example="001",
            help=gettext_lazy("An existing household of that grid, or empty."),
        ),
        Column("relation", gettext_lazy("Relation"), width=8, example="户主"),
        Column("current_address", gettext_lazy("Current address"), width=26),
        Column("registered_residence", gettext_lazy("Registered residence"), width=26),
        Column(
            "is_resident",
            gettext_lazy("Resident"),
            width=8,
            example="是",
            help=gettext_lazy("yes/no (是/否); empty means yes."),
        ),
        Column(
            "tags",
            gettext_lazy("Tags"),
            width=16,
            help=gettext_lazy("Existing tag names, separated by 、"),
        ),
    ]

    def start(self, actor):
        return {
            "areas": place_selectors.AreaCodes(actor=actor, perm="people.add_person"),
            "tags": {t.name: t for t in selectors.tag_choices()},
            "households": {},
            "seen_ids": {},
        }

    def _household(self, actor, context, area: Area, number: str) -> Household | None:
        key = (area.pk, number)
        if key not in context["households"]:
            try:
                context["households"][key] = place_selectors.household_by_number(
                    actor=actor, area=area, number=number
                )
            except Household.DoesNotExist:
                context["households"][key] = None
        return context["households"][key]

    def prepare(self, row, *, actor, context):
        errors: dict[str, list[str]] = {}
        try:
            area = context["areas"].get(row.get("grid_code", ""))
        except ValidationError as exc:
            area, errors["grid_code"] = None, exc.messages
        household = None
        number = row.get("household_number", "")
        if area is not None and number:
            household = self._household(actor, context, area, number)
            if household is None:
                errors["household_number"] = [
                    _("There is no household %(n)s in %(grid)s.") % {"n": number, "grid": area.name}
                ]
        tags = []
        for name in filter(None, _TAG_SPLIT.split(row.get("tags", ""))):
            if name in context["tags"]:
                tags.append(context["tags"][name])
            else:
                errors.setdefault("tags", []).append(_("Unknown tag %(t)s.") % {"t": name})
        data = {
            "name": row.get("name", ""),
            "id_number": row.get("id_number", ""),
            "phone": row.get("phone", ""),
            "area": area,
            "household": household,
            "relation": row.get("relation", ""),
            "current_address": row.get("current_address", ""),
            "registered_residence": row.get("registered_residence", ""),
        }
        try:
            data["is_resident"] = parse_yes_no(row.get("is_resident", ""))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            fields = services.person_check(data=data, actor=actor)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                if key == "household" and area is None:
                    continue
                errors.setdefault("household_number" if key == "household" else key, []).extend(
                    messages
                )
            fields = {}
        number_id = fields.get("id_number")
        if number_id:
            bidx = blind_index(number_id, "resident_id")
            if bidx in context["seen_ids"]:
                errors.setdefault("id_number", []).append(
                    _("The same ID number is already in an earlier row of this file (%(name)s).")
                    % {"name": context["seen_ids"][bidx]}
                )
            else:
                context["seen_ids"][bidx] = data["name"]
        if errors:
            raise ValidationError(errors)
        return data, tags

    def commit(self, prepared, *, actor, context):
        for data, tags in prepared:
            services.person_create(actor=actor, data=data, tags=tags)
        return len(prepared)
