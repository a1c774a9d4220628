from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservationConfig(AppConfig):
    name = "fangkong.observation"
    label = "observation"
    verbose_name = _("Observation")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never loads
        # the URLconf): kits, choice sources, exporters, importers, the batch listener.
        from . import choices, exporters, importers, kit, signals  # noqa: F401

        choices.register()
