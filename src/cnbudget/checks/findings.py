"""Findings and reports as first-class objects (after frictionless-py's reports).

A :class:`Finding` says which rule fired, how serious it is, *where* (table, row code and name,
column, or the narrative sentence, with the source line) and *what* (expected vs found figure).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "notice"]
SEVERITY_ORDER: dict[str, int] = {"notice": 0, "warning": 1, "error": 2}


class Location(BaseModel):
    """One place a finding points at: a table cell or a narrative sentence."""

    table_no: int | None = None
    table_type: str | None = None
    unit_name: str | None = None
    row_code: str | None = None
    row_key: str | None = None
    row_name: str | None = None
    column: str | None = None
    sentence: str | None = None
    source_line: int | None = None
    source_page: int | None = None
    source_bbox: tuple[float, float, float, float] | None = None
    source_cell: str | None = Field(None, description="spreadsheet cell (sheet!A1) or text column")


class Finding(BaseModel):
    rule: str
    severity: Severity
    family: str
    message_zh: str
    message_en: str
    expected: Decimal | None = None
    found: Decimal | None = None
    difference: Decimal | None = None
    tolerance: Decimal | None = None
    location: Location = Field(default_factory=Location)
    related: list[Location] = Field(default_factory=list, description="other cells involved")

    @property
    def message(self) -> str:
        return self.message_zh

    def lines(self) -> set[int]:
        """Every source line this finding names (its own and the related cells')."""
        return {
            loc.source_line for loc in (self.location, *self.related) if loc.source_line is not None
        }

    def flat(self) -> dict[str, object]:
        """The stable JSON shape of ``cnbudget check --format json``."""
        loc = self.location
        return {
            "rule": self.rule,
            "severity": self.severity,
            "family": self.family,
            "table_no": loc.table_no,
            "table_type": loc.table_type,
            "unit_name": loc.unit_name,
            "row_code": loc.row_code,
            "row_key": loc.row_key,
            "row_name": loc.row_name,
            "column": loc.column,
            "sentence": loc.sentence,
            "expected": None if self.expected is None else str(self.expected),
            "found": None if self.found is None else str(self.found),
            "difference": None if self.difference is None else str(self.difference),
            "tolerance": None if self.tolerance is None else str(self.tolerance),
            "source_line": loc.source_line,
            "source_page": loc.source_page,
            "source_bbox": list(loc.source_bbox) if loc.source_bbox else None,
            "source_cell": loc.source_cell,
            "message": self.message_zh,
            "message_en": self.message_en,
            "related": [r.model_dump(exclude_none=True) for r in self.related],
        }


class Report(BaseModel):
    """The findings of one check run over one document, with counts and coverage figures."""

    document: str | None = None
    reader: str | None = None
    layout: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    stats: dict[str, int] = Field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def at_or_above(self, severity: Severity) -> list[Finding]:
        level = SEVERITY_ORDER[severity]
        return [f for f in self.findings if SEVERITY_ORDER[f.severity] >= level]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


#: The fields of :meth:`Finding.flat` that say *where* a finding is, in key order. The figures
#: are deliberately not part of it: a corrected version that still has the finding at the same
#: place (same rule, same cell or sentence) is "the same finding", whatever the amounts now are.
KEY_FIELDS = ("rule", "table_type", "unit_name", "row_code", "row_key", "row_name", "column")


def _norm(text: object) -> str:
    return "" if text is None else " ".join(str(text).split())


def finding_keys(findings: Iterable[Mapping[str, object]]) -> list[str]:
    """A stable key per finding (rule + location), for answers that outlive a version.

    Why a key and not the row id: a re-check or a corrected version stores new finding rows, but
    the reviewer's answer ("explained: the 0.01 is rounding") belongs to the finding at that place.
    The sentence is part of the location (whitespace-normalised), the page and line are not (a
    corrected PDF moves them). Two findings of one rule at one place in the same document are
    told apart by their order (``…~1``, ``…~2``). Mappings use the keys of :meth:`Finding.flat`
    (``column_label`` is accepted for ``column``, as the store names it).
    """
    seen: dict[str, int] = {}
    keys: list[str] = []
    for f in findings:
        parts = [
            _norm(f.get("column", f.get("column_label")) if k == "column" else f.get(k))
            for k in KEY_FIELDS
        ]
        parts.append(_norm(f.get("sentence")))
        base = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append(base if n == 0 else f"{base}~{n}")
    return keys
