"""The long form as Apache Parquet, for pandas, DuckDB, Spark and R's arrow.

Why these types: amounts are ``decimal128(20, 6)`` — the store's own ``NUMERIC(20, 6)`` — so a
value read back is the exact printed figure, never a binary double; years, table numbers, source
lines, document ids and versions are integers so that tools sort and filter them as numbers;
everything else is text, with the long form's ``""`` ("none") written as null, which is what
Parquet readers expect for a missing value.

Records are written in row groups of ``batch_size`` so that a whole store (hundreds of thousands
of amounts) is exported in constant memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from cnbudget.export.stored import STORE_COLUMNS, document_records
from cnbudget.model import Document

__all__ = ["VALUE_TYPE", "parquet_schema", "read_parquet", "write_parquet"]

#: Precision and scale of ``value`` (万元 with six decimals: exact to 0.01 元).
VALUE_PRECISION = 20
VALUE_SCALE = 6
_INT_COLUMNS = frozenset({"year", "table_no", "source_line", "document_id", "version"})
_QUANTUM = Decimal(1).scaleb(-VALUE_SCALE)
_CENT = Decimal("0.01")


def _pa() -> Any:
    import pyarrow

    return pyarrow


def _value_type() -> Any:
    return _pa().decimal128(VALUE_PRECISION, VALUE_SCALE)


VALUE_TYPE = "decimal128(20, 6)"


def parquet_schema(columns: tuple[str, ...] = STORE_COLUMNS) -> Any:
    """The Arrow schema of an export with ``columns`` (a subset or order of
    :data:`~cnbudget.export.stored.STORE_COLUMNS`)."""
    pa = _pa()
    fields = []
    for name in columns:
        if name == "value":
            t = _value_type()
        elif name in _INT_COLUMNS:
            t = pa.int64()
        else:
            t = pa.string()
        fields.append(pa.field(name, t, nullable=name != "value"))
    meta = {
        b"cnbudget.unit": "万元 (10,000 CNY)".encode(),
        b"cnbudget.format": b"long form: one printed amount per row",
    }
    return pa.schema(fields, metadata=meta)


def _exact(text: str) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    q = d.quantize(_QUANTUM)
    if q != d:
        raise ValueError(f"amount {text} has more than {VALUE_SCALE} decimals; refusing to round")
    return q


def _convert(name: str, text: str) -> Any:
    if name == "value":
        return _exact(text)
    if text == "":
        return None
    if name in _INT_COLUMNS:
        return int(text)
    return text


def _batches(records: Iterable[Mapping[str, str]], size: int) -> Iterator[list[Mapping[str, str]]]:
    chunk: list[Mapping[str, str]] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_parquet(
    source: Document | Iterable[Mapping[str, str]],
    path: str | os.PathLike[str] | IO[bytes],
    *,
    columns: tuple[str, ...] = STORE_COLUMNS,
    batch_size: int = 50_000,
) -> int:
    """Write a document's long form, or any long-form records (e.g.
    :func:`~cnbudget.export.stored.stored_long_rows`), as Parquet; returns the record count.

    Raises ``ValueError`` for an amount with more than six decimals: rounding would silently
    change a published figure.
    """
    import pyarrow.parquet as pq

    pa = _pa()
    records = document_records(source) if isinstance(source, Document) else source
    schema = parquet_schema(columns)
    n = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        wrote = False
        for chunk in _batches(records, batch_size):
            arrays = [
                pa.array([_convert(name, rec.get(name, "")) for rec in chunk], type=f.type)
                for name, f in zip(columns, schema, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            n += len(chunk)
            wrote = True
        if not wrote:
            writer.write_table(schema.empty_table())
    return n


def _text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "value":
        d: Decimal = value
        cents = d.quantize(_CENT)
        return format(cents if cents == d else d.normalize(), "f")
    return str(value)


def read_parquet(path: str | os.PathLike[str] | IO[bytes]) -> list[dict[str, str]]:
    """Records of a file written by :func:`write_parquet`, in the long form's text conventions
    (``value`` with the printed two decimals when it has no more), for round-trip checks."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = table.column_names
    cols = [table.column(n).to_pylist() for n in names]
    return [
        {n: _text(n, col[i]) for n, col in zip(names, cols, strict=True)}
        for i in range(table.num_rows)
    ]
