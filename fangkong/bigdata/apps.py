from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BigdataConfig(AppConfig):
    name = "fangkong.bigdata"
    label = "bigdata"
    verbose_name = _("Big-data lists")
