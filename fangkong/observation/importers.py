from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.columns import KitImporter
from fangkong.observation.kit import key_person_kit, roster_kit, site_kit


class KeyPersonImporter(KitImporter):
    key, title, kit = "observation.key-persons", _("Key persons"), key_person_kit


class SiteImporter(KitImporter):
    key, title, kit = "observation.observation-sites", _("Centralised observation sites"), site_kit


class RosterImporter(KitImporter):
    key, title, kit = "observation.team-roster", _("Team roster"), roster_kit
