"""Display helpers for pages: Persian digits, money, Jalali dates, labels, and user text as text."""
import html
import re

from lib.catalog import CHANNELS, label  # noqa: F401
from lib.jalali import format_jalali, format_year_month  # noqa: F401
from lib.permissions import ROLE_LABELS  # noqa: F401
from lib.text import format_number, format_percent_bp, format_rial, ltr, to_persian_digits  # noqa: F401
from lib.workflow import PROGRAM_LABELS, PROGRAM_SHORT_LABELS, STATE_LABELS  # noqa: F401

# Every ASCII punctuation character may be backslash-escaped in CommonMark, and the backslash is
# then not shown. Escaping all of them also covers Streamlit's own additions to Markdown:
# :emoji:, :red[…], :material/icon:, $LaTeX$, and GFM's bare-URL links (http\://…, www\.…).
_MD_SIGNIFICANT = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_LINE_START_SPACES = re.compile(r"^[ \t]+", re.MULTILINE)
# GitHub-flavoured autolinks (http://…, www.…, name@host) are found in the text after escapes are
# resolved, so escaping cannot stop them: an invisible word joiner (U+2060) breaks the pattern.
_AUTOLINK = re.compile(r"(?i)(?:(?<=http)|(?<=https)|(?<=ftp))(?=:)|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md_escape(text: object) -> str:
    """``text`` (as typed by a user) made safe to place inside anything Streamlit renders as
    Markdown — st.markdown/caption/success/info/warning/error/toast, headers, and the labels,
    help texts, expander titles, tabs and metric labels of widgets. The rendered text reads
    exactly as typed: no link, image, HTML, emphasis or heading is ever formed, and no
    backslash is seen. Line breaks are kept as line breaks; ``None`` shows as an empty string.
    A web or e-mail address is not made a link: it gets an invisible word joiner (U+2060)."""
    if text is None:
        return ""
    escaped = _MD_SIGNIFICANT.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, str(text)))
    # Indentation would start a code block; a non-breaking space keeps it without meaning.
    escaped = _LINE_START_SPACES.sub(lambda m: "\u00a0" * len(m.group(0)), escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def html_text(text: object) -> str:
    """``text`` (as typed by a user) made safe inside HTML given to ``st.markdown(...,
    unsafe_allow_html=True)`` or ``st.html``: HTML-escaped, and line breaks as ``<br>`` so
    that no blank line ends the HTML block (after one, Markdown — an image — would render)."""
    if text is None:
        return ""
    return _LINE_BREAKS.sub("<br>", html.escape(str(text), quote=True))
