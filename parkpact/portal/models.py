"""What the portal keeps of its own: snapshots of figures too costly to count on every visit."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureSnapshot(models.Model):
    """A public page's figures as the worker last counted them, with the moment they describe.

    The public reports page walks 90 days of a city's reports (a quarter of a million at a
    million a year); the worker counts them every few minutes (``portal.snapshot_requests``)
    and the page reads one row, saying how recent it is. Nothing is cached behind the reader's
    back: the page shows the snapshot's time, and counts afresh when the snapshot is stale
    (no worker running)."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    computed_at = models.DateTimeField(_("counted at"))
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("figure snapshot")
        verbose_name_plural = _("figure snapshots")

    def __str__(self) -> str:
        return f"{self.name} @ {self.computed_at:%Y-%m-%d %H:%M}"
