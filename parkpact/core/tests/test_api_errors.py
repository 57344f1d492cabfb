"""Every error the API gives is JSON in one shape, with a stable code and a translated message."""

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import translation

from conftest import client_for
from parkpact.api import api
from parkpact.core.models import User


def error_of(response: HttpResponse) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def handled(exc: Exception) -> HttpResponse:
    """What a caller gets when an operation raises ``exc``."""
    return api.on_exception(RequestFactory().get("/api/v1/x"), exc)


def test_it_answers_an_unknown_path_with_json(db: None) -> None:
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_it_answers_a_missing_object_with_json(db: None) -> None:
    response = Client().get("/api/v1/parks/999999")
    assert response.status_code == 404
    error = error_of(response)
    assert error["code"] == "not_found"
    assert error["fields"] == {}


def test_it_answers_a_wrong_method_with_json(db: None) -> None:
    response = Client().delete("/api/v1/parks")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_it_names_the_fields_of_bad_input(manager: User) -> None:
    response = client_for(manager).get("/api/v1/contracts?status=lost&limit=0&provider=x")
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"status", "limit", "provider"}
    assert "draft" in error["fields"]["status"][0]


def test_it_refuses_a_non_numeric_id(db: None) -> None:
    response = Client().get("/api/v1/parks/abc")
    assert response.status_code in (404, 422)
    error_of(response)


def test_it_gives_not_authenticated_with_a_hint(db: None) -> None:
    response = Client(headers={"Accept-Language": "en"}).get("/api/v1/providers")
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "not_authenticated"
    assert "Authorization: Bearer" in error["message"]


def test_it_carries_a_django_validation_code_through(db: None) -> None:
    response = handled(ValidationError("Only a draft can be activated.", code="bad_transition"))
    assert response.status_code == 400
    error = error_of(response)
    assert error == {
        "code": "bad_transition",
        "message": "Only a draft can be activated.",
        "fields": {},
    }


def test_it_keys_field_errors_by_field(db: None) -> None:
    exc = ValidationError(
        {"end_date": ["The contract must end after it starts."], "__all__": ["Check the term."]}
    )
    error = error_of(handled(exc))
    assert error["code"] == "validation_error"
    assert error["fields"] == {"end_date": ["The contract must end after it starts."]}
    assert error["message"] == "Check the term."


def test_it_gives_permission_denied(db: None) -> None:
    response = handled(PermissionDenied())
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_it_hides_a_crash_behind_a_json_500(db: None) -> None:
    response = handled(RuntimeError("secret detail"))
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "server_error"
    assert "secret" not in error["message"]


def test_it_speaks_english_when_asked(db: None) -> None:
    response = Client(headers={"Accept-Language": "en"}).get("/api/v1/parks/999999")
    assert response["Content-Language"] == "en"
    assert error_of(response)["message"] == (
        "There is no park with this id, or it is not yours to see."
    )


def test_it_speaks_the_default_language_otherwise(db: None) -> None:
    response = Client().get("/api/v1/parks/999999")
    assert response["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "There is no %(object)s with this id, or it is not yours to see."
        ) % {"object": translation.gettext("park")}
    assert error_of(response)["message"] == expected


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/providers", "/api/v1/contracts"])
def test_it_explains_every_refusal_the_same_way(db: None, path: str) -> None:
    assert error_of(Client().get(path))["code"] == "not_authenticated"
