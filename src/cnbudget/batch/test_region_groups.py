"""The groups of compatible regions that ``lake load --jobs`` deals out (region_groups.py)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from cnbudget.batch.region_groups import Region, compatible_groups, share_out
from cnbudget.store.importer import _compatible

# few names per level, and empty levels often: compatible pairs are frequent
_level = st.sampled_from(["", "", "甲", "乙", "丙"])
_region = st.tuples(_level, _level, _level)


def _components(regions: set[Region], together: list[list[Region]]) -> set[frozenset[Region]]:
    """Connected components by brute force: the oracle."""
    edges = [(a, b) for a, b in combinations(sorted(regions), 2) if _compatible(a, b)]
    edges += [(g[0], r) for g in together for r in g]
    comp = {r: {r} for r in regions}
    for a, b in edges:
        if comp[a] is not comp[b]:
            merged = comp[a] | comp[b]
            for r in merged:
                comp[r] = merged
    return {frozenset(c) for c in comp.values()}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_region, max_size=25), st.lists(st.lists(_region, min_size=1, max_size=3), max_size=3)
)
def test_groups_are_exactly_the_connected_components(
    regions: list[Region], together: list[list[Region]]
) -> None:
    group = compatible_groups(regions, together=together)
    everything = set(regions) | {r for g in together for r in g}
    assert set(group) == everything
    found: dict[int, set[Region]] = {}
    for r, g in group.items():
        found.setdefault(g, set()).add(r)
    # every compatible pair shares a group, and no group joins what nothing connects
    assert {frozenset(c) for c in found.values()} == _components(everything, together)


def test_real_names() -> None:
    urumqi = ("新疆维吾尔自治区", "乌鲁木齐市", "")
    urumqi_short = ("", "乌鲁木齐市", "")
    tianshan = ("新疆维吾尔自治区", "乌鲁木齐市", "天山区")
    putuo = ("上海市", "上海市", "普陀区")
    changji = ("新疆维吾尔自治区", "昌吉回族自治州", "")
    group = compatible_groups([urumqi, urumqi_short, tianshan, putuo, changji])
    assert group[urumqi] == group[urumqi_short] == group[tianshan]
    assert len({group[urumqi], group[putuo], group[changji]}) == 3
    # a store holding a region with the province only joins every region of that province
    joined = compatible_groups([urumqi, changji, putuo, ("新疆维吾尔自治区", "", "")])
    assert joined[urumqi] == joined[changji] != joined[putuo]
    # a document that names no region at all could be any department's: one group for all
    assert len(set(compatible_groups([urumqi, putuo, changji, ("", "", "")]).values())) == 1


@given(st.dictionaries(st.integers(0, 50), st.integers(1, 1000), max_size=30), st.integers(1, 6))
def test_share_out_deals_every_group_once(weights: dict[int, int], jobs: int) -> None:
    shares = share_out(weights, jobs)
    dealt = [g for s in shares for g in s]
    assert sorted(dealt) == sorted(weights)
    assert len(shares) <= jobs and all(shares)
    if weights:  # greedy: no job carries more than the lightest plus the heaviest group
        loads = [sum(weights[g] for g in s) for s in shares]
        assert max(loads) <= min(loads) + max(weights.values())
        assert len(shares) == min(jobs, len(weights))  # no job idle while a group waits
