"""XLSX exports of every surveys list (masked by field type, streamed by the kit)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.columns import KitExporter
from fangkong.surveys.kit import campaign_kit, declaration_kit, staff_kit, unit_kit, visit_kit


class CampaignExporter(KitExporter):
    key, title, kit = "surveys.survey-campaigns", _("Survey campaigns"), campaign_kit


class VisitExporter(KitExporter):
    key, title, kit = "surveys.survey-visits", _("Household visits"), visit_kit


class UnitExporter(KitExporter):
    key, title, kit = "surveys.units", _("Units"), unit_kit


class StaffExporter(KitExporter):
    key, title, kit = "surveys.unit-staff", _("Staff members"), staff_kit


class DeclarationExporter(KitExporter):
    key, title, kit = "surveys.staff-declarations", _("Staff declarations"), declaration_kit
