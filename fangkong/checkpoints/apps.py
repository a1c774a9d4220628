from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "fangkong.checkpoints"
    label = "checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never loads
        # the URLconf): kits, choice sources, exporters, importers, the batch's follow-up.
        from fangkong.core.kit.batch import records_created

        from . import choices, exporters, importers, kit  # noqa: F401
        from .models import Passage

        records_created.connect(_passages_batched, sender=Passage, dispatch_uid="checkpoints")


def _passages_batched(sender, objs, actor, **kwargs):
    """A batch of passages went in by bulk insert: link them to the registry and set off what
    fevers and risk origins set off, in the batch's transaction."""
    from .services import link_and_follow_up

    link_and_follow_up(actor=actor, passages=objs)
