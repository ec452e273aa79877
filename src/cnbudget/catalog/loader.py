"""Reading the shipped CSV files and assembling a :class:`Catalog` for a year.

The CSV files are parsed at most once per process (on first use, not on import), and each year's
:class:`Catalog` is built once and cached: every checker asks for the catalog, often per table.
"""

import csv
import io
from dataclasses import dataclass
from functools import cache

from .model import CatalogEntry, IncomeItem, Kind, Level
from .normalize import normalize_code, normalize_name
from .tables import CodeTable, IncomeTable

__all__ = ["SUPPORTED_YEARS", "Catalog", "load_catalog", "resolve_year"]

SUPPORTED_YEARS: tuple[int, ...] = (2023, 2024, 2025, 2026)
"""Years the data files are curated for. Other years fall back to the nearest one."""

_FILES: dict[Kind, str] = {"function": "function_codes.csv", "economic": "economic_codes.csv"}
_KIND_BY_FILE: dict[str, Kind] = {v: k for k, v in _FILES.items()}
_LEVEL_BY_LEN: dict[int, Level] = {3: "类", 5: "款", 7: "项"}


def resolve_year(year: int | None) -> int:
    """The data year used for ``year``: itself if supported, else the nearest supported year.

    The fallback is silent on purpose (no warning): a 2022 or 2027 disclosure is checked against
    the closest catalog we have, and callers that care can compare ``Catalog.year`` with the year
    they asked for. ``None`` means the latest supported year.
    """
    if year is None:
        return SUPPORTED_YEARS[-1]
    return min(SUPPORTED_YEARS, key=lambda y: (abs(y - year), -y))


def _read_csv(name: str) -> list[dict[str, str]]:
    from importlib import resources  # deferred: keeps ``import cnbudget.catalog`` cheap

    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _year(value: str) -> int | None:
    return int(value) if value.strip() else None


def _aliases(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.split("|") if a.strip())


@cache
def _all_entries(kind: Kind) -> tuple[CatalogEntry, ...]:
    """Every row of one classification file, for all years (parsed once per process)."""
    out = []
    for row in _read_csv(_FILES[kind]):
        code = normalize_code(row["code"])
        level = row["level"].strip()
        if _LEVEL_BY_LEN.get(len(code)) != level or not code.isdigit():
            raise ValueError(f"{_FILES[kind]}: bad code/level {code!r}/{level!r}")
        out.append(
            CatalogEntry(
                code=code,
                name=row["name"].strip(),
                level=level,
                parent=code[:-2] if len(code) > 3 else None,
                kind=kind,
                valid_from=_year(row["valid_from"]),
                valid_to=_year(row["valid_to"]),
                source=row["source"].strip(),
                aliases=_aliases(row.get("aliases") or ""),
                note=(row.get("note") or "").strip(),
            )
        )
    return tuple(out)


@cache
def _complete_rows() -> tuple[tuple[Kind, str, int | None, int | None, str], ...]:
    """``complete.csv``: (kind, code, valid_from, valid_to, source) of every 类/款 whose children
    are all listed (parsed once per process)."""
    out = []
    for row in _read_csv("complete.csv"):
        kind = _KIND_BY_FILE.get(row["file"].strip())
        if kind is None:
            raise ValueError(f"complete.csv: unknown file {row['file']!r}")
        source = row["source"].strip()
        if not source:
            raise ValueError(f"complete.csv: {row['code']} has no source")
        out.append(
            (
                kind,
                normalize_code(row["code"]),
                _year(row["valid_from"]),
                _year(row["valid_to"]),
                source,
            )
        )
    return tuple(out)


def _complete_in(kind: Kind, year: int) -> list[str]:
    return [
        code
        for k, code, start, end, _ in _complete_rows()
        if k == kind and (start is None or start <= year) and (end is None or year <= end)
    ]


@cache
def _names_any_year(kind: Kind) -> dict[str, frozenset[str]]:
    """Normalised names (and aliases) each code has in any year's catalog."""
    out: dict[str, set[str]] = {}
    for e in _all_entries(kind):
        names = out.setdefault(e.code, set())
        names.add(normalize_name(e.name))
        names.update(normalize_name(a) for a in e.aliases)
    return {code: frozenset(v) for code, v in out.items()}


@cache
def _income_table() -> IncomeTable:
    return IncomeTable(
        IncomeItem(
            key=row["key"].strip(),
            name=row["name"].strip(),
            aliases=_aliases(row["aliases"]),
            parent=row["parent"].strip() or None,
            source=row["source"].strip(),
            note=(row.get("note") or "").strip(),
        )
        for row in _read_csv("income_items.csv")
    )


@dataclass(frozen=True, slots=True)
class Catalog:
    """The 政府收支分类科目 of one year: 功能分类, 部门经济分类 and the 收入 items."""

    year: int
    """The data year actually loaded (see :func:`resolve_year`)."""
    function: CodeTable
    economic: CodeTable
    income: IncomeTable

    def table_for(self, code: str | int) -> CodeTable | None:
        """The table a code belongs to: 2xx… is 功能分类, 3xx… is 经济分类."""
        c = normalize_code(code)
        return {"2": self.function, "3": self.economic}.get(c[:1])

    def get(self, code: str | int) -> CatalogEntry | None:
        """Look a code up in whichever classification it belongs to."""
        table = self.table_for(code)
        return table.get(code) if table else None

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str | int) and self.get(code) is not None

    def name_matches(
        self,
        code: str | int,
        name: str,
        *,
        include_aliases: bool = False,
        any_year: bool = False,
    ) -> bool:
        """Whether a disclosure's printed ``name`` is the catalog name of ``code``.

        Tolerant to （）/(), full/half width and whitespace; see :meth:`CodeTable.name_matches`.
        With ``any_year`` the name this code has in any other year's catalog (and its aliases)
        also counts: a legitimate variant, not a wrong name. The code itself must still be in
        this year's catalog.
        """
        table = self.table_for(code)
        if table is None:
            return False
        if table.name_matches(code, name, include_aliases=include_aliases or any_year):
            return True
        if not any_year or code not in table:
            return False
        variants = _names_any_year(table.kind).get(normalize_code(code), frozenset())
        return normalize_name(name) in variants


@cache
def _catalog(year: int) -> Catalog:
    def table(kind: Kind) -> CodeTable:
        entries = (e for e in _all_entries(kind) if e.valid_in(year))
        return CodeTable(kind, year, entries, complete=_complete_in(kind, year))

    return Catalog(
        year=year, function=table("function"), economic=table("economic"), income=_income_table()
    )


def load_catalog(year: int | None = None) -> Catalog:
    """The catalog for ``year`` (2023–2026; other years get the nearest, silently).

    Cached: repeated calls for the same data year return the same object.
    """
    return _catalog(resolve_year(year))


def _clear_caches() -> None:
    """Forget everything parsed (for tests and timing only)."""
    _all_entries.cache_clear()
    _complete_rows.cache_clear()
    _names_any_year.cache_clear()
    _income_table.cache_clear()
    _catalog.cache_clear()
