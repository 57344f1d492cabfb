"""Incidents: reported by guards or opened from the public's security reports, then on scene and
resolved, each step timed against the contract's response target and recorded in the audit
ledger (docs/patrols.md)."""

import hashlib
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.core.notifications import centre_message, managers, notify_on_commit
from parkpact.core.photos import check_photo
from parkpact.core.services import record_event, snapshot
from parkpact.parks.models import Zone

from .models import (
    DEFAULT_RESPONSE_MINUTES,
    Incident,
    IncidentPhoto,
)
from .services import TRANSITION_REFUSED, Position, refuse

NOT_YOUR_CONTRACT = _("This contract is not your company's: report under your own contract.")
SERIOUS_MESSAGE = _("Serious incident #%(number)s (%(kind)s) reported at %(place)s.")

# ---- Incidents ---------------------------------------------------------------------------------

INCIDENT_FIELDS = [
    "contract",
    "kind",
    "severity",
    "status",
    "zone",
    "longitude",
    "latitude",
    "source",
    "service_request",
    "reported_at",
    "on_scene_at",
    "resolved_at",
    "target_minutes",
    "notes",
]


def response_target_minutes(contract: Contract) -> int:
    target = getattr(contract, "response_target", None)
    return target.minutes if target is not None else DEFAULT_RESPONSE_MINUTES


def incident_link(incident: Incident) -> str:
    return reverse("patrols:incident_detail", kwargs={"pk": incident.pk})


def report_incident(
    *,
    contract: Contract,
    kind: str,
    severity: str,
    by: User | None,
    zone: Zone | None = None,
    position: Position | None = None,
    reported_at: datetime | None = None,
    notes: str = "",
    service_request: Any = None,
) -> Incident:
    """Open an incident for a security contract; a serious one notifies the managers at once.

    The source is the reporter's: a guard (the contractor's staff), centre staff, or the public
    when it comes from a service request."""
    if contract.service_kind != Contract.ServiceKind.SECURITY:
        raise refuse(_("Incidents are handled under a security contract."), "not_security")
    if service_request is not None:
        source = Incident.Source.PUBLIC
    elif by is not None and by.has_role(Role.PROVIDER):
        if by.provider_id != contract.provider_id:
            raise refuse(NOT_YOUR_CONTRACT, "not_your_contract")
        source = Incident.Source.GUARD
    else:
        source = Incident.Source.STAFF
    incident = Incident(
        contract=contract,
        kind=kind,
        severity=severity,
        zone=zone,
        source=source,
        reported_by=by,
        service_request=service_request,
        reported_at=reported_at or timezone.now(),
        target_minutes=response_target_minutes(contract),
        notes=notes,
    )
    if position is not None:
        incident.longitude, incident.latitude = position.longitude, position.latitude
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        record_event(
            actor=by,
            action="incident.report",
            obj=incident,
            after=snapshot(incident, INCIDENT_FIELDS),
        )
        if incident.is_serious:
            notify_on_commit(
                managers(),
                centre_message(
                    SERIOUS_MESSAGE,
                    number=incident.pk,
                    kind=Incident.Kind(kind).label,
                    place=str(zone) if zone else "—",
                ),
                incident_link(incident),
            )
    return incident


def _move_incident(
    incident: Incident, *, to: str, by: User | None, at: datetime, note: str
) -> Incident:
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if not incident.can_become(to):
            raise refuse(
                TRANSITION_REFUSED,
                "transition_not_allowed",
                current=Incident.Status(incident.status).label,
                next=Incident.Status(to).label,
            )
        if at < incident.reported_at:
            raise refuse(_("This time is before the incident was reported."), "before_report")
        before = snapshot(incident, INCIDENT_FIELDS)
        incident.status = to
        if to == Incident.Status.ON_SCENE:
            incident.on_scene_at = at
        if to == Incident.Status.RESOLVED:
            incident.resolved_at = at
        if note:
            incident.notes = f"{incident.notes}\n{note}".strip()
        incident.save(update_fields=["status", "on_scene_at", "resolved_at", "notes"])
        record_event(
            actor=by,
            action=f"incident.{to}",
            obj=incident,
            before=before,
            after=snapshot(incident, INCIDENT_FIELDS),
        )
    return incident


def _check_handler(incident: Incident, by: User) -> None:
    """Guards of the contractor, or centre managers, move an incident on."""
    if by.has_role(Role.MANAGER, Role.ADMIN):
        return
    if by.provider_id == incident.contract.provider_id:
        return
    raise refuse(_("Only the contractor's guards or a manager may do this."), "not_allowed")


def mark_on_scene(
    *, incident: Incident, by: User, at: datetime | None = None, note: str = ""
) -> Incident:
    _check_handler(incident, by)
    return _move_incident(
        incident, to=Incident.Status.ON_SCENE, by=by, at=at or timezone.now(), note=note
    )


def resolve_incident(
    *, incident: Incident, by: User, at: datetime | None = None, note: str = ""
) -> Incident:
    _check_handler(incident, by)
    return _move_incident(
        incident, to=Incident.Status.RESOLVED, by=by, at=at or timezone.now(), note=note
    )


def add_incident_photo(*, incident: Incident, data: bytes, by: User) -> IncidentPhoto:
    """Keep the checked, metadata-free copy of a photo of the incident (once per picture)."""
    _check_handler(incident, by)
    _content_type, _width, _height, display = check_photo(data)
    digest = hashlib.sha256(display).hexdigest()
    with transaction.atomic():
        photo, created = IncidentPhoto.objects.get_or_create(
            incident=incident,
            sha256=digest,
            defaults={"uploaded_by": by, "image": ContentFile(display, name=f"{digest[:16]}.jpg")},
        )
        if created:
            record_event(
                actor=by, action="incident.add_photo", obj=incident, after={"photo": digest}
            )
    return photo


# ---- Incidents from the public's reports --------------------------------------------------------

# The public's reports that are security incidents, and what they become.
PUBLIC_INCIDENTS: dict[str, tuple[str, str]] = {
    "safety": (Incident.Kind.HAZARD, Incident.Severity.MODERATE),
    "lost_person": (Incident.Kind.LOST_PERSON, Incident.Severity.SERIOUS),
    "noise_disorder": (Incident.Kind.DISTURBANCE, Incident.Severity.MINOR),
}


def open_incidents_from_public_reports() -> int:
    """Open an incident for each open public report of a security kind (a safety concern, a
    lost person, disorder) routed to a security contract, once. Its response time runs from
    when the public reported it. Returns how many were opened."""
    from parkpact.servicerequests.models import ServiceRequest

    reports = (
        ServiceRequest.objects.open()
        .filter(
            service__code__in=list(PUBLIC_INCIDENTS),
            contract__service_kind=Contract.ServiceKind.SECURITY,
            incidents__isnull=True,
        )
        .select_related("service", "contract", "zone")
        .order_by("requested_at")
    )
    opened = 0
    for report in reports:
        kind, severity = PUBLIC_INCIDENTS[report.service.code]
        position = None
        if report.longitude is not None and report.latitude is not None:
            position = Position(longitude=report.longitude, latitude=report.latitude)
        with transaction.atomic():
            # Another worker may have opened it meanwhile: lock the report and look again.
            locked = ServiceRequest.objects.select_for_update().get(pk=report.pk)
            if Incident.objects.filter(service_request=locked).exists():
                continue
            assert report.contract is not None
            report_incident(
                contract=report.contract,
                kind=kind,
                severity=severity,
                by=None,
                zone=report.zone,
                position=position,
                reported_at=report.requested_at,
                notes=report.description,
                service_request=locked,
            )
        opened += 1
    return opened
