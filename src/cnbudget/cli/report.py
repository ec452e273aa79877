"""Render check reports as text (rich), JSON and JUnit XML."""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from rich.console import Console

from cnbudget.checks import Report

_STYLE = {"error": "bold red", "warning": "yellow", "notice": "cyan"}
_LABEL = {"error": "错误 error", "warning": "警告 warning", "notice": "提示 notice"}


def source_lines(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def print_text(console: Console, report: Report, lines: list[str], *, english: bool) -> None:
    console.print(f"[bold]{report.document or ''}[/bold]")
    if report.reader or report.layout:
        console.print(f"[dim]读取方式 reader: {report.reader}  版式 layout: {report.layout}[/dim]")
    for f in report.findings:
        loc = f.location
        where = []
        if loc.table_no:
            where.append(f"表{loc.table_no}")
        if loc.unit_name:
            where.append(loc.unit_name)
        if loc.row_code:
            where.append(loc.row_code)
        if loc.row_name:
            where.append(loc.row_name)
        if loc.column:
            where.append(f"「{loc.column}」")
        line = f"第 {loc.source_line} 行" if loc.source_line else ""
        console.print(
            f"[{_STYLE[f.severity]}]{_LABEL[f.severity]}[/] [bold]{f.rule}[/] {line} "
            f"{' '.join(where)}",
            highlight=False,
        )
        console.print(f"    {f.message_en if english else f.message_zh}", highlight=False)
        if f.expected is not None or f.found is not None:
            console.print(
                f"    应为 expected: {f.expected}   实为 found: {f.found}   差 difference: "
                f"{f.difference}",
                highlight=False,
            )
        if loc.source_line and 0 < loc.source_line <= len(lines):
            text = lines[loc.source_line - 1].replace("\t", " │ ")
            console.print(f"    [dim]{loc.source_line:>5} │ {text[:160]}[/dim]", highlight=False)
    e, w, n = report.count("error"), report.count("warning"), report.count("notice")
    style = "bold red" if e else ("yellow" if w else "bold green")
    console.print(
        f"[{style}]{e} 个错误，{w} 个警告，{n} 个提示 / {e} errors, {w} warnings, {n} notices[/]"
    )


def to_json(reports: list[Report]) -> str:
    out = []
    for r in reports:
        for f in r.findings:
            d = f.flat()
            d["document"] = r.document
            out.append(d)
    return json.dumps(out, ensure_ascii=False, indent=2)


def to_junit(reports: list[Report]) -> str:
    """One test suite per document, one test case per finding (errors/warnings as failures)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    for r in reports:
        failing = [f for f in r.findings if f.severity != "notice"]
        parts.append(
            f"<testsuite name={quoteattr(r.document or 'document')} "
            f'tests="{max(len(r.findings), 1)}" failures="{len(failing)}">'
        )
        if not r.findings:
            parts.append('<testcase classname="cnbudget" name="no findings"/>')
        for f in r.findings:
            name = quoteattr(f"{f.rule} line {f.location.source_line or '-'}")
            parts.append(f'<testcase classname="{f.family}" name={name}>')
            if f.severity != "notice":
                parts.append(
                    f"<failure type={quoteattr(f.severity)} message={quoteattr(f.message_zh)}>"
                    f"{escape(f.message_en)}</failure>"
                )
            parts.append("</testcase>")
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts)
