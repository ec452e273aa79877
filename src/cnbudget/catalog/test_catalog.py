"""Tests of the 政府收支分类科目 catalog: data against the real sample, hierarchy, API, years."""

import csv
import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnbudget.catalog import (
    SUPPORTED_YEARS,
    CatalogEntry,
    IncomeItem,
    load_catalog,
    normalize_code,
    normalize_name,
    resolve_year,
)
from cnbudget.catalog import loader as _loader

DATA = Path(__file__).resolve().parent / "data"
# The project is /work/main and the shared material its sibling: <project>/../shared/corpus.
CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
SAMPLE = CORPUS / "urumqi-gxj-2024-budget.txt"


# -- the real sample ---------------------------------------------------------------------------
def _sample_text() -> str:
    if not SAMPLE.is_file():
        pytest.skip(f"sample disclosure not available: {SAMPLE} (the shared corpus is absent)")
    return SAMPLE.read_text(encoding="utf-8")


def _cells(line: str) -> list[str]:
    return [re.sub(r"</?b>", "", c).strip() for c in line.split("\t")]


def sample_function_rows() -> dict[str, str]:
    """Function codes of 表2–表9 rows such as ``206\\t04\\t99\\t其他技术与开发支出\\t…``."""
    out: dict[str, str] = {}
    for line in _sample_text().splitlines():
        c = _cells(line)
        if len(c) >= 4 and re.fullmatch(r"2\d\d", c[0]) and re.fullmatch(r"\d\d|", c[1]):
            if re.fullmatch(r"\d\d|", c[2]) and not (c[2] and not c[1]):
                out.setdefault(c[0] + c[1] + c[2], c[3])
    return out


def sample_economic_rows() -> dict[str, str]:
    """表6 rows: ``<b>301</b>\\t<b>工资福利支出</b>`` (类) and ``301\\t01 基本工资`` (款)."""
    out: dict[str, str] = {}
    for line in _sample_text().splitlines():
        c = _cells(line)
        if len(c) >= 2 and re.fullmatch(r"3\d\d", c[0]):
            m = re.fullmatch(r"(\d\d) (\S+)", c[1])
            if m:
                out[c[0] + m.group(1)] = m.group(2)
            elif c[1] and not c[1][0].isdigit():
                out[c[0]] = c[1]
    return out


def sample_table1_classes() -> dict[str, str]:
    """The 类 list printed in the sample's 表1 (部门收支总体情况表), e.g. ``206 科学技术支出``."""
    text = _sample_text()
    table1 = text[text.index("## 部门收支总体情况表") : text.index("## 部门收入总体情况表")]
    out: dict[str, str] = {}
    for line in table1.splitlines():
        for cell in _cells(line):
            m = re.fullmatch(r"(2\d\d) (\S+)", cell)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def sample_narrative_triples() -> list[tuple[str, str, str]]:
    """Narrative items "科学技术支出（类）技术与开发（款）其他技术与开发支出（项）"."""
    pattern = re.compile(r"([^\s、（）]+)（类）([^\s（）]+)（款）([^\s（）]+)（项）")
    return pattern.findall(_sample_text())


def test_every_function_code_of_the_sample_is_in_2024_with_its_printed_name():
    rows = sample_function_rows()
    assert len(rows) >= 20, "the sample parser found too few coded rows"
    assert rows["2060499"] == "其他技术与开发支出"  # the parser reads what the brief says it prints
    cat = load_catalog(2024)
    missing = {code: name for code, name in rows.items() if code not in cat.function}
    assert not missing
    wrong = {
        code: (name, cat.function[code].name)
        for code, name in rows.items()
        if not cat.name_matches(code, name)
    }
    assert not wrong


def test_every_economic_code_of_the_sample_is_in_2024_with_its_printed_name():
    rows = sample_economic_rows()
    assert {"301", "302", "303", "30101", "30217", "30231", "30399"} <= rows.keys()
    cat = load_catalog(2024)
    wrong = {c: n for c, n in rows.items() if not cat.economic.name_matches(c, n)}
    assert not wrong


def test_table1_lists_exactly_the_2024_classes():
    printed = sample_table1_classes()
    assert len(printed) >= 30
    cat = load_catalog(2024)
    for code, name in printed.items():
        assert cat.function.name_matches(code, name), (code, name)
    assert {e.code for e in cat.function.entries("类")} == set(printed)


def test_narrative_class_kuan_xiang_triples_exist():
    triples = sample_narrative_triples()
    assert ("城乡社区支出", "其他城乡社区支出", "其他城乡社区支出") in triples
    fn = load_catalog(2024).function
    for lei, kuan, xiang in triples:
        paths = [[e.name for e in fn.path(x.code)] for x in fn.by_name(xiang, level="项")]
        assert any(
            normalize_name(p[0]) == normalize_name(lei)
            and normalize_name(p[1]) == normalize_name(kuan)
            for p in paths
        ), (lei, kuan, xiang)


def test_codes_named_in_the_brief():
    fn = load_catalog(2024).function
    expected = {
        "2060499": "其他技术与开发支出",
        "2080501": "行政单位离退休",
        "2080502": "事业单位离退休",
        "2080505": "机关事业单位基本养老保险缴费支出",
        "2111450": "事业运行",
        "2111499": "其他能源管理事务支出",
        "2150204": "纺织业",
        "2150501": "行政运行",
        "2150502": "一般行政管理事务",
        "2150550": "事业运行",
        "2150805": "中小企业发展专项",
        "2150899": "其他支持中小企业发展和管理支出",
        "2290402": "其他地方自行试点项目收益专项债券收入安排的支出",
        "2060404": "科技成果转化与扩散",
        "2069999": "其他科学技术支出",
        "2129999": "其他城乡社区支出",
    }
    assert {c: fn.name_of(c) for c in expected} == expected
    eco = load_catalog(2024).economic
    for code, name in {
        "30213": "维修（护）费",
        "30226": "劳务费",
        "30227": "委托业务费",
        "30228": "工会经费",
        "30229": "福利费",
        "30305": "生活补助",
        "30307": "医疗费补助",
        "30399": "其他对个人和家庭的补助",
        "309": "资本性支出（基本建设）",
        "399": "其他支出",
    }.items():
        assert eco.name_of(code) == name


def test_reference_lists_are_covered():
    """The shared reference lists (real disclosures) agree with the catalog where they overlap."""
    ref = CORPUS.parent / "reference"
    if not ref.is_dir():
        pytest.skip(f"shared reference lists not available: {ref}")
    for year in (2024, 2026):
        cat = load_catalog(year)
        for name, table in (
            ("function_codes.csv", cat.function),
            ("economic_codes.csv", cat.economic),
        ):
            with (ref / name).open(encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if year < 2026 and row["code"] in ("22198", "2219899"):
                        continue  # printed only in a 2026 disclosure
                    assert table.name_matches(row["code"], row["name"]), (year, row["code"])


# -- hierarchy ---------------------------------------------------------------------------------
@pytest.mark.parametrize("year", SUPPORTED_YEARS)
def test_hierarchy_is_consistent(year):
    cat = load_catalog(year)
    for table, levels in (
        (cat.function, {3: "类", 5: "款", 7: "项"}),
        (cat.economic, {3: "类", 5: "款"}),
    ):
        for e in table:
            assert e.code.isdigit() and levels[len(e.code)] == e.level == table.level_of(e.code)
            assert e.kind == table.kind and e.valid_in(year)
            assert e.name and e.name == e.name.strip()
            if e.level == "类":
                assert e.parent is None and table.parent(e.code) is None
                assert table.path(e.code) == [e]
            else:
                parent = table.parent(e.code)
                assert parent is not None, f"{e.code}: parent {e.parent} missing"
                assert parent.code == e.parent == e.code[:-2]
                assert e in table.children(parent.code)
                assert table.path(e.code)[-2:] == [parent, e]
            kids = table.children(e.code)
            assert [k.code for k in kids] == sorted(k.code for k in kids)
            assert all(k.parent == e.code for k in kids)
    assert all(201 <= int(e.code) <= 234 for e in cat.function.entries("类"))
    assert all(301 <= int(e.code) <= 399 for e in cat.economic.entries("类"))
    assert cat.economic.entries("项") == []


def test_api_examples_of_the_brief():
    cat = load_catalog(2024)
    entry = cat.function.get("2060499")
    assert entry == CatalogEntry(
        code="2060499", name="其他技术与开发支出", level="项", parent="20604", kind="function"
    )
    assert [e.code for e in cat.function.by_name("科学技术支出", level="类")] == ["206"]
    assert [e.code for e in cat.function.children("206")][:4] == [
        "20601",
        "20602",
        "20603",
        "20604",
    ]
    assert all(e.level == "款" for e in cat.function.children("206"))
    assert cat.function.parent("2060499").code == "20604"
    assert [e.code for e in cat.function.path("2060499")] == ["206", "20604", "2060499"]
    assert cat.function.level_of("2060499") == "项"
    assert cat.economic.get("30217").name == "公务接待费"
    assert cat.economic.get("30217").kind == "economic"
    assert "2060499" in cat.function and "2060498" not in cat.function
    assert cat.name_matches("2060499", "其他技术与开发支出")
    assert [i.key for i in cat.income.by_name("一般公共预算拨款")] == ["general_budget"]


def test_lookups_and_edge_cases():
    cat = load_catalog(2024)
    fn = cat.function
    assert fn.get("206 04 99") == fn.get(2060499) == fn.get("２０６０４９９") == fn["2060499"]
    assert fn.get("9999999") is None and fn.name_of("9999999") is None
    with pytest.raises(KeyError):
        fn["9999999"]
    with pytest.raises(KeyError):
        fn.path("2060498")  # unknown code: no partial path
    assert fn.parent("2060498").code == "20604"  # parent is derived from the code itself
    assert fn.children("2060499") == [] and fn.children("999") == []
    assert None not in fn and 3.5 not in fn
    assert cat.get("30217").name == "公务接待费" and cat.get("206").name == "科学技术支出"
    assert cat.get("12345") is None and "12345" not in cat and "30217" in cat
    assert cat.table_for("30101") is cat.economic and cat.table_for("abc") is None
    assert not cat.name_matches("9999999", "whatever")
    assert not cat.name_matches("2060499", "其他科学技术支出")


@pytest.mark.parametrize(
    ("code", "function_level", "economic_level"),
    [
        ("201", "类", "类"),
        ("20604", "款", "款"),
        ("2060499", "项", None),
        ("2069998", "项", None),  # unknown code: level still follows from the length
        ("2 06 04", "款", "款"),
        ("2060", None, None),
        ("", None, None),
        ("20a04", None, None),
        ("123456789", None, None),
    ],
)
def test_level_of(code, function_level, economic_level):
    cat = load_catalog(2024)
    assert cat.function.level_of(code) == function_level
    assert cat.economic.level_of(code) == economic_level


def test_by_name():
    fn = load_catalog(2024).function
    admin = fn.by_name("行政运行")
    assert len(admin) > 20 and all(e.level == "项" for e in admin)
    assert [e.code for e in admin] == sorted(e.code for e in admin)
    assert "2150501" in {e.code for e in admin}
    assert fn.by_name("行政运行", level="款") == []
    assert [e.code for e in fn.by_name(" 其他技术与开发支出 ")] == ["2060499"]
    assert fn.by_name("其他技术研究与开发支出") == []
    assert [e.code for e in fn.by_name("其他技术研究与开发支出", include_aliases=True)] == [
        "2060499"
    ]
    assert fn.name_matches("20604", "技术研究与开发", include_aliases=True)
    assert not fn.name_matches("20604", "技术研究与开发")
    eco = load_catalog(2024).economic
    assert [e.code for e in eco.by_name("维修(护)费")] == ["30213"]
    assert [e.code for e in eco.by_name("资本性支出(基本建设)", level="类")] == ["309"]
    assert [e.code for e in eco.by_name("资本金注入")] == ["31101", "31201"]
    assert eco.name_matches("30212", "因公出国(境)费用")


# -- years -------------------------------------------------------------------------------------
def test_year_differences():
    c23, c24, c25, c26 = (load_catalog(y) for y in (2023, 2024, 2025, 2026))
    for code in ("20139", "2013901", "2013999", "22006", "2300412"):
        assert code not in c23.function and code in c24.function and code in c25.function
        assert code in c26.function
    for code in ("2170404", "22911", "23107"):  # 财预〔2025〕41号
        assert code not in c24.function and code in c25.function and code in c26.function
    for cat in (c23, c24, c25, c26):
        assert cat.function.name_of("234") == "抗疫特别国债安排的支出"
        assert len(cat.economic) == len(c24.economic)
    for cat in (c23, c24, c25):
        assert "22198" not in cat.function  # seen only in a 2026 disclosure
    assert c26.function.name_of("2219899") == "其他住房保障支出"
    assert {e.code for e in c25.function} < {e.code for e in c26.function}
    assert len(c24.function) > len(c23.function)
    assert {e.code for e in c23.function} < {e.code for e in c24.function}
    assert c24.function.get("20139").valid_from == 2024
    assert c23.function.children("201")[-1].code == "20199"


def test_year_fallback_and_cache():
    assert SUPPORTED_YEARS == (2023, 2024, 2025, 2026)
    assert resolve_year(2024) == 2024 and resolve_year(2026) == 2026
    assert resolve_year(2019) == 2023 and resolve_year(2031) == 2026 and resolve_year(None) == 2026
    assert load_catalog(2030) is load_catalog(2026)
    assert load_catalog(2024) is load_catalog(2024)
    assert load_catalog(1999).year == 2023
    assert load_catalog().year == 2026
    assert load_catalog(2026).year == 2026


def test_load_is_lazy_and_cached():
    """Nothing is parsed before the first lookup, each file once, each year's catalog once.

    (Timings belong in benchmarks/, not in the test suite.)
    """
    _loader._clear_caches()
    assert _loader._all_entries.cache_info().currsize == 0
    assert _loader._catalog.cache_info().currsize == 0
    cat = load_catalog(2024)
    assert cat.function.get("2060499") is not None
    parsed = _loader._all_entries.cache_info()
    assert parsed.currsize == 2  # function and economic files, parsed once each
    for _ in range(100):
        assert load_catalog(2024) is cat
        load_catalog(2024).function.get("2060499")
    again = _loader._all_entries.cache_info()
    assert again.misses == parsed.misses  # no re-parsing per lookup
    assert _loader._catalog.cache_info().currsize == 1


# -- entries and income ------------------------------------------------------------------------
def test_entries_are_frozen_and_compare_on_identity():
    e = load_catalog(2024).function["2060499"]
    with pytest.raises(FrozenInstanceError):
        e.name = "x"  # type: ignore[misc]
    same = CatalogEntry(
        code="2060499",
        name="其他技术与开发支出",
        level="项",
        parent="20604",
        kind="function",
        source="elsewhere",
    )
    assert e == same and hash(e) == hash(same)
    assert e.source.startswith("corpus/urumqi-gxj-2024-budget.txt")
    assert e.aliases == ("其他技术研究与开发支出",)


def test_income_items():
    inc = load_catalog(2024).income
    assert inc.by_name("基金预算拨款")[0].key == "fund_budget"
    assert inc.by_name("政府性基金预算")[0].key == "fund_budget"
    assert (
        inc.by_name("财政专户核拨")[0].key
        == inc.by_name("财政专户管理资金")[0].key
        == "special_account"
    )
    assert inc.by_name("上级一般公共预算安排的转移支付资金")[0].key == "upper_general_transfer"
    assert inc.by_name("财政拨款（补助）")[0].key == "fiscal_appropriation"
    assert inc.by_name(" 上年结转结余 ")[0].key == "carryover"
    assert inc.by_name("no such line") == []
    assert inc.parent("business_income").key == "unit_funds"
    assert {i.key for i in inc.children("carryover")} == {
        "fiscal_carryover",
        "non_fiscal_carryover",
    }
    assert inc.parent("current_income") is None and inc.get("nope") is None
    assert "general_budget" in inc and len(inc) == 22
    for item in inc:
        assert isinstance(item, IncomeItem) and item.source
        assert item.parent is None or item.parent in inc
        assert inc.by_name(item.name)[0] is item  # the printed name always resolves to its item


def test_income_names_of_the_sample_resolve():
    text = _sample_text()
    inc = load_catalog(2024).income
    for name in (
        "一般公共预算拨款",
        "基金预算拨款",
        "国有资本经营预算拨款",
        "财政专户核拨",
        "单位资金",
        "事业收入",
        "上级补助收入",
        "附属单位上缴收入",
        "事业单位经营收入",
        "其他收入",
        "上年结转结余",
        "财政拨款结转",
        "非财政拨款结转结余",
        "上级一般公共预算安排转移支付",
        "一般财力",
    ):
        assert name in text, name
        assert inc.by_name(name), name


# -- data files --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["function_codes.csv", "economic_codes.csv"])
def test_data_files_are_well_formed(name):
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == [
            "code",
            "name",
            "level",
            "valid_from",
            "valid_to",
            "source",
            "aliases",
            "note",
        ]
        rows = list(reader)
    windows: dict[str, list[tuple[int, float]]] = {}
    for r in rows:
        assert r["source"].strip(), r["code"]
        start = int(r["valid_from"])
        end = int(r["valid_to"]) if r["valid_to"] else float("inf")
        assert 2023 <= start <= end
        for other in windows.get(r["code"], []):
            assert end < other[0] or start > other[1], f"{r['code']}: overlapping validity"
        windows.setdefault(r["code"], []).append((start, end))
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows)


def test_complete_file_is_well_formed():
    with (DATA / "complete.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["file", "code", "valid_from", "valid_to", "source", "note"]
        rows = list(reader)
    assert rows
    for r in rows:
        assert r["file"] in ("function_codes.csv", "economic_codes.csv") and r["source"].strip()
        assert len(r["code"]) in (3, 5) and r["code"].isdigit()
    for year in SUPPORTED_YEARS:  # every marked code exists that year and has children
        cat = load_catalog(year)
        for table in (cat.function, cat.economic):
            for e in table.complete_codes():
                assert table.is_complete(e.code) and table.children(e.code), (year, e.code)
    eco = load_catalog(2024).economic
    assert [e.code for e in eco.complete_codes("类")] == [
        "301",
        "302",
        "307",
        "309",
        "310",
        "311",
        "312",
    ]
    assert len(eco.children("301")) == 13 and len(eco.children("302")) == 27
    assert not eco.is_complete("313") and not eco.is_complete("399")


def test_readme_counts_are_current():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for year in SUPPORTED_YEARS:
        cat = load_catalog(year)
        for fname, table in (
            ("function_codes.csv", cat.function),
            ("economic_codes.csv", cat.economic),
        ):
            c = table.counts()
            line = f"| {fname} | {year} | {c['类']} | {c['款']} | {c.get('项', 0)} |"
            assert line in readme, line
    assert f"has {len(load_catalog(2024).income)} items" in readme


# -- normalisation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("维修（护）费", "维修(护)费"),
        ("维修 （护） 费", "维修(护)费"),
        ("因公出国（境）费用", "因公出国(境)费用"),
        ("乌财企【2023】99号", "乌财企〔2023〕99号"),
        ("乌财企[2023]99号", "乌财企(2023)99号"),
        ("政府办公厅（室）及相关机构事务", "政府办公厅(室)及相关机构事务"),
        ("其他\u3000技术与开发支出", "其他技术与开发支出"),
        ("其他技术\u200b与开发支出\n", "其他技术与开发支出"),
        ("ＰＰＰ项目咨询服务费", "PPP项目咨询服务费"),
        ("２０２４年", "2024年"),
    ],
)
def test_normalize_name_equates(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_normalize_name_keeps_real_differences():
    assert normalize_name("行政运行") != normalize_name("事业运行")
    assert normalize_name("维修（护）费") == "维修(护)费"
    assert normalize_name("") == ""


def test_normalize_code():
    assert normalize_code("206\t04\t99") == "2060499"
    assert normalize_code(" 301 01 ") == "30101"
    assert normalize_code(206) == "206"
    assert normalize_code("２０６") == "206"
    assert normalize_code("20-604") == "20-604"  # malformed codes stay malformed


@given(st.text())
def test_normalize_name_is_idempotent(s):
    once = normalize_name(s)
    assert normalize_name(once) == once
    assert not any(ch.isspace() for ch in once)


@given(st.text(alphabet=st.sampled_from("技术与开发（）()【】〔〕[] \u3000\t")))
def test_bracket_styles_never_matter(s):
    swapped = s.translate(str.maketrans("（）【】〔〕[]", "()()()()"))
    assert normalize_name(s) == normalize_name(swapped)
