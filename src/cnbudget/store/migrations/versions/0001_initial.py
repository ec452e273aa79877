"""Initial schema: regions, departments + aliases, blobs, documents (versions), tables, amounts in
long form, parse issues, check runs and findings.

Written by hand to match :mod:`cnbudget.store.schema`; ``test_migrations`` proves it (Alembic's
autogenerate comparison finds no difference on SQLite and PostgreSQL). Constraint names follow
the metadata's naming convention so that later migrations can address them on every backend.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cnbudget.store.types import ExactDecimal, Money

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A 64-bit key for the two big tables; SQLite needs exactly INTEGER for an auto-increment rowid.
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(64), nullable=False),
        sa.Column("city", sa.String(64), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_regions"),
        sa.UniqueConstraint(
            "province", "city", "district", name="uq_regions_province_city_district"
        ),
    )

    op.create_table(
        "departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name="fk_departments_region_id_regions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_departments"),
    )
    op.create_index("ix_departments_region_id", "departments", ["region_id"])

    op.create_table(
        "department_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name="fk_department_aliases_department_id_departments",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name="fk_department_aliases_region_id_regions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_department_aliases"),
        sa.UniqueConstraint("region_id", "name", name="uq_department_aliases_region_id_name"),
    )
    op.create_index("ix_department_aliases_department_id", "department_aliases", ["department_id"])

    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("compression", sa.String(8), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )

    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_name", sa.Text(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publication_date", sa.Date(), nullable=True),
        sa.Column("layout", sa.String(64), nullable=True),
        sa.Column("department_name", sa.String(200), nullable=False),
        sa.Column("department_alias", sa.String(200), nullable=True),
        sa.Column("staff_authorized", sa.Integer(), nullable=True),
        sa.Column("staff_actual", sa.Integer(), nullable=True),
        sa.Column("staff_active", sa.Integer(), nullable=True),
        sa.Column("table_count", sa.Integer(), nullable=False),
        sa.Column("amount_count", sa.Integer(), nullable=False),
        sa.Column("document_json_zlib", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_documents_department_id_departments"
        ),
        sa.ForeignKeyConstraint(["sha256"], ["blobs.sha256"], name="fk_documents_sha256_blobs"),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["documents.id"], name="fk_documents_supersedes_id_documents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint(
            "department_id",
            "year",
            "kind",
            "version",
            name="uq_documents_department_id_year_kind_version",
        ),
        sa.UniqueConstraint("sha256", name="uq_documents_sha256"),
    )
    op.create_index("ix_documents_department_id", "documents", ["department_id"])
    op.create_index("ix_documents_year_kind_current", "documents", ["year", "kind", "is_current"])

    op.create_table(
        "tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("scale", ExactDecimal(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("is_empty", sa.Boolean(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_tables_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_tables"),
        sa.UniqueConstraint("document_id", "position", name="uq_tables_document_id_position"),
    )

    op.create_table(
        "amounts",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=True),
        sa.Column("table_no", sa.Integer(), nullable=True),
        sa.Column("table_type", sa.String(64), nullable=False),
        sa.Column("row_position", sa.Integer(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("side", sa.String(16), nullable=True),
        sa.Column("row_kind", sa.String(16), nullable=False),
        sa.Column("row_key", sa.String(64), nullable=True),
        sa.Column("row_code", sa.String(16), nullable=True),
        sa.Column("row_level", sa.String(4), nullable=True),
        sa.Column("row_name", sa.Text(), nullable=False),
        sa.Column("project", sa.Text(), nullable=True),
        sa.Column("column_key", sa.String(64), nullable=False),
        sa.Column("column_label", sa.Text(), nullable=False),
        sa.Column("value", Money(), nullable=False),
        sa.Column("printed", sa.String(64), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("source_page", sa.Integer(), nullable=True),
        sa.Column("source_cell", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_amounts_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["table_id"], ["tables.id"], name="fk_amounts_table_id_tables", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_amounts"),
    )
    op.create_index(
        "ix_amounts_aggregate",
        "amounts",
        ["table_type", "row_kind", "row_level", "column_key", "document_id"],
    )
    op.create_index("ix_amounts_document", "amounts", ["document_id", "table_no"])

    op.create_table(
        "parse_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_parse_issues_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_parse_issues"),
    )
    op.create_index("ix_parse_issues_document_id", "parse_issues", ["document_id"])

    op.create_table(
        "check_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cnbudget_version", sa.String(32), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("stats_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_check_runs_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_check_runs"),
    )
    op.create_index("ix_check_runs_document_id", "check_runs", ["document_id"])

    op.create_table(
        "findings",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("check_run_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("table_no", sa.Integer(), nullable=True),
        sa.Column("table_type", sa.String(64), nullable=True),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("row_code", sa.String(16), nullable=True),
        sa.Column("row_key", sa.String(64), nullable=True),
        sa.Column("row_name", sa.Text(), nullable=True),
        sa.Column("column_label", sa.Text(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=True),
        sa.Column("expected", ExactDecimal(), nullable=True),
        sa.Column("found", ExactDecimal(), nullable=True),
        sa.Column("difference", ExactDecimal(), nullable=True),
        sa.Column("tolerance", ExactDecimal(), nullable=True),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("message_zh", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("related_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["check_run_id"],
            ["check_runs.id"],
            name="fk_findings_check_run_id_check_runs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name="fk_findings_document_id_documents",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
    )
    op.create_index("ix_findings_check_run_id", "findings", ["check_run_id"])
    op.create_index("ix_findings_document_severity", "findings", ["document_id", "severity"])
    op.create_index("ix_findings_rule", "findings", ["rule"])


def downgrade() -> None:
    for table in (
        "findings",
        "check_runs",
        "parse_issues",
        "amounts",
        "tables",
        "documents",
        "blobs",
        "department_aliases",
        "departments",
        "regions",
    ):
        op.drop_table(table)
