"""The ruled-table finder stays linear in the number of rulings (fuzz --seed 43, case 4855: an
HTML table with ``rowspan="99999"`` and duplicated rows took 25 s of CPU in ``_regions`` and
``_ruled_table``; now ~1 s, measured by ``benchmarks/fuzz.py``, never timed here).

The faster code must find exactly what the old code found: each piece is compared with the
old, obviously-correct version on random rulings (hypothesis), and the reads of the corpus PDFs
stay exact through ``test_corpus.py``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnbudget.ingest.pdf.extract import Ruling
from cnbudget.ingest.pdf.grid import SNAP, _covered, _nearest, _regions, _union


def _regions_reference(rulings: list[Ruling]) -> list[list[Ruling]]:
    """The old quadratic version: every group scanned, merged groups moved to the end."""
    groups: list[tuple[tuple[float, float, float, float], list[Ruling]]] = []
    for r in sorted(rulings, key=lambda r: (r.top, r.x0)):
        box = (r.x0 - SNAP, r.top - SNAP, r.x1 + SNAP, r.bottom + SNAP)
        hit = [
            i
            for i, (b, _) in enumerate(groups)
            if box[0] <= b[2] and b[0] <= box[2] and box[1] <= b[3] and b[1] <= box[3]
        ]
        if not hit:
            groups.append((box, [r]))
            continue
        merged_box, merged = box, [r]
        for i in reversed(hit):
            b, rs = groups.pop(i)
            merged_box = _union(merged_box, b)
            merged.extend(rs)
        groups.append((merged_box, merged))
    return [rs for _, rs in groups]


def _key(r: Ruling) -> tuple[float, float, float, float]:
    return (r.x0, r.top, r.x1, r.bottom)


coord = st.integers(0, 60).map(float)


@st.composite
def rulings(draw: st.DrawFn) -> list[Ruling]:
    out = []
    for _ in range(draw(st.integers(0, 40))):
        x, y, length = draw(coord), draw(coord), draw(st.integers(0, 30))
        if draw(st.booleans()):
            out.append(Ruling(x, y, x + length, y))  # horizontal
        else:
            out.append(Ruling(x, y, x, y + length))  # vertical
    return out


@settings(max_examples=300, deadline=None)
@given(rulings())
def test_regions_are_the_old_regions_in_the_same_order(rs: list[Ruling]) -> None:
    new = [sorted(map(_key, g)) for g in _regions(rs)]
    old = [sorted(map(_key, g)) for g in _regions_reference(rs)]
    assert new == old


@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=30, unique=True), st.floats(-2e4, 2e4))
def test_nearest_is_the_first_closest(values: list[float], x: float) -> None:
    vs = sorted(values)
    assert _nearest(vs, x) == min(range(len(vs)), key=lambda i: abs(vs[i] - x))


@given(
    st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), max_size=20),
    st.lists(st.floats(-120, 120), max_size=30),
)
def test_covered_is_any_span_holding_the_mid(
    spans: list[tuple[float, float]], mids: list[float]
) -> None:
    ms = sorted(mids)
    assert _covered(spans, ms) == [any(a <= m <= b for a, b in spans) for m in ms]


def test_a_huge_rowspan_over_repeated_rows_is_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The fuzz case's shape, rebuilt: a data row of 16 cells repeated 600 times under a cell
    spanning 99,999 rows. The read finishes with every table found and the repeated rows read
    (the old code took ~10 s here and 64 s at 1,500 rows; now about a second)."""
    import re

    from cnbudget.example import build_example
    from cnbudget.ingest import read_path
    from cnbudget.outputs.html import render_html

    html = render_html(build_example(3))
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, re.S)
    body = max((r for r in rows if "amount" in r), key=lambda r: r.count("<td"))
    at = html.index(body) + len(body)
    html = html[:at] + body * 600 + html[at:]
    html = html.replace("<td", '<td rowspan="99999"', 1)
    p = tmp_path / "spans.html"
    p.write_text(html, encoding="utf-8")
    doc = read_path(p)
    assert [t.number for t in doc.tables] == list(range(1, 12))
    assert max(len(t.rows) for t in doc.tables) > 600
