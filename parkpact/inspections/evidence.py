"""Photos kept as evidence: checked by their content, hashed, stored untouched, and copied for
display without their metadata. Every entry point (the field app's API, the order pages, the
demo) stores a photo through ``store_evidence``; nothing edits or deletes one afterwards.

The original keeps its EXIF (time, camera, often the GPS position): it stays in the restricted
"evidence" storage and only centre staff may download it. Everyone who may see the evidence gets
the display copy, re-encoded as JPEG with no metadata at all.
"""

import hashlib
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from parkpact.core.models import User
from parkpact.core.photos import EXTENSIONS, check_photo, read_capped
from parkpact.core.services import record_event

from .models import Evidence, Finding, Inspection, OrderEvent, RectificationOrder

UUID_REUSED = _(
    "A different photo was already sent with this identifier: give each photo its own identifier."
)


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
    data = read_capped(upload)
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
