"""A small, fast writer of .xlsx workbooks (right-to-left sheets), and formula-safe text.

openpyxl writes about 20,000 cells a second; a payment list of 100,000 lines × 16 columns
needs far more. This writer streams the sheet XML as text (inline strings, no shared-string
table) into a zip: a few seconds for that list. It writes what the exports need and no more:
text, integers and decimals, a bold frozen header row, column widths, a number format with
thousands separators for money columns, and sheets laid out right to left.

Text that a spreadsheet could take for a formula (starting with ``= + - @``, a tab or a line
break, or their full-width forms) is written with a leading apostrophe (:func:`formula_safe`),
so it stays text even when the file is saved again as CSV and opened elsewhere.

Pure: standard library only (the workbook is built in memory and returned as bytes).
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from numbers import Integral, Real
from xml.sax.saxutils import escape

__all__ = ["FORMULA_TRIGGERS", "Sheet", "formula_safe", "workbook_bytes"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that make a spreadsheet cell a formula (or a DDE call) when typed or imported."""

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def formula_safe(text: str) -> str:
    """``text`` as a spreadsheet shows it without ever evaluating it: a leading apostrophe
    when it starts with a formula trigger (OWASP's advice for CSV/Excel injection)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


@dataclass
class Sheet:
    """One worksheet: a header row and data rows (int, float, str or None per cell).

    ``money`` holds the 0-based columns shown with thousands separators; ``widths`` the
    column widths in characters (default 14)."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[float] = ()
    money: frozenset[int] = field(default_factory=frozenset)
    rtl: bool = True
    kinds: str = ""
    """Optional, one letter per column: ``t`` text, ``i`` integer, ``m`` money (integer with
    separators); None allowed in any. Declaring them lets the writer format a whole row at once
    (about twice as fast for big lists); a value of another type in such a column is written
    as text."""


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Tahoma"/></font>'
    '<font><b/><sz val="11"/><name val="Tahoma"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _sheet_name(name: str, taken: set[str]) -> str:
    clean = _SHEET_NAME_BAD.sub(" ", name).strip("'")[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _text(value: str) -> str:
    value = formula_safe(value)
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)
    if "&" in value or "<" in value or ">" in value:
        value = escape(value)
    return value


def _str_cell(value: str) -> str:
    if not value:
        return "<c/>"
    return f'<c t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'


def _cell(value: object, money: bool) -> str:
    kind = type(value)  # exact types first: isinstance against numbers' ABCs is slow
    if kind is str:
        return _str_cell(value)  # type: ignore[arg-type]
    if kind is int:
        return f'<c s="2"><v>{value}</v></c>' if money else f"<c><v>{value}</v></c>"
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c t="inlineStr"><is><t>{"TRUE" if value else "FALSE"}</t></is></c>'
    if isinstance(value, Integral):
        return _cell(int(value), money)
    if isinstance(value, Real):
        return f"<c><v>{float(value)!r}</v></c>"
    return _str_cell(str(value))


def _sheet_xml(sheet: Sheet) -> Iterable[str]:
    ncols = len(sheet.headers)
    widths = list(sheet.widths) + [14.0] * (ncols - len(sheet.widths))
    direction = ' rightToLeft="1"' if sheet.rtl else ""
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetViews><sheetView workbookViewId="0"{direction}>'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        "<cols>"
    )
    yield "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths[:ncols], 1))
    yield "</cols><sheetData><row>"
    yield "".join(f'<c s="1" t="inlineStr"><is><t>{_text(str(h))}</t></is></c>' for h in sheet.headers)
    yield "</row>"
    money = [i in sheet.money for i in range(ncols)]
    chunk: list[str] = []
    if sheet.kinds:
        format_row = _row_formatter(sheet.kinds)
        for row in sheet.rows:
            chunk.append(format_row(row))
            if len(chunk) >= 2000:
                yield "".join(chunk)
                chunk.clear()
    else:
        for row in sheet.rows:
            chunk.append("<row>" + "".join(_cell(v, m) for v, m in zip(row, money)) + "</row>")
            if len(chunk) >= 2000:
                yield "".join(chunk)
                chunk.clear()
    yield "".join(chunk)
    yield "</sheetData></worksheet>"


def _int_cell(value: object) -> str:
    if value is None:
        return "<c/>"
    if type(value) is int:
        return f"<c><v>{value}</v></c>"
    return _cell(value, False)


def _money_cell(value: object) -> str:
    if type(value) is int:
        return f'<c s="2"><v>{value}</v></c>'
    return _cell(value, True)


def _row_formatter(kinds: str):
    """A function formatting one row of declared column kinds in a single expression."""
    parts = []
    for k, kind in enumerate(kinds):
        if kind == "t":
            parts.append(f"_s(r[{k}]) if type(r[{k}]) is str else _c(r[{k}], False)")
        elif kind == "i":
            parts.append(f'f"<c><v>{{r[{k}]}}</v></c>" if type(r[{k}]) is int else _i(r[{k}])')
        elif kind == "m":
            parts.append(f'f"<c s=\\"2\\"><v>{{r[{k}]}}</v></c>" if type(r[{k}]) is int else _m(r[{k}])')
        else:
            raise ValueError(f"unknown column kind {kind!r} (t, i or m)")
    code = "lambda r: ''.join(('<row>', " + ", ".join(f"({p})" for p in parts) + ", '</row>'))"
    return eval(code, {"_s": _str_cell, "_c": _cell, "_i": _int_cell, "_m": _money_cell})  # noqa: S307 - our own code


def _entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed date, so the same sheets always give the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The .xlsx file of ``sheets`` (in order; the first is the one that opens). Deterministic:
    the same sheets give the same bytes."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    taken: set[str] = set()
    names = [_sheet_name(s.name, taken) for s in sheets]
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(
            _entry("[Content_Types].xml"),
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))),
        )
        archive.writestr(_entry("_rels/.rels"), _ROOT_RELS)
        archive.writestr(
            _entry("xl/workbook.xml"),
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(
                f'<sheet name="{escape(name, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in enumerate(names, 1)
            )
            + "</sheets></workbook>",
        )
        archive.writestr(
            _entry("xl/_rels/workbook.xml.rels"),
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
        )
        archive.writestr(_entry("xl/styles.xml"), _STYLES)
        for n, sheet in enumerate(sheets, 1):
            with archive.open(_entry(f"xl/worksheets/sheet{n}.xml"), "w", force_zip64=True) as out:
                for part in _sheet_xml(sheet):
                    out.write(part.encode("utf-8"))
    return buffer.getvalue()
