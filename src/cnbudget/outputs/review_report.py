"""The finance bureau's batch review report: every checked document's findings in one file.

Why: a reviewer at a 财政局 checks every department's disclosure before publication and sends each
department what to fix. Copying terminal output into Excel by hand loses the location and the
figures; this module writes what the reviewer works in:

* ``review.xlsx`` — a summary sheet (department, year, document, errors / warnings / notices, the
  worst rule, a link to the document's sheet) and one sheet per document with one row per
  finding (rule, severity, table, row, column, expected, found, difference, page / line / cell,
  the message in Chinese and in English, and a *status* column: the answer stored for the
  finding (已接受 / 已说明 / 误报, with the note, who and when — :mod:`cnbudget.store.responses`)
  when the caller passes the answers, else empty for the reviewer to fill in). Headers are frozen and filtered, Chinese first with English below.
* ``review.html`` — the same as ONE self-contained page (inline CSS, no script, no outside
  resource) that opens offline from a mail attachment; every name and finding is escaped, since
  file names and printed texts come from the departments.

The format is chosen by the file suffix (:func:`report_format`), so a caller can refuse a wrong
suffix before reading any file.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cnbudget.checks.findings import SEVERITY_ORDER, Finding, Report, finding_keys
from cnbudget.model import Document
from cnbudget.outputs.xlsx import sheet_name

__all__ = [
    "COLUMNS",
    "SUMMARY_SHEET",
    "Answers",
    "DocumentSummary",
    "ReportFormatError",
    "ReviewItem",
    "Unreadable",
    "finding_row",
    "render_review_html",
    "report_format",
    "status_text",
    "summarise",
    "write_review_report",
]

#: One reviewed document: (source file name, the document read, its check report).
ReviewItem = tuple[str, Document, Report]
#: Stored answers per source file: finding key → the answer's JSON
#: (:meth:`cnbudget.store.responses.Answer.jsonable`).
Answers = Mapping[str, Mapping[str, Mapping[str, Any]]]

_STATUS_WORDS = {
    "accepted": "已接受 accepted",
    "explained": "已说明 explained",
    "false": "误报 false positive",
}
ReportFormat = Literal["xlsx", "html"]

SEVERITY_ZH = {"error": "错误", "warning": "警告", "notice": "提示"}
KIND_ZH = {"budget": "预算", "final": "决算"}

#: The finding columns: (key, Chinese header, English header, spreadsheet width in characters).
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("no", "序号", "No.", 6),
    ("rule", "规则", "Rule", 16),
    ("severity", "级别", "Severity", 10),
    ("table", "表", "Table", 7),
    ("unit", "单位", "Unit", 16),
    ("row_code", "科目编码", "Row code", 11),
    ("row_name", "行名称", "Row name", 26),
    ("column", "栏目", "Column", 22),
    ("expected", "应为", "Expected", 13),
    ("found", "实为", "Found", 13),
    ("difference", "差额", "Difference", 13),
    ("page", "页码", "Page", 7),
    ("line", "行号", "Line", 7),
    ("cell", "单元格", "Cell", 12),
    ("sentence", "原文", "Sentence", 40),
    ("message_zh", "问题说明", "Message (Chinese)", 60),
    ("message_en", "英文说明", "Message (English)", 60),
    ("status", "处理状态", "Status", 30),
)
_AMOUNT_KEYS = {"expected", "found", "difference"}


class ReportFormatError(ValueError):
    """A report path whose suffix names no format we write."""

    def __init__(self, path: str | Path) -> None:
        self.message_zh = f"不支持的报告格式：{Path(path).name}（请用 .xlsx 或 .html）"
        self.message_en = f"unsupported report format {Path(path).suffix or '(none)'}"
        super().__init__(f"{self.message_zh} / {self.message_en}")


def report_format(path: str | Path) -> ReportFormat:
    """``'xlsx'`` or ``'html'`` from the suffix of ``path``; :class:`ReportFormatError` otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".html", ".htm"):
        return "html"
    raise ReportFormatError(path)


@dataclass(frozen=True)
class DocumentSummary:
    """One line of the summary: who, which year, what, how many findings, the worst rule."""

    source: str
    department: str
    year: int | None
    kind: str
    errors: int
    warnings: int
    notices: int
    worst_rule: str

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.notices


def _worst_rule(report: Report) -> str:
    """The rule of the most serious findings (most frequent among them; ID breaks ties), e.g.
    ``NAR-AMT-001 ×2``; empty when the document has no finding."""
    if not report.findings:
        return ""
    top = max(SEVERITY_ORDER[f.severity] for f in report.findings)
    counts = Counter(f.rule for f in report.findings if SEVERITY_ORDER[f.severity] == top)
    rule, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return f"{rule} ×{n}" if n > 1 else rule


def summarise(source: str, doc: Document, report: Report) -> DocumentSummary:
    """The summary line of one reviewed document."""
    md = doc.metadata
    return DocumentSummary(
        source=source,
        department=md.full_name or "",
        year=md.year,
        kind=KIND_ZH.get(md.kind, md.kind),
        errors=report.count("error"),
        warnings=report.count("warning"),
        notices=report.count("notice"),
        worst_rule=_worst_rule(report),
    )


def status_text(answer: Mapping[str, Any] | None) -> str:
    """The status cell: ``已说明 explained：note（author，2026-12-01）`` — empty while unanswered."""
    if not answer:
        return ""
    words = _STATUS_WORDS.get(str(answer["status"]), str(answer["status"]))
    note = f"：{answer['note']}" if answer.get("note") else ""
    when = str(answer.get("created_at") or "")[:10]
    carried = (
        f"；沿用第 {answer['version']} 版 / from version {answer['version']}"
        if answer.get("inherited") and answer.get("version")
        else ""
    )
    return f"{words}{note}（{answer.get('author', '')}，{when}{carried}）"


def _rows(
    report: Report, answers: Mapping[str, Mapping[str, Any]] | None
) -> Iterator[tuple[Finding, dict[str, object]]]:
    """Each finding, most serious first, with its cells (the status from ``answers``, looked
    up by the finding key computed over the report in the checks' own order)."""
    keys = finding_keys([f.flat() for f in report.findings])
    key_of = {id(f): k for f, k in zip(report.findings, keys, strict=True)}
    for n, f in enumerate(_sorted(report.findings), start=1):
        answer = (answers or {}).get(key_of[id(f)])
        yield f, finding_row(n, f, answer)


def finding_row(no: int, f: Finding, answer: Mapping[str, Any] | None = None) -> dict[str, object]:
    """The cells of one finding, keyed as :data:`COLUMNS` (amounts stay ``Decimal``)."""
    loc = f.location
    return {
        "no": no,
        "rule": f.rule,
        "severity": f"{SEVERITY_ZH[f.severity]} {f.severity}",
        "table": f"表{loc.table_no}" if loc.table_no else "",
        "unit": loc.unit_name or "",
        "row_code": loc.row_code or "",
        "row_name": loc.row_name or "",
        "column": loc.column or "",
        "expected": f.expected,
        "found": f.found,
        "difference": f.difference,
        "page": loc.source_page,
        "line": loc.source_line,
        "cell": loc.source_cell or "",
        "sentence": loc.sentence or "",
        "message_zh": f.message_zh,
        "message_en": f.message_en,
        "status": status_text(answer),
    }


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    """Most serious first, then in reading order (page, line), so a reviewer starts at the top."""
    return sorted(
        findings,
        key=lambda f: (
            -SEVERITY_ORDER[f.severity],
            f.location.source_page or 0,
            f.location.source_line or 0,
            f.rule,
        ),
    )


#: A file that could not be read: (source file name, the reason, Chinese / English).
Unreadable = tuple[str, str]


def write_review_report(
    items: Sequence[ReviewItem],
    path: str | Path,
    *,
    failed: Sequence[Unreadable] = (),
    answers: Answers | None = None,
) -> Path:
    """Write the review report of ``items`` to ``path`` (``.xlsx`` or ``.html``) and return it.

    ``failed`` lists the files that could not be read: they get a summary line with the reason,
    so that a reviewer does not take a missing department for a clean one. ``answers`` (per
    source file) fills the status column.
    """
    p = Path(path)
    fmt = report_format(p)
    if fmt == "xlsx":
        _write_xlsx(items, p, failed, answers or {})
    else:
        p.write_text(render_review_html(items, failed=failed, answers=answers), encoding="utf-8")
    return p


# --- XLSX -------------------------------------------------------------------------------------

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SUMMARY_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "No.", 6),
    ("部门", "Department", 30),
    ("年度", "Year", 7),
    ("类别", "Kind", 7),
    ("文件", "Document", 44),
    ("错误", "Errors", 8),
    ("警告", "Warnings", 9),
    ("提示", "Notices", 8),
    ("最严重规则", "Worst rule", 20),
    ("明细", "Findings sheet", 22),
)
AMOUNT_FORMAT = "#,##0.00##"
SUMMARY_SHEET = "汇总 Summary"
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="EEF0F3")
_LINK_FONT = Font(color="0563C1", underline="single")
_FILLS = {
    "error": PatternFill("solid", fgColor="FDE2E1"),
    "warning": PatternFill("solid", fgColor="FFF0D9"),
    "notice": PatternFill("solid", fgColor="E3EEFC"),
}
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


def _cell_value(value: object) -> object:
    """A value openpyxl writes faithfully: text without XML control characters, Decimal as is."""
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    return value


def _write_xlsx(
    items: Sequence[ReviewItem], path: Path, failed: Sequence[Unreadable], answers: Answers
) -> None:
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    taken = {summary.title}
    for c, (zh, en, width) in enumerate(_SUMMARY_COLUMNS, start=1):
        cell = summary.cell(row=1, column=c, value=f"{zh}\n{en}")
        cell.font, cell.fill, cell.alignment = _HEAD_FONT, _HEAD_FILL, _WRAP
        summary.column_dimensions[get_column_letter(c)].width = width
    summary.row_dimensions[1].height = 30

    for i, (source, doc, report) in enumerate(items, start=1):
        s = summarise(source, doc, report)
        title = sheet_name(f"{i:02d} {s.department or Path(source).stem}", taken)
        ws = wb.create_sheet(title)
        values: list[object] = [
            i,
            s.department,
            s.year,
            s.kind,
            source,
            s.errors,
            s.warnings,
            s.notices,
            s.worst_rule,
            f"→ {title}",
        ]
        r = i + 1
        for c, v in enumerate(values, start=1):
            summary.cell(row=r, column=c, value=_cell_value(v)).alignment = _TOP
        link = summary.cell(row=r, column=len(values))
        link.hyperlink = f"#'{title}'!A1"
        link.font = _LINK_FONT
        if s.errors:
            summary.cell(row=r, column=6).fill = _FILLS["error"]
        elif s.warnings:
            summary.cell(row=r, column=7).fill = _FILLS["warning"]
        _findings_sheet(ws, source, report, answers.get(source))

    for j, (source, reason) in enumerate(failed, start=len(items) + 1):
        summary.cell(row=j + 1, column=1, value=j).alignment = _TOP
        summary.cell(row=j + 1, column=5, value=_cell_value(source)).alignment = _TOP
        note = summary.cell(
            row=j + 1, column=9, value=_cell_value(f"无法读取 / unreadable: {reason}")
        )
        note.fill, note.alignment = _FILLS["error"], _WRAP
    last = max(len(items) + len(failed) + 1, 2)
    summary.freeze_panes = "A2"
    summary.auto_filter.ref = f"A1:{get_column_letter(len(_SUMMARY_COLUMNS))}{last}"
    wb.save(path)


def _findings_sheet(
    ws: Worksheet, source: str, report: Report, answers: Mapping[str, Mapping[str, Any]] | None
) -> None:
    """One document's findings: a back-link line, the header row, one row per finding."""
    back = ws.cell(row=1, column=1, value=_cell_value(f"← 汇总 Summary    {source}"))
    back.hyperlink = f"#'{SUMMARY_SHEET}'!A1"
    back.font = _LINK_FONT
    header = 2
    for c, (_key, zh, en, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header, column=c, value=f"{zh}\n{en}")
        cell.font, cell.fill, cell.alignment = _HEAD_FONT, _HEAD_FILL, _WRAP
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[header].height = 30
    findings = list(_rows(report, answers))
    for n, (f, row) in enumerate(findings, start=1):
        r = header + n
        for c, (key, *_rest) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=r, column=c, value=_cell_value(row[key]))
            wrap = key in ("sentence", "message_zh", "message_en", "status")
            cell.alignment = _WRAP if wrap else _TOP
            if key in _AMOUNT_KEYS and isinstance(row[key], Decimal):
                cell.number_format = AMOUNT_FORMAT
        ws.cell(row=r, column=3).fill = _FILLS[f.severity]
    if not findings:
        ws.cell(row=header + 1, column=1, value="未发现问题 / no findings")
    ws.freeze_panes = ws.cell(row=header + 1, column=3)  # header and 序号/规则 stay in view
    last = header + max(len(findings), 1)
    ws.auto_filter.ref = f"A{header}:{get_column_letter(len(COLUMNS))}{last}"


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:1.5em;
color:#1d1d1f;font-size:14px}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:2em 0 .4em;padding-top:.4em;
border-top:2px solid #d0d4da}
.en{color:#666;font-size:.85em;font-weight:normal}
table{border-collapse:collapse;margin:.4em 0 1em;width:100%}
th,td{border:1px solid #c9ced6;padding:.25em .45em;vertical-align:top;text-align:left}
th{background:#eef0f3;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.error td.sev{background:#fde2e1;color:#a40e0e}
tr.warning td.sev{background:#fff0d9;color:#8a4b00}
tr.notice td.sev{background:#e3eefc;color:#0b4a9c}
td.bad{color:#a40e0e;font-weight:bold}
.meta{color:#444}.ok{color:#17663a}
a{color:#0b57d0}td.nw{white-space:nowrap}.wide{overflow-x:auto}
@media print{th{position:static}h2{break-before:page}}
"""


def _e(value: object) -> str:
    """Escaped text of a cell (``None`` as empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def _amount(value: object) -> str:
    if not isinstance(value, Decimal):
        return ""
    return f"{value:,}"


def render_review_html(
    items: Sequence[ReviewItem],
    *,
    failed: Sequence[Unreadable] = (),
    answers: Answers | None = None,
) -> str:
    """The whole review report as one self-contained HTML page (no outside resource)."""
    out: list[str] = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>审核报告 / Review report</title>",
        f'<style>{_CSS}</style></head><body id="top">',
        '<h1>审核报告 <span class="en">Review report</span></h1>',
        f'<p class="meta">共 {len(items) + len(failed)} 个文件 / {len(items) + len(failed)} '
        "documents</p>",
        '<table class="summary"><thead><tr>',
    ]
    for zh, en, _w in _SUMMARY_COLUMNS:
        out.append(f'<th>{zh}<br><span class="en">{en}</span></th>')
    out.append("</tr></thead><tbody>")
    summaries = [summarise(*item) for item in items]
    for i, s in enumerate(summaries, start=1):
        out.append(
            f"<tr><td class=num>{i}</td><td>{_e(s.department)}</td><td>{_e(s.year)}</td>"
            f"<td>{_e(s.kind)}</td><td>{_e(s.source)}</td>"
            f'<td class="num{" bad" if s.errors else ""}">{s.errors}</td>'
            f"<td class=num>{s.warnings}</td><td class=num>{s.notices}</td>"
            f"<td class=nw>{_e(s.worst_rule)}</td>"
            f'<td><a href="#doc-{i}">明细 findings</a></td></tr>'
        )
    for j, (source, reason) in enumerate(failed, start=len(items) + 1):
        out.append(
            f"<tr class=unreadable><td class=num>{j}</td><td></td><td></td><td></td>"
            f'<td>{_e(source)}</td><td colspan="5" class="bad">无法读取 / unreadable: '
            f"{_e(reason)}</td></tr>"
        )
    out.append("</tbody></table>")
    for i, ((source, _doc, report), s) in enumerate(zip(items, summaries, strict=True), start=1):
        title = s.department or source
        out.append(
            f'<section id="doc-{i}"><h2>{i}. {_e(title)} {_e(s.year)} {_e(s.kind)}</h2>'
            f'<p class="meta">{_e(source)} · 错误 errors {s.errors} · 警告 warnings '
            f'{s.warnings} · 提示 notices {s.notices} · <a href="#top">↑ 汇总 summary</a></p>'
        )
        findings = list(_rows(report, (answers or {}).get(source)))
        if not findings:
            out.append('<p class="ok">未发现问题 / no findings</p></section>')
            continue
        out.append('<div class="wide"><table><thead><tr>')
        for _key, zh, en, _w in COLUMNS:
            out.append(f'<th>{zh}<br><span class="en">{en}</span></th>')
        out.append("</tr></thead><tbody>")
        for f, row in findings:
            cells = []
            for key, *_rest in COLUMNS:
                v = row[key]
                if key in _AMOUNT_KEYS:
                    cells.append(f"<td class=num>{_amount(v)}</td>")
                elif key == "severity":
                    cells.append(f"<td class=sev>{_e(v)}</td>")
                elif key in ("rule", "table", "page", "line"):
                    cells.append(f"<td class=nw>{_e(v)}</td>")
                else:
                    cells.append(f"<td>{_e(v)}</td>")
            out.append(f'<tr class="{f.severity}">{"".join(cells)}</tr>')
        out.append("</tbody></table></div></section>")
    out.append("</body></html>")
    return "".join(out)
