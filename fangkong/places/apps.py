from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "fangkong.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self):
        # Register importers and exporters in every process, the task worker included, which
        # never loads the URLconf that imports the views.
        from . import exporters, importers, kit  # noqa: F401

    # The area-tree contract core's home page reads (core never imports places; see
    # core.scoping.area_model and settings.FANGKONG_AREA_MODEL).
    def area_roots(self, *, actor):
        from .selectors import area_roots

        return area_roots(actor=actor)

    def area_counts(self, *, actor, areas):
        from .selectors import area_counts

        return area_counts(actor=actor, areas=areas)
