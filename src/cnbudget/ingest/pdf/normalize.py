"""Fold the look-alike code points that PDF text layers put in place of CJK ideographs.

Why: many producers embed fonts whose ToUnicode maps map a glyph to a Kangxi radical
(U+2F00–U+2FD5, ``⽀`` for 支) or a CJK Radicals Supplement character (U+2E80–U+2EF3, ``⻔`` for
门) instead of the unified ideograph it shows. The text then looks right but matches nothing
(``"⽀出"`` ≠ ``"支出"``). NFKC folds the Kangxi block but *not* the Radicals Supplement (``⻔``,
``⻓``, ``⻜`` … survive it), so every extracted string goes through :func:`normalize_cjk`: the
mapping of Unicode's ``EquivalentUnifiedIdeograph.txt`` (kept as data in
``data/equivalent_unified_ideograph.csv`` with its source) and then NFKC.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "equivalent_unified_ideograph.csv"

#: Blocks whose characters are never wanted in a disclosure's text: radicals and strokes.
RADICAL_BLOCKS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0x31C0, 0x31EF))


@cache
def equivalent_ideographs() -> dict[int, int]:
    """Code point → unified ideograph, from the bundled copy of EquivalentUnifiedIdeograph.txt."""
    table: dict[int, int] = {}
    with DATA_FILE.open(encoding="utf-8") as fh:
        rows = csv.reader(line for line in fh if not line.startswith("#"))
        header = next(rows)
        if header[:2] != ["code_point", "ideograph"]:
            raise ValueError(f"{DATA_FILE.name}: unexpected header {header}")
        for row in rows:
            table[int(row[0], 16)] = int(row[1], 16)
    return table


@cache
def _translation() -> dict[int, str]:
    return {cp: chr(to) for cp, to in equivalent_ideographs().items()}


#: Full-width brackets are kept as printed (NFKC folds everything else, ``：`` and ``，``
#: included): the catalog, the text form and the layouts write names with （…）.
_FW_PUNCT = re.compile(r"([\uff08\uff09])")


def _needs_work(text: str) -> bool:
    return not text.isascii()


def normalize_cjk(text: str) -> str:
    """Radicals to the ideographs they stand for, then NFKC (full-width digits, compat forms).

    ``"⼀般公共预算⽀出"`` → ``"一般公共预算支出"``; ``"部⻔"`` → ``"部门"``; ``"１２３"`` → ``"123"``.
    ASCII text is returned unchanged without any work (most numbers and codes).
    """
    if not text or not _needs_work(text):
        return text
    text = text.translate(_translation())
    if not _FW_PUNCT.search(text):
        return unicodedata.normalize("NFKC", text)
    # Full-width brackets are what the document prints and what the catalog and the text form
    # of the same document hold: NFKC would turn them into ASCII (（本级） → (本级)), so names
    # would differ from the catalog's and the text parse's. Only the rest is folded.
    return "".join(
        part if _FW_PUNCT.fullmatch(part) else unicodedata.normalize("NFKC", part)
        for part in _FW_PUNCT.split(text)
        if part
    )


def has_radicals(text: str) -> bool:
    """True when ``text`` still holds a radical or stroke code point (a sign of a bad font map)."""
    return any(lo <= ord(ch) <= hi for ch in text for lo, hi in RADICAL_BLOCKS)


__all__ = ["DATA_FILE", "equivalent_ideographs", "has_radicals", "normalize_cjk"]
