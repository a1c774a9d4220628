from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.kit import checkpoint_kit, passage_kit, shift_kit
from fangkong.core.kit.columns import KitExporter


class CheckpointExporter(KitExporter):
    key, title, kit = "checkpoints.checkpoints", _("Checkpoints"), checkpoint_kit


class ShiftExporter(KitExporter):
    key, title, kit = "checkpoints.shifts", _("Shifts"), shift_kit


class PassageExporter(KitExporter):
    key, title, kit = "checkpoints.passages", _("Passages"), passage_kit
