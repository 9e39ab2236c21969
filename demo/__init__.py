"""Demo data: realistic, clearly marked (``is_demo``), fast to generate, deterministic by seed,
and obeying the same rules as the services.

The generator drives the domain as a user would and so stands above ``services`` (STYLE.md:
«code that drives the services to build something … stands above them»); ``db`` never imports
it. Its parts:

* :mod:`demo.accounts` — the five demo accounts, created through ``services.users``;
* :mod:`demo.people` — applicants and their cases along a walk through ``lib.workflow``;
* :mod:`demo.timeline` — the days of each move, and the committee sessions they wait for;
* :mod:`demo.committees` — sessions, rosters, numbering;
* :mod:`demo.payments` — payment runs, lines and budgets;
* :mod:`demo.introductions` — programme B introductions and quotas;
* :mod:`demo.contact` — SMS and complaints;
* :mod:`demo.generator` — shared state, reference data, writing with :mod:`db.bulk`, and
  :func:`generate_demo`.
"""
from __future__ import annotations

from demo.accounts import (
    DEMO_ACCOUNTS,
    DEMO_COUNTY,
    DEMO_PASSWORD,
    DEMO_PROVINCE,
    DemoAccount,
    create_demo_users,
    demo_area_ids,
    demo_counts,
)
from demo.generator import generate_demo

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_COUNTY",
    "DEMO_PASSWORD",
    "DEMO_PROVINCE",
    "DemoAccount",
    "create_demo_users",
    "demo_area_ids",
    "demo_counts",
    "generate_demo",
]
