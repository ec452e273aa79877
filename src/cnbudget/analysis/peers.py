"""Departments of a region compared with each other: per-staff 三公 and 机关运行经费, the project
share and the carry-over share, with robust outlier flags explained in words.

Why a wrapper: the store already computes the per-staff and project-share benchmarks in SQL
(:func:`cnbudget.store.peers`, median/MAD robust z-scores). This module *extends* it, reusing its
sums and its z-score function, with what needs the parsed documents:

* **carry-over share** — 上年结转结余 (budget) or 年初结转和结余 (final account) ÷ the income
  total of 表1: a department living on last year's money is worth a question;
* **机关运行经费 as printed** — Shanghai budgets print it in table 9 (``admin_costs``); the store
  counts 表6 公用经费, which is the sample layout's 机关运行经费 but not Shanghai's;
* **staffing from the 部门概况 text** when the reader found no structured staffing (the store then
  has none): "实有人数 N 人", "在职 N 人", "编制数 N".

Each outlier is a :class:`Finding` (XY-PEER-001) whose message says which metric, how far from
the median, and the threshold — an outlier is a question to ask, not an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from cnbudget.analysis.rules import make_finding
from cnbudget.checks.findings import Finding, Location
from cnbudget.model import Document
from cnbudget.store import PeerMetric, PeerRow, load_document
from cnbudget.store import peers as store_peers
from cnbudget.store.queries import METRIC_LABELS, format_metric, ratio, robust_z

#: The metrics of a peer profile: the store's three, then ours.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    **METRIC_LABELS,
    "carryover_share": ("上年结转结余占收入比重", "carry-over share of income"),
}

#: Staff counts of at most 7 digits: a longer run is not a head count (and ``int()`` refuses
#: runs past 4,300 digits).
_STAFF_PATTERNS = (
    ("actual", re.compile(r"实有人数\s*(\d{1,7})\s*人")),
    ("active", re.compile(r"在职(?:人员|人数)?\s*(\d{1,7})\s*人")),
    ("authorized", re.compile(r"编制(?:数|人数)?\s*(?:为)?\s*(\d{1,7})(?!\d)")),
)


def staffing_from_text(doc: Document) -> tuple[int, str] | None:
    """``(staff, kind)`` stated in the 部门概况 text: 实有人数, else 在职, else 编制数.

    For documents whose reader found no structured staffing (the store then has none).
    """
    text = "\n".join(s.text() for s in doc.overview)
    if doc.metadata.structure:
        text += "\n" + doc.metadata.structure
    for kind, rx in _STAFF_PATTERNS:
        m = rx.search(text)
        if m:
            return int(m.group(1)), kind
    return None


def carryover_share(doc: Document) -> tuple[Decimal, Decimal] | None:
    """``(carry-over, income total)`` from 表1, or ``None`` when the layout prints no carry-over."""
    t1 = doc.table("summary")
    if t1 is None:
        return None
    total = t1.total_row("income")
    carry = t1.row_by_key("carryover", "income") or t1.row_by_key("opening_balance", "income")
    if total is None or carry is None:
        return None
    return carry.value0("amount"), total.value0("amount")


def running_costs_printed(doc: Document) -> Decimal | None:
    """机关运行经费 as a layout prints it in its own table (Shanghai table 9), else ``None``."""
    t = doc.table("admin_costs")
    if t is None:
        return None
    row = t.row_by_key("admin_costs")
    return row.value0("amount") if row is not None else Decimal(0)


@dataclass
class PeerProfile:
    """A department among its peers: the store's row, our additions, and every metric."""

    base: PeerRow
    staff: int | None
    staff_source: Literal["store", "overview"] | None
    running_costs: Decimal | None
    running_costs_source: Literal["store", "admin_costs"] | None
    carryover: Decimal | None
    income_total: Decimal | None
    metrics: dict[str, PeerMetric] = field(default_factory=dict)
    outlier: bool = False
    reasons_zh: list[str] = field(default_factory=list)
    reasons_en: list[str] = field(default_factory=list)

    @property
    def department(self) -> str:
        return self.base.department

    @property
    def explanation(self) -> str:
        """Why the department is (or is not) an outlier, in Chinese and English."""
        if not self.outlier:
            return "各项指标均在同组正常范围内。 / All metrics are within the peer range."
        return "；".join(self.reasons_zh) + "。 / " + "; ".join(self.reasons_en) + "."

    def values(self) -> dict[str, Decimal | None]:
        staff = self.staff or None
        return {
            "three_public_per_staff": ratio(self.base.three_public, staff)
            if staff and self.base.three_public is not None
            else None,
            "running_costs_per_staff": ratio(self.running_costs, staff)
            if staff and self.running_costs is not None
            else None,
            "project_share": ratio(self.base.project, self.base.total)
            if self.base.project is not None and self.base.total
            else None,
            "carryover_share": ratio(self.carryover, self.income_total)
            if self.carryover is not None and self.income_total
            else None,
        }

    def as_dict(self) -> dict[str, Any]:
        from cnbudget.store import jsonable

        return {
            "document_id": self.base.document_id,
            "department": self.department,
            "region": self.base.region,
            "year": self.base.year,
            "kind": self.base.kind,
            "staff": self.staff,
            "staff_source": self.staff_source,
            "three_public": jsonable(self.base.three_public),
            "running_costs": jsonable(self.running_costs),
            "running_costs_source": self.running_costs_source,
            "project": jsonable(self.base.project),
            "total": jsonable(self.base.total),
            "carryover": jsonable(self.carryover),
            "income_total": jsonable(self.income_total),
            "metrics": jsonable(self.metrics),
            "outlier": self.outlier,
            "explanation": self.explanation,
        }


def _profile(db: Any, row: PeerRow) -> PeerProfile:
    doc = load_document(db, row.document_id)
    staff, source = row.staff, ("store" if row.staff else None)
    if not staff:
        found = staffing_from_text(doc)
        if found is not None:
            staff, source = found[0], "overview"
    printed = running_costs_printed(doc)
    co = carryover_share(doc)
    return PeerProfile(
        base=row,
        staff=staff,
        staff_source=source,  # type: ignore[arg-type]
        running_costs=printed if printed is not None else row.running_costs,
        running_costs_source="admin_costs"
        if printed is not None
        else ("store" if row.running_costs is not None else None),
        carryover=co[0] if co else None,
        income_total=co[1] if co else None,
    )


def region_peers(
    db: Any,
    *,
    year: int,
    region: str | None = None,
    kind: str = "budget",
    staff: Literal["actual", "active"] = "actual",
    threshold: Decimal | float | str = Decimal("3.5"),
    min_peers: int = 4,
) -> list[PeerProfile]:
    """Every current document of ``region`` (``None``: all regions) in ``year`` among its peers.

    The store's :func:`~cnbudget.store.peers` gives the sums; each metric is then scored over
    the group with the store's robust z (median, MAD; ``|z| > threshold`` is an outlier; groups
    smaller than ``min_peers`` get no z-scores), now including our additions.
    """
    thr = Decimal(str(threshold))
    rows = store_peers(
        db,
        years=year,
        kind=kind,
        region=region,
        staff=staff,
        threshold=thr,
        min_peers=min_peers,
    )
    profiles = [_profile(db, r) for r in rows]
    values = {p.base.document_id: p.values() for p in profiles}
    for metric, (zh, en) in METRIC_LABELS.items():
        present = {i: v[metric] for i, v in values.items() if v[metric] is not None}
        stats = robust_z(present) if len(present) >= min_peers else {}  # type: ignore[arg-type]
        for p in profiles:
            val = values[p.base.document_id][metric]
            med, mad, z = stats.get(p.base.document_id, (None, None, None))
            flag = z is not None and abs(z) > thr
            p.metrics[metric] = PeerMetric(val, med, mad, z, flag)
            if not flag:
                continue
            assert val is not None and med is not None and z is not None
            p.outlier = True
            ratio = (val / med).quantize(Decimal("0.1")) if med else None
            above = z > 0
            p.reasons_zh.append(
                f"{zh} {format_metric(val, metric)}{'高于' if above else '低于'}同组中位数 {format_metric(med, metric)}"
                f"（{f'{ratio} 倍' if ratio is not None else '—'}，稳健 z = {z}，阈值 {thr}，"
                f"同组 {len(present)} 个部门）"
            )
            p.reasons_en.append(
                f"{en} {format_metric(val, metric)} is {'above' if above else 'below'} the peer median "
                f"{format_metric(med, metric)} ({f'{ratio}×' if ratio is not None else 'n/a'}, robust z = {z},"
                f" threshold {thr}, {len(present)} peers)"
            )
    return profiles


def peer_findings(profiles: list[PeerProfile]) -> list[Finding]:
    """One XY-PEER-001 finding per outlier metric of each department."""
    out: list[Finding] = []
    for p in profiles:
        for zh, en in zip(p.reasons_zh, p.reasons_en, strict=True):
            out.append(
                make_finding(
                    "XY-PEER-001",
                    Location(row_name=p.department),
                    department=p.department,
                    reason=zh,
                    reason_en=en,
                )
            )
    return out
