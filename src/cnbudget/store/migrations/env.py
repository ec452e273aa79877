"""Alembic environment of the cnbudget store.

Why it looks like this: migrations are run by the library itself
(:func:`cnbudget.store.migrate.upgrade`), not by an ``alembic.ini`` in a checkout, so the
connection is handed over in ``config.attributes["connection"]``; the ``sqlalchemy.url`` option
is only a fallback for the ``alembic`` command line. SQLite runs in batch mode so that later
migrations can alter columns there (SQLite's ALTER TABLE cannot).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cnbudget.store.db import make_engine
from cnbudget.store.schema import metadata

config = context.config
target_metadata = metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``) instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
