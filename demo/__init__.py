"""Demo data: realistic, clearly marked (``is_demo``), fast to generate, deterministic by seed,
and obeying the same rules as the services (``tests/demo/test_demo_rules.py`` walks a demo
database rule by rule).

``generate_demo(engine, n)`` writes ``n`` demo people and their cases in one transaction:

* people with Persian names, valid unique national codes, mobiles, landlines, addresses: men and
  women in programme A, only women heading their household in programme B;
* one case each along a walk through :data:`lib.workflow.TRANSITIONS` (every state reached), and
  for some a second case: a re-application after a case that ended, or — for women heads of
  household — a case in the other programme, refused while the first still supports them and
  possible once it has ended, so nobody holds two premium supports in one month;
* programme A: score cards, documents (Form 2 from the county committee's decision, never an
  intake paper), eligibility conditions 1–2 confirmed by the expert and 3 by the county
  committee's decision, the county committee proposing months, share and rate and the province
  confirming the same; a completed case cut to the months paid, with its reason (as
  ``services.lifecycle`` completes one); never beyond 60 months a person across cases;
* programme B: eligibility confirmed by the county unit (no committee), introductions to the
  county's SSO branches (demo reference data) numbered as the service numbers letters, some
  refused by SSO (the seat returns), quotas for every year with introductions that cover them;
* committee sessions with their members; payment runs per province, programme and quarter,
  prepared and finalised by the province (demo.province in Tehran) and approved by a manager
  (demo.manager), with live lines; budgets per funding source; queued SMS (nothing sends SMS
  yet); a few complaints.

The generator drives the domain as a user would and so stands above ``services`` (STYLE.md:
«code that drives the services to build something … stands above them»); ``db`` never imports
it. Rows are built as tuples and written with :mod:`db.bulk`. Its parts:

* :mod:`demo.accounts` — the five demo accounts, created through ``services.users``;
* :mod:`demo.people` — people and their cases;
* :mod:`demo.timeline` — the days of each move, and the committee sessions they wait for;
* :mod:`demo.committees` — sessions, rosters, numbering;
* :mod:`demo.payments` — payment runs, lines and budgets;
* :mod:`demo.introductions` — SSO branches, programme B introductions and quotas;
* :mod:`demo.contact` — SMS and complaints;
* :mod:`demo.generator` — shared state, reference data, writing, and :func:`generate_demo`.
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
