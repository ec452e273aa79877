"""The radical → ideograph mapping: complete over both blocks, right on the known look-alikes."""

from __future__ import annotations

import unicodedata

import pytest

from cnbudget.ingest.pdf.normalize import equivalent_ideographs, has_radicals, normalize_cjk

#: Per EquivalentUnifiedIdeograph.txt, U+2E80 CJK RADICAL REPEAT has no equivalent ideograph,
#: and U+2E9A is unassigned.
NO_EQUIVALENT = {0x2E80}
SUPPLEMENT = [cp for cp in range(0x2E80, 0x2EF4) if unicodedata.name(chr(cp), "")]
KANGXI = list(range(0x2F00, 0x2FD6))


def _is_unified(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK UNIFIED IDEOGRAPH")


def test_blocks_are_what_we_think() -> None:
    assert len(KANGXI) == 214
    assert len(SUPPLEMENT) == 115  # U+2E80–U+2EF3 less the unassigned U+2E9A
    assert 0x2E9A not in SUPPLEMENT


@pytest.mark.parametrize("cp", [cp for cp in SUPPLEMENT + KANGXI if cp not in NO_EQUIVALENT])
def test_every_radical_maps_to_a_unified_ideograph(cp: int) -> None:
    out = normalize_cjk(chr(cp))
    assert len(out) == 1 and _is_unified(out), (hex(cp), out)
    assert equivalent_ideographs()[cp] == ord(out)


def test_radical_repeat_has_no_equivalent_and_is_kept() -> None:
    assert 0x2E80 not in equivalent_ideographs()
    assert normalize_cjk("\u2e80") == "\u2e80"
    assert has_radicals("\u2e80")


def test_kangxi_table_agrees_with_nfkc() -> None:
    """The Kangxi block has compatibility decompositions: the data file must agree with them."""
    for cp in KANGXI:
        assert unicodedata.normalize("NFKC", chr(cp)) == chr(equivalent_ideographs()[cp])


def test_nfkc_alone_is_not_enough() -> None:
    """Why the table exists: NFKC leaves most of the Radicals Supplement alone."""
    assert unicodedata.normalize("NFKC", "⻔") == "⻔"
    assert unicodedata.normalize("NFKC", "⻓") == "⻓"
    kept = [cp for cp in SUPPLEMENT if unicodedata.normalize("NFKC", chr(cp)) == chr(cp)]
    assert len(kept) > 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("⽀", "支"),
        ("⻔", "门"),
        ("⾦", "金"),
        ("⻓", "长"),
        ("部⻔预算", "部门预算"),
        ("⼀般公共预算⽀出", "一般公共预算支出"),
        ("⾏政运⾏", "行政运行"),
        ("⼈员经费", "人员经费"),
        ("１２，３４５．６７", "12,345.67"),
        ("单位：万元", "单位:万元"),
        ("plain ascii 123.45", "plain ascii 123.45"),
        ("", ""),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert normalize_cjk(text) == expected
    assert not has_radicals(normalize_cjk(text))


def test_idempotent() -> None:
    s = "".join(chr(cp) for cp in SUPPLEMENT + KANGXI if cp not in NO_EQUIVALENT)
    once = normalize_cjk(s)
    assert normalize_cjk(once) == once
    assert not has_radicals(once)
