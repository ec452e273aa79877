"""``cnbudget build``: input → checked document → files in every requested format.

The input is a filled workbook, an authoring JSON/YAML (document + last year's figures …), a
canonical document (``cnbudget parse`` output) or a published text. 第三部分 is written from the
figures when the input has none (or when asked to rewrite it). The checks run on the text as
it will be published, read back by the same reader users will use; any error refuses the build.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cnbudget.authoring.inputs import AuthoringInput, load_input
from cnbudget.authoring.narrative import compose
from cnbudget.checks import Report, check_document
from cnbudget.ingest import read_path
from cnbudget.ingest.text import read_text
from cnbudget.model import Document, ParseIssue
from cnbudget.outputs.text import render_text

FORMATS = ("html", "pdf", "docx", "xlsx", "txt")


class BuildError(Exception):
    """A requested output cannot be produced (unknown format, writer not installed)."""


def _writer(fmt: str) -> Callable[[Document, Path], object]:
    try:
        return _import_writer(fmt)
    except ImportError as exc:
        raise BuildError(f"格式 {fmt} 不可用 / format {fmt} not available: {exc}") from exc


def _import_writer(fmt: str) -> Callable[[Document, Path], object]:
    if fmt == "txt":
        return lambda doc, path: path.write_text(render_text(doc), encoding="utf-8")
    if fmt == "html":
        from cnbudget.outputs.html import write_html

        return write_html
    if fmt == "pdf":
        from cnbudget.outputs.pdf import write_pdf

        return write_pdf
    if fmt == "docx":
        from cnbudget.outputs.docx import write_docx

        return write_docx
    if fmt == "xlsx":
        from cnbudget.outputs.xlsx import write_xlsx

        return write_xlsx
    raise BuildError(f"未知格式 / unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def load_any(path: str | Path) -> tuple[AuthoringInput, list[ParseIssue]]:
    """Read any accepted input; reader issues are returned, not raised."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        from cnbudget.authoring.workbook import read_workbook

        return read_workbook(p)
    if suffix in (".json", ".yaml", ".yml"):
        return load_input(p), []
    doc = read_path(p)
    return AuthoringInput(document=doc), list(doc.issues)


def file_stem(doc: Document) -> str:
    md = doc.metadata
    name = f"{md.full_name or md.department or 'document'}{md.year or ''}年部门预算公开"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", name)


@dataclass
class BuildResult:
    document: Document
    text: str
    report: Report
    written: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.report.errors)


def missing_inputs(inp: AuthoringInput, composed: bool) -> list[str]:
    """What the narrative had to leave generic: said to the user, never silently."""
    if not composed:
        return []
    out = []
    if not inp.prior:
        out.append("上年数（无“比上年”说明）/ last year's figures (no year-over-year sentences)")
    if not inp.procurement:
        out.append("政府采购 / government procurement")
    if not inp.assets:
        out.append("国有资产占用情况 / state assets")
    if not inp.projects:
        out.append("项目设立依据与资金分配 / project basis and allocation")
    return out


def build(
    inp: AuthoringInput,
    out_dir: str | Path,
    formats: list[str] | tuple[str, ...] = FORMATS,
    *,
    regenerate: bool = False,
) -> BuildResult:
    writers = {fmt: _writer(fmt) for fmt in formats}
    composed = regenerate or not inp.document.explanation
    doc = compose(inp) if composed else inp.document
    text = render_text(doc)
    published = read_text(text, name=file_stem(doc) + ".txt")
    report = check_document(published)
    result = BuildResult(
        document=doc, text=text, report=report, missing=missing_inputs(inp, composed)
    )
    if result.refused:
        return result
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(doc)
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        writers[fmt](doc, path)
        result.written.append(path)
    return result
