"""Batch commands of the CLI: ``batch`` (files → Parquet lake on Dask) and ``lake query|load``.

Registered on :data:`cnbudget.cli.main.cli` by importing this module (one import line at the
bottom of ``cli/main.py``), like the store commands.

Exit status: 0 fine, 1 some input failed (it is in the lake's ``failures``), 2 the lake, the
database, the scheduler or an argument cannot be used at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from cnbudget.cli.main import cli, console, err

__all__ = ["batch", "lake"]


def _fail(zh: str, en: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]{zh}[/] / {en}")
    sys.exit(code)


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


@cli.command("batch")
@click.argument("inputs", nargs=-1)
@click.option("--out", "out", required=True, metavar="LAKE", help="数据湖目录 / lake folder")
@click.option(
    "--list",
    "list_files",
    multiple=True,
    metavar="FILE",
    help="路径清单文件（每行一个）/ a file listing input paths, one per line",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="tcp://HOST:8786",
    help="已有 Dask 调度器；默认在本机启动 / an existing Dask scheduler (default: a local cluster)",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="本机工作进程数（默认 CPU 数）/ local worker processes (default: CPUs)",
)
@click.option(
    "--commit-docs",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="每次提交的文档数（内存上限）/ documents per commit (bounds memory)",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="重新处理湖中记为失败的文件 / read again the inputs the lake records as failed",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def batch(
    inputs: tuple[str, ...],
    out: str,
    list_files: tuple[str, ...],
    scheduler: str | None,
    workers: int | None,
    commit_docs: int,
    retry_failed: bool,
    fmt: str,
) -> None:
    """读取并检查全部文件，写入 Parquet 数据湖 / read and check every file into a Parquet lake.

    INPUTS: files or folders (recursive: .txt .pdf .xlsx .html). A rerun skips inputs already
    in the lake; an interrupted run resumes; a failing file is recorded in `failures`.
    """
    from cnbudget.batch.engine import run_batch
    from cnbudget.batch.lake import LakeError

    if not inputs and not list_files:
        _fail("没有输入文件", "no input given (files, folders or --list FILE)")
    for lf in list_files:
        try:
            open(lf, encoding="utf-8").close()
        except OSError as exc:
            _fail(
                f"无法读取清单文件 {lf}（{exc.strerror}）",
                f"cannot read list file {lf}: {exc.strerror}",
            )
    with _bar() as bar:
        task = bar.add_task("batch", total=None, status="")

        def progress(path: str, status: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, status=status)

        try:
            summary = run_batch(
                inputs,
                out,
                list_files=list_files,
                scheduler=scheduler,
                workers=workers,
                commit_docs=commit_docs,
                progress=progress,
                retry_failed=retry_failed,
            )
        except LakeError as exc:
            _fail(exc.message_zh, exc.message_en)
        except (OSError, RuntimeError, TimeoutError) as exc:
            # the scheduler cannot be reached, workers cannot start, the lake cannot be written
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _fail(f"无法运行批处理：{first}", f"cannot run the batch: {first}")
    d = summary.as_dict()
    if fmt == "json":
        console.print_json(json.dumps(d, ensure_ascii=False))
    else:
        t = RichTable(title=f"批处理 / batch → {out}")
        t.add_column("项目 / item")
        t.add_column("数值 / value", justify="right")
        for label, key in (
            ("文件 files", "files"),
            ("处理 processed", "processed"),
            ("成功 ok", "ok"),
            ("失败 failed", "failed"),
            ("已在湖中 skipped", "skipped"),
            ("重试 retried", "retried"),
            ("重复 duplicates", "duplicates"),
            ("页 pages", "pages"),
            ("金额行 amount rows", "amounts"),
            ("工作进程 workers", "workers"),
            ("秒 wall seconds", "wall_seconds"),
            ("写入湖的秒数 write seconds", "write_seconds"),
            ("等待写入的秒数 write wait seconds", "write_wait_seconds"),
            ("文档/秒 docs/s", "docs_per_second"),
        ):
            t.add_row(label, str(d[key]))
        for reason, n in d["failures_by_reason"].items():
            t.add_row(f"失败原因 failure: {reason}", str(n))
        console.print(t)
    sys.exit(1 if summary.failed else 0)


@cli.group("lake")
def lake() -> None:
    """查询或载入数据湖 / query a lake or load it into the store."""


def _cell(v: Any) -> str:
    return "" if v is None else str(v)


@lake.command("query")
@click.argument("sql")
@click.option("--lake", "lake_dir", required=True, metavar="LAKE", help="数据湖目录 / lake folder")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table")
def lake_query(sql: str, lake_dir: str, fmt: str) -> None:
    """用 DuckDB SQL 查询数据湖 / run DuckDB SQL over the lake.

    Views: documents, amounts (the long form), findings, narrative_claims, blobs, failures.
    """
    import csv

    import duckdb

    from cnbudget.batch.lake import LakeError
    from cnbudget.batch.query import run_query

    try:
        cols, rows = run_query(lake_dir, sql)
    except LakeError as exc:
        _fail(exc.message_zh, exc.message_en)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"查询出错：{first}", f"query failed: {first}")
    if fmt == "json":
        recs = [
            {c: _cell(v) if not isinstance(v, int) else v for c, v in zip(cols, r, strict=True)}
            for r in rows
        ]
        console.print_json(json.dumps(recs, ensure_ascii=False))
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(cols)
        w.writerows([[_cell(v) for v in r] for r in rows])
    else:
        t = RichTable()
        for c in cols:
            t.add_column(c)
        for r in rows:
            t.add_row(*[_cell(v) for v in r])
        console.print(t)


@lake.command("load")
@click.option("--lake", "lake_dir", required=True, metavar="LAKE", help="数据湖目录 / lake folder")
@click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help="数据库 URL / database URL (postgresql+psycopg://…)",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="并行载入的进程数（仅 PostgreSQL；互相兼容的地区由同一进程载入）/ load processes "
    "(PostgreSQL only; compatible regions go to one process)",
)
def lake_load(lake_dir: str, db: str | None, jobs: int) -> None:
    """用 COPY 将数据湖批量载入数据库（已有文档跳过）/ bulk-load a lake into the store (COPY)."""
    from cnbudget.batch.lake import LakeError, Manifest
    from cnbudget.batch.load import load_lake
    from cnbudget.store.importer import StoreError

    if not Manifest(Path(lake_dir)).info_path.is_file():
        _fail(f"{lake_dir} 不是 cnbudget 数据湖", f"{lake_dir} is not a cnbudget lake")
    with _bar() as bar:
        task = bar.add_task("load", total=None, status="")
        try:
            summary = load_lake(
                lake_dir,
                db,
                jobs=jobs,
                progress=lambda i, n: bar.update(task, total=n, completed=i),
            )
        except (StoreError, LakeError) as exc:
            zh, _, en = str(exc).partition(" / ")
            _fail(zh, en or zh)
    d = summary.as_dict()
    console.print(
        f"载入 loaded {d['loaded']}，跳过 skipped {d['skipped']}，金额行 amount rows {d['amounts']}，"
        f"{d['wall_seconds']} s（{d['amounts_per_second']} rows/s），进程 jobs {d['jobs']}"
    )
    for f in summary.failures:
        err.print(f"[red]{f}[/]")
    sys.exit(1 if summary.failures else 0)


@lake.command("compact")
@click.option("--lake", "lake_dir", required=True, metavar="LAKE", help="数据湖目录 / lake folder")
@click.option(
    "--min-files",
    type=click.IntRange(min=2),
    default=2,
    show_default=True,
    help="分区内至少有这么多文件才合并 / rewrite partitions holding at least this many files",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def lake_compact(lake_dir: str, min_files: int, fmt: str) -> None:
    """合并数据湖的小文件 / merge each partition's part files into one.

    Safe to interrupt (the manifest switches to the new files in one line); do not run it while
    a batch writes to the same lake.
    """
    from cnbudget.batch.compact import compact_lake
    from cnbudget.batch.lake import LakeError

    if not Path(lake_dir, "_manifest", "lake.json").is_file():
        _fail(f"{lake_dir} 不是 cnbudget 数据湖", f"{lake_dir} is not a cnbudget lake")
    try:
        with console.status("合并 / compacting …"):
            summary = compact_lake(lake_dir, min_files=min_files)
    except LakeError as exc:
        _fail(exc.message_zh, exc.message_en)
    except OSError as exc:
        _fail(f"无法写入数据湖：{exc.strerror or exc}", f"cannot write the lake: {exc}")
    d = summary.as_dict()
    if fmt == "json":
        console.print_json(json.dumps(d))
        return
    console.print(
        f"已合并 / compacted {d['partitions']} 个分区 partitions: 文件 files {d['files_before']} → "
        f"{d['files_after']}，行 rows {d['rows']}，去除已解决或重复的失败记录 failures dropped "
        f"{d['failures_dropped']}"
    )
