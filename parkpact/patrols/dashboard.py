"""Workspace figures: incidents not yet resolved."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.core.dashboard import Tile, register_tiles
from parkpact.core.models import User

from .models import Incident


@register_tiles(30)
def tiles(user: User, now: datetime) -> list[Tile]:
    counts = (
        Incident.objects.visible_to(user)
        .open()
        .aggregate(
            open=Count("pk"),
            waiting=Count("pk", filter=Q(on_scene_at__isnull=True)),
        )
    )
    url = reverse("patrols:incident_list")
    return [
        Tile(_("Open incidents"), counts["open"], url),
        Tile(_("Incidents nobody has reached yet"), counts["waiting"], url, True),
    ]
