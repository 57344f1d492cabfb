"""Photos sent by people: checked by their content (never by their name or declared type),
with a cap on bytes and pixels, and copied for display without any metadata.

Shared by the inspectors' evidence (inspections.evidence) and the public's reports
(servicerequests): the original may hold the camera's GPS position and is kept for centre staff
only; everyone else sees the display copy, re-encoded as JPEG with no EXIF, XMP, ICC or comment.
"""

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


def read_capped(upload: UploadedFile) -> bytes:
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
