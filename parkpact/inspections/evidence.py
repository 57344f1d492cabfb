"""Photos kept as evidence: checked by their content, hashed, stored untouched, and copied for
display without their metadata. Every entry point (the field app's API, the order pages, the
demo) stores a photo through ``store_evidence``; nothing edits or deletes one afterwards.

The original keeps its EXIF (time, camera, often the GPS position): it stays in the restricted
"evidence" storage and only centre staff may download it. Everyone who may see the evidence gets
the display copy, re-encoded as JPEG with no metadata at all.
"""

import hashlib
import io
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from parkpact.core.models import User
from parkpact.core.services import record_event

from .models import Evidence, Finding, Inspection, OrderEvent, RectificationOrder

# A phone photo is 2–8 MB; anything much larger is not a photo taken in a park.
MAX_PHOTO_BYTES = 15 * 1024 * 1024
# A 40-megapixel image decodes to about 160 MB; a small file declaring more is a decompression bomb.
MAX_PIXELS = 40_000_000
# The long side of the display copy, in pixels: sharp on a laptop, light on a phone.
DISPLAY_LONG_SIDE = 1600
DISPLAY_QUALITY = 85

# Pillow's names of the formats accepted, and what they are served as. Some cameras write JPEG
# files with a second picture inside, which Pillow reads as "MPO"; they are JPEG files all the same.
CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
}
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
_OPENERS = ["JPEG", "PNG", "WEBP"]  # the MPO reader is reached through the JPEG one

NOT_AN_IMAGE = _("This file is not a photo: send a JPEG, PNG or WebP image.")
TOO_LARGE = _("This photo is larger than %(limit)s MB: send a smaller one.")
DECOMPRESSION_BOMB = _(
    "This image claims more than %(limit)s megapixels, which no camera photo needs: send the photo as the camera took it."
)
UUID_REUSED = _(
    "A different photo was already sent with this identifier: give each photo its own identifier."
)


def _read_capped(upload: UploadedFile) -> bytes:
    """All the bytes, refusing as soon as there are more than the cap (never trust ``size``)."""
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise _too_large()
    upload.seek(0)
    chunks = []
    total = 0
    for chunk in upload.chunks():
        total += len(chunk)
        if total > MAX_PHOTO_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> ValidationError:
    return ValidationError(
        TOO_LARGE, code="too_large", params={"limit": MAX_PHOTO_BYTES // (1024 * 1024)}
    )


def _bomb() -> ValidationError:
    return ValidationError(
        DECOMPRESSION_BOMB, code="decompression_bomb", params={"limit": MAX_PIXELS // 1_000_000}
    )


def _open(data: bytes) -> Image.Image:
    """Open the image, refusing anything Pillow does not recognise as JPEG, PNG or WebP."""
    try:
        image = Image.open(io.BytesIO(data), formats=_OPENERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb() from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    if image.format not in CONTENT_TYPES:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    width, height = image.size
    if width < 1 or height < 1:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    if width * height > MAX_PIXELS:
        raise _bomb()
    return image


def _display_copy(image: Image.Image) -> bytes:
    """Upright, at most DISPLAY_LONG_SIDE pixels, JPEG, with no EXIF, XMP, ICC or comment."""
    if image.format in ("JPEG", "MPO"):
        # Let the JPEG decoder scale down while decoding: a fraction of the memory and time.
        image.draft("RGB", (DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE))
    image.load()
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    upright.thumbnail((DISPLAY_LONG_SIDE, DISPLAY_LONG_SIDE), Image.Resampling.LANCZOS)
    # A fresh image carries nothing over from the original: no info, no cached EXIF.
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=DISPLAY_QUALITY, optimize=True)
    return out.getvalue()


def check_photo(data: bytes) -> tuple[str, int, int, bytes]:
    """Refuse what is not a JPEG, PNG or WebP photo by its content; return its content type,
    width, height and the display copy.

    MAX_PIXELS is below Pillow's own limit (Image.MAX_IMAGE_PIXELS), so a bomb is refused here
    from its header, before a single pixel is decoded; Pillow's error is the backstop.
    """
    image = _open(data)
    content_type = CONTENT_TYPES[image.format or ""]
    width, height = image.size
    try:
        image.verify()  # checksums and structure; the image cannot be used afterwards
        display = _display_copy(_open(data))
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _bomb() from error
    except Exception as error:
        # Truncated or corrupt: a header that looks like an image over data that is not.
        # Decoders of untrusted data fail in many ways; each one means "not a photo".
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from error
    return content_type, width, height, display


def _attachment(evidence: Evidence) -> dict[str, Any]:
    return {"finding": evidence.finding_id, "order_event": evidence.order_event_id}


def _same_attachment(
    evidence: Evidence, finding: Finding | None, order_event: OrderEvent | None
) -> bool:
    return evidence.finding_id == (finding.pk if finding else None) and (
        evidence.order_event_id == (order_event.pk if order_event else None)
    )


def _existing(
    evidence_uuid: uuid.UUID,
    sha256: str,
    finding: Finding | None,
    order_event: OrderEvent | None,
) -> Evidence | None:
    """The evidence a retry already stored, or None; the same identifier for another photo (or
    another finding) is refused."""
    existing = Evidence.objects.filter(uuid=evidence_uuid).first()
    if existing is None:
        return None
    if existing.sha256 != sha256 or not _same_attachment(existing, finding, order_event):
        raise ValidationError(UUID_REUSED, code="uuid_reused")
    return existing


def store_evidence(
    *,
    upload: UploadedFile,
    by: User,
    finding: Finding | None = None,
    order_event: OrderEvent | None = None,
    evidence_uuid: uuid.UUID | None = None,
    taken_at: datetime | None = None,
) -> Evidence:
    """Check a photo, keep the original with its SHA-256 and an EXIF-free display copy, and
    record the upload in the ledger. Attach it to a finding or to a step of an order.

    Idempotent on ``evidence_uuid`` (the field app's client-generated identifier): sending the
    same photo again returns the evidence already stored; a different photo is refused.
    A refused photo stores nothing.
    """
    if (finding is None) == (order_event is None):
        raise TypeError("evidence is attached to exactly one finding or one order step")
    data = _read_capped(upload)
    sha256 = hashlib.sha256(data).hexdigest()
    if evidence_uuid is not None:
        existing = _existing(evidence_uuid, sha256, finding, order_event)
        if existing is not None:
            return existing
    content_type, width, height, display = check_photo(data)

    evidence = Evidence(
        uuid=evidence_uuid or uuid.uuid4(),
        sha256=sha256,
        content_type=content_type,
        size_bytes=len(data),
        width=width,
        height=height,
        finding=finding,
        order_event=order_event,
        uploaded_by=by,
        taken_at=taken_at,
    )
    _save_files(evidence, data, display)
    try:
        with transaction.atomic():
            evidence.save(force_insert=True)
            record_event(
                actor=by,
                action="evidence.upload",
                obj=evidence,
                after={
                    "uuid": str(evidence.uuid),
                    "sha256": sha256,
                    "size_bytes": len(data),
                    "content_type": content_type,
                    **_attachment(evidence),
                },
            )
    except IntegrityError:
        # Two sends of the same photo at once: the other one won; answer as a retry would.
        _delete_files(evidence)
        if evidence_uuid is None:
            raise
        existing = _existing(evidence_uuid, sha256, finding, order_event)
        if existing is None:
            raise
        return existing
    except BaseException:
        _delete_files(evidence)
        raise
    return evidence


def _save_files(evidence: Evidence, data: bytes, display: bytes) -> None:
    """The original under a name made from the random identifier and the detected type (the
    uploaded file's name is never used); the display copy beside it."""
    extension = EXTENSIONS[evidence.content_type]
    original_field = Evidence._meta.get_field("original")
    name = original_field.generate_filename(evidence, f"photo{extension}")
    evidence.original.name = evidence.original.storage.save(name, ContentFile(data))
    display_name = name[: -len(extension)] + ".display.jpg"
    evidence.display.name = evidence.display.storage.save(display_name, ContentFile(display))


def _delete_files(evidence: Evidence) -> None:
    """Remove the files of an evidence row that was never written (nothing refers to them)."""
    for field_file in (evidence.original, evidence.display):
        if field_file.name:
            field_file.storage.delete(field_file.name)


SUPERSEDE_REASON_REQUIRED = _("Say why this photo replaces the earlier one.")
ALREADY_SUPERSEDED = _("This photo has already been replaced by a later one.")


def supersede_evidence(*, old: Evidence, upload: UploadedFile, by: User, reason: str) -> Evidence:
    """Replace a photo with a better one, keeping both: the old one is marked superseded and
    stays readable. Only its uploader or centre staff may do it."""
    if not reason.strip():
        raise ValidationError(
            {"reason": ValidationError(SUPERSEDE_REASON_REQUIRED, code="reason_required")}
        )
    if not (by.is_centre_staff or (by.is_active and by.pk == old.uploaded_by_id)):
        raise PermissionDenied
    with transaction.atomic():
        old = Evidence.objects.select_for_update().get(pk=old.pk)
        if old.superseded_by_id is not None:
            raise ValidationError(ALREADY_SUPERSEDED, code="already_superseded")
        new = store_evidence(
            upload=upload,
            by=by,
            finding=old.finding,
            order_event=old.order_event,
        )
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        record_event(
            actor=by,
            action="evidence.supersede",
            obj=old,
            before={"sha256": old.sha256, "superseded_by": None},
            after={"sha256": new.sha256, "superseded_by": str(new.uuid)},
            reason=reason,
        )
    return new


def visible_evidence(user: User) -> QuerySet[Evidence]:
    """Evidence a person may see: centre staff all of it; a provider's staff that of their own
    company's submitted inspections and orders; anybody else none."""
    if not user.is_active:
        return Evidence.objects.none()
    if user.is_centre_staff:
        return Evidence.objects.all()
    return Evidence.objects.filter(
        Q(finding__inspection__in=Inspection.objects.visible_to(user))
        | Q(order_event__order__in=RectificationOrder.objects.visible_to(user))
    )


def may_download_original(user: User) -> bool:
    """The original keeps its EXIF (often the GPS position): centre staff only."""
    return user.is_centre_staff
