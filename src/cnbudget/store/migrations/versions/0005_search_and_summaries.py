"""Scale to 100,000 documents: a search column and pre-aggregated class totals.

Why, measured (docs/scale.md): at 14,640 documents a search ``q=能源`` took 190–1,460 ms (an
``OR`` of ``ILIKE`` over six columns of three joined tables, evaluated on every row) and
whole-country totals by year 1,171 ms (183,732 amount rows summed per call); both grow
linearly with the store. This revision adds

* ``documents.search_text`` — every name a search matches, lower-cased by the database, one
  per line (:mod:`cnbudget.store.aggregates`) — with a ``pg_trgm`` GIN index on PostgreSQL (the
  extension is created here; Debian ships it with the server) and a plain index on SQLite;
* ``documents.search_grams`` (PostgreSQL; NULL on SQLite) — its two-character windows as
  words (function ``cnbudget_bigrams``), trigram-indexed too: a search of two Chinese
  characters (能源) has no trigram of its own, and at 100,000 documents it was the one search
  still reading every row (80–90 ms);
* ``summary_class_totals`` and ``summary_state`` — the sums ``class_totals`` reads for the
  whole country, rebuilt per (year, kind) at the end of each import and lake load;
* ``ix_documents_imported_at`` (imported_at, id) — the API cache's data version (count, max
  id, max imported_at) becomes an index-only scan: 30–65 → 7–12 ms at 100,000 documents.

Both are filled here for the documents already stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cnbudget.store.types import Money

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


#: ``search_grams`` from ``search_text`` (PostgreSQL): the distinct two-character windows
#: without white space, each a space-delimited word. IMMUTABLE: it reads only its argument.
BIGRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION cnbudget_bigrams(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ' ' || coalesce(string_agg(DISTINCT g, ' '), '') || ' '
  FROM (SELECT substr(t, i, 2) AS g FROM generate_series(1, length(t) - 1) AS i) AS w
  WHERE g !~ '[[:space:]]'
$$
"""


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(BIGRAMS_FUNCTION)
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("search_grams", sa.Text(), nullable=True))
    op.create_table(
        "summary_class_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("table_type", sa.String(64), nullable=False),
        sa.Column("row_kind", sa.String(16), nullable=False),
        sa.Column("row_level", sa.String(4), nullable=True),
        sa.Column("row_code", sa.String(16), nullable=True),
        sa.Column("column_key", sa.String(64), nullable=False),
        sa.Column("row_name", sa.Text(), nullable=False),
        sa.Column("value", Money(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_summary_class_totals"),
    )
    op.create_index(
        "ix_summary_class_totals_lookup",
        "summary_class_totals",
        ["table_type", "row_kind", "row_level", "year", "kind"],
    )
    op.create_table(
        "summary_state",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("max_document_id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("year", "kind", name="pk_summary_state"),
    )

    # Fill both for what is stored (the same functions the importer uses afterwards).
    from cnbudget.store.aggregates import rebuild_all_summaries, refresh_search_text

    refresh_search_text(bind)
    rebuild_all_summaries(bind)

    # The index after the backfill: one build instead of one insert per row.
    # The answer cache's data version (count, max id, max imported_at, api/cache.py) on every
    # cached request: an index-only scan instead of a scan of the table.
    op.create_index("ix_documents_imported_at", "documents", ["imported_at", "id"])
    for column in ("search_text", "search_grams"):
        op.create_index(
            f"ix_documents_{column}",
            "documents",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    op.drop_index("ix_documents_imported_at", table_name="documents")
    op.drop_index("ix_documents_search_grams", table_name="documents")
    op.drop_index("ix_documents_search_text", table_name="documents")
    op.drop_table("summary_state")
    op.drop_index("ix_summary_class_totals_lookup", table_name="summary_class_totals")
    op.drop_table("summary_class_totals")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("search_grams")
        batch.drop_column("search_text")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cnbudget_bigrams(text)")
