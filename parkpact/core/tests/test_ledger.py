"""The audit ledger: every change leaves a chained entry, and tampering is found and named."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from conftest import World
from parkpact.core import ledger
from parkpact.core.models import AuditEvent, Role, User
from parkpact.core.services import record_event, verify_ledger


def _tamper(sql: str, params: list[object]) -> None:
    """Change the table behind the services' back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser can switch ordinary triggers off for the session, append-only one included.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_it_chains_each_entry_onto_the_one_before(world: World) -> None:
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) > 10
    assert events[0].prev_hash == ledger.GENESIS_HASH
    for previous, event in itertools.pairwise(events):
        assert event.seq == previous.seq + 1
        assert event.prev_hash == previous.hash
    assert verify_ledger().intact


def test_it_records_who_did_what_with_before_and_after(world: World, manager: User) -> None:
    event = AuditEvent.objects.filter(action="contract.activate").first()
    assert event is not None
    assert event.actor == manager
    assert event.before["status"] == "draft"
    assert event.after["status"] == "active"
    assert event.after["terms"]["monthly_fee"] == "120000.00"


def test_it_prints_the_head_of_an_intact_ledger(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("verify_ledger")
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    out = capsys.readouterr().out
    assert "intact" in out
    assert head.hash in out


def test_it_names_an_altered_entry(world: World) -> None:
    victim = AuditEvent.objects.order_by("seq")[4]
    _tamper("UPDATE core_auditevent SET reason = %s WHERE seq = %s", ["nothing to see", victim.seq])
    with pytest.raises(CommandError, match=f"entry {victim.seq}: entry {victim.seq} was altered"):
        call_command("verify_ledger")


def test_it_names_a_removed_entry(world: World) -> None:
    victim = AuditEvent.objects.order_by("seq")[3]
    _tamper("DELETE FROM core_auditevent WHERE seq = %s", [victim.seq])
    with pytest.raises(CommandError, match=f"entry {victim.seq} is missing"):
        call_command("verify_ledger")


def test_it_finds_an_entry_rewritten_with_a_fresh_hash(world: World) -> None:
    """Re-hashing the altered entry is not enough: the next entry still points at the old hash."""
    victim = AuditEvent.objects.order_by("seq")[2]
    victim.reason = "forged"
    forged = ledger.entry_hash(victim.prev_hash, victim.as_entry())
    _tamper(
        "UPDATE core_auditevent SET reason = %s, hash = %s WHERE seq = %s",
        ["forged", forged, victim.seq],
    )
    verdict = verify_ledger()
    assert verdict.broken_seq == victim.seq + 1
    assert "does not point at" in verdict.problem


@pytest.mark.django_db
def test_it_refuses_update_and_delete_in_postgresql(manager: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    event = record_event(actor=manager, action="test.event", obj=manager)
    for sql in (
        "UPDATE core_auditevent SET reason = 'x' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_it_keeps_an_entry_out_when_the_change_rolls_back(manager: User) -> None:
    """An event is written in the caller's transaction: a failed action leaves no entry."""
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(actor=manager, action="test.event", obj=manager)
        raise RuntimeError("half-way failure")
    assert AuditEvent.objects.count() == count
    assert verify_ledger().intact


@pytest.mark.django_db(transaction=True)  # the worker runs the queued verification
def test_the_ledger_page_shows_the_workers_verdict(auditor: User) -> None:
    from conftest import client_for

    client = client_for(auditor)
    assert (
        "has not been verified yet"
        in client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert client.post("/ledger/verify/").status_code == 302
    call_command("run_worker", "--once")
    page = client.get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The chain is intact" in page
    assert verify_ledger().head in page


def test_a_broken_chain_shows_on_the_ledger_page(world: World, auditor: User) -> None:
    from conftest import client_for
    from parkpact.core.services import check_ledger

    victim = AuditEvent.objects.order_by("seq")[1]
    _tamper("UPDATE core_auditevent SET reason = %s WHERE seq = %s", ["x", victim.seq])
    check_ledger()
    page = client_for(auditor).get("/ledger/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"broken at entry {victim.seq}" in page


def test_the_ledger_page_is_for_auditors_and_admins(
    world: World, inspector: User, admin: User
) -> None:
    from conftest import client_for

    assert client_for(admin).get("/ledger/").status_code == 200
    assert client_for(inspector).get("/ledger/").status_code == 403
    assert client_for(inspector).post("/ledger/verify/").status_code == 403
    assert client_for(None).get("/ledger/").status_code == 302


@pytest.mark.django_db
def test_it_records_role_changes(admin: User) -> None:
    from parkpact.core.services import set_user_role
    from parkpact.testing import make_user

    user = make_user(Role.INSPECTOR)
    set_user_role(user=user, role=Role.MANAGER, by=admin, reason="promotion")
    event = AuditEvent.objects.get(action="user.set_role")
    assert (event.before["role"], event.after["role"], event.reason) == (
        "inspector",
        "manager",
        "promotion",
    )
