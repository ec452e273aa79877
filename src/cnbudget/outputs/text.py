"""Render a :class:`Document` in the published text format (the format ``read_text`` parses).

Why: a disclosure that can be written back exactly as it was read is the proof that the model
holds everything that was printed, and it lets generated documents (``cnbudget.example``) be fed
through the real reader. The guarantee is ``read_text(render_text(doc))`` equals ``doc`` up to
provenance for every document the reader produces; render → parse → render is a fixed point.

Layout of the output, as in the Urumqi sample: title block, 目录, 第一部分 部门概况, 第二部分 the
tables (tab-separated cells, ``<b>`` around emphasized rows, amounts as ``4,701.75``), 第三部分 the
explanation with the performance-target tables, 第四部分 名词解释, signature and date.

Paragraphs are written one per line with blank lines between. Where the reader would glue a
paragraph to the previous one (the previous one ends without sentence punctuation) or take it for
a heading, it is written as a list item (``- text``), which the reader never joins nor treats as a
heading; the rules below mirror ``cnbudget.ingest.text.narrative`` and the round-trip tests guard
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from cnbudget.ingest.text.lines import Line, tokenize
from cnbudget.ingest.text.narrative import paragraphs, sections
from cnbudget.layouts import LayoutSpec, TableSpec, load_layout, normalize_label
from cnbudget.model import (
    Amount,
    Document,
    Indicator,
    Metadata,
    Paragraph,
    PerformanceTable,
    Row,
    Section,
    Table,
)
from cnbudget.money import format_amount

__all__ = ["cn_number", "header_rows", "render_text", "table_lines"]

_BLANK = Line(no=0, raw="")
#: Short numbered items printed as a list in the sample (budget units, 结构情况 lines).
_SHORT_ITEM = re.compile(r"^\d+、")

_PERF_TITLES = {"department": "部门整体绩效目标表", "project": "项目支出绩效目标表"}
_PERF_WIDTH = {"department": 6, "project": 9}

#: Label cell over the row names of ``named`` / ``carryover`` tables, by table type or mode.
_NAME_LABEL = {"three_public": "“三公”经费支出内容", "named": "项目", "carryover": "项目名称"}
_TWO_SIDED_LABELS = {"income": "项目", "expenditure": "支出功能分类"}

_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """``12`` → ``"十二"``: section and glossary numbers are printed in Chinese numerals."""
    if n < 0 or n > 99:
        raise ValueError(f"no Chinese numeral for {n}")
    if n <= 10:
        return "十" if n == 10 else _DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "十" if tens == 1 else f"{_DIGITS[tens]}十"
    return head + (_DIGITS[ones] if ones else "")


# -- paragraphs ------------------------------------------------------------------------------
class _Prose:
    """Writes paragraphs so that the reader splits them exactly where the model does.

    Each paragraph is one line, blocks separated by blank lines. Whether the reader keeps a line
    as its own plain paragraph is asked of the reader itself (``tokenize``, ``sections``,
    ``paragraphs``) rather than re-implemented here, so the renderer follows the reader's rules
    as they evolve. When the reader would glue the line to the previous paragraph, take it for a
    heading or for markdown, the line is written as a list item (``- text``), which the reader
    never joins nor treats as a heading. ``reset`` is called at every heading, where the reader
    starts a fresh group as well.
    """

    def __init__(self) -> None:
        self.prev_text: str | None = None
        self.prev_tok: Line | None = None

    def reset(self) -> None:
        self.prev_text, self.prev_tok = None, None

    def _plain_tok(self, line: str, text: str) -> Line | None:
        """The reader's token for ``line`` when it stays a plain paragraph ``text``, else None."""
        toks = tokenize(line)
        if len(toks) != 1:
            return None
        t = toks[0]
        if t.cells is not None or t.heading or t.list_item or t.text != text:
            return None
        if sections(toks)[0]:
            return None  # the reader would open a section here
        if self.prev_tok is not None:
            paras = paragraphs([self.prev_tok, _BLANK, t])
            if len(paras) != 2 or paras[1].text != text:
                return None  # the reader would glue it to the previous paragraph
        return t

    def line(self, text: str, shown: str | None = None) -> str:
        """The line for paragraph ``text``; ``shown`` is the same text with markdown emphasis."""
        shown = shown or text
        short_item = bool(_SHORT_ITEM.match(text)) and len(text) <= 60 and "：" not in text
        tok = None if short_item else self._plain_tok(shown, text)
        if tok is None:
            line = f"- {shown}"
            tok = tokenize(line)[0]
        else:
            line = shown
        self.prev_text, self.prev_tok = text, tok
        return line


def _blocks(lines: Iterable[str]) -> list[str]:
    """Separate blocks by one blank line (the reader needs blank lines between paragraphs)."""
    out: list[str] = []
    for ln in lines:
        out.extend((ln, ""))
    return out


# -- headers ---------------------------------------------------------------------------------
def _grid(paths: list[list[str]], rows: int, offset: int = 0) -> list[list[str]]:
    """Header cells of value columns: a group label is printed once, over its first column."""
    grid = [["" for _ in paths] for _ in range(rows)]
    for c, path in enumerate(paths):
        prev = paths[c - 1] if c else None
        for r in range(rows):
            i = r - offset
            if 0 <= i < len(path) and (prev is None or prev[: i + 1] != path[: i + 1]):
                grid[r][c] = path[i]
    return grid


def _label_rows(spec: TableSpec) -> tuple[list[str], list[str]]:
    """Label cells left of the values: (first header row, code-level row 类 款 项)."""
    if spec.mode in ("coded", "projects"):
        n = spec.code_cells
        names = ["功能分类科目名称"] + (["项目名称"] if spec.mode == "projects" else [])
        head = "功能分类科目编码" if spec.mode == "coded" else "科目编码"
        levels = ["类", "款", "项", *[""] * n][:n]
        return [head, *[""] * (n - 1), *names], [*levels, *[""] * len(names)]
    if spec.mode == "economic":
        return ["经济分类科目编码", "经济分类科目名称"], ["类", "款"]
    return [_NAME_LABEL.get(spec.type, _NAME_LABEL[spec.mode])], [""]


def header_rows(spec: TableSpec) -> list[list[str]]:
    """The printed header rows of a table built from the layout's column header paths.

    Used when a table has no ``printed_header`` and by the example generator, so that a generated
    table carries exactly the header its text shows. A group label (资金来源, 基本支出 …) is
    printed once over its first column, as in the published tables.
    """
    depth = max(len(c.header) for c in spec.columns)
    if spec.mode == "two_sided":
        out: list[list[str]] = [[] for _ in range(depth)]
        for side in ("income", "expenditure"):
            cols = spec.columns_for(side)
            if not cols:
                continue
            label = ["" for _ in range(depth)]
            label[0] = cols[0].header[0]
            label[-1] = _TWO_SIDED_LABELS[side] if depth > 1 else label[0]
            grid = _grid([c.header[1:] for c in cols], depth, offset=1)
            for r in range(depth):
                out[r].extend([label[r], *grid[r]])
        return out
    first, code_row = _label_rows(spec)
    grid = _grid([c.header for c in spec.columns], depth)
    blank = ["" for _ in first]
    rows = [[*(first if r == 0 else blank), *grid[r]] for r in range(depth)]
    if spec.mode in ("coded", "projects", "economic"):
        if depth >= 2:
            rows[-1][: len(code_row)] = code_row
        else:
            rows.append([*code_row, *["" for _ in spec.columns]])
    return rows


def _star_row(spec: TableSpec) -> list[str] | None:
    """The ``※ ※ ※ 1 2 3`` row under a header (skipped by the reader, printed for the eye)."""
    if spec.mode == "two_sided":
        return None
    n_labels = len(_label_rows(spec)[0])
    return ["※"] * n_labels + [str(i) for i in range(1, len(spec.columns) + 1)]


# -- table rows ------------------------------------------------------------------------------
def _amount(a: Amount | None, scale: Decimal) -> str:
    if a is None:
        return ""
    return format_amount(a.value / scale if scale != 1 else a.value)


def _values(row: Row, keys: list[str], scale: Decimal) -> list[str]:
    return [_amount(row.values.get(k), scale) for k in keys]


def _bold(cells: list[str], on: bool) -> list[str]:
    return [f"<b>{c}</b>" if on and c else c for c in cells]


def code_cells(code: str | None, n: int) -> list[str]:
    """``"2060499"`` → ``["206", "04", "99"]``: 类 has 3 digits, 款 and 项 2 each.

    The reader joins the digits of the ``n`` code cells, so with fewer cells the tail is joined.
    """
    parts = [code[:3], code[3:5], code[5:]] if code else []
    if len(parts) > n:
        parts = [*parts[: n - 1], "".join(parts[n - 1 :])]
    return parts + [""] * (n - len(parts))


def _two_sided_lines(table: Table, spec: TableSpec) -> list[str]:
    """Income and expenditure rows paired on lines in the order the reader appends them."""
    in_keys = [c.key for c in spec.columns_for("income")]
    ex_keys = [c.key for c in spec.columns_for("expenditure")]
    lines: list[tuple[list[str] | None, list[str] | None]] = []
    for row in table.rows:
        if row.side == "expenditure":
            if row.code and row.kind != "total":
                label = f"{row.code} {row.name}"
            else:
                label = row.name
            cells = _bold([label, *_values(row, ex_keys, table.scale)], row.emphasized)
            if lines and lines[-1][0] is not None and lines[-1][1] is None:
                lines[-1] = (lines[-1][0], cells)
            else:
                lines.append((None, cells))
        else:
            cells = _bold([row.name, *_values(row, in_keys, table.scale)], row.emphasized)
            lines.append((cells, None))
    blank_in = [""] * (1 + len(in_keys))
    blank_ex = [""] * (1 + len(ex_keys))
    return ["\t".join([*(i or blank_in), *(e or blank_ex)]) for i, e in lines]


def _row_cells(row: Row, spec: TableSpec, keys: list[str], scale: Decimal) -> list[str]:
    vals = _values(row, keys, scale)
    if spec.mode == "coded":
        code = code_cells(row.code, spec.code_cells)
        return [*code, *_bold([row.name, *vals], row.emphasized)]
    if spec.mode == "projects":
        code = code_cells(row.code, spec.code_cells)
        return [*code, *_bold([row.name, row.project or "", *vals], row.emphasized)]
    if spec.mode == "economic":
        code = row.code or ""
        if len(code) == 5:
            cells = [code[:3], f"{code[3:]} {row.name}"]
        else:
            cells = [code, row.name]
        return _bold([*cells, *vals], row.emphasized)
    return _bold([row.name, *vals], row.emphasized)


def table_lines(table: Table, spec: TableSpec) -> list[str]:
    """The lines of one table: number, title, 编制部门, 单位, header, data rows, 空表 sentence."""
    out: list[str] = []
    if table.number is not None:
        out += [f"表 {table.number}", ""]
    out += [f"### {table.title}", ""]
    if table.department:
        out += [f"编制部门：{table.department}", ""]
    out += [f"单位：{table.unit}", ""]
    header = table.printed_header or header_rows(spec)
    out += ["\t".join(r) for r in header]
    star = _star_row(spec)
    if star and not any("1" in r for r in header):
        out.append("\t".join(star))
    if spec.mode == "two_sided":
        out += _two_sided_lines(table, spec)
    else:
        keys = [c.key for c in spec.columns]
        out += ["\t".join(_row_cells(r, spec, keys, table.scale)) for r in table.rows]
    if table.empty_explanation:
        out += ["", table.empty_explanation]
    out.append("")
    return out


# -- performance tables ----------------------------------------------------------------------
def _b(text: str) -> str:
    return f"<b>{text}</b>"


def _perf_amount(p: PerformanceTable, key: str) -> str:
    a = p.amounts.get(key)
    return format_amount(a.value) if a is not None else ""


def _indicator_chunks(ind: Indicator, width: int) -> list[list[str]]:
    """The printed lines of an indicator: its raw cells, split where wrapped text spilled over.

    A spilled line starts with three empty cells (no names); the reader appends its cells to the
    indicator's ``raw``, so the lines are recovered by cutting ``raw`` at the table width.
    """
    raw = ind.raw
    if len(raw) > width and len(raw) % width == 0:
        chunks = [raw[i : i + width] for i in range(0, len(raw), width)]
        if all(not any(c.strip() for c in ch[:3]) for ch in chunks[1:]):
            return chunks
    return [raw]


def _indicator_cells(ind: Indicator, prev: Indicator | None, project: bool) -> list[str]:
    """Cells of an indicator read by another reader (no ``raw``): names printed once per group."""
    l1 = ind.level1 or ""
    l2 = ind.level2 or ""
    new1 = prev is None or prev.level1 != ind.level1
    new2 = new1 or prev is None or prev.level2 != ind.level2
    weight = "" if ind.weight is None else str(ind.weight)
    cells = [
        l1 if new1 else "",
        l2 if new2 else "",
        ind.level3 or "",
        ind.target_text or "",
        ind.basis or "",
    ]
    if project:
        return [*cells, ind.last_year or "", weight, ind.scoring_rule or "", ind.evidence or ""]
    return [*cells, weight]


def performance_lines(p: PerformanceTable) -> list[str]:
    out = [f"## {_PERF_TITLES[p.kind]}", ""]
    if p.year is not None:
        out += [f"({p.year} 年)", ""]
    rows: list[list[str]] = []
    width = _PERF_WIDTH[p.kind]
    if p.kind == "department":
        if p.unit_name:
            rows.append([_b("部门名称 (盖章)"), "", p.unit_name, "", "", ""])
        if p.owner or p.phone:
            rows.append([_b("部门联系人"), "", p.owner or "", _b("联系电话"), p.phone or "", ""])
        if p.goal:
            rows.append([_b("年度绩效目标"), "", p.goal, "", "", ""])
        if any(k in p.amounts for k in ("upper", "own", "other")):
            rows.append([_b("年度预算(万元)"), "", "资金来源", "", "资金总额 (万元)", ""])
            fiscal = "财政资金 (万元)"
            if "upper" in p.amounts:
                rows.append(["", "", fiscal, "上级安排", _perf_amount(p, "upper"), ""])
                fiscal = ""
            if "own" in p.amounts:
                rows.append(["", "", fiscal, "本级安排", _perf_amount(p, "own"), ""])
            if "other" in p.amounts:
                rows.append(["", "", "其他资金 (万元)", "其他", _perf_amount(p, "other"), ""])
        head = ("一级指标", "二级指标", "三级指标", "指标值", "指标设定依据", "分值权重")
    else:
        if p.unit_name:
            rows.append([_b("预算单位"), "", p.unit_name, *[""] * 6])
        if p.project_name or p.owner:
            rows.append(
                [
                    _b("项目名称"),
                    "",
                    p.project_name or "",
                    "",
                    "",
                    _b("项目负责人"),
                    "",
                    p.owner or "",
                    "",
                ]
            )
        labels = {"total": "年度预算总额", "fiscal": "其中：财政拨款", "other": "其他资金"}
        money = [
            cell
            for k, lab in labels.items()
            if k in p.amounts
            for cell in (lab, _perf_amount(p, k))
        ]
        if money:
            rows.append([_b("项目资金(万元)"), "", *money, *[""] * max(0, width - 2 - len(money))])
        if p.goal:
            rows.append([_b("项目总体目标"), "", p.goal, *[""] * 6])
        head = (
            "一级指标",
            "二级指标",
            "三级指标",
            "指标值",
            "指标值设置依据",
            "上年完成值",
            "指标分值权重",
            "指标赋分规则",
            "佐证资料",
        )
    rows.append([_b(h) for h in head])
    prev: Indicator | None = None
    for ind in p.indicators:
        if ind.raw:
            rows.extend(_indicator_chunks(ind, width))
        else:
            rows.append(_indicator_cells(ind, prev, p.kind == "project"))
        prev = ind
    out += ["\t".join(r) for r in rows]
    out.append("")
    return out


# -- parts -----------------------------------------------------------------------------------
def _year_text(md: Metadata) -> str:
    return f"{md.year} 年" if md.year is not None else ""


def _title_block(md: Metadata) -> list[str]:
    out: list[str] = []
    if md.department:
        out.append(md.department)
        if md.alias:
            out.append(f"({md.alias})")
        out.append("")
    kind = "决算" if md.kind == "final" else "预算"
    out += [f"{_year_text(md)}部门{kind}公开", ""]
    return out


def _section_heading(sec: Section, h1: str, h2: str) -> str | None:
    if sec.number is None:
        return f"{h1} {sec.title}" if sec.title else None
    if sec.number.startswith(("（", "(")):
        return f"{h2} {sec.number}{sec.title}"
    return f"{h1} {sec.number}、{sec.title}"


def _section_lines(
    sec: Section,
    prose: _Prose,
    h1: str,
    h2: str,
    after: dict[int, list[str]] | None = None,
) -> list[str]:
    out: list[str] = []
    heading = _section_heading(sec, h1, h2)
    if heading is not None:
        prose.reset()
        out += [heading, ""]
    out += _blocks(prose.line(p.text) for p in sec.paragraphs)
    if after and id(sec) in after:
        out += after[id(sec)]
    for sub in sec.subsections:
        out += _section_lines(sub, prose, h1, h2, after)
    return out


def _toc(doc: Document) -> list[str]:
    md = doc.metadata
    y = f"{md.year}年" if md.year is not None else ""
    out = ["# 目 录", "", f"## 第一部分 {y}{md.full_name or ''}", "", "### 部门概况", ""]
    out += [
        f"- {s.number}、 {s.title}" if s.number else f"- {s.title}" for s in doc.overview if s.title
    ]
    kind = "决算" if md.kind == "final" else "预算"
    out += ["", f"### 第二部分 {y}部门{kind}公开表", ""]
    out += [f"- {cn_number(i)}、 {t.title}" for i, t in enumerate(doc.tables, 1)]
    out += ["", f"### 第三部分 {y}部门{kind}情况说明", ""]
    out += _blocks(f"{s.number}、 {s.title}" if s.number else s.title for s in doc.explanation)
    out += ["#### **第四部分 名词解释**", ""]
    return out


def overview_from_metadata(md: Metadata) -> list[Section]:
    """部门概况 rebuilt from the metadata for documents that carry no overview sections."""
    secs: list[Section] = []
    if md.functions:
        paras = [Paragraph(text=t) for t in md.functions.split("\n") if t]
        secs.append(Section(number="一", title="主要职能", paragraphs=paras))
    paras = []
    if md.structure:
        paras = [Paragraph(text=t) for t in md.structure.split("\n") if t]
    else:
        full = md.full_name or ""
        paras += [
            Paragraph(text=f"{i}、{u.name}{'（本级）' if u.is_self else ''}")
            for i, u in enumerate(md.budget_units, 1)
        ]
        st = md.staffing
        if st is not None and st.authorized is not None and st.actual is not None:
            parts = [f"{full}编制数 {st.authorized}，实有人数 {st.actual} 人"]
            people = []
            for label, n, d in (
                ("在职", st.active, st.active_change),
                ("退休", st.retired, st.retired_change),
                ("离休", st.lixiu, st.lixiu_change),
            ):
                if n is None:
                    continue
                change = "" if d is None else (f"，{'增加' if d >= 0 else '减少'} {abs(d)} 人")
                people.append(f"{label} {n} 人{change}")
            text = parts[0] + ("，其中：" + "；".join(people) if people else "") + "。"
            paras.append(Paragraph(text=text))
    if paras:
        secs.append(Section(number="二", title="机构设置及人员情况", paragraphs=paras))
    return secs


def _part1(doc: Document) -> list[str]:
    md = doc.metadata
    out = [f"# 第一部分 {_year_text(md)}{md.full_name or ''}部门概况", ""]
    prose = _Prose()
    for sec in doc.overview or overview_from_metadata(md):
        out += _section_lines(sec, prose, "##", "###")
    return out


def _part2(doc: Document, layout: LayoutSpec) -> list[str]:
    """第二部分; left out when there are no tables (the reader would report them all missing)."""
    if not doc.tables:
        return []
    md = doc.metadata
    kind = "决算" if md.kind == "final" else "预算"
    out = [f"## 第二部分 {_year_text(md)}部门{kind}公开表", ""]
    for t in doc.tables:
        spec = layout.table(t.type)
        if spec is None:
            raise ValueError(f"table type {t.type!r} is not in layout {layout.id!r}")
        out += table_lines(t, spec)
    return out


def performance_anchor(doc: Document) -> Section | None:
    """The section the performance tables follow (预算绩效情况), if there is one."""
    for top in doc.explanation:
        for sec in top.walk():
            if "绩效" in normalize_label(sec.title):
                return sec
    return None


def _part3(doc: Document) -> list[str]:
    md = doc.metadata
    kind = "决算" if md.kind == "final" else "预算"
    out = [f"### 第三部分 {_year_text(md)}部门{kind}情况说明", ""]
    perf: list[str] = []
    for p in doc.performance:
        perf += performance_lines(p)
    anchor = performance_anchor(doc) if perf else None
    after = {id(anchor): perf} if anchor is not None else None
    prose = _Prose()
    for sec in doc.explanation:
        out += _section_lines(sec, prose, "####", "###", after)
    if perf and anchor is None:
        out += perf
    return out


def _part4(doc: Document) -> list[str]:
    md = doc.metadata
    out = ["## 第四部分 名词解释", ""]
    prose = _Prose()
    out += _blocks(
        prose.line(
            f"{cn_number(i)}、{g.term}:{g.definition}",
            f"{cn_number(i)}、**{g.term}**:{g.definition}",
        )
        for i, g in enumerate(doc.glossary, 1)
    )
    if md.full_name:
        out += [md.full_name, ""]
    d = md.publication_date
    if d is not None:
        out += [f"{d.year}年{d.month}月{d.day}日", ""]
    return out


def render_text(doc: Document) -> str:
    """Write ``doc`` in the published text format; ``read_text`` gives the same model back."""
    layout = load_layout(doc.metadata.layout or "budget-11")
    lines = [
        *_title_block(doc.metadata),
        *_toc(doc),
        *_part1(doc),
        *_part2(doc, layout),
        *_part3(doc),
        *_part4(doc),
    ]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
