"""A page that writes and then shows data read once per data version (ui.versioned) shows what it
just wrote in the same run: ``ui.context.act`` makes the run read the data version anew. Before, the
payments page recorded SSO's answer and, in the same run, listed «no rejected lines» from the version
read before the write (caught by the browser test of the payment run)."""
from __future__ import annotations

from sqlmodel import select

from db.engine import new_session
from db.models import County
from services.data_version import data_version
from services.users import create_user


def test_a_write_through_act_makes_the_run_read_the_data_version_again(app_db, users, monkeypatch):
    import ui.context as context

    monkeypatch.setattr(context, "require_actor", lambda: users["admin"])
    with new_session(app_db) as session:
        before = data_version(session)
        county = session.exec(select(County).where(County.name == "تهران")).first()
    monkeypatch.setattr(context._RUN, "reads", (before, False), raising=False)  # as the run's account check read it
    assert context.run_version() == before

    made = context.act(create_user, username="new.expert", full_name="کارشناس تازه", password="secret-pass-1",
                       role="county_expert", county_id=county.id)
    assert made is not None
    assert context.run_version() > before  # the audited write raised it, and the run sees that


def test_a_refused_write_keeps_what_the_run_read(app_db, users, monkeypatch):
    import ui.context as context

    monkeypatch.setattr(context, "require_actor", lambda: users["admin"])
    monkeypatch.setattr(context, "st", type("St", (), {"error": staticmethod(lambda *a, **k: None)}))
    monkeypatch.setattr(context._RUN, "reads", (7, False), raising=False)
    assert context.act(create_user, username="BAD NAME", full_name="x", password="secret-pass-1", role="admin") is None
    assert context.run_version() == 7  # nothing was written: no new read
