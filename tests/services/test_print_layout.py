"""How the Persian PDFs are laid out, checked on the page images and on the line breaking.

The paragraphs are wrapped by :func:`services.pdf_lines.wrap` (each word shaped once) and drawn
one cell per line. Page 1 is rendered with poppler's pdftoppm (kept in test-artifacts/ to look
at) and its ink is measured: lines drawn, right-aligned inside the margins, one band of ink per
line with white between them; a half-space (ZWNJ) really breaks the joining of the letters.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from lib.text import ltr
from services.pdf_lines import wrap, words
from services.printing import PersianDocument, render
from tests.services.test_printing import has, pdf_pages

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")

DPI = 100
MM = DPI / 25.4  # pixels per millimetre
PAGE_WIDTH_MM, MARGIN_MM = 210, 18
PARAGRAPH = (
    f"پرونده‌ها در جلسه مورخ ۱۴۰۳/۰۵/۱۲ ({ltr('2024-08-02')}) بررسی شد و کمیته با حضور اعضا تصمیم گرفت که "
    f"سهم ۷۰٪ حق بیمه برای ۳۶ ماه پرداخت شود؛ شماره مجوز {ltr('LIC-2024/15')} و کد رهگیری "
    f"{ltr('A-1403-000123')} در سامانه ثبت می‌شود و نتیجه به متقاضی پیامک خواهد شد."
)


def page_image(data: bytes, name: str, artifacts_dir: Path) -> Image.Image:
    pdf = artifacts_dir / f"{name}.pdf"
    pdf.write_bytes(data)
    png = artifacts_dir / f"{name}.png"
    subprocess.run(["pdftoppm", "-png", "-gray", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(png.with_suffix(""))], check=True)
    return Image.open(png).convert("L")


def ink_rows(image: Image.Image, top_mm: float, bottom_mm: float) -> list[tuple[int, int]]:
    """Bands of rows with ink between two heights: (first row, last row) each."""
    width, _ = image.size
    pixels = image.load()
    bands: list[tuple[int, int]] = []
    start = None
    for y in range(int(top_mm * MM), int(bottom_mm * MM)):
        inked = any(pixels[x, y] < 128 for x in range(width))
        if inked and start is None:
            start = y
        if not inked and start is not None:
            bands.append((start, y - 1))
            start = None
    if start is not None:
        bands.append((start, int(bottom_mm * MM) - 1))
    return bands


def ink_columns(image: Image.Image, band: tuple[int, int]) -> list[int]:
    width, _ = image.size
    pixels = image.load()
    return [x for x in range(width) if any(pixels[x, y] < 128 for y in range(band[0], band[1] + 1))]


def column_runs(columns: list[int]) -> int:
    """How many separate groups of inked columns (pieces of writing with white between)."""
    return sum(1 for i, x in enumerate(columns) if i == 0 or x != columns[i - 1] + 1)


def test_a_wrapped_paragraph_is_right_aligned_line_by_line_inside_the_margins(artifacts_dir):
    def draw(doc: PersianDocument) -> None:
        doc.set_y(40)
        doc.text_line(PARAGRAPH, height=9)

    data = render("paragraph", draw)
    image = page_image(data, "layout-paragraph", artifacts_dir)
    probe = PersianDocument("probe")
    probe.set_font("Persian", "", 11)
    expected = wrap(probe, PARAGRAPH, probe.epw - 2 * probe.c_margin)
    assert len(expected) >= 2  # the paragraph does wrap
    bands = ink_rows(image, 38, 40 + 9 * len(expected) + 2)
    assert len(bands) == len(expected)  # one band of ink per line, white between them
    right_edge = (PAGE_WIDTH_MM - MARGIN_MM) * MM
    left_edge = MARGIN_MM * MM
    for number, band in enumerate(bands):
        columns = ink_columns(image, band)
        assert right_edge - 4 * MM < columns[-1] <= right_edge  # flush right, not past the margin
        assert columns[0] >= left_edge - 1  # nothing spills over the left margin
        if number < len(bands) - 1:
            assert columns[0] < left_edge + 40 * MM  # a full line reaches across the page
    last = ink_columns(image, bands[-1])
    assert last[0] > left_edge + 20 * MM  # the short last line stays on the right
    text = pdf_pages(data)[0]
    assert has(text, "۱۴۰۳/۰۵/۱۲") and has(text, "2024-08-02") and has(text, "LIC-2024/15")
    assert has(text, "A-1403-000123")


def test_a_half_space_keeps_the_letters_apart(artifacts_dir):
    """«می‌شود» with a ZWNJ is three pieces of writing (می | شو | د); «میشود» joins into two."""
    def draw(doc: PersianDocument) -> None:
        doc.set_y(40)
        doc.text_line("می\u200cشود", size=40, height=20)
        doc.text_line("میشود", size=40, height=20)

    image = page_image(render("zwnj", draw), "layout-zwnj", artifacts_dir)
    bands = ink_rows(image, 38, 82)
    assert len(bands) == 2
    with_half_space, joined = (column_runs(ink_columns(image, band)) for band in bands)
    assert with_half_space == joined + 1


def test_the_minutes_rows_do_not_overlap(artifacts_dir):
    """Lines of different sizes and a table, one under the other: bands of ink never touch."""
    def draw(doc: PersianDocument) -> None:
        doc.set_y(30)
        doc.heading("« نظریه کمیته اشتغال و کارآفرینی »")
        doc.text_line(f"۱- درخواست شماره {ltr('A-1403-000123')} مورخ ۱۴۰۳/۰۵/۱۲:", bold=True, height=8)
        doc.text_line("• نظر کمیته: تأیید؛ مدت ۳۶ ماه؛ سهم پرداختی ۷۰٪", height=8)

    image = page_image(render("rows", draw), "layout-rows", artifacts_dir)
    bands = ink_rows(image, 28, 60)
    assert len(bands) == 3
    assert all(b[0] > a[1] + 1 for a, b in zip(bands, bands[1:]))


_WORD = st.text(alphabet=st.sampled_from(list("سلامپرونده‌ایکدABC123۱۲۳/-،")), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.lists(_WORD, min_size=0, max_size=40), st.floats(min_value=15, max_value=170))
@example([], 100.0)
@example(["پرونده‌ها", ltr("A-1403 000123"), "ثبت"], 30.0)  # an isolate with a space inside stays whole
@example(["خیلی‌خیلی‌طولانی‌بدون‌فاصله‌که‌در‌یک‌سطر‌جا‌نمی‌شود"], 15.0)  # wider than a line: cut
def test_wrapping_keeps_every_word_in_order_and_every_line_fits(word_list, width):
    pdf = PersianDocument("wrap")
    pdf.set_font("Persian", "", 11)
    text = " ".join(word_list)
    lines = wrap(pdf, text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        pieces = words(line)
        assert len(pieces) <= 1 or pdf.get_string_width(line) <= width + 0.01
    for line in lines:
        assert line.count("\u2066") == line.count("\u2069")  # isolates never split
