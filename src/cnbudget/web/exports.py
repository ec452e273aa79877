"""CSV / XLSX downloads of what the list pages show: a document's findings, a comparison of two
documents, and the peer comparison.

Why the pages offer these and not only the API: the reader of a page (a finance officer, a
journalist) wants the rows she is looking at in a spreadsheet without composing API calls. Each
download is built from the same store function as its page (read-only, bound parameters), and
amounts are written as exact decimal text in 万元 (never floats), as the tables print them.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cnbudget.store import compare_documents
from cnbudget.store.responses import STATUS_LABELS, findings_with_answers
from cnbudget.web import data
from cnbudget.web.i18n import Translator

__all__ = ["add_export_routes", "decimal_text"]


def decimal_text(v: Decimal | str | None, places: str = "0.01") -> str:
    """An exact amount as text with two decimals (``""`` when absent)."""
    if v is None or v == "":
        return ""
    return format(Decimal(v).quantize(Decimal(places)), "f")


def _answer_cells(answer: dict[str, Any] | None, en: bool) -> list[str]:
    """Status, who, when (UTC) and note of a finding's answer (blank while unanswered)."""
    if not answer:
        return ["", "", "", ""]
    zh, label_en = STATUS_LABELS.get(answer["status"], (answer["status"], answer["status"]))
    return [
        label_en if en else zh,
        answer["author"],
        answer["created_at"][:16].replace("T", " "),
        answer["note"] or "",
    ]


def add_export_routes(
    router: APIRouter, site: Any, denied: Callable[[Request], Response | None]
) -> None:
    """Register the downloads on ``router`` (``denied`` answers when reads need the token)."""
    from cnbudget.web.listing import download, table_bytes
    from cnbudget.web.pages import HEADERS

    def fmt_ok(fmt: str) -> bool:
        return fmt in ("csv", "xlsx")

    @router.get("/documents/{doc_id}/findings.{fmt}")
    def findings_export(request: Request, doc_id: int, fmt: str) -> Response:
        """The findings of a document's latest check run."""
        if (no := denied(request)) is not None:
            return no
        t = Translator(site.lang(request))
        if not fmt_ok(fmt) or doc_id not in data.documents_of(site.engine, [doc_id]):
            return site.not_found(request, t("not_found_doc", id=doc_id))
        en = t.lang == "en"
        header = [
            t("severity_col"),
            "rule",
            t("table_col"),
            t("row_col"),
            t("compare_column"),
            t("expected"),
            t("found"),
            t("difference"),
            t("message_col"),
            t("line_col"),
            t("answer_col"),
            t("answer_by"),
            t("answer_at"),
            t("answer_note"),
        ]
        rows = [
            [
                t.severity(f["severity"]),
                f["rule"],
                f["table_no"] if f["table_no"] is not None else "",
                " ".join(x for x in (f["row_code"], f["row_name"]) if x),
                f["column"] or "",
                decimal_text(f["expected"]),
                decimal_text(f["found"]),
                decimal_text(f["difference"]),
                (f["message_en"] if en and f["message_en"] else f["message"]) or "",
                f["source_line"] if f["source_line"] is not None else "",
                *_answer_cells(f["answer"], en),
            ]
            for f in findings_with_answers(site.engine, doc_id)
        ]
        body, media = table_bytes(fmt, header, rows, sheet="findings")
        return download(body, media, f"cnbudget-{doc_id}-findings.{fmt}", HEADERS)

    @router.get("/compare.{fmt}")
    def compare_export(
        request: Request, fmt: str, a: int | None = None, b: int | None = None, all: int = 0
    ) -> Response:
        """Two documents cell by cell (changed cells only unless ``all=1``)."""
        if (no := denied(request)) is not None:
            return no
        t = Translator(site.lang(request))
        refs = data.documents_of(site.engine, [x for x in (a, b) if x is not None])
        if not fmt_ok(fmt) or a is None or b is None or a not in refs or b not in refs:
            return site.not_found(request, t("compare_none"))
        diffs = compare_documents(site.engine, a, b)
        if not all:
            diffs = [d for d in diffs if d.status != "same"]
        header = [
            t("table_col"),
            t("row_col"),
            t("compare_column"),
            f"A ({refs[a].year} #{a})",
            f"B ({refs[b].year} #{b})",
            t("change"),
            t("compare_rel"),
            t("status_col"),
        ]
        rows = [
            [
                d.table_no if d.table_no is not None else d.table_type,
                " ".join(x for x in (d.row_code, d.row_name) if x),
                d.column,
                decimal_text(d.a),
                decimal_text(d.b),
                decimal_text(d.diff),
                "" if d.rel_diff is None else f"{(d.rel_diff * 100).quantize(Decimal('0.01'))}%",
                t(f"cmp_{d.status}"),
            ]
            for d in diffs
        ]
        body, media = table_bytes(fmt, header, rows, sheet="compare")
        return download(body, media, f"cnbudget-compare-{a}-{b}.{fmt}", HEADERS)

    @router.get("/peers.{fmt}")
    def peers_export(
        request: Request,
        fmt: str,
        year: int | None = None,
        region: str = "",
        kind: str = "budget",
    ) -> Response:
        """The peer comparison of a year (and region) with every metric and its z-score."""
        if (no := denied(request)) is not None:
            return no
        t = Translator(site.lang(request))
        if not fmt_ok(fmt):
            return site.not_found(request, t("not_found"))
        from cnbudget.analysis import region_peers

        kind = kind if kind in ("budget", "final") else "budget"
        years = data.overview(site.engine).years
        year = year if year is not None else (years[0] if years else None)
        region = region.strip()[:100]
        leaf = region.rsplit("/", 1)[-1] if region else None
        profiles = (
            region_peers(site.engine, year=year, kind=kind, region=leaf) if year is not None else []
        )
        if region:
            profiles = [p for p in profiles if p.base.region == region]
        metrics = ("three_public_per_staff", "running_costs_per_staff", "project_share")
        metrics += ("carryover_share",)
        header = [t("department"), t("region"), t("staff"), t("three_public"), t("running_costs")]
        for m in metrics:
            header += [t(f"metric_{m}"), f"z ({t(f'metric_{m}')})"]
        header += [t("outlier"), t("peers_why")]
        rows = []
        for p in profiles:
            row: list[Any] = [
                p.department,
                p.base.region,
                p.staff if p.staff is not None else "",
                decimal_text(p.base.three_public),
                decimal_text(p.running_costs),
            ]
            for m in metrics:
                pm = p.metrics.get(m)
                value = getattr(pm, "value", None)
                z = getattr(pm, "z", None)
                row += [decimal_text(value, "0.0001"), "" if z is None else str(z)]
            reasons = p.reasons_en if t.lang == "en" else p.reasons_zh
            row += [p.outlier, "；".join(reasons)]
            rows.append(row)
        body, media = table_bytes(fmt, header, rows, sheet="peers")
        return download(body, media, f"cnbudget-peers-{year}-{kind}.{fmt}", HEADERS)
