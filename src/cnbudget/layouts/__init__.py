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
from pydantic import BaseModel, ConfigDict, Field

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


class TableSpec(_Spec):
    type: str
    number: int
    title: str
    aliases: list[str] = Field(default_factory=list)
    mode: TableMode
    code_cells: int = 3
    landscape: bool = False
    columns: list[ColumnSpec]
    income_rows: list[NamedRowSpec] = Field(default_factory=list)
    named_rows: list[NamedRowSpec] = Field(default_factory=list)
    income_total_names: list[str] = Field(default_factory=list)
    expenditure_total_names: list[str] = Field(default_factory=list)
    total_names: list[str] = Field(default_factory=lambda: ["总计", "合计"])
    row_identities: list[RowIdentitySpec] = Field(default_factory=list)

    def columns_for(self, side: str | None) -> list[ColumnSpec]:
        return [c for c in self.columns if c.side == side]

    @property
    def all_titles(self) -> list[str]:
        return [self.title, *self.aliases]


class CrossIdentitySpec(_Spec):
    rule: str
    a: str
    b: str


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
    "RowIdentitySpec",
    "TableSpec",
    "available_layouts",
    "load_layout",
    "normalize_label",
]
