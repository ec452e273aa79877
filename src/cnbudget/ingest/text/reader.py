"""Read the published text format of a department budget disclosure into a :class:`Document`.

The text is what PDF→text converters produce from the standard package: a title block, a table
of contents, 第一部分 部门概况, 第二部分 the tables (tab-separated cells, ``<b>`` around totals,
headers repeated after page breaks), 第三部分 the explanation with the performance-target tables,
第四部分 名词解释. The reader walks the lines once, splitting them into these parts, and hands
each part to a small parser. Whatever it cannot place becomes a :class:`ParseIssue` with its line.
"""

from __future__ import annotations

import datetime as dt
import re

from cnbudget.ingest.text.lines import Line, nfkc, tokenize
from cnbudget.ingest.text.narrative import budget_units, glossary, sections, staffing
from cnbudget.ingest.text.performance import PerformanceBuilder
from cnbudget.ingest.text.tables import TableBuilder
from cnbudget.ingest.year import find_year
from cnbudget.layouts import LayoutSpec, load_layout, normalize_label
from cnbudget.model import (
    Document,
    Metadata,
    Paragraph,
    ParseIssue,
    Region,
    Section,
    Source,
    is_placeholder_name,
    scope_from_texts,
)

_PART = re.compile(r"^第\s*([一二三四])\s*部分")
_TOC = re.compile(r"^目\s*录$")
_TABLE_NO = re.compile(r"^表\s*(\d{1,3})$")  # a table number, never a long digit run
_TITLE_YEAR = re.compile(r"(\d{4})\s*年(?:度)?\s*(?:部门|单位)?\s*(预算|决算)")
_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_UNIT = re.compile(r"^单位\s*[:：]\s*(\S+)$")
_DEPT = re.compile(r"^编制(?:部门|单位)\s*[:：]\s*(.*)$")
_PERF_TITLES = {"部门整体绩效目标表": "department", "项目支出绩效目标表": "project"}
_PART_KEYS = {"一": "part1", "二": "part2", "三": "part3", "四": "part4"}

#: Province of each provincial capital and municipality, to fill the region when the text names
#: only the city. Municipalities are their own province.
_CAPITALS = {
    "北京市": "北京市",
    "上海市": "上海市",
    "天津市": "天津市",
    "重庆市": "重庆市",
    "石家庄市": "河北省",
    "太原市": "山西省",
    "呼和浩特市": "内蒙古自治区",
    "沈阳市": "辽宁省",
    "长春市": "吉林省",
    "哈尔滨市": "黑龙江省",
    "南京市": "江苏省",
    "杭州市": "浙江省",
    "合肥市": "安徽省",
    "福州市": "福建省",
    "南昌市": "江西省",
    "济南市": "山东省",
    "郑州市": "河南省",
    "武汉市": "湖北省",
    "长沙市": "湖南省",
    "广州市": "广东省",
    "南宁市": "广西壮族自治区",
    "海口市": "海南省",
    "成都市": "四川省",
    "贵阳市": "贵州省",
    "昆明市": "云南省",
    "拉萨市": "西藏自治区",
    "西安市": "陕西省",
    "兰州市": "甘肃省",
    "西宁市": "青海省",
    "银川市": "宁夏回族自治区",
    "乌鲁木齐市": "新疆维吾尔自治区",
}
_REGION = re.compile(
    r"^(?P<prov>[^省市]{2,8}?(?:省|自治区))?(?P<city>[^市]{2,7}?(?:市|自治州|地区|盟))?"
    r"(?P<dist>[^区县旗]{1,4}?(?:区|县|旗))?"
)


def region_from_name(name: str | None) -> Region:
    if not name:
        return Region()
    m = _REGION.match(name)
    if not m:
        return Region()
    prov, city, dist = m.group("prov"), m.group("city"), m.group("dist")
    if dist and not city:
        dist = None
    if city and not prov:
        prov = _CAPITALS.get(city)
    return Region(province=prov, city=city, district=dist)


def _split_alias(name: str) -> tuple[str, str | None]:
    m = re.match(r"^(.+?)[（(]([^（()）]+)[）)]$", name.strip())
    return (m.group(1).strip(), m.group(2).strip()) if m else (name.strip(), None)


class _Reader:
    def __init__(self, text: str, name: str | None, layout: LayoutSpec) -> None:
        self.lines = tokenize(text)
        self.layout = layout
        self.doc = Document(source_name=name, metadata=Metadata(layout=layout.id, reader="text"))
        self.issues: list[ParseIssue] = self.doc.issues
        self.parts: dict[str, list[Line]] = {
            k: [] for k in ("front", "toc", "part1", "part2", "part3", "part4")
        }

    def issue(self, code: str, zh: str, en: str, line: Line) -> None:
        self.issues.append(
            ParseIssue(code=code, message_zh=zh, message_en=en, line=line.no, text=line.raw)
        )

    def paragraph_issue(self, code: str, zh: str, en: str, p: Paragraph) -> None:
        self.issues.append(
            ParseIssue(
                code=code,
                message_zh=f"{zh}：{p.text[:40]}",
                message_en=f"{en}: {p.text[:40]}",
                line=p.source.line if p.source else None,
                text=p.text,
            )
        )

    # -- split the document into its parts ------------------------------------------------
    def split(self) -> None:
        state = "front"
        seen_toc = False
        toc_parts: set[str] = set()
        for ln in self.lines:
            if ln.cells is None and ln.text and ("部分" in ln.text or "录" in ln.text):
                t = nfkc(ln.text).replace(" ", "")
                if _TOC.match(t) and state == "front":
                    state, seen_toc = "toc", True
                    continue
                m = _PART.match(t)
                if m:
                    key = _PART_KEYS[m.group(1)]
                    if state == "toc" and key not in toc_parts and "part1" not in toc_parts | {key}:
                        toc_parts.add(key)
                        self.parts["toc"].append(ln)
                        continue
                    if state == "toc" and key != "part1":
                        toc_parts.add(key)
                        self.parts["toc"].append(ln)
                        continue
                    if state == "toc" and key == "part1" and "part1" not in toc_parts:
                        toc_parts.add(key)
                        self.parts["toc"].append(ln)
                        continue
                    state = key
                    if key == "part1":
                        self.parts[key].append(ln)  # its heading names the department
                    continue
            self.parts[state].append(ln)
        if seen_toc and not any(self.parts[k] for k in ("part1", "part2", "part3")):
            # No body after the contents: the "contents" were the body.
            self.parts["part1"], self.parts["toc"] = self.parts["toc"], []

    # -- front matter ----------------------------------------------------------------------
    def front(self) -> None:
        md = self.doc.metadata
        texts = [ln for ln in self.parts["front"] if ln.text]
        for ln in texts:
            m = _TITLE_YEAR.search(nfkc(ln.text))
            if m:
                md.year = int(m.group(1))
                md.kind = "final" if m.group(2) == "决算" else "budget"
                break
        names = [ln.text for ln in texts if not _TITLE_YEAR.search(nfkc(ln.text))]
        if names:
            first = names[0]
            dept, alias = _split_alias(first)
            if alias is None and len(names) > 1:
                m = re.match(r"^[（(](.+)[）)]$", names[1])
                if m:
                    alias = m.group(1).strip()
            md.department, md.alias = dept, alias

    # -- 第一部分 部门概况 -------------------------------------------------------------------
    def part1(self) -> None:
        md = self.doc.metadata
        lines = self.parts["part1"]
        if lines and _PART.match(nfkc(lines[0].text).replace(" ", "")):
            head = lines[0]
            lines = lines[1:]
            if md.year is None:
                m = re.search(r"(\d{4})\s*年", head.text)
                md.year = int(m.group(1)) if m else None
        secs, pre = sections(lines)
        self.doc.overview = secs
        if pre:
            secs.insert(0, Section(title="", level=1, paragraphs=pre))
        for s in secs:
            title = normalize_label(s.title)
            if "职能" in title:
                md.functions = s.text()
            elif "机构" in title or "人员" in title:
                md.structure = s.text()
                md.budget_units = budget_units(s)
                md.staffing = staffing(s, self.issues)

    # -- 第二部分 tables ---------------------------------------------------------------------
    def part2(self) -> None:
        cur: TableBuilder | None = None
        pending_no: int | None = None
        unit_names = [u.name for u in self.doc.metadata.budget_units]
        if self.doc.metadata.full_name:
            unit_names.append(self.doc.metadata.full_name)
        for ln in self.parts["part2"]:
            if ln.blank:
                continue
            if ln.cells is not None:
                if cur is None:
                    self.issue(
                        "row-outside-table",
                        "表格行不属于任何已识别的表",
                        "table row outside any recognised table",
                        ln,
                    )
                else:
                    cur.add(ln)
                continue
            t = nfkc(ln.text).replace(" ", "")
            m = _TABLE_NO.match(t)
            if m:
                pending_no = int(m.group(1))
                continue
            spec = self.layout.match_title(ln.text) if len(t) <= 40 else None
            if spec is not None:
                if cur is not None:
                    self.doc.tables.append(cur.finish())
                cur = TableBuilder(
                    spec,
                    number=pending_no or spec.number,
                    title=ln.text,
                    line=ln.no,
                    issues=self.issues,
                    unit_names=unit_names,
                )
                pending_no = None
                continue
            m = _DEPT.match(ln.text)
            if m and cur is not None:
                cur.set_department(m.group(1).strip())
                if self.doc.metadata.department is None:
                    d, a = _split_alias(m.group(1))
                    self.doc.metadata.department, self.doc.metadata.alias = d, a
                continue
            m = _UNIT.match(ln.text)
            if m and cur is not None:
                cur.set_unit(m.group(1), ln.no)
                continue
            if cur is not None and ("空表" in t or not cur.table.rows) and len(t) > 10:
                cur.table.empty_explanation = (
                    f"{cur.table.empty_explanation}{ln.text}"
                    if cur.table.empty_explanation
                    else ln.text
                )
                continue
            self.issue(
                "unknown-line",
                f"无法识别的行：{ln.text[:40]}",
                f"unrecognised line: {ln.text[:40]}",
                ln,
            )
        if cur is not None:
            self.doc.tables.append(cur.finish())
        found = {t.type for t in self.doc.tables}
        for spec in self.layout.tables:
            if spec.type not in found and self.parts["part2"]:
                self.issues.append(
                    ParseIssue(
                        code="table-missing",
                        message_zh=f"未找到表{spec.number}「{spec.title}」",
                        message_en=f"table {spec.number} ({spec.type}) not found",
                    )
                )

    # -- 第三部分 explanation + performance tables --------------------------------------------
    def part3(self) -> None:
        prose: list[Line] = []
        perf: PerformanceBuilder | None = None
        lines = self.parts["part3"]
        for ln in lines:
            label = normalize_label(ln.text) if ln.cells is None else ""
            if label in _PERF_TITLES:
                if perf:
                    self.doc.performance.append(perf.finish())
                perf = PerformanceBuilder(_PERF_TITLES[label], ln.no, self.issues)
                continue
            if perf is not None:
                if ln.blank:
                    continue
                if ln.cells is not None:
                    perf.add(ln)
                    continue
                if perf.set_year(ln.text):
                    continue
                if not ln.heading and len(ln.text) < 20 and not ln.text.endswith("。"):
                    # A page number or footer inside a table: report it, keep the table open.
                    self.issue(
                        "stray-line",
                        f"绩效目标表中夹杂的行：{ln.text}",
                        f"stray line inside a performance-target table: {ln.text}",
                        ln,
                    )
                    continue
                self.doc.performance.append(perf.finish())
                perf = None
            if ln.cells is not None:
                self.issue(
                    "row-outside-table",
                    "说明部分中不属于任何表的表格行",
                    "table row in the explanation outside any table",
                    ln,
                )
                continue
            prose.append(ln)
        if perf:
            self.doc.performance.append(perf.finish())
        secs, pre = sections(prose)
        self.doc.explanation = secs
        for p in pre:
            self.paragraph_issue(
                "text-before-section",
                "第三部分中位于第一个标题之前的文字",
                "text before the first section of part 3",
                p,
            )

    # -- 第四部分 glossary --------------------------------------------------------------------
    def part4(self) -> None:
        md = self.doc.metadata
        known = {normalize_label(n) for n in (md.full_name, md.department) if n}

        def standalone(text: str) -> bool:
            return bool(_DATE.match(nfkc(text).replace(" ", ""))) or normalize_label(text) in known

        entries, rest = glossary([ln for ln in self.parts["part4"] if ln.cells is None], standalone)
        self.doc.glossary = entries
        for p in rest:
            t = nfkc(p.text).replace(" ", "")
            m = _DATE.match(t)
            if m:
                try:
                    md.publication_date = dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    pass
                else:
                    continue
            if normalize_label(p.text) in known:
                continue  # the signature line
            if self.doc.glossary:
                self.doc.glossary[-1].definition += p.text
                continue
            self.paragraph_issue(
                "unknown-line", "名词解释中无法识别的行", "unrecognised line in the glossary", p
            )

    def run(self) -> Document:
        self.split()
        self.front()
        self.part1()
        self.part2()
        self.part3()
        self.part4()
        md = self.doc.metadata
        md.region = region_from_name(md.department)
        front = [ln.text for ln in self.parts["front"] if ln.text]
        if md.year is None:
            # Not on the cover: from headings, table titles or 编制日期 (never from prose).
            found = find_year(front, (ln.text for ln in self.lines), kind=md.kind)
            md.year = found.year if found else None
        md.scope = scope_from_texts(front, md.layout)
        md.is_template = is_placeholder_name(md.department)
        if not any(self.parts[k] for k in ("part1", "part2", "part3", "part4")):
            self.issues.append(
                ParseIssue(
                    code="no-structure",
                    message_zh="没有找到“第一部分”至“第四部分”的任何内容，这不像一份部门预算公开文本",
                    message_en="no part 1–4 found: this does not look like a budget disclosure text",
                    severity="error",
                )
            )
        return self.doc


def read_text(text: str, *, name: str | None = None, layout: str | None = None) -> Document:
    """Parse the published text of a disclosure. Never raises on bad content: see ``doc.issues``."""
    return _Reader(text, name, load_layout(layout or "budget-11")).run()


__all__ = ["Source", "read_text"]
