"""The one stylesheet: right to left, the self-hosted Persian font, legible on a projector."""
from __future__ import annotations

import streamlit as st

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
[data-testid="stMetricValue"], [data-testid="stMetricLabel"] { direction: rtl; text-align: right; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
code { direction: ltr; unicode-bidi: isolate; }
/* Vega draws text on a canvas: an inherited rtl direction flips its label alignment */
[data-testid="stVegaLiteChart"], .vega-embed { direction: ltr; }
.bm-demo { background:#fff4d6; border:1px solid #e8c35a; padding:.35rem .8rem; border-radius:.4rem;
  margin-bottom:.6rem; font-size:.95rem; }
.bm-card { background:#ffffff; border:1px solid #dfe7e6; border-radius:.6rem; padding:.9rem 1.1rem; }
.bm-muted { color:#5b6b70; font-size:.92rem; }
</style>
"""


def inject() -> None:
    st.html(CSS)
