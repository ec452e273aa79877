"""The long form of a stored store equals the long form of the documents it came from."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from cnbudget.export import LONG_COLUMNS, long_rows
from cnbudget.export.stored import (
    STORE_COLUMNS,
    stored_long_rows,
    write_records_csv,
    write_records_xlsx,
)
from cnbudget.ingest import read_path
from cnbudget.store.conftest import variant
from cnbudget.store.importer import import_paths


def test_stored_rows_equal_long_rows(db_url: str, write_text: Any, sample_source: str) -> None:
    a = write_text("urumqi-gxj-2024-budget.txt", sample_source)
    b = write_text("v2023.txt", variant(sample_source, year=2023))
    fixed = variant(
        sample_source,
        replace={"\t总计\t2,359.94\t2,151.77\t208.17": "\t总计\t2,400.00\t2,151.77\t248.23"},
    )
    c = write_text("fixed.txt", fixed)  # a corrected 2024: supersedes a
    summary = import_paths([a, b, c], db_url, jobs=1)
    assert summary.counts["imported"] == 3
    ids = [r.document_id for r in summary.results]

    current = list(stored_long_rows(db_url))
    assert {r["document_id"] for r in current} == {str(ids[1]), str(ids[2])}
    every = list(stored_long_rows(db_url, current_only=False))
    assert {r["document_id"] for r in every} == {str(i) for i in ids}

    for path, doc_id in ((b, ids[1]), (c, ids[2])):
        expected = long_rows(read_path(path))
        got = [r for r in current if r["document_id"] == str(doc_id)]
        assert [{k: r[k] for k in LONG_COLUMNS} for r in got] == expected
        assert all(list(r) == list(STORE_COLUMNS) for r in got)
        assert {r["kind"] for r in got} == {"budget"}
        assert {r["region"] for r in got} == {"新疆维吾尔自治区/乌鲁木齐市"}
    assert {r["version"] for r in current if r["document_id"] == str(ids[2])} == {"2"}

    only = list(stored_long_rows(db_url, document_ids=[ids[1]]))
    assert {r["document_id"] for r in only} == {str(ids[1])}


def test_csv_and_xlsx_writers(tmp_path: Path, sample_doc: Any) -> None:
    from cnbudget.export.stored import document_records

    recs = document_records(sample_doc, document_id=7)
    buf = io.StringIO()
    assert write_records_csv(recs, buf) == len(recs)
    text = buf.getvalue()
    assert text.startswith("\ufeff" + ",".join(STORE_COLUMNS))
    import csv

    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == recs

    out = tmp_path / "x.xlsx"
    assert write_records_xlsx(recs, out) == len(recs)
    from openpyxl import load_workbook

    wb = load_workbook(out, read_only=True)
    ws = wb["数据"]
    data = list(ws.iter_rows(values_only=True))
    assert list(data[0]) == list(STORE_COLUMNS)
    assert len(data) == len(recs) + 1
    vi = STORE_COLUMNS.index("value")
    assert [Decimal(str(r[vi])).quantize(Decimal("0.01")) for r in data[1:]] == [
        Decimal(r["value"]) for r in recs
    ]
    di = STORE_COLUMNS.index("document_id")
    assert {r[di] for r in data[1:]} == {7}
    assert "说明" in wb.sheetnames
    wb.close()
