from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.kit import checkpoint_kit
from fangkong.core.kit.columns import KitImporter


class CheckpointImporter(KitImporter):
    key, title, kit = "checkpoints.checkpoints", _("Checkpoints"), checkpoint_kit
