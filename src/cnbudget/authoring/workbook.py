"""The fill-in workbook (填报模板): written by ``cnbudget template``, read by ``cnbudget build``.

Each table sheet has the printed layout of its table (the same cells as the published text),
so reading a filled sheet back goes through the same :class:`TableBuilder` as the text reader;
every amount remembers its sheet and cell. Other sheets hold metadata, budget units, last
year's figures with the reasons for changes, project details, procurement, assets, the
performance-target tables and the glossary.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cnbudget.authoring.inputs import AuthoringInput, Procurement, ProjectInfo
from cnbudget.example import build_example
from cnbudget.ingest.text.lines import Line
from cnbudget.ingest.text.performance import PerformanceBuilder
from cnbudget.ingest.text.tables import TableBuilder
from cnbudget.layouts import LayoutSpec, load_layout, normalize_label
from cnbudget.model import (
    BudgetUnit,
    Document,
    GlossaryEntry,
    Metadata,
    ParseIssue,
    Region,
    Source,
    Staffing,
)
from cnbudget.money import parse_amount
from cnbudget.outputs.text import performance_lines, table_lines

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MONEY = "#,##0.00"
_TAG = re.compile(r"</?b>")

META_FIELDS = [
    ("department", "部门名称", "不含括号中的别名 / without the alias"),
    ("alias", "部门别名", "括号中的第二个名称，如“某某局（某某中心）”中的某某中心"),
    ("year", "预算年度", "四位数字"),
    ("province", "省（自治区、直辖市）", ""),
    ("city", "市（州）", ""),
    ("district", "区（县）", ""),
    ("publication_date", "发布日期", "YYYY-MM-DD"),
    ("authorized", "编制数", "人"),
    ("actual", "实有人数", "人 = 在职 + 退休 + 离休"),
    ("active", "在职人数", "人"),
    ("active_change", "在职人数比上年增减", "增加为正，减少为负"),
    ("retired", "退休人数", "人"),
    ("retired_change", "退休人数比上年增减", "增加为正，减少为负"),
    ("lixiu", "离休人数", "人"),
    ("lixiu_change", "离休人数比上年增减", "增加为正，减少为负"),
    ("functions", "主要职能", "文字"),
    ("structure", "机构设置", "文字"),
]


def _prior_rows(doc: Document) -> list[tuple[str, str]]:
    """The subjects whose last-year figure the narrative states, as (reference, label)."""
    rows = [
        ("income_summary:total:general", "收入：一般公共预算"),
        ("income_summary:total:general_transfer", "收入：上级一般公共预算安排的转移支付"),
        ("income_summary:total:fund", "收入：政府性基金预算"),
        ("income_summary:total:soe", "收入：国有资本经营预算"),
        ("income_summary:total:special_account", "收入：财政专户管理资金"),
        ("income_summary:total:unit_funds", "收入：单位资金"),
        ("income_summary:total:fiscal_carryover", "收入：财政拨款结转"),
        ("expenditure_summary:total:basic", "支出：基本支出"),
        ("expenditure_summary:total:project", "支出：项目支出"),
        ("general_expenditure:total:basic", "一般公共预算：基本支出"),
        ("general_expenditure:total:project", "一般公共预算：项目支出"),
    ]
    t5 = doc.table("general_expenditure")
    for r in t5.rows if t5 else []:
        if r.code and len(r.code) == 7:
            rows.append(
                (f"general_expenditure:code={r.code}:total", f"一般公共预算 {r.code} {r.name}")
            )
    rows += [
        ("three_public:total:total", "“三公”经费合计"),
        ("three_public:key=outbound:total", "因公出国（境）费"),
        ("three_public:key=vehicle_purchase:total", "公务用车购置费"),
        ("three_public:key=vehicle_operation:total", "公务用车运行费"),
        ("three_public:key=reception:total", "公务接待费"),
        ("general_basic:total:public", "机关运行经费"),
    ]
    return rows


def _style_header(ws, row: int, n: int) -> None:
    for c in range(1, n + 1):
        cell = ws.cell(row=row, column=c)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _kv_sheet(
    wb: Workbook,
    title: str,
    header: list[str],
    rows: list[list[object]],
    widths: list[int],
    note: str | None = None,
) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    _style_header(ws, 1, len(header))
    for r in rows:
        ws.append(r)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    if note:
        ws.cell(row=1, column=1).comment = Comment(note, "cnbudget")


def _write_table_sheet(wb: Workbook, doc: Document, layout: LayoutSpec, type_: str) -> None:
    spec = layout.table(type_)
    assert spec is not None
    table = doc.table(type_)
    ws = wb.create_sheet(f"表{spec.number}")
    ws.append([spec.title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    lines = table_lines(table, spec) if table else []
    data = [ln for ln in lines if "\t" in ln]
    ws.append([f"编制部门：{doc.metadata.full_name or ''}"])
    ws.append(["单位：万元"])
    width = 1
    for ln in data:
        cells = [_TAG.sub("", c) for c in ln.split("\t")]
        width = max(width, len(cells))
        row = []
        for c in cells:
            try:
                v = parse_amount(c) if re.search(r"\d[.,]\d", c) else None
            except ValueError:
                v = None
            row.append(v if v is not None else c)
        ws.append(row)
        r = ws.max_row
        bold = "<b>" in ln
        for ci, v in enumerate(row, 1):
            cell = ws.cell(row=r, column=ci)
            cell.border = BOX
            if isinstance(v, Decimal):
                cell.number_format = MONEY
                cell.fill = INPUT_FILL
            if bold:
                cell.font = BOLD
    if table is not None and table.empty_explanation:
        ws.append([table.empty_explanation])
    for ci in range(1, width + 1):
        ws.column_dimensions[get_column_letter(ci)].width = 14
    ws.column_dimensions["A"].width = 30 if spec.mode in ("two_sided", "named", "carryover") else 8
    ws.freeze_panes = "A4"
    ws.cell(row=1, column=1).comment = Comment(
        "按公开表的版式填写：每行一个科目，金额单位万元，保留两位小数；表头行请勿修改。"
        "空表请在表下写明原因（“……为空表”）。",
        "cnbudget",
    )


def write_template(path: str | Path, *, year: int = 2024, doc: Document | None = None) -> Path:
    """A workbook to fill in, pre-filled with ``doc`` (default: the bundled fictional example,
    so that every sheet shows a complete, consistent specimen to overwrite)."""
    doc = doc or build_example(0, year=year)
    layout = load_layout(doc.metadata.layout or "budget-11")
    md = doc.metadata
    wb = Workbook()
    ws = wb.active
    ws.title = "填报说明"
    notes = [
        "部门预算公开填报模板 / Budget disclosure input workbook",
        "1. 在“基本信息”“预算单位”填写部门情况；2. 在“表1”至“表11”按公开表版式填写金额（万元，两位小数）；",
        "3. 在“上年数”填写上年预算数与变动原因（用于“比上年增加/减少”的说明）；",
        "4. 在“项目”“结转项目”“政府采购”“国有资产”“绩效目标”“名词解释”补充说明所需内容；",
        "5. 运行 cnbudget build 本文件 -o 输出目录：先检查，一致后生成 HTML/PDF/DOCX/XLSX/TXT。",
        "黄色单元格为需要填写的金额；表头行请勿修改。Yellow cells are amounts to fill in.",
    ]
    for n in notes:
        ws.append([n])
    ws.column_dimensions["A"].width = 110
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    st = md.staffing or Staffing()
    values = {
        "department": md.department,
        "alias": md.alias,
        "year": md.year,
        "province": md.region.province,
        "city": md.region.city,
        "district": md.region.district,
        "publication_date": md.publication_date.isoformat() if md.publication_date else None,
        "authorized": st.authorized,
        "actual": st.actual,
        "active": st.active,
        "active_change": st.active_change,
        "retired": st.retired,
        "retired_change": st.retired_change,
        "lixiu": st.lixiu,
        "lixiu_change": st.lixiu_change,
        "functions": md.functions,
        "structure": md.structure,
    }
    _kv_sheet(
        wb,
        "基本信息",
        ["字段 key", "项目", "填写内容", "说明"],
        [[k, label, values.get(k), hint] for k, label, hint in META_FIELDS],
        [16, 22, 60, 40],
    )
    _kv_sheet(
        wb,
        "预算单位",
        ["单位名称", "是否本级（是/否）"],
        [[u.name, "是" if u.is_self else "否"] for u in md.budget_units],
        [50, 18],
    )
    dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    wb["预算单位"].add_data_validation(dv)
    dv.add("B2:B200")
    for spec in layout.tables:
        _write_table_sheet(wb, doc, layout, spec.type)
    _kv_sheet(
        wb,
        "上年数",
        ["引用 ref", "项目", "上年预算数（万元）", "变动原因", "主要用途"],
        [[ref, label, None, None, None] for ref, label in _prior_rows(doc)],
        [44, 40, 18, 50, 40],
        "上年预算数用于计算“比上年增加/减少 X 万元，增长/下降 Y%”；引用列请勿修改。",
    )
    money = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
    )
    wb["上年数"].add_data_validation(money)
    money.add("C2:C500")
    t7 = doc.table("general_project")
    projects = [r.project for r in (t7.rows if t7 else []) if r.kind == "project"]
    _kv_sheet(
        wb,
        "项目",
        ["项目名称", "设立的政策依据", "资金分配情况", "资金执行时间", "是否涉密（是/否）"],
        [
            [p, None, None, None, "是" if (p or "").startswith("特定目标") else "否"]
            for p in projects
        ],
        [40, 60, 40, 30, 16],
    )
    secret = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    wb["项目"].add_data_validation(secret)
    secret.add("E2:E500")
    t11 = doc.table("carryover")
    carry = [r.project or r.name for r in (t11.rows if t11 else []) if r.kind == "project"]
    _kv_sheet(wb, "结转项目", ["项目名称", "主要用途"], [[c, None] for c in carry], [50, 60])
    _kv_sheet(
        wb,
        "政府采购",
        ["项目", "金额（万元）"],
        [
            ["货物", None],
            ["工程", None],
            ["服务", None],
            ["面向中小企业预留", None],
            ["其中：小微企业预留", None],
        ],
        [24, 18],
    )
    _kv_sheet(wb, "国有资产", ["国有资产占用使用情况（每行一段）"], [], [100])
    ws = wb.create_sheet("绩效目标")
    for p in doc.performance:
        ws.append(["部门整体绩效目标表" if p.kind == "department" else "项目支出绩效目标表"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        for ln in performance_lines(p):
            if "\t" in ln:
                ws.append([_TAG.sub("", c) for c in ln.split("\t")])
        ws.append([])
    for ci in range(1, 10):
        ws.column_dimensions[get_column_letter(ci)].width = 18
    _kv_sheet(
        wb, "名词解释", ["名词", "解释"], [[g.term, g.definition] for g in doc.glossary], [20, 100]
    )
    p = Path(path)
    wb.save(p)
    return p


# -- reading a filled workbook ---------------------------------------------------------------
def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else f"{v:.2f}" if abs(v) >= 1 else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%Y-%m-%d")
    return str(v).strip()


def _amount(v: object) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        return Decimal(repr(v)) if isinstance(v, float) else parse_amount(str(v))
    except (ValueError, InvalidOperation):
        return None


def _int(v: object) -> int | None:
    a = _amount(v)
    return int(a) if a is not None else None


class WorkbookError(ValueError):
    """The file is not a cnbudget fill-in workbook."""


def read_workbook(path: str | Path) -> tuple[AuthoringInput, list[ParseIssue]]:
    """A filled workbook → authoring input; what cannot be read is reported with sheet and cell."""
    wb = load_workbook(path, data_only=True)
    if "基本信息" not in wb.sheetnames:
        raise WorkbookError(
            "不是 cnbudget 填报模板（缺少“基本信息”工作表）/ not a cnbudget workbook"
        )
    issues: list[ParseIssue] = []
    meta = {str(r[0]): r[2] for r in wb["基本信息"].iter_rows(min_row=2, values_only=True) if r[0]}
    year = _int(meta.get("year"))
    md = Metadata(
        year=year,
        department=_text(meta.get("department")) or None,
        alias=_text(meta.get("alias")) or None,
        region=Region(
            province=_text(meta.get("province")) or None,
            city=_text(meta.get("city")) or None,
            district=_text(meta.get("district")) or None,
        ),
        functions=_text(meta.get("functions")) or None,
        structure=_text(meta.get("structure")) or None,
        staffing=Staffing(
            **{
                k: _int(meta.get(k))
                for k in (
                    "authorized",
                    "actual",
                    "active",
                    "active_change",
                    "retired",
                    "retired_change",
                    "lixiu",
                    "lixiu_change",
                )
            }
        ),
        layout="budget-11",
        reader="workbook",
    )
    if meta.get("publication_date"):
        try:
            md.publication_date = dt.date.fromisoformat(_text(meta["publication_date"])[:10])
        except ValueError:
            issues.append(
                ParseIssue(
                    code="bad-date",
                    message_zh="发布日期格式应为 YYYY-MM-DD",
                    message_en="publication date must be YYYY-MM-DD",
                    text=_text(meta["publication_date"]),
                )
            )
    if "预算单位" in wb.sheetnames:
        for r in wb["预算单位"].iter_rows(min_row=2, values_only=True):
            if r and r[0]:
                md.budget_units.append(BudgetUnit(name=_text(r[0]), is_self=_text(r[1]) == "是"))
    doc = Document(metadata=md, source_name=Path(path).name)
    layout = load_layout("budget-11")
    unit_names = [u.name for u in md.budget_units] + ([md.full_name] if md.full_name else [])
    for spec in layout.tables:
        name = f"表{spec.number}"
        if name not in wb.sheetnames:
            issues.append(
                ParseIssue(
                    code="table-missing",
                    message_zh=f"缺少工作表“{name}”",
                    message_en=f"sheet {name} missing",
                )
            )
            continue
        ws = wb[name]
        builder = TableBuilder(
            spec, number=spec.number, title=spec.title, line=1, issues=issues, unit_names=unit_names
        )
        for i, row in enumerate(ws.iter_rows(min_row=2), 2):
            cells = [_text(c.value) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            first = cells[0]
            if len(cells) == 1 and first.startswith("编制部门"):
                builder.set_department(first.split("：", 1)[-1].strip())
            elif len(cells) == 1 and first.startswith("单位"):
                builder.set_unit(first.split("：", 1)[-1], i)
            elif len(cells) == 1 and len(first) > 10:
                builder.table.empty_explanation = first
            else:
                bold = [bool(c.font and c.font.b) for c in row[: len(cells)]]
                builder.add(Line(no=i, raw="\t".join(cells), cells=cells, bold=bold))
        table = builder.finish()
        table.source = Source(sheet=name)
        for r in table.rows:
            if r.source:
                r.source = Source(sheet=name, cell=f"A{r.source.line}")
            for a in r.values.values():
                if a.source and a.source.cell:
                    col = int(a.source.cell.split()[1])
                    a.source = Source(sheet=name, cell=f"{get_column_letter(col)}{a.source.line}")
        doc.tables.append(table)
    for issue in issues:
        if issue.line and not issue.text:
            issue.text = f"sheet row {issue.line}"
    inp = AuthoringInput(document=doc)
    if "上年数" in wb.sheetnames:
        for r in wb["上年数"].iter_rows(min_row=2, values_only=True):
            if not r or not r[0]:
                continue
            ref = _text(r[0])
            if (v := _amount(r[2])) is not None:
                inp.prior[ref] = v
            if r[3]:
                inp.reasons[ref] = _text(r[3])
            if len(r) > 4 and r[4]:
                inp.purposes[ref] = _text(r[4])
    if "项目" in wb.sheetnames:
        for r in wb["项目"].iter_rows(min_row=2, values_only=True):
            if r and r[0]:
                inp.projects.append(
                    ProjectInfo(
                        name=_text(r[0]),
                        basis=_text(r[1]),
                        allocation=_text(r[2]),
                        period=_text(r[3]),
                        secret=_text(r[4]) == "是",
                    )
                )
    if "结转项目" in wb.sheetnames:
        for r in wb["结转项目"].iter_rows(min_row=2, values_only=True):
            if r and r[0] and r[1]:
                inp.carryover_purposes[_text(r[0])] = _text(r[1])
    if "政府采购" in wb.sheetnames:
        vals = [_amount(r[1]) for r in wb["政府采购"].iter_rows(min_row=2, values_only=True)]
        vals += [None] * (5 - len(vals))
        if any(v is not None for v in vals[:3]):
            inp.procurement = Procurement(
                goods=vals[0] or 0,
                works=vals[1] or 0,
                services=vals[2] or 0,
                sme_reserved=vals[3],
                small_micro_reserved=vals[4],
            )
    if "国有资产" in wb.sheetnames:
        inp.assets = [
            _text(r[0]) for r in wb["国有资产"].iter_rows(min_row=2, values_only=True) if r and r[0]
        ]
    if "绩效目标" in wb.sheetnames:
        perf: PerformanceBuilder | None = None
        for i, row in enumerate(wb["绩效目标"].iter_rows(values_only=True), 1):
            cells = [_text(c) for c in row]
            while cells and not cells[-1]:
                cells.pop()
            if not cells:
                continue
            label = normalize_label(cells[0])
            if len(cells) == 1 and label in ("部门整体绩效目标表", "项目支出绩效目标表"):
                if perf:
                    doc.performance.append(perf.finish())
                perf = PerformanceBuilder(
                    "department" if label.startswith("部门") else "project", i, issues
                )
                perf.t.year = year
                continue
            if perf is not None:
                perf.add(Line(no=i, raw="\t".join(cells), cells=cells))
        if perf:
            doc.performance.append(perf.finish())
    if "名词解释" in wb.sheetnames:
        for r in wb["名词解释"].iter_rows(min_row=2, values_only=True):
            if r and r[0] and r[1]:
                doc.glossary.append(GlossaryEntry(term=_text(r[0]), definition=_text(r[1])))
    return inp, issues
