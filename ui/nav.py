"""Navigation built from the role: a page is registered only if the role may use it."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.permissions import Action, can
from services.base import Actor


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    action: Action | None  # None: every signed-in user
    section: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "خانه", ":material/home:", None, "پیشخوان", default=True),
    # -- intake and import (پذیرش)
    # -- cases and scoring (پرونده‌ها و امتیازدهی)
    # -- committee (کمیته)
    # -- programme B introductions and quotas (برنامه ب)
    PageSpec("pages/users.py", "کاربران", ":material/group:", Action.manage_users, "مدیریت سامانه"),
    PageSpec("pages/audit.py", "رویدادنگار", ":material/history:", Action.view_audit, "مدیریت سامانه"),
    PageSpec("pages/account.py", "حساب کاربری", ":material/person:", None, "کاربر"),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    return [p for p in PAGES if p.action is None or can(actor.role, p.action)]


def navigation_for(actor: Actor) -> dict[str, list]:
    sections: dict[str, list] = {}
    for spec in pages_for(actor):
        page = st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
        sections.setdefault(spec.section, []).append(page)
    return sections
