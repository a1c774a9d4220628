"""XLSX exports of the area tree and households; headers match the import templates.

Households take their columns from the household kit. Areas keep a hand-made list: the area
import is not row-by-row (a parent may be an earlier row of the same file, levels are written
as words) and its columns are mirrored here. Areas hold no personal data.
"""

from django.utils.translation import gettext_lazy as _

from fangkong.core.exports import ExportColumn, Exporter
from fangkong.core.kit.columns import KitExporter
from fangkong.core.xlsx import Column
from fangkong.places import selectors
from fangkong.places.kit import household_kit


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


class HouseholdExporter(KitExporter):
    key = "places.households"
    title = _("Households")
    kit = household_kit
