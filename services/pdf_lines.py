"""Line breaking for the Persian PDFs, fast: each word is shaped once.

fpdf2's ``multi_cell`` breaks a paragraph by adding one character at a time and shaping the
whole growing line with HarfBuzz after each one (quadratic in the line's length: 242,000
shaping calls for the 408 lines of a 100-case committee minutes). Here a paragraph is split at
spaces into words, each word's width is shaped once and kept (per font, style and size, for
every document this process makes), and words are added to a line while the sum of their
widths and the spaces between them fits. Each line is then drawn as one cell, which shapes it
and lays it out right to left (Unicode bidi per line, as the algorithm prescribes after line
breaking).

A left-to-right isolate (a code or a number wrapped by :func:`lib.text.ltr`) is never split
across lines; a word wider than the line is cut between characters. Explicit line breaks in
the text start a new line.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fpdf import FPDF
from fpdf.fonts import TTFFont

ISOLATE_OPEN = ("\u2066", "\u2067", "\u2068")  # LRI, RLI, FSI
ISOLATE_CLOSE = "\u2069"  # PDI
_CACHE_LIMIT = 200_000
_widths: dict[tuple[str, float, str], float] = {}


def text_width(pdf: FPDF, text: str) -> float:
    """The width of ``text`` in the pdf's current font (mm), shaped once per font and size."""
    key = (pdf.current_font.fontkey if pdf.current_font else "", pdf.font_size_pt, text)
    width = _widths.get(key)
    if width is None:
        if len(_widths) >= _CACHE_LIMIT:
            _widths.clear()
        width = _widths[key] = pdf.get_string_width(text)
    return width


def words(paragraph: str) -> list[str]:
    """The paragraph split at spaces, keeping each isolate (and what it encloses) in one word."""
    out: list[str] = []
    depth = 0
    for piece in paragraph.split(" "):
        if depth > 0 and out:
            out[-1] += " " + piece
        else:
            out.append(piece)
        depth = max(0, depth + sum(piece.count(c) for c in ISOLATE_OPEN) - piece.count(ISOLATE_CLOSE))
    return [w for w in out if w]


def _cut(pdf: FPDF, word: str, width: float) -> list[str]:
    """A word wider than the line, cut into pieces that fit (at least one character each)."""
    pieces, current = [], ""
    for char in word:
        if current and pdf.get_string_width(current + char) > width:
            pieces.append(current)
            current = char
        else:
            current += char
    return pieces + [current] if current else pieces


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` as lines no wider than ``width`` mm in the pdf's current font; an empty text is
    one empty line (as ``multi_cell`` draws it)."""
    lines: list[str] = []
    space = text_width(pdf, " ")
    for paragraph in text.split("\n"):
        current: list[str] = []
        used = 0.0
        for word in words(paragraph):
            w = text_width(pdf, word)
            if current and used + space + w <= width:
                current.append(word)
                used += space + w
                continue
            if current:
                lines.append(" ".join(current))
            if w > width:
                *full, last = _cut(pdf, word, width)
                lines.extend(full)
                current, used = [last], text_width(pdf, last)
            else:
                current, used = [word], w
        lines.append(" ".join(current))
    return lines


def _shaping_key(text: str, size: float, params: dict | None) -> tuple:
    if not params:
        return (text, size)
    direction = params.get("fragment_direction")
    return (text, size, getattr(direction, "value", direction), params.get("script"), params.get("language"))


_ORIGINAL = (TTFFont.shape_text, TTFFont.shaped_text_width)
_memories: dict[int, tuple[dict, dict]] = {}


def _remembering(which: int):
    """fpdf2's shaping method ``_ORIGINAL[which]``, answering each repeated text run of a font whose
    document is being drawn (``_memories``) from memory."""
    original = _ORIGINAL[which]

    def shaped(font, text, font_size_pt, text_shaping_params):
        memory = _memories.get(id(font))
        if memory is None:
            return original(font, text, font_size_pt, text_shaping_params)
        key = _shaping_key(text, font_size_pt, text_shaping_params)
        found = memory[which].get(key)
        if found is None:
            found = memory[which][key] = original(font, text, font_size_pt, text_shaping_params)
        return found

    return shaped


_shape_text, _shaped_text_width = _remembering(0), _remembering(1)
TTFFont.shape_text, TTFFont.shaped_text_width = _shape_text, _shaped_text_width


@contextmanager
def remembered_shapes(pdf: FPDF) -> Iterator[None]:
    """While drawing ``pdf``, shape each (text, size, direction) of its fonts once: fpdf2 shapes
    every bidi run of a line two or three times (its width for alignment, then its glyphs), and
    the same runs («درخواست شماره», «مورخ», labels, dates) come back on every case of the
    minutes. The memory belongs to the document's font objects (their glyph subset) and is
    dropped when the block ends; fonts of other documents are shaped as fpdf2 does."""
    keys = [id(font) for font in pdf.fonts.values() if isinstance(font, TTFFont)]
    for key in keys:
        _memories[key] = ({}, {})
    try:
        yield
    finally:
        for key in keys:
            _memories.pop(key, None)
