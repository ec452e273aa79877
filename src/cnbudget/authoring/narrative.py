"""Write 第三部分 (the twelve explanation sections) from the tables and last year's figures.

Every figure is computed here with the published rounding: a share is part ÷ the section's
stated total; a change is “比上年预算增加/减少 X 万元，增长/下降 Y%” with Y = X ÷ last year
(last year = this year − X for an increase, + X for a decrease), a new item “增长 100.00%”.
The wording follows the standard package (see the sample); the checks read it back.
"""

from __future__ import annotations

import re
from decimal import Decimal

from cnbudget.authoring.inputs import AuthoringInput, ProjectInfo
from cnbudget.catalog import load_catalog
from cnbudget.layouts import normalize_label
from cnbudget.model import Document, Paragraph, Row, Section, Table
from cnbudget.money import format_amount, percent
from cnbudget.outputs.text import cn_number

ZERO = Decimal(0)
HUNDRED = Decimal("100.00")
_SECRET = re.compile(r"^特定目标")
_ECON_COLUMNS = {
    "e301": "工资福利支出",
    "e302": "商品和服务支出",
    "e303": "对个人和家庭的补助",
    "e307": "债务利息及费用支出",
    "e309": "资本性支出（基本建设）",
    "e310": "资本性支出",
    "e311": "对企业补助（基本建设）",
    "e312": "对企业补助",
    "e313": "对社会保障基金补助",
    "e399": "其他支出",
}
_INCOME_ITEMS = [
    ("general", "一般公共预算"),
    ("general_transfer", "上级一般公共预算安排的转移支付资金"),
    ("fund", "政府性基金预算"),
    ("fund_transfer", "上级政府性基金安排的转移支付资金"),
    ("soe", "国有资本经营预算"),
    ("soe_transfer", "上级国有资本经营预算安排的转移支付资金"),
    ("special_account", "财政专户管理资金"),
    ("unit_funds", "单位资金"),
    ("fiscal_carryover", "财政拨款结转"),
    ("nonfiscal_carryover", "非财政拨款结转结余"),
]
#: Items printed even when nil (the standard package names them); others only when non-zero.
_ALWAYS = {
    "general",
    "general_transfer",
    "fund",
    "fund_transfer",
    "soe",
    "soe_transfer",
    "fiscal_carryover",
}


def m(v: Decimal) -> str:
    return format_amount(v)


def _p(*texts: str) -> list[Paragraph]:
    return [Paragraph(text=t) for t in texts if t]


def _sec(
    number: str,
    title: str,
    paras: list[Paragraph],
    subs: list[Section] | None = None,
    level: int = 1,
) -> Section:
    return Section(
        number=number, title=title, level=level, paragraphs=paras, subsections=subs or []
    )


def _v(table: Table | None, row: Row | None, key: str) -> Decimal:
    return row.value0(key) if (table is not None and row is not None) else ZERO


class _Writer:
    def __init__(self, inp: AuthoringInput) -> None:
        self.inp = inp
        self.doc: Document = inp.document
        md = self.doc.metadata
        self.full = md.full_name or md.department or "本部门"
        self.y = md.year or 0
        self.cat = load_catalog(self.y or 2024)

    # -- building blocks -----------------------------------------------------------------
    def t(self, type_: str) -> Table | None:
        return self.doc.table(type_)

    def total(self, type_: str, key: str, side: str | None = None) -> Decimal:
        table = self.t(type_)
        return _v(table, table.total_row(side) if table else None, key)  # type: ignore[arg-type]

    def change(self, ref: str, this: Decimal) -> str:
        """“，比上年预算增加 X 万元，增长 Y%” or empty when last year is unknown."""
        prior = self.inp.prior.get(ref)
        if prior is None:
            return ""
        x = this - prior
        if x >= 0:
            rate = percent(x, prior) if prior else (HUNDRED if x else ZERO)
            return f"，比上年预算增加 {m(x)} 万元，增长 {rate:.2f}%"
        return f"，比上年预算减少 {m(-x)} 万元，下降 {percent(-x, prior):.2f}%"

    def reason(self, ref: str) -> str:
        r = self.inp.reasons.get(ref)
        return f"，主要原因是{r.rstrip('。')}" if r else ""

    def share(self, part: Decimal, whole: Decimal) -> str:
        return f"，占 {percent(part, whole) or ZERO:.2f}%"

    # -- sections --------------------------------------------------------------------------
    def overall(self) -> Section:
        total = self.total("summary", "amount", "income")
        t1 = self.t("summary")
        sources = []
        if t1 is not None:
            names = {
                "general_budget": "一般公共预算",
                "fund_budget": "政府性基金预算",
                "soe_budget": "国有资本经营预算",
                "special_account": "财政专户管理资金",
                "unit_funds": "单位资金",
                "carryover": "财政拨款结转结余",
            }
            for key, name in names.items():
                row = t1.row_by_key(key, "income")
                if row is not None and row.value0("amount"):
                    sources.append(name)
        classes = self._classes("expenditure_summary", "total")
        paras = _p(
            f"按照全口径预算的原则，{self.full}{self.y} 年所有收入和支出均纳入部门预算管理。"
            f"收支总预算 {m(total)} 万元。",
            f"收入预算包括：{'、'.join(sources)}。" if sources else "",
            f"支出预算包括：{'、'.join(r.name for r in classes)}。" if classes else "",
        )
        return _sec("一", f"关于{self.full}{self.y} 年收支预算情况总体说明", paras)

    def _classes(self, type_: str, key: str, side: str | None = None) -> list[Row]:
        table = self.t(type_)
        if table is None:
            return []
        return [
            r
            for r in table.rows
            if r.code and len(r.code) == 3 and r.value0(key) and (side is None or r.side == side)
        ]

    def income(self) -> Section:
        whole = self.total("income_summary", "total")
        paras = _p(f"{self.full}部门收入预算 {m(whole)} 万元，其中：")
        for key, name in _INCOME_ITEMS:
            ref = f"income_summary:total:{key}"
            this = self.total("income_summary", key)
            prior = self.inp.prior.get(ref)
            if not this and not prior:
                if key in _ALWAYS and "transfer" in key:
                    paras += _p(f"{name}未安排。")
                elif key in _ALWAYS:
                    paras += _p(
                        f"{name} 0.00 万元，占 0.00%，比上年预算增加 0.00 万元，增长 "
                        f"0.00%{self.reason(ref) or '，主要原因是未安排此项预算'}。"
                    )
                continue
            paras += _p(
                f"{name} {m(this)} 万元{self.share(this, whole)}"
                f"{self.change(ref, this)}{self.reason(ref)}。"
            )
        return _sec("二", f"关于{self.full}{self.y} 年收入预算情况说明", paras)

    def expenditure(self) -> Section:
        whole = self.total("expenditure_summary", "total")
        paras = _p(f"{self.full}{self.y} 年支出预算 {m(whole)} 万元，其中：")
        for key, name in (("basic", "基本支出"), ("project", "项目支出")):
            ref = f"expenditure_summary:total:{key}"
            this = self.total("expenditure_summary", key)
            paras += _p(
                f"{name} {m(this)} 万元{self.share(this, whole)}"
                f"{self.change(ref, this)}{self.reason(ref)}。"
            )
        return _sec("三", f"关于{self.full}{self.y} 年支出预算情况说明", paras)

    def fiscal(self) -> Section:
        total = self.total("fiscal_summary", "total", "income")
        t4 = self.t("fiscal_summary")
        parts = []
        if t4 is not None:
            for key, name in (
                ("general", "一般公共预算拨款"),
                ("fund", "政府性基金预算拨款"),
                ("soe", "国有资本经营预算拨款"),
            ):
                row = t4.row_by_key(key, "income")
                if row is not None and row.value0("total"):
                    parts.append((name, row.value0("total")))
        if len(parts) == 1 and parts[0][0] == "一般公共预算拨款":
            lead = "收入全部为一般公共预算拨款，无政府性基金预算拨款和国有资本经营预算。"
        else:
            lead = ""
        uses = []
        for row in self._classes("fiscal_summary", "general", "expenditure"):
            purpose = self.inp.purposes.get(f"fiscal_summary.expenditure:code={row.code}:general")
            uses.append(
                f"{row.name} {m(row.value0('general'))} 万元"
                + (f"，主要用于{purpose.rstrip('。')}" if purpose else "")
            )
        paras = _p(
            f"{self.full}{self.y} 年财政拨款收支总预算 {m(total)} 万元。",
            lead,
            "收入预算包括：" + "，".join(f"{n} {m(v)} 万元" for n, v in parts) + "。"
            if parts
            else "",
            "一般公共预算支出包括：" + "；".join(uses) + "。" if uses else "",
        )
        return _sec("四", f"关于{self.full}{self.y} 年财政拨款收支预算情况的总体说明", paras)

    def general(self) -> Section:
        t5 = self.t("general_expenditure")
        whole = self.total("general_expenditure", "total")
        scale = _p(f"{self.full}{self.y} 年一般公共预算拨款合计 {m(whole)} 万元，其中：")
        for key, name in (("basic", "基本支出"), ("project", "项目支出")):
            ref = f"general_expenditure:total:{key}"
            this = self.total("general_expenditure", key)
            reason = self.inp.reasons.get(ref)
            scale += _p(
                f"{name} {m(this)} 万元{self.change(ref, this)}。"
                + (f"主要原因是{reason.rstrip('。')}。" if reason else "")
            )
        structure = _p(
            *(
                f"{i}、{r.name}（类）{m(r.value0('total'))} 万元{self.share(r.value0('total'), whole)}。"
                for i, r in enumerate(self._classes("general_expenditure", "total"), 1)
            )
        )
        items = []
        for i, (code, path, this) in enumerate(self._items(t5), 1):
            ref = f"general_expenditure:code={code}:total"
            reason = self.inp.reasons.get(ref)
            items.append(
                f"{i}、{path}：{self.y} 年预算数为 {m(this)} 万元{self.change(ref, this)}。"
                + (f"主要原因是{reason.rstrip('。')}。" if reason else "")
            )
        subs = [
            _sec("（一）", "一般公共预算当年拨款规模变化情况", scale, level=2),
            _sec("（二）", "一般公共预算当年拨款结构情况", structure, level=2),
            _sec("（三）", "一般公共预算当年拨款具体使用情况", _p(*items), level=2),
        ]
        return _sec("五", f"关于{self.full}{self.y} 年一般公共预算当年拨款情况说明", [], subs)

    def _items(self, t5: Table | None) -> list[tuple[str, str, Decimal]]:
        """Every 项 of 表5, plus the 项 that had money last year and none this year."""
        rows = {r.code: r for r in (t5.rows if t5 else []) if r.code}
        codes = {c for c in rows if len(c) == 7}
        for ref in self.inp.prior:
            m_ = re.match(r"^general_expenditure:code=(\d{7}):total$", ref)
            if m_:
                codes.add(m_.group(1))
        out = []
        for code in sorted(codes):
            names = []
            for part, level in ((code[:3], "类"), (code[:5], "款"), (code, "项")):
                row = rows.get(part)
                entry = self.cat.function.get(part)
                names.append(f"{row.name if row else (entry.name if entry else part)}（{level}）")
            this = rows[code].value0("total") if code in rows else ZERO
            out.append((code, "".join(names), this))
        return out

    def basic(self) -> Section:
        t6 = self.t("general_basic")
        whole = self.total("general_basic", "total")
        paras = _p(f"{self.full}{self.y} 年一般公共预算基本支出 {m(whole)} 万元，其中：")
        for key, name in (("personnel", "人员经费"), ("public", "公用经费")):
            items = [
                r.name
                for r in (t6.rows if t6 else [])
                if r.code and len(r.code) == 5 and r.value0(key)
            ]
            paras += _p(
                f"{name} {m(self.total('general_basic', key))} 万元"
                + (f"，主要包括：{'、'.join(items)}。" if items else "。")
            )
        return _sec("六", f"关于{self.full}{self.y} 年一般公共预算基本支出情况说明", paras)

    def _info(self, name: str) -> ProjectInfo | None:
        label = normalize_label(name).casefold()
        return next(
            (p for p in self.inp.projects if normalize_label(p.name).casefold() == label), None
        )

    def projects(self) -> Section:
        t7 = self.t("general_project")
        paras: list[Paragraph] = []
        rows = [r for r in (t7.rows if t7 else []) if r.kind == "project"]
        for i, r in enumerate(rows, 1):
            info = self._info(r.project or "")
            secret = bool(_SECRET.match(r.project or "")) or bool(info and info.secret)
            hidden = "完全不予公开。"
            alloc = (
                info.allocation
                if info and info.allocation
                else "、".join(
                    f"{_ECON_COLUMNS[k]} {m(a.value)} 万元"
                    for k, a in r.values.items()
                    if k in _ECON_COLUMNS and a.value
                )
            )
            paras += _p(
                f"（{cn_number(i)}）项目名称：{r.project}",
                f"设立的政策依据：{hidden if secret else (info.basis if info else '') or '略。'}",
                f"预算安排规模：{m(r.value0('total'))} 万元",
                f"项目承担单位：{r.unit_name or self.full}",
                f"资金分配情况：{hidden if secret else alloc.rstrip('。') + '。'}",
                f"资金执行时间：{hidden if secret else (info.period if info else '') or f'{self.y}年1月1日-{self.y}年12月31日。'}",
            )
        return _sec("七", f"关于{self.full}{self.y}年一般公共预算项目支出情况说明", paras)

    def _special(self, number: str, type_: str, what: str, title: str) -> Section:
        total = self.total(type_, "total")
        if total:
            text = f"{self.full}{self.y} 年{what}预算支出 {m(total)} 万元。"
        else:
            text = (
                f"{self.full}{self.y} 年没有使用{what}预算拨款安排的支出，"
                f"{what}预算支出情况表为空表。"
            )
        return _sec(number, f"关于{self.full}{self.y} 年{title}情况说明", _p(text))

    def three_public(self) -> Section:
        t10 = self.t("three_public")
        items = [
            ("outbound", "因公出国（境）费"),
            ("vehicle_purchase", "公务用车购置费"),
            ("vehicle_operation", "公务用车运行费"),
            ("reception", "公务接待费"),
        ]

        def val(key: str) -> Decimal:
            row = t10.row_by_key(key) if t10 else None
            return row.value0("total") if row else ZERO

        total = self.total("three_public", "total")
        paras = _p(
            f"{self.full}{self.y} 年财政拨款“三公”经费预算数为 {m(total)} 万元，其中："
            + "，".join(f"{n} {m(val(k))} 万元" for k, n in items)
            + "。"
        )
        tref = "three_public:total:total"
        if tref in self.inp.prior:
            clauses = []
            for k, n in items:
                ref = f"three_public:key={k}:total"
                ch = self.change(ref, val(k))
                if ch:
                    clauses.append(n + ch.replace("，比上年预算", "") + self.reason(ref))
            paras += _p(
                f"{self.y} 年财政拨款“三公”经费预算{self.change(tref, total)[1:]}"
                + (f"，其中：{'；'.join(clauses)}" if clauses else self.reason(tref))
                + "。"
            )
        return _sec("十", f"关于{self.full}{self.y} 年财政拨款“三公”经费预算情况说明", paras)

    def carryover(self) -> Section:
        t11 = self.t("carryover")
        total = self.total("carryover", "total")
        fiscal = self.total("carryover", "fiscal_total")
        nonfiscal = self.total("carryover", "nonfiscal_total")
        paras = _p(
            f"{self.full}{self.y} 年上年结转结余 {m(total)} 万元，包括：财政拨款 "
            f"{m(fiscal)} 万元，非财政拨款 {m(nonfiscal)} 万元，其中："
        )
        rows = [r for r in (t11.rows if t11 else []) if r.kind == "project"]
        for i, r in enumerate(rows, 1):
            name = r.project or r.name
            if _SECRET.match(name):
                tail = "完全不予公开"
            else:
                purpose = self.inp.carryover_purposes.get(name)
                tail = f"主要用于{purpose.rstrip('。')}" if purpose else f"主要用于{name}"
            paras += _p(f"{i}. {name} {m(r.value0('total'))} 万元，{tail}。")
        return _sec("十一", f"关于{self.full}{self.y} 年上年结转结余预算情况说明", paras)

    def other(self) -> Section:
        op_ref = "general_basic:total:public"
        op = (
            self.inp.operating_cost
            if self.inp.operating_cost is not None
            else self.total("general_basic", "public")
        )
        reason = self.inp.reasons.get(op_ref)
        subs = [
            _sec(
                "(一)",
                "单位运行经费情况",
                _p(
                    f"{self.full}{self.y} 年的机关运行经费财政拨款预算 {m(op)} 万元"
                    f"{self.change(op_ref, op)}。"
                    + (f"主要原因是{reason.rstrip('。')}。" if reason else "")
                ),
                level=2,
            )
        ]
        pr = self.inp.procurement
        if pr is not None:
            total = pr.goods + pr.works + pr.services
            texts = [
                f"{self.y} 年，{self.full}政府采购预算 {m(total)} 万元，其中：政府采购货物预算 "
                f"{m(pr.goods)} 万元，政府采购工程预算 {m(pr.works)} 万元，政府采购服务预算 "
                f"{m(pr.services)} 万元。"
            ]
            if pr.sme_reserved is not None:
                texts.append(
                    f"{self.y} 年，{self.full}面向中小企业预留政府采购项目预算金额 "
                    f"{m(pr.sme_reserved)} 万元"
                    + (
                        f"，小微企业预留政府采购项目预算金额 {m(pr.small_micro_reserved)} 万元"
                        if pr.small_micro_reserved is not None
                        else ""
                    )
                    + "。"
                )
        else:
            texts = [f"{self.y} 年，{self.full}未安排政府采购预算。"]
        subs.append(_sec("(二)", "政府采购情况", _p(*texts), level=2))
        subs.append(
            _sec(
                "(三)",
                "国有资产占用使用情况",
                _p(*(self.inp.assets or ["（由单位填写国有资产占用使用情况。）"])),
                level=2,
            )
        )
        t7 = self.t("general_project")
        projects = [r for r in (t7.rows if t7 else []) if r.kind == "project"]
        secret = [r for r in projects if _SECRET.match(r.project or "")]
        secret_sum = sum((r.value0("total") for r in secret), ZERO)
        t1_total = self.total("summary", "amount", "income")
        t7_total = self.total("general_project", "total")
        perf = (
            f"{self.y} 年，本部门预算绩效管理整体预算绩效目标 1 个，涉及金额 {m(t1_total)} "
            f"万元；当年财政拨款项目 {len(projects)} 个，涉及预算金额 {m(t7_total)} 万元"
            + (
                f"，其中有 {len(secret)} 个涉密项目，涉及预算资金 {m(secret_sum)} 万元"
                if secret
                else ""
            )
            + "；当年非财政拨款项目 0 个，涉及预算金额 0.00 万元。"
        )
        subs.append(_sec("(四)", "预算绩效情况", _p(perf), level=2))
        t11 = self.t("carryover")
        carry = [r for r in (t11.rows if t11 else []) if r.kind == "project"]
        others = []
        if secret:
            others.append(
                f"{self.y} 年，本单位有 {len(secret)} 个当年财政拨款涉密项目，涉及预算资金 "
                f"{m(secret_sum)} 万元，项目绩效目标表完全不予公开。"
            )
        if carry:
            others.append(
                f"上年结转结余项目 {len(carry)} 个，涉及预算资金 "
                f"{m(self.total('carryover', 'total'))} 万元。"
            )
        subs.append(_sec("(五)", "其他需说明的事项", _p(" ".join(others) or "无。"), level=2))
        return _sec("十二", "其他重要事项的情况说明", [], subs)

    def sections(self) -> list[Section]:
        return [
            self.overall(),
            self.income(),
            self.expenditure(),
            self.fiscal(),
            self.general(),
            self.basic(),
            self.projects(),
            self._special("八", "fund_expenditure", "政府性基金", "政府性基金预算拨款"),
            self._special("九", "soe_expenditure", "国有资本经营", "国有资本经营预算拨款"),
            self.three_public(),
            self.carryover(),
            self.other(),
        ]


def compose(inp: AuthoringInput) -> Document:
    """The input's document with 第三部分 written from its tables and last year's figures."""
    doc = inp.document.model_copy(deep=True)
    doc.explanation = _Writer(inp.model_copy(update={"document": doc})).sections()
    return doc
