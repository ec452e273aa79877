"""The relational schema of the store (SQLAlchemy 2 typed ORM).

Design choices and why:

* **Amounts in long form** (:class:`AmountRow`): one row per printed figure with its table,
  unit, row classification, column and source location, exactly the fields of
  :func:`cnbudget.export.long_rows`. Any aggregate — by 类/款/项, economic class, department,
  region, year — is then one ``GROUP BY`` over ``amounts`` joined to ``documents``; no query
  needs to know the eleven table layouts.
* **Money is exact** (:class:`~cnbudget.store.types.Money`): ``NUMERIC(20,6)`` on PostgreSQL,
  integer millionths on SQLite (which has no decimal type), never a float.
* **Versions instead of updates**: a corrected re-publication (same department, year, kind and
  scope 部门/单位, another file hash) is a new :class:`DocumentRow` with ``version + 1`` and ``supersedes_id``;
  the old one stays and loses ``is_current``. Queries read current versions by default, so a
  correction never double-counts.
* **Departments have aliases**: a bureau printed as 「工业和信息化局（大数据发展局）」 is one
  department under three names (each name, and the full form); aliases are unique within a
  region, so 「朝阳区财政局」 in two cities stays two departments.
* **Raw files are content-addressed** (:class:`BlobRow`, keyed by SHA-256): the exact published
  bytes are kept for provenance, and the hash is also the dedup key ("same file → unchanged").
* Text that may be empty is stored as NULL, except region parts, which are ``''`` so that the
  ``UNIQUE (province, city, district)`` constraint holds (NULLs never collide in SQL).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cnbudget.store.types import ExactDecimal, Money

__all__ = [
    "AmountRow",
    "Base",
    "BlobRow",
    "CheckRunRow",
    "ClassTotalSummaryRow",
    "DepartmentAliasRow",
    "DepartmentRow",
    "DocumentRow",
    "FindingResponseRow",
    "FindingRow",
    "ParseIssueRow",
    "RegionRow",
    "SummaryStateRow",
    "TableRow",
    "metadata",
]

#: Deterministic constraint names, so that the hand-written migration and the ORM agree and a
#: later migration can drop a constraint by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Column sizes: names of bureaus and units are short; project names and row names can be long
# sentences, so they are TEXT.
NAME = 200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


class RegionRow(Base):
    """An administrative region (省/市/区); ``''`` for a level the document does not name."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("province", "city", "district"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(64), default="")

    @property
    def name(self) -> str:
        """Display name, e.g. ``新疆维吾尔自治区/乌鲁木齐市`` (empty levels left out)."""
        return "/".join(p for p in (self.province, self.city, self.district) if p)


class DepartmentRow(Base):
    """A department (部门); its printed names live in :class:`DepartmentAliasRow`."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME), doc="name as first imported (without alias)")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    region: Mapped[RegionRow] = relationship(lazy="joined")
    aliases: Mapped[list[DepartmentAliasRow]] = relationship(
        back_populates="department", cascade="all, delete-orphan"
    )


class DepartmentAliasRow(Base):
    """One printed name of a department: ``name`` / ``alias`` / ``full`` (「A（B）」)."""

    __tablename__ = "department_aliases"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    # Repeated from the department so that the uniqueness "one name per region" is a constraint.
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    name: Mapped[str] = mapped_column(String(NAME))
    kind: Mapped[str] = mapped_column(String(8), doc="name | alias | full")

    department: Mapped[DepartmentRow] = relationship(back_populates="aliases")


class BlobRow(Base):
    """The exact bytes of an imported file, addressed by the SHA-256 of those bytes.

    ``data`` is stored ``zlib``-compressed when ``compression`` says so (text disclosures shrink
    about fivefold); :func:`cnbudget.store.queries.raw_file` returns the original bytes.
    """

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, doc="length of the original bytes")
    compression: Mapped[str] = mapped_column(String(8), doc="zlib | none")
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentRow(Base):
    """One imported disclosure file: a version of (department, year, kind, scope).

    ``scope`` (部门 / 单位) is part of the identity: a 单位预算 of a department's own unit is a
    different document from the 部门预算 that consolidates it, so neither supersedes the other;
    queries count the 部门 one where it exists (:func:`cnbudget.store.queries.counted`).
    ``is_template`` marks a blank template (placeholder names), stored but never counted.
    """

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("department_id", "year", "kind", "scope", "version"),
        Index("ix_documents_year_kind_current", "year", "kind", "is_current"),
        # Trigram GIN on PostgreSQL (``LIKE '%q%'`` of three characters or more); a plain
        # B-tree on SQLite, one entry per document, where search scans anyway.
        Index(
            "ix_documents_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
        # The API cache's data version (count, max id, max imported_at of every document,
        # api/cache.py) read by every cached request: an index-only scan of this instead of
        # the whole table (7–12 ms instead of 30–65 ms at 100,000 documents).
        Index("ix_documents_imported_at", "imported_at", "id"),
        Index(
            "ix_documents_search_grams",
            "search_grams",
            postgresql_using="gin",
            postgresql_ops={"search_grams": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), doc="budget (预算) | final (决算)")
    scope: Mapped[str] = mapped_column(
        String(12), server_default="department", doc="department (部门) | unit (单位)"
    )
    is_template: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), doc="a blank template (placeholder names), never counted"
    )
    version: Mapped[int] = mapped_column(Integer, doc="1 for the first publication")
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id"), doc="the previous version"
    )
    is_current: Mapped[bool] = mapped_column(Boolean, doc="the latest version of its series")
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), unique=True)
    source_name: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    publication_date: Mapped[dt.date | None] = mapped_column(Date)
    layout: Mapped[str | None] = mapped_column(String(64))
    department_name: Mapped[str] = mapped_column(String(NAME), doc="name as printed here")
    department_alias: Mapped[str | None] = mapped_column(String(NAME))
    staff_authorized: Mapped[int | None] = mapped_column(Integer, doc="编制数")
    staff_actual: Mapped[int | None] = mapped_column(Integer, doc="实有人数")
    staff_active: Mapped[int | None] = mapped_column(Integer, doc="在职")
    table_count: Mapped[int] = mapped_column(Integer)
    amount_count: Mapped[int] = mapped_column(Integer)
    # The canonical JSON of the Document (``model_dump_json(exclude_none=True)``, which
    # round-trips exactly), zlib-compressed: ~100 KB of JSON per document would otherwise be
    # the largest part of the store and of every import's write volume.
    # :func:`cnbudget.store.queries.load_document` gives the Document back.
    document_json_zlib: Mapped[bytes] = mapped_column(LargeBinary)
    # Every name the search matches, lower-cased by the database, one per line (migration 0005,
    # :mod:`cnbudget.store.aggregates`): printed name and alias, file name, region parts and
    # every alias of the department. One narrow column instead of ``ILIKE`` over six columns
    # of three joined tables; a ``pg_trgm`` GIN index on PostgreSQL.
    search_text: Mapped[str | None] = mapped_column(Text)
    # PostgreSQL only (NULL on SQLite): " ab bc … " — every two-character window of
    # ``search_text`` without white space, each as a word, so that a trigram index serves a
    # two-character search (能源, 教育), which ``LIKE '%能源%'`` gives pg_trgm no trigram for.
    search_grams: Mapped[str | None] = mapped_column(Text)

    department: Mapped[DepartmentRow] = relationship(lazy="joined")
    supersedes: Mapped[DocumentRow | None] = relationship(remote_side=[id])


class TableRow(Base):
    """A printed table of a document (表 N), in document order."""

    __tablename__ = "tables"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, doc="0-based order in the document")
    number: Mapped[int | None] = mapped_column(Integer, doc="printed table number")
    type: Mapped[str] = mapped_column(String(64), doc="layout table type")
    title: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16), doc="unit printed in the header")
    scale: Mapped[Decimal] = mapped_column(ExactDecimal, doc="printed unit → 万元")
    department: Mapped[str | None] = mapped_column(Text, doc="编制部门 as printed")
    row_count: Mapped[int] = mapped_column(Integer)
    is_empty: Mapped[bool] = mapped_column(Boolean)
    source_line: Mapped[int | None] = mapped_column(Integer)


class AmountRow(Base):
    """One printed amount in long form (the fields of :func:`cnbudget.export.long_rows`).

    Performance-table amounts have no ``table_id``/``table_no`` and a ``table_type`` of
    ``performance_department`` / ``performance_project``, as in the long-form export.
    """

    __tablename__ = "amounts"
    __table_args__ = (
        # Aggregates: WHERE table_type = ? AND row_kind = ? AND row_level = ? AND column_key IN …
        # then join to documents by document_id.
        Index(
            "ix_amounts_aggregate",
            "table_type",
            "row_kind",
            "row_level",
            "column_key",
            "document_id",
            # Covering on PostgreSQL (migration 0003): the aggregate is an index-only scan.
            postgresql_include=["row_code", "row_name", "value"],
        ),
        # Everything of one document (compare, series of one code, cascades) in table order.
        # Deliberately no third index: each one costs every import ~10% of its insert time.
        Index("ix_amounts_document", "document_id", "table_no"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    table_id: Mapped[int | None] = mapped_column(ForeignKey("tables.id", ondelete="CASCADE"))
    table_no: Mapped[int | None] = mapped_column(Integer)
    table_type: Mapped[str] = mapped_column(String(64))
    row_position: Mapped[int] = mapped_column(Integer, doc="0-based row order in its table")
    unit_name: Mapped[str | None] = mapped_column(Text)
    side: Mapped[str | None] = mapped_column(String(16))
    row_kind: Mapped[str] = mapped_column(String(16))
    row_key: Mapped[str | None] = mapped_column(String(64))
    row_code: Mapped[str | None] = mapped_column(String(16))
    row_level: Mapped[str | None] = mapped_column(String(4), doc="类 | 款 | 项")
    row_name: Mapped[str] = mapped_column(Text)
    project: Mapped[str | None] = mapped_column(Text)
    column_key: Mapped[str] = mapped_column(String(64))
    column_label: Mapped[str] = mapped_column(Text, doc="printed header path")
    value: Mapped[Decimal] = mapped_column(Money, doc="exact amount in 万元")
    printed: Mapped[str] = mapped_column(String(64))
    source_line: Mapped[int | None] = mapped_column(Integer)
    source_page: Mapped[int | None] = mapped_column(Integer)
    source_cell: Mapped[str | None] = mapped_column(String(32))


class ParseIssueRow(Base):
    """A warning the reader gave (errors refuse the import, so only warnings are stored)."""

    __tablename__ = "parse_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


class CheckRunRow(Base):
    """One run of :func:`cnbudget.checks.check_document` over a stored document."""

    __tablename__ = "check_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cnbudget_version: Mapped[str] = mapped_column(String(32))
    errors: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[int] = mapped_column(Integer)
    notices: Mapped[int] = mapped_column(Integer)
    stats_json: Mapped[str] = mapped_column(Text, doc="Report.stats as JSON")

    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="check_run", order_by="FindingRow.position"
    )


class FindingRow(Base):
    """One finding of a check run, in the stable shape of :meth:`Finding.flat`."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_document_severity", "document_id", "severity"),
        Index("ix_findings_rule", "rule"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    check_run_id: Mapped[int] = mapped_column(
        ForeignKey("check_runs.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    family: Mapped[str] = mapped_column(String(32))
    table_no: Mapped[int | None] = mapped_column(Integer)
    table_type: Mapped[str | None] = mapped_column(String(64))
    unit_name: Mapped[str | None] = mapped_column(Text)
    row_code: Mapped[str | None] = mapped_column(String(16))
    row_key: Mapped[str | None] = mapped_column(String(64))
    row_name: Mapped[str | None] = mapped_column(Text)
    column_label: Mapped[str | None] = mapped_column(Text)
    sentence: Mapped[str | None] = mapped_column(Text)
    expected: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    found: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    difference: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    tolerance: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    source_line: Mapped[int | None] = mapped_column(Integer)
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    related_json: Mapped[str] = mapped_column(Text, doc="related cells as JSON")

    check_run: Mapped[CheckRunRow] = relationship(back_populates="findings")


class ClassTotalSummaryRow(Base):
    """Pre-aggregated class totals (migration 0005): what a whole-country ``class_totals``
    reads instead of millions of amount rows (1.2 s at 5 M rows, docs/scale.md).

    One row per (year, kind, table type, 类/款/项 item or total row, code, column) of the
    documents :func:`cnbudget.store.queries.counted` counts: the exact sum (``Money``, never a
    float), the smallest printed name and the number of documents. Documents of two years or
    kinds never overlap, so rows add up across years and kinds exactly as the live ``GROUP BY``
    does. Rebuilt per (year, kind) by :func:`cnbudget.store.aggregates.refresh_summaries`.
    """

    __tablename__ = "summary_class_totals"
    __table_args__ = (
        Index(
            "ix_summary_class_totals_lookup", "table_type", "row_kind", "row_level", "year", "kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))
    table_type: Mapped[str] = mapped_column(String(64))
    row_kind: Mapped[str] = mapped_column(String(16), doc="item | total")
    row_level: Mapped[str | None] = mapped_column(String(4), doc="类 | 款 | 项; NULL for total")
    row_code: Mapped[str | None] = mapped_column(String(16))
    column_key: Mapped[str] = mapped_column(String(64))
    row_name: Mapped[str] = mapped_column(Text, doc="min(row_name), as the live query")
    value: Mapped[Decimal] = mapped_column(Money, doc="exact sum in 万元")
    documents: Mapped[int] = mapped_column(Integer, doc="documents with this row")


class SummaryStateRow(Base):
    """Whether the summary of one (year, kind) may be read.

    The importer marks its document's (year, kind) ``stale`` in the document's own transaction;
    a refresh rebuilds stale ones and records ``max_document_id``, the highest document id it
    saw: a document written by anything else (a higher id) makes every summary unusable until
    the next refresh, so queries fall back to the live ``GROUP BY`` instead of a wrong sum.
    """

    __tablename__ = "summary_state"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean)
    max_document_id: Mapped[int] = mapped_column(Integer)
    built_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


#: What a reviewer or the department can say of a finding (``open`` withdraws an earlier answer).
RESPONSE_STATUSES = ("accepted", "explained", "false", "open")


class FindingResponseRow(Base):
    """An answer to a finding: 已接受 (will fix), 已说明 (the figures are right, why), 误报 (false).

    Why keyed by ``finding_key`` (:func:`cnbudget.checks.findings.finding_keys`: rule + place)
    and the document, not by a finding row: re-checks and corrected versions store new finding
    rows, and the answer must follow the finding. Rows are never updated: each answer is a new
    row (who, when, note), so the history stays; the newest one counts. A corrected version
    inherits the answers of the version it supersedes for every finding that recurs there
    (:mod:`cnbudget.store.responses` walks ``supersedes_id``), so nothing is copied at import.
    """

    __tablename__ = "finding_responses"
    __table_args__ = (
        Index("ix_finding_responses_document_key", "document_id", "finding_key"),
        Index("ix_finding_responses_rule", "rule"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    finding_key: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(64), doc="the finding's rule, for rule-quality")
    severity: Mapped[str] = mapped_column(String(8), doc="the finding's severity when answered")
    status: Mapped[str] = mapped_column(String(12), doc="accepted | explained | false | open")
    note: Mapped[str | None] = mapped_column(Text, doc="why (required for explained / false)")
    author: Mapped[str] = mapped_column(String(100), doc="who answered, as they signed")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
