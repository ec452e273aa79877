"""Value types of the catalog: one row of a classification, one income item."""

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CatalogEntry", "CodeStatus", "IncomeItem", "Kind", "Level", "Status"]

Level = Literal["类", "款", "项"]
Kind = Literal["function", "economic"]
Status = Literal["known", "gap", "unknown"]


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One code of 支出功能分类 (kind ``"function"``) or 部门预算支出经济分类 (``"economic"``).

    Equality and hashing use only ``code, name, level, parent, kind``: that is the identity a
    checker cares about ("is this the row the disclosure should print?"), while validity years,
    provenance and aliases are metadata that may be refined without making old comparisons fail.
    """

    code: str
    name: str
    level: Level
    parent: str | None
    kind: Kind
    valid_from: int | None = field(default=None, compare=False)
    """First year this catalog asserts the row for (never earlier than the first year covered)."""
    valid_to: int | None = field(default=None, compare=False)
    """Last year the row is valid, inclusive; ``None`` while it is still valid."""
    source: str = field(default="", compare=False, repr=False)
    """Where the row comes from (corpus file, reference file, official catalog)."""
    aliases: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Other names printed for the same code (typically the wording of older catalogs)."""
    note: str = field(default="", compare=False, repr=False)

    def valid_in(self, year: int) -> bool:
        """Whether the row belongs to the catalog of ``year``."""
        if self.valid_from is not None and year < self.valid_from:
            return False
        return self.valid_to is None or year <= self.valid_to


@dataclass(frozen=True, slots=True)
class IncomeItem:
    """A 收入 line of the budget tables (一般公共预算拨款, 事业收入, 上年结转结余 …).

    Income lines have no official numeric code in department disclosures, so each gets a stable
    English ``key``; ``aliases`` lists the other wordings real tables use for the same line.
    """

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    source: str = field(default="", compare=False, repr=False)
    note: str = field(default="", compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The printed name followed by every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class CodeStatus:
    """What the catalog can say about one printed code (see :meth:`CodeTable.status`).

    - ``"known"``: the code is in this year's catalog (``entry`` is its row);
    - ``"gap"``: not in the catalog, but its nearest known ancestor (``anchor``) is not marked
      complete, so the code may well exist in the official catalog: a gap of ours, not an error
      of the document;
    - ``"unknown"``: not in the catalog and it cannot be a gap: no ancestor is known (an unknown
      类, or a malformed code), or the nearest known ancestor is marked complete (its children are
      all listed, per ``data/complete.csv``).

    ``missing_level`` is the highest level that is not in the catalog (``"款"`` for an unknown
    项 whose 款 is unknown too), ``None`` for a known code or a code of no valid shape.
    """

    code: str
    status: Status
    entry: CatalogEntry | None = None
    anchor: CatalogEntry | None = None
    """Nearest ancestor that is in the catalog (the 款 of an unknown 项, …), if any."""
    missing_level: Level | None = None
