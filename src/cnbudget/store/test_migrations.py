"""The hand-written migration creates exactly the ORM's schema, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from cnbudget.store.db import DEFAULT_URL, ENV_VAR, make_engine, resolve_url
from cnbudget.store.migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    downgrade,
    head,
    upgrade,
)
from cnbudget.store.schema import metadata


def _diffs(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def test_migrated_schema_equals_orm_metadata(db_url: str) -> None:
    assert current_revision(db_url) == head()
    assert _diffs(db_url) == []


def test_compare_would_notice_a_difference(db_url: str) -> None:
    """Guard against a vacuous comparison: a table missing from the database is reported."""
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            metadata.tables["parse_issues"].drop(conn)
        diffs = _diffs(db_url)
        assert any(d[0] == "add_table" and d[1].name == "parse_issues" for d in diffs)
        with engine.begin() as conn:
            metadata.tables["parse_issues"].create(conn)
    finally:
        engine.dispose()
    assert _diffs(db_url) == []


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    engine = make_engine(db_url)
    try:
        left = set(inspect(engine).get_table_names()) & set(metadata.tables)
        assert left == set()
    finally:
        engine.dispose()
    upgrade(db_url)
    upgrade(db_url)  # idempotent at head
    assert current_revision(db_url) == head()
    assert _diffs(db_url) == []


def test_migrations_ship_inside_the_package() -> None:
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert (MIGRATIONS_DIR / "versions" / "0002_document_scope.py").is_file()
    chain = [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    assert chain[-2:] == ["0002", "0001"]  # later revisions chain onto 0002


def test_resolve_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert resolve_url(None).render_as_string() == DEFAULT_URL
    monkeypatch.setenv(ENV_VAR, "postgresql+psycopg://u@h:5433/budget")
    assert resolve_url(None).get_backend_name() == "postgresql"
    assert resolve_url("").database == "budget"
    bare = resolve_url(tmp_path / "sub" / "x.db")
    assert bare.get_backend_name() == "sqlite"
    assert bare.database == str(tmp_path / "sub" / "x.db")
    assert resolve_url("sqlite:///rel.db").database == "rel.db"


def test_bare_path_creates_a_sqlite_store_with_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "new" / "budget.db"
    upgrade(str(path))
    assert path.is_file()
    engine = make_engine(str(path))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
