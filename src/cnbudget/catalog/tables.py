"""Lookup tables over one year's entries.

Indexes (by code, by normalised name, by parent) are built once when a table is created, so every
lookup is a dict access: checkers call these methods once per table row of every disclosure.
"""

from collections.abc import Iterable, Iterator

from .model import CatalogEntry, CodeStatus, IncomeItem, Kind, Level
from .normalize import normalize_code, normalize_name

__all__ = ["CodeTable", "IncomeTable"]

_LEVELS: dict[Kind, dict[int, Level]] = {
    "function": {3: "类", 5: "款", 7: "项"},
    "economic": {3: "类", 5: "款"},
}


class CodeTable:
    """The codes of one classification (``kind``) valid in one year.

    Codes may be given as ``str`` or ``int`` and in split form (``"206 04 99"``); see
    :func:`~cnbudget.catalog.normalize_code`.
    """

    __slots__ = (
        "_by_alias",
        "_by_code",
        "_by_name",
        "_children",
        "_complete",
        "_levels",
        "kind",
        "year",
    )

    def __init__(
        self,
        kind: Kind,
        year: int,
        entries: Iterable[CatalogEntry],
        complete: Iterable[str] = (),
    ) -> None:
        self.kind: Kind = kind
        self.year = year
        self._levels = _LEVELS[kind]
        ordered = sorted(entries, key=lambda e: e.code)
        self._by_code: dict[str, CatalogEntry] = {}
        self._by_name: dict[str, list[CatalogEntry]] = {}
        self._by_alias: dict[str, list[CatalogEntry]] = {}
        self._children: dict[str, list[CatalogEntry]] = {}
        for e in ordered:
            if e.kind != kind:
                raise ValueError(f"{e.code}: kind {e.kind!r} in the {kind!r} table")
            if self._levels.get(len(e.code)) != e.level:
                raise ValueError(
                    f"{e.code}: level {e.level!r} does not fit a {len(e.code)}-digit code"
                )
            if e.code in self._by_code:
                raise ValueError(f"{e.code}: two rows valid in {year}")
            self._by_code[e.code] = e
            self._by_name.setdefault(normalize_name(e.name), []).append(e)
            for alias in e.aliases:
                self._by_alias.setdefault(normalize_name(alias), []).append(e)
            if e.parent is not None:
                self._children.setdefault(e.parent, []).append(e)
        self._complete: frozenset[str] = frozenset(normalize_code(c) for c in complete)
        for c in self._complete:
            entry = self._by_code.get(c)
            if entry is None:
                raise ValueError(f"{c}: marked complete in {year} but not in the {kind} table")
            if len(c) + 2 not in self._levels:
                raise ValueError(f"{c}: a {entry.level} has no children to be complete")

    # -- membership and iteration ------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return isinstance(code, str | int) and normalize_code(code) in self._by_code

    def __iter__(self) -> Iterator[CatalogEntry]:
        """Entries in code order (类 before its 款 before its 项)."""
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)

    def __getitem__(self, code: str | int) -> CatalogEntry:
        entry = self.get(code)
        if entry is None:
            raise KeyError(code)
        return entry

    def __repr__(self) -> str:
        return f"<CodeTable {self.kind} {self.year}: {self.counts()}>"

    # -- lookups -----------------------------------------------------------------------------
    def get(self, code: str | int) -> CatalogEntry | None:
        """The entry for ``code``, or ``None`` if the code is not in this year's catalog."""
        return self._by_code.get(normalize_code(code))

    def name_of(self, code: str | int) -> str | None:
        """The official name of ``code``, or ``None``."""
        entry = self.get(code)
        return entry.name if entry else None

    def entries(self, level: Level | None = None) -> list[CatalogEntry]:
        """All entries (of one level if given), in code order."""
        return [e for e in self._by_code.values() if level is None or e.level == level]

    def is_complete(self, code: str | int) -> bool:
        """Whether every child of ``code`` is listed (the 类/款 is marked in ``complete.csv``).

        Only then can a missing child be called an error of the document; elsewhere the catalog
        is known to be partial and a missing child is a gap of ours.
        """
        return normalize_code(code) in self._complete

    def complete_codes(self, level: Level | None = None) -> list[CatalogEntry]:
        """The entries marked complete (of one level if given), in code order."""
        return [
            self._by_code[c]
            for c in sorted(self._complete)
            if level is None or self._by_code[c].level == level
        ]

    def status(self, code: str | int) -> CodeStatus:
        """Known, a gap of the catalog, or unknown (see :class:`CodeStatus`).

        An unknown 项 under a known 款 is a gap unless that 款 is complete; an unknown 款 under a
        known 类 likewise; an unknown 类 (or a code of no valid shape) is always unknown.
        """
        c = normalize_code(code)
        entry = self._by_code.get(c)
        if entry is not None:
            return CodeStatus(c, "known", entry=entry)
        level = self.level_of(c)
        if level is None:
            return CodeStatus(c, "unknown")
        missing: Level = level
        prefix = c
        while len(prefix) > 3:
            prefix = prefix[:-2]
            anchor = self._by_code.get(prefix)
            if anchor is not None:
                closed = prefix in self._complete
                return CodeStatus(
                    c, "unknown" if closed else "gap", anchor=anchor, missing_level=missing
                )
            missing = self._levels[len(prefix)]
        return CodeStatus(c, "unknown", missing_level="类")

    def counts(self) -> dict[str, int]:
        """Number of entries per level, e.g. ``{"类": 30, "款": 219, "项": 481}``."""
        out = {lvl: 0 for lvl in self._levels.values()}
        for e in self._by_code.values():
            out[e.level] += 1
        return out

    def by_name(
        self, name: str, level: Level | None = None, *, include_aliases: bool = False
    ) -> list[CatalogEntry]:
        """Entries whose name equals ``name`` after :func:`normalize_name`, in code order.

        Many names repeat across 款 (行政运行, 一般行政管理事务 …), hence a list; pass ``level``
        to narrow it. With ``include_aliases`` older wordings (e.g. 技术研究与开发) also match.
        """
        key = normalize_name(name)
        found = list(self._by_name.get(key, ()))
        if include_aliases:
            found += [e for e in self._by_alias.get(key, ()) if e not in found]
            found.sort(key=lambda e: e.code)
        return [e for e in found if level is None or e.level == level]

    def name_matches(self, code: str | int, name: str, *, include_aliases: bool = False) -> bool:
        """Whether ``name`` is the name of ``code`` (tolerant to brackets, widths and spaces).

        Unknown codes never match. Aliases (older wordings) count only with ``include_aliases``,
        because a disclosure of a given year is expected to print that year's wording.
        """
        entry = self.get(code)
        if entry is None:
            return False
        key = normalize_name(name)
        if key == normalize_name(entry.name):
            return True
        return include_aliases and any(key == normalize_name(a) for a in entry.aliases)

    # -- hierarchy ---------------------------------------------------------------------------
    def level_of(self, code: str | int) -> Level | None:
        """The level implied by the code's length (3 → 类, 5 → 款, 7 → 项 for functions).

        Works for codes missing from the catalog, so a checker can still say what a row claims
        to be; returns ``None`` for anything that is not a code of this classification's shape.
        """
        c = normalize_code(code)
        return self._levels.get(len(c)) if c.isdigit() and c.isascii() else None

    def parent(self, code: str | int) -> CatalogEntry | None:
        """The entry one level up (项 → 款, 款 → 类), or ``None`` for a 类.

        Derived from the code itself, so it also answers for a code that is not in the catalog
        (useful to report "unknown 项 under 款 20604"); ``None`` if that parent is unknown too.
        """
        c = normalize_code(code)
        if self.level_of(c) in (None, "类"):
            return None
        return self._by_code.get(c[:-2])

    def children(self, code: str | int) -> list[CatalogEntry]:
        """Entries one level down, in code order (empty for a 项 or an unknown code)."""
        return list(self._children.get(normalize_code(code), ()))

    def path(self, code: str | int) -> list[CatalogEntry]:
        """``[类, 款, 项]`` down to ``code`` (shorter for a 款 or 类).

        Raises ``KeyError`` if ``code`` is not in the catalog: a partial path would silently hide
        the gap a checker is looking for.
        """
        entry = self[code]
        out = [entry]
        while out[0].parent is not None:
            out.insert(0, self[out[0].parent])
        return out


class IncomeTable:
    """The 收入 items (same for every supported year), looked up by key or printed name."""

    __slots__ = ("_by_key", "_by_name", "_children")

    def __init__(self, items: Iterable[IncomeItem]) -> None:
        self._by_key: dict[str, IncomeItem] = {}
        self._by_name: dict[str, list[IncomeItem]] = {}
        self._children: dict[str, list[IncomeItem]] = {}
        for item in items:
            if item.key in self._by_key:
                raise ValueError(f"duplicate income key {item.key!r}")
            self._by_key[item.key] = item
            for n in dict.fromkeys(normalize_name(x) for x in item.names):
                self._by_name.setdefault(n, []).append(item)
            if item.parent is not None:
                self._children.setdefault(item.parent, []).append(item)
        for item in self._by_key.values():
            if item.parent is not None and item.parent not in self._by_key:
                raise ValueError(f"{item.key}: unknown parent {item.parent!r}")

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __iter__(self) -> Iterator[IncomeItem]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __getitem__(self, key: str) -> IncomeItem:
        return self._by_key[key]

    def __repr__(self) -> str:
        return f"<IncomeTable: {len(self)} items>"

    def get(self, key: str) -> IncomeItem | None:
        """The item with this stable key, or ``None``."""
        return self._by_key.get(key)

    def by_name(self, name: str) -> list[IncomeItem]:
        """Items whose name or an alias equals ``name`` after :func:`normalize_name`.

        The printed name wins: items named ``name`` come before items that only list it as an
        alias, so ``by_name(x)[0]`` is the best single answer.
        """
        key = normalize_name(name)
        found = self._by_name.get(key, [])
        return sorted(found, key=lambda i: normalize_name(i.name) != key)

    def parent(self, key: str) -> IncomeItem | None:
        """The item this one is a "其中" part of, or ``None``."""
        item = self._by_key.get(key)
        return self._by_key.get(item.parent) if item and item.parent else None

    def children(self, key: str) -> list[IncomeItem]:
        """The "其中" parts of an item, in file order."""
        return list(self._children.get(key, ()))
