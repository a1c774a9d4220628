from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "fangkong.medical"
    label = "medical"
    verbose_name = _("Treatment")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never loads
        # the URLconf): kits, exporters, importers, and the batch follow-up of pharmacy reports.
        from . import exporters, importers, kit, signals  # noqa: F401
