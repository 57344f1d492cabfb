"""What every part of the JSON API shares: who is calling, the error format, pagination, the
docs page; and the one core endpoint, /me.

Errors always have this shape, whatever went wrong and wherever (docs/api.md lists the codes)::

    {"error": {"code": "not_found", "message": "…", "fields": {"field": ["…"]}}}

``code`` is stable and meant for programs; ``message`` is for people, in the language the
request asked for (Accept-Language, through Django's LocaleMiddleware).
"""

import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import ninja
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.urls import URLPattern, URLResolver, path, re_path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase
from ninja.pagination import LimitOffsetPagination
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from pydantic import PlainSerializer, WithJsonSchema

from .models import User
from .money import to_cny
from .permissions import signed_in_user
from .services import user_for_api_token

logger = logging.getLogger("parkpact.api")

M = TypeVar("M", bound=models.Model)
E = TypeVar("E", bound=Exception)
View = Callable[..., HttpResponseBase]

# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

# The stable code for each HTTP status that has no more specific one.
CODE_FOR_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
}
DEFAULT_MESSAGES = {
    "bad_request": gettext_lazy("The request could not be read: check its syntax."),
    "not_authenticated": gettext_lazy(
        "Sign in, or send an API token in the header “Authorization: Bearer pp_…”."
    ),
    "permission_denied": gettext_lazy("Your role does not allow this."),
    "not_found": gettext_lazy("Nothing was found at this address: check the path and the id."),
    "method_not_allowed": gettext_lazy("This address does not accept this HTTP method."),
    "conflict": gettext_lazy("The request conflicts with the current state of the object."),
    "validation_error": gettext_lazy("Some values are not valid: see the fields."),
    "throttled": gettext_lazy("Too many requests: wait a moment and try again."),
    "server_error": gettext_lazy(
        "Something went wrong on our side. It has been logged; please try again later."
    ),
}
# Messages for the kinds of input error that pydantic reports; others keep pydantic's text.
FIELD_MESSAGES = {
    "missing": gettext_lazy("This value is required."),
    "int_parsing": gettext_lazy("Give a whole number."),
    "int_type": gettext_lazy("Give a whole number."),
    "int_from_float": gettext_lazy("Give a whole number."),
    "decimal_parsing": gettext_lazy("Give a number."),
    "float_parsing": gettext_lazy("Give a number."),
    "bool_parsing": gettext_lazy("Give true or false."),
    "date_parsing": gettext_lazy("Give a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": gettext_lazy("Give a date as YYYY-MM-DD."),
    "datetime_parsing": gettext_lazy("Give a date and time in ISO 8601 format."),
    "enum": gettext_lazy("Choose one of: %(expected)s."),
    "literal_error": gettext_lazy("Choose one of: %(expected)s."),
    "greater_than_equal": gettext_lazy("Give a number of at least %(ge)s."),
    "less_than_equal": gettext_lazy("Give a number of at most %(le)s."),
    "string_too_long": gettext_lazy("Give at most %(max_length)s characters."),
    "string_too_short": gettext_lazy("Give at least %(min_length)s characters."),
}
# Where a value came from in the request; not part of a field's name.
PARAMETER_SOURCES = {"query", "path", "body", "form", "file", "header", "cookie"}


class ApiError(HttpError):
    """An error with its own stable code, for when the status's default code says too little."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(status_code, message)
        self.code = code


class NotFound(Http404):
    """A 404 whose message names what was not found."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ErrorDetail(Schema):
    code: str = Field(description="Stable, for programs: see docs/api.md for the list.")
    message: str = Field(description="For people, in the language the request asked for.")
    fields: dict[str, list[str]] = Field(
        description="Messages per input field; empty when the error is not about one field."
    )


class ErrorOut(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation documents in the OpenAPI document."""
    return dict.fromkeys(statuses, ErrorOut)


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in PARAMETER_SOURCES:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def _field_message(error: dict[str, Any]) -> str:
    template = FIELD_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", ""))
    try:
        return str(template) % error.get("ctx", {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


def _single_code(exc: DjangoValidationError) -> str | None:
    """The code every part of a Django ValidationError shares, if they share exactly one."""
    parts = (
        [error for field_errors in exc.error_dict.values() for error in field_errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    codes = {part.code for part in parts}
    if len(codes) == 1:
        (code,) = codes
        return code or None
    return None


class ParkPactAPI(NinjaAPI):
    """NinjaAPI whose every answer is JSON: errors raised in operations, unknown paths, wrong
    methods; plus a small index at the root and Swagger UI served without a CDN."""

    def set_default_exception_handlers(self) -> None:
        self._handle(Exception, self._server_error)
        self._handle(NinjaValidationError, self._input_error)
        self._handle(HttpError, self._http_error)
        self._handle(AuthenticationError, self._http_error)
        self._handle(Http404, self._not_found)
        self._handle(PermissionDenied, self._permission_denied)
        self._handle(DjangoValidationError, self._rule_error)

    def _handle(
        self, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
    ) -> None:
        # Ninja's signature also admits handlers of the exception class; it only passes instances.
        self.add_exception_handler(exc_class, handler)  # type: ignore[arg-type]

    def error_response(
        self,
        request: HttpRequest,
        *,
        status: int,
        code: str,
        message: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> HttpResponse:
        if message is None:
            message = str(DEFAULT_MESSAGES.get(code, DEFAULT_MESSAGES["bad_request"]))
        return self.create_response(request, error_body(code, message, fields), status=status)

    def _input_error(self, request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), []).append(_field_message(error))
        return self.error_response(request, status=422, code="validation_error", fields=fields)

    def _http_error(self, request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if isinstance(exc, ApiError):
            return self.error_response(request, status=status, code=exc.code, message=exc.message)
        code = CODE_FOR_STATUS.get(status, "bad_request" if status < 500 else "server_error")
        response = self.error_response(request, status=status, code=code)
        if isinstance(exc, Throttled) and exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    def _not_found(self, request: HttpRequest, exc: Http404) -> HttpResponse:
        message = exc.message if isinstance(exc, NotFound) else None
        return self.error_response(request, status=404, code="not_found", message=message)

    def _permission_denied(self, request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        message = str(exc) or None
        return self.error_response(request, status=403, code="permission_denied", message=message)

    def _rule_error(self, request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        """A business rule refused a well-formed request (a service raised ValidationError)."""
        code = _single_code(exc) or "validation_error"
        if hasattr(exc, "error_dict"):
            fields = exc.message_dict
            general = fields.pop("__all__", [])
            # With no general message, the fields' own messages say what to fix.
            message = " ".join(general or [m for messages in fields.values() for m in messages])
            return self.error_response(
                request, status=400, code=code, message=message, fields=fields
            )
        return self.error_response(request, status=400, code=code, message=" ".join(exc.messages))

    def _server_error(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exc, extra={"request": request}
        )
        # Error reporters (and Django's test client) listen for this, as for any view's crash.
        signals.got_request_exception.send(sender=None, request=request)
        response = self.error_response(request, status=500, code="server_error")
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    @property
    def urls(self) -> tuple[list[URLResolver | URLPattern], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                if pattern.name == "api-root":
                    pattern.callback = self._index
                pattern.callback = self._json_errors(pattern.callback)
        patterns.append(path("docs/assets/<str:name>", self._docs_asset, name="docs-asset"))
        # Anything else under the API's prefix is a JSON 404, not the site's HTML page.
        patterns.append(re_path(r"^", self._json_errors(self._unknown_path)))
        return patterns, app_name, namespace

    def _json_errors(self, view: View) -> View:
        """Turn what ninja answers outside its operations (a 405, a 404) into the error format."""

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                response = view(request, *args, **kwargs)
            except Http404 as exc:
                return self._not_found(request, exc)
            if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"
            ):
                allowed = response.get("Allow", "")
                response = self.error_response(request, status=405, code="method_not_allowed")
                response["Allow"] = allowed
            return response

        return wrapper

    def _index(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.create_response(
            request,
            {
                "title": self.title,
                "version": self.version,
                "openapi": reverse(f"{self.urls_namespace}:openapi-json"),
                "docs": reverse(f"{self.urls_namespace}:openapi-view"),
            },
            status=200,
        )

    def _unknown_path(self, request: HttpRequest) -> HttpResponse:
        return self.error_response(request, status=404, code="not_found")

    def _docs_asset(self, request: HttpRequest, name: str) -> HttpResponseBase:
        if name not in DOCS_ASSETS:
            return self.error_response(request, status=404, code="not_found")
        response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=DOCS_ASSETS[name])
        response["Cache-Control"] = "public, max-age=86400"
        return response


def not_found(model: type[models.Model]) -> NotFound:
    return NotFound(
        _("There is no %(object)s with this id, or it is not yours to see.")
        % {"object": model._meta.verbose_name}
    )


def get_visible_or_404(queryset: "models.QuerySet[M]", **lookup: Any) -> M:
    """One object the caller may see. Another company's object is 404, exactly like a missing
    one, so that a provider cannot even learn that it exists."""
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist:
        raise not_found(queryset.model) from None


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------


class BearerToken(HttpBearer):
    """A personal API token: ``Authorization: Bearer pp_…`` (see manage.py issue_api_token)."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_api_token(token)
        if user is None:
            # Refused outright: a client that sends a token means to use it, so falling back
            # to the session or to anonymous access would only hide the mistake.
            raise ApiError(
                401, "not_authenticated", _("This API token is unknown or has been revoked.")
            )
        request.user = user
        return user


class Session(NinjaSessionAuth):
    """The browser's signed-in session. Unsafe methods must carry the CSRF token."""

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except HttpError:
            raise ApiError(
                403,
                "csrf_failed",
                _("The CSRF token is missing or wrong: reload the page and try again."),
            ) from None


def anyone(request: HttpRequest) -> User | AnonymousUser:
    """Lets anonymous visitors through on public endpoints (after a token or session, if any)."""
    return request.user


bearer_token = BearerToken()
session = Session()
# Everything except public data needs a signed-in caller.
SIGNED_IN = [bearer_token, session]
# Public data: no sign-in needed, but a token or session is used when given.
PUBLIC = [bearer_token, session, anyone]
# OpenAPI: on public endpoints authentication is optional (the empty requirement).
PUBLIC_OPENAPI: dict[str, Any] = {"security": [{}]}


def caller(request: HttpRequest) -> User | AnonymousUser:
    """The user the request speaks for, signed in by session or by token, or anonymous."""
    return request.user


def is_centre_staff(request: HttpRequest) -> bool:
    user = caller(request)
    return isinstance(user, User) and user.is_centre_staff


# ---------------------------------------------------------------------------------------------
# Values and pagination
# ---------------------------------------------------------------------------------------------


def _two_places(value: Decimal) -> str:
    return str(to_cny(value))


# Money is never a float: yuan as a string with two decimals, e.g. "120000.00".
Money = Annotated[
    Decimal,
    PlainSerializer(_two_places, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["120000.00"]}),
]
# Other exact quantities (rates, scores, weights): a decimal string as stored, e.g. "0.0500".
DecimalString = Annotated[
    Decimal,
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["0.0500"]}),
]

MAX_PAGE = 200


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` on every list; the answer has ``items`` and the total ``count``."""

    class Input(LimitOffsetPagination.Input):
        limit: int = Field(50, ge=1, le=MAX_PAGE, description="Items per page, at most 200.")
        offset: int = Field(0, ge=0, description="How many items to skip.")


class FeatureCollectionPagination(Pagination):
    """Pagination whose page is a GeoJSON FeatureCollection (with the total ``count``)."""

    items_attribute = "features"

    class Output(Schema):
        type: Literal["FeatureCollection"]
        features: list[Any]
        count: int

    def paginate_queryset(
        self,
        queryset: "models.QuerySet[Any]",
        pagination: Any,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        return {"type": "FeatureCollection", **page}


# ---------------------------------------------------------------------------------------------
# Docs page
# ---------------------------------------------------------------------------------------------

NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}
DOCS_PAGE = Engine().from_string(
    """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<link rel="stylesheet" href="{{ assets.css }}">
<link rel="icon" href="{{ assets.favicon }}" type="image/svg+xml">
</head>
<body data-csrf-token="{{ csrf_token }}" data-api-csrf="true">
{{ swagger_settings|json_script:"swagger-settings" }}
<div id="swagger-ui"></div>
<script src="{{ assets.bundle }}"></script>
<script src="{{ assets.init }}"></script>
</body>
</html>
"""
)


class BundledSwagger(DocsBase):
    """Swagger UI from the copy that ships inside django-ninja, so the docs work offline.

    Ninja itself serves its copy only when "ninja" is an installed app and otherwise loads
    Swagger UI from a CDN; this serves the same files through the API's own URLs instead.
    """

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        def asset(name: str) -> str:
            url = reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name})
            return f"{url}?v={ninja.__version__}"

        context = {
            "title": api.title,
            "assets": {
                "css": asset("swagger-ui.css"),
                "favicon": asset("favicon.svg"),
                "bundle": asset("swagger-ui-bundle.js"),
                "init": asset("swagger-ui-init.js"),
            },
            "swagger_settings": {
                "layout": "BaseLayout",
                "deepLinking": True,
                "url": self.get_openapi_url(api, kwargs),
            },
            "csrf_token": get_token(request),
        }
        return HttpResponse(DOCS_PAGE.render(Context(context)))


# ---------------------------------------------------------------------------------------------
# /me
# ---------------------------------------------------------------------------------------------

router = Router(tags=["me"])


class MeOut(Schema):
    id: int
    username: str
    name: str = Field(description="The person's full name; empty if not recorded.")
    role: str = Field(description="admin, manager, inspector, finance, auditor or provider.")
    provider: int | None = Field(description="The provider company of a contractor's staff.")

    @staticmethod
    def resolve_name(user: User) -> str:
        return user.get_full_name()

    @staticmethod
    def resolve_provider(user: User) -> int | None:
        return user.provider_id


@router.get("/me", response={200: MeOut, **errors(401)}, auth=SIGNED_IN, summary="Who I am")
def me(request: HttpRequest) -> User:
    """The signed-in caller: user name, role and, for a contractor's staff, their company."""
    return signed_in_user(request)
