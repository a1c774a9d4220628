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

        from fangkong.core.kit.seeds import reseed_after_flush

        reseed_after_flush(self, "0002_default_categories", ("KeyPersonCategory",))
        reseed_after_flush(self, "0004_default_lists", ("TeamRole", "Measure", "Symptom"))
