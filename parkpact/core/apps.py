from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parkpact.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app's tasks.py defines its queued jobs and registers its due-time sweeps.
        autodiscover_modules("tasks")
        # And each app's dashboard.py its figures on the staff workspace (core.dashboard).
        autodiscover_modules("dashboard")
