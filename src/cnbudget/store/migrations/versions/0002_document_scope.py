"""Document scope (部门 / 单位) and template mark; scope joins the version identity.

Why: a 单位预算 was stored as a new version of the 部门预算 of the same department and year,
which marked the department budget superseded. A document's identity is now (department,
year, kind, scope); existing rows are 部门 documents (the only scope the readers knew) and not
templates. SQLite cannot alter a constraint in place, so the table is rebuilt in batch mode
(which keeps its rows); PostgreSQL alters it directly.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_UQ = "uq_documents_department_id_year_kind_version"
_NEW_UQ = "uq_documents_department_id_year_kind_scope_version"


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(12), server_default="department", nullable=False)
        )
        batch.add_column(
            sa.Column("is_template", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.drop_constraint(_OLD_UQ, type_="unique")
        batch.create_unique_constraint(
            _NEW_UQ, ["department_id", "year", "kind", "scope", "version"]
        )


def downgrade() -> None:
    # Refuses (unique violation) when a department has a 部门 and a 单位 document of one year:
    # the old identity cannot hold both, and dropping one silently would lose a document.
    with op.batch_alter_table("documents") as batch:
        batch.drop_constraint(_NEW_UQ, type_="unique")
        batch.create_unique_constraint(_OLD_UQ, ["department_id", "year", "kind", "version"])
        batch.drop_column("is_template")
        batch.drop_column("scope")
