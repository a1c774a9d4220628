from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "fangkong.patrols"
    label = "patrols"
    verbose_name = _("Patrols and venues")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never loads
        # the URLconf): kits, choice sources, exporters and importers.
        from fangkong.core.kit.seeds import reseed_after_flush

        from . import choices, exporters, importers, kit  # noqa: F401

        reseed_after_flush(self, "0002_arrangements", ("Arrangement",))
