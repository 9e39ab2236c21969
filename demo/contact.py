"""What the applicants were told: the SMS of every move (worded as the services word them)."""
from __future__ import annotations


class Named:
    """What :func:`services.notify.state_message` reads of an applicant and a case."""

    __slots__ = ("first_name", "last_name", "tracking_code")

    def __init__(self, first_name: str = "", last_name: str = "", tracking_code: str = ""):
        self.first_name, self.last_name, self.tracking_code = first_name, last_name, tracking_code
