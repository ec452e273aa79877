"""Fixtures of the store tests: every test runs against SQLite and against PostgreSQL.

SQLite gets a fresh file per test. PostgreSQL gets one fresh database per test session, created
on the local server (``127.0.0.1:5432``, or ``$CNBUDGET_TEST_PG``: a URL of any database on the
server to connect to for ``CREATE DATABASE``), migrated once, emptied before each test and
dropped at the end. Without a reachable server those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from cnbudget.store.db import make_engine
from cnbudget.store.migrate import upgrade
from cnbudget.store.schema import metadata

PG_ADMIN_URL = os.environ.get(
    "CNBUDGET_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]

#: The sample's department under its two names (the real disclosure prints both).
NAME = "乌鲁木齐市工业和信息化局"
ALIAS = "乌鲁木齐市大数据发展局"


def _pg_where() -> str:
    u = make_url(PG_ADMIN_URL)
    return f"{u.host or 'localhost'}:{u.port or 5432}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session (dropped afterwards)."""
    try:
        import psycopg
        from psycopg import sql
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        pytest.skip(f"PostgreSQL tests need psycopg: {exc}")
    admin = make_url(PG_ADMIN_URL)
    conninfo = {
        "host": admin.host or "127.0.0.1",
        "port": admin.port or 5432,
        "user": admin.username or "postgres",
        "dbname": admin.database or "postgres",
        "connect_timeout": 3,
    }
    if admin.password:
        conninfo["password"] = admin.password
    name = f"cnbudget_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(f"PostgreSQL not reachable at {_pg_where()}: {first}")
    url = admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _empty(url: str) -> None:
    """Delete every row (children first): each test starts from an empty migrated schema."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(delete(table))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """URL of an empty, migrated store on ``backend``."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("pg_url")
    _empty(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[object]:
    e = make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def write_text(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` as ``name`` in a per-test folder (UTF-8) and return its path."""
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)

    def write(name: str, text: str) -> Path:
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    return write


def variant(
    text: str,
    *,
    name: str | None = None,
    alias: str | None = None,
    drop_alias: bool = False,
    year: int | None = None,
    staff: int | None = None,
    replace: dict[str, str] | None = None,
) -> str:
    """The sample's text with another department name/alias, year, staff count or amounts.

    Names are swapped through a placeholder so that ``name=ALIAS, alias=NAME`` works.
    """
    if drop_alias:
        text = text.replace(f"（{ALIAS}）", "").replace(f"({ALIAS})", "")
    text = text.replace(NAME, "\x00N\x00").replace(ALIAS, "\x00A\x00")
    text = text.replace("\x00N\x00", name or NAME).replace("\x00A\x00", alias or ALIAS)
    if year is not None:
        text = text.replace("2024", str(year))
    if staff is not None:
        assert "人数 292 人" in text
        text = text.replace("人数 292 人", f"人数 {staff} 人")
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text
