"""A Fiscal Data Package (``datapackage.json`` + CSV) of the long form, for OpenSpending-style
tools.

What is mapped, and why:

* **One CSV row per printed amount** (``data/budget.csv``): the long form, lossless, so nothing
  a disclosure prints is lost; ``line_id`` is the primary key. Rows overlap by design (totals and
  their parts, the same money in 表3 and 表5); the ``table_type`` and ``row_kind`` columns say
  which rows to sum (e.g. ``expenditure_summary`` items at level 项).
* **Functional classification** (支出功能分类): a row's 7-digit code gives 类 (3 digits), 款 (5) and
  项 (7), each with its code and label (``functional_class_*``, ``functional_kuan_*``,
  ``functional_xiang_*``), mapped as a ``classification`` dimension of ``classificationType``
  ``functional`` with ``parent`` / ``labelfor`` links. Labels come from the document's own rows
  (what was printed), else from the bundled catalog.
* **Economic classification** (经济分类): rows of economic tables (表6 ``general_basic``) and columns
  keyed by an economic code (表7's ``e302`` = 302 商品和服务支出) fill ``economic_class_*`` (类) and
  ``economic_kuan_*`` (款), an ``economic`` classification dimension.
* **Measures**: the amount is in 万元, so ``factor`` 10000 and ``currency`` CNY; a 预算 document's
  amounts go to the ``approved`` measure (phase ``approved``), a 决算's to ``executed`` (phase
  ``executed``) — the two phases of the Fiscal Data Package that these documents are.
* **fiscalPeriod** spans the years present (China's fiscal year is the calendar year), and a
  ``datetime`` dimension gives each row its ``fiscal_year``.

The descriptor follows the Fiscal Data Package 0.3 ``model`` (measures / dimensions, what
OpenSpending's loaders read) and also labels each field with an OpenSpending ``columnType``
(the 1.0 draft's way), and is a valid Tabular Data Package either way.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cnbudget.export.stored import document_records
from cnbudget.model import Document

__all__ = [
    "DATA_PATH",
    "FIELDS",
    "datapackage_rows",
    "economic_table_types",
    "write_datapackage",
]

#: Where the data file goes, relative to ``datapackage.json``.
DATA_PATH = "data/budget.csv"
RESOURCE_NAME = "budget"

#: Document kind → Fiscal Data Package phase (and the measure / CSV column holding it).
PHASES = {"budget": "approved", "final": "executed"}

_ECONOMIC_COLUMN = re.compile(r"^e(\d{3}(?:\d{2})?)$")

#: (name, Table Schema type, OpenSpending columnType or None, description)
FIELDS: tuple[tuple[str, str, str | None, str], ...] = (
    ("line_id", "string", None, "unique id of the amount: document id and position"),
    ("document_id", "integer", None, "id of the document in the cnbudget store"),
    ("document", "string", None, "source file name"),
    ("fiscal_year", "integer", "date:fiscal-year", "budget year (预算年度)"),
    ("kind", "string", None, "budget (预算) or final (决算)"),
    ("phase", "string", "phase:id", "approved (预算) or executed (决算)"),
    ("region", "string", "geo:source:name", "province/city/district"),
    (
        "department",
        "string",
        "administrative-classification:generic:level1:label",
        "department with its alias (编制部门)",
    ),
    ("table_no", "integer", None, "printed table number (表 N); empty for performance tables"),
    ("table_type", "string", None, "table type id of the layout"),
    ("table_title", "string", None, "table title"),
    ("unit_name", "string", None, "budget unit (预算单位)"),
    ("side", "string", None, "income/expenditure side of two-sided tables"),
    ("row_kind", "string", None, "total/subtotal/class/item/unit/project/named"),
    ("row_key", "string", None, "layout key of a named row"),
    ("row_code", "string", None, "classification code as printed"),
    ("row_level", "string", None, "类/款/项"),
    ("row_name", "string", None, "row name as printed"),
    ("project", "string", "activity:generic:project:label", "project name (项目名称)"),
    ("column_key", "string", None, "semantic key of the column"),
    ("column", "string", None, "printed header path"),
    (
        "functional_class_code",
        "string",
        "functional-classification:generic:level1:code",
        "支出功能分类 类 code",
    ),
    (
        "functional_class_label",
        "string",
        "functional-classification:generic:level1:label",
        "支出功能分类 类 name",
    ),
    (
        "functional_kuan_code",
        "string",
        "functional-classification:generic:level2:code",
        "支出功能分类 款 code",
    ),
    (
        "functional_kuan_label",
        "string",
        "functional-classification:generic:level2:label",
        "支出功能分类 款 name",
    ),
    (
        "functional_xiang_code",
        "string",
        "functional-classification:generic:level3:code",
        "支出功能分类 项 code",
    ),
    (
        "functional_xiang_label",
        "string",
        "functional-classification:generic:level3:label",
        "支出功能分类 项 name",
    ),
    (
        "economic_class_code",
        "string",
        "economic-classification:generic:level1:code",
        "支出经济分类 类 code",
    ),
    (
        "economic_class_label",
        "string",
        "economic-classification:generic:level1:label",
        "支出经济分类 类 name",
    ),
    (
        "economic_kuan_code",
        "string",
        "economic-classification:generic:level2:code",
        "支出经济分类 款 code",
    ),
    (
        "economic_kuan_label",
        "string",
        "economic-classification:generic:level2:label",
        "支出经济分类 款 name",
    ),
    ("approved", "number", "value", "amount of a 预算 document, 万元 (×10000 CNY)"),
    ("executed", "number", "value", "amount of a 决算 document, 万元 (×10000 CNY)"),
    ("printed", "string", None, "the amount as printed"),
    ("source_line", "integer", None, "line in the source text"),
    ("source_cell", "string", None, "source cell"),
)
_FIELD_NAMES = tuple(f[0] for f in FIELDS)


@cache
def economic_table_types() -> frozenset[str]:
    """Table types whose rows are 经济分类 codes, from every shipped layout (``mode: economic``):
    the layouts, not this module, know which tables are classified economically."""
    try:
        from cnbudget.layouts import available_layouts, load_layout

        found = {
            t.type
            for lid in available_layouts()
            for t in load_layout(lid).tables
            if t.mode == "economic"
        }
    except Exception:  # a broken layout file must not break the export
        found = set()
    return frozenset(found or {"general_basic"})


@cache
def _catalog_name(kind: str, code: str, year: int | None) -> str:
    try:
        from cnbudget.catalog import load_catalog

        cat = load_catalog(year)
        table = cat.function if kind == "functional" else cat.economic
        entry = table.get(code)
        return entry.name if entry is not None else ""
    except Exception:
        return ""


def _levels(code: str, lengths: tuple[int, ...]) -> list[str]:
    return [code[:n] for n in lengths if len(code) >= n]


def _by_document(records: Iterable[Mapping[str, str]]) -> Iterator[list[Mapping[str, str]]]:
    """Consecutive records of one document (the exporters emit documents one after another)."""
    chunk: list[Mapping[str, str]] = []
    key: tuple[str, str, str] | None = None
    for rec in records:
        k = (rec.get("document_id", ""), rec.get("document", ""), rec.get("year", ""))
        if key is not None and k != key:
            yield chunk
            chunk = []
        key = k
        chunk.append(rec)
    if chunk:
        yield chunk


def datapackage_rows(records: Iterable[Mapping[str, str]]) -> Iterator[dict[str, str]]:
    """Long-form records (:data:`~cnbudget.export.stored.STORE_COLUMNS`) as rows of the fiscal
    CSV (:data:`FIELDS`), with the classification hierarchies filled in."""
    economic_tables = economic_table_types()
    for position_base, doc_records in enumerate(_by_document(records)):
        first = doc_records[0]
        year_text = first.get("year", "")
        year = int(year_text) if year_text.isdigit() else None
        # The document's own names for its codes: what was printed wins over the catalog.
        names: dict[tuple[str, str], str] = {}
        for rec in doc_records:
            code = rec.get("row_code", "")
            if code:
                kind = "economic" if rec.get("table_type") in economic_tables else "functional"
                names.setdefault((kind, code), rec.get("row_name", ""))

        def label(
            kind: str,
            code: str,
            _names: dict[tuple[str, str], str] = names,
            _year: int | None = year,
        ) -> str:
            return _names.get((kind, code)) or _catalog_name(kind, code, _year)

        doc_id = first.get("document_id", "")
        prefix = doc_id if doc_id else str(position_base)
        for n, rec in enumerate(doc_records, start=1):
            code = rec.get("row_code", "")
            fn: list[str] = []
            ec: list[str] = []
            if code and rec.get("table_type") in economic_tables:
                ec = _levels(code, (3, 5))
            elif code:
                fn = _levels(code, (3, 5, 7))
            m = _ECONOMIC_COLUMN.match(rec.get("column_key", ""))
            if m and not ec:
                ec = _levels(m.group(1), (3, 5))
            kind = rec.get("kind", "") or "budget"
            phase = PHASES.get(kind, "approved")
            row = {
                "line_id": f"{prefix}-{n}",
                "document_id": doc_id,
                "document": rec.get("document", ""),
                "fiscal_year": year_text,
                "kind": kind,
                "phase": phase,
                "region": rec.get("region", ""),
                "department": rec.get("department", ""),
                "approved": rec.get("value", "") if phase == "approved" else "",
                "executed": rec.get("value", "") if phase == "executed" else "",
            }
            for name in (
                "table_no",
                "table_type",
                "table_title",
                "unit_name",
                "side",
                "row_kind",
                "row_key",
                "row_code",
                "row_level",
                "row_name",
                "project",
                "column_key",
                "column",
                "printed",
                "source_line",
                "source_cell",
            ):
                row[name] = rec.get(name, "")
            for i, part in enumerate(("class", "kuan", "xiang")):
                c = fn[i] if i < len(fn) else ""
                row[f"functional_{part}_code"] = c
                row[f"functional_{part}_label"] = label("functional", c) if c else ""
            for i, part in enumerate(("class", "kuan")):
                c = ec[i] if i < len(ec) else ""
                row[f"economic_{part}_code"] = c
                row[f"economic_{part}_label"] = label("economic", c) if c else ""
            yield row


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-")
    return s or "cnbudget"


def _attr(source: str, **extra: str) -> dict[str, str]:
    return {"source": source, "resource": RESOURCE_NAME, **extra}


def _model(phases: list[str]) -> dict[str, Any]:
    measures = {
        phase: {
            "source": phase,
            "resource": RESOURCE_NAME,
            "currency": "CNY",
            "factor": 10000,
            "direction": "expenditure",
            "phase": phase,
            "title": "预算数 approved budget (万元)"
            if phase == "approved"
            else "决算数 executed (万元)",
        }
        for phase in phases
    }
    return {
        "measures": measures,
        "dimensions": {
            "functional-classification": {
                "dimensionType": "classification",
                "classificationType": "functional",
                "attributes": {
                    "class_code": _attr("functional_class_code"),
                    "class_label": _attr("functional_class_label", labelfor="class_code"),
                    "kuan_code": _attr("functional_kuan_code", parent="class_code"),
                    "kuan_label": _attr("functional_kuan_label", labelfor="kuan_code"),
                    "xiang_code": _attr("functional_xiang_code", parent="kuan_code"),
                    "xiang_label": _attr("functional_xiang_label", labelfor="xiang_code"),
                },
                "primaryKey": ["class_code", "kuan_code", "xiang_code"],
            },
            "economic-classification": {
                "dimensionType": "classification",
                "classificationType": "economic",
                "attributes": {
                    "class_code": _attr("economic_class_code"),
                    "class_label": _attr("economic_class_label", labelfor="class_code"),
                    "kuan_code": _attr("economic_kuan_code", parent="class_code"),
                    "kuan_label": _attr("economic_kuan_label", labelfor="kuan_code"),
                },
                "primaryKey": ["class_code", "kuan_code"],
            },
            "administrative-classification": {
                "dimensionType": "classification",
                "classificationType": "administrative",
                "attributes": {"department": _attr("department")},
                "primaryKey": ["department"],
            },
            "location": {
                "dimensionType": "location",
                "attributes": {"region": _attr("region")},
                "primaryKey": ["region"],
            },
            "date": {
                "dimensionType": "datetime",
                "attributes": {"fiscal_year": _attr("fiscal_year")},
                "primaryKey": ["fiscal_year"],
            },
            "project": {
                "dimensionType": "activity",
                "attributes": {"project": _attr("project")},
                "primaryKey": ["project"],
            },
            "line": {
                "dimensionType": "fact",
                "attributes": {
                    "line_id": _attr("line_id"),
                    "document_id": _attr("document_id"),
                    "document": _attr("document"),
                    "table_type": _attr("table_type"),
                    "row_kind": _attr("row_kind"),
                    "row_name": _attr("row_name"),
                    "column": _attr("column"),
                },
                "primaryKey": ["line_id"],
            },
        },
    }


def write_datapackage(
    source: Document | Iterable[Mapping[str, str]],
    folder: str | os.PathLike[str],
    *,
    name: str = "cnbudget-export",
    title: str | None = None,
    description: str | None = None,
) -> Path:
    """Write ``folder/datapackage.json`` and ``folder/data/budget.csv`` for a document or any
    long-form records (e.g. :func:`~cnbudget.export.stored.stored_long_rows`); returns the path of
    ``datapackage.json``. The CSV is streamed, then the descriptor written with what was seen
    (years, phases, row count), so a store of any size is exported in constant memory.
    """
    records = document_records(source) if isinstance(source, Document) else source
    out = Path(folder)
    (out / DATA_PATH).parent.mkdir(parents=True, exist_ok=True)
    years: set[int] = set()
    phases: set[str] = set()
    documents: set[str] = set()
    n = 0
    with open(out / DATA_PATH, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        quoted = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(_FIELD_NAMES)
        for row in datapackage_rows(records):
            fields = [row[c] for c in _FIELD_NAMES]
            (quoted if any("\r" in v for v in fields) else writer).writerow(fields)
            n += 1
            if row["fiscal_year"].isdigit():
                years.add(int(row["fiscal_year"]))
            phases.add(row["phase"])
            documents.add(row["line_id"].rsplit("-", 1)[0])
    phase_list = [p for p in ("approved", "executed") if p in phases] or ["approved"]
    fields = []
    for fname, ftype, column_type, desc in FIELDS:
        field: dict[str, Any] = {"name": fname, "type": ftype, "description": desc}
        if column_type:
            field["columnType"] = column_type
        if ftype == "number":
            field["decimalChar"] = "."
            field["bareNumber"] = True
        fields.append(field)
    descriptor: dict[str, Any] = {
        "profile": "fiscal-data-package",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "name": _slug(name),
        "title": title
        or (
            f"部门预算公开 {min(years)}–{max(years)} / department budget disclosures"
            if years
            else "部门预算公开 / department budget disclosures"
        ),
        "description": description
        or (
            "Every amount printed in the disclosures (long form, 万元). Rows overlap: totals "
            "and their parts, and the same money in several tables; filter by table_type and "
            "row_kind before summing (e.g. table_type=expenditure_summary, row_level=项)."
        ),
        "countryCode": "CN",
        "granularity": "aggregated",
        "created": dt.datetime.now(dt.UTC)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z"),
        "keywords": ["budget", "部门预算", "fiscal", "China"],
        "resources": [
            {
                "name": RESOURCE_NAME,
                "path": DATA_PATH,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "doubleQuote": True, "header": True},
                "schema": {"fields": fields, "primaryKey": ["line_id"], "missingValues": [""]},
            }
        ],
        "model": _model(phase_list),
        "cnbudget": {"records": n, "documents": len(documents), "unit": "万元"},
    }
    if years:
        descriptor["fiscalPeriod"] = {"start": f"{min(years)}-01-01", "end": f"{max(years)}-12-31"}
    path = out / "datapackage.json"
    path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path
