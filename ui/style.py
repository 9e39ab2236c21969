"""The one stylesheet: right to left, the self-hosted Persian font, legible on a projector.

Besides direction and type it gives Streamlit's own English strings a Persian form (uploaders,
"No results" in searchable selects, the number input's range tooltip) by hiding the English
text and drawing Persian through ``::after``, and it handles the collapsed sidebar, which
Streamlit slides to the left (into the page when the layout is right to left).

Tables: Streamlit draws ``st.dataframe``/``st.data_editor`` on a canvas (glide-data-grid) that
lays columns out left to right and ignores ``direction``. ``ui.tables`` reverses the column
order so that a frame's first column is on the right; the small script below opens every grid
scrolled to its right end, so that those first columns are the ones in view when a table is
wider than the page."""
from __future__ import annotations

import streamlit as st

from lib.text import to_persian_digits

#: ``server.maxUploadSize`` in .streamlit/config.toml: above every service's own limit, which each
#: uploader states (``ui.widgets.file_input(max_mb=…)``) and its service enforces in Persian.
DEFAULT_UPLOAD_MB = 64

CSS = """
<style>
html, body, .stApp, .stMarkdown, .stText, .stAlert, .stForm, .stTabs, .stExpander,
[data-testid="stSidebar"], [data-testid="stSidebarNav"], label, p, li, h1, h2, h3, h4 {
  direction: rtl;
  text-align: right;
  font-family: Vazirmatn, Tahoma, "Noto Sans Arabic", sans-serif;
}
input, textarea, [data-baseweb="select"] { direction: rtl; text-align: right; }
input[type="password"], input.ltr, .ltr { direction: ltr; text-align: left; unicode-bidi: isolate; }
/* A placeholder is a hint, never mistaken for a value typed */
input::placeholder, textarea::placeholder { color: #8a979b !important; opacity: 1; font-style: italic; }
[data-testid="stMetricValue"], [data-testid="stMetricLabel"] { direction: rtl; text-align: right; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
code { direction: ltr; unicode-bidi: isolate; }
/* Vega draws text on a canvas: an inherited rtl direction flips its label alignment */
[data-testid="stVegaLiteChart"], .vega-embed { direction: ltr; }

/* The collapsed sidebar: Streamlit slides it out to the left by its width, which in a right-to-left
   layout puts its icons and the user's name over the page. Collapsed, it takes no room and shows nothing. */
[data-testid="stSidebar"][data-collapsed="true"],
[data-testid="stSidebar"][aria-expanded="false"] {
  visibility: hidden; transform: none !important; width: 0 !important; min-width: 0 !important; overflow: hidden;
}
/* The «open sidebar» arrow points where the sidebar comes from: the right */
[data-testid="stExpandSidebarButton"] svg, [data-testid="stExpandSidebarButton"] [data-testid="stIconMaterial"],
[data-testid="stSidebarCollapseButton"] [data-testid="stIconMaterial"] { transform: scaleX(-1); }

/* Uploaders: Streamlit's English words in Persian */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p { font-size: 0; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {
  content: "انتخاب فایل"; font-size: .95rem;
}
[data-testid="stFileUploaderDropzoneInstructions"] > div { font-size: 0; }
[data-testid="stFileUploaderDropzoneInstructions"] > div > * { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "فایل را اینجا رها کنید یا «انتخاب فایل» را بزنید — حداکثر %(default_mb)s مگابایت";
  font-size: .875rem; color: #5b6b70;
}
/* "No results" of a searchable select */
[role="listbox"][data-empty="true"] [role="option"] > span { font-size: 0; }
[role="listbox"][data-empty="true"] [role="option"] > span::after { content: "موردی پیدا نشد"; font-size: .95rem; }
/* The number input's range tooltip ("Error: Number is outside the allowed range…") */
[data-testid="stNumberInput"] [role="alert"] { font-size: 0 !important; }
[data-testid="stNumberInput"] [role="alert"]::after {
  content: "این عدد بیرون از بازه مجاز است؛ عددی در بازه گفته‌شده وارد کنید."; font-size: .875rem;
}

.bm-demo { background:#fff4d6; border:1px solid #e8c35a; padding:.35rem .8rem; border-radius:.4rem;
  margin-bottom:.6rem; font-size:.95rem; }
.bm-card { background:#ffffff; border:1px solid #dfe7e6; border-radius:.6rem; padding:.9rem 1.1rem; }
.bm-muted { color:#5b6b70; font-size:.92rem; }
</style>
""" % {"default_mb": to_persian_digits(DEFAULT_UPLOAD_MB)}

# Every table (a glide-data-grid scroller) opens scrolled to its right end, where ui.tables puts
# the first columns; a grid the user has scrolled is left alone, a redrawn grid opens right again.
SCROLL_RIGHT_JS = """
<script>
(function () {
  if (window.__bmRtlGrids) { return; }
  window.__bmRtlGrids = true;
  const seen = new WeakMap();
  function settle() {
    document.querySelectorAll('.dvn-scroller').forEach(function (el) {
      const room = el.scrollWidth - el.clientWidth;
      if (room <= 0) { return; }
      const state = seen.get(el);
      if (state && state.userMoved) { return; }
      if (!state) {
        const s = {userMoved: false, ours: 0};
        seen.set(el, s);
        el.addEventListener('scroll', function () {
          if (Math.abs(el.scrollLeft - s.ours) > 2) { s.userMoved = true; }
        }, {passive: true});
      }
      if (Math.abs(el.scrollLeft - room) > 1) {
        seen.get(el).ours = room;
        el.scrollLeft = room;
      }
    });
  }
  new MutationObserver(settle).observe(document.body, {childList: true, subtree: true});
  setInterval(settle, 500);
  settle();
})();
</script>
"""


def inject() -> None:
    st.html(CSS)
    st.html(SCROLL_RIGHT_JS, unsafe_allow_javascript=True)


def upload_limit_css(key: str, max_mb: int, types: list[str]) -> str:
    """The Persian line under one keyed uploader: its own size limit and file types."""
    kinds = "، ".join(t.upper() for t in types)
    return (
        f'<style>.st-key-{key} [data-testid="stFileUploaderDropzoneInstructions"] > div::after '
        f'{{ content: "فایل را اینجا رها کنید یا «انتخاب فایل» را بزنید — {kinds}، حداکثر '
        f'{to_persian_digits(max_mb)} مگابایت"; }}</style>'
    )
