from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "fangkong.surveys"
    label = "surveys"
    verbose_name = _("Carpet surveys")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never
        # loads the URLconf): kits and exporters.
        from . import exporters, kit  # noqa: F401
