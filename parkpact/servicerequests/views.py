"""The queues of service requests, each request's page and its actions, the blocklist, and the
hotline's form.

Centre staff see every request; a provider's staff only those routed to their company, and
anything else answers 404, as if it did not exist. Providers never see a reporter's contact, the
text as sent before moderation, the tracking code (with it anyone can say "fixed" for the
reporter) or the centre's private notes. Every change goes through ``services``; its refusals
are shown on the page in the user's language, and a role it refuses is a 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from parkpact.core.forms import add_service_errors
from parkpact.core.models import User
from parkpact.core.permissions import SIGNED_IN_ROLES, role_required, signed_in_user
from parkpact.core.photos import EXTENSIONS
from parkpact.parks.models import Zone

from . import services
from .forms import (
    ANY,
    OPEN,
    BlockForm,
    HotlineRequestForm,
    MergeForm,
    ModerateForm,
    NoteForm,
    RequestFilterForm,
    RequiredNoteForm,
    RerouteForm,
    ResolveForm,
    UnblockForm,
    ValidateForm,
)
from .models import BlockedContact, RequestPhoto, ServiceRequest, ServiceRequestQuerySet

Status = ServiceRequest.Status
PAGE_SIZE = 50
# The order of the action cards on a request's page.
ACTION_ORDER = [
    "acknowledge",
    "start",
    "resolve",
    "validate",
    "send_back",
    "reject",
    "merge",
    "reroute",
    "moderate",
    "block",
]
ACTION_TITLES = {
    "acknowledge": gettext_lazy("Acknowledge"),
    "start": gettext_lazy("Start work"),
    "resolve": gettext_lazy("Mark resolved"),
    "validate": gettext_lazy("Validate the resolution"),
    "send_back": gettext_lazy("Send back"),
    "reject": gettext_lazy("Reject"),
    "merge": gettext_lazy("Merge as a duplicate"),
    "reroute": gettext_lazy("Reroute"),
    "moderate": gettext_lazy("Moderate the text"),
    "block": gettext_lazy("Block this contact"),
}
ZONE_OUTLINE = "#6c757d"


def _overdue(now: datetime) -> Q:
    """Still open past the resolution deadline: the query twin of ServiceRequest.is_overdue."""
    return Q(status__in=ServiceRequest.OPEN_STATUSES, expected_at__lt=now)


def _place(report: ServiceRequest) -> str:
    if report.zone is not None:
        park = report.park.name if report.park else ""
        return f"{park} · {report.zone.code} {report.zone.name}".strip(" ·")
    if report.park is not None:
        return report.park.name
    return report.address_string or "—"


# ---- The queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRow:
    request: ServiceRequest
    place: str
    overdue: bool
    acknowledgement_overdue: bool


def _filtered(
    requests: ServiceRequestQuerySet, filters: RequestFilterForm, user: User, now: datetime
) -> ServiceRequestQuerySet:
    data = filters.cleaned_data if filters.is_valid() else {}
    status = data.get("status") or OPEN
    if status == OPEN:
        requests = requests.open()
    elif status != ANY:
        requests = requests.filter(status=status)
    for name in ("service", "park", "provider", "channel"):
        if data.get(name):
            requests = requests.filter(**{name: data[name]})
    if data.get("overdue"):
        requests = requests.filter(_overdue(now))
    search = (data.get("q") or "").strip().lstrip("#")
    if search:
        by_code = Q(tracking_code=search.upper()) if user.is_centre_staff else Q(pk__in=[])
        requests = requests.filter((Q(pk=int(search)) if search.isdigit() else Q()) | by_code)
        if not search.isdigit() and not user.is_centre_staff:
            requests = requests.none()
    return requests


@role_required(SIGNED_IN_ROLES)
def request_list(request: HttpRequest) -> HttpResponse:
    """The queue: open requests by default, overdue first, then soonest deadline first."""
    user = signed_in_user(request)
    now = timezone.now()
    visible = ServiceRequest.objects.visible_to(user)
    counts = visible.aggregate(
        open=Count("pk", filter=Q(status__in=ServiceRequest.OPEN_STATUSES)),
        overdue=Count("pk", filter=_overdue(now)),
        awaiting_validation=Count("pk", filter=Q(status=Status.RESOLVED)),
    )
    filters = RequestFilterForm(request.GET or None, user=user)
    requests = (
        _filtered(visible, filters, user, now)
        .select_related("service", "park", "zone", "provider")
        .annotate(
            overdue_first=Case(
                When(_overdue(now), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("overdue_first", "expected_at", "pk")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        RequestRow(
            request=report,
            place=_place(report),
            overdue=report.is_overdue(now),
            acknowledgement_overdue=report.is_acknowledgement_overdue(now),
        )
        for report in page
    ]
    return render(
        request,
        "servicerequests/request_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "filters": filters,
            "counts": counts,
            "is_filtered": any(
                request.GET.get(name)
                for name in ("status", "service", "park", "provider", "channel", "overdue", "q")
            ),
            "is_provider": not user.is_centre_staff,
            "may_triage": services.may_triage(user),
            "map_data": _map_data([row.request for row in rows], now),
            "now": now,
        },
    )


def _map_data(requests: list[ServiceRequest], now: datetime) -> dict[str, Any]:
    """What zone-map.js draws: the outlines of the parks' zones, and each request as a point
    (its "facilities"); an overdue one is filled yellow."""
    park_ids = {report.park_id for report in requests if report.park_id}
    zones = Zone.objects.filter(park_id__in=park_ids).select_related("park").order_by("code")
    return {
        "zones": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": zone.boundary,
                    "properties": {
                        "id": zone.pk,
                        "title": f"{zone.park.name} · {zone}",
                        "kind": zone.get_kind_display(),
                        "area": "",
                        "colour": ZONE_OUTLINE,
                    },
                }
                for zone in zones
            ],
        },
        "facilities": [
            {
                "title": f"#{report.pk} {report.service.name}",
                "kind": report.get_status_display(),
                "zone": _place(report),
                "longitude": float(report.longitude),
                "latitude": float(report.latitude),
                "in_service": not report.is_overdue(now),
            }
            for report in requests
            if report.longitude is not None and report.latitude is not None
        ],
    }


# ---- One request -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionCard:
    name: str
    title: str
    url: str
    form: forms.Form


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str


def _answers(report: ServiceRequest) -> list[Answer]:
    """The answers to the service's questions, in its words and the user's language."""
    answers = []
    for attribute in report.service.attributes.all():
        if attribute.code not in report.attributes:
            continue
        value = report.attributes[attribute.code]
        names = dict(attribute.choices())
        values = value if isinstance(value, list) else [value]
        answers.append(
            Answer(attribute.description, ", ".join(names.get(str(v), str(v)) for v in values))
        )
    return answers


def _contacts(report: ServiceRequest) -> dict[str, str]:
    """The contacts on a request that could be blocked, by kind."""
    kinds = BlockedContact.Kind
    pairs = [
        (kinds.EMAIL, report.contact_email),
        (kinds.PHONE, report.contact_phone),
        (kinds.DEVICE, report.device_id),
        (kinds.ACCOUNT, report.account_id),
    ]
    return {str(kind): value for kind, value in pairs if value}


def _action_form(
    action: str,
    report: ServiceRequest,
    data: Any = None,
    files: Any = None,
) -> forms.Form:
    options: dict[str, Any] = {"prefix": action}
    if data is not None:
        options.update(data=data, files=files)
    if action in ("acknowledge", "start"):
        return NoteForm(**options)
    if action == "validate":
        return ValidateForm(**options)
    if action in ("send_back", "reject"):
        return RequiredNoteForm(**options)
    if action == "resolve":
        return ResolveForm(**options)
    if action == "merge":
        return MergeForm(candidates=services.duplicate_candidates(report), **options)
    if action == "reroute":
        return RerouteForm(request=report, **options)
    if action == "moderate":
        return ModerateForm(initial={"description": report.description}, **options)
    if action == "block":
        return BlockForm(contacts=_contacts(report), **options)
    raise ValueError(action)


def _offered(report: ServiceRequest, user: User) -> list[str]:
    actions = services.allowed_actions(report, user)
    if services.may_triage(user) and _contacts(report):
        actions.add("block")
    return [action for action in ACTION_ORDER if action in actions]


def _visible(user: User) -> ServiceRequestQuerySet:
    return ServiceRequest.objects.visible_to(user).select_related(
        "service", "park", "zone", "contract", "provider", "duplicate_of", "validated_by"
    )


def _detail_page(
    request: HttpRequest,
    pk: int,
    *,
    bound: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    report = get_object_or_404(_visible(user), pk=pk)
    is_centre = user.is_centre_staff
    events = report.events.select_related("actor").order_by("at", "pk")
    if not is_centre:
        events = events.filter(public=True)
    offered = _offered(report, user)
    action_forms = {action: _action_form(action, report) for action in offered}
    if bound is not None:
        action_forms[bound[0]] = bound[1]
    photos = list(report.photos.order_by("uploaded_at", "pk"))
    return render(
        request,
        "servicerequests/request_detail.html",
        {
            "report": report,
            "place": _place(report),
            "answers": _answers(report),
            "photos": photos,
            "events": list(events),
            "overdue": report.is_overdue(now),
            "acknowledgement_overdue": report.is_acknowledgement_overdue(now),
            "is_centre_staff": is_centre,
            "actions": [
                ActionCard(
                    name=action,
                    title=str(ACTION_TITLES[action]),
                    url=reverse(f"servicerequests:{action}", kwargs={"pk": report.pk}),
                    form=action_forms[action],
                )
                for action in offered
            ],
            "map_data": _map_data([report], now) if report.park_id else None,
            "now": now,
        },
        status=status,
    )


@role_required(SIGNED_IN_ROLES)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, pk)


# ---- Actions ---------------------------------------------------------------------------------

Perform = Callable[[ServiceRequest, User, dict[str, Any], forms.Form], str]


def _note(data: dict[str, Any]) -> str:
    return str(data.get("note") or "")


def _acknowledge(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.acknowledge(request=report, by=user, note=_note(data))
    return _("Request %(number)s is acknowledged.") % {"number": report.pk}


def _start(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.start_work(request=report, by=user, note=_note(data))
    return _("Work on request %(number)s has started.") % {"number": report.pk}


def _resolve(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.resolve(request=report, by=user, note=_note(data), photo=data.get("photo"))
    return _("Request %(number)s is marked resolved. The centre will check the work.") % {
        "number": report.pk
    }


def _validate(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.validate_resolution(
        request=report,
        by=user,
        note=_note(data),
        contractor_at_fault=bool(data.get("contractor_at_fault")),
    )
    return _("Request %(number)s is validated and closed.") % {"number": report.pk}


def _send_back(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.send_back(request=report, by=user, note=_note(data))
    return _("Request %(number)s is sent back: it is in progress again.") % {"number": report.pk}


def _reject(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.reject(request=report, by=user, note=_note(data))
    return _("Request %(number)s is rejected.") % {"number": report.pk}


def _merge(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    into = ServiceRequest.objects.filter(pk=data["into"]).first()
    if into is None:
        raise ValidationError(
            {
                "number": ValidationError(
                    _("There is no request number %(number)s."),
                    code="unknown_request",
                    params={"number": data["into"]},
                )
            }
        )
    services.merge_duplicate(request=report, into=into, by=user)
    return _("Request %(number)s is closed as a duplicate of request %(into)s.") % {
        "number": report.pk,
        "into": into.pk,
    }


def _reroute(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.reroute(
        request=report,
        by=user,
        zone=data.get("zone"),
        contract=data.get("contract"),
        reason=str(data.get("reason") or ""),
    )
    return _("Request %(number)s is rerouted.") % {"number": report.pk}


def _moderate(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    services.moderate(
        request=report,
        by=user,
        description=str(data.get("description") or ""),
        reason=str(data.get("reason") or ""),
    )
    return _("The text of request %(number)s is changed; the text as sent is kept.") % {
        "number": report.pk
    }


def _block(report: ServiceRequest, user: User, data: dict[str, Any], form: Any) -> str:
    kind = data["kind"]
    services.block_contact(
        kind=kind, value=_contacts(report)[kind], by=user, reason=str(data.get("reason") or "")
    )
    return _("Reports from this contact are refused from now on.")


PERFORM: dict[str, Perform] = {
    "acknowledge": _acknowledge,
    "start": _start,
    "resolve": _resolve,
    "validate": _validate,
    "send_back": _send_back,
    "reject": _reject,
    "merge": _merge,
    "reroute": _reroute,
    "moderate": _moderate,
    "block": _block,
}
# Where a service names a field by another name than the action's form does.
FIELD_ALIASES = {"note": "reason", "into": "number"}


def _show_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        renamed: dict[str, Any] = {}
        for field, errors in error.error_dict.items():
            if field not in form.fields and FIELD_ALIASES.get(field) in form.fields:
                field = FIELD_ALIASES[field]
            renamed.setdefault(field, []).extend(errors)
        error = ValidationError(renamed)
    add_service_errors(form, error)


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one action from a request's page: back to the page with a message, or the page
    again with the form's errors (400). A role the service refuses is a 403."""
    user = signed_in_user(request)
    report = get_object_or_404(_visible(user), pk=pk)
    form = _action_form(action, report, request.POST, request.FILES)
    if form.is_valid():
        try:
            message = PERFORM[action](report, user, form.cleaned_data, form)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("servicerequests:request_detail", pk=report.pk)
    shown = action in _offered(report, user)
    for field, errors in form.errors.items():
        if field == "__all__" or not shown:
            for problem in errors:
                messages.error(request, str(problem))
    return _detail_page(request, pk, bound=(action, form) if shown else None, status=400)


@require_POST
@role_required(SIGNED_IN_ROLES)
def request_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "acknowledge")


@require_POST
@role_required(SIGNED_IN_ROLES)
def request_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "start")


@require_POST
@role_required(SIGNED_IN_ROLES)
def request_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "resolve")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_validate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "validate")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "send_back")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reject")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_merge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "merge")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "reroute")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "moderate")


@require_POST
@role_required(services.TRIAGE_ROLES)
def request_block(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "block")


# ---- Photos ----------------------------------------------------------------------------------


def _file_response(
    field_file: FieldFile, content_type: str, filename: str, *, inline: bool
) -> FileResponse:
    response = FileResponse(
        field_file.storage.open(str(field_file.name), "rb"),
        content_type=content_type,
        as_attachment=not inline,
        filename=filename,
    )
    # A report's photo never changes, but it is private: browsers may keep it, caches may not.
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _anonymous(request: HttpRequest) -> HttpResponseBase | None:
    """Photos stream as FileResponse, which role_required's type does not cover: check here."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@require_GET
def photo(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """The EXIF-free display copy, to whoever may see the request."""
    if (login := _anonymous(request)) is not None:
        return login
    user = signed_in_user(request)
    record = get_object_or_404(
        RequestPhoto.objects.filter(request__in=ServiceRequest.objects.visible_to(user)),
        uuid=uuid,
    )
    return _file_response(record.display, "image/jpeg", f"{record.sha256[:16]}.jpg", inline=True)


@require_GET
def photo_original(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """The file as sent, with its EXIF (it may hold the reporter's position): centre staff only."""
    if (login := _anonymous(request)) is not None:
        return login
    if not signed_in_user(request).is_centre_staff:
        raise PermissionDenied
    record = get_object_or_404(RequestPhoto, uuid=uuid)
    extension = EXTENSIONS.get(record.content_type, "")
    return _file_response(
        record.original, record.content_type, f"{record.sha256}{extension}", inline=False
    )


# ---- The blocklist ---------------------------------------------------------------------------


@role_required(services.TRIAGE_ROLES)
def blocklist(request: HttpRequest) -> HttpResponse:
    blocked = BlockedContact.objects.select_related("blocked_by").order_by("-blocked_at", "-pk")
    page = Paginator(blocked, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "servicerequests/blocklist.html",
        {"page_obj": page, "unblock_form": UnblockForm()},
    )


@require_POST
@role_required(services.TRIAGE_ROLES)
def unblock(request: HttpRequest, pk: int) -> HttpResponse:
    blocked = get_object_or_404(BlockedContact, pk=pk)
    form = UnblockForm(request.POST)
    if form.is_valid():
        services.unblock_contact(
            blocked=blocked, by=signed_in_user(request), reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, _("Reports from %(contact)s are accepted again.") % {"contact": str(blocked)}
        )
    else:
        for errors in form.errors.values():
            for problem in errors:
                messages.error(request, str(problem))
    return redirect("servicerequests:blocklist")


# ---- A report by telephone -------------------------------------------------------------------


@role_required(services.TRIAGE_ROLES)
def request_create(request: HttpRequest) -> HttpResponse:
    """The hotline's form: a report someone phoned in, routed like any other."""
    form = HotlineRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            position = services.clean_position(data["latitude"], data["longitude"])
            zone = data["zone"]
            place = services.place_report(
                position=position,
                address_string=data["address_string"],
                address_id=f"{zone.park.code}/{zone.code}" if zone and not position else "",
            )
            report = services.submit_request(
                service=data["service"],
                place=place,
                description=data["description"],
                attributes=form.answers(),
                contact=services.Contact(
                    name=data["contact_name"],
                    email=data["contact_email"],
                    phone=data["contact_phone"],
                ),
                address_string=data["address_string"],
                channel=ServiceRequest.Channel.HOTLINE,
                by=signed_in_user(request),
            )
        except ValidationError as error:
            _show_hotline_errors(form, error)
        else:
            messages.success(
                request,
                _("Request %(number)s is recorded and sent to %(agency)s.")
                % {"number": report.pk, "agency": report.agency_responsible},
            )
            return redirect("servicerequests:request_detail", pk=report.pk)
    return render(
        request,
        "servicerequests/request_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


HOTLINE_FIELDS = {
    "lat": "latitude",
    "address_id": "zone",
    "email": "contact_email",
    "phone": "contact_phone",
}


def _show_hotline_errors(form: HotlineRequestForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        service = form.cleaned_data["service"]
        renamed: dict[str, Any] = {}
        for field, errors in error.error_dict.items():
            name = HOTLINE_FIELDS.get(field, field)
            if field.startswith("attribute[") and field.endswith("]"):
                name = f"answer__{service.code}__{field[len('attribute[') : -1]}"
            renamed.setdefault(name, []).extend(errors)
        error = ValidationError(renamed)
    add_service_errors(form, error)
