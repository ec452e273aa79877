"""Official disclosure layouts described as data (``data/*.yaml``) and loaded into typed specs.

Why data: every province prints the same kinds of tables with small differences (titles, column
sets, units). The readers and the checks consult a :class:`LayoutSpec`; adding a layout is adding
a YAML file, not code.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

DATA_DIR = Path(__file__).parent / "data"

TableMode = Literal["two_sided", "coded", "economic", "projects", "named", "carryover"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Spec):
    key: str
    header: list[str]
    side: Literal["income", "expenditure"] | None = None


class NamedRowSpec(_Spec):
    key: str
    names: list[str]
    parent: str | None = None


class RowIdentitySpec(_Spec):
    total: str
    parts: list[str]
    side: Literal["income", "expenditure"] | None = None


class RowBalanceSpec(_Spec):
    """A balance inside every row: Σ ``left`` columns = Σ ``right`` columns.

    Why not a :class:`RowIdentitySpec`: a balance has sums on both sides (决算 政府性基金 table:
    年初结转和结余 + 本年收入 = 本年支出 + 年末结转和结余), which ``total = Σ parts`` cannot say
    without signs. Evaluated by the ``final`` check family under ``rule``.
    """

    rule: str
    left: list[str]
    right: list[str]
    side: Literal["income", "expenditure"] | None = None


class TableSpec(_Spec):
    type: str
    number: int
    title: str
    aliases: list[str] = Field(default_factory=list)
    mode: TableMode
    code_cells: int = 3
    landscape: bool = False
    #: The unit this table prints when its header does not say (``元`` / ``万元``); ``None``:
    #: the layout's ``unit``. A unit printed in the header always wins.
    unit: str | None = None
    columns: list[ColumnSpec]
    income_rows: list[NamedRowSpec] = Field(default_factory=list)
    #: ``named`` tables: the named rows. ``two_sided`` tables written before
    #: ``expenditure_rows`` existed list the expenditure side's named rows here (still read).
    named_rows: list[NamedRowSpec] = Field(default_factory=list)
    #: ``two_sided`` tables: named rows of the expenditure side that are neither a
    #: classification nor the side's total (决算 表1: 结余分配, 年末结转和结余, 总计).
    expenditure_rows: list[NamedRowSpec] = Field(default_factory=list)
    income_total_names: list[str] = Field(default_factory=list)
    expenditure_total_names: list[str] = Field(default_factory=list)
    total_names: list[str] = Field(default_factory=lambda: ["总计", "合计"])
    row_identities: list[RowIdentitySpec] = Field(default_factory=list)
    row_balances: list[RowBalanceSpec] = Field(default_factory=list)
    #: ``named`` tables whose items are printed as *columns* of one data row (三公 in the 决算
    #: 表7 and the Shanghai 表9): ``True`` always reads them so, ``False`` never, ``None``
    #: decides from the printed shape (a data row without any label).
    columns_as_rows: bool | None = None
    #: ``economic`` tables printed as two halves side by side (决算 表6: 人员经费 left, 公用经费
    #: right, one amount column each): ``True`` / ``False`` / ``None`` (decide from the header:
    #: both halves print the same header).
    paired_halves: bool | None = None

    def columns_for(self, side: str | None) -> list[ColumnSpec]:
        return [c for c in self.columns if c.side == side]

    @property
    def expenditure_named(self) -> list[NamedRowSpec]:
        """Named rows of the expenditure side of a two-sided table (old files: ``named_rows``)."""
        return list(self.expenditure_rows) or (
            list(self.named_rows) if self.mode == "two_sided" else []
        )

    @property
    def all_titles(self) -> list[str]:
        return [self.title, *self.aliases]


class CrossIdentitySpec(_Spec):
    rule: str
    a: str
    b: str


class SummedIdentitySpec(_Spec):
    """Σ ``a`` = Σ ``b`` over cell references (``TABLE[.SIDE]:ROW:COLUMN``) of any tables.

    Why a field of its own: ``cross_identities`` compare one cell with one cell, and their
    evaluator parses exactly one reference; a layout needs sums on either side (决算: 表5
    基本支出 = 表6 人员经费合计 + 公用经费合计; the 收入支出决算总表 balance). A single string is
    accepted for a one-term side. Evaluated by the ``final`` check family.
    """

    rule: str
    a: list[str]
    b: list[str]

    @field_validator("a", "b", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class PerClassIdentitySpec(_Spec):
    rule: str
    a: str
    b: str
    plus: list[str] = Field(default_factory=list)
    level: Literal["类", "all"] = "类"


class LayoutSpec(_Spec):
    id: str
    name_zh: str
    name_en: str
    kind: Literal["budget", "final"]
    unit: str
    tables: list[TableSpec]
    cross_identities: list[CrossIdentitySpec] = Field(default_factory=list)
    summed_identities: list[SummedIdentitySpec] = Field(default_factory=list)
    per_class_identities: list[PerClassIdentitySpec] = Field(default_factory=list)

    def table(self, type_: str) -> TableSpec | None:
        return next((t for t in self.tables if t.type == type_), None)

    def table_by_number(self, number: int) -> TableSpec | None:
        return next((t for t in self.tables if t.number == number), None)

    def match_title(self, title: str) -> TableSpec | None:
        """The table whose title or alias is ``title`` (exact after normalisation, else suffix)."""
        key = (self.id, title)
        if key not in _TITLE_CACHE:
            _TITLE_CACHE[key] = self._match_title(title)
        return _TITLE_CACHE[key]

    def _match_title(self, title: str) -> TableSpec | None:
        t = normalize_label(title)
        if not t:
            return None
        for spec in self.tables:
            if any(normalize_label(a) == t for a in spec.all_titles):
                return spec
        best: tuple[int, TableSpec] | None = None
        for spec in self.tables:
            for a in spec.all_titles:
                na = normalize_label(a)
                if len(na) >= 6 and t.endswith(na) and (best is None or len(na) > best[0]):
                    best = (len(na), spec)
        return best[1] if best else None


_LABEL_DROP = re.compile(r"[\s\u3000“”\"'‘’「」『』《》<>*#]")
_ORDINAL = re.compile(
    r"^(?:其中[:：]?|[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|表\d+)+"
)
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "〔": "[", "〕": "]"})


#: (layout id, printed title) → table spec; layouts are immutable and loaded once per id.
_TITLE_CACHE: dict[tuple[str, str], TableSpec | None] = {}


@lru_cache(maxsize=16384)
def normalize_label(text: str) -> str:
    """Fold a printed label for matching: NFKC, no spaces or quotes, unified brackets, no ordinal.

    ``"<b>1. 一般公共预算拨款</b>"`` → ``"一般公共预算拨款"``; ``"其中：一般财力"`` → ``"一般财力"``.
    """
    t = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    t = re.sub(r"</?[a-z]+>", "", t)
    t = _LABEL_DROP.sub("", t)
    return _ORDINAL.sub("", t)


@cache
def load_layout(layout_id: str = "budget-11") -> LayoutSpec:
    """Load and validate a layout by id (file ``data/<id>.yaml``)."""
    path = DATA_DIR / f"{layout_id}.yaml"
    if not path.is_file():
        known = ", ".join(available_layouts())
        raise KeyError(f"unknown layout {layout_id!r} (known: {known})")
    with path.open(encoding="utf-8") as fh:
        return LayoutSpec.model_validate(yaml.safe_load(fh))


def available_layouts() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))


__all__ = [
    "ColumnSpec",
    "CrossIdentitySpec",
    "LayoutSpec",
    "NamedRowSpec",
    "PerClassIdentitySpec",
    "RowBalanceSpec",
    "RowIdentitySpec",
    "SummedIdentitySpec",
    "TableSpec",
    "available_layouts",
    "load_layout",
    "normalize_label",
]
