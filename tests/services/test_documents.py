"""Documents of a case: the checklist, uploads checked by content, storage, area-checked reads,
paper seen at the desk, and the documents check that moves the case."""
from __future__ import annotations

import hashlib
import re
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as hst
from sqlmodel import select

from db.models import ApplicationEvent, AuditLog, Notification
from lib import catalog
from lib.errors import Forbidden, InvalidInput
from lib.workflow import State
from tests.files import HTML, image_bytes, padded_pdf, pdf_bytes, pdf_with
from services import applications as apps
from services.file_check import download_name
from services.documents import (
    MAX_DOCUMENT_BYTES,
    UPLOAD_DIR_ENV,
    check_documents,
    document_status,
    mark_received,
    read_document,
    upload_document,
)

PERSIAN = re.compile(r"[\u0600-\u06FF]")
PDF = pdf_bytes()
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64
A_KINDS = list(catalog.DOCUMENTS["A"])


@pytest.fixture(autouse=True)
def uploads(tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setenv(UPLOAD_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def case(session, county_expert, intake):
    return apps.submit_application(session, county_expert, intake("A"))


def stored_files(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _refused(session, counts, uploads, call, error=InvalidInput):
    before, files = counts(), stored_files(uploads)
    with pytest.raises(error) as err:
        call()
    session.rollback()
    assert counts() == before
    assert stored_files(uploads) == files
    assert PERSIAN.search(err.value.message)
    return err.value


# --------------------------------------------------------------------------- uploads
@pytest.mark.parametrize(("content", "ext", "mime"), [(PDF, "pdf", "application/pdf"), (PNG, "png", "image/png"), (JPEG, "jpg", "image/jpeg")])
def test_upload_is_stored_under_a_random_name_with_its_hash(session, county_expert, case, uploads, content, ext, mime):
    doc = upload_document(session, county_expert, case.id, "form1", "../../etc/فرم يك\u202e.exe.pdf", content)

    assert doc.received and doc.mime_type == mime and doc.size_bytes == len(content)
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert re.fullmatch(rf"{case.id}/[0-9a-f]{{32}}\.{ext}", doc.stored_name)
    [path] = stored_files(uploads)
    assert path == uploads / doc.stored_name and path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert "فرم" not in str(path) and "etc" not in str(path.relative_to(uploads))
    assert doc.original_name == f"فرم یک.exe.{ext}"  # no folders, no direction marks, Persian ی, the real type
    entry = session.exec(select(AuditLog).where(AuditLog.action == "document.upload")).one()
    assert entry.user_id == county_expert.id and entry.before is None and entry.after["sha256"] == doc.sha256


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("scan.pdf", EXE, "PDF"),  # an executable renamed .pdf
        ("scan.pdf", b"", "خالی"),
        ("scan.pdf", PDF + b"\x00" * (6 * 1024 * 1024), "مگابایت"),
        ("scan.pdf", PDF + b"\x00" * (MAX_DOCUMENT_BYTES + 1 - len(PDF)), "مگابایت"),  # one byte too many
        ("photo.png", b"<html><script>alert(1)</script>", "PDF"),
    ],
)
def test_uploads_are_refused_by_content_and_size(session, county_expert, case, counts, uploads, name, content, words):
    err = _refused(session, counts, uploads, lambda: upload_document(session, county_expert, case.id, "form1", name, content))
    assert err.field == "file" and words in err.message


def test_a_file_of_exactly_five_megabytes_is_accepted(session, county_expert, case):
    content = padded_pdf(MAX_DOCUMENT_BYTES)
    assert upload_document(session, county_expert, case.id, "form1", "big.pdf", content).size_bytes == MAX_DOCUMENT_BYTES


def test_an_unknown_kind_or_another_programmes_kind_is_refused(session, county_expert, case, counts, uploads):
    _refused(session, counts, uploads, lambda: upload_document(session, county_expert, case.id, "passport", "a.pdf", PDF))
    _refused(session, counts, uploads, lambda: upload_document(session, county_expert, case.id, "relief_coverage", "a.pdf", PDF))


def test_replacing_keeps_an_audit_before_and_after(session, county_expert, case, uploads):
    first = upload_document(session, county_expert, case.id, "form1", "old.pdf", PDF)
    old_name, old_hash = first.stored_name, first.sha256
    second = upload_document(session, county_expert, case.id, "form1", "new.png", PNG)

    assert second.id == first.id  # one document per kind
    assert second.stored_name != old_name and second.mime_type == "image/png"
    entry = session.exec(select(AuditLog).where(AuditLog.action == "document.replace")).one()
    assert (entry.before["stored_name"], entry.before["sha256"]) == (old_name, old_hash)
    assert (entry.after["stored_name"], entry.after["original_name"]) == (second.stored_name, "new.png")
    assert (uploads / old_name).exists()  # the replaced file stays for the record
    assert read_document(session, county_expert, second.id) == (PNG, "image/png", "new.png")


# --------------------------------------------------------------------------- reads and areas
def test_reading_is_limited_to_the_cases_area(
    session, county_expert, sibling_county_expert, province_committee, other_province_committee, case
):
    doc = upload_document(session, county_expert, case.id, "form1", "form.pdf", PDF)
    assert read_document(session, county_expert, doc.id) == (PDF, "application/pdf", "form.pdf")
    assert read_document(session, province_committee, doc.id)[0] == PDF  # the province sees its counties
    for outsider in (sibling_county_expert, other_province_committee):
        with pytest.raises(Forbidden):
            read_document(session, outsider, doc.id)
        with pytest.raises(Forbidden):
            document_status(session, outsider, case.id)


def test_another_countys_case_cannot_be_changed(session, sibling_county_expert, province_manager, case, counts, uploads):
    for outsider in (sibling_county_expert, province_manager):
        _refused(session, counts, uploads, lambda: upload_document(session, outsider, case.id, "form1", "a.pdf", PDF), Forbidden)
        _refused(session, counts, uploads, lambda: mark_received(session, outsider, case.id, "form1", True), Forbidden)
        _refused(session, counts, uploads, lambda: check_documents(session, outsider, case.id), Forbidden)


def test_a_tampered_file_is_not_served(session, county_expert, case, uploads):
    doc = upload_document(session, county_expert, case.id, "form1", "form.pdf", PDF)
    (uploads / doc.stored_name).write_bytes(PDF + b"changed")
    with pytest.raises(InvalidInput) as err:
        read_document(session, county_expert, doc.id)
    assert "تغییر" in err.value.message


def test_a_paper_document_has_no_file_to_read(session, county_expert, case):
    doc = mark_received(session, county_expert, case.id, "form1", True)
    with pytest.raises(InvalidInput):
        read_document(session, county_expert, doc.id)


# --------------------------------------------------------------------------- checklist
def test_status_lists_the_programmes_checklist(session, county_expert, case):
    upload_document(session, county_expert, case.id, "sso_payment_proof", "proof.jpg", JPEG)
    mark_received(session, county_expert, case.id, "form1", True)
    rows = document_status(session, county_expert, case.id)
    assert [r.label for r in rows] == list(catalog.DOCUMENTS["A"].values())
    assert [r.received for r in rows] == [True, True, False, False]
    assert [r.has_file for r in rows] == [False, True, False, False]
    assert rows[1].uploaded_by == county_expert.full_name and rows[1].original_name == "proof.jpg"


def test_marking_paper_received_and_back_is_audited(session, county_expert, case):
    doc = mark_received(session, county_expert, case.id, "committee_approval", True)
    assert doc.received and doc.stored_name is None
    assert mark_received(session, county_expert, case.id, "committee_approval", True).id == doc.id  # no change
    mark_received(session, county_expert, case.id, "committee_approval", False)
    entries = session.exec(select(AuditLog).where(AuditLog.action == "document.received").order_by(AuditLog.id)).all()
    assert [(e.before and e.before["received"], e.after["received"]) for e in entries] == [(None, True), (True, False)]
    assert mark_received(session, county_expert, case.id, "sso_discount_inquiry", False) is None  # nothing to record


# --------------------------------------------------------------------------- the check
def _events(session, application_id):
    return session.exec(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application_id).order_by(ApplicationEvent.id)
    ).all()


def test_missing_documents_move_the_case_and_say_which(session, county_expert, case):
    mark_received(session, county_expert, case.id, "form1", True)
    result = check_documents(session, county_expert, case.id)

    # Form 2 (the committee's opinion) is made by the county committee's decision, not brought to the desk
    expected = [catalog.DOCUMENTS["A"][k] for k in A_KINDS[1:] if k != "committee_approval"]
    assert result.moved and result.state == State.documents_incomplete
    assert list(result.missing) == expected
    event = _events(session, case.id)[-1]
    assert (event.from_state, event.to_state) == ("received", "documents_incomplete")
    assert all(label in event.note for label in expected) and catalog.DOCUMENTS["A"]["form1"] not in event.note
    sms = session.exec(select(Notification).where(Notification.event == "state.documents_incomplete")).one()
    assert sms.application_id == case.id and "نقص مدارک" in sms.body
    assert session.exec(select(AuditLog).where(AuditLog.action == "application.state")).one().after["state"] == "documents_incomplete"

    # checking again while still incomplete changes nothing
    again = check_documents(session, county_expert, case.id)
    assert not again.moved and len(_events(session, case.id)) == 2

    # all four in: back to «received»
    for kind in A_KINDS[1:]:
        upload_document(session, county_expert, case.id, kind, f"{kind}.pdf", PDF)
    done = check_documents(session, county_expert, case.id)
    assert done.moved and done.state == State.received and done.missing == ()
    assert (_events(session, case.id)[-1].from_state, _events(session, case.id)[-1].to_state) == ("documents_incomplete", "received")


def test_a_complete_received_case_stays_where_it_is(session, county_expert, case):
    for kind in A_KINDS:
        mark_received(session, county_expert, case.id, kind, True)
    result = check_documents(session, county_expert, case.id)
    assert not result.moved and result.state == "received" and result.missing == ()
    assert len(_events(session, case.id)) == 1


def test_a_case_past_the_committee_keeps_its_state_and_is_told_why(session, secretary, intake):
    case = apps.submit_application(session, secretary, intake("B"))
    apps.change_state(session, secretary, case.id, State.county_decision)
    result = check_documents(session, secretary, case.id)
    assert not result.moved and result.state == "county_decision"
    assert len(result.missing) == 4 and "تغییر نمی‌کند" in result.note


def test_a_closed_case_takes_no_documents(session, county_expert, case, counts, uploads):
    apps.change_state(session, county_expert, case.id, State.withdrawn)
    err = _refused(session, counts, uploads, lambda: upload_document(session, county_expert, case.id, "form1", "a.pdf", PDF))
    assert "بسته" in err.message


# --------------------------------------------------------------------------- invariants
@given(hst.text(max_size=400), hst.sampled_from(["pdf", "png", "jpg"]))
def test_a_kept_file_name_is_never_a_path_and_ends_with_the_real_type(name, ext):
    kept = download_name(name, ext)
    assert kept and len(kept) <= 200 and kept.endswith(f".{ext}")
    assert "/" not in kept and "\\" not in kept and not kept.startswith(".")
    assert not re.search(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", kept)


# --------------------------------------------------------------------------- attacks (issue 9)
@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.7\n" + HTML, "HTML"),  # a PDF header followed by a web page
        (b"%PDF-1.7\n<p>hi</p><img src=x onerror=alert(1)>", "HTML"),
        (b"%PDF-1.7\n<p>hello</p>\n", "کامل نیست"),  # no PDF structure at all
        (PDF + b"<p>appended page</p>", "پس از پایان"),  # a real PDF with something after %%EOF
        (pdf_with("openaction-js"), "اجرایی"),
        (pdf_with("aa-js"), "اجرایی"),
        (pdf_with("names-js"), "اجرایی"),
        (pdf_with("openaction-js").replace(b"/JavaScript", b"/J#61vaScript"), "اجرایی"),  # name spelled in hex
        (pdf_with("launch"), "اجرایی"),
        (pdf_with("embedded"), "اجرایی"),
        (pdf_with("xfa"), "اجرایی"),
        (pdf_with("encrypted"), "رمزگذاری"),
        (b"\x89PNG\r\n\x1a\n" + HTML, "HTML"),  # a PNG header followed by a web page
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "سالم نیست"),
        (PNG + b"<p>appended</p>", "پس از پایان"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "سالم نیست"),
        (image_bytes("PNG", (8000, 8000)), "بزرگ"),  # 64 megapixels: a decompression bomb
    ],
)
def test_polyglots_active_content_and_broken_files_are_refused(session, county_expert, case, counts, uploads, content, words):
    err = _refused(session, counts, uploads, lambda: upload_document(session, county_expert, case.id, "form1", "scan.pdf", content))
    assert err.field == "file" and words in err.message


@pytest.mark.parametrize(("name", "content", "served"), [
    ("x.html", PDF, "x.pdf"),
    ("\u202egpj.exe", PNG, "gpj.png"),
    ("نامه‌ی تأیید.JPG.exe", JPEG, "نامه‌ی تأیید.JPG.jpg"),
    ("C:\\Users\\a\\..\\evil.svg", PNG, "evil.png"),
])
def test_a_download_is_named_after_the_detected_type(session, county_expert, case, name, content, served):
    doc = upload_document(session, county_expert, case.id, "form1", name, content)
    assert doc.original_name == served
    assert read_document(session, county_expert, doc.id)[2] == served
    assert document_status(session, county_expert, case.id)[0].download_name == served


def test_a_name_stored_before_names_were_sanitised_is_served_safely(session, county_expert, case):
    doc = upload_document(session, county_expert, case.id, "form1", "scan.pdf", PDF)
    doc.original_name = "\u202egpj.html"
    session.add(doc)
    session.commit()
    assert read_document(session, county_expert, doc.id)[2] == "gpj.pdf"


def test_a_jpeg_is_stored_without_what_trails_its_end(session, county_expert, case, uploads):
    doc = upload_document(session, county_expert, case.id, "form1", "photo.jpg", JPEG + b"<p>trailing</p>")
    assert (uploads / doc.stored_name).read_bytes() == JPEG and doc.size_bytes == len(JPEG)
    assert read_document(session, county_expert, doc.id)[0] == JPEG
