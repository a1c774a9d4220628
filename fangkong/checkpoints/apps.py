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
        from fangkong.core.landing import register_landing

        from . import choices, exporters, importers, kit  # noqa: F401
        from .models import Passage

        records_created.connect(_passages_batched, sender=Passage, dispatch_uid="checkpoints")
        register_landing("checkpoints:home", applies=_is_checkpoint_staff, order=50)


def _is_checkpoint_staff(user) -> bool:
    """Checkpoint staff land on "my checkpoint, my shift" after logging in."""
    return user.grants.active().filter(role__code="checkpoint_staff").exists()


def _passages_batched(sender, objs, actor, **kwargs):
    """A batch of passages went in by bulk insert: link them to the registry and set off what
    fevers and risk origins set off, in the batch's transaction."""
    from .services import link_and_follow_up

    link_and_follow_up(actor=actor, passages=objs)
