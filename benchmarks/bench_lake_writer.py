"""What writing the lake costs the batch driver, and what background commits give back.

Two measurements, both in this process, so that the machine's speed and load cancel out:

1. **Batch A/B**: ``run_batch`` over the same generated documents (2 Dask workers), with the lake
   writer committing in the driver's own thread (``background=False``: the code before
   background commits) and in its background thread, interleaved ``--rounds`` times. Prints
   docs/s, the seconds the commits took and the seconds the driver waited for them.
2. **Cost of a part file**: ``--file-docs`` results written as one commit whose every document
   has its own partition (the generator's small-files layout: 5 files a document), with and
   without the fsyncs, and a profile of where the time goes.

    .venv/bin/python benchmarks/bench_lake_writer.py [--docs 1000] [--rounds 2] [--commit-docs 200]
        [--file-docs 200]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import _example, generate


def batch_ab(folder: Path, work: Path, rounds: int, commit_docs: int) -> None:
    from cnbudget.batch import engine
    from cnbudget.batch.lake import LakeWriter

    figures: dict[str, list[dict[str, float]]] = {"foreground": [], "background": []}
    for r in range(rounds):
        for mode in ("foreground", "background"):
            out = work / f"lake-{mode}"
            shutil.rmtree(out, ignore_errors=True)
            engine.LakeWriter = functools.partial(  # type: ignore[misc]
                LakeWriter, background=mode == "background"
            )
            try:
                s = engine.run_batch([str(folder)], out, workers=2, commit_docs=commit_docs)
            finally:
                engine.LakeWriter = LakeWriter  # type: ignore[misc]
            row = {
                "docs_per_second": s.docs_per_second,
                "wall": s.wall_seconds,
                "write": s.write_seconds,
                "wait": s.write_wait_seconds,
            }
            figures[mode].append(row)
            print(
                f"round {r + 1} {mode:10s}: {s.processed} docs, {s.commits} commits, "
                f"{s.docs_per_second:.2f} docs/s (wall {s.wall_seconds:.1f} s), commits written "
                f"in {s.write_seconds:.1f} s, driver waited {s.write_wait_seconds:.1f} s",
                flush=True,
            )
    med = {m: statistics.median(x["docs_per_second"] for x in rows) for m, rows in figures.items()}
    print(
        f"median docs/s: foreground {med['foreground']:.2f}, background {med['background']:.2f} "
        f"→ ×{med['background'] / med['foreground']:.3f}"
    )


def file_cost(n: int) -> None:
    import cnbudget.batch.lake as lake
    from cnbudget.batch.rows import process_bytes

    results = [process_bytes(_example(s).encode(), f"doc{s:06d}.txt") for s in range(n)]

    def commit(label: str, profile: bool = False) -> None:
        root = Path(tempfile.mkdtemp(prefix="bench-lake-"))
        w = lake.LakeWriter(root / "lake", commit_docs=1 << 30, background=False)
        for r in results:
            w.add(r)
        t, cpu = time.perf_counter(), time.process_time()
        if profile:
            prof = cProfile.Profile()
            prof.runcall(w.commit)
        else:
            w.commit()
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        w.close()
        shutil.rmtree(root)
        per = wall / w.files_written * 1000
        print(
            f"{label}: {w.files_written} part files, {wall:.2f} s (CPU {cpu:.2f} s) = "
            f"{per:.2f} ms a file, {wall / n * 1000:.1f} ms a document",
            flush=True,
        )
        if profile:
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(8)
            print(buf.getvalue())

    real = lake.durable_replace
    for _ in range(2):
        commit("with fsync   ")
        lake.durable_replace = lambda tmp, target: os.replace(tmp, target)
        try:
            commit("without fsync")
        finally:
            lake.durable_replace = real
    commit("profile", profile=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--commit-docs", type=int, default=200)
    ap.add_argument("--file-docs", type=int, default=200)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-lake-writer-"))
    try:
        if a.docs:
            generate(work / "docs", a.docs)
            batch_ab(work / "docs", work, a.rounds, a.commit_docs)
        if a.file_docs:
            file_cost(a.file_docs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
