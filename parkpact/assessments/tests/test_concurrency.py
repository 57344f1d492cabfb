"""Two managers approve the same month at the same moment: one certificate, one refusal.

PostgreSQL only: SQLite runs one write transaction at a time, so there is no race to test."""

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import World
from parkpact.assessments import services
from parkpact.assessments.models import Assessment, PaymentCertificate, Rating
from parkpact.core.models import AuditEvent, User

from .helpers import AFTER_WINDOW, sent


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_issue_one_certificate(
    world: World, manager: User, second_manager: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite runs one transaction at a time")
    assessment = sent(world, manager)
    start = threading.Barrier(2, timeout=10)
    outcomes: dict[str, Any] = {}

    def approve(name: str, user: User) -> None:
        try:
            start.wait()
            outcomes[name] = services.approve_assessment(
                assessment=assessment, by=user, now=AFTER_WINDOW
            )
        except ValidationError as error:
            outcomes[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=("first", manager)),
        threading.Thread(target=approve, args=("second", second_manager)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    certificates = [o for o in outcomes.values() if isinstance(o, PaymentCertificate)]
    refusals = [o for o in outcomes.values() if isinstance(o, ValidationError)]
    assert len(certificates) == 1 and len(refusals) == 1, outcomes
    assert refusals[0].code == "bad_transition"
    assert PaymentCertificate.objects.count() == 1
    assert Rating.objects.count() == 1
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.APPROVED
    assert AuditEvent.objects.filter(action="assessment.approve").count() == 1
