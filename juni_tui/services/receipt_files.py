"""Making a dropped file something Fortnox accepts, or refusing it with a reason (reference fortnox-api.md §8).

Fortnox takes PDF, JPEG and TIFF, up to 2.5 MB (``fortnox_spec.MAX_ATTACHMENT_BYTES``). Here:

* the file must be what its name says (by its first bytes): ``kvitto.pdf`` that is really a PNG is refused;
* PNG, GIF and WebP become **JPEG**. Why JPEG and not PDF: these are photos and screenshots; a JPEG stays an
  image that Fortnox and every viewer show inline, Pillow writes it natively, and a PDF made by Pillow would
  only wrap the same JPEG-compressed pixels in a bigger file;
* an image over the limit is reduced: recompressed, then scaled down step by step, never below
  ``MIN_LONG_SIDE`` pixels on its long side (smaller than that, small print stops being readable);
* a PDF over the limit is refused, with the limit and its size: shrinking a PDF well needs tools we do not have;
* HEIC (iPhone photos) cannot be read by Pillow and is refused with what to do instead.

Pure: bytes in, bytes out, no store.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath

from juni_tui.services.fortnox_spec import MAX_ATTACHMENT_BYTES, sniff_content_type

PDF, JPEG, TIFF, PNG, GIF, WEBP, HEIC = (
    "application/pdf", "image/jpeg", "image/tiff", "image/png", "image/gif", "image/webp", "image/heic",
)
EXTENSION_TYPES = {
    ".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".tif": TIFF, ".tiff": TIFF,
    ".png": PNG, ".gif": GIF, ".webp": WEBP, ".heic": HEIC, ".heif": HEIC,
}  # fmt: skip
TYPE_NAMES = {
    PDF: "a PDF", JPEG: "a JPEG image", TIFF: "a TIFF image", PNG: "a PNG image", GIF: "a GIF image",
    WEBP: "a WebP image", HEIC: "a HEIC photo",
}  # fmt: skip
#: What we store and send: the file extension per accepted type.
STORED_EXTENSIONS = {PDF: "pdf", JPEG: "jpg", TIFF: "tif"}
CONVERTED = (PNG, GIF, WEBP)
RECEIPT_EXTENSIONS = tuple(EXTENSION_TYPES)

JPEG_QUALITY = 90
REDUCE_QUALITIES = (85, 75, 65)
REDUCE_SCALE = 0.8
MIN_LONG_SIDE = 1200
START_LONG_SIDE = 4000  # a 50-megapixel photo is scaled to this before anything else: no receipt needs more


class FileRefused(ValueError):
    """A file that cannot become a receipt; the message says why and what to do."""


@dataclass(frozen=True)
class Intake:
    data: bytes  # what is stored and sent to Fortnox
    content_type: str  # PDF, JPEG or TIFF
    converted_from: str | None = None  # the type it was, when it was converted or reduced
    note: str = ""  # what was done to it, in words ("PNG converted to JPEG"), empty when stored as it came

    @property
    def extension(self) -> str:
        return STORED_EXTENSIONS[self.content_type]


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def check_type(data: bytes, filename: str) -> str:
    """The file's real type, if its name agrees with it. Refuses empty files, unknown content, and names that lie."""
    name = PurePath(filename).name
    if not data:
        raise FileRefused(f"{name} is empty.")
    suffix = PurePath(filename).suffix.lower()
    claimed = EXTENSION_TYPES.get(suffix)
    actual = sniff_content_type(data)
    if actual is None:
        if claimed is not None:
            raise FileRefused(
                f"{name} is not what its name says: it is named as {TYPE_NAMES[claimed]}, but its content is not "
                f"{TYPE_NAMES[claimed]} (it may be damaged, or another kind of file renamed)."
            )
        raise FileRefused(
            f"{name} is not a receipt juni-tui can take: Fortnox accepts PDF, JPEG and TIFF "
            "(PNG, GIF and WebP are converted to JPEG)."
        )
    if claimed is None and suffix and suffix[1:].isalpha():
        raise FileRefused(
            f"{name} is not what its name says: its content is {TYPE_NAMES[actual]}, but it is named {suffix}. "
            f"Rename it to .{STORED_EXTENSIONS.get(actual, actual.split('/')[1])} and add it again."
        )
    if claimed is not None and claimed != actual:
        raise FileRefused(
            f"{name} is not what its name says: it is named as {TYPE_NAMES[claimed]}, but its content is "
            f"{TYPE_NAMES[actual]}. Rename it to .{STORED_EXTENSIONS.get(actual, actual.split('/')[1])} "
            "(or save it again in the right format) and add it again."
        )
    return actual


def take_file(data: bytes, filename: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> Intake:
    """The bytes to store for a dropped file: as it is, converted, or reduced. Raises ``FileRefused``."""
    name = PurePath(filename).name
    kind = check_type(data, filename)
    if kind == PDF:
        if len(data) > limit:
            raise FileRefused(
                f"{name} is {megabytes(len(data))}; Fortnox takes at most {megabytes(limit)} per file. Make the "
                "PDF smaller (print it to PDF again, or scan it at a lower resolution) and add it again."
            )
        return Intake(data, PDF)
    if kind == HEIC:
        raise FileRefused(
            f"{name} is a HEIC photo, which juni-tui cannot convert. Save it as JPEG or PDF instead "
            "(on an iPhone: Settings → Camera → Formats → Most Compatible) and add it again."
        )
    if kind in (JPEG, TIFF) and len(data) <= limit:
        return Intake(data, kind)
    return _to_jpeg(data, name, kind, limit)


def _to_jpeg(data: bytes, name: str, kind: str, limit: int) -> Intake:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            if kind == TIFF and frames > 1:
                raise FileRefused(
                    f"{name} is a {frames}-page TIFF of {megabytes(len(data))}; Fortnox takes at most "
                    f"{megabytes(limit)} per file. Save it as a PDF (or scan it at a lower resolution) and add it again."
                )
            image.load()
            picture = _flatten(ImageOps.exif_transpose(image) or image)
    except FileRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise FileRefused(f"{name} is {TYPE_NAMES[kind]} that cannot be read ({exc}).") from None

    long_side = max(picture.size)
    if long_side > START_LONG_SIDE:
        picture = _scaled(picture, START_LONG_SIDE / long_side)
    out: bytes | None = _encode(picture, JPEG_QUALITY)
    if len(out) > limit:
        out = _reduce(picture, limit)
    if out is None:
        raise FileRefused(
            f"{name} ({megabytes(len(data))}) cannot be made smaller than Fortnox's {megabytes(limit)} and still "
            "be readable. Crop it or take the photo at a lower resolution, then add it again."
        )
    steps = [f"{TYPE_NAMES[kind].split()[1]} converted to JPEG"] if kind != JPEG else []
    if len(data) > limit:
        steps.append(f"reduced from {megabytes(len(data))} to {megabytes(len(out))} to fit Fortnox's {megabytes(limit)}")
    if kind == GIF and frames > 1:
        steps.append("first frame only")
    return Intake(out, JPEG, converted_from=kind, note="; ".join(steps))


def _flatten(image):  # type: ignore[no-untyped-def]
    """RGB on white: JPEG has no transparency, and a transparent receipt screenshot would turn black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _scaled(image, factor: float):  # type: ignore[no-untyped-def]
    from PIL import Image

    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(image, quality: int) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _reduce(image, limit: int) -> bytes | None:  # type: ignore[no-untyped-def]
    """Lower quality first (cheap, keeps every pixel), then smaller, until it fits; None if it never does."""
    for quality in REDUCE_QUALITIES:
        out = _encode(image, quality)
        if len(out) <= limit:
            return out
    factor = REDUCE_SCALE
    while max(image.size) * factor >= MIN_LONG_SIDE:
        out = _encode(_scaled(image, factor), REDUCE_QUALITIES[1])  # always from the original: one resampling
        if len(out) <= limit:
            return out
        factor *= REDUCE_SCALE
    return None
