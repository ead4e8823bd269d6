"""Making a dropped file something Fortnox accepts, or refusing it with a reason (reference fortnox-api.md §8).

Fortnox takes PDF, JPEG and TIFF, up to 2.5 MB (``fortnox.spec.MAX_ATTACHMENT_BYTES``). Here:

* the file must be what its name says (by its first bytes): ``kvitto.pdf`` that is really a PNG is refused;
* PNG, GIF and WebP become **JPEG**. Why JPEG and not PDF: these are photos and screenshots; a JPEG stays an
  image that Fortnox and every viewer show inline, Pillow writes it natively, and a PDF made by Pillow would
  only wrap the same JPEG-compressed pixels in a bigger file;
* an image over the limit is reduced: recompressed, then scaled down step by step, never below
  ``MIN_LONG_SIDE`` pixels on its long side (smaller than that, small print stops being readable);
* a PDF over the limit is refused, with the limit and its size: shrinking a PDF well needs tools we do not have;
* HEIC (iPhone photos) cannot be read by Pillow and is refused with what to do instead.

Nothing is trusted for its first bytes alone: every file is opened by its real decoder before it is taken (issue
10, item 11). A PDF must parse with pypdf and have a page (one locked with a password is refused; one that opens
with the empty password, i.e. only printing or copying is restricted, is taken); an image must open with Pillow,
pass ``verify()`` and decode. Images over ``MAX_PIXELS`` (50 megapixels) are refused from their header, before
any pixel is decoded: a 17 kB PNG can claim 144 megapixels and a gigabyte of memory. The limit is ours and local
(``open_image``); Pillow's global ``Image.MAX_IMAGE_PIXELS`` is left as it is for other code.

``read_file`` is the one way a receipt is read from disk, whatever the route (``attach``, the TUI's attach dialog,
the inbox): regular files only, checked before they are opened (a FIFO or ``/dev/zero`` is never opened for
reading; the open is non-blocking besides, and checked again on the open file), at most ``MAX_READ_BYTES``, and,
for the inbox, only files that really are inside it (a link out of it is refused).

Apart from ``read_file`` and ``complete_path`` (the attach dialog's path completion): bytes in, bytes out, no store.
"""

from __future__ import annotations

import io
import os
import re
import stat
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from juni_tui.services.fortnox.spec import MAX_ATTACHMENT_BYTES, sniff_content_type
from juni_tui.services.receipts.reading import PdfUnreadable, read_pdf, short_reason

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
RECEIPT_EXTENSIONS = tuple(EXTENSION_TYPES)

JPEG_QUALITY = 90
REDUCE_QUALITIES = (85, 75, 65)
REDUCE_SCALE = 0.8
MIN_LONG_SIDE = 1200
START_LONG_SIDE = 4000  # a 50-megapixel photo is scaled to this before anything else: no receipt needs more
#: A file larger than this is not even read: no receipt image needs it, and no PDF over 2.5 MB is taken.
MAX_READ_BYTES = 50_000_000
#: The most pixels an image may have (by its header) before it is decoded: a 50-megapixel phone photo is the
#: largest receipt anyone takes; decoding it as RGBA takes 200 MB. Larger is refused, never decoded.
MAX_PIXELS = 50_000_000


class FileRefused(ValueError):
    """A file that cannot become a receipt; the message says why and what to do."""


@dataclass(frozen=True)
class TakenFile:
    """A file taken as a receipt: the bytes to store and send, and what was done to them."""

    data: bytes  # what is stored and sent to Fortnox
    content_type: str  # PDF, JPEG or TIFF
    converted_from: str | None = None  # the type it was, when it was converted or reduced
    note: str = ""  # what was done to it, in words ("PNG converted to JPEG"), empty when stored as it came
    text: str = ""  # a PDF's text (first pages), read while checking it: the PDF is parsed once

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


def take_file(data: bytes, filename: str, *, limit: int = MAX_ATTACHMENT_BYTES) -> TakenFile:
    """The bytes to store for a dropped file: as it is, converted, or reduced. Raises ``FileRefused``."""
    name = PurePath(filename).name
    kind = check_type(data, filename)
    if kind == PDF:
        if len(data) > limit:
            raise FileRefused(
                f"{name} is {megabytes(len(data))}; Fortnox takes at most {megabytes(limit)} per file. Make the "
                "PDF smaller (print it to PDF again, or scan it at a lower resolution) and add it again."
            )
        text = _check_pdf(data, name)
        return TakenFile(data, PDF, text=text)
    if kind == HEIC:
        raise FileRefused(
            f"{name} is a HEIC photo, which juni-tui cannot convert. Save it as JPEG or PDF instead "
            "(on an iPhone: Settings → Camera → Formats → Most Compatible) and add it again."
        )
    if kind in (JPEG, TIFF) and len(data) <= limit:
        _check_image(data, name, kind)
        return TakenFile(data, kind)
    return _to_jpeg(data, name, kind, limit)


# --- reading a file from disk ---------------------------------------------------------------------------------

_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)


def _what(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_a_file(name: str, mode: int) -> FileRefused:
    return FileRefused(f"{name} is {_what(mode)}, not a file: juni-tui reads receipts only from regular files. "
                       "Give the path of the receipt file itself.")


def too_big(name: str, size: int, limit: int = MAX_READ_BYTES) -> FileRefused:
    return FileRefused(
        f"{name} is {megabytes(size)}: far over Fortnox's {megabytes(MAX_ATTACHMENT_BYTES)} per file, and juni-tui "
        f"reads files up to {limit // 1_000_000} MB only (images that big are reduced). Scan it or save it again "
        "at a lower resolution and add it again."
    )


def outside(name: str, inside: Path) -> FileRefused:
    return FileRefused(f"{name} is a link to a file outside the inbox ({inside}); juni-tui reads only files inside "
                       "the inbox. Copy the file itself into the inbox instead.")


def read_file(path: Path | str, *, inside: Path | None = None, limit: int = MAX_READ_BYTES) -> bytes:
    """The bytes of a receipt file, or ``FileRefused`` with a sentence; ``OSError`` when it cannot be read.

    Only a regular file is opened: its type is checked (``stat``, links followed) before the open, the open does
    not block (a FIFO swapped in meanwhile cannot hang it) and the open file is checked again. At most ``limit``
    bytes are read, however the file grows. ``inside`` (the inbox, resolved): the file, links resolved, must be
    inside it, and the resolved path is opened without following a link (a link swapped in meanwhile fails)."""
    path = Path(path)
    name = str(path) if inside is None else path.name  # the path as the user gave it; in the inbox, its name
    target, nofollow = path, 0
    if inside is not None:
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(inside):
            raise outside(name, inside)
        nofollow = _O_NOFOLLOW
    st = os.stat(target)
    if not stat.S_ISREG(st.st_mode):
        raise not_a_file(name, st.st_mode)
    if st.st_size > limit:
        raise too_big(name, st.st_size, limit)
    fd = os.open(target, os.O_RDONLY | _O_NONBLOCK | _O_NOCTTY | _O_BINARY | nofollow)
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise not_a_file(name, st.st_mode)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise too_big(name, len(data), limit)
    return data


def complete_path(text: str, *, cwd: Path | str | None = None, limit: int = 50) -> list[str]:
    """Completions for a typed path (the attach dialog): folders (ending in ``/``) and receipt files, in the
    form the user typed (``~`` kept). Hidden entries only when the typed name starts with a dot."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    typed_dir, _, prefix = text.rpartition("/")
    if "/" in text:
        folder_text = typed_dir + "/"
        folder = Path(typed_dir or "/").expanduser()
    else:
        folder_text, folder = "", base
    if not folder.is_absolute():
        folder = base / folder
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    out: list[tuple[bool, str]] = []
    for entry in entries:
        if entry.name.startswith(".") and not prefix.startswith("."):
            continue
        if not entry.name.lower().startswith(prefix.lower()):
            continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            out.append((False, f"{folder_text}{entry.name}/"))
        elif entry.name.lower().endswith(RECEIPT_EXTENSIONS):
            out.append((True, f"{folder_text}{entry.name}"))
    out.sort(key=lambda item: (item[0], item[1].lower()))
    return [name for _, name in out[:limit]]


# --- the decoders ---------------------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    """A decoder's complaint, short and in plain characters (it may quote the file's own bytes)."""
    if type(exc).__name__ == "UnidentifiedImageError":
        return "Pillow does not recognise its content as an image"
    return short_reason(exc)


def _check_pdf(data: bytes, name: str) -> str:
    """pypdf must open it and find a page. Returns the text of its first pages (for matching)."""
    try:
        text, _pages = read_pdf(data)
    except PdfUnreadable as exc:
        if exc.kind == "password":
            raise FileRefused(f"{name} is locked with a password, so neither juni-tui nor Fortnox can open it. "
                              "Save or print it to PDF again without the password and add it again.") from None
        if exc.kind == "encrypted":
            raise FileRefused(f"{name} is encrypted in a way juni-tui cannot open ({exc.reason}). Print it to PDF "
                              "again (Print → Save as PDF) and add that copy instead.") from None
        if exc.kind == "empty":
            raise FileRefused(f"{name} is a PDF with no pages. Scan it again or attach the original.") from None
        raise FileRefused(f"{name} is not a readable PDF ({exc.reason}); it may be damaged or cut short. Scan it "
                          "again or attach the original.") from None
    return text


_PILLOW_LOCK = threading.RLock()


@contextmanager
def open_image(data: bytes, name: str, kind: str | None = None) -> Iterator[Any]:
    """``Image.open`` with our pixel limit, refused before any pixel is decoded; Pillow's warnings kept quiet.

    Pillow warns (``DecompressionBombWarning``) from 89 and refuses from 179 megapixels by its global
    ``Image.MAX_IMAGE_PIXELS``, and warns about odd files ("Corrupt EXIF data"); a warning is printed on stderr,
    over the TUI. We change no global: ``MAX_PIXELS`` is checked on the header here, and Pillow's warnings are
    ignored only while the image is open, under a lock (``warnings.catch_warnings`` is not thread-safe; other
    code's warnings are not touched, only those Pillow's modules raise). Every decode of a receipt image, here
    and in the preview, goes through this."""
    from PIL import Image

    described = TYPE_NAMES.get(kind or "", "an image").split(" ", 1)[1]
    with _PILLOW_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"PIL(\.|$)")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:  # over twice Pillow's own limit: it would not even open it
            pixels = re.search(r"\((\d+) pixels\)", str(exc))
            size = f" ({int(pixels.group(1)) / 1_000_000:.1f} megapixels)" if pixels else ""
            raise FileRefused(f"{name} is larger than juni-tui reads{size}: images up to "
                              f"{MAX_PIXELS // 1_000_000} megapixels. Save it at a lower resolution (or crop it) and "
                              "add it again.") from None
        except Exception as exc:  # Pillow raises many kinds of errors on damaged files
            raise FileRefused(f"{name} is not a readable {described} ({_reason(exc)}); it may be damaged or another "
                              "kind of file. Take the photo or scan again, or attach the original.") from None
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise FileRefused(
                    f"{name} is {width} × {height} pixels ({width * height / 1_000_000:.1f} megapixels); juni-tui "
                    f"reads images up to {MAX_PIXELS // 1_000_000} megapixels. Save it at a lower resolution (or crop "
                    "it) and add it again."
                )
            yield image


def _check_image(data: bytes, name: str, kind: str) -> None:
    """Open, verify and decode an image that is kept as it is (a JPEG or TIFF under the limit). A JPEG is decoded
    at an eighth of its size (the decoder still reads every block), so the check costs little."""
    described = TYPE_NAMES[kind].split(" ", 1)[1]
    with open_image(data, name, kind) as image:
        try:
            image.verify()
        except Exception as exc:
            raise _unreadable(name, described, exc) from None
    with open_image(data, name, kind) as image:
        try:
            if kind == JPEG:
                image.draft(None, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
        except Exception as exc:
            raise _unreadable(name, described, exc) from None


def _unreadable(name: str, described: str, exc: BaseException) -> FileRefused:
    return FileRefused(f"{name} is not a readable {described} ({_reason(exc)}); it may be damaged or cut short. "
                       "Take the photo or scan again, or attach the original.")


def _to_jpeg(data: bytes, name: str, kind: str, limit: int) -> TakenFile:
    from PIL import ImageOps

    described = TYPE_NAMES[kind].split(" ", 1)[1]
    if kind == PNG:
        with open_image(data, name, kind) as image:
            try:
                image.verify()  # the chunks' checksums
            except Exception as exc:
                raise _unreadable(name, described, exc) from None
    try:
        with open_image(data, name, kind) as image:
            frames = getattr(image, "n_frames", 1)
            if kind == TIFF and frames > 1:
                raise FileRefused(
                    f"{name} is a {frames}-page TIFF of {megabytes(len(data))}; Fortnox takes at most "
                    f"{megabytes(limit)} per file. Save it as a PDF (or scan it at a lower resolution) and add it "
                    "again."
                )
            image.load()
            picture = _flatten(ImageOps.exif_transpose(image) or image)
    except FileRefused:
        raise
    except Exception as exc:  # damaged pixel data: Pillow raises OSError, SyntaxError, ValueError, struct.error…
        raise _unreadable(name, described, exc) from None

    long_side = max(picture.size)
    if long_side > START_LONG_SIDE:
        picture = _scaled(picture, START_LONG_SIDE / long_side)
    encoded = _encode(picture, JPEG_QUALITY)
    out = encoded if len(encoded) <= limit else _reduce(picture, limit)
    if out is None:
        raise FileRefused(
            f"{name} ({megabytes(len(data))}) cannot be made smaller than Fortnox's {megabytes(limit)} and still "
            "be readable. Crop it or take the photo at a lower resolution, then add it again."
        )
    steps = [f"{TYPE_NAMES[kind].split()[1]} converted to JPEG"] if kind != JPEG else []
    if len(data) > limit:
        steps.append(
            f"reduced from {megabytes(len(data))} to {megabytes(len(out))} to fit Fortnox's {megabytes(limit)}"
        )
    if kind == GIF and frames > 1:
        steps.append("first frame only")
    return TakenFile(out, JPEG, converted_from=kind, note="; ".join(steps))


def _flatten(image):
    """RGB on white: JPEG has no transparency, and a transparent receipt screenshot would turn black."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _scaled(image, factor: float):
    from PIL import Image

    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def _encode(image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _reduce(image, limit: int) -> bytes | None:
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
