"""XLSX exports of the area tree and households; headers match the import templates."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.exports import ExportColumn, Exporter
from fangkong.core.xlsx import Column
from fangkong.places import selectors


class AreaExporter(Exporter):
    key = "places.areas"
    title = _("Areas")
    columns = [
        ExportColumn(Column("code", _("Code"), width=18), lambda a, u: a.code),
        ExportColumn(Column("name", _("Name"), width=20), lambda a, u: a.name),
        ExportColumn(Column("level", _("Level"), width=10), lambda a, u: a.get_level_display()),
        ExportColumn(
            Column("parent_code", _("Parent code"), width=18),
            lambda a, u: a.parent.code if a.parent_id else "",
        ),
    ]

    def queryset(self, *, actor, params):
        return selectors.area_list(actor=actor, filters=params)


class HouseholdExporter(Exporter):
    key = "places.households"
    title = _("Households")
    columns = [
        ExportColumn(Column("grid_code", _("Grid code"), width=18), lambda h, u: h.area.code),
        ExportColumn(Column("grid_name", _("Grid"), width=16), lambda h, u: h.area.name),
        ExportColumn(Column("number", _("Household number"), width=12), lambda h, u: h.number),
        ExportColumn(Column("address", _("Address"), width=30), lambda h, u: h.address),
        ExportColumn(
            Column("head_name", _("Head of household"), width=12), lambda h, u: h.head_name
        ),
    ]

    def queryset(self, *, actor, params):
        return selectors.household_list(actor=actor, filters=params)
