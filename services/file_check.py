"""What an uploaded document really is: PNG and JPEG parsed fully by Pillow, PDF parsed
structurally by pypdf, active content refused — and the name it is given back under.

The first bytes only choose the parser; a file is accepted when that parser reads all of it:

* an image must open, ``verify`` and decode (``load``) as the format its signature claims, at most
  :data:`MAX_PIXELS` pixels (a decompression bomb is refused before decoding); a PNG must end
  with its IEND chunk; bytes after a JPEG's end-of-image marker are dropped (phones append
  extra data there; nothing in it is part of the picture);
* a PDF must not be encrypted, must have at least one page, must end with ``%%EOF`` (only
  whitespace after it), and no object — compressed object streams included — may carry
  JavaScript, a Launch/SubmitForm/ImportData/GoToE action, embedded files, XFA forms or rich
  media, whether reached from /OpenAction, /AA, /Names or anywhere else;
* no file may contain HTML markup (``<script``, ``<html``, …), so it cannot be read as a web page.

Every refusal is a Persian :class:`~lib.errors.InvalidInput` that says what to do.
Pure functions on bytes: no database, no file system.
"""
from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from lib.errors import InvalidInput
from lib.text import normalize_persian, to_persian_digits

__all__ = ["MAX_PIXELS", "Checked", "check_file", "download_name"]

MAX_PIXELS = 60_000_000  # an A4 page scanned at 600 dpi is 35 million
NAME_LIMIT = 200  # Document.original_name

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_PDF_SIGNATURE = b"%PDF-"
_MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}

# (long enough that compressed data never matches by chance)
_MARKUP = re.compile(rb"<\s*(script|html|body|iframe|object|embed|!doctype\s+html)\b|\bon(error|load)\s*=", re.IGNORECASE)
_PDF_EOF = re.compile(rb"%%EOF\s*$")
# Long names of active content, also looked for in the raw bytes (objects left out of the xref)
_ACTIVE_RAW = re.compile(rb"/(JavaScript|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9#])")
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia", "/RichMediaContent"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"}
_NAME_CUT = re.compile(r"[\\/:*?\"<>|]")

_RESCAN = "مدرک را دوباره اسکن کنید یا از آن یک PDF یا تصویر تازه بسازید و همان را بارگذاری کنید."


def _refuse(what: str) -> InvalidInput:
    return InvalidInput(f"{what} {_RESCAN}", field="file")


@dataclass(frozen=True)
class Checked:
    """A file that passed: its type, and the bytes to store (a JPEG without what trails it)."""

    ext: str
    mime: str
    content: bytes


def check_file(content: bytes) -> Checked:
    """Parse ``content`` as the type its first bytes name; InvalidInput for anything else."""
    if content.startswith(_PDF_SIGNATURE):
        ext = "pdf"
    elif content.startswith(_PNG_SIGNATURE):
        ext = "png"
    elif content.startswith(_JPEG_SIGNATURE):
        ext = "jpg"
    else:
        raise InvalidInput(
            "فقط فایل PDF یا تصویر PNG یا JPEG پذیرفته می‌شود و این فایل هیچ‌کدام نیست (نام یا پسوند فایل ملاک نیست)؛ "
            "مدرک را به صورت PDF یا تصویر اسکن کنید.",
            field="file",
        )
    if _MARKUP.search(content):
        raise _refuse("این فایل در دل خود کد صفحه وب (HTML) دارد و پذیرفته نمی‌شود.")
    if ext == "pdf":
        _check_pdf(content)
    else:
        content = _check_image(content, ext)
    return Checked(ext, _MIME[ext], content)


# --------------------------------------------------------------------------- images
def _check_image(content: bytes, ext: str) -> bytes:
    expected = "PNG" if ext == "png" else "JPEG"
    broken = _refuse(f"این فایل تصویر {expected} سالم نیست (باز یا خوانده نمی‌شود).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected:
                    raise broken
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _too_large(width, height)
                image.verify()
            with Image.open(io.BytesIO(content)) as image:
                image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse("ابعاد این تصویر بیش از اندازه بزرگ است.") from None
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error …)
        raise broken from None
    if ext == "png":
        if _png_end(content) != len(content):
            raise _refuse("پس از پایان تصویر PNG داده دیگری آمده است و پذیرفته نمی‌شود.")
        return content
    return content[: _jpeg_end(content) or len(content)]


def _too_large(width: int, height: int) -> InvalidInput:
    return _refuse(
        f"ابعاد این تصویر {to_persian_digits(width)}×{to_persian_digits(height)} نقطه است و بیش از اندازه بزرگ؛"
        " با وضوح کمتر (مثلاً ۳۰۰ نقطه در اینچ) اسکن کنید."
    )


def _png_end(content: bytes) -> int | None:
    """The offset just past the IEND chunk, or None."""
    at = len(_PNG_SIGNATURE)
    while at + 12 <= len(content):
        length = int.from_bytes(content[at:at + 4], "big")
        kind = content[at + 4:at + 8]
        at += 12 + length
        if kind == b"IEND":
            return at
    return None


def _jpeg_end(content: bytes) -> int | None:
    """The offset just past the end-of-image marker, walking the segments; None if not found."""
    at, size = 2, len(content)
    while at + 2 <= size:
        if content[at] != 0xFF:
            return None
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:
            return at + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            at += 2
            continue
        if at + 4 > size:
            return None
        at += 2 + int.from_bytes(content[at + 2:at + 4], "big")
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            while True:
                at = content.find(b"\xff", at)
                if at < 0 or at + 1 >= size:
                    return None
                following = content[at + 1]
                if following == 0xFF:
                    at += 1
                elif following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                else:
                    break
    return None


# --------------------------------------------------------------------------- PDF
def _check_pdf(content: bytes) -> None:
    if not _PDF_EOF.search(content[-1024:]):
        raise _refuse("این فایل PDF کامل نیست یا پس از پایان آن داده دیگری آمده است.")
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _refuse("این فایل PDF رمزگذاری شده یا گذرواژه دارد و پذیرفته نمی‌شود؛ نسخه بدون گذرواژه را بارگذاری کنید.")
        if len(reader.pages) < 1:
            raise _refuse("این فایل PDF هیچ صفحه‌ای ندارد.")
        active = _ACTIVE_RAW.search(content) is not None or any(_is_active(obj) for obj in _objects(reader))
    except InvalidInput:
        raise
    except Exception:  # pypdf raises PdfReadError, ValueError, KeyError, … on broken files
        raise _refuse("این فایل PDF سالم نیست (ساختار آن خوانده نمی‌شود).") from None
    if active:
        raise _refuse(
            "این فایل PDF محتوای اجرایی دارد (اسکریپت، اجرای برنامه، فایل پیوست یا فرم پویا) و پذیرفته نمی‌شود."
        )


def _objects(reader: PdfReader):
    """Every indirect object of the file, those in compressed object streams included."""
    numbers = {(num, gen) for gen, table in reader.xref.items() for num in table}
    numbers |= {(num, 0) for num in reader.xref_objStm}
    yield reader.trailer
    for num, gen in sorted(numbers):
        yield reader.get_object(IndirectObject(num, gen, reader))


def _is_active(obj: object, depth: int = 0) -> bool:
    """Whether a PDF object (not following indirect references) names active content."""
    if depth > 64:
        return True  # nesting no real document has
    if isinstance(obj, DictionaryObject):
        if any(str(key) in _ACTIVE_KEYS for key in obj):
            return True
        action = obj.get("/S")
        if isinstance(action, NameObject) and str(action) in _ACTIVE_ACTIONS:
            return True
        return any(_is_active(value, depth + 1) for value in obj.values() if not isinstance(value, IndirectObject))
    if isinstance(obj, ArrayObject):
        return any(_is_active(value, depth + 1) for value in obj if not isinstance(value, IndirectObject))
    return False


# --------------------------------------------------------------------------- the name
def download_name(name: str | None, ext: str) -> str:
    """The user's file name made safe to show and to save under: no folders, no control or
    format characters (direction overrides such as U+202E; ZWNJ is kept for Persian), none of
    ``\\ / : * ? " < > |``, Persian letters normalised, at most 200 characters — and always the
    extension of the type the content was found to be (``x.html`` → ``x.pdf``)."""
    base = unicodedata.normalize("NFC", name or "")
    base = "".join(
        ch for ch in base
        if ch == "\u200c" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
    )
    base = re.split(r"[\\/]", base)[-1]
    base = _NAME_CUT.sub(" ", base)
    base = normalize_persian(base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and len(suffix) <= 10 and suffix.isascii() and suffix.isalnum():
        base = stem.rstrip(" .")
    base = base[: NAME_LIMIT - len(ext) - 1].rstrip(" .") or "document"
    return f"{base}.{ext}"
