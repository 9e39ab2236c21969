"""The Persian PDF engine: documents described in Python, typeset by Typst.

A document is a list of blocks (a paragraph, a gap, the letterhead, a rule, a bordered table, a
group kept on one page) that :class:`PersianDocument` collects; :func:`render` hands them to the
Typst compiler (the ``typst`` package, Rust) as JSON data read by one fixed template
(:data:`TEMPLATE`). Every text a user typed therefore reaches the page as a string, never as
Typst markup: ``#``, ``*``, ``$``, ``[`` or ``\\`` are printed as they are.

Typst shapes the Persian letters with rustybuzz (HarfBuzz's algorithm: joined letters, the
half-space ZWNJ keeping them apart, the lam-alef ligature), applies the Unicode bidi algorithm to
each paragraph (codes and numbers wrapped by :func:`lib.text.ltr` keep their order), breaks lines
itself (also inside table cells) and numbers the pages «صفحه n از m» in one run (the page count
is known at the end of the layout, no second pass). Why Typst rather than fpdf2: README «Why
Typst».

The compiler is made once per process with the font loaded once (Vazirmatn from static/fonts,
fetched by scripts/fetch_font.sh, else an Arabic-script system font); one document is compiled at
a time (a lock: Streamlit serves sessions from several threads).
"""
from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typst

ROOT = Path(__file__).resolve().parent.parent
FONT_CANDIDATES: tuple[tuple[Path, Path], ...] = (
    (ROOT / "static/fonts/Vazirmatn-Regular.ttf", ROOT / "static/fonts/Vazirmatn-Bold.ttf"),
    (Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf"),
     Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Bold.ttf")),
    (Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"),
     Path("/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf")),
    (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
     Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
)
ALIGN = {"R": "right", "L": "left", "C": "center"}
PAGE_MM, TEXT_INSET_MM, LETTERHEAD_BOX_MM = 174.0, 2.0, 62.0  # A4 less the margins; text inset; the «شماره» box
ZWSP = "\u200b"  # zero-width space: a place a line may break, invisible, letters still join across it
MM_PER_CHAR_PT = 0.22  # a narrow estimate of a character's width (mm) per point of font size

# The page: A4, margins 18 mm at the sides (text 2 mm further in), 15 mm on top, 20 mm under
# (the page number sits in it). Each paragraph line is `height` mm tall: text edges of 1 em
# (0.8 over the baseline, 0.2 under) and the rest as leading, half above and half below.
TEMPLATE = r"""
#let doc = json(bytes(sys.inputs.doc))
#set document(title: doc.title)
#set page(paper: "a4", margin: (left: 18mm, right: 18mm, top: 15mm, bottom: 20mm), footer-descent: 6mm,
  footer: context align(center, text(size: 9pt, top-edge: 0.8em, bottom-edge: -0.2em)[صفحه #numbering("۱", here().page()) از #numbering("۱", counter(page).final().first())]))
#set text(font: doc.font, size: 11pt, lang: "fa", dir: rtl, top-edge: 0.8em, bottom-edge: -0.2em, fallback: true)
#set block(spacing: 0pt)
#set par(justify: false)
#let alignments = (right: right, left: left, center: center)

#let paragraph(b) = {
  let size = b.size * 1pt
  let h = b.height * 1mm
  block(width: 100%, inset: (x: 2mm, y: (h - size) / 2), {
    set text(size: size, weight: if b.bold { "bold" } else { "regular" })
    set par(leading: h - size, spacing: h - size)
    align(alignments.at(b.align), b.text)
  })
}

#let cell-text(text-of, bold) = {
  set text(size: 10.5pt, weight: if bold { "bold" } else { "regular" })
  set par(leading: 0.45em, spacing: 0.45em)
  text-of
}

#let blocks(items) = for b in items {
  if b.kind == "text" { paragraph(b) }
  else if b.kind == "gap" { v(b.mm * 1mm) }
  else if b.kind == "rule" { v(1.5mm); line(length: 100%, stroke: 0.2mm); v(2.5mm) }
  else if b.kind == "letterhead" {
    grid(columns: (1fr, 62mm),
      b.right.map(t => paragraph((text: t, size: 11, bold: true, align: "right", height: 7.5))).join(),
      b.left.map(t => paragraph((text: t, size: 10.5, bold: false, align: "right", height: 7.5))).join())
  }
  else if b.kind == "grid" {
    table(columns: b.widths.map(w => w * 1fr), stroke: 0.2mm, align: right + horizon,
      inset: (x: 2mm, y: 2.9mm),
      table.header(..b.headers.map(t => cell-text(t, true))),
      ..b.rows.flatten().map(t => cell-text(t, false)))
  }
  else if b.kind == "together" { block(breakable: false, width: 100%, blocks(b.blocks)) }
}

#blocks(doc.blocks)
"""
_SOURCE = TEMPLATE.encode()


class FontMissing(RuntimeError):
    """No Arabic-script TTF to print Persian with."""


def persian_font(candidates: Iterable[tuple[Path, Path]] = FONT_CANDIDATES) -> tuple[Path, Path]:
    """(regular, bold) TTF paths: Vazirmatn, else a system Arabic-script font (bold may be regular)."""
    for regular, bold in candidates:
        if regular.is_file():
            return regular, bold if bold.is_file() else regular
    raise FontMissing(
        "قلم فارسی برای ساخت PDF پیدا نشد؛ scripts/fetch_font.sh را اجرا کنید یا بسته fonts-noto "
        "را نصب کنید. (No Persian TTF: run scripts/fetch_font.sh or install fonts-noto.)"
    )


def breakable(text: str, width_mm: float, size: float) -> str:
    """``text`` with a zero-width space between the letters of each word that may be wider than
    ``width_mm`` at ``size`` points: Typst breaks lines only at spaces, and a longer word (a code,
    an address typed without spaces) would run over the margin or out of its table cell. Typst
    breaks at these places only when the word does not fit; other words are left as they are."""
    limit = max(2, int(width_mm / (MM_PER_CHAR_PT * size)))
    words = text.split(" ")
    if all(len(word) <= limit for word in words):
        return text
    return " ".join(word if len(word) <= limit else _break_between_letters(word) for word in words)


def _break_between_letters(word: str) -> str:
    out = []
    for index, char in enumerate(word):
        if index and unicodedata.category(char) not in ("Mn", "Me", "Cf") and unicodedata.category(word[index - 1]) != "Cf":
            out.append(ZWSP)
        out.append(char)
    return "".join(out)


class PersianDocument:
    """An A4 document in Persian, right to left, numbered «صفحه n از m», described block by block.

    Sizes are in points, heights and gaps in millimetres. A paragraph line is ``height`` mm tall
    (``leading`` unless told), wrapped by Typst at the width of the page."""

    leading = 7.5

    def __init__(self, title: str) -> None:
        self.title = title
        self.blocks: list[dict] = []
        self._target = self.blocks

    def _add(self, kind: str, **fields: object) -> None:
        self._target.append({"kind": kind, **fields})

    def text_line(self, text: str, *, size: float = 11, bold: bool = False, align: str = "R",
                  height: float | None = None) -> None:
        """A paragraph across the page (``align`` R, L or C), wrapped at spaces onto as many lines as
        it needs; explicit line breaks in ``text`` are kept."""
        text = breakable(str(text), PAGE_MM - 2 * TEXT_INSET_MM, size)
        self._add("text", text=text, size=size, bold=bold, align=ALIGN[align], height=height or self.leading)

    def heading(self, text: str, size: float = 14) -> None:
        self.text_line(text, size=size, bold=True, align="C", height=self.leading + 2)

    def gap(self, mm: float = 3) -> None:
        self._add("gap", mm=mm)

    def letterhead(self, right: Sequence[str], left: Sequence[tuple[str, str]]) -> None:
        """Office lines on the right; «شماره / تاریخ / پیوست» in a 62 mm box on the left, as on
        Iranian letters; a rule under both."""
        right_mm, left_mm = PAGE_MM - LETTERHEAD_BOX_MM - 2 * TEXT_INSET_MM, LETTERHEAD_BOX_MM - 2 * TEXT_INSET_MM
        self._add("letterhead", right=[breakable(str(t), right_mm, 11) for t in right],
                  left=[breakable(f"{label}: {value}", left_mm, 10.5) for label, value in left])
        self.line_across()

    def line_across(self) -> None:
        self._add("rule")

    def grid(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]) -> None:
        """A bordered table whose first column is on the right; ``widths`` are relative. A cell's
        text wraps onto several lines when it must; the header row repeats on each page."""
        if any(len(row) != len(headers) for row in rows) or len(widths) != len(headers):
            raise ValueError("every row of a table needs one cell per column")
        inner = [PAGE_MM * w / sum(widths) - 2 * TEXT_INSET_MM for w in widths]
        self._add("grid", headers=[breakable(str(h), mm, 10.5) for h, mm in zip(headers, inner)],
                  rows=[[breakable(str(c), mm, 10.5) for c, mm in zip(row, inner)] for row in rows],
                  widths=[float(w) for w in widths])

    @contextmanager
    def together(self) -> Iterator[None]:
        """The blocks added inside stay on one page (on the next one when they do not fit here)."""
        group: list[dict] = []
        outer, self._target = self._target, group
        try:
            yield
        finally:
            self._target = outer
            self._add("together", blocks=group)

    def data(self, font_family: str) -> str:
        return json.dumps({"title": self.title, "font": font_family, "blocks": self.blocks}, ensure_ascii=False)


class _Engine:
    """One Typst compiler per process, its fonts loaded once; compiles one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiler: typst.Compiler | None = None
        self._family = ""

    def _ready(self) -> tuple[typst.Compiler, str]:
        if self._compiler is None:
            regular, bold = persian_font()
            folders = sorted({str(regular.parent), str(bold.parent)})  # Typst reads fonts by folder
            fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True, font_paths=folders)
            self._family = next(f.family for f in fonts.fonts() if f.path and Path(f.path) == regular)
            self._compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
        return self._compiler, self._family

    def compile(self, document: PersianDocument) -> bytes:
        with self._lock:
            compiler, family = self._ready()
            return compiler.compile(_SOURCE, format="pdf", sys_inputs={"doc": document.data(family)})


ENGINE = _Engine()


def render(title: str, draw: Callable[[PersianDocument], None]) -> bytes:
    """The PDF of the document ``draw`` describes (one Typst compilation)."""
    document = PersianDocument(title)
    draw(document)
    return ENGINE.compile(document)
