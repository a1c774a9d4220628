from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "fangkong.surveys"
    label = "surveys"
    verbose_name = _("Carpet surveys")
