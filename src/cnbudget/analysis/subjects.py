"""What a narrative statement is about, as an *address* that can be looked up in any year's document.

Why addresses: the checks map a narrative subject straight to a value of the same document
(:mod:`cnbudget.checks.families.narrative`). Comparing years needs the *place* instead — "表10
公务接待费, column 合计" or "the 项 一般公共服务支出/财政事务/行政运行 of 表5" — so that the same
place can be read in last year's document, whose rows, codes and even layout may differ.

The vocabularies are data: ``analysis/data/subjects/<layout>.yaml`` for the layouts the checks
have no vocabulary for (Shanghai budgets, MOF final accounts), else the checks' own
``checks/data/narrative/<layout>.yaml`` (budget-11), read as is.

The statements come from :func:`cnbudget.checks.claims.section_claims`, run on a copy of each
section whose wording is folded to the phrasing it understands ("比2024年预算" → "比上年预算",
"持平" → "增加 0.00 万元", "与2023年度相比，X减少" → "比上年，X减少"), so that every layout's
change statements are read by the same tested extractor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from cnbudget.catalog import load_catalog, normalize_name
from cnbudget.checks.claims import NUM, Statement, section_claims
from cnbudget.checks.context import cell_location
from cnbudget.checks.findings import Location
from cnbudget.checks.refs import CellRef
from cnbudget.layouts import normalize_label
from cnbudget.model import Document, Paragraph, Row, Section, Table

ANALYSIS_VOCAB = Path(__file__).parent / "data" / "subjects"
CHECKS_VOCAB = Path(__file__).resolve().parents[1] / "checks" / "data" / "narrative"

_PATH = re.compile(r"(.+?)\((类|款|项)\)")


@lru_cache(maxsize=4096)
def _norm(s: str) -> str:
    return normalize_label(s or "").casefold()


@cache
def _analysis_vocabularies() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(ANALYSIS_VOCAB.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        for layout in [data["layout"], *data.get("layouts", [])]:
            out[layout] = data
    return out


@cache
def vocabulary(layout: str) -> dict[str, Any] | None:
    """The subject vocabulary of ``layout`` (ours first, then the checks'), or ``None``."""
    ours = _analysis_vocabularies().get(layout)
    if ours is not None:
        return ours
    path = CHECKS_VOCAB / f"{layout}.yaml"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def context_for(title: str, layout: str) -> dict[str, Any] | None:
    """The vocabulary context of a section, recognised by a keyword of its title."""
    vocab = vocabulary(layout)
    if vocab is None:
        return None
    t = normalize_label(title)
    for c in vocab["contexts"]:
        if any(normalize_label(k) in t for k in c["match"]):
            return c
    return None


# --------------------------------------------------------------------------------------------
# Addresses


@dataclass(frozen=True)
class Address:
    """Where a subject's figure is printed, independent of one document.

    Either a cell reference (``ref``: ``TABLE[.SIDE]:ROW:COLUMN``) or a classification path
    (``rows``: ``TABLE[.SIDE]:COLUMN`` and ``path``: ((name, 类/款/项), …)). ``code`` is the
    classification code the path had in the document the address was made from: it finds the row
    again when the names were reworded.
    """

    label: str
    ref: str | None = None
    rows: str | None = None
    path: tuple[tuple[str, str], ...] = ()
    code: str | None = None

    @property
    def table_type(self) -> str:
        head = (self.ref or self.rows or "").split(":")[0]
        return head.partition(".")[0]

    def describe(self) -> str:
        if self.ref:
            return self.ref
        return f"{self.rows} " + "".join(f"{n}({lv})" for n, lv in self.path)


Status = Literal["found", "blank", "no_row", "no_table"]


@dataclass(frozen=True)
class Resolved:
    """An address read in one document.

    ``found``: the cell is printed; ``blank``: the row is printed, the cell blank (zero);
    ``no_row``: the table is printed without that row or classification (zero); ``no_table``:
    the document has no such table (nothing can be said). ``moved_from`` is set when the row was
    found under another code through the catalog's code moves.
    """

    status: Status
    value: Decimal | None
    location: Location | None
    table: Table | None = None
    row: Row | None = None
    moved_from: str | None = None


def _alias_pairs(context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(_norm(a), e) for e in context.get("subjects", []) if "ref" in e for a in e["names"]]


def address_for(
    context: dict[str, Any], subject: str, doc: Document | None = None
) -> Address | None:
    """The address of a printed subject in a section context, or ``None`` when unknown.

    Aliases are matched like the checks do (exact, then as a suffix, then contained; the
    longest alias wins); then the subject is read as a classification path of the context's
    ``rows`` table. With ``doc`` the path's code in that document is remembered.
    """
    label = _norm(subject)
    if not label:
        return None
    aliases = _alias_pairs(context)
    for matcher in (
        lambda a: a == label,
        lambda a: label.endswith(a),
        lambda a: a in label,
    ):
        cands = [(len(a), e) for a, e in aliases if matcher(a)]
        if cands:
            entry = max(cands, key=lambda c: c[0])[1]
            return Address(label=subject, ref=entry["ref"])
    if "rows" not in context:
        return None
    path = tuple(_PATH.findall(normalize_label(subject)))
    if not path:
        # a bare class name ("科学技术支出 2,103.00 万元"): only if the document prints it
        if doc is None:
            return None
        addr = Address(label=subject, rows=context["rows"], path=((subject, "类"),))
        r = resolve(doc, addr)
        if r.status not in ("found", "blank"):
            return None
        return Address(
            label=subject,
            rows=context["rows"],
            path=((subject, "类"),),
            code=r.row.code if r.row else None,
        )
    addr = Address(label=subject, rows=context["rows"], path=path)
    if doc is not None:
        r = resolve(doc, addr)
        if r.row is not None:
            addr = Address(label=subject, rows=context["rows"], path=path, code=r.row.code)
    return addr


def _coded_rows(table: Table, side: str | None) -> list[Row]:
    return [r for r in table.rows if r.code and (not side or r.side == side)]


def _by_path(rows: list[Row], path: tuple[tuple[str, str], ...]) -> Row | None:
    parent = ""
    row: Row | None = None
    for name, _level in path:
        nxt = [
            r
            for r in rows
            if r.code
            and r.code.startswith(parent)
            and len(r.code) == len(parent) + (3 if not parent else 2)
            and _norm(r.name) == _norm(name)
        ]
        if len(nxt) != 1:
            return None
        row = nxt[0]
        parent = row.code or ""
    return row


def _by_code(rows: list[Row], code: str) -> Row | None:
    cands = [r for r in rows if r.code == code]
    return cands[0] if len(cands) == 1 else None


def moved_code(code: str, from_year: int | None, to_year: int | None) -> str | None:
    """The code that ``code`` of ``from_year``'s catalog has in ``to_year``'s catalog, if it moved.

    A code moved when it is not valid in ``to_year`` and exactly one code of the same level and
    类 carries its name (or has it as an alias, the older wording). ``None`` when it did not move
    or the move cannot be told from the catalog — whose year-to-year differences are few and
    documented (catalog/data/README.md), so this finds little on today's data, by design.
    """
    if from_year is None or to_year is None or from_year == to_year:
        return None
    src = load_catalog(from_year).function.get(code)
    dst_table = load_catalog(to_year).function
    if src is None or dst_table.get(code) is not None:
        return None
    name = normalize_name(src.name)
    cands = [
        e.code
        for e in dst_table.entries(src.level)
        if e.code[:3] == code[:3]
        and (normalize_name(e.name) == name or name in {normalize_name(a) for a in e.aliases})
    ]
    return cands[0] if len(cands) == 1 else None


def resolve(doc: Document, addr: Address, *, code_year: int | None = None) -> Resolved:
    """Read an address in ``doc``. ``code_year`` is the year ``addr.code`` was printed in.

    Classification paths are found by their printed names first (a recoded 项 keeps its names),
    then by the remembered code (a renamed 项 keeps its code), then by the code's catalog move.
    """
    if addr.ref:
        ref = CellRef.parse(addr.ref)
        found = ref.resolve(doc)
        if found is None:
            return Resolved("no_table", None, None)
        table, row = found
        if row is None:
            return Resolved(
                "no_row",
                Decimal(0),
                Location(table_no=table.number, table_type=table.type, row_name=addr.label),
                table,
            )
        status: Status = "found" if ref.column in row.values else "blank"
        return Resolved(
            status, row.value0(ref.column), cell_location(table, row, ref.column), table, row
        )
    assert addr.rows is not None
    head, _, column = addr.rows.partition(":")
    tname, _, side = head.partition(".")
    table = doc.table(tname)
    if table is None:
        return Resolved("no_table", None, None)
    rows = _coded_rows(table, side or None)
    row = _by_path(rows, addr.path)
    moved = None
    if row is None and addr.code:
        row = _by_code(rows, addr.code)
        if row is None:
            new = moved_code(addr.code, code_year, doc.metadata.year)
            if new is not None:
                row = _by_code(rows, new)
                moved = addr.code if row is not None else None
    if row is None:
        return Resolved(
            "no_row",
            Decimal(0),
            Location(table_no=table.number, table_type=table.type, row_name=addr.label),
            table,
        )
    status = "found" if column in row.values else "blank"
    return Resolved(
        status, row.value0(column), cell_location(table, row, column), table, row, moved
    )


# --------------------------------------------------------------------------------------------
# Change statements

#: "比2023年预算执行数减少 5 万元": compared with last year's *execution*, not its budget.
_EXEC_CHANGE = re.compile(
    rf"(?:比|较)\s*(?:上年|\d{{4}}\s*年度?)\s*(?:预算)?\s*(?:执行数|执行)\s*"
    rf"(?:(?:增加|减少)\s*{NUM}\s*万元|持平)"
)
_YEAR_BASE = re.compile(r"(?:比|较)\s*(\d{4})\s*年度?\s*(预算)?")
_WITH_YEAR = re.compile(r"与\s*(上年度?|\d{4}\s*年度?)\s*(预算)?\s*相比\s*[,，]?")
_FLAT = re.compile(r"(比上年(?:预算)?)\s*([,，]?\s*[^，,。；;\d]{0,30}?)(?:基本)?持平")
_WITH_FLAT = re.compile(r"与\s*(?:上年度?|\d{4}\s*年度?)\s*(预算)?\s*(?:基本)?持平")
_JOIN = re.compile(r"万元\s*。\s*(比上年)")


def fold_wording(text: str, year: int | None) -> str:
    """Fold a paragraph's year-over-year wording to the phrasing the claims extractor reads.

    Only comparisons with the *previous* year are folded; comparisons with last year's
    execution (预算执行数) are removed, because they do not restate a published budget figure.
    """
    t = _EXEC_CHANGE.sub("（与上年执行数比较）", text)

    def year_base(m: re.Match[str]) -> str:
        y = int(m.group(1))
        if year is not None and y == year - 1:
            return "比上年" + (m.group(2) or "")
        return m.group(0)

    t = _YEAR_BASE.sub(year_base, t)

    def with_year(m: re.Match[str]) -> str:
        base = m.group(1)
        digits = re.match(r"\d{4}", base)
        if digits and (year is None or int(digits.group(0)) != year - 1):
            return m.group(0)
        return "比上年" + (m.group(2) or "") + "，"

    t = _WITH_YEAR.sub(with_year, t)
    t = _WITH_FLAT.sub(lambda m: "比上年" + (m.group(1) or "") + "增加 0.00 万元", t)
    t = _FLAT.sub(r"\1\2增加 0.00 万元", t)
    return _JOIN.sub(r"万元，\1", t)


def _folded(section: Section, year: int | None) -> Section:
    copy = section.model_copy(deep=True)
    for sub in copy.walk():
        for p in sub.paragraphs:
            p.text = fold_wording(p.text, year)
    return copy


def department_names(doc: Document) -> list[str]:
    """The department's printed names, longest first (stripped from subjects by the extractor)."""
    md = doc.metadata
    names = [n for n in (md.full_name, md.department, md.alias) if n]
    names += [n.replace("（", "(").replace("）", ")") for n in names]
    return sorted(set(names), key=len, reverse=True)


@dataclass
class ChangeStatement:
    """A narrative statement of a change on the previous year, with its section and context."""

    section: Section
    context: dict[str, Any] | None
    statement: Statement
    paragraph: Paragraph
    next_paragraph: Paragraph | None = None

    @property
    def page(self) -> int | None:
        return self.paragraph.source.page if self.paragraph.source else None

    @property
    def change(self) -> Decimal:
        assert self.statement.change is not None
        return self.statement.change

    @property
    def subject(self) -> str:
        return self.statement.raw_subject or self.statement.subject

    def location(self) -> Location:
        """The sentence, with its line (text) or page (PDF)."""
        st = self.statement
        return Location(
            sentence=st.sentence,
            row_name=st.raw_subject or None,
            source_line=st.line,
            source_page=self.page,
        )


def _paragraph_list(section: Section) -> list[tuple[Paragraph, Paragraph | None]]:
    """Paragraphs in the order ``section_claims`` counts them, each with the next paragraph of
    the same subsection (where templates put "主要原因是…")."""
    out: list[tuple[Paragraph, Paragraph | None]] = []
    for sub in section.walk():
        for i, p in enumerate(sub.paragraphs):
            nxt = sub.paragraphs[i + 1] if i + 1 < len(sub.paragraphs) else None
            out.append((p, nxt))
    return out


def change_statements(doc: Document) -> list[ChangeStatement]:
    """Every statement of a change on the previous year in the narrative (第三部分).

    Sections whose context lists project blocks (项目支出情况说明) are skipped: a project of
    this year is not last year's project.
    """
    layout = doc.metadata.layout or "budget-11"
    names = department_names(doc)
    out: list[ChangeStatement] = []
    for section in doc.explanation:
        context = context_for(section.title, layout)
        if context is not None and "project_blocks" in context:
            continue
        folded = _folded(section, doc.metadata.year)
        paragraphs = _paragraph_list(section)
        for st in section_claims(folded, names).statements:
            if st.change is None:
                continue
            para, nxt = paragraphs[st.paragraph]
            out.append(ChangeStatement(section, context, st, para, nxt))
    return out
