"""XLSX exports of every list of the patrols app: columns, masking (the operator's number by
its field type) and headers come from the kits; the list's filters are the export's."""

from functools import cached_property

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.exports import ExportColumn
from fangkong.core.kit.columns import KitExporter
from fangkong.core.xlsx import Column
from fangkong.patrols import kit
from fangkong.patrols.models import VenueOrder


class PatrolExporter(KitExporter):
    key, title, kit = "patrols.patrols", _("Patrols"), kit.patrol_kit


class SpotCheckExporter(KitExporter):
    key, title, kit = "patrols.spot-checks", _("Spot checks"), kit.spot_check_kit


class DispersalExporter(KitExporter):
    key, title, kit = "patrols.dispersals", _("Gatherings dispersed"), kit.dispersal_kit


class ViolationExporter(KitExporter):
    key, title, kit = "patrols.violations", _("Violations"), kit.violation_kit


def _venue_status(venue, _unmasked) -> str:
    closed = getattr(venue, "state", None) == VenueOrder.Kind.CLOSURE
    return gettext("closed down") if closed else gettext("in business")


class VenueExporter(KitExporter):
    key, title, kit = "patrols.venues", _("Venues"), kit.venue_kit

    @cached_property
    def columns(self) -> list[ExportColumn]:  # type: ignore[override]
        # The status is derived from the orders (the selector's ``state``), not a field.
        status = ExportColumn(Column("status", gettext("Status today"), width=10), _venue_status)
        return [*super().columns, status]


class VenueOrderExporter(KitExporter):
    key, title, kit = (
        "patrols.venue-orders",
        _("Closure orders and reopenings"),
        kit.venue_order_kit,
    )


class VenueInspectionExporter(KitExporter):
    key, title, kit = (
        "patrols.venue-inspections",
        _("Venue inspections"),
        kit.venue_inspection_kit,
    )


class CeremonyExporter(KitExporter):
    key, title, kit = (
        "patrols.ceremonies",
        _("Weddings, banquets and funerals"),
        kit.ceremony_kit,
    )


class FollowUpExporter(KitExporter):
    key, title, kit = "patrols.follow-ups", _("Follow-up visits"), kit.follow_up_kit
