"""XLSX exports of every big-data list (masked by field type, streamed)."""

from django.utils.translation import gettext_lazy as _

from fangkong.bigdata.kit import carrier_list_kit, list_row_kit, outcome_kit, task_kit
from fangkong.core.kit.columns import KitExporter


class CarrierListExporter(KitExporter):
    key, title, kit = "bigdata.carrier-lists", _("Carrier lists"), carrier_list_kit


class ListRowExporter(KitExporter):
    key, title, kit = "bigdata.carrier-list-rows", _("Carrier list rows"), list_row_kit


class TaskExporter(KitExporter):
    key, title, kit = "bigdata.verification-tasks", _("Verification tasks"), task_kit


class OutcomeExporter(KitExporter):
    key, title, kit = "bigdata.verification-outcomes", _("Verification outcomes"), outcome_kit
