"""The explicit limits every reader works within, in one place (documented in docs/limits.md).

Why limits at all: a published disclosure is a few MB, a few hundred pages, a few thousand cells;
anything far beyond that is a damaged or hostile file (a zip bomb, a text with a 7 MB line, a
scan of a whole book). Without limits such a file costs minutes of CPU or gigabytes of memory
before anyone learns it was not a disclosure. With them the reader stops early with a
:class:`~cnbudget.ingest.detect.ReadError` that names the limit, its value and how to raise it.

Each limit has a default here, can be overridden by an environment variable ``CNBUDGET_MAX_…``
(read when :func:`current_limits` is called, so a test or a server can set it at any time) and
by a parameter (``read_path(path, limits=Limits(max_pdf_pages=20))``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds on what a reader accepts. Field docs say what each one bounds."""

    #: Bytes of the input file (any format).
    max_file_bytes: int = 64 * 1024 * 1024
    #: Characters in one line of a text file (disclosure lines are < 2,000 characters).
    max_line_chars: int = 100_000
    #: Pages of a PDF, counted before any page is read.
    max_pdf_pages: int = 1_000
    #: Non-empty cells over all sheets of a workbook (or all tables of an HTML page).
    max_sheet_cells: int = 1_000_000
    #: Columns of one sheet or HTML table (a disclosure table has a few dozen).
    max_table_columns: int = 256
    #: Bytes of a workbook once decompressed (sum of the ZIP entries' declared sizes).
    max_xlsx_bytes: int = 200 * 1024 * 1024
    #: Decompressed ÷ compressed size of one ZIP entry larger than 1 MB (a zip bomb's mark).
    max_xlsx_ratio: int = 200
    #: Pages without a text layer that OCR reads in one document.
    max_ocr_pages: int = 50
    #: Seconds Tesseract may spend on one page.
    max_ocr_seconds: int = 120


#: Environment variable of each field.
ENV_VARS: dict[str, str] = {
    "max_file_bytes": "CNBUDGET_MAX_FILE_BYTES",
    "max_line_chars": "CNBUDGET_MAX_LINE_CHARS",
    "max_pdf_pages": "CNBUDGET_MAX_PDF_PAGES",
    "max_sheet_cells": "CNBUDGET_MAX_SHEET_CELLS",
    "max_table_columns": "CNBUDGET_MAX_TABLE_COLUMNS",
    "max_xlsx_bytes": "CNBUDGET_MAX_XLSX_BYTES",
    "max_xlsx_ratio": "CNBUDGET_MAX_XLSX_RATIO",
    "max_ocr_pages": "CNBUDGET_MAX_OCR_PAGES",
    "max_ocr_seconds": "CNBUDGET_MAX_OCR_SECONDS",
}

DEFAULTS = Limits()


class LimitConfigError(ValueError):
    """An environment variable holds something that is not a positive number."""


#: The limits of the read in progress (set by :func:`using`), so that code deep in a reader
#: (OCR inside the PDF reader) obeys the parameter given to ``read_path`` without threading it
#: through every call.
_ACTIVE: ContextVar[Limits | None] = ContextVar("cnbudget_limits", default=None)


def current_limits(limits: Limits | None = None) -> Limits:
    """``limits`` if given, else those of the read in progress, else the defaults with every
    ``CNBUDGET_MAX_…`` variable applied.

    A malformed variable is an error naming it (a silently ignored setting would be worse)."""
    if limits is not None:
        return limits
    active = _ACTIVE.get()
    if active is not None:
        return active
    changes: dict[str, int] = {}
    for f in fields(Limits):
        raw = os.environ.get(ENV_VARS[f.name])
        if raw is None or not raw.strip():
            continue
        try:
            value = int(raw.strip())
        except ValueError as exc:
            raise LimitConfigError(
                f"环境变量 {ENV_VARS[f.name]}={raw!r} 不是数字 / "
                f"{ENV_VARS[f.name]}={raw!r} is not a number"
            ) from exc
        if value <= 0:
            raise LimitConfigError(
                f"环境变量 {ENV_VARS[f.name]} 必须为正数 / {ENV_VARS[f.name]} must be positive"
            )
        changes[f.name] = value
    return replace(DEFAULTS, **changes) if changes else DEFAULTS


@contextmanager
def using(limits: Limits) -> Iterator[Limits]:
    """Make ``limits`` the ones :func:`current_limits` returns inside the ``with`` block."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def limit_hint(name: str) -> tuple[str, str]:
    """How to raise limit ``name``: the Chinese and English phrase for an error message."""
    var = ENV_VARS[name]
    return f"可通过环境变量 {var} 调整", f"raise it with {var}"


__all__ = [
    "DEFAULTS",
    "ENV_VARS",
    "LimitConfigError",
    "Limits",
    "current_limits",
    "limit_hint",
    "using",
]
