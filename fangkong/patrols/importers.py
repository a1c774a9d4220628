"""Imports of the registers a town keeps by hand: venues and weddings/banquets/funerals.

Columns, validation (the kit's ``check``) and writes (``create``) come from the kits; an
import is all or nothing with a report of every rejected row."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.columns import KitImporter
from fangkong.patrols import kit


class VenueImporter(KitImporter):
    key, title, kit = "patrols.venues", _("Venues"), kit.venue_kit


class CeremonyImporter(KitImporter):
    key, title, kit = "patrols.ceremonies", _("Weddings, banquets and funerals"), kit.ceremony_kit
