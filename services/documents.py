"""The documents of a case: the checklist per programme, uploaded files, paper seen at the desk,
and the check that moves a case into (and out of) «نقص مدارک».

Files: only PDF, PNG and JPEG, not empty, at most 5 MB, parsed in full and free of active
content (services.file_check: never judged by the name, the browser's MIME type or the first
bytes alone). They are stored under the upload directory (``BIMEYAR_UPLOAD_DIR``, default
``data/uploads``) as ``<application id>/<random uuid>.<ext>`` with permissions 0640, the
extension of the detected type; the user's file name is kept only as sanitised metadata
(:func:`~services.file_check.download_name`: no folders, control or direction characters, the
detected type's extension), with the file's sha256. A file is read back only through :func:`read_document`, which checks that the
case lies in the reader's area and that the bytes still match their sha256; nothing is ever
executed or served from the directory. Replacing a file keeps the old one on disk (the audit
record's *before* names it and its hash).
"""
from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.engine import ROOT
from db.models import Applicant, Application, County, Document, Program, User, utcnow
from lib import catalog, validate
from lib.errors import InvalidInput
from lib.permissions import Action
from lib.text import ltr, to_persian_digits
from lib.workflow import STATE_LABELS, TERMINAL_STATES, State, can_transition
from services.applications import change_state, get_application
from services.base import Actor, audit, snapshot
from services.file_check import Checked, check_file, download_name

__all__ = [
    "UPLOAD_DIR_ENV",
    "MAX_DOCUMENT_BYTES",
    "upload_dir",
    "checklist",
    "CaseBrief",
    "case_brief",
    "DocumentRow",
    "document_status",
    "upload_document",
    "read_document",
    "mark_received",
    "DocumentCheck",
    "check_documents",
    "require_open",
]

# Documents the committee produces, not the applicant (lib.catalog): programme A's Form 2 never makes
# a case «نقص مدارک» at the desk (services.committee.requirements checks it at confirmation).
COMMITTEE_MADE = catalog.COMMITTEE_MADE

UPLOAD_DIR_ENV = "BIMEYAR_UPLOAD_DIR"
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
FILE_MODE = 0o640
DIR_MODE = 0o750

_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
_NOTE_LIMIT = 400


def upload_dir() -> Path:
    """Where uploaded files live: ``BIMEYAR_UPLOAD_DIR`` or ``data/uploads`` in the project."""
    configured = os.environ.get(UPLOAD_DIR_ENV, "").strip()
    return Path(configured) if configured else ROOT / "data" / "uploads"


def checklist(program_code: str) -> dict[str, str]:
    """The documents a programme needs: kind → Persian label."""
    return catalog.DOCUMENTS[program_code]


def require_open(application: Application) -> None:
    """InvalidInput when the case is closed (completed, rejected, withdrawn)."""
    state = State(application.state)
    if state in TERMINAL_STATES:
        raise InvalidInput(
            f"پرونده در وضعیت «{STATE_LABELS[state]}» بسته شده است و مدارک و شرایط آن را نمی‌توان تغییر داد."
        )


def _program_code(session: Session, application: Application) -> str:
    program = session.get(Program, application.program_id)
    assert program is not None
    return program.code


def _kind_label(program_code: str, kind: str) -> str:
    items = checklist(program_code)
    if kind not in items:
        raise InvalidInput("نوع مدرک در فهرست مدارک این برنامه نیست؛ مدرک را از فهرست انتخاب کنید.", field="kind")
    return items[kind]


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class CaseBrief:
    """A case as the documents screen heads it (plain data)."""

    application_id: int
    tracking_code: str
    program: str
    state: str
    applicant_name: str
    national_code: str
    county: str
    discount_holder: bool


def case_brief(session: Session, actor: Actor, *, application_id: int | None = None, tracking_code: str | None = None) -> CaseBrief:
    """Find a case by id or tracking code in the actor's area (InvalidInput / Forbidden)."""
    if application_id is None:
        code = validate.short_code(tracking_code, field="tracking_code", label_fa="کد رهگیری", max_length=20)
        if not code:
            raise InvalidInput("کد رهگیری پرونده را وارد کنید.", field="tracking_code")
        application_id = session.exec(select(Application.id).where(Application.tracking_code == code)).first()
        if application_id is None:
            raise InvalidInput(f"پرونده‌ای با کد رهگیری {ltr(code)} پیدا نشد؛ کد را دوباره بررسی کنید.", field="tracking_code")
    application = get_application(session, actor, application_id)
    applicant = session.get(Applicant, application.applicant_id)
    county = session.get(County, application.county_id)
    assert applicant is not None and county is not None
    return CaseBrief(
        application_id=application.id,  # type: ignore[arg-type]
        tracking_code=application.tracking_code,
        program=_program_code(session, application),
        state=application.state,
        applicant_name=f"{applicant.first_name} {applicant.last_name}",
        national_code=applicant.national_code,
        county=county.name,
        discount_holder=application.discount_holder,
    )


@dataclass(frozen=True)
class DocumentRow:
    """One line of a case's checklist."""

    kind: str
    label: str
    received: bool
    document_id: int | None
    has_file: bool
    original_name: str | None  # as stored (sanitised when uploaded)
    download_name: str | None  # what a download is saved as: sanitised, the stored type's extension
    mime_type: str | None
    size_bytes: int | None
    uploaded_by: str | None  # full name
    uploaded_at: datetime | None


def document_status(session: Session, actor: Actor, application_id: int) -> list[DocumentRow]:
    """The programme's checklist for a case: each document received or missing."""
    application = get_application(session, actor, application_id)
    program_code = _program_code(session, application)
    found = {
        doc.kind: (doc, name)
        for doc, name in session.exec(
            select(Document, User.full_name)
            .join(User, User.id == Document.uploaded_by, isouter=True)
            .where(Document.application_id == application_id)
        ).all()
    }
    rows = []
    for kind, label in checklist(program_code).items():
        doc, name = found.get(kind, (None, None))
        rows.append(
            DocumentRow(
                kind=kind,
                label=label,
                received=bool(doc and doc.received),
                document_id=doc.id if doc else None,
                has_file=bool(doc and doc.stored_name),
                original_name=doc.original_name if doc else None,
                download_name=_served_name(doc) if doc and doc.stored_name else None,
                mime_type=doc.mime_type if doc else None,
                size_bytes=doc.size_bytes if doc else None,
                uploaded_by=name,
                uploaded_at=doc.uploaded_at if doc else None,
            )
        )
    return rows


def read_document(session: Session, actor: Actor, document_id: int) -> tuple[bytes, str, str]:
    """(content, MIME type, download name) of an uploaded file, for a reader in the case's area."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise InvalidInput("مدرکی با این شماره پیدا نشد.")
    get_application(session, actor, doc.application_id)
    if not doc.stored_name:
        raise InvalidInput("این مدرک به صورت کاغذی دریافت شده و فایلی ندارد.")
    root = upload_dir().resolve()
    path = (root / doc.stored_name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise InvalidInput("فایل این مدرک در بایگانی پیدا نشد؛ آن را دوباره بارگذاری کنید.")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != doc.sha256:
        raise InvalidInput("فایل این مدرک در بایگانی تغییر کرده است و قابل اعتماد نیست؛ آن را دوباره بارگذاری کنید.")
    return content, doc.mime_type or "application/octet-stream", _served_name(doc)


def _served_name(doc: Document) -> str:
    """The name a download is saved under, sanitised again (files uploaded before names were
    sanitised keep e.g. ``x.html``) and always with the extension of the stored type."""
    ext = _EXTENSIONS.get(doc.mime_type or "") or Path(doc.stored_name or "").suffix.lstrip(".") or "bin"
    return download_name(doc.original_name, ext)


# --------------------------------------------------------------------------- writing
def _validate_upload(content: bytes) -> Checked:
    if not content:
        raise InvalidInput("فایل خالی است؛ فایل درست مدرک را انتخاب کنید.", field="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InvalidInput(
            f"حجم فایل {to_persian_digits(f'{len(content) / (1024 * 1024):.1f}')} مگابایت است و بیش از "
            f"{to_persian_digits(MAX_DOCUMENT_BYTES // (1024 * 1024))} مگابایت مجاز؛ فایل را کوچک‌تر کنید "
            "(مثلاً با وضوح کمتر اسکن کنید).",
            field="file",
        )
    return check_file(content)


def _store(application_id: int, ext: str, content: bytes) -> tuple[str, Path]:
    """Write the bytes under a fresh random name; return (stored name, path)."""
    folder = upload_dir() / str(application_id)
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    stored_name = f"{application_id}/{uuid.uuid4().hex}.{ext}"
    path = upload_dir() / stored_name
    temporary = folder / f".{uuid.uuid4().hex}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.chmod(temporary, FILE_MODE)  # the umask may have removed bits
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return stored_name, path


def upload_document(session: Session, actor: Actor, application_id: int, kind: str, filename: str, content: bytes) -> Document:
    """Store a scanned document of a case (PDF, PNG or JPEG, ≤ 5 MB); replacing keeps an audit."""
    application = get_application(session, actor, application_id, Action.manage_documents)
    require_open(application)
    _kind_label(_program_code(session, application), kind)
    checked = _validate_upload(content)
    ext, content = checked.ext, checked.content
    doc = session.exec(select(Document).where(Document.application_id == application_id, Document.kind == kind)).first()
    before = snapshot(doc)
    stored_name, path = _store(application_id, ext, content)
    try:
        doc = doc or Document(application_id=application_id, kind=kind)
        doc.received = True
        doc.stored_name = stored_name
        doc.original_name = download_name(filename, ext)
        doc.mime_type = checked.mime
        doc.size_bytes = len(content)
        doc.sha256 = hashlib.sha256(content).hexdigest()
        doc.uploaded_by = actor.id
        doc.uploaded_at = utcnow()
        session.add(doc)
        session.flush()
        action = "document.replace" if before and before.get("stored_name") else "document.upload"
        audit(session, actor, action, "document", doc.id, before=before, after=snapshot(doc))
        session.commit()
    except IntegrityError:
        session.rollback()
        path.unlink(missing_ok=True)
        raise InvalidInput("هم‌زمان مدرک دیگری از همین نوع ثبت شد؛ صفحه را دوباره باز کنید و بررسی کنید.", field="file") from None
    except BaseException:
        session.rollback()
        path.unlink(missing_ok=True)
        raise
    return doc


def mark_received(session: Session, actor: Actor, application_id: int, kind: str, received: bool) -> Document | None:
    """Record that a paper document was (or was not) seen at the desk; None when nothing is
    recorded (unmarking a document that was never received)."""
    application = get_application(session, actor, application_id, Action.manage_documents)
    require_open(application)
    _kind_label(_program_code(session, application), kind)
    doc = session.exec(select(Document).where(Document.application_id == application_id, Document.kind == kind)).first()
    if (doc.received if doc is not None else False) == received:
        return doc
    before = snapshot(doc)
    doc = doc or Document(application_id=application_id, kind=kind)
    doc.received = received
    if doc.stored_name is None:
        doc.uploaded_by = actor.id
        doc.uploaded_at = utcnow()
    session.add(doc)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput("هم‌زمان همین مدرک ثبت شد؛ صفحه را دوباره باز کنید.", field="kind") from None
    audit(session, actor, "document.received", "document", doc.id, before=before, after=snapshot(doc))
    session.commit()
    return doc


@dataclass(frozen=True)
class DocumentCheck:
    """What :func:`check_documents` found and did."""

    missing: tuple[str, ...]  # Persian labels, in checklist order
    state: str  # the case's state afterwards
    moved: bool  # whether the check changed the state
    note: str  # what the check says, in Persian


def check_documents(session: Session, actor: Actor, application_id: int) -> DocumentCheck:
    """Compare a case with its checklist. Missing documents move it to «نقص مدارک» (with a note
    naming them); a complete case in «نقص مدارک» goes back to «دریافت شده». Where the workflow
    allows no such move (a case past the committee), the state stays and the note says why."""
    application = get_application(session, actor, application_id, Action.manage_documents)
    require_open(application)
    program_code = _program_code(session, application)
    received = set(
        session.exec(
            select(Document.kind).where(Document.application_id == application_id, Document.received == True)  # noqa: E712
        ).all()
    )
    missing = tuple(catalog.missing_documents(program_code, received))
    state = State(application.state)
    if missing:
        note = "مدارک ناقص: " + "، ".join(missing)
        target = State.documents_incomplete
    else:
        note = "همه مدارک دریافت شد"
        target = State.received
    note = note if len(note) <= _NOTE_LIMIT else note[: _NOTE_LIMIT - 1] + "…"
    wants_move = (missing and state is not State.documents_incomplete) or (not missing and state is State.documents_incomplete)
    if wants_move and can_transition(program_code, state, target):
        change_state(session, actor, application_id, target, note=note)
        return DocumentCheck(missing, target.value, True, note)
    session.rollback()
    if wants_move:
        note += f" (پرونده در وضعیت «{STATE_LABELS[state]}» است و وضعیت آن با بررسی مدارک تغییر نمی‌کند)"
    return DocumentCheck(missing, state.value, False, note)
