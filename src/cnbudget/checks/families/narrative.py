"""Narrative claims of 第三部分 against the tables: amounts, shares, growth rates, direction
words, listed breakdowns, counts, the project blocks of section 七, empty-table sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path

import yaml

from cnbudget.checks.claims import NUM, SectionClaims, Statement, section_claims, to_decimal
from cnbudget.checks.context import Context, cell_location, identity_tolerance
from cnbudget.checks.findings import Location
from cnbudget.checks.organisation import shiye_outside_civil_service
from cnbudget.checks.refs import CellRef
from cnbudget.checks.subjects import describe, path_of, resolve_path
from cnbudget.layouts import normalize_label
from cnbudget.model import Row, Section, Table
from cnbudget.money import AMOUNT_QUANTUM, HALF_QUANTUM, HUNDRED, format_amount, round_amount

#: One subject vocabulary per layout: ``data/narrative/<layout id>.yaml``.
DATA = Path(__file__).resolve().parents[1] / "data" / "narrative"
_SECRET = re.compile(r"^特定目标")


@cache
def _vocabulary(layout: str) -> dict | None:
    path = DATA / f"{layout}.yaml"
    if not path.is_file():
        return None  # no vocabulary for this layout: its narrative is not checked
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _context_for(section: Section, layout: str) -> dict | None:
    vocab = _vocabulary(layout)
    if vocab is None:
        return None
    title = normalize_label(section.title)
    for c in vocab["contexts"]:
        if any(normalize_label(k) in title for k in c["match"]):
            return c
    return None


@dataclass
class Target:
    """Where a subject's figure lives, and its value (a missing row of a known cell counts zero).

    ``renamed`` is the table's code and name when the narrative names that row otherwise;
    ``missing`` when a classification path names no row of the table at all (then there is no
    figure to compare with: never an invented 0).
    """

    value: Decimal
    location: Location | None
    rule: str = "NAR-AMT-001"
    count: int | None = None
    renamed: str | None = None
    missing: bool = False
    bound: str | None = None


@lru_cache(maxsize=8192)
def _norm_cached(s: str) -> str:
    return normalize_label(s).casefold()


def _norm(s: str | None) -> str:
    return _norm_cached(s or "")


def _aliases(context: dict) -> list[tuple[str, dict]]:
    """(normalised alias, entry) pairs of a context, computed once per context."""
    key = id(context)
    if key not in _ALIASES:
        _ALIASES[key] = [(_norm(a), e) for e in context.get("subjects", []) for a in e["names"]]
    return _ALIASES[key]


_ALIASES: dict[int, list[tuple[str, dict]]] = {}


def _find_subject(
    ctx: Context,
    context: dict,
    subject: str,
    amount: Decimal | None = None,
    sentence: str = "",
) -> Target | None:
    label = _norm(subject)
    if not label:
        return None
    aliases = _aliases(context)
    hit = None
    for matcher in (
        lambda a: a == label,
        lambda a: label.endswith(a),
        lambda a: a in label,
    ):
        cands = [(len(a), e) for a, e in aliases if matcher(a)]
        if cands:
            hit = max(cands, key=lambda c: c[0])[1]
            break
    if hit is not None:
        return _target_for_entry(ctx, hit)
    if "rows" in context:
        t = _find_row(ctx, _rows_ref(context, sentence), subject, amount)
        if t is not None:
            return t
    if "projects" in context:
        return _find_project(ctx, context["projects"], subject)
    return None


def _target_for_entry(ctx: Context, entry: dict) -> Target | None:
    rule = entry.get("rule", "NAR-AMT-001")
    count = _count(ctx, entry.get("count"))
    if entry.get("aggregate") == "secret_projects":
        t7 = ctx.doc.table("general_project")
        if t7 is None:
            return None
        rows = [r for r in t7.rows if r.kind == "project" and _SECRET.match(r.project or "")]
        total = sum((r.value0("total") for r in rows), Decimal(0))
        loc = cell_location(t7, rows[0], "total") if rows else None
        return Target(total, loc, rule, count)
    if entry.get("refs"):
        return _summed_target(ctx, entry["refs"], rule, count)
    if entry.get("ref") is None:
        return None  # a known subject that no table of this layout prints
    ref = CellRef.parse(entry["ref"])
    found = ref.resolve(ctx.doc)
    if found is None:
        return None
    table, row = found
    value = row.value0(ref.column) if row else Decimal(0)
    loc = cell_location(table, row, ref.column) if row else None
    return Target(value, loc, rule, count, bound=entry.get("bound"))


def _summed_target(ctx: Context, refs: list[str], rule: str, count: int | None) -> Target | None:
    """A subject that is the sum of several cells: 当年财政拨款项目 are the projects of all three
    budgets (表7 一般公共预算 + 表8 政府性基金 + 表9 国有资本经营 项目支出), as 表5 counts them."""
    total = Decimal(0)
    loc: Location | None = None
    for text in refs:
        ref = CellRef.parse(text)
        found = ref.resolve(ctx.doc)
        if found is None:
            continue  # a table this document does not print adds nothing
        table, row = found
        if row is not None:
            total += row.value0(ref.column)
            loc = loc or cell_location(table, row, ref.column)
    return Target(total, loc, rule, count)


#: The tables whose projects are 财政拨款 projects, and the column of their project money.
_FISCAL_PROJECT_TABLES = (
    ("general_project", "total"),
    ("fund_expenditure", "project"),
    ("soe_expenditure", "project"),
)


def _fiscal_project_count(ctx: Context) -> int | None:
    """Projects of 表7 + 表8 + 表9; None when a table has project money but lists no projects
    (then the count cannot be known from the tables)."""
    n = 0
    for ttype, column in _FISCAL_PROJECT_TABLES:
        table = ctx.doc.table(ttype)
        if table is None:
            continue
        rows = [r for r in table.rows if r.kind == "project"]
        total = table.total_row()
        if not rows and total is not None and total.value(column):
            return None
        n += len(rows)
    return n


def _count(ctx: Context, what: str | None) -> int | None:
    if what is None:
        return None
    if what == "fiscal_projects":
        return _fiscal_project_count(ctx)
    if what in ("projects", "secret_projects"):
        t7 = ctx.doc.table("general_project")
        if t7 is None:
            return None
        rows = [r for r in t7.rows if r.kind == "project"]
        if what == "secret_projects":
            rows = [r for r in rows if _SECRET.match(r.project or "")]
        return len(rows)
    if what == "carryover_projects":
        t11 = ctx.doc.table("carryover")
        return None if t11 is None else sum(1 for r in t11.rows if r.kind == "project")
    return None


def _rows_ref(context: dict, sentence: str) -> str:
    """The cell reference for classification rows, its column chosen by what the sentence is
    about when the context says so (``row_columns``: sentence lead → column)."""
    ref = context["rows"]
    lead = normalize_label(sentence)
    for key, column in (context.get("row_columns") or {}).items():
        if lead.startswith(normalize_label(key)):
            return f"{ref.rsplit(':', 1)[0]}:{column}"
    return ref


def _find_row(ctx: Context, ref: str, subject: str, amount: Decimal | None) -> Target | None:
    head, _, column = ref.partition(":")
    tname, _, side = head.partition(".")
    table = ctx.doc.table(tname)
    if table is None:
        return None
    rows = [r for r in table.rows if r.code and (not side or r.side == side)]
    path = path_of(subject)
    if not path:
        cands = [r for r in rows if len(r.code or "") == 3 and _norm(r.name) == _norm(subject)]
        if len(cands) == 1:
            return Target(cands[0].value0(column), cell_location(table, cands[0], column))
        return None
    res = resolve_path(rows, path, subject=subject, amount=amount, value=lambda r: r.value0(column))
    if res.row is None:
        return Target(
            Decimal(0),
            Location(table_no=table.number, table_type=table.type, row_name=subject),
            missing=True,
        )
    return Target(
        res.row.value0(column),
        cell_location(table, res.row, column),
        renamed=describe(res.row) if res.renamed else None,
    )


def _project_rows(table: Table) -> list[Row]:
    return [r for r in table.rows if r.kind == "project"]


def _find_project(ctx: Context, ref: str, subject: str) -> Target | None:
    tname, _, column = ref.partition(":")
    table = ctx.doc.table(tname)
    if table is None:
        return None
    label = _norm(subject)
    rows = _project_rows(table)
    cands = [r for r in rows if _norm(r.project or r.name) == label]
    if not cands:
        cands = [
            r
            for r in rows
            if label
            and (label in _norm(r.project or r.name) or _norm(r.project or r.name) in label)
        ]
    if len(cands) != 1:
        return None
    return Target(cands[0].value0(column), cell_location(table, cands[0], column))


def _sentence_location(st: Statement) -> Location:
    src = st.source
    return Location(
        sentence=st.sentence,
        row_name=st.raw_subject or None,
        source_line=st.line,
        source_page=src.page if src else None,
        source_bbox=src.bbox if src else None,
    )


def _within(printed: Decimal, low: Decimal, high: Decimal) -> bool:
    """Does the printed (rounded to 0.01) figure fit some exact value in [low, high]?"""
    return printed + HALF_QUANTUM >= low and printed - HALF_QUANTUM <= high


def _ratio_bounds(num: Decimal, den: Decimal) -> tuple[Decimal, Decimal] | None:
    """Bounds of num ÷ den × 100 when both printed figures carry ±0.005 of rounding."""
    nl, nh = max(num - HALF_QUANTUM, Decimal(0)), num + HALF_QUANTUM
    dl, dh = den - HALF_QUANTUM, den + HALF_QUANTUM
    if dl <= 0:
        return None
    return nl * HUNDRED / dh, nh * HUNDRED / dl


def run(ctx: Context) -> None:
    md = ctx.doc.metadata
    names = [n for n in (md.full_name, md.department, md.alias) if n]
    names += [n.replace("（", "(").replace("）", ")") for n in names]
    names.sort(key=len, reverse=True)
    for section in ctx.doc.explanation:
        context = _context_for(section, ctx.layout.id)
        if context is None:
            continue
        if "project_blocks" in context:
            _project_blocks(ctx, section, context["project_blocks"])
            continue
        claims = section_claims(section, names)
        _check_section(ctx, context, claims)
        if "table" in context:
            _empty_claims(ctx, section, context["table"])


def _check_section(ctx: Context, context: dict, claims: SectionClaims) -> None:
    shares: list[tuple[Statement, Statement, Location]] = []
    for st in claims.statements:
        ctx.bump("narrative_statements")
        target = _find_subject(ctx, context, st.subject, st.amount, st.sentence)
        if target is None:
            ctx.bump("narrative_unverified")
        loc = _sentence_location(st)
        subject = st.raw_subject or st.subject
        if target is not None and target.missing:
            ctx.bump("narrative_unverified")
            if st.amount:
                # A classification the table does not print, with a figure: say so once,
                # never as a difference from an invented 0.
                ctx.emit(
                    "NAR-NAME-002",
                    loc,
                    found=st.amount,
                    subject=subject,
                    table=f"表{target.location.table_no}" if target.location else "",
                )
            target = None
        elif target is not None and target.renamed:
            ctx.emit(
                "NAR-NAME-001",
                loc,
                related=[target.location] if target.location else [],
                subject=subject,
                row=target.renamed,
            )
        related = [target.location] if target and target.location else []
        if st.amount is not None and target is not None:
            ctx.bump("narrative_amounts_checked")
            _check_amount(ctx, st, target, loc, related)
        if st.count is not None and target is not None and target.count is not None:
            if st.count != target.count:
                ctx.emit(
                    "NAR-COUNT-001",
                    loc,
                    expected=Decimal(target.count),
                    found=Decimal(st.count),
                    related=related,
                    subject=subject,
                )
        if st.share is not None:
            base = _share_base(ctx, context, claims, st)
            if base is not None and base is not st and base.amount:
                shares.append((st, base, loc))
            else:
                ctx.bump("narrative_shares_unverified")
        this_year = st.amount if st.amount is not None else (target.value if target else None)
        if st.change is not None and st.rate is not None:
            _check_rate(ctx, st, this_year, loc)
        for again in st.restated_rates:
            if again != st.rate:
                ctx.emit(
                    "NAR-RATE-001",
                    loc,
                    expected=st.rate,
                    found=again,
                    subject=subject,
                    change=format_amount(abs(st.change or Decimal(0))),
                    amount=format_amount(this_year) if this_year is not None else "?",
                )
        for parts, kind in ((st.parts, "sentence"), (st.para_parts, "paragraph")):
            _check_parts(ctx, st, parts, loc, kind)
    _check_shares(ctx, shares)


def _check_amount(
    ctx: Context, st: Statement, target: Target, loc: Location, related: list[Location]
) -> None:
    """The stated amount against its cell, exactly (both print 0.01 万元; tables printed in 元
    hold four decimals in 万元 and are rounded to 0.01 first)."""
    assert st.amount is not None
    tol = identity_tolerance(1)
    expected = round_amount(target.value)
    diff = abs(st.amount - expected)
    if diff <= tol:
        return
    subject = st.raw_subject or st.subject
    if target.bound == "upper_unless_shiye" and st.amount < expected:
        # 机关运行经费 is the 公用经费 of 行政 and 参公 units only: smaller than 表6 公用经费
        # is right wherever 事业 units outside 参公 management are included (or may be).
        if shiye_outside_civil_service(ctx.doc) is not False:
            return
    if diff == AMOUNT_QUANTUM and _restated_elsewhere(ctx, target.location, st.amount):
        # The narrative took the figure of the other table of a one-cent rounding pair.
        ctx.emit(
            "SUM-ROUND-001",
            loc,
            expected=expected,
            found=st.amount,
            related=related,
            row=subject,
            column="说明",
            other=_where(target.location),
            rule=target.rule,
        )
        return
    ctx.emit(
        target.rule,
        loc,
        expected=expected,
        found=st.amount,
        tolerance=tol,
        related=related,
        subject=subject,
    )


def _where(loc: Location | None) -> str:
    if loc is None:
        return "表中"
    parts = [f"表{loc.table_no}" if loc.table_no else "", loc.row_code or "", loc.row_name or ""]
    text = " ".join(p for p in parts if p)
    return f"{text}「{loc.column}」" if loc.column else text


def _same_cell(a: Location, b: Location) -> bool:
    return (a.table_no, a.row_code, a.row_key, a.column, a.unit_name) == (
        b.table_no,
        b.row_code,
        b.row_key,
        b.column,
        b.unit_name,
    )


def _restated_elsewhere(ctx: Context, cell: Location | None, amount: Decimal) -> bool:
    """Is ``cell`` one side of a one-cent rounding pair (SUM-ROUND-001 already found by the
    cross-table identities) whose other side prints ``amount``?"""
    if cell is None:
        return False
    for f in ctx.findings:
        if f.rule != "SUM-ROUND-001" or amount not in (f.expected, f.found):
            continue
        if any(_same_cell(cell, other) for other in (f.location, *f.related)):
            return True
    return False


def _share_base(
    ctx: Context, context: dict, claims: SectionClaims, st: Statement
) -> Statement | None:
    """What a share is a share *of*: the base its own sentence names ("占本年支出合计的"), else
    the whole its breakdown belongs to ("…决算为 Y 万元，其中：A …占 x%"), else the amount that
    opens its sentence or paragraph list, else the section's first amount."""
    if st.share_base:
        named = _named_base(ctx, context, claims, st)
        return named  # a named base that cannot be found is not guessed
    whole = claims.whole_of(st)
    if whole is not None:
        return whole
    earlier = claims.sentence_opener(st)
    if earlier is not None:
        return earlier
    return claims.base


def _named_base(
    ctx: Context, context: dict, claims: SectionClaims, st: Statement
) -> Statement | None:
    label = _norm(st.share_base)
    if not label:
        return None
    before = claims.statements[: claims.statements.index(st)]
    for cand in reversed(before):
        subj = _norm(cand.subject)
        if cand.amount is not None and subj and (subj == label or subj.endswith(label)):
            return cand
    target = _find_subject(ctx, context, st.share_base or "")
    if target is None or target.missing:
        return None
    return Statement(
        subject=st.share_base or "",
        raw_subject=st.share_base or "",
        sentence=st.sentence,
        line=st.line,
        paragraph=st.paragraph,
        amount=round_amount(target.value),
    )


def _check_shares(ctx: Context, shares: list[tuple[Statement, Statement, Location]]) -> None:
    """Each share against its base. Shares of one base that add up to exactly 100.00% may carry
    a one-digit plug (尾差调整): a share one 0.01 off then is a notice, not an error."""
    totals: dict[int, Decimal] = {}
    for st, base, _ in shares:
        totals[id(base)] = totals.get(id(base), Decimal(0)) + (st.share or Decimal(0))
    for st, base, loc in shares:
        ctx.bump("narrative_shares_checked")
        assert st.amount is not None and st.share is not None and base.amount is not None
        bounds = _ratio_bounds(st.amount, base.amount)
        if bounds is None or _within(st.share, *bounds):
            continue
        exact = st.amount * HUNDRED / base.amount
        expected = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        plugged = totals[id(base)] == HUNDRED and abs(st.share - expected) == AMOUNT_QUANTUM
        ctx.emit(
            "NAR-SHARE-002" if plugged else "NAR-SHARE-001",
            loc,
            expected=expected,
            found=st.share,
            subject=st.raw_subject or st.subject,
            base=format_amount(base.amount),
            amount=format_amount(st.amount),
        )


def _check_rate(ctx: Context, st: Statement, this_year: Decimal | None, loc: Location) -> None:
    assert st.change is not None and st.rate is not None
    ctx.bump("narrative_rates_checked")
    x = abs(st.change)
    increase = st.change_word == "增加"
    if ((increase and st.rate_word == "下降") or (not increase and st.rate_word == "增长")) and x:
        ctx.emit(
            "NAR-DIR-001",
            loc,
            subject=st.raw_subject or st.subject,
            change_word=st.change_word,
            rate_word=st.rate_word,
        )
        return
    if this_year is None:
        ctx.bump("narrative_rates_unverified")
        return
    prior = this_year - st.change
    if x == 0:
        ok = st.rate == 0
        expected = Decimal(0)
    else:
        # prior = this_year ∓ change; each printed figure carries ±0.005.
        bounds = _ratio_bounds(x, prior) if prior > HALF_QUANTUM * 2 else None
        if bounds is None:
            ok = False
            expected = None
        else:
            ok = _within(st.rate, *bounds)
            expected = (x * HUNDRED / prior).quantize(Decimal("0.01"))
    if prior.copy_abs() <= HALF_QUANTUM * 2 and x and st.rate == HUNDRED and increase:
        ctx.emit(
            "NAR-NEW-001",
            loc,
            subject=st.raw_subject or st.subject,
            amount=format_amount(this_year),
        )
        return
    if not ok:
        ctx.emit(
            "NAR-RATE-001",
            loc,
            expected=expected,
            found=st.rate,
            subject=st.raw_subject or st.subject,
            change=format_amount(x),
            amount=format_amount(this_year),
        )


def _check_parts(
    ctx: Context, whole: Statement, parts: list[Statement], loc: Location, kind: str
) -> None:
    if not parts:
        return
    if whole.amount is not None and all(p.amount is not None for p in parts):
        total, values = whole.amount, [p.amount for p in parts]
    elif whole.change is not None and all(p.change is not None for p in parts):
        total, values = whole.change, [p.change for p in parts]
    else:
        return
    ctx.bump("narrative_breakdowns_checked")
    expected = sum((v for v in values if v is not None), Decimal(0))
    tol = identity_tolerance(len(values))
    # One item after 其中 is "of which" (小微企业 within 中小企业), not a full breakdown: it
    # may be smaller than the whole, never larger.
    partial = len(values) == 1 and abs(expected) <= abs(total) + tol
    if abs(total - expected) > tol and not partial:
        ctx.emit(
            "NAR-PARTS-001",
            loc,
            expected=expected,
            found=total,
            tolerance=tol,
            related=[_sentence_location(p) for p in parts],
            subject=whole.raw_subject or whole.subject,
            n=len(parts),
        )


_PROJ_NAME = re.compile(r"项目名称\s*[:：]\s*([^。；;]+)")
_PROJ_AMOUNT = re.compile(rf"预算安排规模\s*[:：]\s*({NUM})\s*万元")
_PROJ_UNIT = re.compile(r"项目承担单位\s*[:：]\s*([^。；;]+)")
_PROJ_ALLOC = re.compile(r"资金分配情况\s*[:：]\s*(.+)$")
_AMOUNT = re.compile(rf"({NUM})\s*万元")


def _project_blocks(ctx: Context, section: Section, ref: str) -> None:
    tname, _, column = ref.partition(":")
    t7 = ctx.doc.table(tname)
    blocks: list[dict] = []
    for sub in section.walk():
        for p in sub.paragraphs:
            t = p.text
            line = p.source.line if p.source else None
            if m := _PROJ_NAME.search(t):
                blocks.append({"name": m.group(1).strip(), "line": line, "sentence": t})
            if blocks and (m := _PROJ_UNIT.search(t)):
                blocks[-1]["unit"] = m.group(1).strip()
            if blocks and (m := _PROJ_AMOUNT.search(t)):
                blocks[-1].update(amount=to_decimal(m.group(1)), amount_line=line, amount_text=t)
            if blocks and (m := _PROJ_ALLOC.search(t)):
                parts = [to_decimal(x) for x in _AMOUNT.findall(m.group(1))]
                blocks[-1].update(parts=parts, parts_line=line, parts_text=t)
    if t7 is None:
        return
    rows = _project_rows(t7)
    used: set[int] = set()
    ctx.bump("narrative_statements", len(blocks))
    for b in blocks:
        cands = _match_block(b, rows, used)
        loc = Location(sentence=b["sentence"], row_name=b["name"], source_line=b["line"])
        if len(cands) != 1:
            ctx.emit("NAR-PROJ-002", loc, project=b["name"])
            continue
        used.add(cands[0])
        row = rows[cands[0]]
        amount = b.get("amount")
        if amount is not None:
            ctx.bump("narrative_amounts_checked")
            aloc = Location(
                sentence=b["amount_text"], row_name=b["name"], source_line=b["amount_line"]
            )
            tol = identity_tolerance(1)
            if abs(amount - round_amount(row.value0(column))) > tol:
                ctx.emit(
                    "NAR-PROJ-001",
                    aloc,
                    expected=round_amount(row.value0(column)),
                    found=amount,
                    tolerance=tol,
                    related=[cell_location(t7, row, column)],
                    project=b["name"],
                )
            parts = b.get("parts") or []
            if parts:
                ctx.bump("narrative_breakdowns_checked")
                s = sum(parts, Decimal(0))
                tol = identity_tolerance(len(parts))
                if abs(s - amount) > tol:
                    ctx.emit(
                        "NAR-PROJ-003",
                        Location(
                            sentence=b["parts_text"],
                            row_name=b["name"],
                            source_line=b["parts_line"],
                        ),
                        expected=amount,
                        found=s,
                        tolerance=tol,
                        project=b["name"],
                        related=[aloc],
                    )
    if blocks and len(blocks) != len(rows):
        first = blocks[0]
        ctx.emit(
            "NAR-COUNT-001",
            Location(
                sentence=first["sentence"],
                source_line=first["line"],
                table_no=t7.number,
                table_type=t7.type,
            ),
            expected=Decimal(len(rows)),
            found=Decimal(len(blocks)),
            subject="项目支出情况说明中的项目个数",
        )


def _match_block(block: dict, rows: list[Row], used: set[int]) -> list[int]:
    """Candidates for a section-七 project: same name (else one name containing the other);
    when several units have a project of that name, the 项目承担单位 and then the amount decide."""
    label = _norm(block["name"])
    free = [i for i in range(len(rows)) if i not in used]
    cands = [i for i in free if _norm(rows[i].project) == label]
    if not cands:
        cands = [
            i
            for i in free
            if label and (label in _norm(rows[i].project) or _norm(rows[i].project) in label)
        ]
    if len(cands) > 1 and block.get("unit"):
        cands = [i for i in cands if _norm(rows[i].unit_name) == _norm(block["unit"])] or cands
    if len(cands) > 1 and block.get("amount") is not None:
        cands = [i for i in cands if rows[i].value0("total") == block["amount"]] or cands
    return cands


def _empty_claims(ctx: Context, section: Section, table_type: str) -> None:
    table = ctx.doc.table(table_type)
    text = section.text()
    if table is None or not re.search(r"为空表|没有使用|未安排", text):
        return
    nonzero = [r for r in table.rows if any(a.value for a in r.values.values())]
    if nonzero:
        p = next((p for p in section.paragraphs), None)
        ctx.emit(
            "NAR-EMPTY-001",
            Location(
                sentence=p.text if p else None,
                source_line=p.source.line if p and p.source else None,
            ),
            related=[cell_location(table, nonzero[0], "total")],
            table=f"表{table.number}",
        )
