from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "fangkong.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self):
        # Register importers and exporters in every process, the task worker included, which
        # never loads the URLconf that imports the views.
        from . import counts, exporters, importers, kit  # noqa: F401

        counts.connect()
        from fangkong.core.paging import register_kept_total

        register_kept_total(counts.scoped_total)
