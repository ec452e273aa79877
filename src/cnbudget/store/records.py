"""Flatten a parsed and checked document into plain rows ready for insertion.

Why a separate step: the importer parses and checks in worker processes, and only the parent
writes. Turning the pydantic model into tuples and dicts *in the worker* moves that work off
the single writer and makes what crosses the process boundary cheap to pickle (a pickled
``Document`` costs more to load than it costs to parse the text again).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cnbudget.checks import Report
from cnbudget.model import Document, is_placeholder_name
from cnbudget.model.longform import HEADER_SEPARATOR, column_for, long_rows

__all__ = [
    "AMOUNT_FIELDS",
    "Prepared",
    "amount_records",
    "compress",
    "decompress",
    "prepare_document",
]

#: Columns of ``amounts`` filled from a document (``document_id`` and ``table_id`` are added on
#: insert; ``table_pos`` is the table's position in the document, ``None`` for performance).
AMOUNT_FIELDS: tuple[str, ...] = (
    "table_pos",
    "table_no",
    "table_type",
    "row_position",
    "unit_name",
    "side",
    "row_kind",
    "row_key",
    "row_code",
    "row_level",
    "row_name",
    "project",
    "column_key",
    "column_label",
    "value",
    "printed",
    "source_line",
    "source_page",
    "source_cell",
)


def _none(text: str) -> str | None:
    return text if text != "" else None


def _int(text: str) -> int | None:
    return int(text) if text else None


@dataclass
class Prepared:
    """Everything the parent needs to store one file, in plain picklable values."""

    path: str
    sha256: str
    raw_size: int
    raw_compression: str
    raw_data: bytes
    source_name: str | None
    meta: dict[str, Any]
    document_json_zlib: bytes
    tables: list[dict[str, Any]]
    amounts: list[tuple[Any, ...]]
    issues: list[dict[str, Any]]
    stats: dict[str, int]
    findings: list[dict[str, Any]]
    parse_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def amount_records(doc: Document) -> list[tuple[Any, ...]]:
    """One tuple (:data:`AMOUNT_FIELDS`) per printed amount, in :func:`long_rows` order.

    The table amounts are built straight from the model (``long_rows`` formats every field as
    text, which the store would only parse back, and that was a tenth of a worker's time); the
    performance tables' few amounts come from ``long_rows`` itself, whose labels for them are
    its own. ``test_records`` proves the result equals ``long_rows`` field by field, so the
    store and the CSV export cannot disagree.
    """
    out: list[tuple[Any, ...]] = []
    for t_pos, table in enumerate(doc.tables):
        for r_pos, row in enumerate(table.rows):
            if not row.values:
                continue
            placed = [(column_for(table, row, key), key, amt) for key, amt in row.values.items()]
            placed.sort(key=lambda p: p[0][0])
            row_line = row.source.line if row.source is not None else None
            row_page = row.source.page if row.source is not None else None
            for (_, column), key, amt in placed:
                src = amt.source
                line = src.line if src is not None and src.line is not None else row_line
                page = src.page if src is not None and src.page is not None else row_page
                out.append(
                    (
                        t_pos,
                        table.number,
                        table.type,
                        r_pos,
                        row.unit_name or None,
                        row.side or (column.side if column is not None else None),
                        row.kind,
                        row.key or None,
                        row.code or None,
                        row.level,
                        row.name,
                        row.project or None,
                        key,
                        HEADER_SEPARATOR.join(column.header) if column is not None else key,
                        amt.value,
                        amt.printed,
                        line,
                        page,
                        src.cell if src is not None else None,
                    )
                )
    if doc.performance:
        perf_only = doc.model_copy(update={"tables": []})
        perf_amounts = [
            (p_pos, perf.amounts[key], perf.source)
            for p_pos, perf in enumerate(doc.performance)
            for key in perf.amounts
        ]
        records = long_rows(perf_only)
        # long_rows emits each performance table's amounts in dict order, like perf_amounts.
        aligned = len(records) == len(perf_amounts)
        for i, rec in enumerate(records):
            p_pos, amount, perf_src = perf_amounts[i] if aligned else (i, None, None)
            page = None
            if amount is not None and amount.source is not None and amount.source.page:
                page = amount.source.page
            elif perf_src is not None:
                page = perf_src.page
            out.append(
                (
                    None,
                    _int(rec["table_no"]),
                    rec["table_type"],
                    p_pos,
                    _none(rec["unit_name"]),
                    _none(rec["side"]),
                    rec["row_kind"],
                    _none(rec["row_key"]),
                    _none(rec["row_code"]),
                    _none(rec["row_level"]),
                    rec["row_name"],
                    _none(rec["project"]),
                    rec["column_key"],
                    rec["column"],
                    amount.value if amount is not None else Decimal(rec["value"]),
                    rec["printed"],
                    _int(rec["source_line"]),
                    page,
                    _none(rec["source_cell"]),
                )
            )
    return out


def _table_records(doc: Document) -> list[dict[str, Any]]:
    return [
        {
            "position": pos,
            "number": t.number,
            "type": t.type,
            "title": t.title,
            "unit": t.unit,
            "scale": t.scale,
            "department": t.department,
            "row_count": len(t.rows),
            "is_empty": t.is_empty,
            "source_line": t.source.line if t.source is not None else None,
        }
        for pos, t in enumerate(doc.tables)
    ]


def _finding_records(report: Report) -> list[dict[str, Any]]:
    out = []
    for pos, f in enumerate(report.findings):
        loc = f.location
        out.append(
            {
                "position": pos,
                "rule": f.rule,
                "severity": f.severity,
                "family": f.family,
                "table_no": loc.table_no,
                "table_type": loc.table_type,
                "unit_name": loc.unit_name,
                "row_code": loc.row_code,
                "row_key": loc.row_key,
                "row_name": loc.row_name,
                "column_label": loc.column,
                "sentence": loc.sentence,
                "expected": f.expected,
                "found": f.found,
                "difference": f.difference,
                "tolerance": f.tolerance,
                "source_line": loc.source_line,
                "message_zh": f.message_zh,
                "message_en": f.message_en,
                "related_json": json.dumps(
                    [r.model_dump(exclude_none=True) for r in f.related], ensure_ascii=False
                ),
            }
        )
    return out


def compress(raw: bytes) -> tuple[bytes, str]:
    """``(stored bytes, compression)``: zlib when it saves space (text does), else as is."""
    z = zlib.compress(raw, 6)
    return (z, "zlib") if len(z) < len(raw) else (raw, "none")


def decompress(data: bytes, compression: str) -> bytes:
    """The original bytes of :func:`compress`."""
    if compression == "zlib":
        return zlib.decompress(data)
    if compression == "none":
        return data
    raise ValueError(f"unknown compression {compression!r}")


def prepare_document(
    doc: Document, report: Report, *, path: str, raw: bytes, sha256: str
) -> Prepared:
    """The rows of ``doc`` and its check ``report``, ready for :func:`importer.store_prepared`."""
    md = doc.metadata
    st = md.staffing
    meta = {
        "kind": md.kind,
        "scope": md.scope,
        # decided again from the name, so a reader that does not mark templates is covered
        "is_template": md.is_template or is_placeholder_name(md.department),
        "year": md.year,
        "department": md.department,
        "alias": md.alias,
        "full_name": md.full_name,
        "province": md.region.province or "",
        "city": md.region.city or "",
        "district": md.region.district or "",
        "publication_date": md.publication_date,
        "layout": md.layout,
        "staff_authorized": st.authorized if st else None,
        "staff_actual": st.actual if st else None,
        "staff_active": st.active if st else None,
    }
    issues = [
        {
            "position": i,
            "code": iss.code,
            "severity": iss.severity,
            "message_zh": iss.message_zh,
            "message_en": iss.message_en,
            "line": iss.line,
            "text": iss.text,
        }
        for i, iss in enumerate(doc.issues)
    ]
    data, compression = compress(raw)
    return Prepared(
        path=path,
        sha256=sha256,
        raw_size=len(raw),
        raw_compression=compression,
        raw_data=data,
        source_name=doc.source_name,
        meta=meta,
        document_json_zlib=zlib.compress(doc.model_dump_json(exclude_none=True).encode(), 1),
        tables=_table_records(doc),
        amounts=amount_records(doc),
        issues=issues,
        stats=dict(report.stats),
        findings=_finding_records(report),
    )
