"""The OCDS release log: every release ParkPact has published, never changed afterwards.

OCDS releases are point-in-time documents, so a change to a tender, award, contract or
payment is published as a new release, not by editing an old one (services.publish_releases).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    """One published OCDS 1.1.5 release: the state of one ParkPact object (its source) at the
    time of a change, kept as the exact JSON text served to the public."""

    ocid = models.CharField(_("open contracting id"), max_length=120)
    release_id = models.CharField(_("release id"), max_length=200, unique=True)
    date = models.DateTimeField(_("date"))
    tags = models.JSONField(_("tags"), default=list)
    source = models.CharField(
        _("source"), max_length=60, help_text=_("The object published, e.g. tender:12.")
    )
    sequence = models.PositiveIntegerField(_("release of this source"))
    data = models.TextField(_("release JSON"))
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        help_text=_("SHA-256 of the release without its id: unchanged content is not republished."),
    )
    published_at = models.DateTimeField(_("published at"))

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sequence"], name="publication_release_sequence"
            ),
        ]
        indexes = [
            models.Index(fields=["date", "id"], name="publication_release_keyset"),
            models.Index(fields=["ocid", "date"], name="publication_release_ocid"),
        ]

    def __str__(self) -> str:
        return self.release_id
