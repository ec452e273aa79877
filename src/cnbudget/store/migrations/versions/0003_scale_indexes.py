"""Scale: the aggregate index of ``amounts`` covers the aggregate (PostgreSQL).

Why, measured (docs/scale.md, 5,078,982 amount rows, 14,640 documents): ``function_totals``
by year found its 183,732 rows through ``ix_amounts_aggregate`` but then read 30,998 heap
blocks (~240 MB) to get ``row_code``, ``row_name`` and ``value``, scattered over every
document's pages: 2.5 s. With those three columns INCLUDEd in the same index the scan is
index-only (the heap is read only for pages not yet all-visible, i.e. until autovacuum has
passed over a fresh load). The index is *replaced*, not added: every index costs each import
insert time, and no query needs the old, narrower one.

SQLite has no INCLUDE and stores are small there: nothing changes on SQLite.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_amounts_aggregate"
_KEYS = ["table_type", "row_kind", "row_level", "column_key", "document_id"]
_INCLUDE = ["row_code", "row_name", "value"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(_NAME, table_name="amounts")
    op.create_index(_NAME, "amounts", _KEYS, postgresql_include=_INCLUDE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(_NAME, table_name="amounts")
    op.create_index(_NAME, "amounts", _KEYS)
