"""Review-round commands of the CLI: ``annotate`` (the PDF a reviewer sends back).

They live apart from :mod:`cnbudget.cli.main` (registered by one import line at its bottom), like
the store's commands, so that the review round can grow (answered findings, versions) without
touching the per-file commands.

Exit status, as for every cnbudget command: 0 written, 2 the file (or an argument) cannot be used.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from cnbudget.cli.main import cli, console, err, layout_option

__all__ = ["annotate"]


def _fail(zh: str, en: str) -> NoReturn:
    err.print(f"[bold red]{zh}[/] / {en}")
    sys.exit(2)


def default_output(path: Path) -> Path:
    """``报告.pdf`` → ``报告.审核.pdf`` beside it."""
    return path.with_name(f"{path.stem}.审核.pdf")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="输出文件 / output file (default: FILE.审核.pdf)",
)
@layout_option
def annotate(file: str, output: str | None, layout: str | None) -> None:
    """在 PDF 上标出每个问题 / draw every finding on the PDF, with a list of them in front.

    每个问题在其所在页、所在单元格或段落画框（错误红、警告橙、提示蓝），说明作为批注；
    首页列出全部问题及页码。

    Each finding is framed where it is (error red, warning orange, notice blue) with its message
    as the note; the pages in front list every finding and its page.
    """
    from pypdf.errors import PdfReadError

    from cnbudget.checks import check_document
    from cnbudget.ingest import ReadError, read_path
    from cnbudget.outputs.annotate import annotate_pdf

    src = Path(file)
    if not src.is_file():
        _fail(f"找不到文件 {file}", f"no such file: {file}")
    if src.suffix.lower() != ".pdf":
        _fail(f"只能标注 PDF 文件：{src.name}", f"only PDF files can be annotated: {src.name}")
    with src.open("rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            _fail(f"不是 PDF 文件：{src.name}", f"not a PDF file: {src.name}")
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # repaired quirks are not the user's task
    out = Path(output) if output else default_output(src)
    if out.resolve() == src.resolve():
        _fail("输出文件不能覆盖原文件", "the output must not overwrite the original")
    try:
        doc = read_path(src, layout=layout)
    except ReadError as exc:
        _fail(f"无法读取 {exc.message_zh}", f"cannot read: {exc.message_en}")
    except KeyError as exc:
        _fail(f"版式错误 {exc}", f"layout error {exc}")
    report = check_document(doc)
    report.document = str(src)
    try:
        with console.status("标注 / annotating …"):
            result = annotate_pdf(src, report, out, doc=doc)
    except PdfReadError as exc:
        _fail(f"无法读取 PDF 结构：{src.name}", f"cannot read the PDF structure: {exc}")
    except OSError as exc:
        _fail(f"无法写入 {out}", f"cannot write {out}: {exc.strerror or exc}")
    console.print(
        f"已写入 / written: {out}  "
        f"({report.count('error')} 个错误 errors, {report.count('warning')} 个警告 warnings, "
        f"{report.count('notice')} 个提示 notices; 已标注 annotated {len(result.placed)}, "
        f"仅列于首页 listed only in front {len(result.unplaced)})"
    )
