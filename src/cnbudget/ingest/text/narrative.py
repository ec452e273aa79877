"""Narrative parts: numbered sections, paragraphs re-joined across page breaks, glossary,
and the facts of 部门概况 (budget units, staffing) that later checks and peers need."""

from __future__ import annotations

import re
from collections.abc import Callable

from cnbudget.ingest.text.lines import Line, nfkc
from cnbudget.model import (
    BudgetUnit,
    GlossaryEntry,
    Paragraph,
    ParseIssue,
    Section,
    Source,
    Staffing,
)

CN_NUM = "一二三四五六七八九十"
_SEC1 = re.compile(rf"^([{CN_NUM}]+)\s*[、.．]\s*(.+)$")
_SEC2 = re.compile(rf"^[（(]\s*([{CN_NUM}]+)\s*[）)]\s*(.+)$")
#: "项目承担单位：…" — a short label and a colon starts a new paragraph (label–value lines).
_LABEL_START = re.compile(r"^[\u4e00-\u9fff（）()]{2,10}[:：]")
_SENTENCE_END = tuple("。；;！!？?：:")
_LIST_START = re.compile(rf"^(?:\d+\s*[、.．](?!\d)|[（(][\d{CN_NUM}]+[）)]|[{CN_NUM}]+、)")


def _heading_match(line: Line) -> tuple[int, str, str] | None:
    """(level, number, title) when ``line`` is a section heading of the narrative."""
    t = line.text
    if not t or len(t) > 120:
        return None
    m = _SEC1.match(t)
    if m and (line.heading or (not t.endswith("。") and not re.search(r"[:：]", t))):
        return 1, m.group(1), m.group(2).strip()
    m = _SEC2.match(t)
    if m and (line.heading or (len(t) <= 30 and not re.search(r"[:：。]", t))):
        return 2, f"（{m.group(1)}）", m.group(2).strip()
    return None


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Group prose lines into paragraphs; a paragraph cut by a page break is joined again.

    A paragraph continues on the next block when it does not end a sentence (。；：…) and the
    next block does not start a list item or a new numbered point.
    """
    out: list[Paragraph] = []
    cur: list[str] = []
    start = 0
    blank_since = False
    cur_list = False
    for ln in lines:
        if ln.blank:
            blank_since = True
            continue
        t = ln.text
        if cur:
            prev = cur[-1]
            contd = not blank_since or (
                not cur_list
                and not prev.endswith(_SENTENCE_END)
                and not ln.list_item
                and not _LIST_START.match(t)
                and not _LABEL_START.match(t)
            )
            if contd and not ln.list_item:
                cur[-1] = _join(prev, t)
                blank_since = False
                continue
            out.append(Paragraph(text=cur[0], source=Source(line=start)))
            cur = []
        cur = [t]
        start = ln.no
        blank_since = False
        cur_list = ln.list_item
    if cur:
        out.append(Paragraph(text=cur[0], source=Source(line=start)))
    return out


def sections(lines: list[Line]) -> tuple[list[Section], list[Paragraph]]:
    """Split narrative lines into level-1 sections with level-2 subsections.

    Returns the sections and the paragraphs found before the first heading (the preamble).
    """
    top: list[Section] = []
    preamble_lines: list[Line] = []
    current: Section | None = None
    sub: Section | None = None
    buf: list[Line] = []

    def flush() -> None:
        target = sub or current
        paras = paragraphs(buf)
        if target is None:
            preamble_lines.extend(buf)
        else:
            target.paragraphs.extend(paras)
        buf.clear()

    for ln in lines:
        h = None if ln.blank or ln.list_item else _heading_match(ln)
        if h is None:
            buf.append(ln)
            continue
        flush()
        level, number, title = h
        sec = Section(number=number, title=title, level=level, source=Source(line=ln.no))
        if level == 1 or current is None:
            sec.level = 1 if level == 1 else sec.level
            top.append(sec)
            current, sub = sec, None
        else:
            current.subsections.append(sec)
            sub = sec
    flush()
    return top, paragraphs(preamble_lines)


_UNIT_ITEM = re.compile(r"^\d+\s*[、.．]\s*(.+)$")
_SELF = re.compile(r"[（(]本级[）)]$")


def budget_units(section: Section) -> list[BudgetUnit]:
    """The list of budget units (预算单位) printed in 机构设置及人员情况."""
    units: list[BudgetUnit] = []
    for s in section.walk():
        for p in s.paragraphs:
            m = _UNIT_ITEM.match(p.text)
            if not m:
                continue
            name = m.group(1).strip().rstrip("；;。")
            is_self = bool(_SELF.search(name))
            name = _SELF.sub("", name).strip()
            if 2 <= len(name) <= 60 and not re.search(r"[，。：]", name):
                units.append(BudgetUnit(name=name, is_self=is_self, source=p.source))
    return units


#: Most digits a headcount (编制数, 实有人数, 在职 …) or its change on last year may have: ten
#: million staff is beyond any department. A longer run is damage (a byte flip, digits glued
#: together); it is not read (and Python's ``int()`` refuses a run over 4,300 digits anyway).
MAX_COUNT_DIGITS = 7

#: English name of each headcount printed in the staffing sentence.
_COUNT_EN = {
    "编制数": "authorized",
    "实有人数": "actual",
    "在职": "active",
    "退休": "retired",
    "离休": "lixiu",
}


class _Counts:
    """Reads the headcounts of one paragraph. A number too long for a headcount is left unread
    and noted in ``too_long`` as (Chinese name, English name, printed digits)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.too_long: list[tuple[str, str, str]] = []

    def number(self, label: str, digits: str, change: bool = False) -> int | None:
        if len(digits) <= MAX_COUNT_DIGITS:
            return int(digits)
        zh, en = label, _COUNT_EN[label]
        if change:
            zh, en = f"{zh}人数增减", f"change of {en} staff"
        elif label in ("在职", "退休", "离休"):
            zh, en = f"{zh}人数", f"{en} staff"
        self.too_long.append((zh, en, digits))
        return None

    def count(self, label: str) -> int | None:
        m = re.search(label + r"[为是:]?(\d+)", self.text)
        return self.number(label, m.group(1)) if m else None

    def change(self, label: str) -> tuple[int | None, int | None]:
        m = re.search(
            label + r"\s*(\d+)\s*人?[，,、]?\s*(?:(增加|减少)\s*(\d+)|(持平|无变化))?", self.text
        )
        if not m:
            return None, None
        n = self.number(label, m.group(1))
        if m.group(2):
            d = self.number(label, m.group(3), change=True)
            if d is None:
                return n, None
            return n, d if m.group(2) == "增加" else -d
        if m.group(4):
            return n, 0
        return n, None


def staffing(section: Section, issues: list[ParseIssue] | None = None) -> Staffing | None:
    """编制数 / 实有人数 / 在职 / 退休 / 离休 with their changes, from the prose.

    A figure with more than :data:`MAX_COUNT_DIGITS` digits is no headcount: it is left
    ``None`` and, when ``issues`` is given, reported there (``count-out-of-range``) at the
    paragraph's line (or page and box in a PDF)."""
    for s in section.walk():
        for p in s.paragraphs:
            t = nfkc(p.text).replace(" ", "")
            if "编制数" not in t and "实有人数" not in t:
                continue
            c = _Counts(t)
            st = Staffing(source=p.source)
            st.authorized = c.count("编制数")
            st.actual = c.count("实有人数")
            st.active, st.active_change = c.change("在职")
            st.retired, st.retired_change = c.change("退休")
            st.lixiu, st.lixiu_change = c.change("离休")
            if issues is not None:
                src = p.source or Source()
                for zh, en, digits in c.too_long:
                    shown = digits if len(digits) <= 40 else f"{digits[:20]}…{digits[-8:]}"
                    issues.append(
                        ParseIssue(
                            code="count-out-of-range",
                            message_zh=f"{zh}位数过多（{len(digits)} 位），未读取：{shown}",
                            message_en=f"{en} has too many digits ({len(digits)}), not read: "
                            f"{shown}",
                            line=src.line,
                            page=src.page,
                            text=digits[:200],
                        )
                    )
            return st
    return None


_GLOSS = re.compile(rf"^[{CN_NUM}\d]+\s*[、.．]\s*(.+?)\s*[:：]\s*(.+)$")


def glossary(
    lines: list[Line], standalone: Callable[[str], bool]
) -> tuple[list[GlossaryEntry], list[Paragraph]]:
    """名词解释 entries ``一、**term**:definition``; other paragraphs are returned as leftovers.

    ``standalone`` marks lines that are never joined to a neighbour (the signature, the date).
    """
    entries: list[GlossaryEntry] = []
    rest: list[Paragraph] = []
    body = [ln for ln in lines if not standalone(ln.text)]
    rest.extend(
        Paragraph(text=ln.text, source=Source(line=ln.no))
        for ln in lines
        if ln.text and standalone(ln.text)
    )
    for p in paragraphs(body):
        m = _GLOSS.match(p.text)
        if m and len(m.group(1)) <= 20:
            entries.append(
                GlossaryEntry(
                    term=m.group(1).strip(), definition=m.group(2).strip(), source=p.source
                )
            )
        else:
            rest.append(p)
    return entries, rest
