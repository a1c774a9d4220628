"""XLSX export of persons: masked unless the user may and does ask for full numbers.

Headers are those of the import template, so an exported sheet can be corrected and re-imported.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.exports import ExportColumn, Exporter
from fangkong.core.xlsx import Column
from fangkong.people import selectors


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


class PersonExporter(Exporter):
    key = "people.persons"
    title = gettext_lazy("Persons")
    columns = [
        ExportColumn(Column("name", gettext_lazy("Name"), width=10), lambda p, u: p.name),
        ExportColumn(
            Column("id_number", gettext_lazy("ID number"), width=20),
            lambda p, u: p.id_number if u else p.masked("id_number"),
            sensitive=True,
        ),
        ExportColumn(
            Column("phone", gettext_lazy("Phone"), width=14),
            lambda p, u: p.phone if u else p.masked("phone"),
            sensitive=True,
        ),
        ExportColumn(Column("sex", gettext_lazy("Sex"), width=6), lambda p, u: p.get_sex_display()),
        ExportColumn(
            Column("birth_date", gettext_lazy("Date of birth"), width=12),
            lambda p, u: p.birth_date.isoformat() if p.birth_date else "",
        ),
        ExportColumn(
            Column("grid_code", gettext_lazy("Grid code"), width=18), lambda p, u: p.area.code
        ),
        ExportColumn(
            Column("household_number", gettext_lazy("Household number"), width=10),
            lambda p, u: p.household.number if p.household_id else "",
        ),
        ExportColumn(
            Column("relation", gettext_lazy("Relation"), width=8), lambda p, u: p.relation
        ),
        ExportColumn(
            Column("current_address", gettext_lazy("Current address"), width=26),
            lambda p, u: p.current_address,
        ),
        ExportColumn(
            Column("registered_residence", gettext_lazy("Registered residence"), width=26),
            lambda p, u: p.registered_residence,
        ),
        ExportColumn(
            Column("is_resident", gettext_lazy("Resident"), width=8),
            lambda p, u: _yes_no(p.is_resident),
        ),
        ExportColumn(
            Column("tags", gettext_lazy("Tags"), width=16),
            lambda p, u: "、".join(t.name for t in p.tags.all()),
        ),
    ]

    def queryset(self, *, actor, params):
        return selectors.person_list(actor=actor, filters=params).prefetch_related("tags")
