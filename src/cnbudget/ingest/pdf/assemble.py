"""Turn the grid fragments of one printed table into typed tables via ``TableBuilder``.

Why an adapter: :class:`~cnbudget.ingest.text.tables.TableBuilder` reads positional cells
(code cells, name, one cell per layout column). A PDF grid has its own columns — code printed in
类/款/项 cells or compactly, headers merged over several columns, a two-sided table whose
expenditure side names classes without codes, items printed as *columns* (三公) or as two halves
side by side (决算 表6). This module maps grid columns onto the layout's columns (counting from
the right, checked against the printed header), shapes every grid row as a
:class:`~cnbudget.ingest.text.lines.Line` for the builder, and then replaces the builder's
text provenance (line / column) by page + bounding box.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cnbudget.catalog import load_catalog
from cnbudget.ingest.pdf.grid import BBox, Cell, GridRow, GridTable, is_amount_text
from cnbudget.ingest.text.lines import Line
from cnbudget.ingest.text.tables import TableBuilder, is_money
from cnbudget.layouts import NamedRowSpec, TableSpec, normalize_label
from cnbudget.model import Amount, ParseIssue, Row, Source, Table
from cnbudget.money import AmountRangeError, parse_amount

_CODE_CELL = re.compile(r"^\d{2,7}$")
_LEVEL_WORDS = {"类", "款", "项"}
_YEAR_PREFIX = re.compile(r"^\d{4}\s*年(?:度)?")
_PLACEHOLDER = re.compile(r"^[.。…·\s]+$")
_NUMBER = re.compile(r"^[-+(]?\d[\d,]*(?:\.\d+)?\)?$")
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[）)])"
)


@dataclass(slots=True)
class Provenance:
    """Where one builder line came from: page, row box, and the box of each of its cells."""

    page: int
    bbox: BBox
    cells: list[BBox | None] = field(default_factory=list)


@dataclass(slots=True)
class PrintedTable:
    """One printed table as found in the PDF: title, meta lines and its grid fragments."""

    spec: TableSpec
    title: str
    page: int
    bbox: BBox
    department: str | None = None
    unit: str | None = None
    notes: list[str] = field(default_factory=list)
    fragments: list[GridTable] = field(default_factory=list)


_KUAN_NAME = re.compile(r"^(\d{2})\s*([^\d\s.．、].*)$")


class LineCounter:
    """Running line numbers for builder lines, shared by the whole document."""

    def __init__(self) -> None:
        self.n = 0
        self.prov: dict[int, Provenance] = {}

    def make(self, cells: list[str], boxes: list[BBox | None], row: GridRow) -> Line:
        self.n += 1
        self.prov[self.n] = Provenance(row.page, row.bbox, boxes)
        raw = "\t".join(cells)
        return Line(no=self.n, raw=raw, cells=cells, bold=[False] * len(cells))


def _label(text: str) -> str:
    return normalize_label(_YEAR_PREFIX.sub("", text))


class PdfTableBuilder(TableBuilder):
    """TableBuilder plus the expenditure side's named rows of ``two_sided`` tables (决算 表1/表4:
    结余分配, 年末结转和结余, 总计), taken from the spec's ``expenditure_rows`` (older layout
    files: ``named_rows``)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._exp_used: set[str] = set()

    def _exp_named(self, name: str) -> NamedRowSpec | None:
        label = normalize_label(name)
        for s in self.spec.expenditure_named:
            if s.key not in self._exp_used and label in {normalize_label(n) for n in s.names}:
                self._exp_used.add(s.key)
                return s
        return None

    def _two_sided(self, line: Line) -> None:
        cells = list(line.cells or [])
        n_in = 1 + len(self.spec.columns_for("income"))
        exp = cells[n_in:]
        named = self._exp_named(exp[0]) if exp and exp[0] and self.spec.expenditure_named else None
        if named is None:
            super()._two_sided(line)
            return
        head = Line(no=line.no, raw=line.raw, cells=cells[:n_in] + [""] * len(exp), bold=line.bold)
        if any(cells[:n_in]):
            super()._two_sided(head)
        values = self._exp_values(line, exp, n_in)
        self.table.rows.append(
            Row(
                kind="named",
                name=exp[0],
                key=named.key,
                side="expenditure",
                values=values,
                source=Source(line=line.no),
            )
        )

    def _exp_values(self, line: Line, exp: list[str], offset: int) -> dict[str, Amount]:
        """Amounts of the expenditure half (kept here rather than in the base class's private
        helpers, which change); blank cells are absent, non-amounts are reported."""
        values: dict[str, Amount] = {}
        scale = self.table.scale
        for i, col in enumerate(self.spec.columns_for("expenditure")):
            idx = 1 + i
            text = exp[idx] if idx < len(exp) else ""
            if not text:
                continue
            try:
                v = parse_amount(text)
            except AmountRangeError as exc:
                self.issues.append(
                    ParseIssue(
                        code="amount-out-of-range",
                        message_zh=f"表「{self.table.title}」「{exp[0]}」：{exc.message_zh}",
                        message_en=f"table '{self.spec.type}' row '{exp[0]}': {exc.message_en}",
                        line=line.no,
                        text=line.raw[:500],
                    )
                )
                continue
            except ValueError:
                self.issues.append(
                    ParseIssue(
                        code="not-an-amount",
                        message_zh=f"表「{self.table.title}」「{exp[0]}」不是金额：{text}",
                        message_en=f"table '{self.spec.type}' row '{exp[0]}': not an amount: {text}",
                        line=line.no,
                        text=line.raw,
                    )
                )
                continue
            if v is None:
                continue
            values[col.key] = Amount(
                value=v * scale if scale != 1 else v,
                printed=text,
                source=Source(line=line.no, cell=f"col {offset + idx + 1}"),
            )
        return values


# -- grid preparation ---------------------------------------------------------------------------


def _remap(frag: GridTable, base: GridTable) -> GridTable:
    """Express a continuation fragment in the columns of the table's first fragment."""
    same = frag.ncols == base.ncols and all(
        abs(a - b) <= 3.0 for a, b in zip(frag.xs, base.xs, strict=True)
    )
    if same:
        return frag
    rows: list[GridRow] = []
    for r in frag.rows:
        cells: list[Cell] = []
        for c in r.cells:
            k0 = base.column_of(c.bbox[0] + 1.5)
            k1 = max(k0, base.column_of(c.bbox[2] - 1.5))
            cells.append(Cell(c.text, c.bbox, k0, k1 - k0 + 1))
        rows.append(GridRow(r.page, r.bbox, sorted(cells, key=lambda c: c.col)))
    return GridTable(frag.page, frag.bbox, base.xs, rows, frag.ruled)


def _spec_labels(spec: TableSpec) -> set[str]:
    names = [*spec.total_names, *spec.income_total_names, *spec.expenditure_total_names]
    for r in (*spec.named_rows, *spec.income_rows, *spec.expenditure_rows):
        names.extend(r.names)
    return {normalize_label(n) for n in names}


def is_data_row(row: GridRow, spec: TableSpec, labels: set[str], names: int = 1) -> bool:
    """A row of figures or classifications, as opposed to a header row.

    A header row names several columns (``项目 | 预算数 | 项目 | 预算数``, ``科目名称 | 合计 | 基本支出``):
    more label texts than a data row has names (``names``: 2 for two-sided and paired tables)
    make it a header even when one of them reads like a row label (合计).
    """
    texts = [c.text.strip() for c in row.cells if c.text.strip()]
    words = [
        t
        for t in texts
        if t not in _LEVEL_WORDS
        and not is_amount_text(t)
        and not is_money(t)
        and not _CODE_CELL.match(t.replace(" ", ""))
    ]
    if len(words) > names:
        return False
    for t in texts:
        if is_amount_text(t) or is_money(t):
            return True
        d = t.replace(" ", "")
        if _CODE_CELL.match(d) and len(d) >= 3:
            return True
        if re.match(r"^\d{3,7}\D", d):
            return True
        if normalize_label(t) in labels:
            return True
        if spec.mode == "two_sided" and _ORDINAL.match(t):
            return True
    return False


def _numeric(text: str) -> bool:
    """Any printed number (a 万元 table prints ``25`` without decimals)."""
    return bool(_NUMBER.match(text.replace(" ", "")))


def _header_count(
    frag: GridTable, spec: TableSpec, labels: set[str], transposed: bool, names: int
) -> int:
    for i, row in enumerate(frag.rows):
        if transposed:
            if row.cells and all(not c.text or _numeric(c.text) for c in row.cells):
                return i
        elif is_data_row(row, spec, labels, names):
            return i
    return len(frag.rows)


# -- shaping rows -------------------------------------------------------------------------------


class _Shaper:
    """Builds builder lines for one printed table."""

    def __init__(
        self,
        printed: PrintedTable,
        counter: LineCounter,
        issues: list[ParseIssue],
        year: int | None,
    ) -> None:
        self.p = printed
        self.spec = printed.spec
        self.counter = counter
        self.issues = issues
        self.year = year
        self.labels = _spec_labels(self.spec)
        self.name_fix: dict[tuple[int, str | None], str] = {}

    def issue(self, code: str, zh: str, en: str, text: str | None = None) -> None:
        self.issues.append(ParseIssue(code=code, message_zh=zh, message_en=en, text=text))

    # -- label area -------------------------------------------------------------------------
    def _label_cells(self, row: GridRow, cols: range) -> tuple[str, str, BBox | None, BBox | None]:
        """(code digits, name, code box, name box) from the label columns of a row."""
        code, names = "", []
        code_box: BBox | None = None
        name_box: BBox | None = None
        for c in row.cells:
            if c.col not in cols or not c.text:
                continue
            t = c.text.strip()
            d = t.replace(" ", "")
            if t in _LEVEL_WORDS:
                continue
            if code and d.isdigit() and len(d) == 1 and not names:
                # A 款/项 cell printed without its leading zero ("2" for 02): the column says
                # it is a two-digit part. Read it so, and say so.
                self.issue(
                    "code-padded",
                    f"表「{self.p.title}」编码 {code} 后的「{d}」缺少前导零，按 0{d} 读取",
                    f"table '{self.p.title}': code part '{d}' after {code} lacks its leading "
                    f"zero; read as 0{d}",
                    t,
                )
                d = f"0{d}"
            if _CODE_CELL.match(d) and not names:
                code += d
                code_box = c.bbox if code_box is None else _union(code_box, c.bbox)
            else:
                names.append(t)
                name_box = c.bbox if name_box is None else _union(name_box, c.bbox)
        return code, "".join(names), code_box, name_box

    def _values(self, row: GridRow, cols: Sequence[int]) -> tuple[list[str], list[BBox | None]]:
        texts, boxes = [], []
        for k in cols:
            c = next((c for c in row.cells if c.col == k and c.text), None)
            texts.append(c.text if c else "")
            boxes.append(c.bbox if c else None)
        return texts, boxes

    # -- modes ------------------------------------------------------------------------------
    def one_sided(self, rows: list[GridRow], ncols: int, extra: int = 0) -> list[Line]:
        """coded / economic / projects / carryover / named (label columns on the left)."""
        nv = len(self.spec.columns) + extra
        if ncols <= nv:
            self.issue(
                "grid-columns",
                f"表「{self.p.title}」只识别出 {ncols} 列，版式需要 {nv} 个数值列",
                f"table '{self.p.title}': {ncols} grid columns for {nv} value columns",
            )
            return []
        value_cols = list(range(ncols - nv, ncols))
        label_cols = range(0, ncols - nv)
        code_cells = {"coded": self.spec.code_cells, "projects": self.spec.code_cells}.get(
            self.spec.mode, 2 if self.spec.mode == "economic" else 0
        )
        out: list[Line] = []
        for row in rows:
            if row.empty:
                continue
            code, name, cbox, nbox = self._label_cells(row, label_cols)
            texts, boxes = self._values(row, value_cols)
            if _PLACEHOLDER.match(code + name) and not any(texts):
                self.issue(
                    "placeholder-row",
                    f"表「{self.p.title}」中的占位行（{code}{name}），已跳过",
                    f"table '{self.p.title}': placeholder row '{code}{name}' skipped",
                    code + name,
                )
                continue
            if self.spec.mode == "economic" and len(code) == 3:
                # ``301 | 01基本工资``: the 款 digits set tight against the name (PDFium gives
                # no space between them) are the 款 code, as ``01 基本工资`` in the text form.
                m = _KUAN_NAME.match(name)
                if m:
                    name = f"{m.group(1)} {m.group(2)}"
            if code_cells:
                lead = [code] + [""] * (code_cells - 1)
                lead_boxes: list[BBox | None] = [cbox] + [None] * (code_cells - 1)
            else:
                lead, lead_boxes = [], []
                if code:
                    name = f"{code}{name}"
            cells = [*lead, name, *texts]
            out.append(self.counter.make(cells, [*lead_boxes, nbox, *boxes], row))
        return out

    def two_sided(self, rows: list[GridRow], ncols: int) -> list[Line]:
        n_in = len(self.spec.columns_for("income"))
        n_ex = len(self.spec.columns_for("expenditure"))
        if ncols < 2 + n_in + n_ex:
            self.issue(
                "grid-columns",
                f"表「{self.p.title}」只识别出 {ncols} 列，版式需要 {2 + n_in + n_ex} 列",
                f"table '{self.p.title}': {ncols} grid columns, layout needs {2 + n_in + n_ex}",
            )
            return []
        in_vals = list(range(1, 1 + n_in))
        ex_label = 1 + n_in
        ex_vals = list(range(ncols - n_ex, ncols))
        out: list[Line] = []
        for row in rows:
            if row.empty:
                continue
            _, in_name, _, in_box = self._label_cells(row, range(0, 1))
            in_texts, in_boxes = self._values(row, in_vals)
            code, ex_name, _, ex_box = self._label_cells(row, range(ex_label, ncols - n_ex))
            ex_texts, ex_boxes = self._values(row, ex_vals)
            # The class's ordinal (一、) is list numbering, not part of the name: the row keeps
            # the name as the catalog knows it (一般公共服务支出) and gains the 类 code.
            ex_cell = self._class_code(f"{code}{ex_name}")
            line = self.counter.make(
                [in_name, *in_texts, ex_cell, *ex_texts],
                [in_box, *in_boxes, ex_box, *ex_boxes],
                row,
            )
            out.append(line)
        return out

    def _class_code(self, label: str) -> str:
        """``一、一般公共服务支出`` → ``201一般公共服务支出`` (类 code from the catalog by name),
        so the builder gives the row its code; the printed name is put back afterwards."""
        if not label or re.match(r"^\d{3}", label):
            return label
        bare = _ORDINAL.sub("", label)
        if normalize_label(bare) in self.labels or bare == label:
            return label
        try:
            found = load_catalog(self.year).function.by_name(bare, "类", include_aliases=True)
        except Exception:  # an unsupported year: keep the printed label
            return label
        return f"{found[0].code}{bare}" if len(found) == 1 else label

    def paired(self, rows: list[GridRow], ncols: int) -> list[Line]:
        """Two halves side by side (决算 表6): left → first column key, right → second."""
        half = ncols // 2
        left: list[Line] = []
        right: list[Line] = []
        totals: list[tuple[str, str, BBox | None, BBox | None]] = []
        total_row: GridRow | None = None
        for row in rows:
            if row.empty:
                continue
            parts = []
            for lo, hi in ((0, half), (half, ncols)):
                code, name, cbox, nbox = self._label_cells(row, range(lo, hi - 1))
                texts, boxes = self._values(row, [hi - 1])
                parts.append((code, name, cbox, nbox, texts[0], boxes[0]))
            if any(normalize_label(p[1]) in self.labels and not p[0] for p in parts if p[1]):
                total_row = row
                totals = [(p[1], p[4], p[3], p[5]) for p in parts]
                continue
            for side, (code, name, cbox, nbox, text, box) in enumerate(parts):
                if not (code or name or text):
                    continue
                vals = [text, ""] if side == 0 else ["", text]
                vboxes = [box, None] if side == 0 else [None, box]
                line = self.counter.make([code, "", name, *vals], [cbox, None, nbox, *vboxes], row)
                (left if side == 0 else right).append(line)
        out = left + right
        if total_row is not None:
            names = [t[0] for t in totals if t[0]]
            line = self.counter.make(
                ["", "", names[0] if names else "合计", totals[0][1], totals[1][1]],
                [None, None, totals[0][2], totals[0][3], totals[1][3]],
                total_row,
            )
            self.name_fix[(line.no, None)] = "、".join(names)
            out.append(line)
        return out

    def transposed(
        self, frag: GridTable, n_header: int, rows: list[GridRow], specs: list[TableSpec]
    ) -> dict[str, list[Line]]:
        """Items printed as columns (三公): every printed item becomes a named row."""
        paths = frag.header_paths(n_header)
        items: dict[str, dict[str, tuple[str, BBox | None]]] = {}
        order: list[str] = []
        spec_of: dict[str, TableSpec] = {}
        data = next((r for r in rows if not r.empty), rows[0] if rows else None)
        for k, path in enumerate(paths):
            path = [p for p in path if p]
            if not path:
                continue
            leaf = _label(path[-1])
            spec = self.spec
            key = None
            for col in spec.columns:
                if normalize_label(col.header[-1]) == leaf and len(path) > 1:
                    key, item = col.key, path[-2]
                    break
            if key is None:
                item = path[-1]
            owner = self._owner(item, specs)
            if key is None:
                key = owner.columns[0].key
            spec_of[item] = owner
            if item not in items:
                items[item] = {}
                order.append(item)
            cell = data.cell_at(k) if data is not None else None
            text = cell.text if cell is not None and cell.col == k else ""
            items[item][key] = (text, cell.bbox if cell is not None and cell.col == k else None)
        out: dict[str, list[Line]] = {s.type: [] for s in specs}
        base_row = data or GridRow(frag.page, frag.bbox, [])
        for item in order:
            owner = spec_of[item]
            vals = [items[item].get(c.key, ("", None)) for c in owner.columns]
            label_box = next((b for _, b in vals if b), None)
            line = self.counter.make(
                [_YEAR_PREFIX.sub("", item), *(t for t, _ in vals)],
                [label_box, *(b for _, b in vals)],
                base_row,
            )
            out[owner.type].append(line)
        return out

    def _owner(self, item: str, specs: list[TableSpec]) -> TableSpec:
        label = _label(item)
        for s in specs:
            if label in _spec_labels(s):
                return s
        return specs[0]


def _union(a: BBox, b: BBox) -> BBox:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _is_paired(frag: GridTable, n_header: int, spec: TableSpec) -> bool:
    if spec.mode != "economic" or len(spec.columns) != 2 or frag.ncols % 2:
        return False
    if spec.paired_halves is not None:
        return spec.paired_halves
    half = frag.ncols // 2
    paths = [normalize_label("".join(p)) for p in frag.header_paths(n_header)]
    return paths[:half] == paths[half:] and any(paths[:half])


def _maybe_paired(frag: GridTable, spec: TableSpec) -> bool:
    if spec.paired_halves is False:
        return False
    return spec.mode == "economic" and len(spec.columns) == 2 and frag.ncols % 2 == 0


def _is_transposed(frag: GridTable, spec: TableSpec) -> bool:
    if spec.mode != "named" or frag.ncols <= len(spec.columns) + 1:
        return False
    if spec.columns_as_rows is not None:
        return spec.columns_as_rows
    # No row has a label: every non-header row holds only amounts or blanks.
    return not any(c.text and not _numeric(c.text) for r in frag.rows[-1:] for c in r.cells)


def build_tables(
    printed: PrintedTable,
    siblings: list[TableSpec],
    counter: LineCounter,
    issues: list[ParseIssue],
    *,
    year: int | None,
    unit_names: list[str],
    default_unit: str | None = None,
) -> list[Table]:
    """The typed table(s) of one printed table (a sibling spec of the same number gets the rows
    that belong to it, e.g. 机关运行经费 beside the 三公 items).

    The amounts' unit is the one printed in the table's header; when the header prints none, the
    spec's ``unit``, else ``default_unit`` (the layout's)."""
    spec = printed.spec
    shaper = _Shaper(printed, counter, issues, year)
    frags = [f for f in printed.fragments if f.rows]
    if not frags:
        return []
    base = frags[0]
    frags = [base] + [_remap(f, base) for f in frags[1:]]
    transposed = _is_transposed(base, spec)
    names = 2 if spec.mode in ("two_sided", "projects") or _maybe_paired(base, spec) else 1
    n_header = _header_count(base, spec, shaper.labels, transposed, names)
    header_rows = base.rows[:n_header]
    data_rows: list[GridRow] = list(base.rows[n_header:])
    for f in frags[1:]:
        k = _header_count(f, spec, shaper.labels, transposed, names)
        # A continuation page without a repeated header starts with data at once (k == 0).
        data_rows.extend(f.rows[k:])
    specs = [spec, *siblings]
    lines_by_type: dict[str, list[Line]]
    if transposed:
        lines_by_type = shaper.transposed(base, n_header, data_rows, specs)
    elif spec.mode == "two_sided":
        lines_by_type = {spec.type: shaper.two_sided(data_rows, base.ncols)}
    elif _is_paired(base, n_header, spec):
        lines_by_type = {spec.type: shaper.paired(data_rows, base.ncols)}
    else:
        extra = 1 if spec.mode == "projects" else 0
        lines_by_type = {spec.type: shaper.one_sided(data_rows, base.ncols, extra)}
    out: list[Table] = []
    for s in specs:
        lines = lines_by_type.get(s.type)
        if lines is None:
            continue
        builder = PdfTableBuilder(
            s,
            number=s.number,
            title=printed.title if s is spec else s.title,
            line=0,
            issues=issues,
            unit_names=unit_names,
        )
        if printed.department:
            builder.set_department(printed.department)
        unit = printed.unit or s.unit or default_unit
        if unit:
            builder.set_unit(unit, 0)
        builder.table.printed_header = [r.texts(base.ncols) for r in header_rows if not r.empty]
        builder.header_phase = False
        for ln in lines:
            builder.add(ln)
        table = builder.finish()
        table.source = Source(page=printed.page, bbox=_round(printed.bbox))
        for note in printed.notes:
            if "空表" in note or "无数据" in note or table.is_empty:
                table.empty_explanation = (
                    f"{table.empty_explanation}{note}" if table.empty_explanation else note
                )
        _provenance(table, counter, shaper.name_fix)
        out.append(table)
    return out


def _round(b: BBox) -> BBox:
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))


def _provenance(
    table: Table, counter: LineCounter, name_fix: dict[tuple[int, str | None], str]
) -> None:
    """Builder sources (line / ``col N``) → page + bounding box; printed names restored."""
    for row in table.rows:
        no = row.source.line if row.source else None
        prov = counter.prov.get(no) if no is not None else None
        if prov is None:
            continue
        fixed = name_fix.get((no, row.side))
        if fixed:
            row.name = fixed
        row.source = Source(page=prov.page, bbox=_round(prov.bbox))
        for amount in row.values.values():
            src = amount.source
            box: BBox | None = None
            if src is not None and src.cell and src.cell.startswith("col "):
                idx = int(src.cell.split()[1]) - 1
                if 0 <= idx < len(prov.cells):
                    box = prov.cells[idx]
            amount.source = Source(page=prov.page, bbox=_round(box or prov.bbox))


__all__ = ["LineCounter", "PdfTableBuilder", "PrintedTable", "Provenance", "build_tables"]
