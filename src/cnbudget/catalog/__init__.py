"""政府收支分类科目 as shipped data, with a small lookup API.

Department budget disclosures key their rows by 支出功能分类 codes (类 3 digits, 款 5, 项 7) and by
部门预算支出经济分类 codes (类 3, 款 5); their 收入 lines use a small set of names. Checking a
disclosure means asking "does this code exist in that year, and is this its name?", which is what
this package answers, from CSV files under ``data/`` (see ``data/README.md`` for sources and
completeness)::

    from cnbudget.catalog import load_catalog
    cat = load_catalog(2024)
    cat.function.get("2060499")            # CatalogEntry(code='2060499', name='其他技术与开发支出', …)
    cat.function.path("2060499")           # [206, 20604, 2060499]
    cat.economic.get("30217").name         # '公务接待费'
    cat.name_matches("30213", "维修(护)费")  # True
    cat.income.by_name("基金预算拨款")[0].key  # 'fund_budget'
    cat.function.status("2060497").status   # 'gap': 20604 is known but not marked complete

Only the standard library is used, and nothing is read until the first lookup.
"""

from .loader import SUPPORTED_YEARS, Catalog, load_catalog, resolve_year
from .model import CatalogEntry, CodeStatus, IncomeItem, Kind, Level, Status
from .normalize import normalize_code, normalize_name
from .tables import CodeTable, IncomeTable

__all__ = [
    "SUPPORTED_YEARS",
    "Catalog",
    "CatalogEntry",
    "CodeStatus",
    "CodeTable",
    "IncomeItem",
    "IncomeTable",
    "Kind",
    "Level",
    "Status",
    "load_catalog",
    "normalize_code",
    "normalize_name",
    "resolve_year",
]
