"""How much of the official catalog the shipped data covers, per year and file.

``cnbudget rules --catalog`` prints this; ``data/README.md`` quotes it. Every row is counted once
under its *strongest* source (the first one listed in its ``source`` column), so the numbers say
how much of the data rests on real disclosures, on MOF notices, or on the catalog author's
transcription alone.
"""

from __future__ import annotations

from typing import Any

from .loader import _FILES, SUPPORTED_YEARS, load_catalog
from .tables import CodeTable

__all__ = ["SOURCE_KINDS", "coverage", "source_kind"]

#: Source kinds, strongest first, with short bilingual labels: the real sample disclosure, the
#: shared reference lists (codes printed in real disclosures), MOF notices, the catalog author's
#: transcription (not checked line by line against the MOF text), anything else.
SOURCE_KINDS: dict[str, tuple[str, str]] = {
    "corpus": ("样本", "corpus"),
    "reference": ("参考清单", "reference"),
    "mof": ("财政部通知", "MOF"),
    "author": ("作者转录", "author"),
    "other": ("其他", "other"),
}


def source_kind(source: str) -> str:
    """The kind of a row's strongest (first listed) source, a key of :data:`SOURCE_KINDS`."""
    first = source.strip()
    if first.startswith("corpus/"):
        return "corpus"
    if first.startswith("reference/"):
        return "reference"
    if first.startswith("财政部关于"):
        return "mof"
    if "transcribed by the catalog author" in first:
        return "author"
    return "other"


def _table_coverage(table: CodeTable) -> dict[str, Any]:
    counts = table.counts()
    by_source = dict.fromkeys(SOURCE_KINDS, 0)
    for entry in table:
        by_source[source_kind(entry.source)] += 1
    complete = {lvl: len(table.complete_codes(lvl)) for lvl in ("类", "款")}
    return {
        "file": _FILES[table.kind],
        "kind": table.kind,
        "counts": counts,
        "rows": len(table),
        "complete": complete,
        "complete_codes": [e.code for e in table.complete_codes()],
        "by_source": by_source,
    }


def coverage(years: tuple[int, ...] = SUPPORTED_YEARS) -> list[dict[str, Any]]:
    """Per year, per file: counts per level, 类/款 marked complete, rows by source kind."""
    out = []
    for year in years:
        cat = load_catalog(year)
        out.append(
            {
                "year": cat.year,
                "files": [_table_coverage(cat.function), _table_coverage(cat.economic)],
            }
        )
    return out
