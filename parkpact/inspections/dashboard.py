"""Workspace figures: rectification orders open and past their deadline."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.core.dashboard import Tile, register_tiles
from parkpact.core.models import User

from .models import RectificationOrder


@register_tiles(10)
def tiles(user: User, now: datetime) -> list[Tile]:
    counts = (
        RectificationOrder.objects.visible_to(user)
        .open()
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(deadline__lt=now)))
    )
    url = reverse("inspections:order_list")
    return [
        Tile(_("Open rectification orders"), counts["open"], url),
        Tile(_("Rectification orders past their deadline"), counts["late"], f"{url}?late=on", True),
    ]
