"""Answers to findings (审核答复): accepted / explained / false, with who, when and a note.

Why a table of its own, append-only: the answer belongs to the finding's place (rule +
location key), not to a finding row that a re-check replaces, and the review round needs the
history (who said what when). See :class:`cnbudget.store.schema.FindingResponseRow`.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "finding_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey(
                "documents.id",
                ondelete="CASCADE",
                name="fk_finding_responses_document_id_documents",
            ),
            nullable=False,
        ),
        sa.Column("finding_key", sa.String(40), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_finding_responses"),
    )
    op.create_index(
        "ix_finding_responses_document_key", "finding_responses", ["document_id", "finding_key"]
    )
    op.create_index("ix_finding_responses_rule", "finding_responses", ["rule"])


def downgrade() -> None:
    op.drop_index("ix_finding_responses_rule", table_name="finding_responses")
    op.drop_index("ix_finding_responses_document_key", table_name="finding_responses")
    op.drop_table("finding_responses")
