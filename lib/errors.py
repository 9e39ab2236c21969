"""The one error type domain code raises for bad input."""


class InvalidInput(ValueError):
    """Input a person can fix. ``message`` is Persian and says what to fix.

    ``field`` optionally names the offending input (an English identifier such as
    ``"national_code"``) so that a form can show the message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class Forbidden(PermissionError):
    """The acting user may not do this (role or area). ``message`` is Persian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message
