"""Render a :class:`Document` as one standalone HTML5 page, and the table grids the other writers share.

Why HTML first: the PDF is this same page laid out by WeasyPrint with a print stylesheet
(``cnbudget.outputs.pdf``), so what a reader sees in a browser and on paper cannot drift apart.
The page is self-contained (inline CSS, no scripts, no external assets, no network) so that it can
be mailed, archived or opened offline as it is.

Why the grids live here: the HTML, DOCX and XLSX writers all draw the same published tables, with
the same multi-level merged headers, the same 类/款/项 code cells, the same pairing of the
two-sided 收入/支出 tables and the same performance-target tables. :func:`budget_grid` and
:func:`performance_grid` describe a table once as positioned, spanned cells; each writer only
decides how a cell looks. The printed header text comes from the layout through
:func:`cnbudget.outputs.text.header_rows`; only the merge spans are derived here.

Everything that comes from the document (names, prose, project titles) is untrusted text and goes
through :func:`html.escape` at the one place where it is written (:func:`_e`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from cnbudget.layouts import NamedRowSpec, TableSpec, load_layout
from cnbudget.model import Document, Indicator, Metadata, PerformanceTable, Row, Section, Table
from cnbudget.money import format_amount

# The private helpers are the text writer's own rules (code cells, 部门概况 rebuilt from the
# metadata, where the performance tables go); reusing them keeps every format in step with it.
from cnbudget.outputs.text import (
    cn_number,
    code_cells,
    header_rows,
    overview_from_metadata,
    performance_anchor,
)

__all__ = [
    "Cell",
    "Grid",
    "GridRow",
    "budget_grid",
    "document_title",
    "glossary_items",
    "grid_html",
    "header_grid",
    "overview_sections",
    "part_titles",
    "performance_after",
    "performance_grid",
    "performance_title",
    "publication_date",
    "render_html",
    "running_titles",
    "section_heading",
    "table_specs",
    "write_html",
]

ASSETS = Path(__file__).parent / "assets"

# -- shared grid model ------------------------------------------------------------------------
Role = Literal["head", "colno", "label", "code", "name", "text", "center", "amount"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell placed at grid column ``col``, spanning ``colspan`` × ``rowspan`` grid cells.

    ``role`` says what the cell is (a header, a classification code, a row name, an amount …) so a
    writer can align and format it; ``value`` is the amount in the table's printed unit, for the
    writers that store numbers (XLSX) rather than text.
    """

    text: str
    col: int
    colspan: int = 1
    rowspan: int = 1
    role: Role = "text"
    bold: bool = False
    indent: int = 0
    value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class GridRow:
    """A row of positioned cells; grid positions covered by a span from above are left out."""

    cells: tuple[Cell, ...]
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Grid:
    """A table as header rows (repeated on every page) and body rows, ``ncols`` grid columns wide.

    ``widths`` are relative column widths (any unit); writers scale them to the page.
    """

    ncols: int
    head: tuple[GridRow, ...]
    body: tuple[GridRow, ...]
    widths: tuple[float, ...]

    @property
    def rows(self) -> tuple[GridRow, ...]:
        return self.head + self.body


#: Relative widths by cell role: a 类/款/项 code cell holds 2-3 digits, an amount ``33,898.98``.
_W_CODE, _W_NAME, _W_PROJECT, _W_AMOUNT, _W_SIDE_NAME = 4.6, 15.0, 18.0, 8.4, 20.0
_LEVEL_INDENT = {"类": 0, "款": 1, "项": 2}
_BOLD_KINDS = frozenset({"total", "subtotal", "unit"})


def _merge_header(grid: list[list[str]]) -> list[GridRow]:
    """Merge spans for printed header rows where a label is printed once over its group.

    A label spans right over the blank cells that follow it within its parent's span (the cell
    above), and down over the rows where all its columns stay blank: exactly how the published
    tables are ruled, and how :func:`header_rows` lays the layout's header paths out.
    """
    nrows, ncols = len(grid), len(grid[0]) if grid else 0
    owner: list[list[tuple[int, int] | None]] = [[None] * ncols for _ in range(nrows)]
    out: list[GridRow] = []
    for r in range(nrows):
        cells: list[Cell] = []
        for c in range(ncols):
            if owner[r][c] is not None:
                continue
            text = grid[r][c]
            hi = ncols
            if r > 0 and owner[r - 1][c] is not None:
                hi = owner[r - 1][c][1]  # type: ignore[index]
            span = 1
            if text:
                while c + span < hi and not grid[r][c + span] and owner[r][c + span] is None:
                    span += 1
            rs = 1
            if text:
                while r + rs < nrows and not any(grid[r + rs][k] for k in range(c, c + span)):
                    rs += 1
            for rr in range(r, r + rs):
                for cc in range(c, c + span):
                    owner[rr][cc] = (c, c + span)
            cells.append(Cell(text, c, span, rs, role="head", bold=True))
        out.append(GridRow(tuple(cells), kind="head"))
    return out


def _n_labels(spec: TableSpec) -> int:
    """Label columns left of the values (code cells, name, project) of a one-sided table."""
    if spec.mode in ("coded", "projects"):
        return spec.code_cells + 1 + (spec.mode == "projects")
    return 2 if spec.mode == "economic" else 1


#: id(spec) → (spec, header rows); specs are unhashable (list fields) and live in the layout cache.
_HEADER_CACHE: dict[int, tuple[TableSpec, tuple[GridRow, ...]]] = {}


def header_grid(spec: TableSpec) -> tuple[GridRow, ...]:
    """Header rows of a table type with merge spans, plus the 栏次 (column number) row.

    The 栏次 row (``1 2 3 …`` under the value columns) is what finance offices print under a
    multi-level header so a figure can be cited by column; two-sided tables have none.
    """
    hit = _HEADER_CACHE.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    rows = _merge_header(header_rows(spec))
    if spec.mode != "two_sided":
        n = _n_labels(spec)
        colno = [Cell("栏次", 0, colspan=n, role="colno")]
        colno += [Cell(str(i + 1), n + i, role="colno") for i in range(len(spec.columns))]
        rows.append(GridRow(tuple(colno), kind="colno"))
    out = tuple(rows)
    _HEADER_CACHE[id(spec)] = (spec, out)
    return out


def _amount_cell(row: Row, key: str, col: int, scale: Decimal, bold: bool) -> Cell:
    a = row.values.get(key)
    if a is None:
        return Cell("", col, role="amount", bold=bold)
    v = a.value / scale if scale != 1 else a.value
    return Cell(format_amount(v), col, role="amount", bold=bold, value=v)


def _depths(specs: list[NamedRowSpec]) -> dict[str, int]:
    """Depth of each named row key in its layout hierarchy (``parent`` chain), for indentation."""
    parents = {s.key: s.parent for s in specs}
    out: dict[str, int] = {}
    for key in parents:
        d, p, seen = 0, parents[key], {key}
        while p is not None and p not in seen:
            seen.add(p)
            d, p = d + 1, parents.get(p)
        out[key] = d
    return out


def _two_sided_body(table: Table, spec: TableSpec) -> list[GridRow]:
    """收入 rows down the left, 支出 rows down the right, the two 总计 side by side at the bottom.

    Pairing the sides line by line is how 表1 and 表4 are published; the income hierarchy
    (本年收入 › 一般公共预算拨款 › 一般财力) is shown by indentation from the layout's parents.
    """
    in_keys = [c.key for c in spec.columns_for("income")]
    ex_keys = [c.key for c in spec.columns_for("expenditure")]
    ex0 = 1 + len(in_keys)
    depth = _depths(spec.income_rows)
    income = [r for r in table.rows if r.side != "expenditure" and r.kind != "total"]
    expend = [r for r in table.rows if r.side == "expenditure" and r.kind != "total"]
    totals = [table.total_row("income"), table.total_row("expenditure")]

    def side(row: Row | None, start: int, keys: list[str], income_side: bool) -> list[Cell]:
        if row is None:
            return [
                Cell("", start, role="name"),
                *(Cell("", start + 1 + i) for i in range(len(keys))),
            ]
        bold = row.emphasized or row.kind in _BOLD_KINDS
        if income_side:
            name, indent = row.name, depth.get(row.key or "", 0)
        else:
            label = f"{row.code} {row.name}" if row.code and row.kind != "total" else row.name
            name, indent = label, _LEVEL_INDENT.get(row.level or "", 0)
        cells = [Cell(name, start, role="name", bold=bold, indent=indent)]
        cells += [
            _amount_cell(row, k, start + 1 + i, table.scale, bold) for i, k in enumerate(keys)
        ]
        return cells

    out: list[GridRow] = []
    for i in range(max(len(income), len(expend))):
        left = income[i] if i < len(income) else None
        right = expend[i] if i < len(expend) else None
        cells = side(left, 0, in_keys, True) + side(right, ex0, ex_keys, False)
        out.append(GridRow(tuple(cells), kind=(left or right).kind))  # type: ignore[union-attr]
    if any(totals):
        cells = side(totals[0], 0, in_keys, True) + side(totals[1], ex0, ex_keys, False)
        out.append(GridRow(tuple(cells), kind="total"))
    return out


def _one_sided_row(row: Row, spec: TableSpec, keys: list[str], scale: Decimal) -> GridRow:
    bold = row.emphasized or row.kind in _BOLD_KINDS
    cells: list[Cell] = []
    if spec.mode in ("coded", "projects"):
        n = spec.code_cells
        parts = code_cells(row.code, n)
        cells += [Cell(p, i, role="code", bold=bold) for i, p in enumerate(parts)]
        indent = _LEVEL_INDENT.get(row.level or "", 0)
        if spec.mode == "projects":
            if row.kind in ("total", "unit"):
                cells.append(Cell(row.name, n, colspan=2, role="name", bold=bold))
            else:
                cells.append(Cell(row.name, n, role="name", bold=bold, indent=indent))
                cells.append(Cell(row.project or "", n + 1, role="text", bold=bold))
        else:
            cells.append(Cell(row.name, n, role="name", bold=bold, indent=indent))
    elif spec.mode == "economic":
        code = row.code or ""
        if len(code) == 5:
            cells += [Cell(code[:3], 0, role="code", bold=bold)]
            cells += [Cell(f"{code[3:]} {row.name}", 1, role="name", bold=bold, indent=1)]
        else:
            cells += [
                Cell(code, 0, role="code", bold=bold),
                Cell(row.name, 1, role="name", bold=bold),
            ]
    else:
        if spec.mode == "named":
            indent = _depths(spec.named_rows).get(row.key or "", 0)
        else:  # carryover: projects under their unit
            indent = 1 if row.kind == "project" else 0
        cells.append(Cell(row.name, 0, role="name", bold=bold, indent=indent))
    n_labels = _n_labels(spec)
    cells += [_amount_cell(row, k, n_labels + i, scale, bold) for i, k in enumerate(keys)]
    return GridRow(tuple(cells), kind=row.kind)


def _label_widths(spec: TableSpec) -> list[float]:
    if spec.mode == "two_sided":
        return []
    if spec.mode == "projects":  # many value columns: the two names need the room
        return [_W_CODE] * spec.code_cells + [_W_NAME + 5, _W_PROJECT + 10]
    if spec.mode == "coded":
        return [_W_CODE] * spec.code_cells + [_W_NAME]
    if spec.mode == "economic":
        return [_W_CODE + 1, _W_NAME]
    return [_W_NAME + 6]


def budget_grid(table: Table, spec: TableSpec) -> Grid:
    """The whole published table (表1 … 表11) as a :class:`Grid`, header from the layout."""
    head = header_grid(spec)
    if spec.mode == "two_sided":
        n_in = len(spec.columns_for("income"))
        n_ex = len(spec.columns_for("expenditure"))
        widths = [_W_SIDE_NAME, *[_W_AMOUNT] * n_in, _W_SIDE_NAME, *[_W_AMOUNT] * n_ex]
        body = _two_sided_body(table, spec)
    else:
        keys = [c.key for c in spec.columns]
        widths = [*_label_widths(spec), *[_W_AMOUNT] * len(keys)]
        body = [_one_sided_row(r, spec, keys, table.scale) for r in table.rows]
    return Grid(len(widths), head, tuple(body), tuple(widths))


# -- performance-target tables ----------------------------------------------------------------
_PERF_HEAD = {
    "department": ("一级指标", "二级指标", "三级指标", "指标值", "指标设定依据", "分值权重"),
    "project": (
        "一级指标",
        "二级指标",
        "三级指标",
        "指标值",
        "指标值设置依据",
        "上年完成值",
        "指标分值权重",
        "指标赋分规则",
        "佐证资料",
    ),
}
_PERF_WIDTHS = {
    "department": (12.0, 12.0, 26.0, 14.0, 22.0, 10.0),
    "project": (9.0, 10.0, 19.0, 11.0, 11.0, 10.0, 8.0, 12.0, 11.0),
}


def performance_title(p: PerformanceTable) -> str:
    return "部门整体绩效目标表" if p.kind == "department" else "项目支出绩效目标表"


def _perf_money(p: PerformanceTable, key: str, col: int, colspan: int = 1) -> Cell:
    a = p.amounts.get(key)
    v = a.value if a is not None else None
    return Cell(format_amount(v), col, colspan=colspan, role="amount", value=v)


def _label(text: str, col: int, colspan: int = 1, rowspan: int = 1) -> Cell:
    return Cell(text, col, colspan=colspan, rowspan=rowspan, role="label", bold=True)


def _indicator_rows(p: PerformanceTable) -> list[GridRow]:
    """Indicator rows with the 一级/二级 names merged down over their runs, as printed."""
    inds = p.indicators
    project = p.kind == "project"

    def run(i: int, depth: int) -> int:
        def key(ind: Indicator) -> tuple[str | None, ...]:
            return (ind.level1,) if depth == 1 else (ind.level1, ind.level2)

        n = 1
        while i + n < len(inds) and key(inds[i + n]) == key(inds[i]):
            n += 1
        return n

    rows: list[GridRow] = []
    open1 = open2 = 0
    for i, ind in enumerate(inds):
        cells: list[Cell] = []
        if open1 == 0:
            open1 = run(i, 1)
            cells.append(Cell(ind.level1 or "", 0, rowspan=open1, role="center"))
        if open2 == 0:
            open2 = min(run(i, 2), open1)
            cells.append(Cell(ind.level2 or "", 1, rowspan=open2, role="center"))
        open1, open2 = open1 - 1, open2 - 1
        weight = "" if ind.weight is None else f"{ind.weight:f}"
        vals: list[tuple[str | None, Role]] = [
            (ind.level3, "text"),
            (ind.target_text, "text"),
            (ind.basis, "text"),
        ]
        if project:
            vals += [
                (ind.last_year, "text"),
                (weight, "center"),
                (ind.scoring_rule, "text"),
                (ind.evidence, "text"),
            ]
        else:
            vals += [(weight, "center")]
        cells += [Cell(v or "", 2 + j, role=role) for j, (v, role) in enumerate(vals)]
        rows.append(GridRow(tuple(cells), kind="indicator"))
    return rows


def performance_grid(p: PerformanceTable) -> Grid:
    """部门整体 / 项目支出绩效目标表 as a :class:`Grid`: the 基本信息 block, then the indicators.

    Built from the structured fields rather than the raw printed cells, because printed cells of
    these tables break and spill across lines; the layout follows the published forms.
    """
    body: list[GridRow] = []
    if p.kind == "department":
        body.append(GridRow((_label("部门名称", 0), Cell(p.unit_name or "", 1, colspan=5)), "info"))
        body.append(
            GridRow(
                (
                    _label("部门联系人", 0),
                    Cell(p.owner or "", 1, colspan=2),
                    _label("联系电话", 3),
                    Cell(p.phone or "", 4, colspan=2),
                ),
                "info",
            )
        )
        body.append(GridRow((_label("年度绩效目标", 0), Cell(p.goal or "", 1, colspan=5)), "info"))
        sources = [
            (k, lab) for k, lab in (("upper", "上级安排"), ("own", "本级安排")) if k in p.amounts
        ]
        money: list[GridRow] = []
        for i, (k, lab) in enumerate(sources):
            cells = [Cell(lab, 2, colspan=2, role="center"), _perf_money(p, k, 4, 2)]
            if i == 0:
                cells.insert(0, Cell("财政资金", 1, rowspan=len(sources), role="center"))
            money.append(GridRow(tuple(cells), "money"))
        if "other" in p.amounts:
            money.append(
                GridRow(
                    (
                        Cell("其他资金", 1, role="center"),
                        Cell("其他", 2, colspan=2, role="center"),
                        _perf_money(p, "other", 4, 2),
                    ),
                    "money",
                )
            )
        if "total" in p.amounts:
            money.append(
                GridRow((_label("合计", 1, colspan=3), _perf_money(p, "total", 4, 2)), "money")
            )
        if money:
            first = (
                _label("年度预算（万元）", 0, rowspan=len(money) + 1),
                _label("资金来源", 1, colspan=3),
                _label("资金总额（万元）", 4, colspan=2),
            )
            body.append(GridRow(first, "info"))
            body += money
    else:
        body.append(GridRow((_label("预算单位", 0), Cell(p.unit_name or "", 1, colspan=8)), "info"))
        body.append(
            GridRow(
                (
                    _label("项目名称", 0),
                    Cell(p.project_name or "", 1, colspan=4),
                    _label("项目负责人", 5),
                    Cell(p.owner or "", 6, colspan=3),
                ),
                "info",
            )
        )
        if p.amounts:
            body.append(
                GridRow(
                    (
                        _label("项目资金（万元）", 0),
                        _label("年度预算总额", 1),
                        _perf_money(p, "total", 2),
                        _label("其中：财政拨款", 3),
                        _perf_money(p, "fiscal", 4),
                        _label("其他资金", 5),
                        _perf_money(p, "other", 6, 3),
                    ),
                    "info",
                )
            )
        body.append(GridRow((_label("项目总体目标", 0), Cell(p.goal or "", 1, colspan=8)), "info"))
    head = _PERF_HEAD[p.kind]
    body.append(GridRow(tuple(_label(h, i) for i, h in enumerate(head)), "ihead"))
    body += _indicator_rows(p)
    widths = _PERF_WIDTHS[p.kind]
    return Grid(len(widths), (), tuple(body), widths)


# -- document outline, shared by the HTML and DOCX writers ------------------------------------
def _kind(md: Metadata) -> str:
    return "决算" if md.kind == "final" else "预算"


def _year(md: Metadata) -> str:
    return f"{md.year}年" if md.year is not None else ""


def document_title(md: Metadata) -> str:
    """``2024年部门预算公开``: the title printed on the cover."""
    return f"{_year(md)}部门{_kind(md)}公开"


def part_titles(doc: Document) -> tuple[str, str, str, str]:
    """The four part headings of the standard order (第一部分 … 第四部分)."""
    md = doc.metadata
    y, k = _year(md), _kind(md)
    return (
        f"第一部分 {y}{md.full_name or ''}部门概况",
        f"第二部分 {y}部门{k}公开表",
        f"第三部分 {y}部门{k}情况说明",
        "第四部分 名词解释",
    )


def running_titles(doc: Document) -> tuple[str, str, str, str]:
    """Short part titles for running page headers (the full ones can fill two lines)."""
    k = _kind(doc.metadata)
    return (
        "第一部分 部门概况",
        f"第二部分 部门{k}公开表",
        f"第三部分 部门{k}情况说明",
        "第四部分 名词解释",
    )


def section_heading(sec: Section) -> str:
    """``一、主要职能`` / ``（一）单位运行经费情况``: a section's printed heading."""
    if sec.number is None:
        return sec.title
    if sec.number.startswith(("（", "(")):
        return f"{sec.number}{sec.title}"
    return f"{sec.number}、{sec.title}"


def overview_sections(doc: Document) -> list[Section]:
    """部门概况: the document's own sections, else rebuilt from the metadata as text does."""
    return doc.overview or overview_from_metadata(doc.metadata)


def performance_after(doc: Document) -> Section | None:
    """The section (预算绩效情况) after which the performance tables are printed, if any."""
    return performance_anchor(doc) if doc.performance else None


def glossary_items(doc: Document) -> list[tuple[str, str, str]]:
    """(``一、``, term, definition) for each 名词解释 entry."""
    return [(f"{cn_number(i)}、", g.term, g.definition) for i, g in enumerate(doc.glossary, 1)]


def table_specs(doc: Document) -> list[tuple[Table, TableSpec]]:
    """Each table of ``doc`` with its layout spec; an unknown type is an error, not a skip."""
    layout = load_layout(doc.metadata.layout or "budget-11")
    out = []
    for t in doc.tables:
        spec = layout.table(t.type)
        if spec is None:
            raise ValueError(f"table type {t.type!r} is not in layout {layout.id!r}")
        out.append((t, spec))
    return out


def publication_date(md: Metadata) -> str:
    """``2024年2月22日`` (blank when unknown), as signed under 名词解释 and on the cover."""
    d = md.publication_date
    return f"{d.year}年{d.month}月{d.day}日" if d is not None else ""


# -- HTML -------------------------------------------------------------------------------------
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
#: One ASCII space between a CJK character and a Latin letter/figure (either order).
_CJK_LATIN_SPACE = re.compile(rf"(?<=[{_CJK}]) (?=[0-9A-Za-z])|(?<=[0-9A-Za-z%]) (?=[{_CJK}])")


def _e(text: str | None) -> str:
    """Escape untrusted text for element content and quoted attribute values.

    Control characters (never meaningful in a disclosure, invalid in HTML) are dropped too.
    """
    return html.escape(_CONTROL.sub("", text or ""), quote=True)


@cache
def _css(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _td(cell: Cell, tag: str = "td") -> str:
    cls = [cell.role]
    if cell.bold:
        cls.append("b")
    if cell.indent:
        cls.append(f"i{min(cell.indent, 4)}")
    attrs = f' class="{" ".join(cls)}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    return f"<{tag}{attrs}>{_e(cell.text)}</{tag}>"


def grid_html(grid: Grid, css_class: str) -> str:
    """A :class:`Grid` as ``<table>`` with ``<colgroup>`` widths and a ``<thead>``."""
    total = sum(grid.widths)
    out = [f'<table class="{css_class}">', "<colgroup>"]
    out += [f'<col style="width:{w * 100 / total:.2f}%">' for w in grid.widths]
    out.append("</colgroup>")
    if grid.head:
        out.append("<thead>")
        for row in grid.head:
            tag = "td" if row.kind == "colno" else "th"
            attrs = ' class="colno"' if row.kind == "colno" else ""
            out.append(f"<tr{attrs}>{''.join(_td(c, tag) for c in row.cells)}</tr>")
        out.append("</thead>")
    out.append("<tbody>")
    for row in grid.body:
        cls = f' class="{row.kind}"' if row.kind else ""
        out.append(f"<tr{cls}>{''.join(_td(c) for c in row.cells)}</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


class _Page:
    """Builds the page in document order and records the anchors the 目录 links to."""

    def __init__(self, doc: Document, extra_css: str = "", cjk_spacing: bool = False) -> None:
        self.doc = doc
        self.extra_css = extra_css
        self.cjk_spacing = cjk_spacing
        self.parts = part_titles(doc)
        self.specs = table_specs(doc)
        self.anchor = performance_after(doc)
        self.out: list[str] = []

    def w(self, *chunks: str) -> None:
        self.out.extend(chunks)

    # -- cover and contents --
    def cover(self) -> None:
        md = self.doc.metadata
        self.w('<section class="cover" id="cover">', '<div class="cover-top">')
        if md.department:
            self.w(f'<div class="cover-dept"><span>{_e(md.department)}</span>')
            if md.alias:
                self.w(f'<span class="cover-alias">（{_e(md.alias)}）</span>')
            self.w("</div>")
        self.w(
            "</div>",
            f'<h1 class="cover-title">{_e(document_title(md))}</h1>',
            f'<div class="cover-date">{_e(publication_date(md))}</div>',
            "</section>",
        )

    def toc(self, overview: list[Section]) -> None:
        p1, p2, p3, p4 = self.parts
        self.w('<nav class="toc" id="toc">', '<h2 class="toc-title">目　录</h2>', "<ol>")

        def item(href: str, text: str, cls: str) -> str:
            return f'<li class="{cls}"><a href="#{href}">{_e(text)}</a></li>'

        self.w(item("part-1", p1, "toc-part"))
        self.w(*(item(f"ov-{i}", section_heading(s), "toc-sec") for i, s in enumerate(overview)))
        if self.specs:
            self.w(item("part-2", p2, "toc-part"))
            for i, (t, _) in enumerate(self.specs, 1):
                self.w(item(self._table_id(t, i), f"{cn_number(i)}、{t.title}", "toc-sec"))
        self.w(item("part-3", p3, "toc-part"))
        self.w(
            *(
                item(f"ex-{i}", section_heading(s), "toc-sec")
                for i, s in enumerate(self.doc.explanation)
            )
        )
        if self.doc.performance and self.anchor is None:
            self.w(item("perf-0", "预算绩效目标表", "toc-sec"))
        self.w(item("part-4", p4, "toc-part"), "</ol>", "</nav>")

    # -- parts --
    @staticmethod
    def _table_id(t: Table, i: int) -> str:
        return f"table-{t.number if t.number is not None else f'x{i}'}"

    def prose(self, text: str) -> str:
        """Escaped running text; see :func:`render_html` for ``cjk_spacing``."""
        out = _e(text)
        return _CJK_LATIN_SPACE.sub("\u2005", out) if self.cjk_spacing else out

    def part(self, n: int) -> None:
        """Open part ``n``; ``data-running`` feeds the short title to the PDF's page header."""
        title = self.parts[n - 1]
        running = running_titles(self.doc)[n - 1]
        self.w(
            f'<section class="part" id="part-{n}">',
            f'<h1 class="part-title" data-running="{_e(running)}">{_e(title)}</h1>',
        )

    def sections(self, secs: list[Section], prefix: str, level: int = 2) -> None:
        for i, sec in enumerate(secs):
            self.section(sec, f"{prefix}-{i}", level)

    def section(self, sec: Section, sid: str, level: int) -> None:
        h = min(level, 6)
        self.w(f'<section class="sec l{level}" id="{sid}">')
        if sec.title or sec.number:
            self.w(f"<h{h}>{_e(section_heading(sec))}</h{h}>")
        self.w(*(f"<p>{self.prose(p.text)}</p>" for p in sec.paragraphs))
        if sec is self.anchor:
            self.performance()
        for j, sub in enumerate(sec.subsections):
            self.section(sub, f"{sid}-{j}", level + 1)
        self.w("</section>")

    def tables(self) -> None:
        for i, (t, spec) in enumerate(self.specs, 1):
            cls = "budget-table landscape" if spec.landscape else "budget-table"
            empty = " empty" if t.is_empty else ""
            self.w(f'<section class="{cls}{empty}" id="{self._table_id(t, i)}">')
            if t.number is not None:
                self.w(f'<div class="table-no">表{t.number}</div>')
            self.w(f'<h2 class="table-title">{_e(t.title)}</h2>', '<div class="table-meta">')
            self.w(f'<span class="dept">编制部门：{_e(t.department or "")}</span>')
            self.w(f'<span class="unit">单位：{_e(t.unit)}</span>', "</div>")
            self.w(grid_html(budget_grid(t, spec), f"data mode-{spec.mode}"))
            if t.empty_explanation:
                self.w(f'<p class="empty-note">{self.prose(t.empty_explanation)}</p>')
            elif t.is_empty:
                self.w('<p class="empty-note">本表无数据。</p>')
            self.w("</section>")

    def performance(self) -> None:
        year = self.doc.metadata.year
        for i, p in enumerate(self.doc.performance):
            self.w(f'<section class="perf perf-{p.kind}" id="perf-{i}">')
            self.w(f'<h4 class="perf-title">{_e(performance_title(p))}</h4>')
            y = p.year if p.year is not None else year
            if y is not None:
                self.w(f'<div class="perf-year">（{y}年度）</div>')
            self.w(grid_html(performance_grid(p), "perf-table"), "</section>")

    def glossary(self) -> None:
        self.w('<div class="glossary">')
        for num, term, definition in glossary_items(self.doc):
            self.w(f"<p><strong>{num}{_e(term)}</strong>：{_e(definition)}</p>")
        self.w("</div>")
        md = self.doc.metadata
        if md.full_name or md.publication_date:
            self.w('<div class="signature">')
            if md.full_name:
                self.w(f"<div>{_e(md.full_name)}</div>")
            if md.publication_date:
                self.w(f"<div>{_e(publication_date(md))}</div>")
            self.w("</div>")

    def build(self) -> str:
        md = self.doc.metadata
        title = " ".join(x for x in (md.full_name, document_title(md)) if x)
        self.w(
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="cnbudget">',
            f"<title>{_e(title)}</title>",
            f"<style>\n{_css('document.css')}</style>",
            f"<style>\n{self.extra_css}</style>" if self.extra_css else "",
            "</head>",
            "<body>",
        )
        self.cover()
        overview = overview_sections(self.doc)
        self.toc(overview)
        self.w("<main>")
        self.part(1)
        self.sections(overview, "ov")
        self.w("</section>")
        if self.specs:
            self.part(2)
            self.tables()
            self.w("</section>")
        self.part(3)
        self.sections(self.doc.explanation, "ex")
        if self.doc.performance and self.anchor is None:
            self.w('<section class="sec l2" id="perf-0-list">')
            self.performance()
            self.w("</section>")
        self.w("</section>")
        self.part(4)
        self.glossary()
        self.w("</section>", "</main>", "</body>", "</html>")
        return "\n".join(self.out) + "\n"


def render_html(doc: Document, *, extra_css: str = "", cjk_spacing: bool = False) -> str:
    """The whole disclosure as one standalone HTML5 page in the standard order.

    封面, 目录 (linked to anchors), 第一部分 部门概况, 第二部分 the tables, 第三部分 the
    explanation with the performance-target tables after 预算绩效情况, 第四部分 名词解释.
    ``extra_css`` is appended as a second inline stylesheet (the PDF writer's print CSS, which
    must override the screen rules with author priority). ``cjk_spacing`` turns the spaces
    between Chinese and Latin/figures in running text (``2024 年``, ``33,898.98 万元``) into a
    fixed quarter-em space (U+2005): WeasyPrint justifies a line only by stretching ASCII spaces,
    which tears such lines apart, while a quarter em is the customary CJK–Latin gap.
    """
    return _Page(doc, extra_css, cjk_spacing).build()


def write_html(doc: Document, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8) and return the path."""
    p = Path(path)
    p.write_text(render_html(doc), encoding="utf-8")
    return p
