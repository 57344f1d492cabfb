"""Role-aware navigation for the staff workspace."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import CENTRE_ROLES, Role
from .permissions import LEDGER_ROLES, SIGNED_IN_ROLES

# (URL name, label, roles that see it), in menu order.
NAVIGATION = [
    ("core:home", _("Overview"), SIGNED_IN_ROLES),
    ("parks:park_list", _("Parks"), SIGNED_IN_ROLES),
    ("contracts:contract_list", _("Contracts"), SIGNED_IN_ROLES),
    ("field:app", _("Field app"), frozenset({Role.INSPECTOR})),
    ("inspections:order_list", _("Rectification orders"), SIGNED_IN_ROLES),
    ("inspections:review_list", _("Review"), CENTRE_ROLES),
    ("inspections:sample_verify", _("Sample verification"), SIGNED_IN_ROLES),
    ("servicerequests:request_list", _("Service requests"), SIGNED_IN_ROLES),
    ("patrols:dashboard", _("Patrols"), SIGNED_IN_ROLES),
    ("sensors:dashboard", _("Sensors"), SIGNED_IN_ROLES),
    ("assessments:assessment_list", _("Assessments"), SIGNED_IN_ROLES),
    ("assessments:certificate_list", _("Payment certificates"), CENTRE_ROLES),
    ("providers:provider_list", _("Providers"), CENTRE_ROLES),
    ("procurement:tender_list", _("Procurement"), SIGNED_IN_ROLES),
    ("core:notifications", _("Notifications"), SIGNED_IN_ROLES),
    ("core:ledger", _("Audit ledger"), LEDGER_ROLES),
    ("open311_keys:key_list", _("Open311 keys"), frozenset({Role.ADMIN})),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path.startswith(reverse(name))}
        for name, label, roles in NAVIGATION
        if user.has_role(*roles)
    ]
    # "Overview" is the root: mark it active only on the root itself.
    if items:
        items[0]["active"] = request.path == items[0]["url"]
    return {"navigation": items}
