"""Workspace figures: sensor alerts still open."""

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.core.dashboard import Tile, register_tiles
from parkpact.core.models import User

from .models import Alert


@register_tiles(40)
def tiles(user: User, now: datetime) -> list[Tile]:
    count = Alert.objects.visible_to(user).open().count()
    return [Tile(_("Open sensor alerts"), count, reverse("sensors:alert_list"), True)]
