"""Photos as evidence: checked by content, hashed, kept as sent, shown without metadata."""

import hashlib
import io
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from conftest import World
from parkpact.core import photos
from parkpact.core.models import AuditEvent, User
from parkpact.core.photos import MAX_PHOTO_BYTES
from parkpact.inspections import evidence as evidence_module
from parkpact.inspections.evidence import store_evidence, supersede_evidence
from parkpact.inspections.models import Evidence, Finding

from .test_orders_factories import (
    make_finding,
    make_inspection,
    photo,
    photo_bytes,
    png_declaring,
    stored_files,
    upload,
)

# These tests read the messages in English.
pytestmark = pytest.mark.usefixtures("english")

EXIF_MAKE, EXIF_ORIENTATION, EXIF_GPS = 0x010F, 0x0112, 0x8825


@pytest.fixture
def finding(world: World, inspector: User) -> Finding:
    return make_finding(make_inspection(world.contract_a, inspector))


def read(field_file: object) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as handle:  # type: ignore[attr-defined]
        return handle.read()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_keeps_a_photo_with_its_hash_and_a_display_copy(
    finding: Finding, inspector: User, fmt: str
) -> None:
    data = photo_bytes(fmt, (120, 80))
    evidence = store_evidence(upload=upload(data, name="x.bin"), by=inspector, finding=finding)

    assert evidence.sha256 == hashlib.sha256(data).hexdigest()
    assert evidence.content_type == f"image/{fmt.lower()}"
    assert (evidence.size_bytes, evidence.width, evidence.height) == (len(data), 120, 80)
    assert read(evidence.original) == data
    assert "x.bin" not in evidence.original.name
    display = Image.open(io.BytesIO(read(evidence.display)))
    assert display.format == "JPEG"
    assert display.size == (120, 80)

    event = AuditEvent.objects.get(action="evidence.upload")
    assert event.object_id == str(evidence.pk)
    assert event.after is not None
    assert event.after["sha256"] == evidence.sha256
    assert event.after["size_bytes"] == len(data)
    assert event.after["finding"] == finding.pk
    assert event.after["order_event"] is None


def test_it_judges_by_content_not_by_name_or_declared_type(
    finding: Finding, inspector: User
) -> None:
    data = photo_bytes("PNG")
    evidence = store_evidence(
        upload=upload(data, name="photo.jpg", content_type="image/jpeg"),
        by=inspector,
        finding=finding,
    )
    assert evidence.content_type == "image/png"
    assert evidence.original.name.endswith(".png")


def assert_refused(finding: Finding, inspector: User, data: bytes, code: str, **kw: str) -> None:
    files_before = stored_files()
    with pytest.raises(ValidationError) as refused:
        store_evidence(upload=upload(data, **kw), by=inspector, finding=finding)
    assert refused.value.code == code
    assert refused.value.messages[0]  # a sentence for the user, not just a code
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="evidence.upload").exists()
    assert stored_files() == files_before


def test_it_refuses_a_text_file_named_like_a_photo(finding: Finding, inspector: User) -> None:
    assert_refused(finding, inspector, b"Not a photo at all.\n" * 50, "not_an_image")


def test_it_refuses_an_image_in_another_format(finding: Finding, inspector: User) -> None:
    assert_refused(finding, inspector, photo_bytes("GIF", mode="P", colour=(1,)), "not_an_image")


def test_it_refuses_a_truncated_photo(finding: Finding, inspector: User) -> None:
    data = photo_bytes("JPEG", (400, 300))
    assert_refused(finding, inspector, data[: len(data) // 2], "not_an_image")


def test_it_refuses_a_file_over_the_size_cap(finding: Finding, inspector: User) -> None:
    data = photo_bytes("PNG")
    oversize = data + b"\0" * (MAX_PHOTO_BYTES + 1 - len(data))
    assert_refused(finding, inspector, oversize, "too_large", name="photo.png")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "size",
    [
        (10_000, 10_000),  # above Pillow's own warning limit
        (7_000, 7_000),  # 49 megapixels: above ParkPact's limit, below Pillow's
        (100_000, 100_000),  # far above Pillow's hard limit
    ],
)
def test_it_refuses_a_decompression_bomb(
    finding: Finding, inspector: User, size: tuple[int, int]
) -> None:
    assert_refused(finding, inspector, png_declaring(*size), "decompression_bomb")


def test_it_refuses_a_real_image_above_the_pixel_limit(
    finding: Finding, inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    assert_refused(finding, inspector, photo_bytes("JPEG", (101, 100)), "decompression_bomb")


def test_a_failure_while_recording_leaves_no_file_behind(
    finding: Finding, inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    files_before = stored_files()

    def broken_ledger(**kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(evidence_module, "record_event", broken_ledger)
    with pytest.raises(RuntimeError):
        store_evidence(upload=photo(), by=inspector, finding=finding)
    assert not Evidence.objects.exists()
    assert stored_files() == files_before


def test_the_display_copy_has_no_exif_and_stands_upright(finding: Finding, inspector: User) -> None:
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Canon"
    exif[EXIF_ORIENTATION] = 6  # the camera was turned: rotate 90° clockwise to view
    exif.get_ifd(EXIF_GPS).update({1: "N", 2: (24.0, 55.0, 30.0), 3: "E", 4: (118.0, 36.0, 1.0)})
    data = photo_bytes("JPEG", (64, 48), exif=exif)
    assert Image.open(io.BytesIO(data)).getexif()[EXIF_MAKE] == "Canon"

    evidence = store_evidence(upload=upload(data), by=inspector, finding=finding)

    display = Image.open(io.BytesIO(read(evidence.display)))
    assert not display.getexif()
    assert "exif" not in display.info
    assert display.size == (48, 64)
    original = read(evidence.original)
    assert original == data
    assert hashlib.sha256(original).hexdigest() == evidence.sha256
    kept = Image.open(io.BytesIO(original)).getexif()
    assert kept[EXIF_MAKE] == "Canon"
    assert kept.get_ifd(EXIF_GPS)[1] == "N"


def test_the_display_copy_is_at_most_1600_pixels_long(finding: Finding, inspector: User) -> None:
    evidence = store_evidence(upload=photo("PNG", size=(2400, 1000)), by=inspector, finding=finding)
    assert Image.open(io.BytesIO(read(evidence.display))).size == (1600, 667)
    assert (evidence.width, evidence.height) == (2400, 1000)


def test_a_transparent_png_gets_a_plain_background(finding: Finding, inspector: User) -> None:
    evidence = store_evidence(
        upload=photo("PNG", mode="RGBA", colour=(0, 0, 0, 0)), by=inspector, finding=finding
    )
    display = Image.open(io.BytesIO(read(evidence.display)))
    assert display.mode == "RGB"
    assert display.getpixel((50, 40)) == pytest.approx((255, 255, 255), abs=3)


def test_sending_the_same_photo_again_stores_it_once(finding: Finding, inspector: User) -> None:
    key = uuid.uuid4()
    data = photo_bytes()
    first = store_evidence(upload=upload(data), by=inspector, finding=finding, evidence_uuid=key)
    files = stored_files()
    again = store_evidence(upload=upload(data), by=inspector, finding=finding, evidence_uuid=key)
    assert again.pk == first.pk
    assert first.uuid == key
    assert Evidence.objects.count() == 1
    assert AuditEvent.objects.filter(action="evidence.upload").count() == 1
    assert stored_files() == files


def test_two_sends_of_one_photo_at_once_store_it_once(
    finding: Finding, inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = uuid.uuid4()
    data = photo_bytes()
    first = store_evidence(upload=upload(data), by=inspector, finding=finding, evidence_uuid=key)
    files = stored_files()
    # The second send checked before the first was written, and lost the race to insert.
    real_existing = evidence_module._existing
    calls = []

    def not_yet(*args: object) -> Evidence | None:
        calls.append(args)
        return None if len(calls) == 1 else real_existing(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence_module, "_existing", not_yet)
    again = store_evidence(upload=upload(data), by=inspector, finding=finding, evidence_uuid=key)
    assert again.pk == first.pk
    assert len(calls) == 2
    assert Evidence.objects.count() == 1
    assert AuditEvent.objects.filter(action="evidence.upload").count() == 1
    assert stored_files() == files


def test_the_same_identifier_for_another_photo_is_refused(
    finding: Finding, inspector: User
) -> None:
    key = uuid.uuid4()
    store_evidence(upload=photo(), by=inspector, finding=finding, evidence_uuid=key)
    with pytest.raises(ValidationError) as refused:
        store_evidence(upload=photo(), by=inspector, finding=finding, evidence_uuid=key)
    assert refused.value.code == "uuid_reused"
    assert Evidence.objects.count() == 1


def test_the_same_identifier_for_another_finding_is_refused(
    world: World, finding: Finding, inspector: User
) -> None:
    key = uuid.uuid4()
    data = photo_bytes()
    store_evidence(upload=upload(data), by=inspector, finding=finding, evidence_uuid=key)
    other = make_finding(finding.inspection, code="CL-02")
    with pytest.raises(ValidationError) as refused:
        store_evidence(upload=upload(data), by=inspector, finding=other, evidence_uuid=key)
    assert refused.value.code == "uuid_reused"


def test_a_photo_is_superseded_never_replaced(finding: Finding, inspector: User) -> None:
    old = store_evidence(upload=photo(), by=inspector, finding=finding)
    new = supersede_evidence(old=old, upload=photo("PNG"), by=inspector, reason="Blurred.")
    old.refresh_from_db()
    assert old.superseded_by == new
    assert new.finding == finding
    assert Evidence.objects.count() == 2
    event = AuditEvent.objects.get(action="evidence.supersede")
    assert event.reason == "Blurred."
    assert event.object_id == str(old.pk)

    with pytest.raises(ValidationError) as refused:
        supersede_evidence(old=old, upload=photo(), by=inspector, reason="Again.")
    assert refused.value.messages == ["This photo has already been replaced by a later one."]
    assert Evidence.objects.count() == 2


def test_superseding_needs_a_reason_and_the_right_person(
    finding: Finding, inspector: User, provider_a_user: User
) -> None:
    old = store_evidence(upload=photo(), by=inspector, finding=finding)
    with pytest.raises(ValidationError) as refused:
        supersede_evidence(old=old, upload=photo(), by=inspector, reason="  ")
    assert refused.value.error_dict["reason"][0].code == "reason_required"
    with pytest.raises(PermissionDenied):
        supersede_evidence(old=old, upload=photo(), by=provider_a_user, reason="Mine is better.")
    assert Evidence.objects.count() == 1


def test_evidence_belongs_to_exactly_one_thing(finding: Finding, inspector: User) -> None:
    with pytest.raises(TypeError):
        store_evidence(upload=photo(), by=inspector)
