"""``/documents/{id}/changes``: what the corrected version changed, for the reviewer.

The finance bureau sent the department its findings; the department published a corrected
version. This page puts the two side by side the way the reviewer reads them: findings resolved,
new and still present (matched by rule and place, each with its answer), and every amount that
changed — from :func:`cnbudget.store.changes.version_changes`, the same answer as
``GET /api/documents/{id}/changes``. ``?against=ID`` compares with another version of the same
document; ``?format=json`` gives the page's data as JSON (the API's shape), Datasette style.

A router of its own under the pages' access rules (:mod:`cnbudget.web.access`: the token
form when reads are private, "not found" for an id no row can have, the HTML error page for a
malformed parameter). All document text
(names, row names, messages, notes) goes through Jinja2's autoescape; nothing is marked safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from cnbudget.api.changes import changes_json
from cnbudget.store import AmountDiff, list_documents
from cnbudget.store.changes import (
    ChangesError,
    FindingChange,
    NotAVersion,
    VersionChanges,
    version_changes,
)
from cnbudget.web import data
from cnbudget.web.access import guarded, html_errors_route
from cnbudget.web.i18n import TABLE_TITLES_EN, Translator

if TYPE_CHECKING:  # pages imports half the project; this module is imported by the mount
    from cnbudget.web.pages import Site

__all__ = [
    "AmountLine",
    "amount_lines",
    "create_changes_router",
    "finding_links",
    "finding_location",
]


# -- what the template shows --------------------------------------------------------------------
def finding_location(f: FindingChange, t: Translator) -> str:
    """Where a finding is, in words: 表6 · 单位 · 30201 办公费 · column, or the sentence's start.

    Plain text (the template escapes it): the row and unit names come from the document.
    """
    parts: list[str] = []
    if f.table_no is not None:
        parts.append(f"表{f.table_no}")
    elif f.table_type:
        parts.append(TABLE_TITLES_EN.get(f.table_type, f.table_type) if t.lang == "en" else "")
    if f.unit_name:
        parts.append(f.unit_name)
    row = " ".join(x for x in (f.row_code, f.row_name) if x)
    if row and not f.sentence:
        parts.append(row)
    if f.column:
        parts.append(f.column)
    if f.sentence:
        parts.append(f"“{f.sentence if len(f.sentence) <= 80 else f.sentence[:79] + '…'}”")
    return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class AmountLine:
    """One changed, added or removed amount as the table shows it."""

    table: str
    row: str
    column: str
    old: Decimal | None
    new: Decimal | None
    difference: Decimal | None
    status: str


def _table_label(d: AmountDiff, titles: dict[str, str], t: Translator) -> str:
    title = titles.get(d.table_type, d.table_type)
    if t.lang == "en" and d.table_type in TABLE_TITLES_EN:
        title = f"{title} · {TABLE_TITLES_EN[d.table_type]}"
    return f"表{d.table_no} {title}" if d.table_no is not None else title


def _row_label(d: AmountDiff) -> str:
    base = " ".join(x for x in (d.row_code, d.row_name) if x)
    for extra in (d.project, d.unit_name):
        if extra:
            base = f"{base} · {extra}"
    return base


def amount_lines(vc: VersionChanges, t: Translator) -> list[AmountLine]:
    """Changed amounts first, then added, then removed (each in the earlier version's order)."""
    out = []
    for d in (*vc.amounts_changed, *vc.amounts_added, *vc.amounts_removed):
        out.append(
            AmountLine(
                table=_table_label(d, vc.table_titles, t),
                row=_row_label(d),
                column=d.column,
                old=d.a,
                new=d.b,
                difference=d.diff,
                status=d.status,
            )
        )
    return out


def finding_links(engine: Any, vc: VersionChanges) -> dict[str, str]:
    """Finding key → the link to where it is printed: ``/documents/{id}#cell`` on the version
    it is shown from (a resolved finding in the earlier version, the others in this one).

    The same resolver as the document page's findings panel (via
    :func:`cnbudget.web.analysis.anchors`), so the link scrolls to and highlights the cell or
    sentence; a finding that names no printed place gets no link.
    """
    from cnbudget.store import load_document
    from cnbudget.web.analysis import anchors

    out: dict[str, str] = {}
    groups = [(vc.document.id, [*vc.new, *vc.unchanged])]
    if vc.against is not None:
        groups.append((vc.against.id, vc.resolved))
    for doc_id, items in groups:
        if not items:
            continue
        places = [_place(f) for f in items]
        for f, anchor in zip(items, anchors(load_document(engine, doc_id), places), strict=True):
            if anchor:
                out[f.key] = f"/documents/{doc_id}#{anchor}"
    return out


def _place(f: FindingChange) -> dict[str, Any]:
    """The location fields of a finding, as :meth:`cnbudget.checks.Finding.flat` names them."""
    return {
        "table_no": f.table_no,
        "table_type": f.table_type,
        "unit_name": f.unit_name,
        "row_code": f.row_code,
        "row_key": f.row_key,
        "row_name": f.row_name,
        "column": f.column,
        "sentence": f.sentence,
        "source_line": f.figures.source_line,
    }


def _other_versions(engine: Any, vc: VersionChanges) -> list[Any]:
    """The other stored versions of the same document (for "compare with another version")."""
    doc = vc.document
    return [
        d
        for d in list_documents(engine, department=doc.department_id, years=doc.year)
        if d.kind == doc.kind and d.scope == doc.scope and d.id != doc.id
    ]


# -- router -----------------------------------------------------------------------------------
def create_changes_router(site: Site) -> APIRouter:
    """``GET /documents/{doc_id}/changes`` bound to the pages' :class:`~cnbudget.web.pages.Site`."""
    router = APIRouter(include_in_schema=False, route_class=html_errors_route(site))
    guard = guarded(site)

    @router.get("/documents/{doc_id}/changes", response_class=HTMLResponse)
    @guard
    def changes_page(
        request: Request,
        doc_id: int,
        against: int | None = None,
        fmt: Annotated[str | None, Query(alias="format", max_length=10)] = None,
    ) -> Response:
        """Findings resolved, new and still present, and the amounts that changed."""
        from cnbudget.web.pages import HEADERS

        eng = site.engine
        lang = site.lang(request)
        t = Translator(lang)
        refs = data.documents_of(eng, [doc_id])
        if doc_id not in refs:
            return site.not_found(request, t("not_found_doc", id=doc_id))
        try:
            vc = version_changes(eng, doc_id, against)
        except NotAVersion as exc:  # no such version of this document: 404, as the API
            return site.error_page(request, 404, ("无法比较", "Cannot compare"), (exc.zh, exc.en))
        except ChangesError:  # only ``against`` can be missing now
            return site.not_found(request, t("not_found_doc", id=against))
        if fmt == "json":
            return JSONResponse(changes_json(vc), headers=HEADERS)
        return site.render(
            request,
            "changes.html",
            nav="document",
            ref=refs[doc_id],
            info=vc.document,
            old=vc.against,
            vc=vc,
            sections=[
                ("resolved", t("changes_resolved"), t("changes_resolved_note"), vc.resolved),
                ("new", t("changes_new_findings"), t("changes_new_note"), vc.new),
                ("unchanged", t("changes_unchanged"), t("changes_unchanged_note"), vc.unchanged),
            ],
            where=lambda f: finding_location(f, t),
            links=finding_links(eng, vc),
            amounts=amount_lines(vc, t),
            others=_other_versions(eng, vc),
        )

    return router
