"""Fixtures of the export tests: the store's SQLite/PostgreSQL fixtures, reused as they are, for
the exports that read a whole store."""

from cnbudget.store.conftest import (  # noqa: F401 - fixtures re-exported for these tests
    backend,
    db_url,
    engine,
    pg_url,
    write_text,
)
