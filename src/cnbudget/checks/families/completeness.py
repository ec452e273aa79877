"""Is everything there that the disclosure rules require (财预〔2016〕143号)? Tables, empty-table
explanations, 三公 reasons, 机关运行经费, 政府采购, 国有资产, 绩效目标, 名词解释, 涉密 items."""

from __future__ import annotations

import re

from cnbudget.checks.context import Context, cell_location
from cnbudget.checks.findings import Location
from cnbudget.layouts import normalize_label

_TOPICS = [
    ("机关运行经费", ["机关运行经费"]),
    ("政府采购", ["政府采购"]),
    ("国有资产占用", ["国有资产"]),
    ("绩效目标", ["绩效目标", "预算绩效"]),
]


def run(ctx: Context) -> None:
    doc = ctx.doc
    narrative = "\n".join(
        sec.title + "\n" + "\n".join(p.text for p in sec.paragraphs)
        for s in doc.explanation
        for sec in s.walk()
    )
    present = {t.type for t in doc.tables}
    for spec in ctx.layout.tables:
        if spec.type not in present:
            ctx.emit(
                "CMP-TABLE-001",
                Location(table_no=spec.number, table_type=spec.type),
                table=f"表{spec.number}",
                title=spec.title,
            )
    for table in doc.tables:
        if any(r.values for r in table.rows):
            continue
        if not (table.empty_explanation or empty_explained(table.title, narrative)):
            ctx.emit(
                "CMP-EMPTY-001",
                Location(
                    table_no=table.number,
                    table_type=table.type,
                    source_line=table.source.line if table.source else None,
                ),
                table=f"表{table.number}",
                title=table.title,
            )
    for topic, words in _TOPICS:
        if not any(w in narrative for w in words):
            ctx.emit("CMP-SEC-001", Location(), topic=topic)
    if not doc.glossary:
        ctx.emit("CMP-GLOSS-001", Location())
    _three_public(ctx)
    _secret(ctx, narrative)


_TABLE_SUFFIX = re.compile(r"(?:收入支出|收支|支出|收入)?(?:预算|决算)?(?:情况)?(?:明细)?表$")
_ZERO = re.compile(r"(?<![\d.,])0(?:\.0+)?\s*(?:万元|元)")
_NONE = re.compile(r"无|没有|未安排|未使用|不涉及|为零|空表")


def empty_subject(title: str) -> str:
    """What an empty table is about, as the narrative words it: 上年结转结余情况明细表 → 上年结转结余,
    政府性基金预算支出表 → 政府性基金预算."""
    return _TABLE_SUFFIX.sub("", normalize_label(title))


def empty_explained(title: str, narrative: str) -> bool:
    """Is an empty table accounted for? By the "…为空表" sentence, or by a sentence that names its
    subject and states its zero ("上年结转结余 0.00 万元") or that the department has none
    ("本部门无政府性基金预算财政拨款收入和支出")."""
    full = normalize_label(title)
    subject = empty_subject(title)
    for sentence in re.split(r"[。\n]", narrative):
        s = normalize_label(sentence)
        if "空表" in s and full in s:
            return True
        if subject and subject in s and (_ZERO.search(sentence) or _NONE.search(sentence)):
            return True
    return False


def _three_public(ctx: Context) -> None:
    sec = next((s for s in ctx.doc.explanation if "三公" in s.title), None)
    if sec is None:
        ctx.emit("CMP-3PUB-001", Location(), problem="缺少“三公”经费说明 / no 三公 section")
        return
    text = sec.text()
    changes = len(re.findall(r"(增加|减少)\s*[\d,.]+\s*万元", text))
    reasons = len(re.findall(r"原因", text))
    if changes and reasons < 1:
        p = sec.paragraphs[-1] if sec.paragraphs else None
        ctx.emit(
            "CMP-3PUB-001",
            Location(
                sentence=p.text if p else None,
                source_line=p.source.line if p and p.source else None,
            ),
            problem="增减变化没有说明原因 / changes without reasons",
        )


def _secret(ctx: Context, narrative: str) -> None:
    for type_ in ("general_project", "carryover"):
        table = ctx.doc.table(type_)
        if table is None:
            continue
        rows = [
            r
            for r in table.rows
            if r.kind == "project" and re.match(r"^特定目标", r.project or r.name)
        ]
        if rows and not re.search(r"涉密|不予公开", narrative):
            ctx.emit(
                "CMP-SECRET-001",
                cell_location(table, rows[0], "total"),
                project=rows[0].project or rows[0].name,
                table=f"表{table.number}",
            )


#: Reader issues where the reader repaired a printing quirk with certainty and lost nothing (a
#: code printed "2" for "02"; a template's "……" placeholder row): worth a notice, not a warning.
REPAIRED_ISSUES = frozenset({"code-padded", "placeholder-row"})


def reader_issues(ctx: Context) -> None:
    """What the reader could not understand is a finding too, so it is never silently lost."""
    for issue in ctx.doc.issues:
        ctx.emit(
            "RDR-ISSUE-002" if issue.code in REPAIRED_ISSUES else "RDR-ISSUE-001",
            Location(source_line=issue.line, source_page=issue.page, sentence=issue.text),
            detail_zh=issue.message_zh,
            detail_en=issue.message_en,
            code=issue.code,
        )
