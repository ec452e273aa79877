"""Which lake partitions may be loaded at the same time (``cnbudget lake load --jobs N``).

The importer finds a document's department among the departments of its own region *and of
every compatible region* (no level named differently by both: 「新疆维吾尔自治区/乌鲁木齐市」
and 「乌鲁木齐市」 may be the same place, :func:`cnbudget.store.importer._compatible`), creates it
when none matches and adds the names it prints. Two jobs loading documents of compatible
regions at the same time could each create "the" department, or add the same name twice, and
the store would differ from a sequential load. So the regions are grouped into the connected
components of "compatible" (the regions already in the store included): every two compatible
regions fall in one group, a group is loaded by one job, and groups share no department.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations

__all__ = ["Region", "compatible_groups", "share_out"]

Region = tuple[str, str, str]  # (省, 市, 区), "" where the document names no such level


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Region, Region] = {}

    def find(self, x: Region) -> Region:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: Region, b: Region) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _pattern(r: Region) -> tuple[int, ...]:
    return tuple(i for i, level in enumerate(r) if level)


def compatible_groups(
    regions: Iterable[Region], together: Iterable[Iterable[Region]] = ()
) -> dict[Region, int]:
    """A group number for every region such that any two compatible regions share it, and
    so do the regions of each collection in ``together`` (the documents of one part file,
    which one transaction stores).

    Linear, not quadratic, in the regions (a national lake has tens of thousands): two regions
    whose named levels are the sets ``p`` and ``q`` are compatible exactly when they agree on
    the levels both name, ``p ∩ q``. For each of the at most 8 × 7 / 2 pairs of different
    such sets the regions of both are bucketed by their values on ``p ∩ q``: within a bucket
    every region of ``p`` is compatible with every region of ``q``, so a bucket holding both
    kinds is one connected piece (a bucket of one kind only joins nothing: two regions of one
    set are compatible only when equal).
    """
    uf = _UnionFind()
    for linked in together:
        members = list(linked)
        for r in members:
            uf.union(members[0], r)
    by_pattern: dict[tuple[int, ...], list[Region]] = defaultdict(list)
    for r in set(regions) | set(uf.parent):
        uf.find(r)
        by_pattern[_pattern(r)].append(r)
    for p, q in combinations(sorted(by_pattern), 2):
        shared = sorted(set(p) & set(q))
        buckets: dict[tuple[str, ...], tuple[list[Region], list[Region]]] = defaultdict(
            lambda: ([], [])
        )
        for side, pattern in enumerate((p, q)):
            for r in by_pattern[pattern]:
                buckets[tuple(r[i] for i in shared)][side].append(r)
        for of_p, of_q in buckets.values():
            if of_p and of_q:
                for r in of_p[1:] + of_q:
                    uf.union(of_p[0], r)
    roots: dict[Region, int] = {}
    return {r: roots.setdefault(uf.find(r), len(roots)) for r in uf.parent}


def share_out(weights: dict[int, int], jobs: int) -> list[set[int]]:
    """Groups dealt to ``jobs`` jobs, heaviest first to the lightest job (documents as weight),
    so that the jobs end at about the same time."""
    shares: list[set[int]] = [set() for _ in range(max(1, jobs))]
    load = [0] * len(shares)
    for group, weight in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0])):
        i = load.index(min(load))
        shares[i].add(group)
        load[i] += weight
    return [s for s in shares if s]
