from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BigdataConfig(AppConfig):
    name = "fangkong.bigdata"
    label = "bigdata"
    verbose_name = _("Big-data lists")

    def ready(self):
        # Registries must be filled in every process, the job worker included (it never loads
        # the URLconf): kits, exporters, the import job's handler.
        from . import exporters, kit, services  # noqa: F401
