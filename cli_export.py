"""``bimeyar export-run RUN_ID --out FILE.xlsx``: the payment list of a run, from the command line.

Registered by cli.py (``add_commands``, listed in ``COMMAND_MODULES``). The list is the one the payments screen gives
(services.payments.exports.payment_list: only approved or finalised runs, fixed layout,
formula-safe). ``--as USER`` exports as that user (area and role checked like on the screen);
without it the system exports (the administrator's reach, which may export but never moves money).
``--pdf FILE.pdf`` also writes the summary. Bad input prints a Persian message and exits non-zero
and writes nothing: the files are built in memory first and then moved into place.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from lib.errors import InvalidInput
from lib.text import format_number, to_persian_digits


def _actor(session, username: str | None):
    from sqlmodel import select

    from db.models import User
    from services.base import SYSTEM
    from services.users import actor_for

    if not username:
        return SYSTEM
    user = session.exec(select(User).where(User.username == username.strip())).first()
    if user is None or not user.active:
        raise InvalidInput(f"کاربر «\u2066{username}\u2069» پیدا نشد یا غیرفعال است؛ نام کاربری را بررسی کنید.", field="as")
    return actor_for(user)


def _target(raw: str, suffix: str, option: str) -> Path:
    path = Path(raw).expanduser()
    if path.suffix.lower() != suffix:
        raise InvalidInput(f"نام فایل {option} باید با {suffix} تمام شود؛ مثلاً run-12{suffix}", field=option)
    if not path.parent.exists():
        raise InvalidInput(f"پوشه «{path.parent}» وجود ندارد؛ ابتدا آن را بسازید یا مسیر دیگری بدهید.", field=option)
    return path


def _write(path: Path, content: bytes) -> None:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def cmd_export_run(args: argparse.Namespace) -> int:
    from db.engine import make_engine, new_session
    from lib.text import parse_int
    from services.payments.exports import payment_list, summary_pdf

    run_id = parse_int(args.run_id, field="run_id", label_fa="شماره نوبت پرداخت", minimum=1)
    out = _target(args.out, ".xlsx", "--out")
    pdf_out = _target(args.pdf, ".pdf", "--pdf") if args.pdf else None
    engine = make_engine(args.database_url or None)
    try:
        with new_session(engine) as session:
            actor = _actor(session, args.as_user)
            exported = payment_list(session, actor, run_id)
            pdf = summary_pdf(session, actor, run_id) if pdf_out else None
    finally:
        engine.dispose()
    _write(out, exported.content)
    if pdf_out and pdf is not None:
        _write(pdf_out, pdf)
    print(
        f"فهرست پرداخت نوبت {to_persian_digits(run_id)} نوشته شد: {out} — {format_number(exported.lines)} ردیف، "
        f"جمع {format_number(exported.total_rial)} ریال؛ چکیده SHA-256: {exported.checksum}"
    )
    return 0


def add_commands(sub, engine_of=None) -> None:
    """Register ``export-run`` on cli.py's subcommand parsers."""
    p = sub.add_parser(
        "export-run",
        help="write the payment list of an approved or finalised run as .xlsx (SSO and bank layout)",
        description="Write a run's payment list (fixed layout for SSO and the bank; text cells formula-safe). "
        "Only approved or finalised runs. Prints the list's SHA-256, which the summary PDF also carries.",
    )
    p.add_argument("run_id", metavar="RUN_ID", help="the run's number")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--pdf", help="also write the summary PDF to this .pdf file")
    p.add_argument("--as", dest="as_user", metavar="USER", help="export as this user (default: the system)")
    p.set_defaults(func=cmd_export_run)
