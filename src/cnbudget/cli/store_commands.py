"""Store commands of the CLI: ``import``, ``query …``, ``serve`` and ``export-db``.

They live apart from :mod:`cnbudget.cli.main` (registered by one import line at its bottom) so
that the store's commands can evolve without touching the per-file commands.

Exit status, as for every cnbudget command: 0 fine, 1 something failed (a file not imported),
2 the database (or an argument) cannot be used at all.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table as RichTable

from cnbudget.cli.main import cli, console, err

__all__ = ["export_db", "import_cmd", "query", "serve"]

DB_HELP = "数据库 URL 或路径 / database URL or path (default: $CNBUDGET_DB or ./cnbudget.db)"
db_option = click.option("--db", "db", default=None, metavar="URL", help=DB_HELP)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="输出格式 / output format",
)
KIND_CHOICE = click.Choice(["budget", "final", "all"])


def _fail(zh: str, en: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]{zh}[/] / {en}")
    sys.exit(code)


def _where(db: str | None) -> str:
    from cnbudget.store.db import resolve_url

    return resolve_url(db).render_as_string(hide_password=True)


def _open_store(db: str | None) -> Any:
    """An engine on an existing, migrated store, or exit 2 with the reason.

    Why so strict for queries: SQLite would silently create an empty file for a mistyped path
    and every query would then answer "nothing", which reads like a real result.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from cnbudget.store.db import make_engine, resolve_url
    from cnbudget.store.migrate import current_revision

    url = resolve_url(db)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).expanduser().is_file():
            _fail(
                f"找不到数据库 {url.database}（请先运行 cnbudget import）",
                f"no database at {url.database} (run cnbudget import first)",
            )
    try:
        engine = make_engine(url)
        revision = current_revision(engine)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"无法打开数据库 {_where(db)}", f"cannot open the database: {first}")
    if revision is None:
        engine.dispose()
        _fail(
            f"{_where(db)} 不是 cnbudget 数据库（请先运行 cnbudget import）",
            "not a cnbudget database (run cnbudget import first)",
        )
    return engine


def _kind(kind: str) -> str | None:
    return None if kind == "all" else kind


def _text(value: Any, *, plain: bool = False) -> str:
    """A cell as text: exact decimals, lists joined; ``plain`` (CSV) keeps booleans parseable."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "；".join(_text(v, plain=plain) for v in value)
    if isinstance(value, bool):
        if plain:
            return "true" if value else "false"
        return "是 yes" if value else "否 no"
    return str(value)


def _emit(
    fmt: str,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    *,
    title: str,
    payload: Any = None,
) -> None:
    """Print ``rows`` as a rich table, JSON (``payload`` or the rows) or CSV."""
    from cnbudget.export.cells import spreadsheet_cell
    from cnbudget.store.queries import jsonable

    if fmt == "json":
        click.echo(
            json.dumps(
                jsonable(payload if payload is not None else list(rows)),
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow([key for key, _ in columns])
        for r in rows:
            # names, notes and messages from documents and reviewers: never an Excel formula
            w.writerow([spreadsheet_cell(_text(r.get(key), plain=True)) for key, _ in columns])
        return
    t = RichTable(title=title)
    for key, label in columns:
        numeric = key in _NUMERIC
        t.add_column(label, justify="right" if numeric else "left", overflow="fold")
    for r in rows:
        t.add_row(*[_text(r.get(key)) for key, _ in columns])
    console.print(t)
    console.print(f"共 {len(rows)} 行 / {len(rows)} rows")


_NUMERIC = frozenset(
    {
        "total",
        "basic",
        "project",
        "personnel",
        "public",
        "documents",
        "a",
        "b",
        "diff",
        "rel_diff",
        "change",
        "change_rel",
        "amount_count",
        "staff",
        "three_public",
        "running_costs",
        "three_public_per_staff",
        "running_costs_per_staff",
        "project_share",
        "year",
        "version",
        "id",
    }
)


# --------------------------------------------------------------------------------------------
# import


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@db_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="并行解析的进程数 / parsing processes (default: CPU count)",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="摘要格式 / summary format",
)
@click.option(
    "--year",
    type=click.IntRange(1990, 2100),
    default=None,
    help="文件未印出年度时使用的预算年度 / budget year for documents that print none",
)
def import_cmd(
    paths: tuple[str, ...], db: str | None, jobs: int | None, fmt: str, year: int | None
) -> None:
    """导入文件或文件夹到数据库 / import files and folders (recursive) into the store.

    文件夹中的 PDF、XLSX、HTML 和文本文件都会导入，其他文件跳过并说明原因。
    Folders contribute every PDF, XLSX, HTML and text file; other files are skipped with the
    reason. 每份文件一个事务：要么完整保存，要么不保存；相同文件再次导入不做任何改变。
    Each document is stored whole or not at all; importing the same file again changes nothing.

    退出码 exit status: 0 = 成功 ok, 1 = 有文件失败或没有任何文件可导入 some failed or nothing
    could be imported, 2 = 数据库无法打开 no database.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from cnbudget.store import StoreError, import_paths

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]导入 import[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}", style="dim"),
        console=err,
        transient=True,
        disable=fmt == "json" or not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def on_file(res: Any, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=Path(res.path).name)

        try:
            summary = import_paths(list(paths), db, jobs=jobs, progress=on_file, year=year)
        except StoreError as exc:
            _fail("无法打开数据库", str(exc))

    if fmt == "json":
        click.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary)
    if summary.nothing_stored:
        err.print(
            "[bold red]没有任何文件可导入 / nothing could be imported[/] "
            f"（{len(summary.results)} 个文件 files）"
        )
        sys.exit(1)
    if summary.failed:
        sys.exit(1)


def _print_summary(summary: Any) -> None:
    counts = summary.counts
    t = RichTable(title="导入结果 / import summary")
    t.add_column("状态 status")
    t.add_column("文件数 files", justify="right")
    t.add_row("[green]已导入 imported[/]", str(counts["imported"]))
    t.add_row("未变化 unchanged", str(counts["unchanged"]))
    t.add_row("[red]失败 failed[/]" if counts["failed"] else "失败 failed", str(counts["failed"]))
    t.add_row("跳过 skipped", str(counts["skipped"]))
    console.print(t)
    # one line per skipped file, never wrapped, so that it can be searched (grep) and copied
    for r in summary.skipped:
        console.print(f"跳过 skipped: {r.path} — {r.reason}", soft_wrap=True, markup=False)
    if summary.failed:
        f = RichTable(title="失败原因 / why files failed", show_lines=True)
        f.add_column("文件 file", overflow="fold")
        f.add_column("原因 reason", overflow="fold")
        for r in summary.failed:
            f.add_row(r.path, r.reason or "")
        console.print(f)
    versions = [r for r in summary.imported if r.version and r.version > 1]
    for r in summary.imported:
        if r.is_template:
            console.print(
                f"[yellow]模板 template[/] {r.path}：名称是占位符（{r.department}），已保存但不计入"
                f"部门、合计与同类比较 / placeholder names: stored, but not a department and "
                "never counted",
                soft_wrap=True,
            )
    for r in versions:
        console.print(
            f"[yellow]新版本 new version[/] {r.department} {r.year}: v{r.version}"
            f"（取代 supersedes #{r.supersedes_id}）"
        )
    console.print(
        f"用时 {summary.wall_seconds:.1f} 秒，{summary.docs_per_second:.1f} 份/秒 / "
        f"{summary.wall_seconds:.1f} s, {summary.docs_per_second:.1f} documents/s "
        f"({summary.jobs} jobs)"
    )


# --------------------------------------------------------------------------------------------
# query


@cli.group()
def query() -> None:
    """查询数据库 / query the store (totals, series, comparisons, peers, listings)."""


def _class_rows(rows: Iterable[Any], columns: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        d = {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "year": r.year,
            "kind": r.kind,
            "department": r.department,
            "region": r.region,
            "documents": r.documents,
        }
        for c in columns:
            d[c] = r.values.get(c)
        out.append(d)
    return out


def _totals_options(levels: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(
            [
                click.option(
                    "--level",
                    type=click.Choice(levels),
                    default="类",
                    show_default=True,
                    help="科目级次 / level (total = 表的合计行)",
                ),
                click.option("--year", "years", type=int, multiple=True, help="年度（可重复）"),
                click.option("--kind", type=KIND_CHOICE, default="budget", show_default=True),
                click.option("--department", default=None, help="部门 id 或名称 / id or name"),
                click.option("--region", default=None, help="省、市或区 / region"),
                click.option(
                    "--by",
                    type=click.Choice(["year", "kind", "department", "region"]),
                    multiple=True,
                    help="分组（可重复，默认 year）/ group by (default: year)",
                ),
                click.option("--code", default=None, help="只看此编码之下 / code prefix"),
                click.option(
                    "--all-versions", is_flag=True, help="含被更正取代的旧版本 / old versions too"
                ),
                db_option,
                format_option,
            ]
        ):
            f = opt(f)
        return f

    return wrap


def _department_arg(value: str | None) -> int | str | None:
    if value is not None and value.isascii() and value.isdigit():
        return int(value)
    return value


def _totals(
    classification: str,
    *,
    level: str,
    years: tuple[int, ...],
    kind: str,
    department: str | None,
    region: str | None,
    by: tuple[str, ...],
    code: str | None,
    all_versions: bool,
    db: str | None,
    fmt: str,
) -> None:
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        fn = queries.function_totals if classification == "functional" else queries.economic_totals
        cols = (
            queries.FUNCTION_COLUMNS if classification == "functional" else queries.ECONOMIC_COLUMNS
        )
        group = tuple(dict.fromkeys(by)) or ("year",)
        rows = fn(
            engine,
            level=level,
            by=group,
            years=list(years) or None,
            kind=_kind(kind),
            department=_department_arg(department),
            region=region,
            code_prefix=code,
            current_only=not all_versions,
        )
    finally:
        engine.dispose()
    columns = [("code", "编码 code"), ("name", "名称 name")]
    labels = {"year": "年度 year", "kind": "类型 kind", "department": "部门", "region": "地区"}
    columns += [(g, labels[g]) for g in group]
    names = {
        "total": "合计 total",
        "basic": "基本 basic",
        "project": "项目 project",
        "personnel": "人员 personnel",
        "public": "公用 public",
    }
    columns += [(c, names[c]) for c in cols] + [("documents", "文件数 docs")]
    title = (
        "按功能分类汇总（万元）/ totals by function class"
        if classification == "functional"
        else "按经济分类汇总（万元）/ totals by economic class"
    )
    _emit(fmt, _class_rows(rows, cols), columns, title=title, payload=rows)


@query.command("totals")
@_totals_options(["类", "款", "项", "total"])
def query_totals(**kw: Any) -> None:
    """按功能分类（类/款/项）汇总表3 / totals by function class from 表3."""
    _totals("functional", **kw)


@query.command("economic")
@_totals_options(["类", "款", "total"])
def query_economic(**kw: Any) -> None:
    """按经济分类汇总表6 / basic expenditure by economic class from 表6."""
    _totals("economic", **kw)


@query.command("series")
@click.argument("department")
@click.option("--economic", is_flag=True, help="经济分类（表6）而非功能分类（表3）")
@click.option("--code", default=None, help="跟踪某个科目编码 / follow one code")
@click.option("--kind", type=KIND_CHOICE, default="budget", show_default=True)
@db_option
@format_option
def query_series(
    department: str, economic: bool, code: str | None, kind: str, db: str | None, fmt: str
) -> None:
    """部门历年数据与增减 / a department's figures year by year (id or any of its names)."""
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        dept = _department_arg(department)
        ids = queries.resolve_department(engine, dept)  # type: ignore[arg-type]
        known = {d.id for d in queries.list_departments(engine)}
        if not ids or not set(ids) & known:
            _fail(f"找不到部门：{department}", f"no department {department!r}", 1)
        table, cols = (
            (queries.ECONOMIC_TABLE, queries.ECONOMIC_COLUMNS)
            if economic
            else (queries.FUNCTION_TABLE, queries.FUNCTION_COLUMNS)
        )
        points = queries.department_series(
            engine,
            dept,
            table_type=table,
            columns=cols,
            code=code,
            kind=_kind(kind),  # type: ignore[arg-type]
        )
    finally:
        engine.dispose()
    rows = [
        {
            "year": p.year,
            "kind": p.kind,
            "document_id": p.document_id,
            "version": p.version,
            **p.values,
            "change": p.change,
            "change_rel": p.change_rel,
        }
        for p in points
    ]
    columns = [("year", "年度 year"), ("kind", "类型 kind"), ("document_id", "文件 doc")]
    columns += [(c, c) for c in cols] + [("change", "增减 change"), ("change_rel", "增减率 rel")]
    _emit(fmt, rows, columns, title=f"{department} 历年 / series", payload=points)


@query.command("compare")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.option("--changed-only", is_flag=True, help="只显示有变化的金额 / differences only")
@db_option
@format_option
def query_compare(a: int, b: int, changed_only: bool, db: str | None, fmt: str) -> None:
    """比较两份文件的每个金额 / compare every amount of documents A and B (ids)."""
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        diffs = queries.compare_documents(engine, a, b, include_same=not changed_only)
    except KeyError as exc:
        _fail("找不到文件", f"{exc.args[0] if exc.args else exc}", 1)
    finally:
        engine.dispose()
    rows = [
        {
            "table": d.table_no,
            "row": " ".join(x for x in (d.unit_name, d.row_code, d.row_name, d.project) if x),
            "column": d.column,
            "a": d.a,
            "b": d.b,
            "diff": d.diff,
            "rel_diff": d.rel_diff,
            "status": d.status,
        }
        for d in diffs
    ]
    columns = [
        ("table", "表"),
        ("row", "行 row"),
        ("column", "列 column"),
        ("a", f"A #{a}"),
        ("b", f"B #{b}"),
        ("diff", "差额 diff"),
        ("rel_diff", "相对 rel"),
        ("status", "状态 status"),
    ]
    _emit(fmt, rows, columns, title=f"比较 / compare #{a} → #{b}", payload=diffs)


@query.command("peers")
@click.option("--year", "years", type=int, multiple=True, help="年度（可重复）")
@click.option("--region", default=None, help="只比较此地区 / only this region")
@click.option("--kind", type=KIND_CHOICE, default="budget", show_default=True)
@click.option("--by-region", is_flag=True, help="按地区分组 / group peers by region")
@click.option("--staff", type=click.Choice(["actual", "active"]), default="actual")
@click.option("--threshold", type=float, default=3.5, show_default=True, help="|z| 阈值")
@click.option("--min-peers", type=click.IntRange(2), default=4, show_default=True)
@click.option("--outliers-only", is_flag=True, help="只显示异常 / outliers only")
@db_option
@format_option
def query_peers(
    years: tuple[int, ...],
    region: str | None,
    kind: str,
    by_region: bool,
    staff: str,
    threshold: float,
    min_peers: int,
    outliers_only: bool,
    db: str | None,
    fmt: str,
) -> None:
    """同组比较：人均三公、人均机关运行经费、项目占比 / peer benchmarks with outliers."""
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        rows = queries.peers(
            engine,
            years=list(years) or None,
            kind=_kind(kind),
            region=region,
            by_region=by_region,
            staff=staff,  # type: ignore[arg-type]
            threshold=Decimal(repr(threshold)),
            min_peers=min_peers,
        )
    finally:
        engine.dispose()
    if outliers_only:
        rows = [r for r in rows if r.outlier]
    flat = []
    for r in rows:
        d: dict[str, Any] = {
            "document_id": r.document_id,
            "department": r.department,
            "year": r.year,
            "staff": r.staff,
        }
        for m, metric in r.metrics.items():
            d[m] = metric.value
            d[f"{m}_z"] = metric.z
        d["outlier"] = r.outlier
        d["explanation"] = r.explanation if r.outlier else ""
        flat.append(d)
    columns = [
        ("document_id", "文件 doc"),
        ("department", "部门 department"),
        ("year", "年度"),
        ("staff", "人数 staff"),
        ("three_public_per_staff", "人均三公"),
        ("three_public_per_staff_z", "z"),
        ("running_costs_per_staff", "人均运行经费"),
        ("running_costs_per_staff_z", "z"),
        ("project_share", "项目占比"),
        ("project_share_z", "z"),
        ("outlier", "异常 outlier"),
        ("explanation", "说明"),
    ]
    _emit(fmt, flat, columns, title="同组比较 / peers", payload=rows)


@query.command("documents")
@click.option("--year", "years", type=int, multiple=True, help="年度（可重复）")
@click.option("--kind", type=KIND_CHOICE, default="all", show_default=True)
@click.option("--department", default=None, help="部门 id 或名称 / id or name")
@click.option("--region", default=None)
@click.option("--current", is_flag=True, help="只看最新版本 / current versions only")
@db_option
@format_option
def query_documents(
    years: tuple[int, ...],
    kind: str,
    department: str | None,
    region: str | None,
    current: bool,
    db: str | None,
    fmt: str,
) -> None:
    """列出已导入的文件 / list stored documents."""
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        docs = queries.list_documents(
            engine,
            years=list(years) or None,
            kind=_kind(kind),
            department=_department_arg(department),
            region=region,
            current_only=current,
        )
    finally:
        engine.dispose()
    rows = [
        {
            "id": d.id,
            "department": d.department + (f"（{d.alias}）" if d.alias else ""),
            "region": d.region,
            "year": d.year,
            "kind": d.kind,
            "scope": d.scope,
            "template": d.is_template,
            "version": d.version,
            "current": d.is_current,
            "amount_count": d.amount_count,
            "source_name": d.source_name,
        }
        for d in docs
    ]
    columns = [
        ("id", "id"),
        ("department", "部门 department"),
        ("region", "地区 region"),
        ("year", "年度 year"),
        ("kind", "类型 kind"),
        ("scope", "范围 scope"),
        ("template", "模板 template"),
        ("version", "版本 v"),
        ("current", "最新 current"),
        ("amount_count", "金额数 amounts"),
        ("source_name", "文件 file"),
    ]
    _emit(fmt, rows, columns, title="文件 / documents", payload=docs)


@query.command("departments")
@click.option("--search", "q", default=None, help="名称中包含 / name contains")
@db_option
@format_option
def query_departments(q: str | None, db: str | None, fmt: str) -> None:
    """列出部门及其全部名称 / list departments with all their names."""
    from cnbudget.store import queries

    engine = _open_store(db)
    try:
        depts = queries.list_departments(engine)
    finally:
        engine.dispose()
    if q:
        depts = [d for d in depts if any(q in n for n in [d.name, *d.aliases])]
    rows = [
        {
            "id": d.id,
            "name": d.name,
            "region": d.region,
            "aliases": [a for a in d.aliases if a != d.name],
            "documents": d.documents,
        }
        for d in depts
    ]
    columns = [
        ("id", "id"),
        ("name", "名称 name"),
        ("region", "地区 region"),
        ("aliases", "别名 aliases"),
        ("documents", "文件数 docs"),
    ]
    _emit(fmt, rows, columns, title="部门 / departments", payload=depts)


# --------------------------------------------------------------------------------------------
# serve


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / bind address")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    envvar="CNBUDGET_TOKEN",
    default=None,
    help="写入所需的令牌 / bearer token for writes (or $CNBUDGET_TOKEN); none: writes disabled",
)
@click.option("--private-reads", is_flag=True, help="读取也需要令牌 / reads need the token too")
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(0.001, 1024),
    default=None,
    help="上传大小上限（MiB，默认 20 或 $CNBUDGET_MAX_UPLOAD_MB）/ upload size limit",
)
@click.option(
    "--workers",
    "--parse-workers",
    "parse_workers",
    type=click.IntRange(0, 32),
    default=None,
    help="同时解析上传文件的进程数（默认 2 或 $CNBUDGET_WORKERS；0 = 在服务进程内）"
    " / uploads parsed at once in worker processes",
)
@click.option(
    "--queue",
    "parse_queue",
    type=click.IntRange(0, 1000),
    default=None,
    help="排队等待的上传数，满了答 503（$CNBUDGET_QUEUE）/ uploads that may wait; beyond: 503",
)
@click.option(
    "--worker-memory-mb",
    type=click.IntRange(64, 65536),
    default=None,
    help="每个解析进程的内存上限（$CNBUDGET_WORKER_MEMORY_MB）/ memory per parse",
)
@click.option(
    "--worker-seconds",
    type=click.FloatRange(1, 3600),
    default=None,
    help="每个解析的时间上限（$CNBUDGET_WORKER_SECONDS）/ seconds per parse",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="允许跨站访问的来源，可重复（$CNBUDGET_CORS_ORIGINS）/ allowed CORS origin (repeatable)",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="服务进程数（多核机器上可设为核数）/ serving processes (up to one per core)",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def serve(
    db: str | None,
    host: str,
    port: int,
    token: str | None,
    private_reads: bool,
    max_upload_mb: float | None,
    parse_workers: int | None,
    parse_queue: int | None,
    worker_memory_mb: int | None,
    worker_seconds: float | None,
    cors_origins: tuple[str, ...],
    processes: int,
    log_level: str,
) -> None:
    """启动 REST API（文档见 /docs）/ serve the REST API (OpenAPI at /docs).

    上传在受限的工作进程中解析（内存、时间、并发都有上限），见 README。/ Uploads are parsed in
    bounded worker processes (memory, time, concurrency); see the README.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from cnbudget.api import Settings
    from cnbudget.api.server import run

    if private_reads and not token:
        _fail(
            "--private-reads 需要令牌（--token 或 CNBUDGET_TOKEN）",
            "--private-reads needs a token (--token or CNBUDGET_TOKEN)",
        )
    try:
        settings = Settings.from_env(
            db_url=db,
            token=token,
            public_reads=False if private_reads else None,
            max_upload_bytes=int(max_upload_mb * 1024 * 1024) if max_upload_mb else None,
            parse_workers=parse_workers,
            parse_queue=parse_queue,
            worker_memory_mb=worker_memory_mb,
            worker_seconds=worker_seconds,
            cors_origins=cors_origins or None,
        )
    except ValueError as exc:
        _fail(str(exc), str(exc))
    writes = "需要令牌 token required" if token else "已禁用（未设置令牌）disabled: no token"
    err.print(
        f"cnbudget API: http://{host}:{port}/api  文档 docs: http://{host}:{port}/docs\n"
        f"数据库 database: {_where(db)}；写入 writes: {writes}；读取 reads: "
        f"{'需要令牌 token required' if private_reads else '公开 public'}"
    )
    try:
        run(
            settings,
            host,
            port,
            log_level=log_level,
            access_log=log_level in ("info", "debug"),
            processes=processes,
        )
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"无法打开数据库 {_where(db)}", f"cannot open the database: {first}")


# --------------------------------------------------------------------------------------------
# export-db


@cli.command("export-db")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "parquet", "datapackage"]),
    required=True,
    help="导出格式 / format (datapackage = Fiscal Data Package folder)",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(),
    required=True,
    help="输出文件（datapackage 为文件夹）/ output file (a folder for datapackage)",
)
@db_option
@click.option("--all-versions", is_flag=True, help="含被取代的旧版本 / superseded versions too")
def export_db(fmt: str, output: str, db: str | None, all_versions: bool) -> None:
    """导出数据库中全部（最新版本）文件的长表 / export the long form of every stored document."""
    from cnbudget.export.stored import stored_long_rows, write_records_csv, write_records_xlsx

    engine = _open_store(db)
    out = Path(output)
    try:
        records = stored_long_rows(engine, current_only=not all_versions)
        with err.status("导出中 / exporting …"):
            if fmt == "csv":
                n = write_records_csv(records, out)
            elif fmt == "xlsx":
                n = write_records_xlsx(records, out)
            elif fmt == "parquet":
                from cnbudget.export.parquet import write_parquet

                n = write_parquet(records, out)
            else:
                from cnbudget.export.datapackage import write_datapackage

                if out.exists() and not out.is_dir():
                    _fail(f"{out} 不是文件夹", f"{out} is not a folder")
                descriptor = write_datapackage(records, out)
                n = json.loads(descriptor.read_text(encoding="utf-8"))["cnbudget"]["records"]
                out = descriptor
    except OSError as exc:
        _fail(f"无法写入 {out}", f"cannot write {out}: {exc.strerror or exc}")
    finally:
        engine.dispose()
    err.print(f"已导出 {n} 个金额 / exported {n} amounts: {out}")
