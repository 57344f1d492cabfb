"""The life of a service request: submitted by the public, placed and routed, acknowledged and
resolved by the provider, validated by the centre, and confirmed or reopened by the reporter.

Every status change goes through ``_move``, which allows only ServiceRequest.TRANSITIONS and
writes a RequestEvent (the history the reporter and Open311 read) and an AuditEvent (the
ledger). Every entry point — the QR form, Open311, the queues, the demo — calls these functions.
"""

import hashlib
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from parkpact.contracts.models import Contract
from parkpact.core.models import Role, User
from parkpact.core.notifications import (
    centre_message,
    local_minute,
    notify_on_commit,
    users_in_roles,
)
from parkpact.core.photos import EXTENSIONS, check_photo, read_capped
from parkpact.core.services import record_event, snapshot
from parkpact.parks.geometry import WGS84, degrees_for
from parkpact.parks.models import Zone
from parkpact.parks.services import locate_point
from parkpact.providers.models import StaffMember
from parkpact.providers.services import provider_staff

from .models import (
    MAX_DESCRIPTION,
    BlockedContact,
    RequestEvent,
    RequestPhoto,
    Service,
    ServiceAttribute,
    ServiceRequest,
)

Status = ServiceRequest.Status

AUDITED_FIELDS = [
    "status",
    "zone",
    "contract",
    "provider",
    "acknowledge_by",
    "expected_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "validated_at",
    "contractor_at_fault",
    "duplicate_of",
]
# Who may sort the public's reports: reject them, merge duplicates, moderate, block, re-route,
# and validate a provider's resolution.
TRIAGE_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.INSPECTOR})
# Likely duplicates: the same service, this close, still open, reported this recently.
DUPLICATE_METRES = 30.0
DUPLICATE_WINDOW = timedelta(hours=24)
# The reporter may say "not fixed" this long after the resolution.
REOPEN_WINDOW = timedelta(days=14)
# Anything that looks like markup: a tag, a comment or a character reference.
_HTML = re.compile(r"<\s*[a-zA-Z!/?]|&#?[a-zA-Z0-9]+;")

# Messages the public and staff read.
UNKNOWN_SERVICE = _("There is no service with the code “%(code)s”.")
LOCATION_REQUIRED = _(
    "Say where the problem is: give lat and long, an address_string or an address_id."
)
BAD_COORDINATES = _(
    "Give lat and long as decimal degrees in WGS84: latitude within ±90, longitude within ±180."
)
FAR_FROM_PARKS = _("This place is not in or near any park the centre manages.")
UNKNOWN_ADDRESS_ID = _("There is no zone with the address_id “%(address_id)s”.")
DESCRIPTION_TOO_LONG = _("The description is longer than %(limit)s characters: shorten it.")
DESCRIPTION_HTML = _("Write the description as plain text, without HTML.")
ATTRIBUTE_REQUIRED = _("Answer “%(question)s”.")
ATTRIBUTE_UNKNOWN = _("The service “%(service)s” asks nothing called “%(code)s”.")
ATTRIBUTE_NOT_NUMBER = _("“%(question)s” needs a number.")
ATTRIBUTE_NOT_DATETIME = _(
    "“%(question)s” needs a date and time, such as 2026-05-01T08:30:00+08:00."
)
ATTRIBUTE_BAD_CHOICE = _("“%(value)s” is not one of the answers to “%(question)s”.")
ATTRIBUTE_ONE_VALUE = _("“%(question)s” takes one answer only.")
ATTRIBUTE_TOO_LONG = _("The answer to “%(question)s” is too long.")
BAD_EMAIL = _("Enter a valid email address, or leave it empty.")
BAD_PHONE = _("Enter a phone number of digits (it may start with + and contain spaces or dashes).")
BLOCKED = _(
    "Reports from this contact are not accepted. Call the park office if this is a mistake."
)
TRANSITION_REFUSED = _("A request that is “%(current)s” cannot become “%(next)s”.")
PHOTO_REQUIRED = _("Add a photo that shows the problem put right.")
NOTE_REQUIRED = _("Say why, so that the reporter and the provider can read it.")
REOPEN_TOO_LATE = _("This report was resolved more than 14 days ago: please make a new report.")
NOT_RESOLVED_YET = _("The provider has not said it is resolved yet: you can say so once it has.")
RATING_RANGE = _("Rate the fix from 1 to 5.")
RATING_NEEDS_RESOLUTION = _("You can rate the fix once the report is resolved.")
SAME_REQUEST = _("A request cannot be a duplicate of itself.")
MERGE_TARGET_CLOSED = _("Merge into a request that is still open, or into an earlier one.")
NOT_A_CONTRACT_FOR_IT = _("This contract does not cover that zone for this service.")
MODERATION_REASON = _("Say why the text was changed.")

NEW_REQUEST_MESSAGE = _(
    "New report #%(number)s: %(service)s in %(place)s, to resolve by %(deadline)s."
)
RESOLUTION_REJECTED_MESSAGE = _("The resolution of report #%(number)s was not accepted: %(note)s")
REOPENED_MESSAGE = _("The reporter says report #%(number)s is not fixed: it is open again.")
BREACH_MESSAGE = _("Report #%(number)s missed its deadline (%(deadline)s).")

# Public notes written by the system, in the centre's language.
NOTE_ROUTED = _("Sent to %(provider)s.")
NOTE_CENTRE = _("Handled by the park management centre.")
NOTE_REPORTER_FIXED = _("The reporter confirms it is fixed.")
NOTE_REPORTER_NOT_FIXED = _("The reporter says it is not fixed.")
NOTE_DUPLICATE = _("Already reported as #%(number)s: follow that report.")
NOTE_VALIDATED = _("The park management centre checked the work and closed the report.")
NOTE_ACK_BREACH = _("Not acknowledged in time.")
NOTE_RESOLVE_BREACH = _("Not resolved in time.")


def _link(request: ServiceRequest) -> str:
    return reverse("servicerequests:request_detail", kwargs={"pk": request.pk})


# ---- Checking what the public sends ---------------------------------------------------------


def find_service(code: str) -> Service:
    # The answers are checked against the attributes, maybe twice: fetch them once.
    service = Service.objects.filter(code=code, active=True).prefetch_related("attributes").first()
    if service is None:
        raise ValidationError(
            {
                "service_code": ValidationError(
                    UNKNOWN_SERVICE, code="unknown_service", params={"code": code}
                )
            }
        )
    return service


def clean_description(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            {
                "description": ValidationError(
                    DESCRIPTION_TOO_LONG, code="too_long", params={"limit": MAX_DESCRIPTION}
                )
            }
        )
    if _HTML.search(text):
        raise ValidationError({"description": ValidationError(DESCRIPTION_HTML, code="html")})
    return text


def clean_position(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal] | None:
    """Decimal (latitude, longitude) rounded to 6 places, or None when neither is given."""
    if latitude in (None, "") and longitude in (None, ""):
        return None
    try:
        lat = Decimal(str(latitude).strip())
        lon = Decimal(str(longitude).strip())
    except (InvalidOperation, ValueError):
        lat = lon = Decimal("NaN")
    if not (lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError({"lat": ValidationError(BAD_COORDINATES, code="bad_coordinates")})
    return lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001"))


def _attribute_error(
    attribute: ServiceAttribute, message: Any, code: str, **params: Any
) -> ValidationError:
    return ValidationError(
        {
            f"attribute[{attribute.code}]": ValidationError(
                message, code=code, params={"question": attribute.description, **params}
            )
        }
    )


def clean_attributes(service: Service, answers: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Check the answers to a service's questions (code → the values sent) against its
    definition; return what to store: a string, a number or a datetime as sent, or a list."""
    definitions = {attribute.code: attribute for attribute in service.attributes.all()}
    for code in answers:
        if code not in definitions:
            raise ValidationError(
                {
                    f"attribute[{code}]": ValidationError(
                        ATTRIBUTE_UNKNOWN,
                        code="unknown_attribute",
                        params={"service": service.code, "code": code},
                    )
                }
            )
    cleaned: dict[str, Any] = {}
    for code, attribute in definitions.items():
        values = [str(v).strip() for v in answers.get(code, []) if str(v).strip()]
        if not values:
            if attribute.required:
                raise _attribute_error(attribute, ATTRIBUTE_REQUIRED, "required")
            continue
        datatype = attribute.datatype
        if datatype != ServiceAttribute.Datatype.MULTIVALUELIST and len(values) > 1:
            raise _attribute_error(attribute, ATTRIBUTE_ONE_VALUE, "one_value")
        if datatype in ServiceAttribute.LIST_TYPES:
            keys = {key for key, _name in attribute.choices()}
            for value in values:
                if value not in keys:
                    raise _attribute_error(
                        attribute, ATTRIBUTE_BAD_CHOICE, "bad_choice", value=value
                    )
            cleaned[code] = (
                values if datatype == ServiceAttribute.Datatype.MULTIVALUELIST else values[0]
            )
            continue
        value = values[0]
        if datatype == ServiceAttribute.Datatype.NUMBER:
            try:
                number = Decimal(value)
            except InvalidOperation:
                number = Decimal("NaN")
            if not number.is_finite():
                raise _attribute_error(attribute, ATTRIBUTE_NOT_NUMBER, "not_number")
        elif datatype == ServiceAttribute.Datatype.DATETIME:
            try:
                moment = parse_datetime(value)
            except ValueError:
                moment = None
            if moment is None:
                raise _attribute_error(attribute, ATTRIBUTE_NOT_DATETIME, "not_datetime")
        limit = 2000 if datatype == ServiceAttribute.Datatype.TEXT else 200
        if len(value) > limit:
            raise _attribute_error(attribute, ATTRIBUTE_TOO_LONG, "too_long")
        if _HTML.search(value):
            raise _attribute_error(attribute, DESCRIPTION_HTML, "html")
        cleaned[code] = value
    return cleaned


@dataclass(frozen=True)
class Contact:
    """Who reported, as far as they chose to say; every part optional."""

    name: str = ""
    email: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""

    def cleaned(self) -> "Contact":
        email = self.email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise ValidationError(
                    {"email": ValidationError(BAD_EMAIL, code="bad_email")}
                ) from error
        phone = self.phone.strip()
        if phone and not re.fullmatch(r"\+?[0-9][0-9 \-]{4,30}", phone):
            raise ValidationError({"phone": ValidationError(BAD_PHONE, code="bad_phone")})
        return Contact(
            name=self.name.strip()[:100],
            email=email[:200],
            phone=phone[:32],
            device_id=self.device_id.strip()[:100],
            account_id=self.account_id.strip()[:100],
        )

    def is_blocked(self) -> bool:
        kinds = BlockedContact.Kind
        pairs = [
            (kinds.EMAIL, self.email),
            (kinds.PHONE, self.phone),
            (kinds.DEVICE, self.device_id),
            (kinds.ACCOUNT, self.account_id),
        ]
        query = [(kind, BlockedContact.normalise(kind, value)) for kind, value in pairs if value]
        if not query:
            return False
        matches = BlockedContact.objects.none()
        for kind, value in query:
            matches = matches | BlockedContact.objects.filter(kind=kind, value=value)
        return matches.exists()


def zone_for_address_id(address_id: str) -> Zone:
    """An Open311 address_id names a zone as "<park code>/<zone code>" (docs/open311.md)."""
    park_code, _slash, zone_code = address_id.strip().partition("/")
    zone = Zone.objects.select_related("park").filter(park__code=park_code, code=zone_code).first()
    if zone is None:
        raise ValidationError(
            {
                "address_id": ValidationError(
                    UNKNOWN_ADDRESS_ID, code="unknown_address_id", params={"address_id": address_id}
                )
            }
        )
    return zone


# ---- Routing --------------------------------------------------------------------------------


def covering_contract(*, zone: Zone | None, kind: str, day: Any) -> Contract | None:
    """The active contract in its term whose scope covers the zone for this kind of service;
    the most recently started one if two overlap. None: the centre answers it itself."""
    if zone is None or kind == Service.Kind.CENTRE:
        return None
    return (
        Contract.objects.active()
        .filter(service_kind=kind, zones=zone, start_date__lte=day, end_date__gte=day)
        .select_related("provider")
        .order_by("-start_date", "-pk")
        .first()
    )


# ---- Submitting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a report is: the point sent (if any) and where ParkPact put it."""

    latitude: Decimal | None
    longitude: Decimal | None
    zone: Zone | None
    park_id: int | None


def place_report(
    *, position: tuple[Decimal, Decimal] | None, address_string: str = "", address_id: str = ""
) -> Place:
    """Place a report from its position (point in zone, else the nearest zone within 50 m,
    else the park), its address_id (a zone), or its address_string alone (no place: the
    centre's queue). Far from every park is refused."""
    if position is not None:
        latitude, longitude = position
        location = locate_point(longitude=float(longitude), latitude=float(latitude))
        if location is None:
            raise ValidationError({"lat": ValidationError(FAR_FROM_PARKS, code="far_from_parks")})
        return Place(latitude, longitude, location.zone, location.park.pk)
    if address_id.strip():
        zone = zone_for_address_id(address_id)
        return Place(None, None, zone, zone.park_id)
    if address_string.strip():
        return Place(None, None, None, None)
    raise ValidationError({"lat": ValidationError(LOCATION_REQUIRED, code="location_required")})


def submit_request(
    *,
    service: Service,
    place: Place,
    description: str,
    attributes: Mapping[str, Sequence[str]] | None = None,
    contact: Contact | None = None,
    address_string: str = "",
    media_url: str = "",
    photo: UploadedFile | None = None,
    channel: str,
    client: str = "",
    by: User | None = None,
    at: datetime | None = None,
) -> ServiceRequest:
    """Record a report from the public, routed to the provider that must answer it, with its
    deadlines from the service's SLA. Refuses (storing nothing) a blocked contact, a bad
    description or answer, or a photo that is not a photo."""
    description = clean_description(description)
    answers = clean_attributes(service, attributes or {})
    contact = (contact or Contact()).cleaned()
    if contact.is_blocked():
        raise ValidationError(BLOCKED, code="blocked")
    photo_data = _checked_photo(photo) if photo is not None else None
    now = at or timezone.now()
    contract = covering_contract(zone=place.zone, kind=service.kind, day=timezone.localdate(now))
    request = ServiceRequest(
        service=service,
        channel=channel,
        client=client[:100],
        description=description,
        original_description=description,
        attributes=answers,
        media_url=media_url[:500],
        latitude=place.latitude,
        longitude=place.longitude,
        address_string=address_string.strip()[:250],
        park_id=place.park_id,
        zone=place.zone,
        contract=contract,
        provider_id=contract.provider_id if contract else None,
        requested_at=now,
        updated_at=now,
        acknowledge_by=now + timedelta(hours=service.acknowledge_hours),
        expected_at=now + timedelta(hours=service.resolve_hours),
        contact_name=contact.name,
        contact_email=contact.email,
        contact_phone=contact.phone,
        device_id=contact.device_id,
        account_id=contact.account_id,
    )
    record = (
        _photo_row(request, photo_data, stage=RequestPhoto.Stage.REPORT, by=by, at=now)
        if photo_data is not None
        else None
    )
    try:
        with transaction.atomic():
            _save_submission(request, record, by=by, now=now, client=client)
    except BaseException:
        _delete_files(record)
        raise
    return request


def _save_submission(
    request: ServiceRequest,
    record: RequestPhoto | None,
    *,
    by: User | None,
    now: datetime,
    client: str,
) -> None:
    service = request.service
    contract = request.contract
    request.save(force_insert=True)
    RequestEvent.objects.create(
        request=request,
        at=now,
        kind=RequestEvent.Kind.STATUS,
        actor=by,
        by_reporter=by is None,
        to_status=Status.SUBMITTED,
    )
    routing_note = (
        centre_message(NOTE_ROUTED, provider=contract.provider.name)
        if contract
        else centre_message(NOTE_CENTRE)
    )
    RequestEvent.objects.create(
        request=request, at=now, kind=RequestEvent.Kind.ROUTING, note=routing_note
    )
    if record is not None:
        _record_photo(record, by)
    record_event(
        actor=by,
        action="request.submit",
        obj=request,
        after={
            "service": service.code,
            "channel": request.channel,
            "client": client,
            **snapshot(request, AUDITED_FIELDS),
        },
    )
    place_name = str(request.zone or request.park or request.address_string or "—")
    notify_on_commit(
        provider_staff(contract.provider_id) if contract else users_in_roles(Role.MANAGER),
        centre_message(
            NEW_REQUEST_MESSAGE,
            number=request.pk,
            service=service.name_zh,
            place=place_name,
            deadline=local_minute(request.expected_at),
        ),
        _link(request),
    )


@dataclass(frozen=True)
class _PhotoData:
    data: bytes
    sha256: str
    content_type: str
    width: int
    height: int
    display: bytes


def _checked_photo(upload: UploadedFile) -> _PhotoData:
    try:
        data = read_capped(upload)
        content_type, width, height, display = check_photo(data)
    except ValidationError as error:
        raise ValidationError({"media": error.error_list}) from error
    return _PhotoData(data, hashlib.sha256(data).hexdigest(), content_type, width, height, display)


def _photo_row(
    request: ServiceRequest, photo: _PhotoData, *, stage: str, by: User | None, at: datetime
) -> RequestPhoto:
    """The photo's row, its files already stored: the original (for centre staff only) under a
    random name, and the EXIF-free display copy beside it. The caller saves the row inside its
    transaction and calls ``_delete_files`` if that transaction fails."""
    record = RequestPhoto(
        uuid=uuid.uuid4(),
        request=request,
        stage=stage,
        sha256=photo.sha256,
        content_type=photo.content_type,
        size_bytes=len(photo.data),
        width=photo.width,
        height=photo.height,
        uploaded_at=at,
        uploaded_by=by,
    )
    extension = EXTENSIONS[photo.content_type]
    name = RequestPhoto._meta.get_field("original").generate_filename(record, f"photo{extension}")
    storage = record.original.storage
    record.original.name = storage.save(name, ContentFile(photo.data))
    record.display.name = storage.save(
        name[: -len(extension)] + ".display.jpg", ContentFile(photo.display)
    )
    return record


def _delete_files(record: RequestPhoto | None) -> None:
    if record is None:
        return
    for field_file in (record.original, record.display):
        if field_file.name:
            field_file.storage.delete(field_file.name)


def _record_photo(record: RequestPhoto, by: User | None) -> None:
    record.request_id = record.request.pk
    record.save(force_insert=True)
    record_event(
        actor=by,
        action="request.photo",
        obj=record.request,
        after={"photo": str(record.uuid), "stage": record.stage, "sha256": record.sha256},
    )


# ---- Who may do what ------------------------------------------------------------------------


def answers_for(user: User, request: ServiceRequest) -> bool:
    """Whoever must put it right: the provider's staff, or the centre's triage staff for what
    no contract covers."""
    if request.provider_id is not None:
        return (
            user.has_role(Role.PROVIDER)
            and StaffMember.objects.filter(user=user, provider_id=request.provider_id).exists()
        )
    return user.has_role(*TRIAGE_ROLES)


def may_triage(user: User) -> bool:
    return user.has_role(*TRIAGE_ROLES)


def allowed_actions(request: ServiceRequest, user: User) -> set[str]:
    """What the request's page offers this person: acknowledge, start, resolve (whoever
    answers it); validate, send_back, reject, merge, reroute, moderate (the centre's triage)."""
    actions: set[str] = set()
    if answers_for(user, request):
        for action, status in (
            ("acknowledge", Status.ACKNOWLEDGED),
            ("start", Status.IN_PROGRESS),
            ("resolve", Status.RESOLVED),
        ):
            if request.can_become(status):
                actions.add(action)
    if may_triage(user):
        if request.status == Status.RESOLVED:
            actions |= {"validate", "send_back"}
        if request.can_become(Status.REJECTED):
            actions |= {"reject", "merge", "reroute"}
        actions.add("moderate")
    return actions


# ---- Status changes -------------------------------------------------------------------------


def _locked(request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().select_related("service").get(pk=request.pk)


def _move(
    request: ServiceRequest,
    *,
    to: str,
    by: User | None,
    note: str,
    at: datetime,
    by_reporter: bool = False,
    action: str = "",
) -> RequestEvent:
    """The one way a request changes status: allowed transitions only, with history and ledger."""
    if not request.can_become(to):
        raise ValidationError(
            TRANSITION_REFUSED,
            code="transition_not_allowed",
            params={"current": Status(request.status).label, "next": Status(to).label},
        )
    before = snapshot(request, AUDITED_FIELDS)
    event = RequestEvent.objects.create(
        request=request,
        at=at,
        kind=RequestEvent.Kind.STATUS,
        actor=by,
        by_reporter=by_reporter,
        from_status=request.status,
        to_status=to,
        note=note,
    )
    request.status = to
    request.updated_at = at
    if to in (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED):
        request.acknowledged_at = request.acknowledged_at or at
    if to == Status.RESOLVED:
        request.resolved_at = at
    if to in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE):
        request.closed_at = at
    if to == Status.IN_PROGRESS:
        request.closed_at = None
    request.save()
    record_event(
        actor=by,
        action=action or f"request.{to}",
        obj=request,
        before=before,
        after=snapshot(request, AUDITED_FIELDS),
        reason=note,
    )
    return event


def acknowledge(*, request: ServiceRequest, by: User, note: str = "") -> ServiceRequest:
    """The provider (or the centre) has seen the report and will see to it."""
    return _answer(request, by=by, to=Status.ACKNOWLEDGED, note=note)


def start_work(*, request: ServiceRequest, by: User, note: str = "") -> ServiceRequest:
    return _answer(request, by=by, to=Status.IN_PROGRESS, note=note)


def _answer(request: ServiceRequest, *, by: User, to: str, note: str) -> ServiceRequest:
    if not answers_for(by, request):
        raise PermissionDenied
    with transaction.atomic():
        request = _locked(request)
        _move(request, to=to, by=by, note=note.strip(), at=timezone.now())
    return request


def resolve(
    *, request: ServiceRequest, by: User, note: str, photo: UploadedFile | None
) -> ServiceRequest:
    """Whoever answers it says it is put right. A provider shows it with a photo; the centre's
    own staff may resolve without one (a lost child found, a report passed to the police)."""
    if not answers_for(by, request):
        raise PermissionDenied
    if photo is None and request.provider_id is not None:
        raise ValidationError({"photo": ValidationError(PHOTO_REQUIRED, code="photo_required")})
    now = timezone.now()
    record = None
    if photo is not None:
        try:
            checked = _checked_photo(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.messages}) from error
        record = _photo_row(request, checked, stage=RequestPhoto.Stage.RESOLUTION, by=by, at=now)
    try:
        with transaction.atomic():
            request = _locked(request)
            _move(request, to=Status.RESOLVED, by=by, note=note.strip(), at=now)
            if record is not None:
                record.request = request
                _record_photo(record, by)
    except BaseException:
        _delete_files(record)
        raise
    return request


def validate_resolution(
    *, request: ServiceRequest, by: User, note: str = "", contractor_at_fault: bool = False
) -> ServiceRequest:
    """The centre checked the work: the report is closed. When the centre finds the problem was
    the contractor's doing or neglect, it counts as a validated complaint against the contract
    (the "validated complaints" standards count these)."""
    if not may_triage(by):
        raise PermissionDenied
    with transaction.atomic():
        request = _locked(request)
        now = timezone.now()
        request.validated_at = now
        request.validated_by = by
        request.contractor_at_fault = contractor_at_fault and request.contract_id is not None
        _move(
            request,
            to=Status.CLOSED,
            by=by,
            note=note.strip() or centre_message(NOTE_VALIDATED),
            at=now,
            action="request.validate",
        )
    return request


def send_back(*, request: ServiceRequest, by: User, note: str) -> ServiceRequest:
    """The centre does not accept the resolution: back to the provider, with the reason. The
    deadline stays: a fix that did not hold earns no extra time."""
    if not may_triage(by):
        raise PermissionDenied
    note = _required_note(note)
    with transaction.atomic():
        request = _locked(request)
        _move(
            request,
            to=Status.IN_PROGRESS,
            by=by,
            note=note,
            at=timezone.now(),
            action="request.send_back",
        )
        _notify_answerers(
            request, centre_message(RESOLUTION_REJECTED_MESSAGE, number=request.pk, note=note)
        )
    return request


def reject(*, request: ServiceRequest, by: User, note: str) -> ServiceRequest:
    """Not something the centre or a provider must fix (not in a park, a prank, a matter for
    the police…): closed with the reason, which the reporter reads."""
    if not may_triage(by):
        raise PermissionDenied
    note = _required_note(note)
    with transaction.atomic():
        request = _locked(request)
        _move(request, to=Status.REJECTED, by=by, note=note, at=timezone.now())
    return request


def merge_duplicate(*, request: ServiceRequest, into: ServiceRequest, by: User) -> ServiceRequest:
    """Close a report as a duplicate of another one, which the reporter is pointed to."""
    if not may_triage(by):
        raise PermissionDenied
    if request.pk == into.pk:
        raise ValidationError({"into": ValidationError(SAME_REQUEST, code="same_request")})
    with transaction.atomic():
        request = _locked(request)
        into = ServiceRequest.objects.select_for_update().get(pk=into.pk)
        if into.status in (Status.REJECTED, Status.DUPLICATE) or (
            not into.is_open and into.requested_at > request.requested_at
        ):
            raise ValidationError(
                {"into": ValidationError(MERGE_TARGET_CLOSED, code="target_closed")}
            )
        request.duplicate_of = into
        _move(
            request,
            to=Status.DUPLICATE,
            by=by,
            note=centre_message(NOTE_DUPLICATE, number=into.pk),
            at=timezone.now(),
        )
    return request


def reroute(
    *, request: ServiceRequest, by: User, zone: Zone | None, contract: Contract | None, reason: str
) -> ServiceRequest:
    """Correct where a report is and who answers it (a misplaced pin, a wrong service kind):
    the contract must cover the zone for the service's kind; None is the centre's queue."""
    if not may_triage(by):
        raise PermissionDenied
    reason = _required_note(reason)
    if contract is not None and (
        zone is None
        or contract.status != Contract.Status.ACTIVE
        or contract.service_kind != request.service.kind
        or not contract.zones.filter(pk=zone.pk).exists()
    ):
        raise ValidationError(
            {"contract": ValidationError(NOT_A_CONTRACT_FOR_IT, code="not_covering")}
        )
    with transaction.atomic():
        request = _locked(request)
        if not request.is_open:
            raise ValidationError(
                TRANSITION_REFUSED,
                code="transition_not_allowed",
                params={
                    "current": Status(request.status).label,
                    "next": Status(request.status).label,
                },
            )
        before = snapshot(request, AUDITED_FIELDS)
        now = timezone.now()
        request.zone = zone
        request.park_id = zone.park_id if zone else request.park_id
        request.contract = contract
        request.provider_id = contract.provider_id if contract else None
        request.updated_at = now
        request.save()
        RequestEvent.objects.create(
            request=request,
            at=now,
            kind=RequestEvent.Kind.ROUTING,
            actor=by,
            note=centre_message(NOTE_ROUTED, provider=contract.provider.name)
            if contract
            else centre_message(NOTE_CENTRE),
        )
        record_event(
            actor=by,
            action="request.reroute",
            obj=request,
            before=before,
            after=snapshot(request, AUDITED_FIELDS),
            reason=reason,
        )
        _notify_answerers(
            request,
            centre_message(
                NEW_REQUEST_MESSAGE,
                number=request.pk,
                service=request.service.name_zh,
                place=str(request.zone or request.park or "—"),
                deadline=local_minute(request.expected_at),
            ),
        )
    return request


def moderate(*, request: ServiceRequest, by: User, description: str, reason: str) -> ServiceRequest:
    """Edit what the public reads (a phone number in the text, an insult); the text as sent
    stays with the request for centre staff."""
    if not may_triage(by):
        raise PermissionDenied
    description = clean_description(description)
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(MODERATION_REASON, code="reason_required")}
        )
    with transaction.atomic():
        request = _locked(request)
        now = timezone.now()
        before = {"description": request.description}
        request.description = description
        request.moderated_at = now
        request.updated_at = now
        request.save(update_fields=["description", "moderated_at", "updated_at"])
        RequestEvent.objects.create(
            request=request,
            at=now,
            kind=RequestEvent.Kind.MODERATION,
            actor=by,
            note=reason.strip(),
            public=False,
        )
        record_event(
            actor=by,
            action="request.moderate",
            obj=request,
            before=before,
            after={"description": description},
            reason=reason.strip(),
        )
    return request


def _required_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise ValidationError({"note": ValidationError(NOTE_REQUIRED, code="note_required")})
    return note


def _notify_answerers(request: ServiceRequest, message: str) -> None:
    users = (
        provider_staff(request.provider_id) if request.provider_id else users_in_roles(Role.MANAGER)
    )
    notify_on_commit(users, message, _link(request))


# ---- The reporter's loop --------------------------------------------------------------------


def reporter_feedback(
    *, request: ServiceRequest, fixed: bool | None, rating: int | None = None, comment: str = ""
) -> ServiceRequest:
    """The reporter, by the tracking code, says whether it is fixed ("not fixed" reopens it
    within 14 days of the resolution) and may rate the fix from 1 to 5."""
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": ValidationError(RATING_RANGE, code="rating_range")})
    comment = comment.strip()[:500]
    if comment and _HTML.search(comment):
        raise ValidationError({"comment": ValidationError(DESCRIPTION_HTML, code="html")})
    with transaction.atomic():
        request = _locked(request)
        if request.status not in (Status.RESOLVED, Status.CLOSED):
            message = NOT_RESOLVED_YET if fixed is not None else RATING_NEEDS_RESOLUTION
            raise ValidationError(message, code="not_resolved")
        now = timezone.now()
        if fixed is False:
            if request.resolved_at and now - request.resolved_at > REOPEN_WINDOW:
                raise ValidationError(REOPEN_TOO_LATE, code="too_late")
            request.reporter_says_fixed = False
            _move(
                request,
                to=Status.IN_PROGRESS,
                by=None,
                by_reporter=True,
                note=comment or centre_message(NOTE_REPORTER_NOT_FIXED),
                at=now,
                action="request.reopen",
            )
            _notify_answerers(request, centre_message(REOPENED_MESSAGE, number=request.pk))
        before = snapshot(request, ["reporter_says_fixed", "reporter_rating", "reporter_comment"])
        if fixed is True:
            request.reporter_says_fixed = True
        if rating is not None:
            request.reporter_rating = rating
        if comment and fixed is not False:
            request.reporter_comment = comment
        request.updated_at = now
        request.save()
        if fixed is not False:
            RequestEvent.objects.create(
                request=request,
                at=now,
                kind=RequestEvent.Kind.FEEDBACK,
                by_reporter=True,
                note=centre_message(NOTE_REPORTER_FIXED) if fixed else "",
                public=bool(fixed),
            )
        record_event(
            actor=None,
            action="request.feedback",
            obj=request,
            before=before,
            after=snapshot(request, ["reporter_says_fixed", "reporter_rating", "reporter_comment"]),
        )
    return request


# ---- Duplicates ------------------------------------------------------------------------------


def duplicate_candidates(request: ServiceRequest, *, limit: int = 5) -> list[ServiceRequest]:
    """Open reports of the same service within 30 m, made in the 24 hours before this one
    (or after it), nearest first: what staff may merge it into."""
    if request.latitude is None or request.longitude is None:
        return []
    lon, lat = float(request.longitude), float(request.latitude)
    d_lon, d_lat = (
        Decimal(str(round(d, 6))) + Decimal("0.000001") for d in degrees_for(DUPLICATE_METRES, lat)
    )
    nearby = (
        ServiceRequest.objects.open()
        .filter(
            service_id=request.service_id,
            requested_at__gte=request.requested_at - DUPLICATE_WINDOW,
            requested_at__lte=request.requested_at + DUPLICATE_WINDOW,
            latitude__range=(request.latitude - d_lat, request.latitude + d_lat),
            longitude__range=(request.longitude - d_lon, request.longitude + d_lon),
        )
        .exclude(pk=request.pk)
        .select_related("service", "zone")
    )
    scored = []
    for other in nearby:
        metres = _metres_between(lon, lat, float(other.longitude or 0), float(other.latitude or 0))
        if metres <= DUPLICATE_METRES:
            scored.append((metres, other.requested_at, other))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [other for _m, _t, other in scored[:limit]]


def _metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    _a, _b, metres = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(metres)


# ---- The SLA sweep ----------------------------------------------------------------------------


def _breaches(now: datetime) -> list[tuple[str, str, Q, Promise]]:
    """(field, deadline, what missed it, public note) for each deadline: still open past it, or
    done after it (a late fix is a breach even if the sweep only runs afterwards)."""
    return [
        (
            "acknowledge_breached_at",
            "acknowledge_by",
            Q(status=Status.SUBMITTED, acknowledge_by__lt=now)
            | Q(acknowledged_at__gt=F("acknowledge_by")),
            NOTE_ACK_BREACH,
        ),
        (
            "resolve_breached_at",
            "expected_at",
            Q(status__in=ServiceRequest.OPEN_STATUSES, expected_at__lt=now)
            | Q(resolved_at__gt=F("expected_at")),
            NOTE_RESOLVE_BREACH,
        ),
    ]


def mark_sla_breaches(*, now: datetime) -> int:
    """Record, once each, every acknowledgement and resolution deadline missed; tell whoever
    answers the request and the managers. Safe for several workers at once (the first
    conditional UPDATE wins). Returns how many breaches were recorded."""
    marked = 0
    manager_list = users_in_roles(Role.MANAGER)
    for field, deadline, missed, note in _breaches(now):
        unmarked = Q(**{f"{field}__isnull": True})
        due = ServiceRequest.objects.filter(missed, unmarked).order_by(deadline)
        for pk in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                won = ServiceRequest.objects.filter(missed, unmarked, pk=pk).update(**{field: now})
                if not won:
                    continue
                request = ServiceRequest.objects.select_related("service").get(pk=pk)
                RequestEvent.objects.create(
                    request=request,
                    at=now,
                    kind=RequestEvent.Kind.BREACH,
                    note=centre_message(note),
                )
                record_event(
                    actor=None,
                    action=f"request.{field.removesuffix('_at')}",
                    obj=request,
                    before={field: None},
                    after={field: now, deadline: getattr(request, deadline)},
                )
                users = list(manager_list)
                if request.provider_id:
                    users += list(provider_staff(request.provider_id))
                notify_on_commit(
                    users,
                    centre_message(
                        BREACH_MESSAGE,
                        number=request.pk,
                        deadline=local_minute(getattr(request, deadline)),
                    ),
                    _link(request),
                )
                marked += 1
    return marked


# ---- Blocking contacts ----------------------------------------------------------------------


def block_contact(*, kind: str, value: str, by: User, reason: str) -> BlockedContact:
    """Refuse further reports from a contact (repeated abuse); the ledger keeps who and why."""
    if not may_triage(by):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": ValidationError(NOTE_REQUIRED, code="reason_required")})
    normalised = BlockedContact.normalise(kind, value)
    with transaction.atomic():
        blocked, _created = BlockedContact.objects.get_or_create(
            kind=kind, value=normalised, defaults={"reason": reason.strip()[:300], "blocked_by": by}
        )
        record_event(
            actor=by,
            action="contact.block",
            obj=blocked,
            after={"kind": kind},
            reason=reason.strip(),
        )
    return blocked


def unblock_contact(*, blocked: BlockedContact, by: User, reason: str = "") -> None:
    if not may_triage(by):
        raise PermissionDenied
    with transaction.atomic():
        record_event(
            actor=by,
            action="contact.unblock",
            obj=blocked,
            before={"kind": blocked.kind},
            reason=reason,
        )
        blocked.delete()
