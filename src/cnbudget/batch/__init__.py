"""National scale: read and check many files on a distributed engine into a Parquet lake.

The pieces, one direction of data flow:

* :mod:`cnbudget.batch.rows` — the ONE pure per-document function ``bytes → rows``
  (:func:`~cnbudget.batch.rows.process_bytes`). It knows nothing of Dask, so another engine
  (Ray, Spark, a plain process pool) is a small adapter around it.
* :mod:`cnbudget.batch.schemas` — the Arrow schema of every lake dataset (money as
  ``decimal128``, never float).
* :mod:`cnbudget.batch.lake` — the lake writer: buffers results, writes partitions as they
  stream in, and commits them in a manifest so that a rerun skips and a killed run resumes.
* :mod:`cnbudget.batch.engine` — the Dask distributed adapter (``LocalCluster`` or a
  ``tcp://`` scheduler), with a progress bar and a summary.
* :mod:`cnbudget.batch.query` — DuckDB over the Parquet files.
* :mod:`cnbudget.batch.load` — bulk load of a lake into the store with PostgreSQL ``COPY``.
"""

from __future__ import annotations

__all__ = ["DATASETS"]

#: The lake's datasets (one folder each).
DATASETS: tuple[str, ...] = (
    "documents",
    "amounts",
    "findings",
    "narrative_claims",
    "blobs",
    "failures",
)
