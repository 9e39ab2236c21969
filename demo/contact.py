"""What the applicants were told and what they complained of: the SMS of every move (worded
exactly as the services word them) and a few complaints.

Nothing sends SMS yet (the gateway adapter is not built), so every demo message is «queued», as
the services leave it: none claims to have been sent."""
from __future__ import annotations

from demo.paths import DAY
from demo.vocab import COMPLAINTS
from lib.sms_templates import PLACEHOLDERS, state_event
from lib.workflow import ProgramCode, State

_NAME, _TRACKING = "\x01", "\x02"  # stand-ins for a person's name and tracking code in a worded template
TRACKING_STAND_IN = _TRACKING
_NAME_LONGEST = PLACEHOLDERS["نام"].longest
_TRACKING_LONGEST = PLACEHOLDERS["کد_رهگیری"].longest - 2  # ltr() adds two marks


class Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str = "", last_name: str = "", tracking_code: str = ""):
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code


class ContactMixin:
    """Part of :class:`demo.generator.Demo`."""

    def _sms_template(self, state: State, src: State | None, extra: dict, state_message) -> tuple[str, list[str] | None]:
        """(event, text in parts to join with the person's name, its tracking code a stand-in;
        None when that cannot be done) of the message for this move, worded once per move and
        details by ``state_message`` with stand-ins for the name and the tracking code."""
        key = (src, state, tuple(extra.items()))
        hit = self.sms_parts.get(key)
        if hit is None:
            stand_in = Named(_NAME, "", _TRACKING)
            text = state_message(stand_in, stand_in, state, src=src, extra=extra)
            hit = self.sms_parts[key] = (state_event(src, state), text.replace(_NAME + " ", _NAME).split(_NAME)
                                         if text.count(_NAME + " ") == text.count(_NAME) else None)
        return hit

    @staticmethod
    def _fits_template(name: str, tracking: str) -> bool:
        """Whether a name and tracking code can go into a worded template (:meth:`_sms_template`):
        neither would be cut, nor holds a stand-in."""
        return (len(name) <= _NAME_LONGEST and len(tracking) <= _TRACKING_LONGEST and _NAME not in name
                and _TRACKING not in name and _NAME not in tracking and _TRACKING not in tracking)

    def _state_sms(self, named: Named, state: State, src: State | None, extra: dict, state_message) -> tuple[str, str]:
        """(event, text) of the message for this move: exactly ``state_message(named, named, state,
        src=src, extra=extra)``, worded once per move and details with stand-ins for the name and
        the tracking code, which are then put in (a name or code that would be cut, or a stand-in
        in the person's own text, takes the long way)."""
        event, parts = self._sms_template(state, src, extra, state_message)
        name = f"{named.first_name} {named.last_name}"
        tracking = named.tracking_code
        if parts is None or not self._fits_template(name, tracking):
            return event, state_message(named, named, state, src=src, extra=extra)
        return event, name.join(parts).replace(_TRACKING, tracking)

    def _sms(self, applicant_id: int, application_id: int, mobile: str, event: str, body: str, at) -> int | None:
        """Queue a message as services.notify does; its place in the rows (None without a mobile).
        ``at``: the moment as the driver takes it (:class:`demo.paths.Stamps`)."""
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
        opened = times[-1] - DAY * rng.randint(0, 20)
        if opened < times[0]:
            opened = times[0] + 2 * 3600
        status = rng.choices(("open", "resolved", "rejected"), (40, 45, 15))[0]
        resolved_at = opened + DAY * rng.randint(1, 15) if status != "open" else None
        if resolved_at is not None and resolved_at // DAY > self.last_day:
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
            resolution, compensation, expert, self.stamp(opened), self.stamp(resolved_at), county_id, province_id,
            self.stamps.day(opened // DAY + 14),  # the register's suggested deadline (services.complaints)
        ))
