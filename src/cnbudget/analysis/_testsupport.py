"""Helpers of the analysis tests: corpus documents (skipped without the corpus) and generated
departments with distinct names."""

from __future__ import annotations

from functools import cache

from cnbudget.example import build_example, example_text
from cnbudget.ingest import read_path
from cnbudget.model import Document
from cnbudget.testing import corpus_file

WANLI_2024 = "shanghai-putuo-wanli-street-2024-dept-budget.pdf"
WANLI_2025 = "shanghai-putuo-wanli-street-2025-dept-budget.pdf"
PUTUO_FINAL = "shanghai-putuo-finance-2024-dept-final.pdf"
#: Suffixes that make the generated departments distinct (the generator has 3 templates).
SUFFIXES = "甲乙丙丁戊己"


@cache
def _read(name: str) -> str:
    return read_path(corpus_file(name)).model_dump_json()


def corpus_doc(name: str) -> Document:
    """A fresh copy of a corpus document (read once per session; tests may mutate the copy)."""
    return Document.model_validate_json(_read(name))


def distinct_example_text(i: int, *, staff: int | None = None) -> str:
    """``example_text(i)`` with department names made unique (and optionally fewer staff)."""
    d = build_example(i)
    text = example_text(i)
    md = d.metadata
    assert md.department is not None
    text = text.replace(md.department, md.department + SUFFIXES[i])
    if md.alias:
        text = text.replace(md.alias, md.alias + SUFFIXES[i])
    if staff is not None:
        assert md.staffing is not None
        old = f"实有人数 {md.staffing.actual} 人"
        assert old in text
        text = text.replace(old, f"实有人数 {staff} 人")
    return text
