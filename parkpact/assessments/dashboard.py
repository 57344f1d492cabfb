"""Workspace figures: assessments waiting for someone, appeals to decide, certificates to pay."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from parkpact.core.dashboard import Tile, register_tiles
from parkpact.core.models import Role, User

from .models import Appeal, Assessment, PaymentCertificate


@register_tiles(50)
def tiles(user: User, now: datetime) -> list[Tile]:
    Status = Assessment.Status
    visible = Assessment.objects.visible_to(user)
    counts = visible.aggregate(
        to_send=Count("pk", filter=Q(status=Status.DRAFT)),
        sent=Count("pk", filter=Q(status=Status.SENT)),
        to_approve=Count("pk", filter=Q(status__in=[Status.CONFIRMED, Status.DECIDED])),
    )
    appeals = Appeal.objects.filter(
        status=Appeal.Status.PENDING, line__assessment__in=visible
    ).count()
    url = reverse("assessments:assessment_list")
    if not user.is_centre_staff:
        return [
            Tile(_("Assessments awaiting your confirmation"), counts["sent"], url, True),
            Tile(_("Your appeals awaiting a decision"), appeals, url),
        ]
    found = [
        Tile(_("Draft assessments to send"), counts["to_send"], url),
        Tile(_("Appeals awaiting a decision"), appeals, url, True),
        Tile(_("Assessments ready to approve"), counts["to_approve"], url),
    ]
    if user.has_role(Role.FINANCE, Role.ADMIN):
        pending = (
            PaymentCertificate.objects.visible_to(user)
            .filter(status=PaymentCertificate.Status.PENDING)
            .count()
        )
        found.append(
            Tile(
                _("Payment certificates awaiting finance"),
                pending,
                reverse("assessments:certificate_list"),
                True,
            )
        )
    return found
