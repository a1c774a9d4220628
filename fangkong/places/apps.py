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

    # The area-tree contract core's home page reads (core never imports places; see
    # core.scoping.area_model and settings.FANGKONG_AREA_MODEL).
    def area_roots(self, *, actor):
        from .selectors import area_roots

        return area_roots(actor=actor)

    def area_counts(self, *, actor, areas):
        from .selectors import area_counts

        return area_counts(actor=actor, areas=areas)

    def scoped_total(self, *, actor, label: str) -> int | None:
        """Kept total of the records of model ``label`` in the actor's scope."""
        from django.apps import apps

        from .counts import scoped_total

        return scoped_total(actor=actor, model=apps.get_model(label))
