"""Workspace figures: the public's reports open, overdue and (for the centre) to validate."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.core.dashboard import Tile, register_tiles
from parkpact.core.models import User

from .models import ServiceRequest


@register_tiles(20)
def tiles(user: User, now: datetime) -> list[Tile]:
    Status = ServiceRequest.Status
    # Only the reports not yet validated are read — open ones and resolved ones awaiting the
    # centre — from an index that holds just them (status and deadline: counting a column of
    # the index, not the key, lets PostgreSQL answer from the index alone).
    open_ = Q(status__in=ServiceRequest.OPEN_STATUSES)
    counts = (
        ServiceRequest.objects.visible_to(user)
        .filter(
            validated_at__isnull=True, status__in=[*ServiceRequest.OPEN_STATUSES, Status.RESOLVED]
        )
        .aggregate(
            open=Count("status", filter=open_),
            overdue=Count("status", filter=open_ & Q(expected_at__lt=now)),
            to_validate=Count("status", filter=Q(status=Status.RESOLVED)),
        )
    )
    url = reverse("servicerequests:request_list")
    found = [
        Tile(_("Open reports from the public"), counts["open"], url),
        Tile(_("Reports past their deadline"), counts["overdue"], f"{url}?overdue=on", True),
    ]
    if user.is_centre_staff:
        found.append(
            Tile(
                _("Resolved reports to validate"),
                counts["to_validate"],
                f"{url}?status={Status.RESOLVED}",
            )
        )
    return found
