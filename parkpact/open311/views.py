"""Open311 GeoReport v2 (docs/open311.md): discovery, the service catalogue, posting a request
with an API key, and reading requests and tokens, each in JSON and in XML.

Reading is public and never shows who reported. Posting goes through the same services as the
QR form (``parkpact.servicerequests.services``), so it is placed, routed and timed the same way,
and a refused post stores nothing.
"""

import re
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from parkpact.core.ratelimit import Limit, client_address, hit
from parkpact.servicerequests import services as requests_services
from parkpact.servicerequests.models import (
    Service,
    ServiceAttribute,
    ServiceKind,
    ServiceRequest,
)

from . import feed, render
from .services import key_for

View = Callable[..., HttpResponse]

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this server's Open311 interface last changed (discovery's changeset).
CHANGESET = datetime.fromisoformat("2026-11-27T00:00:00+08:00")

UNKNOWN_FORMAT = _("Ask for .json or .xml.")
UNKNOWN_RESOURCE = _("There is no such Open311 resource: see discovery.json.")
UNKNOWN_JURISDICTION = _("This server answers for the jurisdiction “%(jurisdiction)s” only.")
WRONG_METHOD = _("This resource does not accept %(method)s.")
KEY_MISSING = _("Posting a request needs an api_key: ask the park management centre for one.")
KEY_INVALID = _("This api_key is unknown or has been revoked.")
TOO_MANY = _("Too many requests: try again in %(minutes)s minutes.")
SERVICE_CODE_REQUIRED = _("service_code: say which service the report is for.")
BAD_ATTRIBUTE = _(
    "“%(name)s”: write attribute[CODE]=value, or attribute[CODE][]=value for several values."
)
BAD_MEDIA_URL = _("media_url: give a full http or https address.")
UNKNOWN_REQUEST = _("There is no service request %(id)s.")
UNKNOWN_TOKEN = _("There is no service request with the token %(token)s.")
KEY_SERVICE = _("Ask the park management centre for an API key: %(contact)s")

# attribute[CODE]=v, or attribute[CODE][]=v for each value of a multi-value list.
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_-]+)\](\[\])?$")
# Posts are limited per key (an integrator's server posts for many reporters from one address,
# so the QR form's per-address limit would not fit); per address, only wrong keys are counted.
PER_KEY = "open311:key:"
PER_IP_BAD_KEY = "open311:bad-key-ip:"
BAD_KEYS_PER_IP_HOUR = 30
# The services' messages about these already name the parameter, or are about the whole post.
_SELF_NAMING = frozenset({"__all__", "lat", "service_code", "address_id"})


def open311(*methods: str) -> Callable[[View], View]:
    """An Open311 resource: its format suffix must be json or xml, the HTTP method one it takes,
    and a jurisdiction_id, if given, this server's."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in render.FORMATS:
                return render.errors("json", 404, [str(UNKNOWN_FORMAT)])
            allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
            if request.method not in allowed:
                response = render.errors(fmt, 405, [str(WRONG_METHOD % {"method": request.method})])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            jurisdiction = _parameter(request, "jurisdiction_id")
            if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
                return render.errors(
                    fmt,
                    404,
                    [str(UNKNOWN_JURISDICTION % {"jurisdiction": settings.OPEN311_JURISDICTION})],
                )
            response = view(request, *args, fmt=fmt, **kwargs)
            if request.method in ("GET", "HEAD"):
                # Public data: any web page may read it.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapper

    return decorator


def _parameter(request: HttpRequest, name: str) -> str:
    """A parameter from the query string or, for a POST, the form body."""
    value = request.GET.get(name, "")
    if not value and request.method == "POST":
        value = request.POST.get(name, "")
    return value.strip()


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "xml" if path.endswith(".xml") else "json"
    return render.errors(fmt, 404, [str(UNKNOWN_RESOURCE)])


# ---- Discovery and the catalogue ------------------------------------------------------------


@open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:service_list", kwargs={"fmt": "xml"}))
    contact = settings.OPEN311_CONTACT or settings.PARKPACT_CENTRE_NAME
    return render.respond(
        fmt,
        "discovery",
        {
            "changeset": CHANGESET,
            "contact": contact,
            "key_service": str(KEY_SERVICE % {"contact": contact}),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base.rsplit("/", 1)[0],
                    "changeset": CHANGESET,
                    "type": "test" if settings.DEBUG else "production",
                    "formats": [render.FORMATS["xml"].split(";")[0], "application/json"],
                }
            ],
        },
    )


@open311("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    services = Service.objects.filter(active=True).annotate(
        has_attributes=Exists(ServiceAttribute.objects.filter(service=OuterRef("pk")))
    )
    items = [
        {
            "service_code": service.code,
            "service_name": service.name,
            "description": service.description,
            "metadata": bool(service.has_attributes),
            "type": "realtime",
            "keywords": service.keywords,
            "group": str(ServiceKind(service.kind).label),
        }
        for service in services
    ]
    return render.respond(fmt, "services", items)


@open311("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    service = Service.objects.filter(code=code, active=True).first()
    if service is None:
        return render.errors(fmt, 404, [str(requests_services.UNKNOWN_SERVICE % {"code": code})])
    attributes = [
        {
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description,
            "order": attribute.order,
            "description": attribute.description,
            "values": [{"key": key, "name": name} for key, name in attribute.choices()],
        }
        for attribute in service.attributes.all()
    ]
    return render.respond(
        fmt, "service_definition", {"service_code": service.code, "attributes": attributes}
    )


# ---- Requests -------------------------------------------------------------------------------


@csrf_exempt
@open311("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    try:
        query = feed.parse_filter(request.GET, now=timezone.now())
    except feed.FilterError as error:
        return render.errors(fmt, 400, error.messages)
    rows = feed.matching(query)
    items = feed.request_items(rows, request=request, extensions=query.extensions)
    return render.respond(fmt, "service_requests", items)


@open311("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    extensions = request.GET.get("extensions", "").strip().lower() in ("true", "1")
    rows = []
    if request_id.isdigit():
        rows = feed.matching(feed.RequestFilter(ids=[int(request_id)], extensions=extensions))
    if not rows:
        return render.errors(fmt, 404, [str(UNKNOWN_REQUEST % {"id": request_id})])
    items = feed.request_items(rows, request=request, extensions=extensions)
    return render.respond(fmt, "service_requests", items)


@open311("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = (
        ServiceRequest.objects.filter(tracking_code=token.strip().upper())
        .values_list("pk", "tracking_code")
        .first()
    )
    if found is None:
        return render.errors(fmt, 404, [str(UNKNOWN_TOKEN % {"token": token})])
    pk, code = found
    return render.respond(fmt, "service_requests", [{"service_request_id": str(pk), "token": code}])


# ---- Posting a request ----------------------------------------------------------------------


def _too_many(fmt: str, retry_after: int) -> HttpResponse:
    minutes = max(1, -(-retry_after // 60))
    response = render.errors(fmt, 429, [str(TOO_MANY % {"minutes": minutes})])
    response["Retry-After"] = str(retry_after)
    return response


def _messages(error: ValidationError) -> list[str]:
    """Each message of a service's refusal, prefixed with the parameter it is about."""
    if not hasattr(error, "error_dict"):
        return [str(message) for message in error.messages]
    messages = []
    for field, field_errors in error.error_dict.items():
        for field_error in field_errors:
            for message in field_error.messages:
                messages.append(message if field in _SELF_NAMING else f"{field}: {message}")
    return messages


def _codes(error: ValidationError) -> set[str | None]:
    parts = (
        [part for parts in error.error_dict.values() for part in parts]
        if hasattr(error, "error_dict")
        else error.error_list
    )
    return {part.code for part in parts}


def _answers(request: HttpRequest) -> tuple[dict[str, list[str]], list[str]]:
    """The attribute answers sent (code → values), and any parameter that looks like one but
    is not written the way Open311 says."""
    answers: dict[str, list[str]] = {}
    malformed: list[str] = []
    for name in request.POST:
        if not name.startswith("attribute"):
            continue
        match = _ATTRIBUTE.match(name)
        if match is None:
            malformed.append(str(BAD_ATTRIBUTE % {"name": name}))
            continue
        answers.setdefault(match.group(1), []).extend(request.POST.getlist(name))
    return answers, malformed


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    raw_key = _parameter(request, "api_key")
    if not raw_key:
        return render.errors(fmt, 403, [str(KEY_MISSING)])
    api_key = key_for(raw_key)
    if api_key is None:
        # Guessing keys from one address is cut off long before it could succeed.
        guess = hit(f"{PER_IP_BAD_KEY}{client_address(request)}", Limit(BAD_KEYS_PER_IP_HOUR, 3600))
        if not guess.allowed:
            return _too_many(fmt, guess.retry_after)
        return render.errors(fmt, 403, [str(KEY_INVALID)])
    decision = hit(f"{PER_KEY}{api_key.pk}", Limit(api_key.requests_per_hour, 3600))
    if not decision.allowed:
        return _too_many(fmt, decision.retry_after)

    form = request.POST
    problems: list[str] = []

    def attempt(check: Callable[[], Any]) -> Any:
        try:
            return check()
        except ValidationError as error:
            problems.extend(_messages(error))
            return None

    code = form.get("service_code", "").strip()
    service: Service | None = None
    if not code:
        problems.append(str(SERVICE_CODE_REQUIRED))
    else:
        try:
            service = requests_services.find_service(code)
        except ValidationError as error:
            return render.errors(fmt, 404, _messages(error))
    address_string = form.get("address_string", "")
    place = None
    try:
        position = requests_services.clean_position(form.get("lat"), form.get("long"))
    except ValidationError as error:
        problems.extend(_messages(error))
    else:
        place = attempt(
            lambda: requests_services.place_report(
                position=position,
                address_string=address_string,
                address_id=form.get("address_id", ""),
            )
        )
    description = attempt(lambda: requests_services.clean_description(form.get("description", "")))
    answers, malformed = _answers(request)
    problems.extend(malformed)
    if service is not None and not malformed:
        attempt(lambda: requests_services.clean_attributes(service, answers))
    contact = requests_services.Contact(
        name=" ".join(
            part for part in (form.get("first_name", ""), form.get("last_name", "")) if part
        ),
        email=form.get("email", ""),
        phone=form.get("phone", ""),
        device_id=form.get("device_id", ""),
        account_id=form.get("account_id", ""),
    )
    attempt(contact.cleaned)
    media_url = form.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            problems.append(str(BAD_MEDIA_URL))
    if problems or service is None or place is None:
        return render.errors(fmt, 400, problems)

    try:
        report = requests_services.submit_request(
            service=service,
            place=place,
            description=description or "",
            attributes=answers,
            contact=contact,
            address_string=address_string,
            media_url=media_url,
            photo=request.FILES.get("media"),
            channel=ServiceRequest.Channel.OPEN311,
            client=api_key.name,
        )
    except ValidationError as error:
        status = 404 if "unknown_service" in _codes(error) else 400
        return render.errors(fmt, status, _messages(error))
    hours = round((report.expected_at - report.requested_at).total_seconds() / 3600)
    return render.respond(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": str(report.pk),
                "token": report.tracking_code,
                "service_notice": feed.service_notice(hours),
                "account_id": report.account_id or None,
            }
        ],
        status=201,
    )
