"""Peers: generated departments of one region, one with far too few staff for its spending."""

from __future__ import annotations

from decimal import Decimal

from cnbudget.analysis._testsupport import WANLI_2025, corpus_doc
from cnbudget.analysis.peers import (
    carryover_share,
    peer_findings,
    region_peers,
    running_costs_printed,
    staffing_from_text,
)
from cnbudget.example import build_example
from cnbudget.model import Paragraph, Section
from cnbudget.store import peers as store_peers


def test_outlier_is_flagged_and_explained(region_store: str) -> None:
    profiles = region_peers(region_store, year=2024, region="示例市")
    assert len(profiles) == 6
    flagged = [p for p in profiles if p.outlier]
    assert len(flagged) == 1
    p = flagged[0]
    assert "丙" in p.department and p.staff == 9
    assert p.metrics["three_public_per_staff"].outlier
    assert p.metrics["running_costs_per_staff"].outlier
    assert "人均“三公”经费" in p.explanation and "高于同组中位数" in p.explanation
    assert "稳健 z" in p.explanation and "above the peer median" in p.explanation
    others = [q for q in profiles if not q.outlier]
    assert all("正常范围" in q.explanation for q in others)
    findings = peer_findings(profiles)
    assert [f.rule for f in findings] == ["XY-PEER-001", "XY-PEER-001"]
    assert all(p.department in f.message_zh for f in findings)


def test_carryover_share_extends_the_store(region_store: str) -> None:
    profiles = region_peers(region_store, year=2024, region="示例市")
    base = {r.document_id: r for r in store_peers(region_store, years=2024, region="示例市")}
    for p in profiles:
        m = p.metrics["carryover_share"]
        assert m.value is not None and Decimal(0) < m.value < 1
        assert m.median is not None and m.z is not None
        # the store's own metrics are unchanged when staffing came from the store
        assert p.staff_source == "store"
        assert (
            p.metrics["project_share"].value
            == base[p.base.document_id].metrics["project_share"].value
        )


def test_small_groups_get_no_z_scores(region_store: str) -> None:
    profiles = region_peers(region_store, year=2024, region="示例市", min_peers=10)
    assert not any(p.outlier for p in profiles)
    assert all(m.z is None for p in profiles for m in p.metrics.values())


def test_figures_from_documents() -> None:
    doc = build_example(0)
    carry, total = carryover_share(doc) or (None, None)
    assert carry == Decimal("739.68") and total == Decimal("3454.59")
    assert running_costs_printed(doc) is None  # budget-11: 机关运行经费 is 表6 公用经费
    doc.metadata.staffing = None
    doc.metadata.structure = None
    doc.overview = [
        Section(
            title="机构设置及人员情况",
            paragraphs=[Paragraph(text="编制数 78，实有人数 144 人，其中：在职 76 人。")],
        )
    ]
    assert staffing_from_text(doc) == (144, "actual")
    doc.overview[0].paragraphs[0].text = "本单位在职人员 76 人。"
    assert staffing_from_text(doc) == (76, "active")


def test_shanghai_running_costs_are_read_from_table_9() -> None:
    doc = corpus_doc(WANLI_2025)
    assert running_costs_printed(doc) == Decimal("464.64")
    assert carryover_share(doc) is None  # the Shanghai 表1 prints no carry-over
    assert staffing_from_text(doc) is None  # nor staffing in its 部门概况
