"""Extract the figures the narrative states: amounts, shares, year-over-year changes, counts
and listed breakdowns, each with its subject, sentence and line.

The extraction is deliberately lexical (regular expressions over the standard phrasing of
部门预算 explanations) and keeps every statement it finds, mapped or not, so the checks can say
how much of the narrative they verified.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from cnbudget.layouts import normalize_label
from cnbudget.model import Paragraph, Section, Source
from cnbudget.money import check_amount_range

NUM = r"\d[\d,，]*(?:\.\d+)?"
_TOKEN = re.compile(
    rf"(?P<chg>(?P<cdir>增加|减少)\s*(?P<cnum>{NUM})\s*万元)"
    rf"|(?P<rate>(?P<rdir>增长|下降)\s*(?P<rnum>{NUM})\s*%)"
    rf"|(?P<share>占(?P<sbase>[^，,；;。\d]{{0,12}}?)(?P<snum>{NUM})\s*%)"
    rf"|(?P<amt>(?P<anum>{NUM})\s*万元)"
    r"|(?P<brk>(?:其中|包括)\s*[:：])"
)
_BOUNDARY = re.compile(r"[，；;：:、]|,(?!\d)")
_HARD = re.compile(r"[；;]")
_FILLERS = {
    "",
    "预算数为",
    "预算数",
    "为",
    "是",
    "价值",
    "涉及金额",
    "涉及预算金额",
    "涉及预算资金",
    "金额",
    "预算安排规模",
    "比上年预算",
    "比上年",
}
_STRIP = [
    re.compile(r"\d{4}\s*年度?"),
    re.compile(r"比上年(?:预算)?"),
    re.compile(r"^(?:其中有?|包括|主要包括)[:：]?"),
    re.compile(r"^(?:本部门|本单位|我单位|我部门)有?"),
    re.compile(r"^的"),
    re.compile(r"\d+\s*(?:个|辆|台|家|人|项)"),
    re.compile(r"^(?:\d+\s*[、.．]|[（(][一二三四五六七八九十\d]+[）)])"),
    re.compile(r"[，,。；;：:、\s]+$"),
]
#: "N 个" (a count of units, projects …); at most 7 digits, so that no run of digits — a
#: mutated 5,000-digit one included — reaches ``int()`` past what a count can be.
_COUNT = re.compile(r"(?<!\d)(\d{1,7})\s*个")


def to_decimal(text: str) -> Decimal:
    return Decimal(unicodedata.normalize("NFKC", text).replace(",", "").replace("，", ""))


def in_range(value: Decimal) -> bool:
    """False for a figure no disclosure can hold (see ``cnbudget.money.MAX_AMOUNT``): the reader
    reported it (``amount-out-of-range``), so no claim is built on it (issue 13)."""
    try:
        check_amount_range(value, "")
    except ValueError:
        return False
    return True


@dataclass
class Statement:
    """One subject with the figures stated about it in one sentence."""

    subject: str
    raw_subject: str
    sentence: str
    line: int | None
    paragraph: int
    amount: Decimal | None = None
    share: Decimal | None = None
    share_base: str | None = None  # the base the share names: "占本年支出合计的 x%"
    change: Decimal | None = None  # signed: 减少 is negative
    change_word: str | None = None
    rate: Decimal | None = None
    rate_word: str | None = None
    restated_rates: list[Decimal] = field(default_factory=list)
    count: int | None = None
    parts: list[Statement] = field(default_factory=list)
    para_parts: list[Statement] = field(default_factory=list)
    source: Source | None = None  # the paragraph's: line, or page + box in a PDF


_SHARE_FILLER = re.compile(r"(?:的)?(?:比重|比例)?(?:为|是)?$")


def _share_base_label(text: str) -> str | None:
    """ "本年支出合计的" → "本年支出合计"; "" or "比重为" → None (the base is not named)."""
    label = _SHARE_FILLER.sub("", text.strip()).strip()
    return label or None


@dataclass
class SectionClaims:
    """The statements of one top-level section (with its subsections)."""

    section: Section
    statements: list[Statement]

    def __post_init__(self) -> None:
        self._whole: dict[int, Statement] = {}
        for s in self.statements:
            for p in (*s.parts, *s.para_parts):
                self._whole.setdefault(id(p), s)

    @property
    def base(self) -> Statement | None:
        return next((s for s in self.statements if s.amount is not None), None)

    def whole_of(self, st: Statement) -> Statement | None:
        """The statement whose breakdown ("其中：") lists ``st``, if any."""
        return self._whole.get(id(st))

    def sentence_opener(self, st: Statement) -> Statement | None:
        """The amount that opens ``st``'s sentence ("X 2,940.05 万元，主要用于：A …占 y%"), when it
        is another statement with an amount and no share of its own."""
        for s in self.statements:
            if s is st:
                return None
            if s.paragraph == st.paragraph and s.sentence == st.sentence:
                return s if s.amount is not None and s.share is None else None
        return None


def clean_subject(text: str, names: list[str]) -> str:
    t = unicodedata.normalize("NFKC", text)
    for n in names:
        if n:
            t = t.replace(unicodedata.normalize("NFKC", n), "")
    t = t.strip()
    for rx in _STRIP:
        t = rx.sub("", t).strip()
    return normalize_label(t)


#: A classification path as the last label before a figure; official names contain "、"
#: ("环境保护法规、规划及标准"), so the path is taken whole rather than split at it.
_PATH_TAIL = re.compile(r"([^，,；;。：:]*[（(](?:类|款|项)[)）])([^，,；;。]*)$")


_PATH_MARK = re.compile(r"[（(](?:类|款|项)[)）]")
_CLAUSE_END = re.compile(r"[，,；;。][^，,；;。]*$")


def _path_tail(text: str) -> re.Match[str] | None:
    """``_PATH_TAIL.search(text)``, in linear time: neither group may hold ，,；;。, so a match
    lies after the last of them, and there is none without a (类)/(款)/(项) mark. Searched on the
    whole text, a 100,000-character clause cost 10^10 steps (issue 13: a file with a few long
    lines took 30 s)."""
    cut = _CLAUSE_END.search(text)
    tail = text[cut.start() + 1 :] if cut else text
    if not _PATH_MARK.search(tail):
        return None
    return _PATH_TAIL.search(tail)


def _subject_before(text: str, names: list[str]) -> tuple[str, str]:
    """The label that precedes a figure: the last clause, or the one before it when the last
    clause is filler ("2024 年预算数为")."""
    m = _path_tail(text)
    if m and "、" in m.group(1) and clean_subject(m.group(2).lstrip("：: "), names) in _FILLERS:
        return clean_subject(m.group(1), names), m.group(1).strip()
    segs = [s for s in _BOUNDARY.split(text)]
    for seg in reversed(segs):
        c = clean_subject(seg, names)
        if c not in _FILLERS:
            return c, seg.strip()
        if _HARD.search(seg):
            break
    return "", ""


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=。)", text)
    return [p for p in parts if p.strip()]


def paragraph_statements(
    para: Paragraph, index: int, names: list[str]
) -> tuple[list[Statement], bool]:
    """Statements of one paragraph; the flag says the paragraph ends by opening a breakdown
    ("…万元，其中：") whose parts are the following paragraphs."""
    out: list[Statement] = []
    line = para.source.line if para.source else None
    opens = False
    for sent in _sentences(para.text):
        current: Statement | None = None
        whole: Statement | None = None
        last_end = 0
        first_in_sentence: Statement | None = None
        for m in _TOKEN.finditer(sent):
            gap = sent[last_end : m.start()]
            if m.group("amt"):
                subj, raw = _subject_before(gap if current else sent[: m.start()], names)
                if current is not None and not subj:
                    subj, raw = current.subject, current.raw_subject
                amount = to_decimal(m["anum"])
                current = Statement(
                    subject=subj,
                    raw_subject=raw,
                    sentence=sent.strip(),
                    line=line,
                    paragraph=index,
                    amount=amount if in_range(amount) else None,
                    source=para.source,
                )
                cm = _COUNT.search(raw)
                current.count = int(cm.group(1)) if cm else None
                _attach(out, whole, current)
            elif m.group("chg"):
                after = _BOUNDARY.split(gap)[-1]
                new_subject = clean_subject(after, names) not in _FILLERS
                # A change starts a new statement when no subject is open, after a hard
                # boundary (；), or when a new label precedes it.
                if (
                    current is None
                    or _HARD.search(gap)
                    or (new_subject and (current.change or current.amount is not None))
                ):
                    subj, raw = _subject_before(
                        sent[: m.start()] if current is None else gap, names
                    )
                    current = Statement(
                        subject=subj,
                        raw_subject=raw,
                        sentence=sent.strip(),
                        line=line,
                        paragraph=index,
                        source=para.source,
                    )
                    _attach(out, whole, current)
                sign = Decimal(1) if m["cdir"] == "增加" else Decimal(-1)
                change = to_decimal(m["cnum"])
                if in_range(change):
                    current.change = sign * change
                    current.change_word = m["cdir"]
            elif m.group("rate"):
                if (
                    current is not None
                    and current.change is not None
                    and current.rate is None
                    and not re.sub(r"[，,\s]", "", gap)
                ):
                    current.rate = to_decimal(m["rnum"])
                    current.rate_word = m["rdir"]
                elif current is not None and current.rate is not None:
                    # "…所以 2024 年此项目预算增长 0.00%": the rate said again; it must agree.
                    current.restated_rates.append(to_decimal(m["rnum"]))
            elif m.group("share"):
                if current is not None and current.amount is not None and current.share is None:
                    current.share = to_decimal(m["snum"])
                    current.share_base = _share_base_label(m["sbase"])
            elif m.group("brk"):
                rest = sent[m.end() :]
                if current is not None and not _TOKEN.search(rest):
                    opens = not re.sub(r"[\s。]", "", rest)
                elif current is not None:
                    whole = current
            if first_in_sentence is None and current is not None:
                first_in_sentence = current
            last_end = m.end()
    return out, opens


def _attach(out: list[Statement], whole: Statement | None, st: Statement) -> None:
    if whole is not None:
        whole.parts.append(st)
    out.append(st)


def section_claims(section: Section, names: list[str]) -> SectionClaims:
    """All statements of a top-level section; paragraph-level breakdowns are resolved here."""
    statements: list[Statement] = []
    opener: Statement | None = None
    index = 0
    for sub in section.walk():
        for para in sub.paragraphs:
            sts, opens = paragraph_statements(para, index, names)
            index += 1
            if opener is not None and sts:
                opener.para_parts.append(sts[0])
            if opens and sts:
                opener = sts[0]
            statements.extend(sts)
        opener = None if sub is not section else opener
    return SectionClaims(section=section, statements=statements)
