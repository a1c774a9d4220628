from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_migrate

        from fangkong.core import lookups, signals  # noqa: F401
        from fangkong.core.roles import seed_roles

        post_migrate.connect(seed_roles, sender=self, dispatch_uid="fangkong_seed_roles")
