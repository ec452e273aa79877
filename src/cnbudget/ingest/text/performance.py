"""Performance-target tables (部门整体绩效目标表, 项目支出绩效目标表) from tab rows.

Published cells are often broken (``"> =2336 80 万 元"``, wrapped text spilling into extra rows,
missing 二级指标 cells shifting the row); every indicator keeps its raw cells and the parsed
comparator / value / unit where they can be recovered.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from cnbudget.ingest.text.lines import Line, nfkc
from cnbudget.layouts import normalize_label
from cnbudget.model import Amount, Indicator, ParseIssue, PerformanceTable, Source
from cnbudget.money import parse_amount

_TARGET = re.compile(r"^(>=|<=|≥|≤|>|<|=|＞|＜|＝)?\s*([-+]?\d+(?:\.\d+)?)\s*(.*)$")
_COMPARATORS = {"≥": ">=", "≤": "<=", "＞": ">", "＜": "<", "＝": "="}
#: Label cells of the header rows: never taken for a value when the value cell is empty.
_LABELS = frozenset({"项目负责人", "联系电话", "部门联系人", "预算单位", "项目名称", "部门名称"})
_LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标", "履职效能", "管理效率", "社会效应")
_BASES = ("计划标准", "历史标准", "行业标准", "行业或国家标准", "自定义", "国家标准")


def parse_target(text: str) -> tuple[str | None, Decimal | None, str | None]:
    """``"> =2336 80 万 元"`` → (">=", 233680, "万元"); ``"有效提供"`` → (None, None, None)."""
    t = nfkc(text).replace(" ", "")
    for a, b in _COMPARATORS.items():
        t = t.replace(a, b)
    m = _TARGET.match(t)
    if not m:
        return None, None, None
    try:
        value = Decimal(m.group(2))
    except InvalidOperation:  # pragma: no cover - regex guarantees a number
        return None, None, None
    return m.group(1), value, (m.group(3) or None)


def _weight(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


def _looks_target(cell: str) -> bool:
    t = nfkc(cell).replace(" ", "")
    return bool(t) and (t[0] in "<>=≥≤" or t[0].isdigit())


_CJK_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


def _fold(cell: str) -> str:
    """Fold the spaces a converter put inside CJK text (``"产出 指标"`` → ``"产出指标"``)."""
    return _CJK_GAP.sub("", cell).strip() if " " in cell else cell.strip()


class PerformanceBuilder:
    """Collects the rows of one performance table."""

    def __init__(self, kind: str, line: int, issues: list[ParseIssue]) -> None:
        self.t = PerformanceTable(kind=kind, source=Source(line=line))  # type: ignore[arg-type]
        self.issues = issues
        self.in_indicators = False
        self.l1: str | None = None
        self.l2: str | None = None

    def set_year(self, text: str) -> bool:
        m = re.match(r"^[（(]\s*(\d{4})\s*年?\s*[）)]$", nfkc(text))
        if m:
            self.t.year = int(m.group(1))
            return True
        return False

    def _amount(self, key: str, cell: str, line: Line, col: int) -> None:
        try:
            v = parse_amount(cell)
        except ValueError:
            v = None
        if v is not None:
            self.t.amounts[key] = Amount(
                value=v, printed=cell, source=Source(line=line.no, cell=f"col {col + 1}")
            )

    def add(self, line: Line) -> None:
        cells = line.cells or []
        first = normalize_label(cells[0]) if cells else ""
        nonempty = [(i, c) for i, c in enumerate(cells) if c]
        if first == "一级指标":
            self.in_indicators = True
            return
        if not self.in_indicators:
            self._header_row(first, cells, nonempty, line)
            return
        self._indicator_row(cells, line)

    def _header_row(
        self, first: str, cells: list[str], nonempty: list[tuple[int, str]], line: Line
    ) -> None:
        vals = [c for i, c in nonempty if i > 0 and normalize_label(c) not in _LABELS]
        if first in ("预算单位", "部门名称(盖章)", "部门名称"):
            self.t.unit_name = vals[0] if vals else None
        elif first == "项目名称":
            self.t.project_name = vals[0] if vals else None
            for i, c in nonempty:
                if normalize_label(c) == "项目负责人":
                    rest = [x for j, x in nonempty if j > i]
                    self.t.owner = rest[0] if rest else None
            if self.t.project_name == self.t.owner:
                self.t.project_name = None
        elif first == "部门联系人":
            self.t.owner = vals[0] if vals else None
            for i, c in nonempty:
                if normalize_label(c) == "联系电话":
                    rest = [x for j, x in nonempty if j > i]
                    self.t.phone = rest[0] if rest else None
        elif first.startswith("项目资金"):
            labels = {
                "年度预算总额": "total",
                "其中:财政拨款": "fiscal",
                "财政拨款": "fiscal",
                "其他资金": "other",
            }
            for j, (_i, c) in enumerate(nonempty):
                key = labels.get(normalize_label(c))
                if key and j + 1 < len(nonempty):
                    ni, nc = nonempty[j + 1]
                    self._amount(key, nc, line, ni)
        elif first in ("项目总体目标", "年度绩效目标"):
            self.t.goal = vals[0] if vals else None
        elif first.startswith("年度预算") or not first:
            # 部门整体: 资金来源 rows "财政资金 (万元) | 上级安排 | 152.00" / "本级安排" / "其他".
            labels = {
                "上级安排": "upper",
                "本级安排": "own",
                "其他": "other",
                "资金总额(万元)": None,
            }
            for j, (_i, c) in enumerate(nonempty):
                lab = normalize_label(c)
                if lab in labels and labels[lab] and j + 1 < len(nonempty):
                    ni, nc = nonempty[j + 1]
                    self._amount(labels[lab], nc, line, ni)
        else:
            self.issues.append(
                ParseIssue(
                    code="perf-unknown-row",
                    message_zh=f"绩效目标表中无法识别的行：{cells[0]}",
                    message_en=f"unknown row in a performance-target table: {cells[0]}",
                    line=line.no,
                    text=line.raw,
                )
            )

    def _indicator_row(self, cells: list[str], line: Line) -> None:
        raw = list(cells)
        c = [_fold(x) for x in cells]
        ind = self.t.indicators
        # A wrapped cell spilling into a row of its own: no names, one text fragment.
        if len(c) >= 3 and not c[0] and not c[1] and not c[2] and ind:
            frag = " ".join(x for x in c[3:] if x)
            prev = ind[-1]
            prev.raw.extend(raw)
            if prev.target_text is None or prev.comparator is None:
                prev.target_text = _fold((prev.target_text or "") + frag)
            return
        project = self.t.kind == "project"
        # A missing name cell shifts the row left by one (三级 where 二级 belongs). The first
        # cell then is either a 一级 name (二级 missing) or a 二级 name (一级 carried down).
        if len(c) >= 4 and (
            c[3] in _BASES or (_looks_target(c[2]) and not _looks_target(c[3]) and c[3])
        ):
            c = [c[0], "", c[1], *c[2:]] if c[0] in _LEVEL1 else ["", c[0], c[1], *c[2:]]
        # An empty 指标值 cell with the text one cell to the right: shift it back.
        elif len(c) >= 6 and not c[3] and c[4] and c[5] in _BASES:
            c = [*c[:3], *c[4:]]
        c = c + [""] * (9 - len(c))
        if c[0]:
            self.l1 = c[0]
        if c[1]:
            self.l2 = c[1]
        comp, val, unit = parse_target(c[3])
        extra = (
            {
                "last_year": c[5] or None,
                "weight": _weight(c[6]),
                "scoring_rule": c[7] or None,
                "evidence": c[8] or None,
            }
            if project
            else {"weight": _weight(c[5])}
        )
        i = Indicator(
            level1=self.l1,
            level2=self.l2 or None,
            level3=c[2] or None,
            target_text=c[3] or None,
            comparator=comp,  # type: ignore[arg-type]
            target_value=val,
            target_unit=unit,
            basis=c[4] or None,
            raw=raw,
            source=Source(line=line.no),
            **extra,
        )
        ind.append(i)

    def finish(self) -> PerformanceTable:
        return self.t
