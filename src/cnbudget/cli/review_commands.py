"""Review-round commands of the CLI: ``annotate`` (the PDF a reviewer sends back), ``answer``
(mark a stored finding accepted / explained / false), ``query findings`` (a document's findings
with their keys and answers), ``query answers`` (export) and ``query rule-quality`` (false
positives per rule).

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
from cnbudget.cli.store_commands import _emit, _open_store, db_option, format_option, query

__all__ = ["annotate", "answer", "query_answers", "query_findings", "query_rule_quality"]


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


# --------------------------------------------------------------------------------------------
# answers to stored findings


@cli.command()
@click.argument("document_id", type=int)
@click.argument("finding_key")
@click.option(
    "--status",
    type=click.Choice(["accepted", "explained", "false", "open"]),
    required=True,
    help="accepted 已接受（将修改）| explained 已说明 | false 误报 | open 撤回答复",
)
@click.option("--author", required=True, help="答复人 / who answers (stored with the time)")
@click.option("--note", default=None, help="说明（已说明、误报必填）/ why (explained, false)")
@db_option
def answer(
    document_id: int, finding_key: str, status: str, author: str, note: str | None, db: str | None
) -> None:
    """答复一项检查结果 / answer a stored finding (see its key: cnbudget query findings ID).

    The answer is kept with who and when; a corrected version of the document inherits it where
    the same finding (same rule and place) recurs.
    """
    from cnbudget.store.responses import STATUS_LABELS, AnswerError, answer_finding

    engine = _open_store(db)
    try:
        a = answer_finding(engine, document_id, finding_key, status, author=author, note=note)
    except AnswerError as exc:
        _fail(exc.zh, exc.en)
    finally:
        engine.dispose()
    zh, en = STATUS_LABELS[a.status]
    console.print(
        f"已记录 / recorded: 文件 {document_id} {a.rule} → {zh} / {en}"
        f"（{a.author}，{a.created_at:%Y-%m-%d %H:%M} UTC）"
    )


@query.command("findings")
@click.argument("document_id", type=int)
@click.option("--severity", type=click.Choice(["error", "warning", "notice"]), default=None)
@db_option
@format_option
def query_findings(document_id: int, severity: str | None, db: str | None, fmt: str) -> None:
    """一个文件的检查结果及答复 / a stored document's findings with keys and answers."""
    from cnbudget.store.responses import STATUS_LABELS, findings_with_answers

    engine = _open_store(db)
    try:
        found = findings_with_answers(engine, document_id, severity=severity)
    finally:
        engine.dispose()
    rows = []
    for f in found:
        a = f["answer"] or {}
        status = a.get("status")
        rows.append(
            {
                "key": f["key"],
                "rule": f["rule"],
                "severity": f["severity"],
                "where": " / ".join(
                    str(x)
                    for x in (f["table_no"] and f"表{f['table_no']}", f["row_name"], f["column"])
                    if x
                )
                or (f["sentence"] or "")[:60],
                "message": f["message"],
                "status": STATUS_LABELS[status][0] if status else "",
                "author": a.get("author"),
                "note": a.get("note"),
            }
        )
    columns = [
        ("key", "键 key"),
        ("rule", "规则 rule"),
        ("severity", "级别 severity"),
        ("where", "位置 where"),
        ("message", "说明 message"),
        ("status", "答复 answer"),
        ("author", "答复人 by"),
        ("note", "答复说明 note"),
    ]
    _emit(fmt, rows, columns, title=f"文件 {document_id} 检查结果 / findings", payload=found)


@query.command("answers")
@db_option
@format_option
def query_answers(db: str | None, fmt: str) -> None:
    """导出全部答复 / every answer stored (who, when, status, note, document), oldest first."""
    from cnbudget.store.responses import ANSWER_COLUMNS, export_answers

    engine = _open_store(db)
    try:
        rows = export_answers(engine)
    finally:
        engine.dispose()
    _emit(fmt, rows, [(c, c) for c in ANSWER_COLUMNS], title="答复 / answers")


@query.command("rule-quality")
@db_option
@format_option
def query_rule_quality(db: str | None, fmt: str) -> None:
    """规则误报统计 / per rule: findings in current versions, answers, false positives."""
    from cnbudget.store.responses import rule_quality

    engine = _open_store(db)
    try:
        quality = rule_quality(engine)
    finally:
        engine.dispose()
    rows = [
        {**q.as_dict(), "false_rate": "" if q.false_rate is None else f"{q.false_rate:.0%}"}
        for q in quality
    ]
    columns = [
        ("rule", "规则 rule"),
        ("findings", "检查结果 findings"),
        ("answered", "已答复 answered"),
        ("accepted", "已接受 accepted"),
        ("explained", "已说明 explained"),
        ("false", "误报 false"),
        ("false_rate", "误报率 false rate"),
    ]
    payload = [q.as_dict() for q in quality]  # JSON keeps the ratio a number
    _emit(fmt, rows, columns, title="规则质量 / rule quality", payload=payload)
