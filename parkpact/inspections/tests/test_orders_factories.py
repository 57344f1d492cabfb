"""Small factories for the evidence and order tests: photos made with Pillow, and submitted
inspections with failed findings built directly (the field app's submission is tested apart).

No tests here: the other test modules import these."""

import itertools
import struct
import zlib
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parkpact.contracts.models import Contract, PerformanceStandard
from parkpact.core.models import User
from parkpact.inspections.models import Evidence, Finding, Inspection, RectificationOrder
from parkpact.inspections.rectification import issue_order
from parkpact.testing import photo_bytes

_counter = itertools.count(1)
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def upload(
    data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo(fmt: str = "JPEG", **options: object) -> SimpleUploadedFile:
    return upload(
        photo_bytes(fmt, **options),  # type: ignore[arg-type]
        name=f"photo.{EXTENSIONS[fmt]}",
        content_type=CONTENT_TYPES[fmt],
    )


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's opening move."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def stored_files() -> set[str]:
    """Every file in the evidence storage, to check that a refused photo stored nothing.

    The storage the Evidence fields write to (resolved when the model was loaded)."""
    storage = Evidence._meta.get_field("original").storage  # type: ignore[attr-defined]
    found: set[str] = set()

    def walk(path: str) -> None:
        try:
            directories, files = storage.listdir(path)
        except FileNotFoundError:
            return
        found.update(f"{path}/{name}".lstrip("/") for name in files)
        for directory in directories:
            walk(f"{path}/{directory}".lstrip("/"))

    walk("")
    return found


def standard_of(
    contract: Contract, *, code: str = "CL-01", hours: int | None = None
) -> PerformanceStandard:
    standard = PerformanceStandard.objects.get(
        version__contract=contract, version__number=1, code=code
    )
    if hours is not None:
        # Terms in force are locked against edits through the services; a test may set them.
        PerformanceStandard.objects.filter(pk=standard.pk).update(rectification_hours=hours)
        standard.refresh_from_db()
    return standard


def make_inspection(
    contract: Contract,
    inspector: User,
    *,
    status: str = Inspection.Status.SUBMITTED,
    submitted_at: datetime | None = None,
) -> Inspection:
    submitted_at = submitted_at or timezone.now()
    window_start = submitted_at - timedelta(hours=1)
    submitted = status == Inspection.Status.SUBMITTED
    return Inspection.objects.create(
        contract=contract,
        zone=contract.zones.order_by("pk").first(),
        inspector=inspector,
        window_start=window_start,
        window_end=window_start + timedelta(hours=2),
        status=status,
        started_at=window_start if submitted else None,
        start_longitude="118.600500" if submitted else None,
        start_latitude="24.930500" if submitted else None,
        finished_at=submitted_at - timedelta(minutes=5) if submitted else None,
        finish_longitude="118.600600" if submitted else None,
        finish_latitude="24.930600" if submitted else None,
        submitted_at=submitted_at if submitted else None,
    )


def make_finding(
    inspection: Inspection,
    *,
    code: str = "CL-01",
    result: str = Finding.Result.FAIL,
    hours: int | None = None,
) -> Finding:
    return Finding.objects.create(
        inspection=inspection,
        standard=standard_of(inspection.contract, code=code, hours=hours),
        result=result,
        note="Litter along the lakeshore path." if result == Finding.Result.FAIL else "",
    )


def make_order(
    contract: Contract,
    inspector: User,
    *,
    hours: int = 2,
    submitted_at: datetime | None = None,
    code: str = "CL-01",
) -> RectificationOrder:
    """A submitted inspection with one failed finding and the order it raised."""
    inspection = make_inspection(contract, inspector, submitted_at=submitted_at)
    finding = make_finding(inspection, code=code, hours=hours)
    return issue_order(finding=finding, by=inspector)


def set_status(order: RectificationOrder, status: str) -> RectificationOrder:
    """Put an order in a status directly, to test what may follow from it."""
    RectificationOrder.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()
    return order
