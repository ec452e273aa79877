"""The document view model: an id on every cell and sentence, and every finding resolved to
the element it names — for fresh check results (which carry the source cell) and for the
store's findings (which do not)."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from cnbudget.checks import check_document
from cnbudget.example import build_example, example_text
from cnbudget.ingest.text import read_text
from cnbudget.web.docview import build_view, split_sentences

STORED_KEYS = {
    "rule",
    "severity",
    "family",
    "table_no",
    "table_type",
    "unit_name",
    "row_code",
    "row_key",
    "row_name",
    "column",
    "sentence",
    "expected",
    "found",
    "difference",
    "tolerance",
    "source_line",
    "message",
    "message_en",
}


def _as_stored(flat: dict[str, Any]) -> dict[str, Any]:
    """A finding as :func:`cnbudget.store.findings` returns it: no source cell/page/bbox."""
    out = {k: v for k, v in flat.items() if k in STORED_KEYS}
    out["related"] = [
        {k: v for k, v in r.items() if k not in ("source_cell", "source_page", "source_bbox")}
        for r in flat.get("related") or []
    ]
    return out


def _ids_in(view: Any) -> list[str]:
    ids: list[str] = []
    for tb in view.tables:
        ids.append(tb.id)
        for r in tb.body:
            if r.id:
                ids.append(r.id)
            ids += [c.id for c in r.cells if c.id]
    return ids


@pytest.mark.parametrize(
    "split",
    [("a。b。", ["a。", "b。"]), ("无句号", ["无句号"]), ("a。 b", ["a。", " b"]), ("", [""])],
)
def test_split_sentences_keeps_every_character(split: tuple[str, list[str]]) -> None:
    text, parts = split
    assert split_sentences(text) == parts
    assert "".join(split_sentences(text)) == text


def test_every_amount_cell_has_a_unique_id() -> None:
    doc = build_example(2)
    view = build_view(doc, [])
    ids = _ids_in(view)
    dup = [k for k, n in Counter(ids).items() if n > 1]
    assert not dup
    n_amounts = sum(len(r.values) for t in doc.tables for r in t.rows)
    assert sum(1 for i in ids if i.startswith("c-")) >= n_amounts
    for tb in view.tables:
        for r in tb.body:
            for c in r.cells:
                if "amount" in c.cls.split():
                    assert c.id, (tb.title, c.text)


@pytest.mark.parametrize("stored", [False, True], ids=["fresh", "stored"])
def test_table_findings_point_at_their_cells(stored: bool) -> None:
    from cnbudget.checks.mutation import table_mutations

    text = example_text(1, 2024)
    doc = read_text(text)
    checked = 0
    for m in itertools.islice(table_mutations(text, doc), 0, 600, 23):
        mutated = read_text(m.text)
        flat = [f.flat() for f in check_document(mutated).findings]
        if stored:
            flat = [_as_stored(f) for f in flat]
        view = build_view(mutated, flat)
        for fv, f in zip(view.findings, sorted(flat, key=_sev), strict=True):
            assert fv.targets, (m.description, f["rule"], f["message"])
            for t in fv.targets + fv.related:
                assert t in view.ids, t
            if f.get("table_no") and f.get("column") and f["family"] == "arithmetic":
                # an arithmetic finding names one printed figure: its cell, holding "found"
                cell = _cell(view, fv.targets[0])
                assert cell is not None, (m.description, fv.targets)
                if f.get("found") and cell.text:
                    assert cell.text.replace(",", "") == f"{float(f['found']):.2f}", (
                        m.description,
                        f["rule"],
                    )
            checked += 1
    assert checked > 20


def _sev(f: dict[str, Any]) -> int:
    return {"error": 0, "warning": 1, "notice": 2}[f["severity"]]


def _cell(view: Any, cid: str) -> Any:
    for tb in view.tables:
        for r in tb.body:
            for c in r.cells:
                if c.id == cid:
                    return c
    return None


def test_two_sided_expenditure_cell() -> None:
    """表1 pairs 收入 and 支出 rows on one line: a finding on the 支出 side must name the
    支出 cell, not the 收入 cell printed beside it."""
    text = example_text(0, 2024)
    doc = read_text(text)
    t1 = doc.table("summary")
    assert t1 is not None
    row = next(r for r in t1.rows if r.side == "expenditure" and r.kind == "total")
    loc = {
        "rule": "X",
        "severity": "error",
        "family": "arithmetic",
        "message": "m",
        "table_no": 1,
        "table_type": "summary",
        "row_key": "total",
        "row_name": row.name,
        "column": " / ".join(t1.columns[1].header),
        "source_line": row.source.line if row.source else None,
    }
    view = build_view(doc, [loc])
    target = view.findings[0].targets[0]
    idx = t1.rows.index(row)
    assert target == f"c-0-{idx}-amount"


def test_narrative_finding_points_at_its_sentence(sample_doc: Any) -> None:
    flat = [f.flat() for f in check_document(sample_doc).findings]
    view = build_view(sample_doc, flat)
    f = view.findings[0]
    assert f.rule == "NAR-NEW-001"
    (sid,) = f.targets
    para = next(p for s in view.explanation for p in _walk_paras(s) if sid.startswith(p.id))
    seg = next(s for s in para.segments if s.id == sid)
    assert "54.07" in seg.text and "事业运行" in seg.text


def _walk_paras(sec: Any) -> list[Any]:
    out = list(sec.paras)
    for sub in sec.subsections:
        out += _walk_paras(sub)
    return out


def test_unlocatable_finding_is_kept() -> None:
    doc = build_example(0)
    view = build_view(
        doc,
        [
            {
                "rule": "CMP-GLOSS-001",
                "severity": "warning",
                "family": "completeness",
                "message": "x",
            }
        ],
    )
    assert view.findings[0].targets == [] and not view.findings[0].located
