"""False findings per rule: on every corpus document and on generated clean documents whose
projects use the full range of real 项 codes (issue 11; goal: 0 errors and 0 warnings that a
reviewer would reject).

* Corpus: every error and warning not in ``cnbudget.checks.corpus_verified.VERIFIED`` (the
  findings checked by reading the page) counts as false; verified ones that are no longer
  found count as missed.
* Generated: the bundled example generator, with each department's project 项 replaced by
  real 项 codes drawn from the shipped catalog and the shared reference list of codes printed in
  real disclosures (names as printed there). The documents are consistent by construction, so
  every error or warning on them is false; notices are counted separately (a catalog gap is a
  notice by design).

    .venv/bin/python benchmarks/false_findings.py [--docs 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from rich.console import Console
from rich.progress import track
from rich.table import Table

from cnbudget.catalog import load_catalog
from cnbudget.checks import check_document
from cnbudget.checks.corpus_verified import VERIFIED, finding_key
from cnbudget.example import data as example_data
from cnbudget.example import example_text
from cnbudget.example import figures as example_figures
from cnbudget.ingest import read_path
from cnbudget.ingest.text import read_text
from cnbudget.testing import CORPUS_DIR

console = Console()
REFERENCE = CORPUS_DIR.parent / "reference" / "function_codes.csv"


def real_item_codes(year: int = 2024) -> dict[str, str]:
    """Every 项 code with its name: the shipped catalog, then the names printed in real
    disclosures (the shared reference list) where they are given."""
    cat = load_catalog(year).function
    codes = {e.code: e.name for e in cat.entries("项")}
    if REFERENCE.is_file():
        with REFERENCE.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if len(row["code"]) == 7:
                    codes[row["code"]] = row["name"]
    return codes


@contextmanager
def with_real_items(
    rng: random.Random, codes: dict[str, str], per_department: int = 4
) -> Iterator[None]:
    """Run the example generator with real 项 codes as the departments' project codes.

    The generator derives every table from per-code figures, so any code keeps the document
    consistent; only the names (项, its 款 and 类) and a purpose sentence per 类 are needed.
    """
    cat = load_catalog(2024).function
    names, purposes, projects = (
        example_data.FUNCTION_NAMES,
        example_data.CLASS_PURPOSE,
        example_data.PROJECT_NAMES,
    )
    saved = (dict(names), dict(purposes), dict(projects), example_figures.TEMPLATES)
    try:
        pool = [c for c in codes if cat.get(c[:5]) is not None and cat.get(c[:3]) is not None]
        templates = []
        for t in example_figures.TEMPLATES:
            chosen = tuple(rng.sample(pool, per_department))
            for code in chosen:
                names[code] = codes[code]
                names.setdefault(code[:5], cat.get(code[:5]).name)  # type: ignore[union-attr]
                names.setdefault(code[:3], cat.get(code[:3]).name)  # type: ignore[union-attr]
                purposes.setdefault(code[:3], "本部门履职所需的专项业务")
                projects[code] = (f"{codes[code]}专项经费", f"{codes[code]}业务工作经费")
            templates.append(replace(t, project_codes=chosen))
        example_figures.TEMPLATES = tuple(templates)
        yield
    finally:
        names.clear(), names.update(saved[0])
        purposes.clear(), purposes.update(saved[1])
        projects.clear(), projects.update(saved[2])
        example_figures.TEMPLATES = saved[3]


def corpus(false: Counter, missed: list[str]) -> int:
    files = sorted(p for p in CORPUS_DIR.glob("*") if p.suffix in (".pdf", ".txt"))
    if not files:
        console.print(f"[yellow]corpus not found in {CORPUS_DIR}: skipped[/]")
        return 0
    for path in track(files, description="语料 corpus"):
        report = check_document(read_path(path))
        expected = VERIFIED.get(path.name, set())
        got = {finding_key(f) for f in report.findings if f.severity != "notice"}
        for f in report.findings:
            if f.severity != "notice" and finding_key(f) not in expected:
                false[(f.rule, f.severity)] += 1
                console.print(f"  [red]false?[/] {path.name} {finding_key(f)} {f.message_zh[:90]}")
        missed += [f"{path.name} {k}" for k in sorted(expected - got)]
    return len(files)


def generated(n: int, seed: int, false: Counter, notices: Counter) -> None:
    codes = real_item_codes()
    used: set[str] = set()
    for i in track(range(n), description="生成文档 generated"):
        rng = random.Random(f"false-findings:{seed}:{i}")
        with with_real_items(rng, codes):
            text = example_text(seed=seed * 100_000 + i)
            used.update(c for t in example_figures.TEMPLATES for c in t.project_codes)
            report = check_document(read_text(text))
        for f in report.findings:
            if f.severity == "notice":
                notices[f.rule] += 1
            else:
                false[(f.rule, f.severity)] += 1
    console.print(f"项 codes available {len(codes)}, drawn into documents {len(used)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    false_corpus: Counter = Counter()
    missed: list[str] = []
    n_files = corpus(false_corpus, missed)
    false_gen: Counter = Counter()
    notices: Counter = Counter()
    generated(args.docs, args.seed, false_gen, notices)
    for title, counts in (
        (f"语料中的误报 false findings in {n_files} corpus documents", false_corpus),
        (f"生成文档中的误报 false findings in {args.docs} generated documents", false_gen),
    ):
        table = Table(title=title)
        table.add_column("rule")
        table.add_column("severity")
        table.add_column("count", justify="right")
        for (rule, sev), n in sorted(counts.items()):
            table.add_row(rule, sev, str(n))
        console.print(table)
        errors = sum(n for (_, s), n in counts.items() if s == "error")
        warnings = sum(n for (_, s), n in counts.items() if s == "warning")
        console.print(f"errors {errors}, warnings {warnings}")
    console.print(f"notices on generated documents: {dict(sorted(notices.items()))}")
    console.print(f"verified corpus findings no longer found: {missed or 'none'}")
    console.print(f"elapsed {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
