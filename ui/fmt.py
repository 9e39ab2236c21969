"""Display helpers for pages: Persian digits, money, Jalali dates, labels."""
from lib.catalog import CHANNELS, label  # noqa: F401
from lib.jalali import format_jalali, format_year_month  # noqa: F401
from lib.permissions import ROLE_LABELS  # noqa: F401
from lib.text import format_number, format_percent_bp, format_rial, ltr, to_persian_digits  # noqa: F401
from lib.workflow import PROGRAM_LABELS, PROGRAM_SHORT_LABELS, STATE_LABELS  # noqa: F401
