"""Property tests: random damage to the sample never breaks the reader; money parsing round-trips.

Budgets are modest (≤ 100 examples, no deadline) so the file runs in a few seconds.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnbudget.ingest.text import read_text
from cnbudget.model import Document
from cnbudget.money import format_amount, parse_amount
from cnbudget.testing import sample_text

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def sample_lines() -> list[str]:
    return sample_text().split("\n")  # skips with a clear message when the corpus is absent


@pytest.fixture(scope="module")
def clean_doc(sample_lines: list[str]) -> Document:
    return read_text("\n".join(sample_lines))


# ---------------------------------------------------------------------------------------------
# Random edits of the sample
# ---------------------------------------------------------------------------------------------

# Text that stresses the reader: table punctuation, numbers, markup, headings, odd characters.
_ALPHABET = st.one_of(
    st.sampled_from(
        [
            *"0123456789.,，．-+()（）%≥≤<>=※\t 表第部分一二三四五十、：:总计合计类款项万元",
            *("<b>", "</b>", "**", "## ", "\r", "\u3000", "\u00a0", "\ufeff", "\x00"),
        ]
    ),
    st.characters(exclude_categories=("Cs",)),
)
_TEXT = st.lists(_ALPHABET, max_size=30).map("".join)

# An edit is (operation, position, other position, text); positions are folded into range.
_EDIT = st.tuples(
    st.sampled_from(["delete", "duplicate", "insert", "swap", "replace_char", "insert_line"]),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    _TEXT,
)


def apply_edits(lines: list[str], edits: list[tuple[str, int, int, str]]) -> str:
    lines = list(lines)
    for op, a, b, text in edits:
        if not lines:
            lines = [text]
            continue
        i, j = a % len(lines), b % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[j])
        elif op == "insert":  # random text at a random position inside a line
            s = lines[i]
            p = b % (len(s) + 1)
            lines[i] = s[:p] + text + s[p:]
        elif op == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "replace_char":
            s = lines[i]
            if s:
                p = b % len(s)
                lines[i] = s[:p] + (text[:1] or "?") + s[p + 1 :]
        else:  # insert_line
            lines.insert(i, text)
    return "\n".join(lines)


@FAST
@given(edits=st.lists(_EDIT, min_size=1, max_size=4))
def test_random_edits_never_raise(sample_lines: list[str], edits: list) -> None:
    text = apply_edits(sample_lines, edits)
    doc = read_text(text, name="fuzz.txt")
    assert isinstance(doc, Document)
    doc.model_dump_json()  # the result is a valid, serialisable model
    for issue in doc.issues:
        assert issue.code and issue.message_zh and issue.message_en
        assert issue.line is None or issue.line >= 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(_EDIT, min_size=1, max_size=2))
def test_edits_outside_the_tables_keep_the_tables(
    sample_lines: list[str], clean_doc: Document, edits: list
) -> None:
    """Damage confined to the narrative (第三部分 onwards, after 表11) never touches a table."""
    cut = next(i for i, ln in enumerate(sample_lines) if "第三部分 2024 年部门预算情况说明" in ln)
    head, tail = sample_lines[:cut], sample_lines[cut + 1 :]
    text = "\n".join([*head, sample_lines[cut], apply_edits(tail, edits)])
    doc = read_text(text)
    for t in clean_doc.tables:
        got = doc.table(t.type)
        assert got is not None
        assert [(r.name, r.values) for r in got.rows] == [(r.name, r.values) for r in t.rows]


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_clean_parse_is_deterministic(sample_lines: list[str]) -> None:
    text = "\n".join(sample_lines)
    assert read_text(text).model_dump() == read_text(text).model_dump()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=st.lists(_EDIT, max_size=3))
def test_parse_is_deterministic(sample_lines: list[str], edits: list) -> None:
    text = apply_edits(sample_lines, edits)
    assert read_text(text, name="x").model_dump() == read_text(text, name="x").model_dump()


# ---------------------------------------------------------------------------------------------
# Money
# ---------------------------------------------------------------------------------------------

_AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"),
    max_value=Decimal("1e12"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=100, deadline=None)
@given(value=_AMOUNTS)
def test_format_then_parse_round_trips(value: Decimal) -> None:
    printed = format_amount(value)
    assert parse_amount(printed) == value
    assert parse_amount(format_amount(value, separators=False)) == value
    assert printed.count(".") == 1 and len(printed.split(".")[1]) == 2


@settings(max_examples=100, deadline=None)
@given(value=_AMOUNTS)
def test_parse_survives_print_variants(value: Decimal) -> None:
    """Full-width digits, spaces inside the number and <b> tags do not change the value."""
    printed = format_amount(value)
    fullwidth = printed.translate(str.maketrans("0123456789,.-", "０１２３４５６７８９，．－"))
    for variant in (
        fullwidth,
        printed.replace(",", ", "),
        f"{printed[:-1]} {printed[-1]}",
        f"<b>{printed}</b>",
        f" {printed}\u00a0",
    ):
        assert parse_amount(variant) == value, variant


_NUMBERISH = st.lists(
    st.sampled_from(list("0123456789.,，．-+() ０１２３４５６７８９\u00a0e")), max_size=15
).map("".join)


@settings(max_examples=100, deadline=None)
@given(text=st.one_of(st.text(max_size=30), _NUMBERISH))
def test_parse_amount_raises_only_value_error(text: str) -> None:
    try:
        result = parse_amount(text)
    except ValueError:
        return
    assert result is None or isinstance(result, Decimal)
    if result is not None:
        assert result.is_finite()
