"""Parquet export: exact decimals, integer columns, nulls, round trip, a whole store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from cnbudget.export import long_rows  # noqa: E402
from cnbudget.export.parquet import read_parquet, write_parquet  # noqa: E402
from cnbudget.export.stored import STORE_COLUMNS, stored_long_rows  # noqa: E402
from cnbudget.model import Document  # noqa: E402
from cnbudget.store.importer import import_paths  # noqa: E402


def test_document_round_trip_is_exact(sample_doc: Document, tmp_path: Path) -> None:
    out = tmp_path / "sample.parquet"
    n = write_parquet(sample_doc, out)
    records = long_rows(sample_doc)
    assert n == len(records) > 400
    table = pq.read_table(out)
    assert table.num_rows == n
    assert table.schema.field("value").type == pa.decimal128(20, 6)
    assert table.schema.field("year").type == pa.int64()
    assert table.schema.field("table_no").type == pa.int64()
    assert table.schema.field("row_code").type == pa.string()
    values = table.column("value").to_pylist()
    assert all(isinstance(v, Decimal) for v in values)
    assert values == [Decimal(r["value"]) for r in records]  # exact, never a float
    # "" (none) is null in Parquet; performance tables have no table number
    assert table.column("table_no").null_count == sum(1 for r in records if r["table_no"] == "")
    back = read_parquet(out)
    for rec, got in zip(records, back, strict=True):
        assert {k: got[k] for k in rec} == rec


def test_more_than_six_decimals_is_refused(tmp_path: Path) -> None:
    rec = dict.fromkeys(STORE_COLUMNS, "")
    rec.update({"value": "1.0000001", "row_kind": "item"})
    with pytest.raises(ValueError, match="decimals"):
        write_parquet([rec], tmp_path / "x.parquet")


def test_empty_export_has_the_schema(tmp_path: Path) -> None:
    out = tmp_path / "empty.parquet"
    assert write_parquet([], out) == 0
    table = pq.read_table(out)
    assert table.num_rows == 0 and table.column_names == list(STORE_COLUMNS)


def test_whole_store_in_row_groups(db_url: str, write_text: Any, sample_source: str) -> None:
    from cnbudget.store.conftest import variant

    paths = [
        write_text("a.txt", sample_source),
        write_text("b.txt", variant(sample_source, year=2023)),
    ]
    summary = import_paths(paths, db_url, jobs=1)
    assert summary.counts["imported"] == 2
    out = Path(paths[0]).parent / "store.parquet"
    n = write_parquet(stored_long_rows(db_url), out, batch_size=100)
    meta = pq.ParquetFile(out).metadata
    assert meta.num_row_groups > 1  # written in bounded batches
    records = list(stored_long_rows(db_url))
    assert n == len(records) == sum(r.amounts for r in summary.results)
    back = read_parquet(out)
    assert back == records
    assert {r["document_id"] for r in back} == {str(r.document_id) for r in summary.results}
