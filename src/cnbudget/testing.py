"""Helpers for tests: where the shared corpus lives, and a skip with a clear message without it.

The real documents are never copied into the project; tests read them from ``../shared/corpus``
beside the project folder (or from ``$CNBUDGET_CORPUS``).
"""

from __future__ import annotations

import os
from collections import Counter
from functools import cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = Path(os.environ.get("CNBUDGET_CORPUS", PROJECT_ROOT.parent / "shared" / "corpus"))
SAMPLE_NAME = "urumqi-gxj-2024-budget.txt"


def corpus_file(name: str) -> Path:
    """Path of a corpus file; skips the calling test with a clear message when it is absent."""
    import pytest

    p = CORPUS_DIR / name
    if not p.is_file():
        pytest.skip(
            f"corpus file {name} not found in {CORPUS_DIR} "
            "(the shared corpus lives beside the project as ../shared/corpus; set CNBUDGET_CORPUS)"
        )
    return p


@cache
def sample_text() -> str:
    return corpus_file(SAMPLE_NAME).read_text(encoding="utf-8")


#: The corpus PDFs by what they are (see ../shared/corpus/README.md).
COMMERCE = "shanghai-putuo-commerce-2025-dept-budget.pdf"
UNIT = "shanghai-putuo-commerce-2025-unit-budget.pdf"
FINANCE = "shanghai-putuo-finance-2024-dept-final.pdf"
WANLI24 = "shanghai-putuo-wanli-street-2024-dept-budget.pdf"
WANLI25 = "shanghai-putuo-wanli-street-2025-dept-budget.pdf"
TEMPLATE = "template-dept-final-2024.pdf"


@cache
def corpus_pdf(name: str):  # -> cnbudget.model.Document (imported lazily: testing stays light)
    """A corpus PDF read once per test session; a test that edits it must ``model_copy(deep=True)``."""
    from cnbudget.ingest.pdf.reader import read_pdf

    return read_pdf(corpus_file(name))


def lake_rows(lake: Path) -> dict[str, Counter[tuple[object, ...]]]:
    """Every row of every dataset of a Parquet lake, as counted tuples (the per-document
    ``seconds`` left out: it is a timing), so two lakes compare by content whatever their
    files."""
    from cnbudget.batch import DATASETS
    from cnbudget.batch.query import open_lake

    con = open_lake(lake)
    try:
        out = {}
        for name in DATASETS:
            cols = [c for c in con.sql(f"SELECT * FROM {name} LIMIT 0").columns if c != "seconds"]
            sel = ", ".join(f'"{c}"' for c in cols)
            out[name] = Counter(con.sql(f"SELECT {sel} FROM {name}").fetchall())
        return out
    finally:
        con.close()
