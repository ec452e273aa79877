"""``cnbudget``: 读取、检查、导出部门预算公开文件 / read, check and export budget disclosures.

Messages are Chinese first with English after a slash; ``--en`` prints findings in English.
Exit status: 0 fine, 1 findings at or above ``--fail-on``, 2 a file could not be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.table import Table as RichTable

from cnbudget.ingest import ReadError, read_path
from cnbudget.model import Document

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _read(path: str, layout: str | None, *, announce: bool = False) -> Document:
    """Read ``path`` or exit 2 with a bilingual message; ``announce`` says which reader and
    layout were chosen (on stderr, so that data written to stdout stays clean)."""
    try:
        doc = read_path(path, layout=layout)
        if announce:
            md = doc.metadata
            err.print(f"[dim]读取方式 reader: {md.reader}  版式 layout: {md.layout}[/dim]")
        return doc
    except ReadError as exc:
        err.print(f"[bold red]无法读取 / cannot read[/] {exc.message_zh} / {exc.message_en}")
        sys.exit(2)
    except KeyError as exc:
        err.print(f"[bold red]版式错误 / layout error[/] {exc}")
        sys.exit(2)


def _report_issues(doc: Document) -> None:
    for i in doc.issues:
        where = f"第 {i.line} 行 line {i.line}: " if i.line else ""
        err.print(f"[yellow]读取提示 / reader[/] {where}{i.message_zh} / {i.message_en}")


layout_option = click.option(
    "--layout",
    default=None,
    help="强制使用的版式 / force a layout id (default: detected from content)",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cnbudget")
def cli() -> None:
    """cnbudget：部门预算公开文件的读取、检查与导出。

    Read, check and export Chinese department budget disclosures (部门预算公开).

    \b
    常用 / common:
      cnbudget check  文件.txt            检查表内、表间与说明文字是否一致
      cnbudget parse  文件.txt -o 文件.json  读成标准结构（JSON/YAML）
      cnbudget export 文件.txt --format xlsx  导出长表（每行一个金额）
      cnbudget show   文件.txt            在终端查看摘要
    """


def _stored_answers(db: str, reviewed: list[Any]) -> dict[str, dict[str, Any]]:
    """Per checked file, finding key → the stored answer that applies (see
    :func:`cnbudget.store.responses.answers_for_file`); exit 2 when the store cannot be opened."""
    import hashlib

    from cnbudget.checks.findings import finding_keys
    from cnbudget.cli.store_commands import _open_store
    from cnbudget.store.responses import answers_for_file

    engine = _open_store(db)
    out: dict[str, dict[str, Any]] = {}
    try:
        for f, doc, report in reviewed:
            md = doc.metadata
            got = answers_for_file(
                engine,
                hashlib.sha256(Path(f).read_bytes()).hexdigest(),
                names=[n for n in (md.department, md.alias, md.full_name) if n],
                year=md.year,
                kind=md.kind,
                scope=md.scope,
                keys=finding_keys([x.flat() for x in report.findings]),
            )
            out[f] = {k: a.jsonable() for k, a in got.items()}
    finally:
        engine.dispose()
    return out


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="输出文件 / output file")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml"]),
    default="json",
    show_default=True,
    help="输出格式 / output format",
)
@layout_option
def parse(file: str, output: str | None, fmt: str, layout: str | None) -> None:
    """读取文件，输出标准结构 / parse FILE into the canonical document."""
    doc = _read(file, layout, announce=bool(output))
    _report_issues(doc)
    data = doc.model_dump(mode="json")
    text = (
        json.dumps(data, ensure_ascii=False, indent=2)
        if fmt == "json"
        else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )
    if output:
        Path(output).write_text(text, encoding="utf-8")
        err.print(f"已写入 / written: {output}")
    else:
        click.echo(text)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
    help="导出格式 / export format",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="输出文件 / output file")
@layout_option
def export(file: str, fmt: str, output: str | None, layout: str | None) -> None:
    """导出长表：每行一个金额 / export the tidy long form (one amount per row)."""
    from cnbudget.export import write_csv, write_xlsx

    doc = _read(file, layout)
    _report_issues(doc)
    if fmt == "xlsx":
        out = output or str(Path(file).with_suffix(".xlsx"))
        n = write_xlsx(doc, out)
    elif output:
        out = output
        n = write_csv(doc, out)
    else:
        n = write_csv(doc, sys.stdout)
        return
    err.print(f"已导出 {n} 个金额 / exported {n} amounts: {out}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@layout_option
def show(file: str, layout: str | None) -> None:
    """在终端显示摘要 / print a readable summary."""
    doc = _read(file, layout, announce=True)
    md = doc.metadata
    console.print(
        f"[bold]{md.full_name or '（未识别部门）'}[/bold]  {md.year or ''} 年"
        f"{'决算' if md.kind == 'final' else '预算'}  版式 layout: {md.layout}"
    )
    region = " ".join(x for x in (md.region.province, md.region.city, md.region.district) if x)
    if region:
        console.print(f"地区 region: {region}")
    if md.publication_date:
        console.print(f"发布日期 published: {md.publication_date.isoformat()}")
    if md.budget_units:
        console.print(
            "预算单位 units: "
            + "；".join(u.name + ("（本级）" if u.is_self else "") for u in md.budget_units)
        )
    if md.staffing:
        s = md.staffing
        console.print(
            f"编制数 {s.authorized}，实有人数 {s.actual}（在职 {s.active}，退休 "
            f"{s.retired}，离休 {s.lixiu}）"
        )
    t = RichTable(title="表 / tables")
    for col in ("表", "名称 title", "行 rows", "总计 total（万元）"):
        t.add_column(col)
    for table in doc.tables:
        total = table.total_row("income") or table.total_row()
        value = ""
        if total is not None:
            first = next(iter(total.values.values()), None)
            value = f"{first.value:,.2f}" if first else ""
        label = (table.empty_explanation and "空表 empty") or str(len(table.rows))
        t.add_row(str(table.number or ""), table.title, label, value)
    console.print(t)
    console.print(
        f"说明 sections: {len(doc.explanation)}；绩效目标表 performance tables: "
        f"{len(doc.performance)}；名词解释 glossary: {len(doc.glossary)}"
    )
    if doc.issues:
        console.print(f"[yellow]读取提示 reader issues: {len(doc.issues)}[/]")
        _report_issues(doc)


@cli.command()
def schema() -> None:
    """输出标准结构的 JSON Schema / print the JSON Schema of the canonical model."""
    click.echo(json.dumps(Document.model_json_schema(), ensure_ascii=False, indent=2))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit"]),
    default="text",
    show_default=True,
    help="报告格式 / report format",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "notice"]),
    default="error",
    show_default=True,
    help="达到此级别即返回 1 / exit 1 at or above this severity",
)
@click.option("--en", "english", is_flag=True, help="英文信息 / messages in English")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="报告文件 / report file")
@click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    default=None,
    help="文件未印出年度时使用的预算年度 / budget year for documents that print none",
)
@click.option(
    "--report",
    "review_path",
    type=click.Path(dir_okay=False),
    help="审核报告（.xlsx 或 .html）/ review report for the finance bureau (.xlsx or .html)",
)
@click.option(
    "--db",
    "answers_db",
    default=None,
    metavar="URL",
    help="用该数据库中的答复填写审核报告的处理状态 / fill the report's status column with the "
    "answers stored in this database (same file, or the stored version it corrects)",
)
@layout_option
def check(
    files: tuple[str, ...],
    fmt: str,
    fail_on: str,
    english: bool,
    output: str | None,
    year: int | None,
    review_path: str | None,
    answers_db: str | None,
    layout: str | None,
) -> None:
    """检查表内、表间和说明文字的一致性 / check FILES (or folders, recursively) for every
    inconsistency. 文件夹中的 PDF、XLSX、HTML 和文本文件都会检查，其他文件跳过并说明原因。

    退出码 exit status: 0 = 通过 ok, 1 = 有达到 --fail-on 级别的问题 findings, 2 = 无法读取
    unreadable (or nothing readable found).
    """
    from cnbudget.checks import check_document
    from cnbudget.cli.report import print_text, source_lines, to_json, to_junit
    from cnbudget.outputs.review_report import (
        ReportFormatError,
        report_format,
        write_review_report,
    )
    from cnbudget.store.importer import scan_paths

    if review_path:
        try:
            report_format(review_path)  # refuse a wrong suffix before reading anything
        except ReportFormatError as exc:
            err.print(f"[bold red]{exc.message_zh}[/] / {exc.message_en}")
            sys.exit(2)
    scanned = scan_paths(files)
    for s in scanned.skipped:
        err.print(f"[yellow]跳过 / skipped[/] {s.path}：{s.reason}")
    if not scanned.files:
        err.print(
            "[bold red]没有可检查的文件 / nothing to check[/] "
            f"（跳过 {len(scanned.skipped)} 个 / {len(scanned.skipped)} skipped）"
        )
        sys.exit(2)
    reports = []
    reviewed = []  # (file, document, report) for --report
    failed = []  # (file, reason) for --report: an unreadable file is listed, not lost
    unreadable = False
    for path in scanned.files:
        f = str(path)
        try:
            doc = read_path(f, layout=layout)
        except ReadError as exc:
            err.print(f"[bold red]无法读取 / cannot read[/] {exc.message_zh} / {exc.message_en}")
            failed.append((f, f"{exc.message_zh} / {exc.message_en}"))
            unreadable = True
            continue
        if doc.metadata.year is None:
            if year is None:
                err.print(
                    f"[yellow]未识别出预算年度 / no budget year[/] {f}：封面、标题、表名和编制日期"
                    "都没有印出，按年度的检查（科目年份）可能不准；请用 --year 指定 / not on the "
                    "cover, headings, table titles or compilation date; give it with --year"
                )
            else:
                doc.metadata.year = year
        report = check_document(doc)
        report.document = f
        reports.append(report)
        reviewed.append((f, doc, report))
        if fmt == "text":
            print_text(console, report, source_lines(Path(f)), english=english)
    if fmt != "text":
        text = to_json(reports) if fmt == "json" else to_junit(reports)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            click.echo(text)
    if review_path:
        stored = _stored_answers(answers_db, reviewed) if answers_db else None
        try:
            write_review_report(reviewed, review_path, failed=failed, answers=stored)
        except OSError as exc:
            err.print(f"[bold red]无法写入 {review_path}[/] / cannot write: {exc.strerror or exc}")
            sys.exit(2)
        err.print(f"已写入审核报告 / review report written: {review_path}")
    if unreadable:
        sys.exit(2)
    if any(r.at_or_above(fail_on) for r in reports):  # type: ignore[arg-type]
        sys.exit(1)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--catalog",
    "show_catalog",
    is_flag=True,
    help="显示科目目录的收录情况 / show how much of the classification catalog is covered",
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="按规则族写出文档（每族一页）/ write one documentation page per rule family",
)
def rules(fmt: str, show_catalog: bool, docs_dir: str | None) -> None:
    """列出全部检查规则及其依据 / list every rule with its rationale.

    --catalog：按年度、按文件列出已收录的类/款/项数、标记为完整收录的类/款数，以及按来源分的行数。
    --docs DIR：写出每个规则族的说明页（依据与容差）。
    """
    if docs_dir:
        from cnbudget.checks.ruledocs import write

        for path in write(Path(docs_dir)):
            click.echo(f"已写出 written: {path}")
        return
    if show_catalog:
        from cnbudget.catalog.coverage import SOURCE_KINDS, coverage

        report = coverage()
        if fmt == "json":
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        click.echo("政府收支分类科目收录情况 / classification catalog coverage")
        for year in report:
            for f in year["files"]:
                c = f["counts"]
                levels = " · ".join(f"{lvl} {n}" for lvl, n in c.items())
                done = f"完整 complete: 类 {f['complete']['类']} / 款 {f['complete']['款']}"
                click.echo(f"{year['year']}  {f['file']:<19} {levels} · {done}")
                by_source = " · ".join(
                    f"{zh} {en} {f['by_source'][k]}"
                    for k, (zh, en) in SOURCE_KINDS.items()
                    if f["by_source"][k]
                )
                click.echo(f"      按来源 by source: {by_source}")
        click.echo(
            "完整 = 其下级科目已全部收录（data/complete.csv）/ complete = every child listed.\n"
            "按来源：每行只计其最强来源（source 列第一项）/ each row is counted once, under its "
            "strongest (first listed) source.\n"
            "样本 = 真实公开文件样本 the corpus sample; 参考清单 = 真实公开文件中印出的编码 codes "
            "printed in real disclosures; 作者转录 = 未与财政部原文逐行核对 the author's "
            "transcription, not checked line by line.\n"
            "详见 / see src/cnbudget/catalog/data/README.md"
        )
        return

    from cnbudget.checks import load_rules

    book = load_rules()
    if fmt == "json":
        click.echo(
            json.dumps(
                [r.model_dump(exclude={"trigger", "clean"}) for r in book.values()],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for r in book.values():
        console.print(
            f"[bold]{r.id}[/]  {r.severity:<7}  {r.family:<12} {r.title_zh} / {r.title_en}"
        )
        console.print(f"    [dim]{r.rationale}[/dim]")
    console.print(f"共 {len(book)} 条规则 / {len(book)} rules")


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    required=True,
    help="输出的文本文件 / output text file",
)
@click.option("--seed", default=0, show_default=True, help="随机种子 / generator seed")
@click.option("--year", default=2024, show_default=True, help="预算年度 / budget year")
@click.option(
    "--department",
    type=int,
    default=None,
    help="指定虚构部门（0、1、2）/ pick the fictional department (0, 1, 2)",
)
def example(output: str, seed: int, year: int, department: int | None) -> None:
    """生成内置示例（虚构部门，数字自洽）/ write the bundled fictional example disclosure."""
    from cnbudget.example import example_text

    text = example_text(seed=seed, year=year, department=department)
    Path(output).write_text(text, encoding="utf-8")
    err.print(f"已写入示例 / example written: {output}")


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="填报模板.xlsx",
    show_default=True,
    help="输出的 XLSX / output workbook",
)
@click.option("--year", default=2024, show_default=True, help="预算年度 / budget year")
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False),
    help="用已有文件预填 / prefill from an existing disclosure",
)
def template(output: str, year: int, source: str | None) -> None:
    """生成填报模板（XLSX）/ write the fill-in workbook.

    预填内置示例（或 --from 指定的已公开文件），覆盖黄色单元格后用 cnbudget build 生成全文。
    """
    from cnbudget.authoring.workbook import write_template

    doc = _read(source, None) if source else None
    write_template(output, year=year, doc=doc)
    err.print(f"已写入填报模板 / workbook written: {output}")


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False),
    required=True,
    help="输出目录 / output folder",
)
@click.option(
    "--formats",
    default="html,pdf,docx,xlsx,txt",
    show_default=True,
    help="逗号分隔 / comma-separated: html,pdf,docx,xlsx,txt",
)
@click.option(
    "--regenerate", is_flag=True, help="按数字重写第三部分 / rewrite 第三部分 from the figures"
)
@click.option("--en", "english", is_flag=True, help="英文信息 / messages in English")
def build(input_path: str, out_dir: str, formats: str, regenerate: bool, english: bool) -> None:
    """生成完整的公开文件（先检查，不一致则拒绝）/ build the whole disclosure, checks first.

    INPUT：填好的模板（.xlsx）、标准结构 JSON/YAML（可含上年数与原因）或公开文本（.txt）。
    """
    from cnbudget.authoring.build import FORMATS, BuildError, load_any
    from cnbudget.authoring.build import build as run_build
    from cnbudget.authoring.workbook import WorkbookError
    from cnbudget.cli.report import print_text

    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        err.print(f"[bold red]未知格式 / unknown formats: {', '.join(unknown)}[/]")
        sys.exit(2)
    try:
        inp, issues = load_any(input_path)
    except ReadError as exc:
        err.print(f"[bold red]无法读取 / cannot read[/] {exc.message_zh} / {exc.message_en}")
        sys.exit(2)
    except (WorkbookError, ValueError) as exc:
        err.print(f"[bold red]无法读取 / cannot read[/] {input_path}: {exc}")
        sys.exit(2)
    for i in issues:
        err.print(f"[yellow]读取提示 / reader[/] {i.text or ''} {i.message_zh} / {i.message_en}")
    try:
        with console.status("检查并生成 / checking and building …"):
            result = run_build(inp, out_dir, wanted, regenerate=regenerate)
    except BuildError as exc:
        err.print(f"[bold red]{exc}[/]")
        sys.exit(2)
    for m in result.missing:
        err.print(f"[yellow]未提供 / not provided:[/] {m}")
    if result.refused:
        print_text(console, result.report, result.text.split("\n"), english=english)
        err.print("[bold red]存在错误，未生成文件 / errors found: nothing was written[/]")
        sys.exit(1)
    r = result.report
    console.print(
        f"检查通过 / checks passed: {r.count('warning')} 个警告 warnings, "
        f"{r.count('notice')} 个提示 notices"
    )
    for p in result.written:
        console.print(f"  {p}")


# Command groups defined in their own modules register themselves on `cli`.
from cnbudget.cli import (  # noqa: E402,F401
    analysis_commands,
    batch_commands,
    review_commands,
    store_commands,
)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
