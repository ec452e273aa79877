"""第一部分 and 第三部分 of a generated disclosure, written from the figures in the sample's style.

Every stated share and growth rate is computed here from the figures stated next to it, with the
published rounding (0.01 %, half up): a share is ``part ÷ base`` where the base is stated in the
section's lead sentence (“… X 万元，其中：”); a change is written “比上年预算增加/减少 X 万元，
增长/下降 Y%” with ``Y = X ÷ prior`` (``prior`` = this year − X for an increase, this year + X for
a decrease) and “增长 100.00%” for an item new this year. The tests recompute all of them from
the text alone.
"""

from __future__ import annotations

import random
from decimal import Decimal

from cnbudget.example.data import (
    CLASS_PURPOSE,
    DEPARTMENT_INDICATORS,
    ECONOMIC_NAMES,
    EFFECT_INDICATORS,
    FUNCTION_NAMES,
    OUTPUT_INDICATORS,
)
from cnbudget.example.figures import ZERO, Figures, Project
from cnbudget.example.tables import amount, empty_sentence
from cnbudget.model import Indicator, Paragraph, PerformanceTable, Section
from cnbudget.money import format_amount, percent
from cnbudget.outputs.text import cn_number

HUNDRED = Decimal("100.00")

_ECON_ALLOC = {"e302": "委托业务费", "e310": "信息网络及软件购置更新", "e312": "其他对企业补助"}


def m(v: Decimal) -> str:
    """An amount as stated in the narrative: ``1,234.50``."""
    return format_amount(v)


def share(part: Decimal, base: Decimal) -> str:
    return f"{m(part)} 万元，占 {percent(part, base) or ZERO:.2f}%"


def growth(this: Decimal, prior: Decimal) -> str:
    """“比上年预算增加 X 万元，增长 Y%” with Y = X ÷ prior; a new item grows 100.00%."""
    x = this - prior
    if x >= 0:
        rate = percent(x, prior) if prior else (HUNDRED if x else ZERO)
        return f"比上年预算增加 {m(x)} 万元，增长 {rate:.2f}%"
    return f"比上年预算减少 {m(-x)} 万元，下降 {percent(-x, prior):.2f}%"


def _reason(rng: random.Random, this: Decimal, prior: Decimal, up: str, down: str) -> str:
    if not prior and this:
        return "本年新增此项预算"
    if this == prior:
        return "本年预算安排与上年一致" if this else "未安排此项预算"
    if not this:
        return "本年未安排此项预算"
    return up if this > prior else down


def _p(*texts: str) -> list[Paragraph]:
    return [Paragraph(text=t) for t in texts]


def _sec(
    number: str, title: str, paras: list[Paragraph], subs: list[Section] | None = None
) -> Section:
    level = 2 if number.startswith("（") else 1
    return Section(
        number=number, title=title, level=level, paragraphs=paras, subsections=subs or []
    )


# -- 第一部分 -----------------------------------------------------------------------------------
def overview(f: Figures) -> list[Section]:
    """主要职能 and 机构设置及人员情况 (units list, staffing sentence)."""
    full, y = f.full_name, f.year
    subs = f.units[1:]
    active = sum(u.active for u in f.units)
    retired = sum(u.retired for u in f.units)
    lixiu = sum(u.lixiu for u in f.units)
    people = []
    for label, n, d in (("在职", active, f.changes[0]), ("退休", retired, f.changes[1])):
        people.append(f"{label} {n} 人，{'增加' if d >= 0 else '减少'} {abs(d)} 人")
    d = f.changes[2]
    people.append(f"离休 {lixiu} 人，" + ("持平" if d == 0 else f"减少 {-d} 人"))
    staffing = (
        f"{full}编制数 {f.authorized}，实有人数 {active + retired + lixiu} 人，其中："
        + "；".join(people)
        + "。"
    )
    units = [f"1、{full}（本级）", *(f"{i}、{u.name}" for i, u in enumerate(subs, 2))]
    paras = _p(
        f"从预算单位构成看，{full}的预算包括：{full}本级预算及下属 {len(subs)} 家预算单位在内的汇总预算。",
        f"{full}本级下设 {len(f.offices)} 个处室，分别是：{'、'.join(f.offices)}。",
        f"本部门中，行政单位 1 家，事业单位 {len(subs)} 家，纳入{full}{y}年部门预算编制范围的下属预算单位包括：",
        *units,
        staffing,
    )
    return [
        _sec("一", "主要职能", _p(f.template.functions)),
        _sec("二", "机构设置及人员情况", paras),
    ]


# -- 第三部分 -----------------------------------------------------------------------------------
def _income(f: Figures, rng: random.Random) -> list[Paragraph]:
    full, total = f.full_name, f.total
    out = [f"{full}部门收入预算 {m(total)} 万元，其中："]
    rows = (
        ("一般公共预算", f.general_own, f.prior_general_own, True),
        ("上级一般公共预算安排的转移支付资金", f.general_transfer, f.prior_transfer, False),
        ("政府性基金预算", f.fund, f.prior_fund, True),
        ("上级政府性基金安排的转移支付资金", ZERO, ZERO, False),
        ("国有资本经营预算", ZERO, ZERO, True),
        ("上级国有资本经营预算安排的转移支付资金", ZERO, ZERO, False),
        ("财政拨款结转", f.carry, f.prior_carry, True),
    )
    for name, this, prior, always in rows:
        if not this and not prior and not always:
            out.append(f"{name}未安排。")
            continue
        why = _reason(
            rng, this, prior, "新增业务项目和人员经费标准调整", "压减一般性支出和已完结项目"
        )
        out.append(f"{name} {share(this, total)}，{growth(this, prior)}，主要原因是{why}。")
    return _p(*out)


def _expenditure(f: Figures, rng: random.Random) -> list[Paragraph]:
    total = f.total
    basic_why = _reason(
        rng,
        f.basic,
        f.prior_basic,
        "在职人员工资标准调整，人员经费增加",
        "人员减少，人员经费相应减少",
    )
    proj_why = _reason(
        rng, f.project, f.prior_project, "新增重点项目和结转项目", "部分项目完结，项目支出减少"
    )
    return _p(
        f"{f.full_name}{f.year} 年支出预算 {m(total)} 万元，其中：",
        f"基本支出 {share(f.basic, total)}，{growth(f.basic, f.prior_basic)}，主要原因是{basic_why}。",
        f"项目支出 {share(f.project, total)}，{growth(f.project, f.prior_project)}，主要原因是{proj_why}。",
    )


def _fiscal(f: Figures) -> list[Paragraph]:
    full, y = f.full_name, f.year
    fiscal = f.general + f.fund
    general_classes: dict[str, Decimal] = {}
    fund_classes: dict[str, Decimal] = {}
    for code, it in f.items.items():
        if it.general:
            general_classes[code[:3]] = general_classes.get(code[:3], ZERO) + it.general
        if it.fund_project:
            fund_classes[code[:3]] = fund_classes.get(code[:3], ZERO) + it.fund_project
    income = f"一般公共预算拨款 {m(f.general)} 万元"
    if f.fund:
        income += f"，政府性基金预算拨款 {m(f.fund)} 万元"
        kinds = "收入包括一般公共预算拨款和政府性基金预算拨款，无国有资本经营预算拨款。"
    else:
        kinds = "收入全部为一般公共预算拨款，无政府性基金预算拨款和国有资本经营预算拨款。"
    uses = "；".join(
        f"{FUNCTION_NAMES[c]} {m(v)} 万元，主要用于{CLASS_PURPOSE[c]}"
        for c, v in general_classes.items()
    )
    paras = [
        f"{full}{y} 年财政拨款收支总预算 {m(fiscal)} 万元。",
        kinds,
        f"收入预算包括：{income}。",
        f"一般公共预算支出包括：{uses}。",
    ]
    if fund_classes:
        fund_uses = "；".join(
            f"{FUNCTION_NAMES[c]} {m(v)} 万元，主要用于{CLASS_PURPOSE[c]}"
            for c, v in fund_classes.items()
        )
        paras.append(f"政府性基金预算支出包括：{fund_uses}。")
    return _p(*paras)


def _general(f: Figures, rng: random.Random) -> list[Section]:
    full, y = f.full_name, f.year
    g = f.general
    basic_why = _reason(
        rng,
        f.basic,
        f.prior_basic,
        "在职人员工资标准调整，人员经费增加",
        "人员减少，人员经费相应减少",
    )
    proj_why = _reason(
        rng,
        f.general_project,
        f.prior_general_project,
        "新增业务工作任务，项目支出增加",
        "按照厉行节约要求压减项目支出",
    )
    scale = _p(
        f"{full}{y} 年一般公共预算拨款合计 {m(g)} 万元，其中：",
        f"基本支出 {m(f.basic)} 万元，{growth(f.basic, f.prior_basic)}。主要原因是{basic_why}。",
        f"项目支出 {m(f.general_project)} 万元，{growth(f.general_project, f.prior_general_project)}。"
        f"主要原因是{proj_why}。",
    )
    classes: dict[str, Decimal] = {}
    for code, it in f.items.items():
        if it.general:
            classes[code[:3]] = classes.get(code[:3], ZERO) + it.general
    structure = _p(
        f"{full}{y} 年一般公共预算当年拨款 {m(g)} 万元，其中：",
        *(
            f"{i}、{FUNCTION_NAMES[c]}（类）{share(v, g)}。"
            for i, (c, v) in enumerate(classes.items(), 1)
        ),
    )
    details = []
    codes = sorted(set(f.prior_general) | {c for c, it in f.items.items() if it.general})
    for i, code in enumerate(codes, 1):
        it = f.items.get(code)
        this = it.general if it else ZERO
        prior = f.prior_general.get(code, ZERO)
        why = _reason(rng, this, prior, "业务工作量增加，相应增加预算", "按照厉行节约要求压减支出")
        names = f"{FUNCTION_NAMES[code[:3]]}（类）{FUNCTION_NAMES[code[:5]]}（款）{FUNCTION_NAMES[code]}（项）"
        details.append(
            f"{i}、{names}：{y} 年预算数为 {m(this)} 万元，{growth(this, prior)}。主要原因是{why}。"
        )
    return [
        _sec("（一）", "一般公共预算当年拨款规模变化情况", scale),
        _sec("（二）", "一般公共预算当年拨款结构情况", structure),
        _sec("（三）", "一般公共预算当年拨款具体使用情况", _p(*details)),
    ]


def _basic(f: Figures) -> list[Paragraph]:
    econ = sorted({k for u in f.units for k in u.econ})
    personnel = "、".join(ECONOMIC_NAMES[k] for k in econ if not k.startswith("302"))
    public = "、".join(ECONOMIC_NAMES[k] for k in econ if k.startswith("302"))
    return _p(
        f"{f.full_name}{f.year} 年一般公共预算基本支出 {m(f.basic)} 万元，其中：",
        f"人员经费 {m(f.personnel)} 万元，主要包括：{personnel}。",
        f"公用经费 {m(f.public)} 万元，主要包括：{public}。",
    )


def _allocation(p: Project) -> str:
    return "、".join(f"{_ECON_ALLOC[k]} {m(v)} 万元" for k, v in p.econ.items() if v)


def _projects(f: Figures) -> list[Paragraph]:
    y = f.year
    out = [
        f"{f.full_name}{y} 年一般公共预算项目支出 {m(f.general_project)} 万元，"
        f"共 {len(f.projects)} 个项目，具体情况如下："
    ]
    for i, p in enumerate(f.projects, 1):
        out.append(f"（{cn_number(i)}）项目名称：{p.name}。设立的政策依据：{p.basis}，安排本项目。")
        out.append(
            f"预算安排规模：{m(p.amount)} 万元；项目承担单位：{p.unit}；资金分配情况：{_allocation(p)}；"
            f"资金执行时间：{y} 年 1 月 1 日-{y} 年 12 月 31 日。"
        )
    return _p(*out)


def _fund(f: Figures) -> list[Paragraph]:
    if not f.fund:
        return _p(empty_sentence(f, "政府性基金"))
    names = "、".join(fp.name for fp in f.fund_projects)
    return _p(
        f"{f.full_name}{f.year} 年政府性基金预算拨款支出 {m(f.fund)} 万元，"
        f"{growth(f.fund, f.prior_fund)}。主要用于{names}。"
    )


_THREE = (
    ("outbound", "因公出国（境）费"),
    ("vehicle_purchase", "公务用车购置费"),
    ("vehicle_operation", "公务用车运行费"),
    ("reception", "公务接待费"),
)


def _three_public(f: Figures, rng: random.Random) -> list[Paragraph]:
    full, y = f.full_name, f.year
    tp = f.three_public
    total = sum((v for v, _ in tp.values()), ZERO)
    prior = sum((p for _, p in tp.values()), ZERO)
    parts = "，".join(f"{name} {m(tp[k][0])} 万元" for k, name in _THREE)
    out = [
        f"{full}{y} 年财政拨款“三公”经费预算数为 {m(total)} 万元，其中：{parts}。",
        f"{y} 年财政拨款“三公”经费预算 {m(total)} 万元，{growth(total, prior)}，具体情况如下：",
    ]
    for k, name in _THREE:
        this, before = tp[k]
        why = _reason(rng, this, before, "公务活动安排增加", "严格执行厉行节约规定压减支出")
        out.append(f"{name} {m(this)} 万元，{growth(this, before)}，主要原因是{why}。")
    return _p(*out)


def _carryover(f: Figures) -> list[Paragraph]:
    out = [
        f"{f.full_name}{f.year} 年上年结转结余 {m(f.carry)} 万元，包括：财政拨款 {m(f.carry)} 万元，"
        "非财政拨款 0.00 万元，其中："
    ]
    out += [
        f"{i}. {c.name} {m(c.amount)} 万元，主要用于{c.purpose}。"
        for i, c in enumerate(f.carries, 1)
    ]
    return _p(*out)


def _other(f: Figures, rng: random.Random) -> list[Section]:
    full, y = f.full_name, f.year
    why = _reason(
        rng,
        f.public,
        f.prior_public,
        "办公用房维修及日常运转费用增加",
        "压减会议、培训等一般性支出",
    )
    running = _p(
        f"{full}{y} 年的机关运行经费财政拨款预算 {m(f.public)} 万元，"
        f"{growth(f.public, f.prior_public)}。主要原因是{why}。"
    )
    goods, works, services, sme, small = f.procurement
    proc = goods + works + services
    purchase = _p(
        f"{y} 年，{full}政府采购预算 {m(proc)} 万元，其中：政府采购货物预算 {m(goods)} 万元，"
        f"政府采购工程预算 {m(works)} 万元，政府采购服务预算 {m(services)} 万元。",
        f"{y} 年，{full}面向中小企业预留政府采购项目预算金额 {m(sme)} 万元，"
        f"其中：预留给小微企业的政府采购项目预算金额 {m(small)} 万元。",
    )
    a = f.assets
    n_cars = int(a["cars_general"]) + int(a["cars_law"]) + int(a["cars_other"])
    car_value = (
        Decimal(a["car_value_general"])
        + Decimal(a["car_value_law"])
        + Decimal(a["car_value_other"])
    )
    assets = _p(
        f"截至 {y - 1} 年底，{full}占用使用国有资产总体情况为：",
        f"1. 房屋 {m(Decimal(a['area']))} 平方米，价值 {m(Decimal(a['house']))} 万元。",
        f"2. 车辆 {n_cars} 辆，价值 {m(car_value)} 万元；其中：一般公务用车 {a['cars_general']} 辆，"
        f"价值 {m(Decimal(a['car_value_general']))} 万元；执法执勤用车 {a['cars_law']} 辆，"
        f"价值 {m(Decimal(a['car_value_law']))} 万元；其他车辆 {a['cars_other']} 辆，"
        f"价值 {m(Decimal(a['car_value_other']))} 万元。",
        f"3. 办公家具价值 {m(Decimal(a['furniture']))} 万元。",
        f"4. 其他资产价值 {m(Decimal(a['other']))} 万元。",
        f"单位价值 50 万元以上大型设备 {a['big50']} 台，单位价值 100 万元以上大型设备 {a['big100']} 台。",
        f"{y} 年部门预算未安排购置车辆经费，安排购置 50 万元以上大型设备 0 台，"
        "单位价值 100 万元以上大型设备 0 台。",
    )
    perf = _p(
        f"{y} 年，本部门预算绩效管理整体预算绩效目标 1 个，涉及金额 {m(f.total)} 万元；"
        f"当年一般公共预算项目 {len(f.projects)} 个，涉及预算金额 {m(f.general_project)} 万元；"
        f"当年政府性基金预算项目 {len(f.fund_projects)} 个，涉及预算金额 {m(f.fund)} 万元；"
        "当年非财政拨款项目 0 个，涉及预算金额 0.00 万元。具体情况见下表（按项目分别填报）："
    )
    other = _p(
        f"{y} 年，本部门上年结转结余项目 {len(f.carries)} 个，涉及预算资金 {m(f.carry)} 万元。"
    )
    return [
        _sec("（一）", "单位运行经费情况", running),
        _sec("（二）", "政府采购情况", purchase),
        _sec("（三）", "国有资产占用使用情况", assets),
        _sec("（四）", "预算绩效情况", perf),
        _sec("（五）", "其他需说明的事项", other),
    ]


def explanation(f: Figures, rng: random.Random) -> list[Section]:
    """第三部分 sections 一 to 十二 with the subsections of 五 and 十二."""
    full, y = f.full_name, f.year
    sources = ["一般公共预算"]
    if f.general_transfer:
        sources.append("上级一般公共预算安排的转移支付")
    if f.fund:
        sources.append("政府性基金预算")
    sources.append("财政拨款结转结余")
    classes = []
    for code, it in f.items.items():
        name = FUNCTION_NAMES[code[:3]]
        if it.total and name not in classes:
            classes.append(name)
    about = f"关于{full}{y} 年"
    return [
        _sec(
            "一",
            f"{about}收支预算情况总体说明",
            _p(
                f"按照全口径预算的原则，{full}{y} 年所有收入和支出均纳入部门预算管理。"
                f"收支总预算 {m(f.total)} 万元。",
                f"收入预算包括：{'、'.join(sources)}。",
                f"支出预算包括：{'、'.join(classes)}。",
            ),
        ),
        _sec("二", f"{about}收入预算情况说明", _income(f, rng)),
        _sec("三", f"{about}支出预算情况说明", _expenditure(f, rng)),
        _sec("四", f"{about}财政拨款收支预算情况的总体说明", _fiscal(f)),
        _sec("五", f"{about}一般公共预算当年拨款情况说明", [], _general(f, rng)),
        _sec("六", f"{about}一般公共预算基本支出情况说明", _basic(f)),
        _sec("七", f"{about}一般公共预算项目支出情况说明", _projects(f)),
        _sec("八", f"{about}政府性基金预算拨款情况说明", _fund(f)),
        _sec("九", f"{about}国有资本经营预算拨款情况说明", _p(empty_sentence(f, "国有资本经营"))),
        _sec("十", f"{about}财政拨款“三公”经费预算情况说明", _three_public(f, rng)),
        _sec("十一", f"{about}上年结转结余预算情况说明", _carryover(f)),
        _sec("十二", "其他重要事项的情况说明", [], _other(f, rng)),
    ]


# -- performance-target tables ------------------------------------------------------------------
Target = tuple[str | None, Decimal | None, str | None]
NO_TARGET: Target = (None, None, None)


def _target(comp: str, value: str, unit: str) -> tuple[str, Target]:
    """A printed target (“≥12 次”) and its parts, the comparator folded to ASCII as read."""
    text = f"{comp}{value}{' ' if unit != '%' else ''}{unit}"
    return text, ({"≥": ">=", "≤": "<="}.get(comp, comp), Decimal(value), unit)


def _indicators(rows: list[tuple[list[str], Target]], project: bool) -> list[Indicator]:
    """Indicators as the reader yields them: 一级/二级 names printed once per group.

    ``raw`` holds the printed cells (repeated names left blank); the fields hold the names
    carried down, as the reader fills them in.
    """
    out: list[Indicator] = []
    prev: list[str] = ["", ""]
    for cells, (comparator, value, unit) in rows:
        raw = list(cells)
        if cells[0] == prev[0]:
            raw[0] = ""
            if cells[1] == prev[1]:
                raw[1] = ""
        prev = cells[:2]
        ind = Indicator(
            level1=cells[0],
            level2=cells[1],
            level3=cells[2],
            target_text=cells[3],
            comparator=comparator,  # type: ignore[arg-type]
            target_value=value,
            target_unit=unit,
            basis=cells[4],
            raw=raw,
        )
        if project:
            ind.last_year = cells[5] or None
            ind.weight = Decimal(cells[6])
            ind.scoring_rule = cells[7]
            ind.evidence = cells[8]
        else:
            ind.weight = Decimal(cells[5])
        out.append(ind)
    return out


def _project_table(f: Figures, p: Project, rng: random.Random) -> PerformanceTable:
    rows: list[tuple[list[str], Target]] = []
    for i in sorted(rng.sample(range(len(OUTPUT_INDICATORS)), 3)):
        l2, l3, comp, value, unit = OUTPUT_INDICATORS[i]
        text, target = _target(comp, value, unit)
        last = text.lstrip("<>=≥≤")
        rows.append(
            (
                ["产出指标", l2, l3, text, "计划标准", last, "20", "按照完成比例赋分", "工作资料"],
                target,
            )
        )
    l2, l3, effect = rng.choice(EFFECT_INDICATORS)
    rows.append(
        (
            ["效益指标", l2, l3, effect, "自定义", effect, "30", "按评判等级赋分", "工作资料"],
            NO_TARGET,
        )
    )
    text, target = _target(">=", "90", "%")
    cells = ["满意度指标", "满意度指标", "服务对象满意度", text, "计划标准", "90%", "10"]
    rows.append(([*cells, "满意度赋分", "工作资料"], target))
    return PerformanceTable(
        kind="project",
        year=f.year,
        unit_name=p.unit,
        project_name=p.name,
        owner=p.owner,
        amounts={"total": amount(p.amount), "fiscal": amount(p.amount), "other": amount(ZERO)},
        goal=(
            f"{f.year} 年内完成{p.name}的各项工作任务，保障相关业务正常开展，"
            "资金使用合规、绩效目标按期实现。"
        ),
        indicators=_indicators(rows, project=True),
    )


def performance(f: Figures, rng: random.Random) -> list[PerformanceTable]:
    """部门整体绩效目标表 and 项目支出绩效目标表 of the selected 表7 projects."""
    rows: list[tuple[list[str], Target]] = []
    for l1, l2, l3, comp, value, unit in DEPARTMENT_INDICATORS:
        text, target = _target(comp, value, unit)
        rows.append(([l1, l2, l3, text, f"{f.year} 年工作计划", "20"], target))
    dept = PerformanceTable(
        kind="department",
        year=f.year,
        unit_name=f.full_name,
        owner=f.dept_owner,
        phone=f.dept_phone,
        amounts={
            "upper": amount(f.general_transfer),
            "own": amount(f.general_own + f.fund),
            "other": amount(f.carry),
        },
        goal=(
            f"围绕{f.year} 年重点工作任务，全面履行部门职责，严格预算执行，"
            "提升财政资金使用效益和公共服务水平。"
        ),
        indicators=_indicators(rows, project=False),
    )
    return [dept, *(_project_table(f, p, rng) for p in f.perf_projects)]
