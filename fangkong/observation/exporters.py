from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.columns import KitExporter
from fangkong.observation.kit import (
    check_kit,
    key_person_kit,
    observation_kit,
    roster_kit,
    site_kit,
    team_kit,
)


class KeyPersonExporter(KitExporter):
    key, title, kit = "observation.key-persons", _("Key persons"), key_person_kit


class ObservationExporter(KitExporter):
    key, title, kit = "observation.observations", _("Observations"), observation_kit


class CheckExporter(KitExporter):
    key, title, kit = "observation.checks", _("Observation checks"), check_kit


class SiteExporter(KitExporter):
    key, title, kit = "observation.observation-sites", _("Centralised observation sites"), site_kit


class RosterExporter(KitExporter):
    key, title, kit = "observation.team-roster", _("Team roster"), roster_kit


class TeamExporter(KitExporter):
    key, title, kit = "observation.team-members", _("Team members"), team_kit
