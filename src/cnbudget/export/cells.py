"""One rule for text cells any spreadsheet may open (CSV or XLSX exports of the API, the web
pages and the CLI).

Names, notes and messages come from documents and from reviewers: a cell starting with ``=``,
``+``, ``-`` or ``@`` would be run by Excel as a formula (``=HYPERLINK(…)``), so such a cell that
is not a number is prefixed with ``'``. Numbers (``-12.50``, ``+3%``) stay as printed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["spreadsheet_cell"]

_FORMULA_STARTS = ("=", "+", "-", "@")


def spreadsheet_cell(v: Any) -> Any:
    """``v`` as a cell: ``""`` for ``None``, ``yes``/``no`` for booleans, integers as they are,
    anything else as text that no spreadsheet runs."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return v
    s = str(v)
    if s[:1] in _FORMULA_STARTS and not _is_number(s):
        return "'" + s
    return s


def _is_number(s: str) -> bool:
    try:
        float(s.replace(",", "").removesuffix("%"))  # only a test: the text is kept exact
    except ValueError:
        return False
    return True
