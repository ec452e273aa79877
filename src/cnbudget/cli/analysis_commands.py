"""``cnbudget score | reconcile | execution | selfeval | peers``: the analyses of a *series* of
disclosures (cnbudget.analysis), on files or on the store (``--db``).

Registered on the main group by importing this module from ``cnbudget.cli.main``. Exit status:
0 fine, 1 findings at or above ``--fail-on`` (where the command has findings), 2 unreadable
input or nothing to compare.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from typing import Any

import click
from rich.markup import escape
from rich.table import Table as RichTable

from cnbudget.checks.findings import SEVERITY_ORDER, Finding
from cnbudget.cli.main import _read, cli, console, err, layout_option
from cnbudget.money import format_amount

db_option = click.option(
    "--db",
    "db",
    default=None,
    help="数据库 URL 或 SQLite 文件 / store URL or SQLite path (default $CNBUDGET_DB)",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="输出格式 / output format",
)
fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "notice", "never"]),
    default="never",
    show_default=True,
    help="达到此级别即返回 1 / exit 1 at or above this severity",
)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _exit_for(findings: list[Finding], fail_on: str) -> None:
    if fail_on == "never":
        return
    level = SEVERITY_ORDER[fail_on]
    if any(SEVERITY_ORDER[f.severity] >= level for f in findings):
        sys.exit(1)


def _where(loc: Any) -> str:
    if loc is None:
        return ""
    parts = []
    if getattr(loc, "table_no", None) is not None:
        parts.append(f"表{loc.table_no}")
    if getattr(loc, "row_code", None):
        parts.append(loc.row_code)
    if getattr(loc, "source_line", None) is not None:
        parts.append(f"L{loc.source_line}")
    if getattr(loc, "source_page", None) is not None:
        parts.append(f"p.{loc.source_page}")
    return " ".join(parts)


def _print_findings(findings: list[Finding], english: bool = False) -> None:
    if not findings:
        console.print("[green]没有发现问题 / no findings[/]")
        return
    colors = {"error": "red", "warning": "yellow", "notice": "cyan"}
    for f in findings:
        where = _where(f.location)
        related = "；".join(w for w in (_where(r) for r in f.related) if w)
        msg = escape(f.message_en if english else f.message_zh)
        console.print(
            f"[{colors[f.severity]}]{f.severity:<7}[/] [bold]{f.rule}[/] {where}  {msg}"
            + (f"  [dim]↔ {related}[/dim]" if related else "")
        )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


# --------------------------------------------------------------------------------------------
# score


def _print_scorecard(card: Any, title: str) -> None:
    t = RichTable(title=title, show_lines=False)
    for col in ("标准 criterion", "得分 points", "项目 item", "证据 evidence / 缺失 absent"):
        t.add_column(col, overflow="fold")
    for c in card.criteria:
        head = f"{c.id} {c.title_zh}"
        if not c.applicable:
            t.add_row(
                head, f"— / {c.max_points}", "不适用 n/a", f"[dim]{escape(c.na_reason or '')}[/dim]"
            )
            continue
        for i, p in enumerate(c.points):
            cites = "；".join(escape(f"{e.what} [{e.cite()}]") for e in p.evidence[:4])
            if len(p.evidence) > 4:
                cites += f"；… 共 {len(p.evidence)} 处"
            cell = cites
            if p.absence:
                cell = (cell + "\n" if cell else "") + f"[yellow]✗ {escape(p.absence)}[/yellow]"
            style = "green" if p.met else ("yellow" if p.awarded else "red")
            t.add_row(
                head if i == 0 else "",
                f"{c.awarded}/{c.max_points}" if i == 0 else "",
                f"[{style}]{p.label_zh} {p.awarded}/{p.max_points}[/]",
                cell,
            )
    console.print(t)
    console.print(
        f"[bold]总分 total {card.total} / {card.max_points}"
        + (f"（{card.percent}%）" if card.percent is not None else "")
        + "[/bold]"
    )


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@db_option
@click.option("--region", default=None, help="地区 / region (province, city or district)")
@click.option("--year", type=int, default=None, help="年度 / year")
@click.option("--department", default=None, help="部门（任一名称）/ department, for its series")
@click.option(
    "--kind",
    type=click.Choice(["budget", "final"]),
    default="budget",
    show_default=True,
    help="预算或决算 / budget or final account",
)
@click.option("--approved", default=None, help="批复日期 / approval date (YYYY-MM-DD)")
@click.option("--published", default=None, help="公开日期 / publication date (YYYY-MM-DD)")
@format_option
@layout_option
def score(
    file: str | None,
    db: str | None,
    region: str | None,
    year: int | None,
    department: str | None,
    kind: str,
    approved: str | None,
    published: str | None,
    fmt: str,
    layout: str | None,
) -> None:
    """透明度评分（每一分都注明依据）/ transparency scorecard, every point citing its evidence.

    \b
    cnbudget score 文件.txt [--approved 2024-02-01]
    cnbudget score --db store.db --region 普陀区 --year 2025
    cnbudget score --db store.db --department 万里街道办事处
    """
    from cnbudget.analysis.scorecard import score_department, score_document, score_region

    if file:
        doc = _read(file, layout)
        card = score_document(doc, approval_date=_date(approved), publication_date=_date(published))
        if fmt == "json":
            _echo_json(card.as_dict())
            return
        md = doc.metadata
        _print_scorecard(
            card,
            f"{md.full_name or file} {md.year or ''} 年{'决算' if md.kind == 'final' else '预算'}"
            " 透明度评分 / transparency scorecard",
        )
        return
    if department:
        scored = score_department(db, department, kind=kind)
    elif year is not None:
        scored = score_region(db, region=region, year=year, kind=kind)
    else:
        err.print(
            "[bold red]需要 FILE，或 --db 与 --year（--region）或 --department[/] / give FILE, or --db with --year or --department"
        )
        sys.exit(2)
    if fmt == "json":
        _echo_json(
            [
                {
                    "document_id": s.document_id,
                    "department": s.department,
                    "region": s.region,
                    "year": s.year,
                    "kind": s.kind,
                    **s.scorecard.as_dict(),
                }
                for s in scored
            ]
        )
        return
    if not scored:
        err.print("[yellow]没有符合条件的文件 / no stored documents match[/]")
        sys.exit(2)
    t = RichTable(title="透明度评分 / transparency scores")
    for col in ("部门 department", "年度 year", "总分 total", "失分 points lost"):
        t.add_column(col, overflow="fold")
    for s in scored:
        card = s.scorecard
        lost = sorted(
            (c for c in card.criteria if c.applicable and c.awarded < c.max_points),
            key=lambda c: c.awarded - c.max_points,
        )
        t.add_row(
            escape(s.department),
            f"{s.year}{'决算' if s.kind == 'final' else ''}",
            f"{card.total}/{card.max_points}" + (f" ({card.percent}%)" if card.percent else ""),
            "；".join(f"{c.id} {c.title_zh} −{c.max_points - c.awarded}" for c in lost[:3]) or "—",
        )
    console.print(t)
    console.print("[dim]逐项证据 / evidence: cnbudget score FILE 或 / or --format json[/dim]")


# --------------------------------------------------------------------------------------------
# reconcile


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@db_option
@click.option(
    "--document", "document_id", type=int, default=None, help="库中文件 id / stored document id"
)
@click.option(
    "--previous", "previous_id", type=int, default=None, help="上年文件 id / previous-year id"
)
@click.option("--all-statements", is_flag=True, help="列出全部核对 / list every comparison")
@click.option("--en", "english", is_flag=True, help="英文信息 / messages in English")
@format_option
@fail_on_option
@layout_option
def reconcile(
    files: tuple[str, ...],
    db: str | None,
    document_id: int | None,
    previous_id: int | None,
    all_statements: bool,
    english: bool,
    fmt: str,
    fail_on: str,
    layout: str | None,
) -> None:
    """跨年核对：本年“比上年”隐含的上年数与上年公开数 / cross-year reconciliation.

    \b
    cnbudget reconcile 上年.pdf 本年.pdf
    cnbudget reconcile --db store.db --document 12 [--previous 7]
    """
    from cnbudget.analysis.reconcile import reconcile as run
    from cnbudget.analysis.reconcile import reconcile_stored

    if files:
        if len(files) != 2:
            err.print("[bold red]需要两个文件：上年 本年 / give two files: PREVIOUS CURRENT[/]")
            sys.exit(2)
        prev, cur = _read(files[0], layout), _read(files[1], layout)
        try:
            result = run(prev, cur)
        except ValueError as exc:
            err.print(f"[bold red]{exc}[/]")
            sys.exit(2)
    elif document_id is not None:
        try:
            result = reconcile_stored(db, document_id, previous_id=previous_id)  # type: ignore[assignment]
        except (KeyError, ValueError) as exc:
            err.print(f"[bold red]{exc}[/]")
            sys.exit(2)
        if result is None:
            err.print("[yellow]库中没有该部门上年的同类文件 / no previous-year document stored[/]")
            sys.exit(2)
    else:
        err.print(
            "[bold red]需要 PREVIOUS CURRENT 两个文件，或 --db 与 --document[/] / give two files or --document"
        )
        sys.exit(2)
    if fmt == "json":
        _echo_json(result.as_dict())
        _exit_for(result.findings, fail_on)
        return
    console.print(
        f"[bold]{result.current.department} {result.current.year} ↔ {result.previous.year}[/bold]"
    )
    for note in result.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    counts = result.counts()
    labels = {
        "match": "一致 match",
        "restated": "重述 restated",
        "missing_row": "上年无此科目 missing row",
        "unverifiable": "无法核对 unverifiable",
        "unmapped": "未识别 unmapped",
    }
    console.print("  ".join(f"{labels[k]}: {v}" for k, v in counts.items()))
    if all_statements or fmt == "text":
        t = RichTable(title="“比上年”核对 / 比上年 statements")
        for col in (
            "状态 status",
            "主题 subject",
            "本年 this",
            "增减 change",
            "隐含上年 implied",
            "上年公开 published",
            "出处 where",
        ):
            t.add_column(col, overflow="fold")
        for c in result.comparisons:
            if not all_statements and c.status == "match":
                continue
            t.add_row(
                c.status,
                escape(c.subject),
                format_amount(c.this_year),
                format_amount(c.change),
                format_amount(c.implied),
                format_amount(c.published),
                " ↔ ".join(w for w in (_where(c.statement), _where(c.previous)) if w),
            )
        if t.row_count:
            console.print(t)
    _print_findings(result.findings, english)
    _exit_for(result.findings, fail_on)


# --------------------------------------------------------------------------------------------
# execution


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@db_option
@click.option(
    "--document", "document_id", type=int, default=None, help="库中决算 id / stored final id"
)
@click.option(
    "--threshold", default="10", show_default=True, help="差异阈值（%）/ variance threshold in %"
)
@click.option(
    "--min-amount",
    default="1",
    show_default=True,
    help="最小差异（万元）/ minimum variance in 万元",
)
@click.option("--all", "show_all", is_flag=True, help="列出全部科目 / list every line")
@click.option("--en", "english", is_flag=True, help="英文信息 / messages in English")
@format_option
@fail_on_option
@layout_option
def execution(
    files: tuple[str, ...],
    db: str | None,
    document_id: int | None,
    threshold: str,
    min_amount: str,
    show_all: bool,
    english: bool,
    fmt: str,
    fail_on: str,
    layout: str | None,
) -> None:
    """预算执行：决算 ÷ 预算，逐项与“三公” / budget execution per 类/款/项 and 三公 item.

    \b
    cnbudget execution 预算.pdf 决算.pdf     （顺序不限 / either order）
    cnbudget execution 决算.pdf              （用决算说明中的年初预算 / budget from the final's text）
    cnbudget execution --db store.db --document 9
    """
    from cnbudget.analysis.execution import execution as run
    from cnbudget.analysis.execution import execution_stored, format_rate

    kw = {"threshold": Decimal(threshold), "min_amount": Decimal(min_amount)}
    if files:
        if len(files) > 2:
            err.print("[bold red]最多两个文件：预算 决算 / at most two files: BUDGET FINAL[/]")
            sys.exit(2)
        docs = [_read(f, layout) for f in files]
        finals = [d for d in docs if d.metadata.kind == "final"]
        budgets = [d for d in docs if d.metadata.kind == "budget"]
        if len(finals) != 1 or len(budgets) > 1:
            err.print(
                "[bold red]需要一个决算（和至多一个预算）/ need one final account (and at most one budget)[/]"
            )
            sys.exit(2)
        result = run(finals[0], budgets[0] if budgets else None, **kw)
    elif document_id is not None:
        try:
            result = execution_stored(db, document_id, **kw)
        except (KeyError, ValueError) as exc:
            err.print(f"[bold red]{exc}[/]")
            sys.exit(2)
    else:
        err.print("[bold red]需要文件或 --db 与 --document / give files or --document[/]")
        sys.exit(2)
    if fmt == "json":
        _echo_json(result.as_dict())
        _exit_for(result.findings, fail_on)
        return
    src = "预算文件 budget document" if result.budget else "决算自述 the final account itself"
    console.print(
        f"[bold]{result.final.department} {result.final.year} 决算执行[/bold]  预算来源 budget from: {src}；"
        f"阈值 threshold {result.threshold}% 且 ≥ {result.min_amount} 万元"
    )
    for note in result.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    t = RichTable(title="执行情况 / execution")
    for col in (
        "科目 line",
        "预算 budget",
        "决算 final",
        "执行率 rate",
        "差异 variance",
        "原因 reason",
    ):
        t.add_column(col, overflow="fold")
    for ln in result.lines:
        if not show_all and ln.table_type == "general_expenditure" and ln.level != "项":
            continue
        label = f"{ln.code} {ln.name}" if ln.code else f"三公 {ln.name}"
        reason = (
            f"✓ {_where(ln.explanation)}"
            if ln.explained
            else ("[red]✗ 未说明[/red]" if ln.flagged else "")
        )
        style = "red" if ln.flagged else ("yellow" if ln.large else "")
        rate = format_rate(ln.rate)
        t.add_row(
            label,
            format_amount(ln.budget),
            format_amount(ln.final),
            f"[{style}]{rate}[/]" if style else rate,
            format_amount(ln.variance),
            reason,
        )
    console.print(t)
    _print_findings(result.findings, english)
    _exit_for(result.findings, fail_on)


# --------------------------------------------------------------------------------------------
# selfeval


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("actuals", type=click.Path(dir_okay=False, exists=True))
@click.option("--sheet", default=None, help="XLSX 工作表名 / sheet name")
@format_option
@layout_option
def selfeval(file: str, actuals: str, sheet: str | None, fmt: str, layout: str | None) -> None:
    """绩效自评：按指标赋分规则与权重计分 / performance self-evaluation from actual values.

    ACTUALS：JSON（[{"project":…, "indicator":…, "actual":…}]）或 XLSX（列：项目、指标、实际值）。
    项目填“部门整体”表示部门整体绩效目标；指标填“预算执行率”计 10 分。
    """
    from cnbudget.analysis.performance import load_actuals, self_evaluate

    doc = _read(file, layout)
    try:
        acts = load_actuals(actuals, sheet=sheet)
    except (ValueError, KeyError, OSError) as exc:
        err.print(f"[bold red]无法读取实际值 / cannot read actuals[/] {exc}")
        sys.exit(2)
    result = self_evaluate(doc, acts)
    if fmt == "json":
        _echo_json(result.as_dict())
        return
    for ts in result.tables:
        t = RichTable(
            title=f"{ts.label}：{ts.points}/{ts.max_points}"
            + (f" = {ts.score} 分 {ts.grade}" if ts.score is not None else "")
            + ("" if ts.complete else "（未全部评分，下限 / incomplete: lower bound）")
        )
        for col in (
            "指标 indicator",
            "目标 target",
            "实际 actual",
            "规则 rule",
            "得分 points",
            "说明 note",
            "出处 where",
        ):
            t.add_column(col, overflow="fold")
        for i in ts.indicators:
            t.add_row(
                escape(i.indicator),
                escape(i.target or ""),
                escape(i.actual or ""),
                i.rule,
                f"{i.points}/{i.weight}" if i.points is not None else f"—/{i.weight}",
                i.note,
                _where(i.location),
            )
        if ts.execution_rate is not None:
            t.add_row(
                "预算执行率",
                "100%",
                f"{ts.execution_rate}%",
                "ratio",
                f"{ts.execution_points}",
                "",
                "",
            )
        console.print(t)
    if result.weak:
        console.print(f"[yellow]不可衡量的目标 weak targets: {len(result.weak)}[/]")
        for w in result.weak:
            console.print(
                escape(f"  {w.table}「{w.indicator}」“{w.target[:30]}”：{w.reason_zh}")
                + f"  [dim]{_where(w.location)}[/dim]"
            )
    for a in result.unmatched:
        err.print(
            f"[yellow]未匹配的实际值 / unmatched actual[/] {a.project or '部门整体'} / {a.indicator} = {a.actual}"
        )


# --------------------------------------------------------------------------------------------
# peers


@cli.command()
@db_option
@click.option("--year", type=int, required=True, help="年度 / year")
@click.option("--region", default=None, help="地区 / region")
@click.option("--kind", type=click.Choice(["budget", "final"]), default="budget", show_default=True)
@click.option(
    "--threshold", default="3.5", show_default=True, help="稳健 z 阈值 / robust z threshold"
)
@format_option
def peers(
    db: str | None, year: int, region: str | None, kind: str, threshold: str, fmt: str
) -> None:
    """同组部门比较（人均三公、人均机关运行经费、项目占比、结转占比）/ peer comparison."""
    from cnbudget.analysis.peers import METRIC_LABELS, region_peers

    profiles = region_peers(db, year=year, region=region, kind=kind, threshold=threshold)
    if fmt == "json":
        _echo_json([p.as_dict() for p in profiles])
        return
    if not profiles:
        err.print("[yellow]没有符合条件的文件 / no stored documents match[/]")
        sys.exit(2)
    t = RichTable(title=f"{region or '全部地区'} {year} 同组比较 / peers")
    t.add_column("部门 department", overflow="fold")
    t.add_column("人数", overflow="fold")
    for zh, _en in METRIC_LABELS.values():
        t.add_column(zh, overflow="fold")
    for p in profiles:
        cells = []
        for key in METRIC_LABELS:
            m = p.metrics.get(key)
            if m is None or m.value is None:
                cells.append("—")
                continue
            v = (
                f"{(m.value * 100).quantize(Decimal('0.1'))}%"
                if key.endswith("share")
                else f"{m.value.quantize(Decimal('0.01'))}"
            )
            cells.append(f"[red]{v} z={m.z}[/red]" if m.outlier else v)
        t.add_row(
            escape(p.department),
            f"{p.staff or '—'}" + ("*" if p.staff_source == "overview" else ""),
            *cells,
        )
    console.print(t)
    console.print(
        "[dim]人均金额单位：万元；* 人数取自部门概况 / per-staff in 万元; * staff from the overview text[/dim]"
    )
    for p in profiles:
        if p.outlier:
            console.print(f"[yellow]{escape(p.department)}[/]：{escape(p.explanation)}")
