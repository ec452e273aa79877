"""Query a lake with DuckDB: one view per dataset over its committed Parquet files.

Why DuckDB: it reads Parquet in place, in parallel, with exact ``DECIMAL`` sums, so a
researcher's ``SELECT … GROUP BY`` over hundreds of millions of amounts needs no database
server and no load step. The user's SQL is the user's own; the connection it runs on can
read only the lake's folder (external access is switched off and the configuration locked
once the views exist), so a query cannot write files or read anything else.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from cnbudget.batch import DATASETS
from cnbudget.batch.lake import Manifest, dataset_files
from cnbudget.batch.schemas import SCHEMAS

__all__ = ["lake_function_totals", "open_lake", "run_query"]


def open_lake(lake: str | Path) -> Any:
    """A locked DuckDB connection with the views ``documents``, ``amounts``, ``findings``,
    ``narrative_claims``, ``blobs`` and ``failures``. Raises ``LakeError`` for a folder that is
    not a lake."""
    import duckdb
    import pyarrow as pa

    from cnbudget.batch.lake import LakeError

    root = Path(lake).resolve()
    if not Manifest(root).info_path.is_file():
        raise LakeError(
            f"{root} 不是 cnbudget 数据湖（缺少 _manifest/lake.json）",
            f"{root} is not a cnbudget lake (no _manifest/lake.json)",
        )
    con = duckdb.connect()
    for name in DATASETS:
        files = [str(p) for p in dataset_files(root, name)]
        if name == "failures":
            _failures_view(con, files)
        elif files:
            con.read_parquet(files, hive_partitioning=False).create_view(name)
        else:  # an empty dataset is still a table with its columns
            con.from_arrow(pa.Table.from_pylist([], schema=SCHEMAS[name])).create_view(name)
    con.execute("SET allowed_directories = ?", [[str(root)]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _failures_view(con: Any, files: list[str]) -> None:
    """``failures``: each input's latest failure (part files are named in commit order), and
    none for an input a later ``--retry-failed`` run read (it is in ``documents`` now)."""
    import pyarrow as pa

    if files:
        con.read_parquet(files, hive_partitioning=False, filename=True).create_view("_failures")
    else:
        empty = pa.Table.from_pylist([], schema=SCHEMAS["failures"])
        con.from_arrow(empty.append_column("filename", pa.array([], pa.string()))).create_view(
            "_failures"
        )
    con.execute(
        """CREATE VIEW failures AS
        SELECT * EXCLUDE (filename) FROM _failures
        WHERE coalesce(sha256, '') = '' OR sha256 NOT IN (SELECT sha256 FROM documents)
        QUALIFY row_number() OVER (
            PARTITION BY coalesce(nullif(sha256, ''), path) ORDER BY filename DESC
        ) = 1"""
    )


def run_query(lake: str | Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``(column names, rows)`` of the user's ``sql`` over the lake."""
    con = open_lake(lake)
    try:
        rel = con.sql(sql)
        if rel is None:  # a statement without a result
            return [], []
        return list(rel.columns), rel.fetchall()
    finally:
        con.close()


def lake_function_totals(
    lake: str | Path, *, level: str = "类", kind: str | None = "budget"
) -> list[Any]:
    """The store's :func:`~cnbudget.store.queries.function_totals` (表3 by function class,
    grouped by year) computed over the lake: the same ``GROUP BY`` on the same long form, in
    the same :class:`~cnbudget.store.queries.ClassTotal` shape (a column blank in every document
    sums to zero), so the two must be equal. The lake keeps every input; it has no versions,
    so it equals the store where no document supersedes another. ``kind=None``: both kinds."""
    from cnbudget.store.queries import FUNCTION_COLUMNS, FUNCTION_TABLE, ClassTotal

    kind_filter = "AND kind = ?" if kind is not None else ""
    where_level = (
        "row_kind = 'total'" if level == "total" else "row_kind = 'item' AND row_level = ?"
    )
    params: list[Any] = [FUNCTION_TABLE, list(FUNCTION_COLUMNS)]
    if level != "total":
        params.append(level)
    if kind is not None:
        params.append(kind)
    sql = f"""
        SELECT year, row_code, min(row_name), column_key, sum(value), count(DISTINCT sha256)
        FROM amounts
        WHERE table_type = ? AND list_contains(?, column_key) AND {where_level} {kind_filter}
        GROUP BY year, row_code, column_key
    """
    con = open_lake(lake)
    try:
        rows = con.execute(sql, params).fetchall()
    finally:
        con.close()
    acc: dict[tuple[int, str | None], dict[str, Any]] = {}
    for year, code, name, col, total, n in rows:
        e = acc.setdefault((year, code), {"name": name, "values": {}, "documents": 0})
        e["values"][col] = Decimal(total)
        e["documents"] = max(e["documents"], n)
    out = [
        ClassTotal(
            code=code,
            name="合计" if level == "total" else e["name"],
            level=level,
            values={c: e["values"].get(c, _ZERO) for c in FUNCTION_COLUMNS},
            documents=e["documents"],
            year=year,
        )
        for (year, code), e in acc.items()
    ]
    out.sort(key=lambda t: (t.year or 0, t.code or ""))
    return out


_ZERO = Decimal("0.00")
