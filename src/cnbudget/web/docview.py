"""A :class:`~cnbudget.model.Document` as the document page shows it, with an id on every cell
and sentence, and each finding resolved to the ids it names.

Why ids everywhere: the findings panel must scroll to and highlight the exact cell or sentence a
finding names. A finding's :class:`~cnbudget.checks.Location` says *what* it names (table
number, row code / key / name, budget unit, printed column header, narrative sentence, source
line) rather than *where on a page*; this module is the one place that translates one into the
other, so templates only print ids and the script only looks them up.

Why reuse :func:`cnbudget.outputs.html.budget_grid`: the tables must look like the published
ones (multi-level merged headers from the layout via
:func:`cnbudget.outputs.text.header_rows`, 类/款/项 code cells and indentation, the paired
收入/支出 sides). The HTML writer already computes that as positioned cells; here the cells are
only tied back to the model rows and columns they show, to name them.

Nothing here marks text as safe: every string goes to Jinja2 with autoescape on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from cnbudget.layouts import TableSpec
from cnbudget.model import Document, PerformanceTable, Row, Section, Table
from cnbudget.money import format_amount
from cnbudget.outputs.html import (
    Cell,
    budget_grid,
    glossary_items,
    header_grid,
    overview_sections,
    performance_after,
    performance_grid,
    performance_title,
    section_heading,
    table_specs,
)
from cnbudget.web.charts import overview_chart
from cnbudget.web.i18n import TABLE_TITLES_EN, Translator

__all__ = [
    "DocumentView",
    "FindingView",
    "build_view",
    "split_sentences",
]

_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+|$)")
_WS = re.compile(r"\s+")

#: Printed labels in the performance tables' 基本信息 block → the amount key they head.
_PERF_LABELS = {
    "年度预算总额": "total",
    "其中：财政拨款": "fiscal",
    "财政拨款": "fiscal",
    "其他资金": "other",
    "上级安排": "upper",
    "本级安排": "own",
    "其他": "other",
    "合计": "total",
}


# -- view model -------------------------------------------------------------------------------
@dataclass
class VCell:
    text: str
    cls: str
    colspan: int = 1
    rowspan: int = 1
    id: str | None = None
    title: str | None = None


@dataclass
class VRow:
    cells: list[VCell]
    cls: str = ""
    id: str | None = None


@dataclass
class VTable:
    id: str
    pos: int
    number: int | None
    title: str
    title_en: str | None
    unit: str
    department: str | None
    mode: str
    landscape: bool
    is_empty: bool
    empty_note: VPara | None
    head: list[VRow]
    body: list[VRow]
    widths: list[float]


@dataclass
class Segment:
    text: str
    id: str


@dataclass
class VPara:
    id: str
    segments: list[Segment]
    line: int | None = None

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments)


@dataclass
class VPerf:
    id: str
    title: str
    year: int | None
    rows: list[VRow]
    widths: list[float]


@dataclass
class VSection:
    id: str
    heading: str
    level: int
    paras: list[VPara]
    subsections: list[VSection] = field(default_factory=list)
    performance: list[VPerf] = field(default_factory=list)


@dataclass
class FindingView:
    """One finding as the panel shows it: message, figures and the ids it points at."""

    index: int
    rule: str
    severity: str
    family: str
    message: str
    message_en: str
    expected: str | None
    found: str | None
    difference: str | None
    where: str
    line: int | None
    targets: list[str]
    related: list[str]
    key: str | None = None  # the stable key answers are stored under (stored findings only)
    answer: Mapping[str, Any] | None = None  # the answer that applies (store.responses)

    @property
    def located(self) -> bool:
        return bool(self.targets)


@dataclass
class DocumentView:
    overview: list[VSection]
    tables: list[VTable]
    explanation: list[VSection]
    trailing_performance: list[VPerf]
    glossary: list[VPara]
    glossary_terms: list[str]
    findings: list[FindingView]
    ids: set[str]
    #: The small overview chart block of the document page (see ``charts.overview_chart``);
    #: its ``data`` is empty when the document has no expenditure table.
    chart: dict[str, Any] = field(default_factory=dict)


# -- sentences --------------------------------------------------------------------------------
def split_sentences(text: str) -> list[str]:
    """Split running text after 。！？ (the unit a narrative finding quotes), keeping every
    character, so that the pieces joined give the text back exactly."""
    parts = [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0)]
    return parts or [text]


def _para(pid: str, text: str, line: int | None) -> VPara:
    segs = [Segment(s, f"{pid}-s{k}") for k, s in enumerate(split_sentences(text))]
    return VPara(pid, segs, line)


def _compact(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace and the index in ``text`` of each kept character."""
    keep = [(i, ch) for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(ch for _, ch in keep), [i for i, _ in keep]


# -- tables -----------------------------------------------------------------------------------
def _cell_cls(c: Cell) -> str:
    cls = [c.role]
    if c.bold:
        cls.append("b")
    if c.indent:
        cls.append(f"i{min(c.indent, 4)}")
    return " ".join(cls)


def _head_rows(spec: TableSpec) -> list[VRow]:
    rows = []
    for r in header_grid(spec):
        cls = "colno" if r.kind == "colno" else "head"
        rows.append(
            VRow(
                [VCell(c.text, _cell_cls(c), c.colspan, c.rowspan) for c in r.cells],
                cls=cls,
            )
        )
    return rows


def _widths(ws: Iterable[float]) -> list[float]:
    ws = list(ws)
    total = sum(ws) or 1.0
    return [round(w * 100 / total, 2) for w in ws]


class _Index:
    """What the finding resolver needs to know about the rendered page."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        #: table position → (table, spec, [(row index, row)], column label → [(key, side)])
        self.tables: dict[int, tuple[Table, TableSpec]] = {}
        self.table_by_no: dict[int, int] = {}
        self.table_by_type: dict[str, int] = {}
        self.amount_at: dict[tuple[int, str], str] = {}  # (line, 'col N') → cell id
        self.rows_at: dict[int, list[str]] = {}  # source line → row ids
        self.paras: list[VPara] = []
        self.perf: list[tuple[PerformanceTable, str]] = []

    def cell_id(self, pos: int, ri: int, key: str) -> str:
        return f"c-{pos}-{ri}-{key}"

    def row_id(self, pos: int, ri: int) -> str:
        return f"r-{pos}-{ri}"


def _table_view(pos: int, table: Table, spec: TableSpec, index: _Index, en: bool) -> VTable:
    grid = budget_grid(table, spec)
    rows_of_body: list[tuple[Row | None, Row | None]] = []
    row_index = {id(r): i for i, r in enumerate(table.rows)}
    if spec.mode == "two_sided":
        income = [r for r in table.rows if r.side != "expenditure" and r.kind != "total"]
        expend = [r for r in table.rows if r.side == "expenditure" and r.kind != "total"]
        for i in range(max(len(income), len(expend))):
            rows_of_body.append(
                (income[i] if i < len(income) else None, expend[i] if i < len(expend) else None)
            )
        totals = (table.total_row("income"), table.total_row("expenditure"))
        if any(totals):
            rows_of_body.append(totals)
        in_keys = [c.key for c in spec.columns_for("income")]
        ex_keys = [c.key for c in spec.columns_for("expenditure")]
        ex0 = 1 + len(in_keys)
    else:
        rows_of_body = [(r, None) for r in table.rows]
        keys = [c.key for c in spec.columns]
        n_labels = grid.ncols - len(keys)
    aligned = len(rows_of_body) == len(grid.body)

    body: list[VRow] = []
    for bi, grow in enumerate(grid.body):
        left, right = rows_of_body[bi] if aligned else (None, None)
        cells: list[VCell] = []
        row_ids: list[str] = []
        for side_no, r in enumerate((left, right)):
            if r is not None:
                rid = index.row_id(pos, row_index[id(r)])
                row_ids.append(rid)
                # the right-hand row of a paired line is shown by its name cell
                shown = f"{rid}-name" if side_no == 1 else rid
                if r.source and r.source.line:
                    index.rows_at.setdefault(r.source.line, []).append(shown)
        for c in grow.cells:
            vc = VCell(c.text, _cell_cls(c), c.colspan, c.rowspan)
            row: Row | None = None
            key: str | None = None
            if spec.mode == "two_sided":
                if 1 <= c.col < ex0:
                    row, key = left, in_keys[c.col - 1]
                elif c.col > ex0:
                    row, key = right, ex_keys[c.col - ex0 - 1]
                elif c.col == ex0 and right is not None:
                    vc.id = f"{index.row_id(pos, row_index[id(right)])}-name"
                elif c.col == 0 and left is not None:
                    vc.id = f"{index.row_id(pos, row_index[id(left)])}-name"
            elif c.col >= n_labels and c.role == "amount":
                row, key = left, keys[c.col - n_labels]
            if row is not None and key is not None:
                vc.id = index.cell_id(pos, row_index[id(row)], key)
                a = row.values.get(key)
                if a is not None and a.source and a.source.line and a.source.cell:
                    index.amount_at[(a.source.line, a.source.cell)] = vc.id
            if vc.id:
                index.ids.add(vc.id)
            cells.append(vc)
        # A paired two-sided line names both rows; the <tr> carries the left one's id and
        # the right one's row is reached through its name cell.
        rid = row_ids[0] if row_ids else None
        if spec.mode == "two_sided" and left is None and right is not None:
            rid = None
        if rid:
            index.ids.add(rid)
        body.append(VRow(cells, cls=grow.kind, id=rid))

    note = None
    if table.empty_explanation:
        note = _para(f"t-{pos}-note", table.empty_explanation, None)
        index.paras.append(note)
        index.ids.update(s.id for s in note.segments)
    tid = f"table-{pos}"
    index.ids.add(tid)
    return VTable(
        id=tid,
        pos=pos,
        number=table.number,
        title=table.title,
        title_en=TABLE_TITLES_EN.get(table.type) if en else None,
        unit=table.unit,
        department=table.department,
        mode=spec.mode,
        landscape=spec.landscape,
        is_empty=table.is_empty,
        empty_note=note,
        head=_head_rows(spec),
        body=body,
        widths=_widths(grid.widths),
    )


# -- narrative and performance tables ---------------------------------------------------------
def _perf_view(i: int, p: PerformanceTable, year: int | None, index: _Index) -> VPerf:
    grid = performance_grid(p)
    pid = f"perf-{i}"
    rows: list[VRow] = []
    for gr in grid.body:
        cells: list[VCell] = []
        prev: Cell | None = None
        for c in gr.cells:
            vc = VCell(c.text, _cell_cls(c), c.colspan, c.rowspan)
            if c.role == "amount" and prev is not None and prev.text in _PERF_LABELS:
                vc.id = f"{pid}-{_PERF_LABELS[prev.text]}"
                index.ids.add(vc.id)
            cells.append(vc)
            prev = c
        rows.append(VRow(cells, cls=gr.kind))
    index.ids.add(pid)
    index.perf.append((p, pid))
    return VPerf(
        pid,
        performance_title(p),
        p.year if p.year is not None else year,
        rows,
        _widths(grid.widths),
    )


def _section_view(
    sec: Section,
    sid: str,
    level: int,
    index: _Index,
    anchor: Section | None,
    perf: list[VPerf],
) -> VSection:
    paras = []
    for k, p in enumerate(sec.paragraphs):
        vp = _para(f"{sid}-p{k}", p.text, p.source.line if p.source else None)
        paras.append(vp)
        index.paras.append(vp)
        index.ids.update(s.id for s in vp.segments)
    index.ids.add(sid)
    out = VSection(sid, section_heading(sec), level, paras)
    if sec is anchor:
        out.performance = perf
    out.subsections = [
        _section_view(sub, f"{sid}-{j}", level + 1, index, anchor, perf)
        for j, sub in enumerate(sec.subsections)
    ]
    return out


# -- findings ---------------------------------------------------------------------------------
def _num(text: Any) -> str | None:
    """A finding's figure for display: amounts with separators, others as they are."""
    if text is None or text == "":
        return None
    try:
        d = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return str(text)
    if d == d.quantize(Decimal("0.01")):
        return format_amount(d)
    return format(d.normalize(), "f")


class _Resolver:
    def __init__(self, index: _Index) -> None:
        self.ix = index

    def __call__(self, loc: Mapping[str, Any]) -> list[str]:
        ttype = loc.get("table_type") or ""
        if ttype.startswith("performance"):
            return self._perf(loc)
        if loc.get("table_no") is not None or ttype:
            hit = self._table(loc)
            if hit:
                return hit
        if loc.get("sentence"):
            hit = self._sentence(loc["sentence"], loc.get("source_line"))
            if hit:
                return hit
        line = loc.get("source_line")
        if line is not None:
            if line in self.ix.rows_at:
                return self.ix.rows_at[line][:1]
            for p in self.ix.paras:
                if p.line == line:
                    return [p.id]
        return []

    # tables
    def _table(self, loc: Mapping[str, Any]) -> list[str]:
        ix = self.ix
        pos = None
        if loc.get("table_no") is not None:
            pos = ix.table_by_no.get(loc["table_no"])
        if pos is None and loc.get("table_type"):
            pos = ix.table_by_type.get(loc["table_type"])
        if pos is None:
            return []
        line, cell = loc.get("source_line"), loc.get("source_cell")
        if line is not None and cell:
            hit = ix.amount_at.get((line, cell))
            if hit:
                return [hit]
        table, spec = ix.tables[pos]
        label = loc.get("column")
        cols = [c for c in spec.columns if " / ".join(c.header) == label] if label else []
        rows = list(enumerate(table.rows))

        def narrow(pred: Any, hard: bool = False) -> None:
            nonlocal rows
            kept = [(i, r) for i, r in rows if pred(r)]
            if kept or hard:
                rows = kept

        if loc.get("row_code"):
            narrow(lambda r: r.code == loc["row_code"], hard=True)
        if loc.get("row_key") == "total":
            narrow(lambda r: r.kind == "total")
        elif loc.get("row_key"):
            narrow(lambda r: r.key == loc["row_key"])
        if loc.get("unit_name"):
            narrow(lambda r: r.unit_name == loc["unit_name"] or r.name == loc["unit_name"])
        sides = {c.side for c in cols if c.side}
        if sides:
            narrow(lambda r: r.side in sides)
        if len(rows) > 1 and loc.get("row_name"):
            narrow(lambda r: r.name == loc["row_name"] or r.project == loc["row_name"])
        if len(rows) > 1 and line is not None:
            narrow(lambda r: r.source is not None and r.source.line == line)
        if not rows:
            return [f"table-{pos}"]
        ri, row = rows[0]
        for c in cols:
            if c.side is None or c.side == row.side:
                cid = ix.cell_id(pos, ri, c.key)
                if cid in ix.ids:
                    return [cid]
        rid = ix.row_id(pos, ri)
        if rid in ix.ids:
            return [rid]
        if f"{rid}-name" in ix.ids:
            return [f"{rid}-name"]
        return [f"table-{pos}"]

    # narrative
    def _sentence(self, sentence: str, line: int | None) -> list[str]:
        want, _ = _compact(sentence)
        if not want:
            return []
        paras = sorted(self.ix.paras, key=lambda p: 0 if line is not None and p.line == line else 1)
        for p in paras:
            text = p.text
            comp, where = _compact(text)
            at = comp.find(want)
            if at < 0:
                continue
            start, end = where[at], where[at + len(want) - 1] + 1
            out, pos = [], 0
            for s in p.segments:
                s_end = pos + len(s.text)
                if s_end > start and pos < end:
                    out.append(s.id)
                pos = s_end
            return out or [p.id]
        return []

    # performance tables
    def _perf(self, loc: Mapping[str, Any]) -> list[str]:
        kind = "department" if loc.get("table_type") == "performance_department" else "project"
        name = loc.get("row_name") or loc.get("unit_name")
        cands = [(p, pid) for p, pid in self.ix.perf if p.kind == kind]
        named = [(p, pid) for p, pid in cands if name and name in (p.project_name, p.unit_name)]
        if named:
            cands = named
        if not cands:
            return []
        _, pid = cands[0]
        key = _PERF_LABELS.get(loc.get("column") or "")
        if key and f"{pid}-{key}" in self.ix.ids:
            return [f"{pid}-{key}"]
        return [pid]


def _where(loc: Mapping[str, Any], line_label: str) -> str:
    parts: list[str] = []
    if loc.get("table_no") is not None:
        parts.append(f"表{loc['table_no']}")
    if loc.get("unit_name") and loc.get("unit_name") != loc.get("row_name"):
        parts.append(str(loc["unit_name"]))
    row = " ".join(str(x) for x in (loc.get("row_code"), loc.get("row_name")) if x)
    if row and not loc.get("sentence"):
        parts.append(row)
    if loc.get("column"):
        parts.append(str(loc["column"]))
    if not parts and loc.get("source_line") is not None:
        parts.append(line_label.format(n=loc["source_line"]))
    return " · ".join(parts)


_SEV_ORDER = {"error": 0, "warning": 1, "notice": 2}


def finding_views(
    flat: list[Mapping[str, Any]], index: _Index, line_label: str
) -> list[FindingView]:
    """Findings in the shape of :meth:`cnbudget.checks.Finding.flat` (or the store's
    :func:`~cnbudget.store.findings`), most severe first, each with its target ids."""
    resolve = _Resolver(index)
    out: list[FindingView] = []
    order = sorted(range(len(flat)), key=lambda i: (_SEV_ORDER.get(flat[i]["severity"], 3), i))
    for i in order:
        f = flat[i]
        targets = resolve(f)
        related: list[str] = []
        for r in f.get("related") or []:
            for rid in resolve(r):
                if rid not in targets and rid not in related:
                    related.append(rid)
        out.append(
            FindingView(
                index=i,
                rule=f["rule"],
                severity=f["severity"],
                family=f.get("family") or "",
                message=f.get("message") or f.get("message_zh") or "",
                message_en=f.get("message_en") or "",
                expected=_num(f.get("expected")),
                found=_num(f.get("found")),
                difference=_num(f.get("difference")),
                where=_where(f, line_label),
                line=f.get("source_line"),
                targets=targets,
                related=related[:40],
                key=f.get("key"),
                answer=f.get("answer"),
            )
        )
    return out


# -- the whole page ---------------------------------------------------------------------------
def build_view(
    doc: Document,
    findings: list[Mapping[str, Any]],
    *,
    en: bool = False,
    line_label: str = "第 {n} 行",
) -> DocumentView:
    """Everything the document template prints, with the findings resolved to element ids."""
    index = _Index()
    tables: list[VTable] = []
    for pos, (t, spec) in enumerate(table_specs(doc)):
        index.tables[pos] = (t, spec)
        if t.number is not None:
            index.table_by_no.setdefault(t.number, pos)
        index.table_by_type.setdefault(t.type, pos)
        tables.append(_table_view(pos, t, spec, index, en))

    anchor = performance_after(doc)
    perf = [_perf_view(i, p, doc.metadata.year, index) for i, p in enumerate(doc.performance)]
    overview = [
        _section_view(s, f"ov-{i}", 2, index, None, [])
        for i, s in enumerate(overview_sections(doc))
    ]
    explanation = [
        _section_view(s, f"ex-{i}", 2, index, anchor, perf) for i, s in enumerate(doc.explanation)
    ]
    glossary: list[VPara] = []
    terms: list[str] = []
    for i, (num, term, definition) in enumerate(glossary_items(doc)):
        vp = _para(f"gl-{i}", definition, None)
        index.paras.append(vp)
        index.ids.update(s.id for s in vp.segments)
        glossary.append(vp)
        terms.append(f"{num}{term}")
    views = finding_views(findings, index, line_label)
    return DocumentView(
        chart=overview_chart(doc, Translator("en" if en else "zh")),
        overview=overview,
        tables=tables,
        explanation=explanation,
        trailing_performance=perf if anchor is None else [],
        glossary=glossary,
        glossary_terms=terms,
        findings=views,
        ids=index.ids,
    )
