"""Failed items whose photos never arrived: the visit is flagged for review, once."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from conftest import World
from parkpact.core.models import AuditEvent, User
from parkpact.inspections.evidence import store_evidence
from parkpact.inspections.models import Finding, Inspection, RectificationOrder
from parkpact.inspections.submission import Position, flag_failed_findings_without_photos
from parkpact.inspections.tests.test_submission import make_visit, submit

DAY = timedelta(hours=24)


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def submitted(world: World, inspector: User) -> Inspection:
    return submit(make_visit(world.contract_a, world.zones[0], inspector), inspector)


def test_it_flags_a_visit_whose_failed_item_has_no_photo_after_the_grace(
    submitted: Inspection,
) -> None:
    now = timezone.now()
    assert flag_failed_findings_without_photos(now=now + timedelta(hours=1), grace=DAY) == 0
    assert flag_failed_findings_without_photos(now=now + 2 * DAY, grace=DAY) == 1
    submitted.refresh_from_db()
    assert submitted.needs_review
    assert "CL-02" in submitted.review_reason
    assert AuditEvent.objects.filter(action="inspection.flag_missing_photos").count() == 1
    assert RectificationOrder.objects.count() == 1  # the order stands
    # Once is enough.
    assert flag_failed_findings_without_photos(now=now + 3 * DAY, grace=DAY) == 0


def test_it_adds_to_a_visit_already_flagged_for_something_else(
    world: World, inspector: User
) -> None:
    visit = make_visit(world.contract_a, world.zones[0], inspector)
    submitted = submit(visit, inspector, start_position=None)
    assert submitted.needs_review
    assert flag_failed_findings_without_photos(now=timezone.now() + 2 * DAY, grace=DAY) == 1
    submitted.refresh_from_db()
    assert len(submitted.review_reason.splitlines()) == 2


def test_a_photo_that_arrived_clears_the_visit(submitted: Inspection, inspector: User) -> None:
    failed = Finding.objects.get(inspection=submitted, result=Finding.Result.FAIL)
    store_evidence(upload=png(), by=inspector, finding=failed, evidence_uuid=uuid.uuid4())
    assert flag_failed_findings_without_photos(now=timezone.now() + 2 * DAY, grace=DAY) == 0
    submitted.refresh_from_db()
    assert not submitted.needs_review


def test_positions_are_kept_to_six_places(world: World, inspector: User) -> None:
    visit = make_visit(world.contract_a, world.zones[0], inspector)
    position = Position(longitude=118.60051234567, latitude=24.930549999, accuracy_m=4.5)
    submitted = submit(visit, inspector, start_position=position)
    submitted.refresh_from_db()
    assert str(submitted.start_longitude) == "118.600512"
    assert str(submitted.start_latitude) == "24.930550"
