"""How the Persian PDFs are laid out, checked on the page images.

The documents are typeset by Typst (services/pdf_document.py). Page 1 is rendered with poppler's
pdftoppm (kept in test-artifacts/ to look at) and its ink is measured: lines right-aligned inside
the margins, one band of ink per line with white between them; letters joined (a word is one
piece of writing) and a half-space (ZWNJ) really breaking the joining; Persian and Latin digits
drawn; a long table cell wrapping onto several lines inside its borders. A shaping engine that
stopped joining the letters would draw each letter apart and fail the joining checks.
"""
from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image

from lib.text import ltr
from services.pdf_document import PersianDocument, render
from tests.services.test_printing import _clean, has, pdf_pages

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")

DPI = 100
MM = DPI / 25.4  # pixels per millimetre
PAGE_WIDTH_MM, MARGIN_MM, TOP_MM = 210, 18, 15
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


def ink_rows(image: Image.Image, top_mm: float, bottom_mm: float, left_mm: float = 0, right_mm: float = PAGE_WIDTH_MM
             ) -> list[tuple[int, int]]:
    """Bands of rows with ink between two heights (and two x positions): (first row, last row) each."""
    pixels = image.load()
    xs = range(int(left_mm * MM), int(right_mm * MM))
    bands: list[tuple[int, int]] = []
    start = None
    for y in range(int(top_mm * MM), int(bottom_mm * MM)):
        inked = any(pixels[x, y] < 128 for x in xs)
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


def at(mm: float):
    """A draw function's first step: move ``mm`` below the top margin."""
    return lambda doc: doc.gap(mm - TOP_MM)


def test_a_wrapped_paragraph_is_right_aligned_line_by_line_inside_the_margins(artifacts_dir):
    def draw(doc: PersianDocument) -> None:
        at(40)(doc)
        doc.text_line(PARAGRAPH, height=9)

    data = render("paragraph", draw)
    image = page_image(data, "layout-paragraph", artifacts_dir)
    bands = ink_rows(image, 38, 120)
    lines = [line for line in pdf_pages_lines(data) if line.strip()]
    assert len(bands) >= 2  # the paragraph does wrap
    assert len(bands) == len(lines)  # one band of ink per line, white between them
    assert all(b[0] - a[1] > 2 * MM for a, b in zip(bands, bands[1:]))  # 9 mm lines: clear white between
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
    assert text.startswith(_clean("پرونده‌ها در جلسه مورخ"))  # the first line begins on the right


def pdf_pages_lines(data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(data)).pages[0].extract_text(extraction_mode="layout")
    return [line for line in page.splitlines() if line.strip() and "صفحه" not in _clean(line[::-1])]


def test_a_half_space_keeps_the_letters_apart_and_letters_join_without_it(artifacts_dir):
    """«می‌شود» with a ZWNJ is three pieces of writing (می | شو | د); «میشود» joins into two
    (میشو | د); with the letters drawn unjoined both would be five."""
    def draw(doc: PersianDocument) -> None:
        at(40)(doc)
        doc.text_line("می\u200cشود", size=40, height=20)
        doc.text_line("میشود", size=40, height=20)

    image = page_image(render("zwnj", draw), "layout-zwnj", artifacts_dir)
    bands = ink_rows(image, 38, 82)
    assert len(bands) == 2
    with_half_space, joined = (column_runs(ink_columns(image, band)) for band in bands)
    assert joined == 2
    assert with_half_space == joined + 1


def test_joined_words_and_both_kinds_of_digits_are_drawn(artifacts_dir):
    """«کمیته» is one piece of writing (every letter joins the next), «سلام» two (سلا | م: alef
    does not join forwards); each Persian digit and each Latin digit a glyph of its own, the
    Persian ones different from the Latin (not one missing-glyph box drawn for all)."""
    digits = "۱۲۳۴۵۶۷۸۹"

    def draw(doc: PersianDocument) -> None:
        at(40)(doc)
        doc.text_line("کمیته سلام", size=40, height=20)
        doc.text_line(" ".join(digits), size=30, height=16)
        doc.text_line(ltr(" ".join("123456789")), size=30, height=16)

    data = render("digits", draw)
    image = page_image(data, "layout-digits", artifacts_dir)
    bands = ink_rows(image, 38, 98)
    assert len(bands) == 3
    assert column_runs(ink_columns(image, bands[0])) == 1 + 2  # کمیته | سلا | م
    shapes = []
    for band in bands[1:]:
        columns = ink_columns(image, band)
        assert column_runs(columns) == 9  # nine digits, white between them
        crop = image.crop((columns[0], band[0], columns[-1] + 1, band[1] + 1))
        shapes.append(crop.resize((90, 10)).tobytes())
    assert shapes[0] != shapes[1]  # Persian digits do not look like Latin ones
    text = pdf_pages(data)[0]
    assert has(text, " ".join(digits)) and all(digit in text for digit in "123456789")


def test_the_minutes_rows_do_not_overlap(artifacts_dir):
    """Lines of different sizes, one under the other: bands of ink never touch."""
    def draw(doc: PersianDocument) -> None:
        at(30)(doc)
        doc.heading("« نظریه کمیته اشتغال و کارآفرینی »")
        doc.text_line(f"۱- درخواست شماره {ltr('A-1403-000123')} مورخ ۱۴۰۳/۰۵/۱۲:", bold=True, height=8)
        doc.text_line("• نظر کمیته: تأیید؛ مدت ۳۶ ماه؛ سهم پرداختی ۷۰٪", height=8)

    image = page_image(render("rows", draw), "layout-rows", artifacts_dir)
    bands = ink_rows(image, 28, 60)
    assert len(bands) == 3
    assert all(b[0] > a[1] + 1 for a, b in zip(bands, bands[1:]))


def table_rules(image: Image.Image, top_mm: float, bottom_mm: float) -> list[int]:
    """The rows of pixels where a table's horizontal rules (across the text width) start."""
    pixels = image.load()
    width_mm = PAGE_WIDTH_MM - 2 * MARGIN_MM
    xs = range(int(MARGIN_MM * MM), int((PAGE_WIDTH_MM - MARGIN_MM) * MM))
    rules = [y for y in range(int(top_mm * MM), int(bottom_mm * MM)) if sum(pixels[x, y] < 200 for x in xs) > 0.9 * width_mm * MM]
    return [y for i, y in enumerate(rules) if i == 0 or y != rules[i - 1] + 1]


LONG_CELL = "رئیس اداره بهزیستی شهرستان و نماینده‌ای با عنوانی بسیار طولانی که در چند سطر می‌شکند"


def test_a_long_table_cell_wraps_onto_several_lines_inside_its_borders(artifacts_dir):
    """Columns 5 : 5 : 3 of the 174 mm between the margins, the first on the right. The long
    cell of the middle column takes several lines, its neighbours one, and the row grows to hold
    them: no ink of the cell crosses the borders."""
    def draw(doc: PersianDocument) -> None:
        at(30)(doc)
        doc.grid(["نام و نام خانوادگی", "سمت", "امضاء"], [["رضا محمدی", LONG_CELL, ""], ["غایب", "کارشناس", ""]],
                 [5, 5, 3])

    data = render("table", draw)
    image = page_image(data, "layout-table", artifacts_dir)
    width_mm = PAGE_WIDTH_MM - 2 * MARGIN_MM
    right = PAGE_WIDTH_MM - MARGIN_MM
    first, middle = (right - width_mm * 5 / 13, right), (right - width_mm * 10 / 13, right - width_mm * 5 / 13)
    pixels = image.load()
    edges = table_rules(image, 25, 120)
    assert len(edges) == 4  # above the header, between the rows, under the table
    header, long_row, short_row = zip(edges, edges[1:])

    def lines_in(row: tuple[int, int], column: tuple[float, float]) -> int:
        return len(ink_rows(image, (row[0] + 2) / MM, (row[1] - 1) / MM, column[0] + 1.5, column[1] - 1.5))

    assert lines_in(long_row, middle) >= 2  # the long cell wraps
    assert lines_in(long_row, first) == 1 and lines_in(short_row, middle) == 1 and lines_in(header, first) == 1
    assert long_row[1] - long_row[0] > 1.5 * (short_row[1] - short_row[0])  # the row grew to hold it
    for row in (long_row, short_row):  # the borders stay where they are: only the border's own ink there
        for border_mm in (first[0], middle[0]):
            x = int(border_mm * MM)
            assert any(pixels[dx, (row[0] + row[1]) // 2] < 200 for dx in range(x - 2, x + 3))
    text = pdf_pages(data)[0]
    assert has(text, "رضا محمدی") and has(text, "کارشناس")
    assert has(text, "با عنوانی بسیار طولانی که در چند سطر می‌شکند")


def test_a_word_longer_than_the_line_or_its_cell_is_broken_not_run_over_the_margin(artifacts_dir):
    """A code or an address typed without spaces: cut between its letters where the line or the
    table cell ends, never drawn past the margin or out of its cell; every letter still printed."""
    long_word = "خیلی‌طولانی‌بدون‌فاصله" * 8
    code = "A" * 150

    def draw(doc: PersianDocument) -> None:
        at(30)(doc)
        doc.text_line(long_word)
        doc.text_line(f"نشانی: {ltr(code)}")
        doc.grid(["الف", "ب"], [["ب" * 120, "x"]], [1, 1])

    data = render("long-words", draw)
    image = page_image(data, "layout-long-words", artifacts_dir)
    left_edge, right_edge = MARGIN_MM * MM, (PAGE_WIDTH_MM - MARGIN_MM) * MM
    bands = ink_rows(image, 28, 120)
    assert len(bands) >= 6  # each long text takes two lines or more
    for band in bands:
        columns = ink_columns(image, band)
        assert columns[0] >= left_edge - 1 and columns[-1] <= right_edge + 1
    middle = PAGE_WIDTH_MM / 2
    _, row_top, row_bottom = table_rules(image, 28, 200)
    cell_lines = ink_rows(image, (row_top + 2) / MM, (row_bottom - 1) / MM, middle + 1.5, PAGE_WIDTH_MM - MARGIN_MM - 1.5)
    assert len(cell_lines) >= 2  # the long cell wraps inside the right-hand column
    beside = [x for x in ink_columns(image, (row_top + 2, row_bottom - 2)) if MARGIN_MM * MM + 3 < x < middle * MM - 3]
    assert beside and beside[-1] - beside[0] < 4 * MM  # the left-hand column holds only its «x»
    printed = _clean("".join(pdf_pages_lines(data))).replace("\u200b", "")
    assert printed.count("A") == 150 and printed.count("ب") >= 121


_MARKUP = "#*$[]\\@<>_=`~/-+\"'{}()"
_TEXT = st.text(alphabet=st.sampled_from(list("سلامپرونده‌ایکABC123۱۲۳ ،؛") + list(_MARKUP)), min_size=1, max_size=40)
_MIRRORED = str.maketrans("()[]<>{}", "((<<<<{{")


@settings(max_examples=25, deadline=None)
@given(_TEXT)
@example("#let x = 1 *bold* $x^2$ [link] \\ @ref <label> `raw` _em_ = heading")
@example("متن #set page(width: 1cm) پایان")
@example("}")
@example("#[" * 60 + "*" * 30)  # wider than the line: cut, still all printed
def test_user_text_is_printed_as_typed_never_read_as_typst_markup(text):
    """Every character a user typed reaches the page: none is taken for Typst syntax (a heading,
    emphasis, a code call) nor lost. Mirrored brackets read back as either side."""
    data = render("markup", lambda doc: doc.text_line(text))
    printed = "".join(line for line in pdf_pages_lines(data))
    wanted = Counter(_clean(text).replace(" ", "").translate(_MIRRORED))
    got = Counter(_clean(printed).replace(" ", "").replace("\u200b", "").translate(_MIRRORED))
    assert got == wanted


def test_documents_made_at_once_from_several_threads_each_get_their_own_text():
    """Streamlit serves each user from a thread of its own: documents asked for at the same moment
    are typeset one after the other by the one compiler, each with its own content."""
    from concurrent.futures import ThreadPoolExecutor

    names = [f"متقاضی شماره {number}" for number in "۱۲۳۴۵۶"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda name: render(name, lambda doc: doc.text_line(name)), names))
    for name, data in zip(names, made):
        assert pdf_pages(data) == [_clean(f"{name} صفحه ۱ از ۱")]
