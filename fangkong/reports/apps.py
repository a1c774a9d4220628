from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fangkong.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The worker runs the nightly task without loading the URLconf.
        from . import tasks  # noqa: F401
