"""services.file_check on any bytes: a Persian refusal or a checked file, never another exception."""
from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as hst

from lib.errors import InvalidInput
from services.file_check import check_file
from tests.files import HTML, image_bytes, pdf_bytes

SIGNATURES = [b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]
PDF, PNG, JPEG = pdf_bytes(), image_bytes("PNG"), image_bytes("JPEG")


@settings(max_examples=300, deadline=None)
@given(hst.sampled_from(SIGNATURES), hst.binary(max_size=2048))
@example(b"%PDF-1.7\n", HTML)
@example(b"", PDF[:200])  # a PDF cut short
@example(b"", PNG[:-12])  # a PNG without its end
@example(b"", JPEG[: len(JPEG) // 2])
@example(b"%PDF-1.7\n", b"trailer<</Root 1 0 R>>\n%%EOF")
def test_any_bytes_are_refused_in_persian_or_accepted(head, tail):
    try:
        checked = check_file(head + tail)
    except InvalidInput as exc:
        assert exc.field == "file" and re.search(r"[\u0600-\u06FF]", exc.message)
    else:
        assert checked.ext in ("pdf", "png", "jpg") and checked.content


@given(hst.integers(min_value=0, max_value=len(PDF) - 1), hst.binary(min_size=1, max_size=8))
def test_a_real_pdf_with_bytes_changed_is_refused_in_persian_or_accepted(at, noise):
    content = PDF[:at] + noise + PDF[at + len(noise):]
    try:
        check_file(content)
    except InvalidInput as exc:
        assert exc.field == "file"


def test_good_files_pass_unchanged():
    for content, ext in ((PDF, "pdf"), (PNG, "png"), (JPEG, "jpg")):
        checked = check_file(content)
        assert (checked.ext, checked.content) == (ext, content)
