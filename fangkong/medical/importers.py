"""Imports of the registries a district keeps by hand: facilities."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.columns import KitImporter
from fangkong.medical.kit import facility_kit


class FacilityImporter(KitImporter):
    key, title, kit = "medical.facilities", _("Facilities"), facility_kit
