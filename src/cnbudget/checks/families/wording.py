"""What a reviewer sees at a glance: template residue, wrong years, another department's name,
doubled punctuation and 决算 direction words that contradict the figures beside them.

Word lists and patterns are data (``checks/data/wording.yaml``). Every finding points at one
sentence or heading (its text, source line, page and box); a sentence gives at most one finding
per rule. The family prefers silence to a finding a finance-bureau reviewer would reject:

* WRD-TPL-001/002/003 template placeholders, instructions and empty lead-ins (one finding per
  sentence, the most serious rule, listing everything left in);
* WRD-YEAR-001 a heading, table title or 绩效目标表 year other than the document's;
  WRD-YEAR-002 the document naming itself with another year, or an asset statement "截至…" at a
  date that does not fit a 决算 (31 December of its year) or a budget (in the previous year);
* WRD-DEPT-001 a table's 编制部门, a 绩效目标表's 单位 or a heading naming another department;
  WRD-DEPT-002 a glossary definition written for another level of government (市级 in a 区级
  document);
* WRD-PUNC-001/002 doubled or dangling punctuation, a 增长/下降 figure without its %;
* WRD-FIN-001/002 "决算数大于/小于/等于预算数" against "年初预算为 A 万元，支出决算为 B 万元" stated
  before it in the same paragraph. The sentence states both figures, so it is checked in any
  document (in practice the explanation of a 决算).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml

from cnbudget.checks.context import Context
from cnbudget.checks.findings import Location
from cnbudget.model import Document, Section, Source
from cnbudget.money import format_amount

DATA = Path(__file__).resolve().parents[1] / "data" / "wording.yaml"

_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+|$)")
_SPACE = re.compile(r"[\s\u3000\u00a0]+")
_ASCII_COMMA = re.compile(r"(?<!\d),|,(?!\d)")
_FOLD = str.maketrans({"(": "（", ")": "）", ";": "；", ":": "：", "!": "！", "?": "？"})
_YEAR = re.compile(r"(?P<year>\d{4})年度?")
_HTML = re.compile(r"</?[a-z]+>")


#: Sentences up to this length are folded once and remembered (8,192 of them: ≤ 8 M
#: characters however hostile the documents a server checks); longer ones every time.
_FOLD_CACHED_CHARS = 1000


def fold(text: str) -> str:
    """Text as the patterns see it: no whitespace or markup, Chinese punctuation throughout
    (a comma between two digits stays a thousands separator). Every pattern family folds the
    same sentences again (~17,000 calls for one document), hence the cache."""
    if len(text) <= _FOLD_CACHED_CHARS:
        return _fold_cached(text)
    return _fold(text)


@functools.lru_cache(maxsize=8192)
def _fold_cached(text: str) -> str:
    return _fold(text)


def _fold(text: str) -> str:
    t = _HTML.sub("", text)
    t = _SPACE.sub("", t)
    t = _ASCII_COMMA.sub("，", t)
    return t.translate(_FOLD)


def sentences(text: str) -> list[str]:
    """The sentences of a paragraph, each with its closing marks (doubled marks stay together)."""
    return [s for s in _SENTENCE.findall(text) if s.strip()]


@cache
def settings() -> dict:
    with DATA.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class Patterns:
    """The data file compiled once."""

    placeholders: list[tuple[str, re.Pattern[str]]]
    instructions: list[tuple[str, re.Pattern[str]]]
    lead_in: re.Pattern[str]
    heading_year: re.Pattern[str]
    heading_before: re.Pattern[str]
    heading_after: re.Pattern[str]
    self_reference: re.Pattern[str]
    comparison_before: re.Pattern[str]
    as_at: re.Pattern[str]
    as_at_sections: list[str]
    dept_headings: list[re.Pattern[str]]
    org_suffixes: tuple[str, ...]
    strip: list[str]
    glossary_level: re.Pattern[str]
    doubled: list[str]
    rate: re.Pattern[str]
    pair: re.Pattern[str]
    direction: re.Pattern[str]
    equal: re.Pattern[str]
    greater: frozenset[str]
    less: frozenset[str]


@cache
def _compiled() -> Patterns:
    s = settings()
    tpl, years, fin, dep = s["template"], s["years"], s["final"], s["departments"]
    continuations = "|".join(re.escape(w) for w in years["heading_continuations"])
    return Patterns(
        placeholders=[(e["label"], re.compile(e["pattern"])) for e in tpl["placeholders"]],
        instructions=[(e["label"], re.compile(e["pattern"])) for e in tpl["instructions"]],
        lead_in=re.compile(tpl["lead_ins"] + r"[：]?"),
        heading_year=re.compile(rf"(?P<year>\d{{4}})年度?(?={continuations})"),
        heading_before=re.compile(years["heading_before"]),
        heading_after=re.compile(years["heading_after"]),
        self_reference=re.compile(years["self_reference"]),
        comparison_before=re.compile(years["comparison_before"]),
        as_at=re.compile(years["as_at"]),
        as_at_sections=list(years["as_at_sections"]),
        dept_headings=[re.compile(p) for p in dep["heading_patterns"]],
        org_suffixes=tuple(dep["org_suffixes"]),
        strip=list(dep["strip"]),
        glossary_level=re.compile(dep["glossary_level"]),
        doubled=list(s["punctuation"]["doubled"]),
        rate=re.compile(s["punctuation"]["rate_without_percent"]),
        pair=re.compile(fin["pair"]),
        direction=re.compile(fin["direction"]),
        equal=re.compile(fin["equal"]),
        greater=frozenset(fin["greater"]),
        less=frozenset(fin["less"]),
    )


# -- what is scanned ------------------------------------------------------------------------------


@dataclass
class Item:
    """One sentence or heading, with where it is."""

    text: str
    kind: str  # "heading", "body", "table_title", "department" (编制部门), "unit" (预算单位)
    source: Source | None = None
    extra: dict = field(default_factory=dict)
    #: a body sentence that closes its section (nothing follows it there)
    last_in_section: bool = False
    paragraph: int | None = None  # index of the paragraph (sentences of one paragraph share it)
    glossary: bool = False  # a sentence of a 名词解释 definition

    @property
    def folded(self) -> str:
        return fold(self.text)

    def location(self) -> Location:
        src = self.source
        return Location(
            sentence=self.text.strip(),
            source_line=src.line if src else None,
            source_page=src.page if src else None,
            source_bbox=src.bbox if src else None,
            **self.extra,
        )


def _section_items(secs: list[Section], counter: list[int]) -> Iterator[Item]:
    for top in secs:
        for sec in top.walk():
            yield Item(sec.title, "heading", sec.source, {"row_name": sec.title})
            n = len(sec.paragraphs)
            for i, p in enumerate(sec.paragraphs):
                counter[0] += 1
                parts = sentences(p.text)
                for j, s in enumerate(parts):
                    yield Item(
                        s,
                        "body",
                        p.source,
                        {"row_name": sec.title},
                        last_in_section=(i == n - 1 and j == len(parts) - 1),
                        paragraph=counter[0],
                    )


def items(doc: Document) -> list[Item]:
    out: list[Item] = []
    counter = [0]
    out.extend(_section_items(doc.overview, counter))
    out.extend(_section_items(doc.explanation, counter))
    for g in doc.glossary:
        counter[0] += 1
        for s in sentences(g.definition):
            out.append(
                Item(
                    s,
                    "body",
                    g.source,
                    {"row_name": g.term},
                    paragraph=counter[0],
                    glossary=True,
                )
            )
    for t in doc.tables:
        where = {"table_no": t.number, "table_type": t.type}
        out.append(Item(t.title, "table_title", t.source, where))
        if t.department:
            out.append(Item(t.department, "department", t.source, where))
        if t.empty_explanation:
            counter[0] += 1
            for s in sentences(t.empty_explanation):
                out.append(Item(s, "body", t.source, where, paragraph=counter[0]))
    for u in doc.metadata.budget_units:
        out.append(Item(u.name, "unit", u.source, {"unit_name": u.name}))
    return out


# -- the family -----------------------------------------------------------------------------------


def run(ctx: Context) -> None:
    all_items = items(ctx.doc)
    residue = _template(ctx, all_items)
    _years(ctx, all_items)
    _departments(ctx, all_items)
    # a sentence with template residue ("主要原因是：。") is not reported again for its marks
    _punctuation(ctx, [it for i, it in enumerate(all_items) if i not in residue])
    _final(ctx, all_items)


# -- template residue ----------------------------------------------------------------------------


def _residue(item: Item) -> dict[str, list[str]]:
    c = _compiled()
    t = item.folded
    found: dict[str, list[str]] = {}
    for _label, rx in c.placeholders:
        for m in rx.finditer(t):
            found.setdefault("WRD-TPL-001", []).append(m.group(0))
    if item.kind == "body":
        for m in c.lead_in.finditer(t):
            rest = t[m.end() :]
            if rest[:1] in ("。", "；") or (rest == "" and item.last_in_section):
                found.setdefault("WRD-TPL-003", []).append(m.group(0))
    for label, rx in c.instructions:
        if rx.search(t):
            found.setdefault("WRD-TPL-002", []).append(label)
    return found


def _template(ctx: Context, all_items: list[Item]) -> set[int]:
    """One finding per sentence with residue; returns the indexes of those sentences."""
    flagged: set[int] = set()
    for i, item in enumerate(all_items):
        found = _residue(item)
        if not found:
            continue
        flagged.add(i)
        rule = next(r for r in ("WRD-TPL-001", "WRD-TPL-003", "WRD-TPL-002") if r in found)
        words: list[str] = []
        for r in ("WRD-TPL-001", "WRD-TPL-003", "WRD-TPL-002"):
            for w in found.get(r, []):
                if w not in words:
                    words.append(w)
        ctx.bump("wording_template_residue")
        ctx.emit(rule, item.location(), residue="、".join(f"“{w}”" for w in words))
    return flagged


# -- years ---------------------------------------------------------------------------------------


def _heading_years(text: str) -> Iterator[int]:
    c = _compiled()
    for m in c.heading_year.finditer(text):
        if c.heading_before.search(text[: m.start()]) or c.heading_after.match(text[m.end() :]):
            continue
        yield int(m["year"])


def _years(ctx: Context, all_items: list[Item]) -> None:
    doc = ctx.doc
    year = doc.metadata.year
    if year is None:
        return
    c = _compiled()
    for item in all_items:
        t = item.folded
        if item.kind in ("heading", "table_title"):
            wrong = sorted({y for y in _heading_years(t) if y != year})
            if wrong:
                ctx.emit(
                    "WRD-YEAR-001",
                    item.location(),
                    printed=f"{wrong[0]}年",
                    year=year,
                    what="表名" if item.kind == "table_title" else "标题",
                )
            continue
        if item.kind != "body":
            continue
        kind_word = "决算" if doc.metadata.kind == "final" else "预算"
        for m in c.self_reference.finditer(t):
            if m["kind"] != kind_word or int(m["year"]) == year:
                continue
            if c.comparison_before.search(t[max(0, m.start() - 3) : m.start()]):
                continue
            if t[m.end() : m.end() + 2] == "执行":
                continue
            ctx.emit(
                "WRD-YEAR-002",
                item.location(),
                printed=m.group(0),
                year=year,
                expected_text=f"{year}年",
            )
            break
        else:
            _as_at(ctx, item, t, year)
    for perf in doc.performance:
        if perf.year is not None and perf.year != year:
            src = perf.source
            title = "部门整体绩效目标表" if perf.kind == "department" else "项目支出绩效目标表"
            ctx.emit(
                "WRD-YEAR-001",
                Location(
                    sentence=f"{title}（{perf.year}年）",
                    row_name=perf.project_name,
                    unit_name=perf.unit_name,
                    source_line=src.line if src else None,
                    source_page=src.page if src else None,
                    source_bbox=src.bbox if src else None,
                ),
                printed=f"{perf.year}年",
                year=year,
                what=title,
            )


_YEAR_END = re.compile(r"^(12月31日|12月底|12月末|底|末|年底|年末)$")


def _as_at(ctx: Context, item: Item, t: str, year: int) -> None:
    c = _compiled()
    section = str(item.extra.get("row_name") or "")
    if not any(w in section for w in c.as_at_sections):
        return
    m = c.as_at.search(t)
    if m is None:
        return
    y = int(m["year"])
    year_end = bool(_YEAR_END.match(m["rest"]))
    if ctx.doc.metadata.kind == "final":
        bad = year_end and y != year
        expected = f"截至{year}年12月31日"
    else:
        bad = y > year or (y == year and year_end) or y < year - 1
        expected = f"截至{year - 1}年的某日（如{year - 1}年底）"
    if bad:
        ctx.emit(
            "WRD-YEAR-002",
            item.location(),
            printed=m.group(0),
            year=year,
            expected_text=expected,
        )


# -- department names ------------------------------------------------------------------------------


_PAREN_TAIL = re.compile(r"（[^（）]*）$")


def _norm_name(name: str) -> str:
    t = fold(name)
    for w in _compiled().strip:
        t = t.replace(w, "")
    return t


def _core(name: str, regions: list[str]) -> str:
    t = name
    changed = True
    while changed:
        changed = False
        for r in regions:
            if r and t.startswith(r) and len(t) > len(r):
                t = t[len(r) :]
                changed = True
    # the short forms "市工信局", "区财政局" name the level only
    if len(t) > 3 and t[0] in "省市区县":
        t = t[1:]
    return t


def _known(doc: Document) -> list[str]:
    m = doc.metadata
    names = [m.department, m.alias, m.full_name, *(u.name for u in m.budget_units)]
    out = []
    for n in names:
        if not n:
            continue
        nn = _norm_name(n)
        out.append(nn)
        base = _PAREN_TAIL.sub("", nn)
        if base and base != nn:
            out.append(base)
            inner = nn[len(base) + 1 : -1]
            if inner:
                out.append(inner)
    return [n for n in out if n]


def _regions(doc: Document) -> list[str]:
    r = doc.metadata.region
    out = [x for x in (r.province, r.city, r.district) if x]
    return sorted(set(out), key=len, reverse=True)


def name_matches(name: str, doc: Document) -> bool:
    """Is ``name`` this department, its alias or one of its budget units (short forms too)?"""
    regions = _regions(doc)
    n = _norm_name(name)
    cands = [n, _PAREN_TAIL.sub("", n)]
    inner = re.findall(r"（([^（）]+)）", n)
    cands.extend(inner)
    for k in _known(doc):
        kc = _core(k, regions)
        for c in cands:
            if not c:
                continue
            cc = _core(c, regions)
            if c == k or cc == kc or k.endswith(c) or c.endswith(k) or kc in cc or cc in kc:
                return True
            if _abbreviates(cc, kc) or _abbreviates(kc, cc):
                return True
    return False


def _abbreviates(short: str, long: str) -> bool:
    """``工信局`` for ``工业和信息化局``: the short name's characters in order, the same last one."""
    if len(short) < 2 or len(short) >= len(long) or short[-1] != long[-1]:
        return False
    it = iter(long)
    return all(ch in it for ch in short)


def _looks_like_org(name: str) -> bool:
    base = _PAREN_TAIL.sub("", _norm_name(name))
    if len(base) < 4 or base in {"本部门", "本单位", "部门", "单位"}:
        return False
    return base.endswith(_compiled().org_suffixes)


def _departments(ctx: Context, all_items: list[Item]) -> None:
    doc = ctx.doc
    if not doc.metadata.department:
        return
    c = _compiled()
    for item in all_items:
        name: str | None = None
        if item.kind == "department":
            name = item.text
            what = "编制部门"
        elif item.kind == "heading":
            t = item.folded
            for rx in c.dept_headings:
                m = rx.search(t)
                if m:
                    name = m["name"]
                    break
            what = "标题"
        if not name or re.search(r"[XＸ×]{2,}", name) or not _looks_like_org(name):
            continue
        if name_matches(name, doc):
            continue
        ctx.emit(
            "WRD-DEPT-001",
            item.location(),
            printed=name,
            department=doc.metadata.full_name,
            what=what,
        )
    _glossary_level(ctx, all_items)
    for perf in doc.performance:
        if not perf.unit_name or not _looks_like_org(perf.unit_name):
            continue
        if name_matches(perf.unit_name, doc):
            continue
        src = perf.source
        ctx.emit(
            "WRD-DEPT-001",
            Location(
                sentence=perf.unit_name,
                row_name=perf.project_name,
                source_line=src.line if src else None,
                source_page=src.page if src else None,
                source_bbox=src.bbox if src else None,
            ),
            printed=perf.unit_name,
            department=doc.metadata.full_name,
            what="绩效目标表的单位",
        )


def document_level(doc: Document) -> str | None:
    """区 / 县 for a district's document, 市 for a city's, 省 for a province's (by the region)."""
    r = doc.metadata.region
    if r.district:
        return "县" if r.district.endswith("县") else "区"
    if r.city and r.city != r.province:
        return "市"
    if r.province:
        return "市" if r.province.endswith("市") else "省"
    return None


def _glossary_level(ctx: Context, all_items: list[Item]) -> None:
    level = document_level(ctx.doc)
    if level is None:
        return
    rx = _compiled().glossary_level
    for item in all_items:
        if not item.glossary:
            continue
        found = [m.group(0) for m in rx.finditer(item.folded) if m["level"] != level]
        if found:
            ctx.emit(
                "WRD-DEPT-002",
                item.location(),
                printed="、".join(dict.fromkeys(found)),
                level=f"{level}级",
                term=item.extra.get("row_name"),
            )


# -- punctuation ---------------------------------------------------------------------------------


def _punctuation(ctx: Context, all_items: list[Item]) -> None:
    c = _compiled()
    for item in all_items:
        if item.kind not in ("body", "heading"):
            continue
        t = item.folded
        marks = [d for d in c.doubled if d in t]
        if marks:
            ctx.emit("WRD-PUNC-001", item.location(), marks="、".join(f"“{m}”" for m in marks))
        if item.kind == "body":
            m = c.rate.search(t)
            if m:
                ctx.emit("WRD-PUNC-002", item.location(), printed=m.group(0), figure=m["figure"])


# -- 决算 direction words ------------------------------------------------------------------------


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _final(ctx: Context, all_items: list[Item]) -> None:
    c = _compiled()
    by_para: dict[int, list[Item]] = {}
    for item in all_items:
        if item.kind == "body" and item.paragraph is not None:
            by_para.setdefault(item.paragraph, []).append(item)
    for para in by_para.values():
        folded = [it.folded for it in para]
        text = "".join(folded)
        if "决算" not in text:
            continue
        starts = []
        pos = 0
        for f in folded:
            starts.append(pos)
            pos += len(f)
        pairs = [(m.end(), _dec(m["budget"]), _dec(m["final"])) for m in c.pair.finditer(text)]
        if not pairs:
            continue
        claims = [(m.start(), m["word"], False) for m in c.direction.finditer(text)]
        claims += [(m.start(), "持平", bool(m["basic"])) for m in c.equal.finditer(text)]
        for start, word, basic in sorted(claims):
            before = [p for p in pairs if p[0] <= start]
            if not before:
                continue
            _, budget, final = before[-1]
            if budget is None or final is None or basic:
                continue
            ctx.bump("wording_directions_checked")
            idx = max(i for i, s in enumerate(starts) if s <= start)
            item = para[idx]
            if word in c.greater:
                rule = (
                    None if final > budget else "WRD-FIN-001" if final < budget else "WRD-FIN-002"
                )
            elif word in c.less:
                rule = (
                    None if final < budget else "WRD-FIN-001" if final > budget else "WRD-FIN-002"
                )
            else:
                rule = None if final == budget else "WRD-FIN-002"
            if rule is None:
                continue
            actual = "大于" if final > budget else "小于" if final < budget else "等于"
            ctx.emit(
                rule,
                item.location(),
                expected=budget,
                found=final,
                word=word,
                actual=actual,
                budget=format_amount(budget),
                final=format_amount(final),
            )
