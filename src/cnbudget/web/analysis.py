"""The analysis pages of a document (issue 8): 透明度评分 (scorecard), 上年核对 (reconciliation
with last year's disclosure), 预算执行 (a 决算 against its budget) and 绩效目标 (weak targets).

Every figure or point links to where it is printed: a location of :mod:`cnbudget.analysis` is
resolved to the element id the document page gives that cell or sentence (the same resolver
as the findings panel), so ``/documents/{id}#c-…`` scrolls to it and highlights it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from cnbudget.model import Document
from cnbudget.store import list_documents, load_document
from cnbudget.web import data
from cnbudget.web.docview import build_view
from cnbudget.web.i18n import Translator

__all__ = ["add_analysis_routes", "anchors", "one_language"]

#: Status order of the reconciliation table: what needs attention first.
_STATUS_ORDER = {"restated": 0, "missing_row": 1, "unverifiable": 2, "unmapped": 3, "match": 4}


def anchors(doc: Document, locations: list[Mapping[str, Any] | None]) -> list[str | None]:
    """The document page's element id of each location (``None`` when it is not printed)."""
    fake = [{**(loc or {}), "rule": "", "severity": "notice", "message": ""} for loc in locations]
    view = build_view(doc, fake)
    out: list[str | None] = [None] * len(locations)
    for f in view.findings:
        if locations[f.index] and f.targets:
            out[f.index] = f.targets[0]
    return out


def one_language(text: str | None, lang: str) -> str | None:
    """The part of a bilingual ``"中文 / English"`` analysis string in ``lang``.

    The analysis writes its explanations once for both audiences (``未找到 / not found: 表1、
    表2``); a page in one language shows one. A list after the English colon belongs to both
    halves (``未找到：表1、表2``). Text without `` / `` is returned as it is.
    """
    if not text or " / " not in text:
        return text
    zh, en = text.split(" / ", 1)
    if lang == "en":
        return en
    if ": " in en and not zh.rstrip().endswith(("：", ":")):
        items = en.split(": ", 1)[1]
        return f"{zh.rstrip()}：{items}"
    return zh


def _one_language_card(card: dict[str, Any], lang: str) -> None:
    """Reduce the scorecard's bilingual strings to the page's language, in place."""
    for c in card["criteria"]:
        c["na_reason"] = one_language(c.get("na_reason"), lang)
        for p in c["points"]:
            p["absence"] = one_language(p.get("absence"), lang)
            for e in p["evidence"]:
                e["what"] = one_language(e.get("what"), lang)


def _link(doc_id: int | None, anchor: str | None) -> str | None:
    if doc_id is None or anchor is None:
        return None
    return f"/documents/{doc_id}#{anchor}"


def _add_links(items: list[dict], doc: Any, doc_id: int | None, src: str, href: str) -> None:
    """Give each item a link to the cell or sentence its ``src`` location names in ``doc``."""
    for item, a in zip(items, anchors(doc, [item[src] for item in items]), strict=True):
        item[href] = _link(doc_id, a)


def add_analysis_routes(router: APIRouter, site: Any, guarded: Callable[..., Any]) -> None:
    """Add the four analysis pages to the site's router."""

    def context(request: Request, doc_id: int) -> tuple[Any, Any, Document] | Response:
        t = Translator(site.lang(request))
        refs = data.documents_of(site.engine, [doc_id])
        if doc_id not in refs:
            return site.not_found(request, t("not_found_doc", id=doc_id))
        ref = refs[doc_id]
        info = next(
            d for d in list_documents(site.engine, department=ref.department_id) if d.id == doc_id
        )
        return ref, info, load_document(site.engine, doc_id)

    def render(request: Request, tab: str, ref: Any, info: Any, **ctx: Any) -> HTMLResponse:
        lang = site.lang(request)

        def L(zh: str, en: str) -> str:
            return en if lang == "en" else zh

        return site.render(
            request, f"analysis_{tab}.html", nav="document", ref=ref, info=info, tab=tab, L=L, **ctx
        )

    @router.get("/documents/{doc_id}/scorecard", response_class=HTMLResponse)
    @guarded
    def scorecard_page(request: Request, doc_id: int) -> Response:
        """Every criterion with its points; every point links to its evidence."""
        from cnbudget.analysis import score_document

        ctx = context(request, doc_id)
        if isinstance(ctx, Response):
            return ctx
        ref, info, doc = ctx
        card = score_document(
            doc, publication_date=info.publication_date, document_id=doc_id
        ).as_dict()
        evs = [e for c in card["criteria"] for p in c["points"] for e in p["evidence"]]
        _add_links(evs, doc, doc_id, "location", "href")
        _one_language_card(card, site.lang(request))
        return render(request, "scorecard", ref, info, card=card)

    @router.get("/documents/{doc_id}/reconciliation", response_class=HTMLResponse)
    @guarded
    def reconciliation_page(request: Request, doc_id: int) -> Response:
        """Every 比上年 statement against last year's published figure, restatements first."""
        from cnbudget.analysis import reconcile_stored

        ctx = context(request, doc_id)
        if isinstance(ctx, Response):
            return ctx
        ref, info, doc = ctx
        result = reconcile_stored(site.engine, doc_id)
        rec = result.as_dict() if result is not None else None
        if rec is not None:
            comps = rec["comparisons"]
            comps.sort(key=lambda c: _STATUS_ORDER.get(c["status"], 9))
            prev_id = rec["previous"]["document_id"]
            prev_doc = load_document(site.engine, prev_id)
            _add_links(comps, doc, doc_id, "statement", "statement_href")
            _add_links(comps, doc, doc_id, "current", "current_href")
            _add_links(comps, prev_doc, prev_id, "previous", "previous_href")
        return render(request, "reconciliation", ref, info, rec=rec)

    @router.get("/documents/{doc_id}/execution", response_class=HTMLResponse)
    @guarded
    def execution_page(request: Request, doc_id: int) -> Response:
        """A 决算's execution per 类/款/项 and 三公 item, unexplained variances flagged."""
        from cnbudget.analysis import execution_stored

        ctx = context(request, doc_id)
        if isinstance(ctx, Response):
            return ctx
        ref, info, doc = ctx
        ex = execution_stored(site.engine, doc_id).as_dict() if info.kind == "final" else None
        if ex is not None:
            lines = ex["lines"]
            budget_id = ex["budget"]["document_id"] if ex["budget"] else None
            budget_doc = load_document(site.engine, budget_id) if budget_id else None
            _add_links(lines, doc, doc_id, "explanation", "explanation_href")
            if budget_doc is not None:
                _add_links(lines, budget_doc, budget_id, "budget_location", "budget_href")
        return render(request, "execution", ref, info, ex=ex)

    @router.get("/documents/{doc_id}/performance", response_class=HTMLResponse)
    @guarded
    def performance_page(request: Request, doc_id: int) -> Response:
        """The performance tables and the indicators without a measurable target."""
        from cnbudget.analysis import weak_targets
        from cnbudget.analysis.performance import table_label

        ctx = context(request, doc_id)
        if isinstance(ctx, Response):
            return ctx
        ref, info, doc = ctx
        weak = weak_targets(doc)
        # indicator rows have no id of their own on the document page: link to their table
        by_label = {table_label(p): p for p in doc.performance}
        locs: list[Mapping[str, Any] | None] = []
        for w in weak:
            p = by_label.get(w.table)
            locs.append(
                None
                if p is None
                else {
                    "table_type": f"performance_{p.kind}",
                    "row_name": p.project_name or p.unit_name,
                }
            )
        links = anchors(doc, locs)
        rows = [
            {
                "table": w.table,
                "indicator": w.indicator,
                "target": w.target,
                "reason_zh": w.reason_zh,
                "reason_en": w.reason_en,
                "line": w.location.source_line,
                "href": _link(doc_id, a),
            }
            for w, a in zip(weak, links, strict=True)
        ]
        tables = [(table_label(p), len(p.indicators)) for p in doc.performance]
        return render(request, "performance", ref, info, weak=rows, tables=tables)
