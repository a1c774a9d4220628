from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "fangkong.people"
    label = "people"
    verbose_name = _("People")

    def ready(self):
        # Register importers and exporters in every process, the task worker included, which
        # never loads the URLconf that imports the views.
        from . import exporters, importers, kit  # noqa: F401
