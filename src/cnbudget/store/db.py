"""Engines and sessions: one place that turns "where is the database" into a SQLAlchemy engine.

Why a module of its own: the CLI (``--db``), the REST API and the tests all name the database the
same three ways — nothing (``./cnbudget.db``, zero set-up), ``$CNBUDGET_DB``, or a URL / bare
path — and SQLite needs the same connection pragmas everywhere (WAL so readers never block the
importer, foreign keys because SQLite ignores them by default).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "DbLike",
    "make_engine",
    "resolve_url",
    "session_factory",
    "session_scope",
]

#: The zero-set-up default: a SQLite file in the working directory.
DEFAULT_URL = "sqlite:///./cnbudget.db"
#: Environment variable naming the database when no URL is given.
ENV_VAR = "CNBUDGET_DB"

#: What the public functions accept as "the database".
DbLike: TypeAlias = str | os.PathLike[str] | URL | Engine | Session | None


def resolve_url(url: str | os.PathLike[str] | URL | None = None) -> URL:
    """The database URL for ``url``, ``$CNBUDGET_DB`` or the default, in that order.

    A value without ``://`` is a file path (``data/budget.db``, ``~/x.db``) and becomes a SQLite
    URL, so users never have to learn the ``sqlite:///`` spelling.
    """
    if url is None or (isinstance(url, str) and not url.strip()):
        url = os.environ.get(ENV_VAR) or DEFAULT_URL
    if isinstance(url, URL):
        return url
    text = os.fspath(url)
    if "://" not in text:
        path = Path(text).expanduser()
        return URL.create("sqlite+pysqlite", database=str(path))
    return make_url(text)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets queries run while an import writes; NORMAL sync is safe with WAL (a power cut
    may lose the last commits, never corrupt) and avoids an fsync per document; foreign keys
    are off in SQLite unless asked for on every connection."""
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        # Checkpoint every ~40 MB instead of ~4 MB: an import writes a few hundred KB per
        # document, and each checkpoint rewrites hot index pages and syncs the file.
        cur.execute("PRAGMA wal_autocheckpoint=10000")
    finally:
        cur.close()


def make_engine(url: str | os.PathLike[str] | URL | None = None, **kwargs: Any) -> Engine:
    """A new engine for ``url`` (see :func:`resolve_url`) with the SQLite pragmas installed.

    PostgreSQL URLs without a driver (``postgresql://``) get psycopg 3, the driver this project
    installs, instead of SQLAlchemy's psycopg2 default.
    """
    u = resolve_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    is_sqlite = u.get_backend_name() == "sqlite"
    if is_sqlite and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if not is_sqlite:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(u, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (results are handed to callers)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(db: DbLike = None) -> Iterator[Session]:
    """A session on ``db``: an existing :class:`Session` (used as is, not closed), an
    :class:`Engine`, or anything :func:`resolve_url` accepts (an engine is made and disposed).

    Read-only helpers use this so that callers may pass whatever they hold.
    """
    if isinstance(db, Session):
        yield db
        return
    owned = not isinstance(db, Engine)
    engine = db if isinstance(db, Engine) else make_engine(db)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        if owned:
            engine.dispose()
