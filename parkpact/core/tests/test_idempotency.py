"""core.idempotency: a request sent again with the same Idempotency-Key is answered, not redone."""

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from ninja.errors import HttpError

from parkpact import testing
from parkpact.core.idempotency import Answer, canonical_hash, key_from, respond, run_once
from parkpact.core.models import IdempotencyRecord, Notification, Role, User


def make_note(user: User, text: str = "hello") -> tuple[int, Any]:
    """The work behind the key: it creates something, so a second run would show."""
    note = Notification.objects.create(user=user, message=text)
    return 201, {"id": note.pk, "message": note.message}


def once(user: User, key: str = "k-1", body: Any = None, endpoint: str = "notes") -> Answer:
    body = {"text": "hello"} if body is None else body
    return run_once(
        user=user,
        key=key,
        endpoint=endpoint,
        request_hash=canonical_hash(body),
        handler=lambda: make_note(user, body["text"]),
    )


def code_of(error: HttpError) -> str:
    return str(getattr(error, "code", ""))


def test_it_runs_the_first_request_and_stores_its_answer(inspector: User) -> None:
    answer = once(inspector)
    assert answer.status == 201 and not answer.replayed
    record = IdempotencyRecord.objects.get(user=inspector, key="k-1")
    assert (record.status_code, record.response, record.endpoint) == (201, answer.body, "notes")
    assert Notification.objects.count() == 1


def test_it_replays_a_retry_and_creates_nothing(inspector: User) -> None:
    first = once(inspector)
    retry = once(inspector)
    assert retry == Answer(status=first.status, body=first.body, replayed=True)
    assert Notification.objects.count() == 1


def test_it_hashes_the_same_body_the_same_whatever_the_key_order() -> None:
    assert canonical_hash({"a": 1, "b": [1, 2]}) == canonical_hash({"b": [1, 2], "a": 1})
    assert canonical_hash({"a": 1}) != canonical_hash({"a": 2})


def test_it_refuses_the_same_key_with_a_different_body(inspector: User) -> None:
    once(inspector)
    with pytest.raises(HttpError) as refused:
        once(inspector, body={"text": "something else"})
    assert refused.value.status_code == 422
    assert code_of(refused.value) == "idempotency_key_reused"
    assert Notification.objects.count() == 1


def test_it_refuses_the_same_key_on_another_endpoint(inspector: User) -> None:
    once(inspector)
    with pytest.raises(HttpError) as refused:
        once(inspector, endpoint="other")
    assert code_of(refused.value) == "idempotency_key_reused"


def test_keys_belong_to_one_user(inspector: User, manager: User) -> None:
    once(inspector)
    assert not once(manager).replayed
    assert Notification.objects.count() == 2


def test_a_failed_request_is_not_remembered_so_it_can_be_retried(inspector: User) -> None:
    def fail() -> tuple[int, Any]:
        make_note(inspector)
        raise ValueError("crash half-way")

    with pytest.raises(ValueError):
        run_once(user=inspector, key="k-1", endpoint="notes", request_hash="h", handler=fail)
    assert not IdempotencyRecord.objects.exists()
    assert not Notification.objects.exists()  # the half-done work was rolled back too
    assert not once(inspector).replayed


def test_it_requires_a_key_where_the_endpoint_says_so(db: None) -> None:
    request = RequestFactory().post("/x")
    with pytest.raises(HttpError) as refused:
        key_from(request)
    assert refused.value.status_code == 400
    assert code_of(refused.value) == "idempotency_key_required"
    assert key_from(request, required=False) is None


@pytest.mark.parametrize("key", ["x" * 101, "clé", "a\tb"])
def test_it_refuses_a_malformed_key(db: None, key: str) -> None:
    request = RequestFactory().post("/x", headers={"Idempotency-Key": key})
    with pytest.raises(HttpError) as refused:
        key_from(request)
    assert code_of(refused.value) == "idempotency_key_invalid"


def test_respond_answers_json_and_marks_a_replay(inspector: User) -> None:
    def request() -> Any:
        return RequestFactory().post("/x", headers={"Idempotency-Key": "k-9"})

    first = respond(
        request(),
        user=inspector,
        endpoint="notes",
        content={"text": "hi"},
        handler=lambda: make_note(inspector, "hi"),
    )
    again = respond(
        request(),
        user=inspector,
        endpoint="notes",
        content={"text": "hi"},
        handler=lambda: make_note(inspector, "hi"),
    )
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_on_postgresql_create_one_object() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one transaction at a time")
    user = testing.make_user(Role.INSPECTOR)
    first_is_working = threading.Event()
    runs: list[str] = []
    answers: dict[str, Answer] = {}

    def slow_handler(name: str) -> tuple[int, Any]:
        runs.append(name)
        first_is_working.set()
        time.sleep(0.5)  # the second copy arrives while the first is still in its transaction
        return make_note(user)

    def send(name: str) -> None:
        try:
            answers[name] = run_once(
                user=user,
                key="same-key",
                endpoint="notes",
                request_hash=canonical_hash({"text": "hello"}),
                handler=lambda: slow_handler(name),
            )
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    second = threading.Thread(target=send, args=("second",))
    first.start()
    assert first_is_working.wait(timeout=10)
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert runs == ["first"]  # the second copy never ran the handler
    assert Notification.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert not answers["first"].replayed and answers["second"].replayed
    assert answers["second"].body == answers["first"].body
