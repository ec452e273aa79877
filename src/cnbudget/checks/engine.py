"""Run every rule family over a document and return a :class:`Report`."""

from __future__ import annotations

from collections.abc import Callable

from cnbudget.checks.context import Context
from cnbudget.checks.families import (
    arithmetic,
    catalog,
    completeness,
    cross,
    final,
    narrative,
    wording,
)
from cnbudget.checks.findings import SEVERITY_ORDER, Report
from cnbudget.model import Document

FAMILIES: list[tuple[str, Callable[[Context], None]]] = [
    ("reader", completeness.reader_issues),
    ("arithmetic", arithmetic.run),
    ("cross", cross.run),
    ("final", final.run),
    ("narrative", narrative.run),
    ("wording", wording.run),
    ("catalog", catalog.run),
    ("completeness", completeness.run),
]


def check_document(doc: Document) -> Report:
    """All findings for ``doc``, most severe first, then in document order."""
    ctx = Context.for_document(doc)
    for _name, family in FAMILIES:
        family(ctx)
    findings = sorted(
        ctx.findings,
        key=lambda f: (-SEVERITY_ORDER[f.severity], f.location.source_line or 0, f.rule),
    )
    return Report(
        document=doc.source_name,
        reader=doc.metadata.reader,
        layout=doc.metadata.layout,
        findings=findings,
        stats=ctx.stats,
    )
