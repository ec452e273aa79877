"""The list of every stored document (``/documents``): filter, sort, page, and export it.

Why a page of its own: the home page shows the latest imports and a search box, the department
pages one department; a finance officer reviewing a region's year needs all of its documents in
one table — by region, year, kind (预算/决算) and check status — and the same rows as a
spreadsheet. The export is exactly the filtered and sorted list the page shows (all pages of
it), so what is downloaded can be cited against what was seen.

Data comes read-only from :func:`cnbudget.store.list_documents` (year and kind filtered in
SQL with bound parameters) and :func:`cnbudget.web.data.check_counts`; the region and status
filters and the sort are applied here to those rows. Nothing from the query string reaches SQL
text: unknown sort keys, kinds and statuses fall back to the defaults.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnbudget.export.cells import spreadsheet_cell
from cnbudget.store import list_documents
from cnbudget.web import data
from cnbudget.web.i18n import Translator

__all__ = ["ListedDocument", "Query", "create_listing_router", "listed_documents", "table_bytes"]

PAGE_SIZE = 100
SORTS = ("year", "region", "department", "kind", "errors", "warnings", "imported")
STATUSES = ("", "errors", "warnings", "clean", "superseded", "all")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ListedDocument:
    """One row of the list (and of its export)."""

    id: int
    department_id: int
    department: str
    alias: str | None
    region: str
    year: int
    kind: str
    version: int
    is_current: bool
    errors: int
    warnings: int
    notices: int
    imported_at: str
    source_name: str | None

    @property
    def full_name(self) -> str:
        return f"{self.department}（{self.alias}）" if self.alias else self.department


@dataclass(frozen=True)
class Query:
    """The list's filters and order, read leniently from the query string."""

    region: str = ""
    year: int | None = None
    kind: str = ""
    status: str = ""
    sort: str = "year"
    desc: bool = True
    page: int = 1

    @classmethod
    def of(cls, params: Any) -> Query:
        def num(name: str) -> int | None:
            v = (params.get(name) or "").strip()
            return int(v) if v.isdigit() and len(v) <= 6 else None

        kind = params.get("kind") or ""
        status = params.get("status") or ""
        sort = params.get("sort") or "year"
        desc_param = params.get("desc")
        return cls(
            region=(params.get("region") or "").strip()[:100],
            year=num("year"),
            kind=kind if kind in ("budget", "final") else "",
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "year",
            desc=(desc_param != "0") if desc_param is not None else sort in ("year", "errors"),
            page=max(1, num("page") or 1),
        )

    def params(self, **change: Any) -> str:
        """The query string of this list with ``change`` applied (defaults left out)."""
        d = {
            "region": self.region,
            "year": self.year or "",
            "kind": self.kind,
            "status": self.status,
            "sort": self.sort,
            "desc": "1" if self.desc else "0",
            "page": self.page if self.page > 1 else "",
        }
        d.update(change)
        return urlencode([(k, v) for k, v in d.items() if v not in ("", None)])


def _status_ok(doc: ListedDocument, status: str) -> bool:
    if status == "all":
        return True
    if status == "superseded":
        return not doc.is_current
    if not doc.is_current:
        return False
    if status == "errors":
        return doc.errors > 0
    if status == "warnings":
        return doc.errors == 0 and doc.warnings > 0
    if status == "clean":
        return doc.errors == 0 and doc.warnings == 0
    return True


_KEYS: dict[str, Callable[[ListedDocument], Any]] = {
    "year": lambda d: (d.year, d.region, d.department, d.kind, d.version),
    "region": lambda d: (d.region, d.department, d.year, d.kind, d.version),
    "department": lambda d: (d.department, d.year, d.kind, d.version),
    "kind": lambda d: (d.kind, d.region, d.department, d.year),
    "errors": lambda d: (d.errors, d.warnings, d.region, d.department),
    "warnings": lambda d: (d.warnings, d.errors, d.region, d.department),
    "imported": lambda d: (d.imported_at, d.id),
}


def listed_documents(engine: Any, q: Query) -> list[ListedDocument]:
    """Every document matching ``q``, sorted as asked (all pages)."""
    infos = list_documents(
        engine,
        years=q.year,
        kind=q.kind or None,
        current_only=q.status not in ("superseded", "all"),
    )
    if q.region:
        infos = [i for i in infos if i.region == q.region or i.region.startswith(q.region + "/")]
    counts = data.check_counts(engine, [i.id for i in infos])
    rows = []
    for i in infos:
        c = counts.get(i.id, data.CheckCounts())
        rows.append(
            ListedDocument(
                id=i.id,
                department_id=i.department_id,
                department=i.department,
                alias=i.alias,
                region=i.region,
                year=i.year,
                kind=i.kind,
                version=i.version,
                is_current=i.is_current,
                errors=c.errors,
                warnings=c.warnings,
                notices=c.notices,
                imported_at=data._utc(i.imported_at).strftime("%Y-%m-%d %H:%M UTC"),
                source_name=i.source_name,
            )
        )
    rows = [r for r in rows if _status_ok(r, q.status)]
    rows.sort(key=_KEYS[q.sort], reverse=q.desc)
    return rows


# -- export -----------------------------------------------------------------------------------
def table_bytes(
    fmt: str, header: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "data"
) -> tuple[bytes, str]:
    """``rows`` under ``header`` as CSV (UTF-8 with BOM, so that Excel shows Chinese) or XLSX.

    Cells are written as given: amounts should arrive as exact decimal text (never floats).
    A cell starting with ``=``, ``+``, ``-`` or ``@`` that is not a number is prefixed with
    ``'`` so that a spreadsheet never runs a department name as a formula.
    """
    safe = [[spreadsheet_cell(v) for v in r] for r in rows]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(safe)
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(header))
    for r in safe:
        ws.append(r)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), XLSX


def _export_rows(t: Translator, rows: list[ListedDocument]) -> tuple[list[str], list[list[Any]]]:
    header = [
        "id",
        t("region"),
        t("department"),
        t("alias"),
        t("year"),
        t("kind"),
        t("version"),
        t("current"),
        t("sev_error"),
        t("sev_warning"),
        t("sev_notice"),
        t("imported_at"),
        t("source_file"),
    ]
    body = [
        [
            r.id,
            r.region,
            r.department,
            r.alias or "",
            r.year,
            t.kind(r.kind),
            r.version,
            r.is_current,
            r.errors,
            r.warnings,
            r.notices,
            r.imported_at,
            r.source_name or "",
        ]
        for r in rows
    ]
    return header, body


def download(body: bytes, media: str, filename: str, headers: dict[str, str]) -> Response:
    """A file response with the site's security headers (ASCII file name)."""
    return Response(
        body,
        media_type=media,
        headers={**headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- router -----------------------------------------------------------------------------------
def create_listing_router(site: Any) -> APIRouter:
    """``/documents`` (the list page) and ``/documents.csv`` / ``/documents.xlsx`` (its
    export), bound to the pages' :class:`cnbudget.web.pages.Site`."""
    from cnbudget.web.pages import HEADERS

    router = APIRouter(include_in_schema=False)

    def denied(request: Request) -> Response | None:
        if site.may_read(request):
            return None
        return site.render(request, "login.html", status=401, next=request.url.path)

    @router.get("/documents", response_class=HTMLResponse)
    def documents_list(request: Request) -> Response:
        """Every document, filtered, sorted and paged."""
        if (no := denied(request)) is not None:
            return no
        q = Query.of(request.query_params)
        rows = listed_documents(site.engine, q)
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        page = min(q.page, pages)
        shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        stats = data.overview(site.engine)
        return site.render(
            request,
            "documents.html",
            nav="documents",
            q=q,
            rows=shown,
            total=len(rows),
            page=page,
            pages=pages,
            years=stats.years,
            regions=data.region_names(site.engine),
            sorts=SORTS,
        )

    @router.get("/documents.{fmt}")
    def documents_export(request: Request, fmt: str) -> Response:
        """The whole filtered, sorted list as CSV or XLSX."""
        if (no := denied(request)) is not None:
            return no
        if fmt not in ("csv", "xlsx"):
            return site.not_found(request, Translator(site.lang(request))("not_found"))
        t = Translator(site.lang(request))
        rows = listed_documents(site.engine, Query.of(request.query_params))
        header, body = _export_rows(t, rows)
        data_, media = table_bytes(fmt, header, body, sheet="documents")
        return download(data_, media, f"cnbudget-documents.{fmt}", HEADERS)

    from cnbudget.web.exports import add_export_routes

    add_export_routes(router, site, denied)
    return router
