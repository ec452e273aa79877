"""What keeps search and whole-country totals fast at 100,000 documents (docs/scale.md).

Two denormalisations, each kept exact by the code that writes the store:

* **Search text** (``documents.search_text``): every name a search matches — the printed
  department name and alias, the file name, the region's 省/市/区 and every alias of the
  department — joined by newlines and lower-cased *by the database* (``lower()``, the very
  function ``ILIKE`` applies to both sides on PostgreSQL; on SQLite ``lower()`` and ``LIKE``
  both fold ASCII only). ``search_text LIKE lower('%q%')`` is then exactly the old ``OR`` of
  ``ILIKE`` over six columns of three joined tables and an alias sub-query, as long as ``q``
  holds no newline (callers fall back to the old condition then). Why lower-cased in the
  column: ``ILIKE`` lower-cases every row for every search (5× the time of ``LIKE`` on
  Chinese text, measured: 110 vs 21 ms over 100,000 rows). Written by the importer with each
  document; when a document adds an alias to a department that has other documents, theirs
  are rewritten too (:func:`refresh_search_text`), so a renamed bureau is still found under
  every name. Migration 0005 fills existing rows.
* **Class totals** (:class:`~cnbudget.store.schema.ClassTotalSummaryRow`): the sums of
  :func:`cnbudget.store.queries.class_totals` per (year, kind, table, item/total, level, code,
  column) over the documents :func:`~cnbudget.store.queries.counted` counts. The importer marks
  the (year, kind) of each stored document stale in the same transaction; the end of an import
  (and of ``cnbudget lake load``) rebuilds the stale ones (:func:`refresh_summaries`). A single
  upload instead follows its change by a delta (:func:`apply_summary_delta`), exact and ~50×
  cheaper than a rebuild at 100,000 documents.
  :func:`summary_rows` answers only when every summary it needs is fresh, else ``None`` and the
  caller runs the live ``GROUP BY``: a stale summary is slow, never wrong.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from cnbudget.store.schema import (
    AmountRow,
    ClassTotalSummaryRow,
    DepartmentAliasRow,
    DepartmentRow,
    DocumentRow,
    RegionRow,
    SummaryStateRow,
)

__all__ = [
    "SEARCH_SEPARATOR",
    "SUMMARY_TABLES",
    "apply_summary_delta",
    "counted_ids",
    "like_pattern",
    "mark_stale",
    "rebuild_all_summaries",
    "refresh_search_text",
    "refresh_summaries",
    "search_match",
    "search_text",
    "summary_rows",
]

#: Between two names in ``search_text``: a query holding it cannot use the column.
SEARCH_SEPARATOR = "\n"

#: Table types summarised: those of :func:`~cnbudget.store.queries.function_totals` and
#: :func:`~cnbudget.store.queries.economic_totals`; any other type runs live.
SUMMARY_TABLES = ("expenditure_summary", "general_basic")
_SUMMARY_ROW_KINDS = ("item", "total")

_DOCS = DocumentRow.__table__
_STATE = SummaryStateRow.__table__
_SUMMARY = ClassTotalSummaryRow.__table__


# --------------------------------------------------------------------------------------------
# Search text


def search_text(
    *,
    department_name: str | None,
    department_alias: str | None,
    source_name: str | None,
    province: str,
    city: str,
    district: str,
    aliases: Iterable[str] = (),
) -> str:
    """The names of one document as stored (before the database lower-cases them)."""
    out: list[str] = []
    for part in (
        department_name,
        department_alias,
        source_name,
        province,
        city,
        district,
        *aliases,
    ):
        if part and part not in out:
            out.append(part)
    return SEARCH_SEPARATOR.join(out)


def like_pattern(q: str) -> str:
    """``%q%`` with ``/`` escaping ``%``, ``_`` and itself (use with ``escape="/"``), so that
    those characters in a search are literal, as ``icontains(autoescape=True)`` made them."""
    return "%" + q.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def search_match(q: str, dialect: str = "sqlite") -> Any:
    """``documents.search_text`` contains ``q`` case-insensitively (the database's ``lower()``
    on both sides). ``q`` must not contain :data:`SEARCH_SEPARATOR`.

    On PostgreSQL a two-character ``q`` without white space also requires its window among
    ``search_grams`` — implied by the first condition (every window of the text is there), so
    the documents are the same, but the trigram index can find them.
    """
    cond = DocumentRow.search_text.like(func.lower(literal(like_pattern(q))), escape="/")
    if dialect == "postgresql" and len(q) == 2 and not any(c.isspace() for c in q):
        word = "% " + like_pattern(q)[1:-1] + " %"
        cond = and_(DocumentRow.search_grams.like(func.lower(literal(word)), escape="/"), cond)
    return cond


def names_contain(q: str) -> Any:
    """Any of a document's names (department, alias, source file, region levels, the
    department's other names) contains ``q`` case-insensitively — what ``search_text`` holds,
    asked column by column. Needs ``departments`` and ``regions`` joined; slow at scale (no
    index serves ``ILIKE '%q%'`` on seven columns), so only for a ``q`` :func:`search_match`
    cannot take."""
    return or_(
        DocumentRow.department_name.icontains(q, autoescape=True),
        DocumentRow.department_alias.icontains(q, autoescape=True),
        DocumentRow.source_name.icontains(q, autoescape=True),
        RegionRow.province.icontains(q, autoescape=True),
        RegionRow.city.icontains(q, autoescape=True),
        RegionRow.district.icontains(q, autoescape=True),
        DocumentRow.department_id.in_(
            select(DepartmentAliasRow.department_id).where(
                DepartmentAliasRow.name.icontains(q, autoescape=True)
            )
        ),
    )


def _grams(conn: Connection, text: Any) -> Any:
    """``search_grams`` of a ``search_text`` expression: PostgreSQL only, NULL elsewhere."""
    return func.cnbudget_bigrams(text) if conn.dialect.name == "postgresql" else None


def _department_parts(
    conn: Connection, department_ids: Sequence[int]
) -> tuple[dict[int, tuple[str, str, str]], dict[int, list[str]]]:
    """Region parts and alias names (in the order they were recorded) of departments: one
    statement per 500 (the importer asks once per document, so one round trip)."""
    regions: dict[int, tuple[str, str, str]] = {}
    aliases: dict[int, list[str]] = defaultdict(list)
    for i in range(0, len(department_ids), 500):
        chunk = list(department_ids[i : i + 500])
        for d, p, c, di, name in conn.execute(
            select(
                DepartmentRow.id,
                RegionRow.province,
                RegionRow.city,
                RegionRow.district,
                DepartmentAliasRow.name,
            )
            .join(RegionRow, RegionRow.id == DepartmentRow.region_id)
            .outerjoin(DepartmentAliasRow, DepartmentAliasRow.department_id == DepartmentRow.id)
            .where(DepartmentRow.id.in_(chunk))
            .order_by(DepartmentRow.id, DepartmentAliasRow.id)
        ):
            regions[d] = (p, c, di)
            if name is not None:
                aliases[d].append(name)
    return regions, aliases


#: (province, city, district, alias names) of one department: what its documents' search
#: text takes from the department.
DepartmentParts = tuple[str, str, str, tuple[str, ...]]


def department_parts(conn: Connection, department_id: int) -> DepartmentParts:
    """The region parts and alias names of one department (one statement)."""
    regions, aliases = _department_parts(conn, [department_id])
    p, c, d = regions[department_id]
    return p, c, d, tuple(aliases.get(department_id, []))


def department_search_values(
    conn: Connection,
    parts: DepartmentParts,
    *,
    department_name: str | None,
    department_alias: str | None,
    source_name: str | None,
) -> dict[str, Any]:
    """``search_text`` and ``search_grams`` (SQL ``lower()`` of bound text, and its windows on
    PostgreSQL) of a new document of the department ``parts`` describes, for the importer's
    INSERT."""
    p, c, d, aliases = parts
    text = func.lower(
        literal(
            search_text(
                department_name=department_name,
                department_alias=department_alias,
                source_name=source_name,
                province=p,
                city=c,
                district=d,
                aliases=aliases,
            )
        )
    )
    return {"search_text": text, "search_grams": _grams(conn, text)}


def refresh_search_text(
    conn: Connection, department_ids: Iterable[int] | None = None, *, batch: int = 2000
) -> int:
    """Rewrite ``search_text`` of every document of ``department_ids`` (all documents when
    ``None``); returns how many. Used when a department gains an alias, by migration 0005 and
    after synthetic copies (``benchmarks/bench_batch.py --multiply``)."""
    cols = (
        DocumentRow.id,
        DocumentRow.department_id,
        DocumentRow.department_name,
        DocumentRow.department_alias,
        DocumentRow.source_name,
    )
    if department_ids is None:
        depts = list(conn.execute(select(DepartmentRow.id)).scalars())
    else:
        depts = sorted(set(department_ids))
    stmt = (
        update(_DOCS)
        .where(_DOCS.c.id == bindparam("b_id"))
        .values(
            search_text=func.lower(bindparam("b_text")),
            search_grams=_grams(conn, func.lower(bindparam("b_text"))),
        )
    )
    n = 0
    for i in range(0, len(depts), batch):
        chunk = depts[i : i + batch]
        regions, aliases = _department_parts(conn, chunk)
        params = []
        for j in range(0, len(chunk), 500):
            for doc_id, dept, name, alias, source in conn.execute(
                select(*cols).where(DocumentRow.department_id.in_(chunk[j : j + 500]))
            ):
                p, c, d = regions[dept]
                params.append(
                    {
                        "b_id": doc_id,
                        "b_text": search_text(
                            department_name=name,
                            department_alias=alias,
                            source_name=source,
                            province=p,
                            city=c,
                            district=d,
                            aliases=aliases.get(dept, []),
                        ),
                    }
                )
        if params:
            conn.execute(stmt, params)
            n += len(params)
    return n


# --------------------------------------------------------------------------------------------
# Summaries of class totals


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def mark_stale(conn: Connection, year: int, kind: str) -> None:
    """Mark the summary of (year, kind) stale, in the caller's transaction (the importer's,
    for each document it stores): one upsert."""
    values = {"year": year, "kind": kind, "stale": True, "max_document_id": 0, "built_at": None}
    name = conn.dialect.name
    if name in ("postgresql", "sqlite"):
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        stmt = dialect_insert(_STATE).values(**values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[_STATE.c.year, _STATE.c.kind], set_={"stale": True}
            )
        )
        return
    done = conn.execute(
        update(_STATE).where(_STATE.c.year == year, _STATE.c.kind == kind).values(stale=True)
    ).rowcount
    if not done:
        conn.execute(insert(_STATE).values(**values))


def _summary_select(year: int, kind: str) -> Any:
    from cnbudget.store.queries import counted

    level = case((AmountRow.row_kind == "item", AmountRow.row_level), else_=None)
    keys = (
        DocumentRow.year,
        DocumentRow.kind,
        AmountRow.table_type,
        AmountRow.row_kind,
        level,
        AmountRow.row_code,
        AmountRow.column_key,
    )
    return (
        select(
            *keys,
            func.min(AmountRow.row_name),
            func.sum(AmountRow.value),
            func.count(distinct(AmountRow.document_id)),
        )
        # no join to departments and regions: every document has both (NOT NULL foreign
        # keys), the live query's inner joins drop nothing, and here they cost hash joins
        .join(DocumentRow, DocumentRow.id == AmountRow.document_id)
        .where(
            DocumentRow.year == year,
            DocumentRow.kind == kind,
            AmountRow.table_type.in_(SUMMARY_TABLES),
            AmountRow.row_kind.in_(_SUMMARY_ROW_KINDS),
            counted(),
        )
        .group_by(*keys)
    )


_SUMMARY_COLUMNS = [
    "year",
    "kind",
    "table_type",
    "row_kind",
    "row_level",
    "row_code",
    "column_key",
    "row_name",
    "value",
    "documents",
]


def refresh_summaries(conn: Connection) -> list[tuple[int, str]]:
    """Rebuild every stale (year, kind) summary in the caller's transaction and record the
    highest document id seen; returns the (year, kind) rebuilt.

    Each (year, kind) state row is locked first (``FOR UPDATE`` on PostgreSQL), so two
    refreshes, or a refresh and an importer marking the same year, take turns.
    """
    if conn.dialect.name == "postgresql":
        # One (year, kind) at 100,000 documents groups ~1.1 M rows: in memory rather than an
        # external sort on disk, and without ~330 ms of JIT compilation (measured, docs/scale.md).
        # SET LOCAL: this transaction only.
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        conn.exec_driver_sql("SET LOCAL jit = off")
    top = conn.execute(select(func.max(DocumentRow.id))).scalar() or 0
    stale = conn.execute(select(_STATE.c.year, _STATE.c.kind).where(_STATE.c.stale.is_(True))).all()
    if stale and conn.dialect.name == "postgresql":
        _analyze_if_unknown(conn, top)
    done: list[tuple[int, str]] = []
    for year, kind in stale:
        lock = select(_STATE.c.stale).where(_STATE.c.year == year, _STATE.c.kind == kind)
        if conn.dialect.name == "postgresql":
            lock = lock.with_for_update()
        if not conn.execute(lock).scalar():
            continue  # another refresh did it meanwhile
        conn.execute(delete(_SUMMARY).where(_SUMMARY.c.year == year, _SUMMARY.c.kind == kind))
        conn.execute(insert(_SUMMARY).from_select(_SUMMARY_COLUMNS, _summary_select(year, kind)))
        conn.execute(
            update(_STATE)
            .where(_STATE.c.year == year, _STATE.c.kind == kind)
            .values(stale=False, built_at=_now())
        )
        done.append((year, kind))
    # Every summary not stale now is right up to ``top``: whatever was stored through the
    # importer since the last refresh marked its own (year, kind).
    conn.execute(update(_STATE).where(_STATE.c.stale.is_(False)).values(max_document_id=top))
    return done


def _analyze_if_unknown(conn: Connection, top: int) -> None:
    """``ANALYZE documents`` when PostgreSQL's statistics know of fewer than half the rows
    (a bulk load, a fresh store): planned for one document per year, the summary's
    correlated ``counted()`` test became a nested loop over the whole year for every document
    — 10 minutes and more at 100,000 documents, against ~5 s with statistics. ANALYZE samples
    at most 30,000 rows (~0.1 s) and may run inside the transaction."""
    known = conn.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE oid = 'documents'::regclass"
    ).scalar()
    if known is None or known < top / 2:
        conn.exec_driver_sql("ANALYZE documents")


#: Keys whose representative name a removal may change, beyond which a delta is not worth it
#: (each costs one look-up of the remaining names) and the (year, kind) is rebuilt instead.
MAX_NAME_PROBES = 20


def counted_ids(conn: Connection, department_id: int, year: int, kind: str) -> set[int]:
    """The documents of one department, year and kind that totals count. ``counted()`` of a
    document depends on these documents only, so the ids before and after storing one
    document are all a summary needs to follow it (:func:`apply_summary_delta`)."""
    from cnbudget.store.queries import counted

    return set(
        conn.scalars(
            select(DocumentRow.id).where(
                DocumentRow.department_id == department_id,
                DocumentRow.year == year,
                DocumentRow.kind == kind,
                counted(),
            )
        )
    )


def _doc_key_rows(conn: Connection, ids: set[int]) -> dict[tuple[Any, ...], tuple[str, Any, int]]:
    """Per summary key (table, item/total, level, code, column): the documents' min name,
    sum and number of documents, as the summary's own ``GROUP BY`` computes them."""
    if not ids:
        return {}
    level = case((AmountRow.row_kind == "item", AmountRow.row_level), else_=None)
    keys = (
        AmountRow.table_type,
        AmountRow.row_kind,
        level,
        AmountRow.row_code,
        AmountRow.column_key,
    )
    rows = conn.execute(
        select(
            *keys,
            func.min(AmountRow.row_name),
            func.sum(AmountRow.value),
            func.count(distinct(AmountRow.document_id)),
        )
        .where(
            AmountRow.document_id.in_(sorted(ids)),
            AmountRow.table_type.in_(SUMMARY_TABLES),
            AmountRow.row_kind.in_(_SUMMARY_ROW_KINDS),
        )
        .group_by(*keys)
    )
    return {tuple(r[:5]): (r[5], r[6], r[7]) for r in rows}


def _remaining_name(conn: Connection, year: int, kind: str, key: tuple[Any, ...]) -> Any:
    """min(row_name) of one key over the documents counted now (after the change)."""
    from cnbudget.store.queries import counted

    table_type, row_kind, level, code, column = key
    cond = [
        DocumentRow.year == year,
        DocumentRow.kind == kind,
        AmountRow.table_type == table_type,
        AmountRow.row_kind == row_kind,
        AmountRow.column_key == column,
        AmountRow.row_code.is_(None) if code is None else AmountRow.row_code == code,
        counted(),
    ]
    if row_kind == "item":
        cond.append(
            AmountRow.row_level.is_(None) if level is None else AmountRow.row_level == level
        )
    return conn.execute(
        select(func.min(AmountRow.row_name))
        .join(DocumentRow, DocumentRow.id == AmountRow.document_id)
        .where(*cond)
    ).scalar()


def apply_summary_delta(
    conn: Connection,
    year: int,
    kind: str,
    *,
    added: set[int],
    removed: set[int],
    top_before: int,
) -> bool:
    """Follow one stored document in the (year, kind) summary without rebuilding it: add the
    rows of the documents that are counted now and were not (``added``), subtract those of the
    ones no longer counted (``removed``: a superseded version, 单位 documents a new 部门
    document covers). Exact: sums and document counts are additive, and the representative
    name (``min``) only needs a look-up of the remaining names where a removed document held
    it and no added one does.

    Returns ``False`` — and changes nothing — when a delta cannot be trusted: the summary is
    stale or was never built, documents were stored without the importer since it was
    (``top_before``, the highest id before this document, above its watermark), or more than
    :data:`MAX_NAME_PROBES` names would need a look-up. The caller then marks the (year, kind)
    stale and rebuilds it (:func:`refresh_summaries`). Why: one upload into a store of 100,000
    documents rebuilt its whole (year, kind) — 1.1 M amount rows, 4.7 s.
    """
    lock = select(_STATE.c.stale, _STATE.c.max_document_id).where(
        _STATE.c.year == year, _STATE.c.kind == kind
    )
    if conn.dialect.name == "postgresql":
        lock = lock.with_for_update()
    state = conn.execute(lock).first()
    if state is None or state.stale:
        return False
    lowest = conn.execute(
        select(func.min(_STATE.c.max_document_id)).where(_STATE.c.stale.is_(False))
    ).scalar()
    if lowest is None or lowest < top_before:
        return False
    plus, minus = _doc_key_rows(conn, added), _doc_key_rows(conn, removed)
    keys = set(plus) | set(minus)
    S = _SUMMARY.c
    where_year = (S.year == year, S.kind == kind)
    current: dict[tuple[Any, ...], Any] = {
        (r.table_type, r.row_kind, r.row_level, r.row_code, r.column_key): r
        for r in conn.execute(select(_SUMMARY).where(*where_year))
        if (r.table_type, r.row_kind, r.row_level, r.row_code, r.column_key) in keys
    }
    probes = [
        k
        for k in keys
        if k in minus
        and k in current
        and minus[k][0] == current[k].row_name
        and not (k in plus and plus[k][0] == current[k].row_name)
    ]
    if len(probes) > MAX_NAME_PROBES:
        return False
    for key in sorted(keys, key=repr):
        old = current.get(key)
        name = old.row_name if old is not None else None
        value = old.value if old is not None else 0
        docs = old.documents if old is not None else 0
        if key in plus:
            p_name, p_value, p_docs = plus[key]
            name = p_name if name is None else min(name, p_name)
            value, docs = value + p_value, docs + p_docs
        if key in minus:
            value, docs = value - minus[key][1], docs - minus[key][2]
        match = (
            S.table_type == key[0],
            S.row_kind == key[1],
            S.row_level.is_(None) if key[2] is None else S.row_level == key[2],
            S.row_code.is_(None) if key[3] is None else S.row_code == key[3],
            S.column_key == key[4],
        )
        if docs <= 0:
            if old is not None:
                conn.execute(delete(_SUMMARY).where(*where_year, *match))
            continue
        if key in probes:
            name = _remaining_name(conn, year, kind, key)
        fields = {"row_name": name, "value": value, "documents": docs}
        if old is None:
            conn.execute(
                insert(_SUMMARY).values(
                    year=year,
                    kind=kind,
                    table_type=key[0],
                    row_kind=key[1],
                    row_level=key[2],
                    row_code=key[3],
                    column_key=key[4],
                    **fields,
                )
            )
        else:
            conn.execute(update(_SUMMARY).where(*where_year, *match).values(**fields))
    top = conn.execute(select(func.max(DocumentRow.id))).scalar() or 0
    conn.execute(
        update(_STATE).where(_STATE.c.year == year, _STATE.c.kind == kind).values(built_at=_now())
    )
    conn.execute(update(_STATE).where(_STATE.c.stale.is_(False)).values(max_document_id=top))
    return True


def rebuild_all_summaries(conn: Connection) -> list[tuple[int, str]]:
    """Mark every (year, kind) of the stored documents stale and refresh: migration 0005, and
    whoever wrote documents without the importer (synthetic copies of a benchmark)."""
    for year, kind in conn.execute(select(DocumentRow.year, DocumentRow.kind).distinct()).all():
        mark_stale(conn, year, kind)
    return refresh_summaries(conn)


def summary_rows(
    conn: Connection,
    *,
    table_type: str,
    columns: Sequence[str],
    level: str,
    by: Sequence[str],
    code_prefix: str | None,
    years: Sequence[int] | None,
    kind: str | None,
) -> list[tuple[Any, ...]] | None:
    """The rows of the live class-totals ``GROUP BY`` — ``(code, min name, column, sum,
    documents, *groups)`` with groups ``year`` then ``kind`` as asked in ``by`` — read from the
    summary, or ``None`` when it cannot answer (a table type not summarised, a grouping by
    department or region, or a (year, kind) stale or never built)."""
    if table_type not in SUMMARY_TABLES or not set(by) <= {"year", "kind"}:
        return None
    state = select(_STATE.c.stale, _STATE.c.max_document_id)
    scoped = state
    if years is not None:
        scoped = scoped.where(_STATE.c.year.in_(list(years)))
    if kind is not None:
        scoped = scoped.where(_STATE.c.kind == kind)
    top = conn.execute(select(func.max(DocumentRow.id))).scalar()
    every = conn.execute(state).all()
    if top is not None and (not every or min(r.max_document_id for r in every) < top):
        return None  # documents the summary has never seen
    if any(r.stale for r in conn.execute(scoped)):
        return None
    S = _SUMMARY.c
    group_exprs: list[Any] = []
    if "year" in by:
        group_exprs.append(S.year)
    if "kind" in by:
        group_exprs.append(S.kind)
    stmt = select(
        S.row_code,
        func.min(S.row_name),
        S.column_key,
        func.sum(S.value),
        func.sum(S.documents),
        *group_exprs,
    ).where(S.table_type == table_type, S.column_key.in_(list(columns)))
    if level == "total":
        stmt = stmt.where(S.row_kind == "total")
    else:
        stmt = stmt.where(and_(S.row_kind == "item", S.row_level == level))
    if code_prefix:
        stmt = stmt.where(S.row_code.startswith(code_prefix, autoescape=True))
    if years is not None:
        stmt = stmt.where(S.year.in_(list(years)))
    if kind is not None:
        stmt = stmt.where(S.kind == kind)
    stmt = stmt.group_by(S.row_code, S.column_key, *group_exprs)
    # sum(documents) of an INTEGER is NUMERIC on PostgreSQL: back to int as the live count
    return [(c, n, col, v, int(d), *g) for c, n, col, v, d, *g in conn.execute(stmt)]
