"""Helpers for tests: where the shared corpus lives, and a skip with a clear message without it.

The real documents are never copied into the project; tests read them from ``../shared/corpus``
beside the project folder (or from ``$CNBUDGET_CORPUS``).
"""

from __future__ import annotations

import os
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
