"""Generated examples: parse cleanly, every identity holds exactly, the narrative recomputes.

The identity checker here is deliberately small and independent (the rule engine lives
elsewhere): it reads the layout's row identities, named-row parents, ``cross_identities`` and
``per_class_identities`` and compares with ``==`` — no tolerance, the generator promises exact.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import cnbudget
from cnbudget.example import build_example, example_text
from cnbudget.example.data import ECONOMIC_NAMES, FUNCTION_NAMES
from cnbudget.ingest.text import read_text
from cnbudget.layouts import LayoutSpec, TableSpec, load_layout
from cnbudget.model import Document, Row, Section, Table
from cnbudget.outputs import render_text
from cnbudget.outputs.test_text import first_difference, model

SEEDS = range(21)
ZERO = Decimal(0)
LAYOUT = load_layout("budget-11")


@pytest.fixture(scope="module")
def parsed() -> dict[int, Document]:
    """The generated texts read back by the real reader, once per seed."""
    return {s: read_text(example_text(s)) for s in SEEDS}


def v(row: Row | None, key: str) -> Decimal:
    return row.value0(key) if row is not None else ZERO


def problems(doc: Document, layout: LayoutSpec = LAYOUT) -> list[str]:
    """Every broken identity of ``doc`` as a message (empty when all hold exactly)."""
    out: list[str] = []
    for t in doc.tables:
        spec = layout.table(t.type)
        assert spec is not None
        out += _row_identities(t, spec)
        out += _named_parents(t, spec)
        if spec.mode == "coded":
            out += _coded_sums(t, spec)
        elif spec.mode == "economic":
            out += _economic_sums(t, spec)
        elif spec.mode == "projects":
            out += _project_sums(t, spec)
        elif spec.mode == "carryover":
            out += _carryover_sums(t, spec)
        elif spec.mode == "two_sided":
            out += _two_sided_sums(t, spec)
    out += _cross(doc, layout)
    out += _per_class(doc, layout)
    return out


def _check(out: list[str], what: str, a: Decimal, b: Decimal) -> None:
    if a != b:
        out.append(f"{what}: {a} != {b}")


def _row_identities(t: Table, spec: TableSpec) -> list[str]:
    """合计 = 基本 + 项目, 人员 + 公用, … within every row (the layout's row_identities)."""
    out: list[str] = []
    for ident in spec.row_identities:
        for r in t.rows:
            if ident.side is not None and r.side != ident.side:
                continue
            if not any(k in r.values for k in (ident.total, *ident.parts)):
                continue
            parts = sum((v(r, k) for k in ident.parts), ZERO)
            _check(out, f"表{t.number} {r.name} {ident.total}", v(r, ident.total), parts)
    return out


def _named_parents(t: Table, spec: TableSpec) -> list[str]:
    """Named rows with a parent (其中…): parent = Σ children; the total = Σ top-level rows."""
    out: list[str] = []
    specs = spec.income_rows or spec.named_rows
    if not specs:
        return out
    side = "income" if spec.income_rows else None
    cols = spec.columns_for(side) if side else spec.columns
    children: dict[str, list[str]] = defaultdict(list)
    for s in specs:
        if s.parent:
            children[s.parent].append(s.key)
    top = [s.key for s in specs if not s.parent]
    for c in cols:
        for parent, kids in children.items():
            total = sum((v(t.row_by_key(k, side), c.key) for k in kids), ZERO)
            _check(
                out, f"表{t.number} {parent}.{c.key}", v(t.row_by_key(parent, side), c.key), total
            )
        total = sum((v(t.row_by_key(k, side), c.key) for k in top), ZERO)
        _check(out, f"表{t.number} total.{c.key}", v(t.total_row(side), c.key), total)
    return out


def _hierarchy(rows: list[Row], keys: list[str], where: str) -> list[str]:
    """类 = Σ 款 and 款 = Σ 项 for code rows; returns messages. Codes are unique in ``rows``."""
    out: list[str] = []
    by_code = {r.code: r for r in rows if r.code}
    for code, r in by_code.items():
        kids = [x for c, x in by_code.items() if len(c) == len(code) + 2 and c.startswith(code)]
        if len(code) == 3 and not kids:
            kids = [x for c, x in by_code.items() if len(c) == 7 and c.startswith(code)]
        if not kids:
            continue
        for k in keys:
            _check(out, f"{where} {code}.{k}", v(r, k), sum((v(x, k) for x in kids), ZERO))
    return out


def _coded_sums(t: Table, spec: TableSpec) -> list[str]:
    keys = [c.key for c in spec.columns]
    out = _hierarchy(t.rows, keys, f"表{t.number}")
    classes = [r for r in t.rows if r.code and len(r.code) == 3]
    total = t.total_row()
    if total is not None:
        for k in keys:
            _check(
                out, f"表{t.number} 总计.{k}", v(total, k), sum((v(r, k) for r in classes), ZERO)
            )
    elif t.rows:
        out.append(f"表{t.number} has rows but no total")
    return out


def _economic_sums(t: Table, spec: TableSpec) -> list[str]:
    keys = [c.key for c in spec.columns]
    out = _hierarchy(t.rows, keys, f"表{t.number}")
    classes = [r for r in t.rows if r.code and len(r.code) == 3]
    for k in keys:
        _check(
            out,
            f"表{t.number} 总计.{k}",
            v(t.total_row(), k),
            sum((v(r, k) for r in classes), ZERO),
        )
    return out


def _project_sums(t: Table, spec: TableSpec) -> list[str]:
    """Per unit: unit row = Σ its projects, 类/款 rows = Σ projects under them; 总计 = Σ units."""
    keys = [c.key for c in spec.columns]
    out: list[str] = []
    units = [r for r in t.rows if r.kind == "unit"]
    for u in units:
        mine = [r for r in t.rows if r.unit_name == u.name]
        projects = [r for r in mine if r.kind == "project"]
        for k in keys:
            _check(out, f"表7 {u.name}.{k}", v(u, k), sum((v(p, k) for p in projects), ZERO))
        for r in mine:
            if r.kind == "item" and r.code:
                under = [p for p in projects if p.code and p.code.startswith(r.code)]
                for k in keys:
                    _check(
                        out,
                        f"表7 {u.name} {r.code}.{k}",
                        v(r, k),
                        sum((v(p, k) for p in under), ZERO),
                    )
    for k in keys:
        _check(out, f"表7 总计.{k}", v(t.total_row(), k), sum((v(u, k) for u in units), ZERO))
        projects = [r for r in t.rows if r.kind == "project"]
        _check(
            out,
            f"表7 总计.{k} (projects)",
            v(t.total_row(), k),
            sum((v(p, k) for p in projects), ZERO),
        )
    return out


def _carryover_sums(t: Table, spec: TableSpec) -> list[str]:
    keys = [c.key for c in spec.columns]
    out: list[str] = []
    units = [r for r in t.rows if r.kind == "unit"]
    projects = [r for r in t.rows if r.kind == "project"]
    for u in units:
        mine = [p for p in projects if p.unit_name == u.name]
        for k in keys:
            _check(out, f"表11 {u.name}.{k}", v(u, k), sum((v(p, k) for p in mine), ZERO))
    for k in keys:
        _check(out, f"表11 总计.{k}", v(t.total_row(), k), sum((v(u, k) for u in units), ZERO))
        _check(
            out,
            f"表11 总计.{k} (projects)",
            v(t.total_row(), k),
            sum((v(p, k) for p in projects), ZERO),
        )
    return out


def _two_sided_sums(t: Table, spec: TableSpec) -> list[str]:
    """Expenditure total = Σ 类 rows, column by column."""
    out: list[str] = []
    classes = [r for r in t.rows if r.side == "expenditure" and r.kind == "item"]
    for c in spec.columns_for("expenditure"):
        total = sum((v(r, c.key) for r in classes), ZERO)
        _check(out, f"表{t.number} 支出总计.{c.key}", v(t.total_row("expenditure"), c.key), total)
    return out


def ref(doc: Document, text: str) -> Decimal:
    """Value of a layout reference ``TABLE[.SIDE]:ROW:COLUMN`` (a missing row counts as 0)."""
    tpart, row, col = text.split(":")
    name, _, side_text = tpart.partition(".")
    side = side_text or None
    t = doc.table(name)
    if t is None:
        return ZERO
    if row == "total":
        r = t.total_row(side)  # type: ignore[arg-type]
    elif row.startswith("key="):
        r = t.row_by_key(row[4:], side)  # type: ignore[arg-type]
    elif row.startswith("code="):
        r = next(
            (x for x in t.rows if x.code == row[5:] and (side is None or x.side == side)), None
        )
    else:
        raise ValueError(text)
    return v(r, col)


def _cross(doc: Document, layout: LayoutSpec) -> list[str]:
    out: list[str] = []
    for ident in layout.cross_identities:
        _check(out, f"{ident.rule} {ident.a} = {ident.b}", ref(doc, ident.a), ref(doc, ident.b))
    return out


def _by_code(doc: Document, text: str, level: str) -> dict[str, Decimal]:
    tpart, col = text.split(":")
    name, _, side = tpart.partition(".")
    t = doc.table(name)
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in t.rows if t else []:
        if r.code and (not side or r.side == side) and (level == "all" or len(r.code) == 3):
            out[r.code] += v(r, col)
    return out


def _per_class(doc: Document, layout: LayoutSpec) -> list[str]:
    out: list[str] = []
    for ident in layout.per_class_identities:
        a = _by_code(doc, ident.a, ident.level)
        b = _by_code(doc, ident.b, ident.level)
        plus = [_by_code(doc, p, ident.level) for p in ident.plus]
        for code in sorted(set(a) | set(b) | {c for p in plus for c in p}):
            left = a[code] + sum((p[code] for p in plus), ZERO)
            _check(out, f"{ident.rule} {code}", left, b[code])
    return out


# -- the tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_generated_text_parses_without_issues(parsed: dict[int, Document], seed: int) -> None:
    assert parsed[seed].issues == []


@pytest.mark.parametrize("seed", SEEDS)
def test_every_identity_holds_exactly(parsed: dict[int, Document], seed: int) -> None:
    doc = parsed[seed]
    assert len(doc.tables) == 11
    assert problems(doc) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_parsed_text_is_the_generated_model(parsed: dict[int, Document], seed: int) -> None:
    diff = first_difference(model(build_example(seed)), model(parsed[seed]))
    assert diff is None, diff


@pytest.mark.parametrize("seed", [0, 7])
def test_render_parse_render_is_a_fixed_point(parsed: dict[int, Document], seed: int) -> None:
    assert render_text(parsed[seed]) == example_text(seed)


def test_checker_sees_a_broken_identity() -> None:
    doc = build_example(3)
    t = doc.table("expenditure_summary")
    assert t is not None
    item = next(r for r in t.rows if r.level == "项" and "basic" in r.values)
    item.values["total"].value += Decimal("0.01")
    found = problems(doc)
    assert any(m.startswith("表3") and ".total:" in m for m in found)  # 款 ≠ Σ 项
    assert any(m.startswith("表3") and " total:" in m for m in found)  # 合计 ≠ 基本 + 项目
    assert any(m.startswith("XT-CLS-002") for m in found)  # 表2 ≠ 表3 at that 项
    assert problems(build_example(3)) == []


def test_table_7_items_sum_to_table_5_project_column(parsed: dict[int, Document]) -> None:
    for doc in parsed.values():
        t5, t7 = doc.table("general_expenditure"), doc.table("general_project")
        assert t5 is not None and t7 is not None
        per_item: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in t7.rows:
            if r.kind == "project" and r.code:
                per_item[r.code] += v(r, "total")
        for r in t5.rows:
            if r.level == "项" and r.code:
                assert per_item[r.code] == v(r, "project"), r.code


# -- the narrative ---------------------------------------------------------------------------
AMOUNT = r"(\d{1,3}(?:,\d{3})*\.\d{2})"
GROWTH = re.compile(
    AMOUNT
    + r" 万元，(?:占 (\d+\.\d{2})%，)?比上年预算(增加|减少) "
    + AMOUNT
    + r" 万元，(增长|下降) (\d+\.\d{2})%"
)
SHARE = re.compile(AMOUNT + r" 万元，占 (\d+\.\d{2})%")
BASE = re.compile(AMOUNT + r" 万元，其中：$")


def d(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def pct(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_growth(this: Decimal, direction: str, change: Decimal) -> Decimal:
    """Y = X ÷ (this − X) for an increase, X ÷ (this + X) for a decrease; new items 100 %."""
    prior = this - change if direction == "增加" else this + change
    if prior == 0:
        return Decimal("100.00") if change else Decimal("0.00")
    return pct(change, prior)


def _narrative(doc: Document) -> list[Section]:
    return [s for top in doc.explanation for s in top.walk()]


@pytest.mark.parametrize("seed", SEEDS)
def test_every_growth_rate_recomputes(parsed: dict[int, Document], seed: int) -> None:
    checked = 0
    for sec in _narrative(parsed[seed]):
        for p in sec.paragraphs:
            matches = list(GROWTH.finditer(p.text))
            assert len(matches) == p.text.count("比上年预算"), p.text
            for m in matches:
                this, _, direction, change, word, rate = m.groups()
                assert word == ("增长" if direction == "增加" else "下降"), p.text
                assert d(rate) == expected_growth(d(this), direction, d(change)), p.text
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("seed", SEEDS)
def test_every_share_recomputes_from_the_stated_base(
    parsed: dict[int, Document], seed: int
) -> None:
    checked = 0
    for sec in _narrative(parsed[seed]):
        base_match = BASE.search(sec.paragraphs[0].text) if sec.paragraphs else None
        for p in sec.paragraphs:
            matches = list(SHARE.finditer(p.text))
            assert len(matches) == p.text.count("占 "), p.text
            if matches:
                assert base_match is not None, f"{sec.title}: shares without a stated base"
                base = d(base_match.group(1))
            for m in matches:
                assert d(m.group(2)) == pct(d(m.group(1)), base), p.text
                checked += 1
    assert checked >= 5


def _para(doc: Document, number: str, sub: str | None = None) -> str:
    sec = doc.section(number)
    assert sec is not None
    if sub is not None:
        sec = next(s for s in sec.subsections if s.number == sub)
    return "\n".join(p.text for p in sec.paragraphs)


@pytest.mark.parametrize("seed", SEEDS)
def test_narrative_figures_match_the_tables(parsed: dict[int, Document], seed: int) -> None:
    doc = parsed[seed]
    t1, t5, t6, t7 = (doc.table_no(n) for n in (1, 5, 6, 7))
    t10, t11 = doc.table_no(10), doc.table_no(11)
    assert t1 and t5 and t6 and t7 and t10 and t11
    amounts = lambda text: [d(x) for x in re.findall(AMOUNT + " 万元", text)]  # noqa: E731
    # 二: total income; 五(一): general budget total
    assert amounts(_para(doc, "二"))[0] == v(t1.total_row("income"), "amount")
    assert amounts(_para(doc, "五", "（一）"))[0] == v(t5.total_row(), "total")
    # 十: 三公 total and each item as in 表10
    three = _para(doc, "十")
    assert amounts(three)[0] == v(t10.total_row(), "total")
    for name, key in (("公务接待费", "reception"), ("公务用车运行费", "vehicle_operation")):
        m = re.search(name + " " + AMOUNT + " 万元", three)
        assert m and d(m.group(1)) == v(t10.row_by_key(key), "general")
    # 十二(一): 机关运行经费 = 公用经费 of 表6
    assert amounts(_para(doc, "十二", "（一）"))[0] == v(t6.total_row(), "public")
    # 十二(二): goods + works + services = total
    total, goods, works, services, *_ = amounts(_para(doc, "十二", "（二）"))
    assert goods + works + services == total
    # 十二(四): project count and amount of 表7; 十二(五): carry-over of 表11
    perf = _para(doc, "十二", "（四）")
    projects = [r for r in t7.rows if r.kind == "project"]
    m = re.search(r"当年一般公共预算项目 (\d+) 个，涉及预算金额 " + AMOUNT, perf)
    assert m and int(m.group(1)) == len(projects) and d(m.group(2)) == v(t7.total_row(), "total")
    assert amounts(perf)[0] == v(t1.total_row("income"), "amount")
    m = re.search(r"项目 (\d+) 个，涉及预算资金 " + AMOUNT, _para(doc, "十二", "（五）"))
    carried = [r for r in t11.rows if r.kind == "project"]
    assert m and int(m.group(1)) == len(carried) and d(m.group(2)) == v(t11.total_row(), "total")


@pytest.mark.parametrize("seed", SEEDS)
def test_performance_targets_match_table_7(parsed: dict[int, Document], seed: int) -> None:
    doc = parsed[seed]
    t1, t7 = doc.table_no(1), doc.table_no(7)
    assert t1 and t7
    kinds = [p.kind for p in doc.performance]
    assert kinds[0] == "department" and kinds.count("project") >= 1
    dept = doc.performance[0]
    assert sum(a.value for a in dept.amounts.values()) == v(t1.total_row("income"), "amount")
    for p in doc.performance[1:]:
        rows = [
            r
            for r in t7.rows
            if r.kind == "project" and r.project == p.project_name and r.unit_name == p.unit_name
        ]
        assert any(v(r, "total") == p.amounts["total"].value for r in rows), p.project_name
        assert p.amounts["fiscal"].value == p.amounts["total"].value
        assert sum((i.weight or ZERO) for i in p.indicators) == 100


@pytest.mark.parametrize("seed", SEEDS)
def test_staffing_adds_up(parsed: dict[int, Document], seed: int) -> None:
    md = parsed[seed].metadata
    st = md.staffing
    assert st is not None and st.actual is not None
    assert st.actual == (st.active or 0) + (st.retired or 0) + (st.lixiu or 0)
    assert 2 <= len(md.budget_units) <= 4
    assert md.budget_units[0].is_self and md.budget_units[0].name == md.full_name
    assert md.region.city == "示例市"


# -- determinism, variety, speed ---------------------------------------------------------------
def test_generation_is_deterministic_per_seed() -> None:
    for seed in (0, 5, 13):
        assert build_example(seed).model_dump() == build_example(seed).model_dump()
        assert example_text(seed) == example_text(seed)


def test_year_is_a_parameter() -> None:
    doc = read_text(example_text(2, year=2025))
    assert doc.issues == []
    assert doc.metadata.year == 2025
    assert problems(doc) == []


def test_seeds_give_varied_documents(parsed: dict[int, Document]) -> None:
    texts = {example_text(s) for s in SEEDS}
    assert len(texts) == len(SEEDS)
    fund = [s for s, d in parsed.items() if d.table("fund_expenditure").rows]  # type: ignore[union-attr]
    assert fund and len(fund) < len(SEEDS), "both filled and empty 表8 must occur"
    n_items = {
        len([r for r in d.table("general_expenditure").rows if r.level == "项"])  # type: ignore[union-attr]
        for d in parsed.values()
    }
    assert len(n_items) > 2
    assert len({len(d.metadata.budget_units) for d in parsed.values()}) > 1
    new = [
        s for s, d in parsed.items() if "增长 100.00%" in "".join(x.text() for x in d.explanation)
    ]
    assert new, "some seed must have a new item (增长 100.00%)"


def test_codes_and_names_are_the_official_ones() -> None:
    """Every built-in code carries exactly its name in the project's classification catalog."""
    data = Path(cnbudget.__file__).parent / "catalog" / "data"
    for file, names in (
        ("function_codes.csv", FUNCTION_NAMES),
        ("economic_codes.csv", ECONOMIC_NAMES),
    ):
        with (data / file).open(encoding="utf-8") as fh:
            catalog = {r["code"]: r["name"] for r in csv.DictReader(fh)}
        wrong = {c: n for c, n in names.items() if catalog.get(c) != n}
        assert wrong == {}, f"{file}: {wrong}"
