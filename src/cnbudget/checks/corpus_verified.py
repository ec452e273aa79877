"""The error and warning findings each corpus document must give, each verified by reading the
published page (``pdftotext -layout`` of the PDF, or the text sample), with why it is true.

One table serves the corpus test (``checks/test_trust.py``: the exact set, no more, no fewer) and
the false-findings benchmark (``benchmarks/false_findings.py``: anything else is counted false).
"""

from __future__ import annotations

from cnbudget.checks.findings import Finding

FinderKey = tuple[str, str]


def finding_key(f: Finding) -> FinderKey:
    """(rule, where): ``p21`` for a PDF page, ``l550`` for a text line, else the table row."""
    loc = f.location
    if loc.source_page is not None:
        return f.rule, f"p{loc.source_page}"
    if loc.source_line is not None:
        return f.rule, f"l{loc.source_line}"
    return f.rule, f"表{loc.table_no or '?'} {loc.row_code or loc.row_key or ''}".strip()


VERIFIED: dict[str, set[FinderKey]] = {
    "urumqi-gxj-2024-budget.txt": set(),
    "shanghai-putuo-commerce-2025-dept-budget.pdf": set(),
    "shanghai-putuo-commerce-2025-unit-budget.pdf": set(),
    # p5 名词解释 copied from the city's glossary: "是市级预算主管部门及所属预算单位…", "与市级财政有经费
    # 领拨关系…使用市级财政拨款" in a 区级 budget (the 2025 edition says 区级).
    "shanghai-putuo-wanli-street-2024-dept-budget.pdf": {("WRD-DEPT-002", "p5")},
    # p7 "21.“卫生健康支出（类）卫生健康支出（款）计划生育事务（项）”科目20.00万元": 表5 prints
    # 21007 计划生育事务 / 2100717 计划生育服务 = 200,000 元. The amount agrees; the 款 is misnamed.
    "shanghai-putuo-wanli-street-2025-dept-budget.pdf": {("NAR-NAME-001", "p7")},
    # p21 "财政拨款收入支出总计0.3万元" where 表4 prints 总计 2,961.68 (NAR-AMT-001); p21
    # "一般公共服务支出（类）2106.66万元，占71.73%" of 2,940.05 = 71.65 % (NAR-SHARE-001).
    "shanghai-putuo-finance-2024-dept-final.pdf": {
        ("NAR-AMT-001", "p21"),
        ("NAR-SHARE-001", "p21"),
    },
    # The MOF 决算 template itself ("上海市 XX 局", "XXX万元", "增加（减少）", "（如持平作持平表述）"):
    # every sentence of its explanation is template residue (WRD-TPL-001 placeholders, WRD-TPL-002
    # instructions to the writer), pages 4 and 13–22.
    "template-dept-final-2024.pdf": {
        *{("WRD-TPL-001", f"p{p}") for p in (4, *range(13, 23))},
        *{("WRD-TPL-002", f"p{p}") for p in (4, *range(15, 21))},
    },
}
