"""What the applicants were told and what they complained of: the SMS of every move (worded
exactly as the services word them) and a few complaints.

Nothing sends SMS yet (the gateway adapter is not built), so every demo message is «queued», as
the services leave it: none claims to have been sent."""
from __future__ import annotations

from datetime import timedelta

from demo.vocab import COMPLAINTS
from lib.workflow import ProgramCode, State


class Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str = "", last_name: str = "", tracking_code: str = ""):
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


class ContactMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _sms(self, applicant_id: int, application_id: int, mobile: str, event: str, body: str, at) -> int | None:
        """Queue a message as services.notify does; its place in the rows (None without a mobile)."""
        if not mobile:  # as services.notify.queue_state_sms: nothing without a mobile
            return None
        self.rows["notification"].append((
            self._next("notification"), applicant_id, application_id, "sms", mobile, event,
            body, "queued", at, None,
        ))
        return len(self.rows["notification"]) - 1

    def _complaint(self, program: str, application_id: int, applicant_id: int, channel: str, expert, times,
                   county_id: int, province_id: int) -> None:
        rng = self.rng
        if rng.random() >= (0.03 if program == "B" else 0.015):
            return
        subject, body = rng.choice(COMPLAINTS[ProgramCode(program)])
        opened = times[-1] - timedelta(days=rng.randint(0, 20))
        if opened < times[0]:
            opened = times[0] + timedelta(hours=2)
        status = rng.choices(("open", "resolved", "rejected"), (40, 45, 15))[0]
        resolved_at = opened + timedelta(days=rng.randint(1, 15)) if status != "open" else None
        if resolved_at is not None and resolved_at.toordinal() > self.last_day:
            status, resolved_at = "open", None
        resolution = {
            "resolved": "موضوع بررسی و پرونده در نوبت رسیدگی قرار گرفت؛ نتیجه با پیامک اعلام شد.",
            "rejected": "پس از بررسی، رسیدگی مطابق دستورالعمل انجام شده بود.",
        }.get(status)
        compensation = (
            "معرفی خارج از نوبت به شعبه و پیگیری تلفنی" if status == "resolved" and program == "B" else None
        )
        self.rows["complaint"].append((
            self._next("complaint"), application_id, applicant_id, channel, subject, body, status,
            resolution, compensation, expert, opened, resolved_at, county_id, province_id,
            (opened + timedelta(days=14)).date(),  # the register's suggested deadline (services.complaints)
        ))
