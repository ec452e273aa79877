"""Tokenised lines of a converted disclosure: tab rows, headings, list items and prose."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from cnbudget.money import strip_markup

_HEADING = re.compile(r"^(#{1,6})\s*(.*)$")
_BOLD_WRAP = re.compile(r"^\*\*(.*)\*\*$")
_LIST = re.compile(r"^[-*•]\s+(.*)$")
_BOLD_TAG = re.compile(r"<b>", re.IGNORECASE)
#: Characters that make a cell need :func:`clean_text` (markup, emphasis, odd spaces).
_PLAIN = re.compile("[<*\u00a0\u3000]")


@dataclass(slots=True)
class Line:
    """One source line. ``cells`` is set for tab-separated rows, ``text`` for everything else."""

    no: int
    raw: str
    text: str = ""
    cells: list[str] | None = None
    bold: list[bool] = field(default_factory=list)
    heading: int = 0
    list_item: bool = False

    @property
    def blank(self) -> bool:
        return self.cells is None and not self.text


def clean_text(text: str) -> str:
    """Strip markup and markdown emphasis, fold NBSP and ideographic space."""
    if not text:
        return text
    t = strip_markup(text) if "<" in text else text
    if "\u00a0" in t or "\u3000" in t:
        t = t.replace("\u00a0", " ").replace("\u3000", " ")
    if "**" in t:
        t = t.replace("**", "")
    return t.strip()


def tokenize(text: str) -> list[Line]:
    """Split ``text`` into :class:`Line` objects (1-based numbers)."""
    out: list[Line] = []
    # Only \n, \r\n and \r end a line: str.splitlines() would also split on form feeds (page
    # breaks from pdftotext) and shift every later line number.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\f" in text or "\v" in text:
        text = text.replace("\f", "").replace("\v", "")
    for i, raw in enumerate(text.split("\n"), 1):
        if "\t" in raw and raw.strip():
            parts = raw.split("\t")
            if _PLAIN.search(raw) is None:  # most rows: no markup, no odd spaces
                out.append(
                    Line(no=i, raw=raw, cells=[c.strip() for c in parts], bold=[False] * len(parts))
                )
                continue
            cells = [clean_text(c) for c in parts]
            bold = [("<" in c and bool(_BOLD_TAG.search(c))) for c in parts]
            out.append(Line(no=i, raw=raw, cells=cells, bold=bold))
            continue
        s = raw.strip()
        line = Line(no=i, raw=raw)
        m = _HEADING.match(s)
        if m:
            line.heading = len(m.group(1))
            s = m.group(2)
        m = _BOLD_WRAP.match(s)
        if m:
            s = m.group(1)
            line.heading = line.heading or 6
        m = _LIST.match(s)
        if m:
            line.list_item = True
            s = m.group(1)
        line.text = clean_text(s)
        out.append(line)
    return out


def nfkc(s: str) -> str:
    return s if s.isascii() else unicodedata.normalize("NFKC", s)
