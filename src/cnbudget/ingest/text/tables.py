"""Build typed tables from tab-separated rows, driven by the layout's :class:`TableSpec`.

Each table mode (``two_sided``, ``coded``, ``economic``, ``projects``, ``named``, ``carryover``)
is one small function that turns the cells of a data row into :class:`Row` objects. Header rows
are recognised rather than counted, so repeated headers after page breaks and headers split over
two lines are skipped wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cached_property, lru_cache

from cnbudget.ingest.text.lines import Line, nfkc
from cnbudget.layouts import ColumnSpec, NamedRowSpec, TableSpec, normalize_label
from cnbudget.model import Amount, Column, ParseIssue, Row, Source, Table
from cnbudget.money import AmountRangeError, parse_amount

_MONEY_LIKE = re.compile(r"^[-+]?[\d,，\s]*\d[.．]\d{1,2}$|^[-+]?\d{1,3}(?:[,，]\d{3})+$")
_CODE = re.compile(r"^\d{2,7}$")
_D = "0-9０-９"
_CODE_NAME = re.compile(rf"^\s*([{_D}]{{3}}(?:\s*[{_D}]{{2}}){{0,2}})\s*([^{_D}\s].*)$")
_ECON_SUFFIX = re.compile(rf"^\s*([{_D}]{{2}})\s+(\S.*)$")


def split_code_prefix(text: str, rx: re.Pattern[str] = _CODE_NAME) -> tuple[str, str] | None:
    """``"2060404科技成果转化与扩散"`` / ``"206 04 04 科技…"`` → (``"2060404"``, printed name).

    Works on the printed text (full-width digits allowed) so the name keeps its printed form.
    """
    m = rx.match(text)
    if not m:
        return None
    return _digits(m.group(1)), m.group(2).strip()


_LEVELS = {3: "类", 5: "款", 7: "项"}


def _digits(cell: str) -> str:
    return nfkc(cell).replace(" ", "")


def is_money(cell: str) -> bool:
    """A printed money amount (with decimals or thousands separators), not a column number."""
    return bool(_MONEY_LIKE.match(_digits(cell)))


@lru_cache(maxsize=256)
def _label_set(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize_label(n) for n in names)


class TableBuilder:
    """Accumulates the lines of one table and produces a :class:`Table`."""

    def __init__(
        self,
        spec: TableSpec,
        *,
        number: int | None,
        title: str,
        line: int,
        issues: list[ParseIssue],
        unit_names: list[str],
    ) -> None:
        self.spec = spec
        self.issues = issues
        self.unit_names = {normalize_label(n) for n in unit_names if n}
        self.table = Table(
            type=spec.type,
            number=number,
            title=title,
            columns=[Column(key=c.key, header=list(c.header), side=c.side) for c in spec.columns],
            source=Source(line=line),
        )
        self.header_phase = True
        self.header_keys: set[tuple[str, ...]] = set()
        self._unit: str | None = None
        self._named_used: set[str] = set()
        self._named_cursor = 0
        self._handlers: dict[str, Callable[[Line], None]] = {
            "two_sided": self._two_sided,
            "coded": self._coded,
            "economic": self._economic,
            "projects": self._projects,
            "named": self._named,
            "carryover": self._carryover,
        }

    # -- meta lines ---------------------------------------------------------------------------
    def set_department(self, text: str) -> None:
        if self.table.department is None:
            self.table.department = text
        # 编制部门 again means a page break: a repeated header follows.
        self.header_phase = True

    def set_unit(self, unit: str, line: int) -> None:
        unit = unit.strip()
        if unit in ("万元", "万"):
            self.table.unit, self.table.scale = "万元", Decimal(1)
        elif unit == "元":
            self.table.unit, self.table.scale = "元", Decimal("0.0001")
        else:
            self._issue(
                "unknown-unit", f"无法识别的金额单位：{unit}", f"unknown unit: {unit}", line
            )

    # -- rows ---------------------------------------------------------------------------------
    def add(self, line: Line) -> None:
        cells = line.cells or []
        if all(not c for c in cells):
            return
        key = tuple(normalize_label(c) for c in cells if c)
        if any(c in ("※", "*") for c in cells) or key in self.header_keys:
            return
        if self.header_phase and not self._is_data(cells):
            if not self.table.rows:
                self.table.printed_header.append(list(cells))
            self.header_keys.add(key)
            return
        self.header_phase = False
        self._handlers[self.spec.mode](line)

    def _name_index(self) -> int:
        """Where the row label sits: after the code cells, or first."""
        return {"coded": self.spec.code_cells, "projects": self.spec.code_cells, "economic": 1}.get(
            self.spec.mode, 0
        )

    def _is_data(self, cells: list[str]) -> bool:
        if any(is_money(c) for c in cells):
            return True
        idx, first = next(((i, c) for i, c in enumerate(cells) if c), (0, ""))
        d = _digits(first)
        if _CODE.match(d) and len(d) >= 3:
            return True
        if split_code_prefix(first):
            return True
        if idx > self._name_index():
            return False
        if normalize_label(first) not in self._labels:
            return False
        # "合计\t基本支出\t项目支出" is a header line that starts with a total's label: a data
        # row has only amounts (or blanks) after its label.
        return self.spec.mode == "two_sided" or all(
            not c or is_money(c) or _digits(c).isdigit() for c in cells[idx + 1 :]
        )

    @cached_property
    def _labels(self) -> frozenset[str]:
        names = [*self.spec.total_names, *self.spec.income_total_names]
        for r in (*self.spec.named_rows, *self.spec.income_rows):
            names.extend(r.names)
        return frozenset(normalize_label(n) for n in names)

    def finish(self) -> Table:
        return self.table

    # -- helpers ------------------------------------------------------------------------------
    def _issue(self, code: str, zh: str, en: str, line: int, text: str | None = None) -> None:
        self.issues.append(
            ParseIssue(code=code, message_zh=zh, message_en=en, line=line, text=text)
        )

    def _values(
        self,
        line: Line,
        cells: list[str],
        start: int,
        columns: list[ColumnSpec],
        row_name: str,
        offset: int = 0,
    ) -> dict[str, Amount]:
        """Amounts of ``cells[start:]`` by column; ``offset`` is where ``cells`` starts in the
        printed row (the right-hand half of a two-sided table), for the provenance column."""
        values: dict[str, Amount] = {}
        for i, col in enumerate(columns):
            idx = start + i
            if idx >= len(cells):
                break
            text = cells[idx]
            if not text:
                continue
            try:
                v = parse_amount(text)
            except AmountRangeError as exc:
                self._issue(
                    "amount-out-of-range",
                    f"{self._where()}「{row_name}」列「{' / '.join(col.header)}」{exc.message_zh}",
                    f"{self._where_en()} row '{row_name}' column '{col.key}': {exc.message_en}",
                    line.no,
                    line.raw[:500],
                )
                continue
            except ValueError:
                self._issue(
                    "not-an-amount",
                    f"{self._where()}「{row_name}」列「{' / '.join(col.header)}」不是金额：{text[:40]}",
                    f"{self._where_en()} row '{row_name}' column '{col.key}' is not an amount: {text[:40]}",
                    line.no,
                    line.raw,
                )
                continue
            if v is None:
                continue
            values[col.key] = Amount(
                value=v * self.table.scale if self.table.scale != 1 else v,
                printed=text,
                source=Source(line=line.no, cell=f"col {idx + 1 + offset}"),
            )
        extra = [c for c in cells[start + len(columns) :] if c]
        if extra:
            self._issue(
                "extra-cells",
                f"{self._where()}「{row_name}」多出无法对应列的单元格：{' | '.join(extra)}",
                f"{self._where_en()} row '{row_name}' has cells beyond the known columns: {extra}",
                line.no,
                line.raw,
            )
        return values

    def _where(self) -> str:
        return f"表{self.table.number or ''}「{self.table.title}」"

    def _where_en(self) -> str:
        return f"table {self.table.number or ''} ({self.spec.type})"

    def _split_code(self, cells: list[str], max_cells: int) -> tuple[str, str, int]:
        """Leading code cells → (code digits, name, index of the first cell after the name)."""
        parts: list[str] = []
        i = 0
        while i < len(cells) and i < max_cells:
            d = _digits(cells[i])
            if d == "" or d.isdigit():
                parts.append(d)
                i += 1
            else:
                break
        name = cells[i] if i < len(cells) else ""
        code = "".join(parts)
        if not code:
            split = split_code_prefix(name)
            if split:
                code, name = split
        return code, name, i + 1

    def _check_code(self, code: str, line: Line) -> str | None:
        if not code:
            return None
        if len(code) not in _LEVELS:
            self._issue(
                "bad-code",
                f"{self._where()}科目编码位数不对：{code}",
                f"{self._where_en()}: classification code has a wrong length: {code}",
                line.no,
                line.raw,
            )
            return None
        return _LEVELS[len(code)]

    def _is_total(self, name: str, names: list[str] | None = None) -> bool:
        return normalize_label(name) in _label_set(tuple(names or self.spec.total_names))

    def _match_named(self, name: str, specs: list[NamedRowSpec]) -> NamedRowSpec | None:
        label = normalize_label(name)
        order = list(range(self._named_cursor, len(specs))) + list(range(self._named_cursor))
        for i in order:
            s = specs[i]
            if s.key in self._named_used:
                continue
            if label in {normalize_label(n) for n in s.names}:
                self._named_used.add(s.key)
                self._named_cursor = i + 1
                return s
        return None

    def _append(self, row: Row) -> None:
        self.table.rows.append(row)

    def _row(self, line: Line, **fields: object) -> None:
        """Append a row read from ``line``: bold when any of its cells was, sourced to it."""
        self._append(Row(emphasized=any(line.bold), source=Source(line=line.no), **fields))

    # -- modes --------------------------------------------------------------------------------
    def _coded(self, line: Line) -> None:
        cells = line.cells or []
        code, name, start = self._split_code(cells, self.spec.code_cells)
        level = self._check_code(code, line)
        values = self._values(line, cells, start, self.spec.columns, name)
        if not code and self._is_total(name):
            kind = "total"
        elif level:
            kind = "item"
        else:
            self._issue(
                "row-without-code",
                f"{self._where()}行没有科目编码：{name}",
                f"{self._where_en()}: row without a classification code: {name}",
                line.no,
                line.raw,
            )
            kind = "item"
        self._row(
            line,
            kind=kind,
            name=name,
            code=code or None,
            level=level,
            values=values,
        )

    def _economic(self, line: Line) -> None:
        cells = line.cells or []
        code, name, start = self._split_code(cells, 2)
        suffix = split_code_prefix(name, _ECON_SUFFIX) if len(code) == 3 else None
        if suffix:
            code, name = code + suffix[0], suffix[1]
        level = self._check_code(code, line) if code else None
        if level == "项":
            level = None
            self._issue(
                "bad-code",
                f"{self._where()}经济分类编码应为 3 或 5 位：{code}",
                f"{self._where_en()}: economic code must have 3 or 5 digits: {code}",
                line.no,
                line.raw,
            )
        values = self._values(line, cells, start, self.spec.columns, name)
        kind = "total" if not code and self._is_total(name) else "item"
        self._row(
            line,
            kind=kind,
            name=name,
            code=code or None,
            level=level,
            values=values,
        )

    def _projects(self, line: Line) -> None:
        cells = line.cells or []
        code, name, start = self._split_code(cells, self.spec.code_cells)
        project = cells[start] if start < len(cells) else ""
        level = self._check_code(code, line)
        values = self._values(line, cells, start + 1, self.spec.columns, project or name)
        if not code and self._is_total(name):
            kind = "total"
        elif project:
            kind = "project"
        elif code:
            kind = "item"
        else:
            kind = "unit"
            self._unit = name
        self._row(
            line,
            kind=kind,
            name=name,
            code=code or None,
            level=level,
            unit_name=self._unit if kind != "total" else None,
            project=project or None,
            values=values,
        )

    def _named(self, line: Line) -> None:
        cells = line.cells or []
        name = cells[0]
        values = self._values(line, cells, 1, self.spec.columns, name)
        if self._is_total(name):
            self._row(
                line,
                kind="total",
                name=name,
                key="total",
                values=values,
            )
            return
        spec = self._match_named(name, self.spec.named_rows)
        if spec is None:
            self._issue(
                "unknown-row",
                f"{self._where()}无法识别的行：{name}",
                f"{self._where_en()}: unknown row: {name}",
                line.no,
                line.raw,
            )
        self._row(
            line,
            kind="named",
            name=name,
            key=spec.key if spec else None,
            values=values,
        )

    def _carryover(self, line: Line) -> None:
        cells = line.cells or []
        name = cells[0]
        values = self._values(line, cells, 1, self.spec.columns, name)
        if self._is_total(name):
            kind = "total"
        elif normalize_label(name) in self.unit_names or (any(line.bold) and self._unit is None):
            kind = "unit"
            self._unit = name
        else:
            kind = "project"
        self._row(
            line,
            kind=kind,
            name=name,
            unit_name=self._unit if kind != "total" else None,
            project=name if kind == "project" else None,
            values=values,
        )

    def _two_sided(self, line: Line) -> None:
        cells = list(line.cells or [])
        in_cols = self.spec.columns_for("income")
        ex_cols = self.spec.columns_for("expenditure")
        n_in = 1 + len(in_cols)
        # A converter may put the expenditure code in a cell of its own: "201" | "一般公共服务支出".
        if (
            len(cells) > n_in + 1
            and _digits(cells[n_in]).isdigit()
            and cells[n_in + 1]
            and not is_money(cells[n_in + 1])
        ):
            cells[n_in : n_in + 2] = [f"{cells[n_in]} {cells[n_in + 1]}"]
        inc, exp = cells[:n_in], cells[n_in:]
        bold_in = any(line.bold[:n_in])
        bold_ex = any(line.bold[n_in:])
        if any(inc):
            name = inc[0]
            values = self._values(line, inc, 1, in_cols, name)
            if self._is_total(name, self.spec.income_total_names):
                row = Row(
                    kind="total",
                    name=name,
                    key="total",
                    side="income",
                    emphasized=bold_in,
                    values=values,
                    source=Source(line=line.no),
                )
            else:
                spec = self._match_named(name, self.spec.income_rows)
                if spec is None and (name or values):
                    self._issue(
                        "unknown-row",
                        f"{self._where()}无法识别的收入项目：{name}",
                        f"{self._where_en()}: unknown income row: {name}",
                        line.no,
                        line.raw,
                    )
                row = Row(
                    kind="named",
                    name=name,
                    key=spec.key if spec else None,
                    side="income",
                    emphasized=bold_in,
                    values=values,
                    source=Source(line=line.no),
                )
            self._append(row)
        if any(exp):
            first = exp[0]
            split = split_code_prefix(first)
            values = self._values(line, exp, 1, ex_cols, first, offset=n_in)
            if split:
                code, name = split
                self._append(
                    Row(
                        kind="item",
                        name=name,
                        code=code,
                        level=_LEVELS.get(len(code)),
                        side="expenditure",
                        emphasized=bold_ex,
                        values=values,
                        source=Source(line=line.no),
                    )
                )
            elif self._is_total(first, self.spec.expenditure_total_names):
                self._append(
                    Row(
                        kind="total",
                        name=first,
                        key="total",
                        side="expenditure",
                        emphasized=bold_ex,
                        values=values,
                        source=Source(line=line.no),
                    )
                )
            else:
                self._issue(
                    "unknown-row",
                    f"{self._where()}支出项目没有功能分类编码：{first}",
                    f"{self._where_en()}: expenditure row without a function code: {first}",
                    line.no,
                    line.raw,
                )
                self._append(
                    Row(
                        kind="item",
                        name=first,
                        side="expenditure",
                        emphasized=bold_ex,
                        values=values,
                        source=Source(line=line.no),
                    )
                )
