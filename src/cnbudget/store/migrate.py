"""Apply the store's Alembic migrations from Python.

Why programmatic: the store must work from an installed package with zero set-up (the first
``cnbudget import`` creates ``./cnbudget.db``), so there is no ``alembic.ini`` to find. The
:class:`~alembic.config.Config` is built here with ``script_location`` pointing at the
``migrations`` folder inside this package, and the connection is passed in directly (a URL in an
ini option would need ``%`` escaped).
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL

from cnbudget.store.db import make_engine

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "downgrade", "head", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

UrlLike = str | os.PathLike[str] | URL | Engine | None


def alembic_config() -> Config:
    """An Alembic config for this package's migrations (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head() -> str:
    """The newest revision the code knows."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


def _run(url: UrlLike, fn: str, revision: str) -> None:
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                _sqlite_foreign_keys(conn, on=False)
            try:
                with conn.begin():
                    cfg = alembic_config()
                    cfg.attributes["connection"] = conn
                    getattr(command, fn)(cfg, revision)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
            finally:
                if sqlite:
                    _sqlite_foreign_keys(conn, on=True)
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def _sqlite_foreign_keys(conn: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign keys off for a migration, and back on after it.

    Why: SQLite alters a table by rebuilding it (Alembic's batch mode: copy, ``DROP``, rename),
    and with foreign keys on, ``DROP TABLE documents`` first deletes every row — which
    ``ON DELETE CASCADE`` would carry into every table and amount. The pragma only takes effect
    outside a transaction, so it is set (and checked) before the migration's transaction.
    """
    conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    conn.commit()
    state = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
    conn.commit()
    if bool(state) != on:
        raise RuntimeError(f"cannot switch SQLite foreign keys {'on' if on else 'off'}")


def upgrade(url: UrlLike = None, revision: str = "head") -> None:
    """Bring the database at ``url`` (or ``$CNBUDGET_DB``, or ``./cnbudget.db``) to ``revision``.

    Idempotent: at head it only reads the version table.
    """
    _run(url, "upgrade", revision)


def downgrade(url: UrlLike = None, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``base`` drops every table of the store)."""
    _run(url, "downgrade", revision)


def current_revision(url: UrlLike = None) -> str | None:
    """The revision the database is at (``None`` when it was never migrated)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        if not isinstance(url, Engine):
            engine.dispose()


def is_at_head(url: UrlLike = None) -> bool:
    """Whether the schema is current (what :func:`upgrade` would leave unchanged)."""
    return current_revision(url) == head()
