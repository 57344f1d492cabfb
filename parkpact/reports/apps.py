import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF and XLSX rendering shared by every report; owns no models."""

    name = "parkpact.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # WeasyPrint logs every layout step, and fontTools every table it subsets, at INFO:
        # quiet them unless the LOGGING setting says otherwise.
        for name in ("weasyprint.progress", "fontTools"):
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET:
                logger.setLevel(logging.WARNING)
