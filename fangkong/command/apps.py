from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "fangkong.command"
    label = "command"
    verbose_name = _("Command")

    def ready(self):
        # Registries must be filled in every process, the job worker included.
        from . import exporters, hooks, importers, kit  # noqa: F401
