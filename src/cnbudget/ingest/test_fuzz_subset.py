"""A few hundred cases of the fuzz mutations (``benchmarks/fuzz.py`` runs thousands), drawn by
hypothesis so a failure shrinks to a small input: every mutated text, page or workbook reads to a
Document, or to a ReadError with both languages, and the checks run on every Document."""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnbudget.checks.engine import check_document
from cnbudget.example import build_example, example_text
from cnbudget.ingest import ReadError, read_path


def _settings(n: int) -> settings:
    """``n`` cases, reproducible (derandomize), no per-case deadline: a whole read + check of a
    disclosure takes a second on a loaded machine, and timings are not what is tested here."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


@cache
def _text() -> bytes:
    return example_text(5).encode("utf-8")


@cache
def _html() -> bytes:
    from cnbudget.outputs.html import render_html

    return render_html(build_example(5)).encode("utf-8")


@cache
def _xlsx(tmp: str) -> bytes:
    from cnbudget.outputs.xlsx import write_xlsx

    p = Path(tmp) / "fuzz-seed.xlsx"
    write_xlsx(build_example(5), p)
    return p.read_bytes()


#: "9" * 5000 is past Python's 4,300-digit ``int()`` limit (the staffing crash of fuzz seed 41).
HUGE = st.sampled_from(
    [
        "1e400",
        "99999999999999999999.99",
        "9" * 30,
        "9" * 3000,
        "9" * 5000,
        "NaN",
        "-0.0000000000000000001",
    ]
)
#: The numbers a "huge" mutation replaces: amounts, and integer runs (headcounts, table
#: numbers, years) as ``benchmarks/fuzz.py`` does.
_NUMBER = re.compile(rb"\d[\d,]*\.\d+|\d{2,}")


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """One to three of: byte flips, truncation, duplication, a huge number, a long line,
    re-encoding, random Unicode."""
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "dup", "huge", "line", "encode", "unicode"]))
        n = len(data)
        if kind == "flip" and n:
            b = bytearray(data)
            for at in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8)):
                b[at] ^= draw(st.integers(1, 255))
            data = bytes(b)
        elif kind == "cut":
            data = data[: draw(st.integers(0, n))]
        elif kind == "dup" and n:
            a = draw(st.integers(0, n - 1))
            data = (
                data[:a]
                + data[a : a + draw(st.integers(1, 5000))] * draw(st.integers(2, 20))
                + data[a:]
            )
        elif kind == "huge":
            spans = [m.span() for m in _NUMBER.finditer(data)]
            if spans:
                a, b = spans[draw(st.integers(0, len(spans) - 1))]
                data = data[:a] + draw(HUGE).encode() + data[b:]
        elif kind == "line":
            lines = data.split(b"\n")
            a = draw(st.integers(0, len(lines)))
            lines[a : a + draw(st.integers(2, 400))] = [
                draw(st.sampled_from([b" ", b"\t", b""])).join(lines[a : a + 400])
            ]
            data = b"\n".join(lines)
        elif kind == "encode":
            t = data.decode("utf-8", errors="replace")
            enc = draw(st.sampled_from(["gb18030", "utf-16", "utf-8-sig", "mixed"]))
            if enc == "mixed":
                cut = draw(st.integers(0, len(t)))
                data = t[:cut].encode() + t[cut:].encode("gb18030", errors="replace")
            else:
                data = t.encode(enc, errors="replace")
        elif kind == "unicode":
            at = draw(st.integers(0, n))
            data = (
                data[:at]
                + draw(st.text(min_size=1, max_size=20)).encode("utf-8", errors="surrogatepass")
                + data[at:]
            )
    return data


def _read_and_check(p: Path) -> None:
    try:
        doc = read_path(p)
    except ReadError as exc:
        assert exc.message_zh and exc.message_en
        return
    report = check_document(doc)
    assert report.document == p.name
    for issue in doc.issues:
        assert issue.message_zh and issue.message_en


@_settings(200)
@given(st.data())
def test_mutated_text(tmp_path_factory, data) -> None:
    base = _text()
    window = data.draw(st.sampled_from([(0, len(base)), (0, 6000), (len(base) // 2, 6000)]))
    sample = base[window[0] : window[0] + window[1]]
    p = tmp_path_factory.getbasetemp() / "fuzz.txt"
    p.write_bytes(data.draw(mutated(sample)))
    _read_and_check(p)


@_settings(60)
@given(st.data())
def test_mutated_html(tmp_path_factory, data) -> None:
    html = data.draw(mutated(_html()))
    if data.draw(st.booleans()):  # spans browsers clamp: huge, negative, junk
        tds = [m.end() - 1 for m in re.finditer(rb"<td\b[^>]*>", html)]
        if tds:
            at = tds[data.draw(st.integers(0, len(tds) - 1))]
            attr = data.draw(st.sampled_from([b"rowspan", b"colspan"]))
            val = data.draw(st.sampled_from([b"0", b"-3", b"99999999", b"x", b"2147483648"]))
            html = html[:at] + b" " + attr + b'="' + val + b'"' + html[at:]
    p = tmp_path_factory.getbasetemp() / "fuzz.html"
    p.write_bytes(html)
    _read_and_check(p)


@_settings(40)
@given(st.data())
def test_mutated_workbook_xml(tmp_path_factory, data) -> None:
    seed = _xlsx(str(tmp_path_factory.getbasetemp()))
    src = zipfile.ZipFile(io.BytesIO(seed))
    names = src.namelist()
    victim = data.draw(st.sampled_from([n for n in names if n.endswith(".xml")]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in names:
            body = src.read(n)
            dst.writestr(n, data.draw(mutated(body)) if n == victim else body)
    p = tmp_path_factory.getbasetemp() / "fuzz.xlsx"
    p.write_bytes(buf.getvalue())
    _read_and_check(p)
