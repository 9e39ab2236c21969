"""Run Alembic programmatically (the CLI, the app's first start and the tests use this)."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url

from db.engine import ROOT, make_engine, migrate_database_url


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade ``engine``'s database. When ``BIMEYAR_MIGRATE_DATABASE_URL`` names the same
    PostgreSQL database with another role (the owner), the upgrade runs as that owner, and the
    app's role (``engine``'s user) is then granted what it needs (db/roles.py)."""
    owner = owner_engine_for(engine)
    target = owner or engine
    cfg = alembic_config(target)
    with target.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if owner is not None:
            from db.roles import grant_app_role

            grant_app_role(conn, str(make_url(engine.url).username))
    if owner is not None:
        owner.dispose()


def owner_engine_for(engine: Engine) -> Engine | None:
    """An engine for the owner role, if one is configured for ``engine``'s database under another user."""
    url = migrate_database_url()
    if not url or engine.dialect.name != "postgresql":
        return None
    owner, app = make_url(url), make_url(engine.url)
    same_database = (owner.host, owner.port or 5432, owner.database) == (app.host, app.port or 5432, app.database)
    if not same_database or owner.username == app.username:
        return None
    return make_engine(url)


def check(engine: Engine) -> None:
    """Raise if the models and the migrated schema differ (``alembic check``)."""
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.check(cfg)
