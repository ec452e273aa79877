"""The base data of a fictional department, drawn from a seed, from which every table is summed.

Why bottom-up: a generated disclosure is only useful as a benchmark if every identity holds
*exactly*. So the generator draws the smallest facts (per-unit economic amounts of 基本支出,
projects, fund projects, carry-over projects, prior-year figures) as ``Decimal`` with two places,
and every printed figure is a sum of these facts: 项 → 款 → 类 → 合计, 基本 + 项目 → 合计, and the
same facts feed 表1 … 表11 and the narrative, so cross-table identities cannot drift.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from cnbudget.example.data import (
    FUND_CODES,
    FUND_PROJECT_NAMES,
    PEOPLE,
    PROJECT_BASIS,
    PROJECT_NAMES,
    TEMPLATES,
    Template,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def cents(rng: random.Random, lo: int, hi: int) -> Decimal:
    """A random amount between ``lo`` and ``hi`` cents, exact to the cent."""
    return Decimal(rng.randint(lo, hi)).scaleb(-2)


def per_head(rng: random.Random, heads: int, lo: int, hi: int) -> Decimal:
    """``heads`` × a random rate in cents: staff-driven amounts (salaries, contributions)."""
    return Decimal(heads * rng.randint(lo, hi)).scaleb(-2)


def vary(rng: random.Random, value: Decimal, lo_pct: int, hi_pct: int) -> Decimal:
    """``value`` scaled by a random percentage, rounded to the cent: a plausible prior year."""
    return (value * rng.randint(lo_pct, hi_pct) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Unit:
    """A budget unit (预算单位) with its staff and its 基本支出 by economic 款."""

    name: str
    is_self: bool
    active: int
    retired: int
    lixiu: int
    econ: dict[str, Decimal] = field(default_factory=dict)


@dataclass(slots=True)
class Project:
    """A current-year general-budget project (表7 row): economic split sums to ``amount``."""

    unit: str
    code: str
    name: str
    econ: dict[str, Decimal]
    transfer: bool
    basis: str
    owner: str

    @property
    def amount(self) -> Decimal:
        return sum(self.econ.values(), ZERO)


@dataclass(slots=True)
class FundProject:
    """A government-fund project (表8), spent as 项目支出."""

    code: str
    name: str
    amount: Decimal


@dataclass(slots=True)
class Carry:
    """A carried-over project (表11): 财政拨款结转 from the general budget or from the fund."""

    unit: str
    code: str
    name: str
    amount: Decimal
    fund: bool
    purpose: str


@dataclass(slots=True)
class Item:
    """Money of one function 项 by source and kind; every coded table row is a sum of these."""

    basic: Decimal = ZERO
    own_project: Decimal = ZERO
    transfer_project: Decimal = ZERO
    fund_project: Decimal = ZERO
    carry_general: Decimal = ZERO
    carry_fund: Decimal = ZERO

    @property
    def general(self) -> Decimal:
        """一般公共预算 (本级 + 上级转移支付): 表5 合计 of the 项."""
        return self.basic + self.own_project + self.transfer_project

    @property
    def project(self) -> Decimal:
        """All 项目支出 of the 项 (表3): general projects, fund projects and carry-over."""
        return (
            self.own_project
            + self.transfer_project
            + self.fund_project
            + self.carry_general
            + self.carry_fund
        )

    @property
    def total(self) -> Decimal:
        return self.basic + self.project


@dataclass
class Figures:
    """Everything a generated disclosure states, before it is laid out as tables and text.

    The figures are final once drawn, so the totals are cached properties: tables and narrative
    ask for them many times and generation must stay fast (benchmarks build 1,000 documents).
    """

    year: int
    template: Template
    full_name: str
    units: list[Unit]
    authorized: int
    changes: tuple[int, int, int]
    offices: list[str]
    projects: list[Project]
    fund_projects: list[FundProject]
    carries: list[Carry]
    items: dict[str, Item]
    prior_general: dict[str, Decimal]
    prior_fund: Decimal
    prior_carry: Decimal
    prior_public: Decimal
    three_public: dict[str, tuple[Decimal, Decimal]]
    procurement: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]
    assets: dict[str, Decimal | int]
    perf_projects: list[Project]
    dept_owner: str
    dept_phone: str
    publication_date: dt.date
    #: Last year's figures of the same department when this year restates them (a series);
    #: ``None`` when the prior-year figures were drawn on their own.
    previous: Figures | None = None

    # -- totals used across tables and text ------------------------------------------------
    def econ_total(self, code: str) -> Decimal:
        return sum((u.econ.get(code, ZERO) for u in self.units), ZERO)

    @cached_property
    def general_own(self) -> Decimal:
        return sum((i.basic + i.own_project for i in self.items.values()), ZERO)

    @cached_property
    def general_transfer(self) -> Decimal:
        return sum((i.transfer_project for i in self.items.values()), ZERO)

    @cached_property
    def general(self) -> Decimal:
        return self.general_own + self.general_transfer

    @cached_property
    def fund(self) -> Decimal:
        return sum((i.fund_project for i in self.items.values()), ZERO)

    @cached_property
    def carry_general(self) -> Decimal:
        return sum((i.carry_general for i in self.items.values()), ZERO)

    @cached_property
    def carry_fund(self) -> Decimal:
        return sum((i.carry_fund for i in self.items.values()), ZERO)

    @cached_property
    def carry(self) -> Decimal:
        return self.carry_general + self.carry_fund

    @cached_property
    def basic(self) -> Decimal:
        return sum((i.basic for i in self.items.values()), ZERO)

    @cached_property
    def general_project(self) -> Decimal:
        return sum((i.own_project + i.transfer_project for i in self.items.values()), ZERO)

    @cached_property
    def project(self) -> Decimal:
        return sum((i.project for i in self.items.values()), ZERO)

    @cached_property
    def total(self) -> Decimal:
        return self.basic + self.project

    @cached_property
    def personnel(self) -> Decimal:
        return sum(
            (v for u in self.units for k, v in u.econ.items() if not k.startswith("302")), ZERO
        )

    @cached_property
    def public(self) -> Decimal:
        return sum((v for u in self.units for k, v in u.econ.items() if k.startswith("302")), ZERO)

    # -- prior year ----------------------------------------------------------------------------
    @cached_property
    def basic_codes(self) -> set[str]:
        return {c for c, i in self.items.items() if i.basic}

    @cached_property
    def prior_transfer(self) -> Decimal:
        if self.previous is not None:
            return self.previous.general_transfer
        t = self.template.transfer_code
        return self.prior_general.get(t, ZERO) if t else ZERO

    @cached_property
    def prior_general_own(self) -> Decimal:
        return sum(self.prior_general.values(), ZERO) - self.prior_transfer

    @cached_property
    def prior_basic(self) -> Decimal:
        if self.previous is not None:
            return self.previous.basic
        return sum((v for c, v in self.prior_general.items() if c in self.basic_codes), ZERO)

    @cached_property
    def prior_general_project(self) -> Decimal:
        return sum(self.prior_general.values(), ZERO) - self.prior_basic

    @cached_property
    def prior_project(self) -> Decimal:
        return self.prior_general_project + self.prior_fund + self.prior_carry


# -- drawing ---------------------------------------------------------------------------------
def _unit_econ(rng: random.Random, u: Unit) -> None:
    """基本支出 of one unit by economic 款: staff-driven personnel costs, modest public costs."""
    n, e = u.active, u.econ
    e["30101"] = per_head(rng, n, 280, 420)
    e["30102"] = per_head(rng, n, 200, 350)
    e["30103"] = per_head(rng, n, 80, 260)
    if not u.is_self:
        e["30107"] = per_head(rng, n, 150, 300)
    e["30108"] = per_head(rng, n, 140, 190)
    e["30110"] = per_head(rng, n, 90, 150)
    if u.is_self:
        e["30111"] = per_head(rng, n, 30, 50)
    e["30112"] = per_head(rng, n, 2, 6)
    e["30113"] = per_head(rng, n, 110, 160)
    e["30199"] = per_head(rng, n, 20, 70)
    e["30201"] = per_head(rng, n, 30, 80)
    e["30202"] = cents(rng, 50, 300)
    e["30207"] = cents(rng, 100, 600)
    e["30211"] = cents(rng, 100, 800)
    e["30213"] = cents(rng, 30, 500)
    e["30216"] = cents(rng, 50, 300)
    if u.is_self:
        e["30217"] = cents(rng, 30, 200)
        if rng.random() < 0.3:
            e["30212"] = cents(rng, 300, 1500)
    e["30226"] = cents(rng, 200, 3000)
    e["30228"] = per_head(rng, n, 15, 25)
    e["30229"] = per_head(rng, n, 20, 40)
    if u.is_self or rng.random() < 0.4:
        e["30231"] = cents(rng, 300, 2500)
    e["30299"] = cents(rng, 100, 1200)
    if u.lixiu:
        e["30301"] = per_head(rng, u.lixiu, 1000, 2000)
    if u.retired:
        e["30302"] = per_head(rng, u.retired, 60, 120)
        e["30307"] = per_head(rng, u.retired, 5, 10)
    if rng.random() < 0.3:
        e["30305"] = cents(rng, 100, 1000)
    if rng.random() < 0.3:
        e["30399"] = cents(rng, 50, 500)


def basic_by_code(u: Unit, t: Template) -> dict[str, Decimal]:
    """Map a unit's economic 款 to function 项: the 基本支出 side of 表2, 表3 and 表5."""
    e = u.econ
    admin = u.is_self
    parts = {
        "2080505": e["30108"],
        ("2101101" if admin else "2101102"): e["30110"] + e.get("30111", ZERO),
        "2210201": e["30113"],
        ("2080501" if admin else "2080502"): e.get("30301", ZERO) + e.get("30302", ZERO),
    }
    rest = sum(e.values(), ZERO) - sum(parts.values(), ZERO)
    parts[t.admin_run if admin else t.inst_run] = rest
    return {k: v for k, v in parts.items() if v}


def _project(
    rng: random.Random, unit: str, code: str, *, transfer: bool, year: int, owner: str
) -> Project:
    amount = cents(rng, 300, 30000) if rng.random() < 0.85 else cents(rng, 30000, 250000)
    if transfer:
        econ = {"e312": amount}
    elif rng.random() < 0.3:
        capital = vary(rng, amount, 20, 60)
        econ = {"e302": amount - capital, "e310": capital}
    else:
        econ = {"e302": amount}
    basis = rng.choice(PROJECT_BASIS).format(y=year - 1)
    return Project(unit, code, rng.choice(PROJECT_NAMES[code]), econ, transfer, basis, owner)


def draw(seed: int, year: int, department: int | None = None) -> Figures:
    """All base data of the example department for ``seed`` (same seed, same figures).

    ``department`` picks one of the fictional departments (index into ``TEMPLATES``) instead of
    drawing it, so that a series of years of the same department can be generated — and then
    this year's 上年 figures are last year's figures of that series (:func:`restate`), so that
    two generated years reconcile as a correct publication does.
    """
    f = _draw(seed, year, department)
    if department is None:
        return f
    return restate(f, _draw(seed, year - 1, department))


def restate(f: Figures, previous: Figures) -> Figures:
    """``f`` with every 上年 figure taken from ``previous`` (the same department a year
    earlier): 一般公共预算 per 项, 政府性基金, 结转, 机关运行经费, 三公 and staff changes.

    Why after drawing: the current year's own figures must not depend on whether its priors
    are restated, so a year is the same document whether generated alone or in a series.
    """
    p = previous
    f.previous = p
    f.prior_general = {c: it.general for c, it in p.items.items() if it.general}
    f.prior_fund = p.fund
    f.prior_carry = p.carry
    f.prior_public = p.public
    f.three_public = {k: (v, p.three_public[k][0]) for k, (v, _) in f.three_public.items()}

    def heads(fig: Figures, attr: str) -> int:
        return sum(getattr(u, attr) for u in fig.units)

    f.changes = tuple(heads(f, a) - heads(p, a) for a in ("active", "retired", "lixiu"))  # type: ignore[assignment]
    return f


def _draw(seed: int, year: int, department: int | None) -> Figures:
    """The figures of one year, 上年 figures drawn around this year's (see :func:`draw`)."""
    rng = random.Random(f"cnbudget-example:{seed}:{year}")
    drawn = rng.choice(TEMPLATES)
    t = TEMPLATES[department % len(TEMPLATES)] if department is not None else drawn
    full = f"{t.department}（{t.alias}）" if t.alias else t.department

    # units and staff ------------------------------------------------------------------------
    n_sub = rng.randint(1, 3)
    subs = rng.sample(t.units, n_sub)
    units = [
        Unit(
            full,
            True,
            active=rng.randint(18, 60),
            retired=rng.randint(10, 70),
            lixiu=rng.randint(0, 3),
        )
    ]
    units += [
        Unit(s, False, active=rng.randint(6, 30), retired=rng.randint(0, 12), lixiu=0) for s in subs
    ]
    for u in units:
        _unit_econ(rng, u)
    active = sum(u.active for u in units)
    authorized = active + rng.randint(0, 12)
    changes = (rng.randint(-3, 6), rng.randint(-4, 5), -rng.randint(0, 2))
    offices = rng.sample(t.offices, rng.randint(4, len(t.offices)))
    offices = [o for o in t.offices if o in offices]

    # items: 基本支出 ----------------------------------------------------------------------------
    items: dict[str, Item] = {}

    def item(code: str) -> Item:
        return items.setdefault(code, Item())

    for u in units:
        for code, v in basic_by_code(u, t).items():
            item(code).basic += v

    # projects (表7) -------------------------------------------------------------------------
    projects: list[Project] = []
    for u in units:
        k = rng.randint(2, 4) if u.is_self else rng.randint(0, 2)
        for _ in range(k):
            code = rng.choice(t.project_codes)
            projects.append(
                _project(rng, u.name, code, transfer=False, year=year, owner=rng.choice(PEOPLE))
            )
        if u.is_self and t.transfer_code and rng.random() < 0.5:
            for _ in range(rng.randint(1, 2)):
                projects.append(
                    _project(
                        rng,
                        u.name,
                        t.transfer_code,
                        transfer=True,
                        year=year,
                        owner=rng.choice(PEOPLE),
                    )
                )
    for p in projects:
        it = item(p.code)
        if p.transfer:
            it.transfer_project += p.amount
        else:
            it.own_project += p.amount

    # government fund (表8) -------------------------------------------------------------------
    fund_projects: list[FundProject] = []
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 2)):
            fp = FundProject(
                rng.choice(FUND_CODES), rng.choice(FUND_PROJECT_NAMES), cents(rng, 20000, 500000)
            )
            fund_projects.append(fp)
            item(fp.code).fund_project += fp.amount

    # carry-over (表11) -----------------------------------------------------------------------
    carries: list[Carry] = []
    for _ in range(rng.randint(1, 5)):
        fund = rng.random() < 0.25
        if fund:
            code, name = "2290402", rng.choice(FUND_PROJECT_NAMES)
            amount = cents(rng, 50000, 800000)
        else:
            code = rng.choice(t.project_codes)
            name = rng.choice(PROJECT_NAMES[code])
            amount = cents(rng, 100, 200000)
        unit = units[0].name if fund or rng.random() < 0.7 else rng.choice(units).name
        purpose = f"{name.removesuffix('经费').removesuffix('资金')}的续建和尾款支付"
        carries.append(Carry(unit, code, f"{year - 1}年{name}", amount, fund, purpose))
        it = item(code)
        if fund:
            it.carry_fund += amount
        else:
            it.carry_general += amount
    order = {u.name: i for i, u in enumerate(units)}
    carries.sort(key=lambda c: order[c.unit])

    # prior year ------------------------------------------------------------------------------
    prior_general: dict[str, Decimal] = {}
    for code, it in sorted(items.items()):
        g = it.general
        if not g:
            continue
        r = rng.random()
        if not it.basic and r < 0.15:
            prior_general[code] = ZERO  # a new item: 增长 100.00%
        elif r < 0.25:
            prior_general[code] = g  # unchanged
        else:
            prior_general[code] = vary(rng, g, 75, 125)
    if rng.random() < 0.3:
        gone = [c for c in t.project_codes if c not in items or not items[c].general]
        if gone:
            prior_general[rng.choice(gone)] = cents(rng, 2000, 60000)  # 下降 100.00%
    fund = sum((f.amount for f in fund_projects), ZERO)
    if fund:
        prior_fund = ZERO if rng.random() < 0.5 else vary(rng, fund, 60, 140)
    else:
        prior_fund = cents(rng, 10000, 300000) if rng.random() < 0.2 else ZERO
    carry = sum((c.amount for c in carries), ZERO)
    prior_carry = vary(rng, carry, 30, 200)

    # 三公 (表10) ---------------------------------------------------------------------------------
    def econ_total(code: str) -> Decimal:
        return sum((u.econ.get(code, ZERO) for u in units), ZERO)

    def prior_of(v: Decimal, p_extra: float) -> Decimal:
        if v:
            return v if rng.random() < 0.2 else vary(rng, v, 80, 125)
        return cents(rng, 200, 3000) if rng.random() < p_extra else ZERO

    three_public = {
        "outbound": (econ_total("30212"), ZERO),
        "vehicle_purchase": (ZERO, ZERO),
        "vehicle_operation": (econ_total("30231"), ZERO),
        "reception": (econ_total("30217"), ZERO),
    }
    three_public = {
        k: (v, prior_of(v, 0.3 if k != "vehicle_operation" else 0.0))
        for k, (v, _) in three_public.items()
    }
    public = sum((v for u in units for k, v in u.econ.items() if k.startswith("302")), ZERO)
    prior_public = vary(rng, public, 85, 115)

    # procurement, assets ---------------------------------------------------------------------
    goods = sum((p.econ.get("e310", ZERO) for p in projects), ZERO) + cents(rng, 100, 3000)
    works = cents(rng, 1000, 20000) if rng.random() < 0.2 else ZERO
    services = sum((p.econ.get("e302", ZERO) for p in projects if rng.random() < 0.6), ZERO)
    total_proc = goods + works + services
    sme = vary(rng, total_proc, 50, 100)
    small = vary(rng, sme, 60, 100)
    cars = (rng.randint(1, 8), rng.randint(0, 3), rng.randint(0, 2))
    assets: dict[str, Decimal | int] = {
        "area": Decimal(rng.randint(800, 6000)),
        "house": cents(rng, 2000, 90000),
        "cars_general": cars[0],
        "cars_law": cars[1],
        "cars_other": cars[2],
        "car_value_general": per_head(rng, cars[0], 1200, 2500),
        "car_value_law": per_head(rng, cars[1], 1500, 3000),
        "car_value_other": per_head(rng, cars[2], 800, 2000),
        "furniture": cents(rng, 1000, 15000),
        "other": cents(rng, 5000, 200000),
        "big50": rng.randint(0, 3),
        "big100": 0,
    }

    perf_projects = rng.sample(projects, min(len(projects), rng.randint(1, 3)))
    perf_projects.sort(key=projects.index)
    return Figures(
        year=year,
        template=t,
        full_name=full,
        units=units,
        authorized=authorized,
        changes=changes,
        offices=offices,
        projects=projects,
        fund_projects=fund_projects,
        carries=carries,
        items=dict(sorted(items.items())),
        prior_general=prior_general,
        prior_fund=prior_fund,
        prior_carry=prior_carry,
        prior_public=prior_public,
        three_public=three_public,
        procurement=(goods, works, services, sme, small),
        assets=assets,
        perf_projects=perf_projects,
        dept_owner=rng.choice(PEOPLE),
        dept_phone=f"{rng.randint(2000000, 8999999)}",
        publication_date=dt.date(year, rng.randint(1, 3), rng.randint(1, 28)),
    )
