"""PDF reader vs pdfplumber's ``extract_tables``: pages per second and per-cell accuracy.

For every corpus PDF, on the same pages (every page that holds one of the layout's tables) and
in the same process: the median time of ``cnbudget.ingest.pdf.read_pdf`` (characters, rulings,
grid, typed tables, amounts in 万元) and of pdfplumber's ``page.extract_tables()`` (tables as
lists of strings only). Accuracy counts the hand-typed amounts of
``cnbudget/ingest/pdf/corpus_expected.py``:

* ours — the cell (table, row, column) holds the printed text, the exact value in 万元 and the
  page as printed;
* pdfplumber — a row of its tables on that page holds the row's label (code, or a name the
  layout gives the row) and a cell whose text is the printed amount. Its column is not checked
  (this is lenient towards the baseline: it returns strings, not typed columns).

    .venv/bin/python benchmarks/bench_pdf.py [--runs 5]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from cnbudget.checks.refs import CellRef
from cnbudget.ingest.pdf.corpus_expected import EXPECTED, LAYOUTS, Expect
from cnbudget.ingest.pdf.reader import read_pdf
from cnbudget.layouts import TableSpec, load_layout, normalize_label
from cnbudget.model import Document
from cnbudget.testing import CORPUS_DIR

pdfplumber = None  # imported in main(): only this benchmark needs it


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ours_right(doc: Document, e: Expect) -> bool:
    ref = CellRef.parse(f"{e.table}{'.' + e.side if e.side else ''}:{e.row}:{e.column}")
    found = ref.resolve(doc)
    if found is None or found[1] is None:
        return False
    a = found[1].values.get(e.column)
    return (
        a is not None
        and a.printed == e.printed
        and a.value == e.value
        and a.source is not None
        and a.source.page == e.page
    )


def _labels(spec: TableSpec | None, e: Expect) -> list[str]:
    """Names the layout gives the expected row (to find it in pdfplumber's strings)."""
    if e.row.startswith("code="):
        return [e.row[5:]]
    if spec is None:
        return []
    if e.row == "total":
        if e.side == "income":
            return spec.income_total_names
        if e.side == "expenditure":
            return spec.expenditure_total_names
        return spec.total_names
    key = e.row[4:]
    for r in (*spec.income_rows, *spec.named_rows):
        if r.key == key:
            return r.names
    return []


def _flat(text: str | None) -> str:
    return "".join((text or "").split())


def plumber_right(tables_by_page: dict[int, list], layout: str, e: Expect) -> bool:
    spec = load_layout(layout).table(e.table)
    tables = tables_by_page.get(e.page, [])
    want = _flat(e.printed)
    transposed = spec is not None and spec.mode == "named"  # items printed as columns
    labels = [normalize_label(x) for x in _labels(spec, e)]
    for table in tables:
        for row in table:
            cells = [_flat(c) for c in row]
            if want not in cells:
                continue
            if transposed:
                return True
            joined = normalize_label("".join(cells))
            if e.row.startswith("code="):
                if e.row[5:] in joined:
                    return True
                # a class printed by name only (two-sided tables): its catalog name
                continue
            if any(lab and lab in joined for lab in labels):
                return True
    return False


def table_pages(doc: Document) -> list[int]:
    pages = {r.source.page for t in doc.tables for r in t.rows if r.source and r.source.page} | {
        t.source.page for t in doc.tables if t.source and t.source.page
    }
    return sorted(pages)


def main() -> int:
    global pdfplumber
    try:
        import pdfplumber  # the baseline; not a dependency of cnbudget itself
    except ImportError:
        print("pdfplumber is needed for the baseline: .venv/bin/pip install pdfplumber")
        return 2
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    rows = []
    tot = {"pages": 0, "ours_s": 0.0, "plumber_s": 0.0, "ok": 0, "n": 0, "pok": 0}
    for name, layout in LAYOUTS.items():
        path = Path(CORPUS_DIR) / name
        if not path.is_file():
            print(f"{name}: not found in {CORPUS_DIR}, skipped")
            continue
        full = read_pdf(path)  # warm caches (layout, catalog) and find the table pages
        pages = table_pages(full)
        ours_s = median_s(lambda p=path, ps=pages, lay=layout: read_pdf(p, lay, pages=ps), runs)

        def plumber(p: Path = path, ps: list[int] = pages) -> dict[int, list]:
            with pdfplumber.open(p) as pdf:
                return {n: pdf.pages[n - 1].extract_tables() for n in ps}

        plumber_s = median_s(plumber, runs)
        doc = read_pdf(path, layout, pages=pages)
        tables = plumber()
        exps = EXPECTED[name]
        ok = sum(ours_right(doc, e) for e in exps)
        pok = sum(plumber_right(tables, layout, e) for e in exps)
        n = len(pages)
        rows.append((name, n, n / ours_s, n / plumber_s, plumber_s / ours_s, ok, pok, len(exps)))
        tot["pages"] += n
        tot["ours_s"] += ours_s
        tot["plumber_s"] += plumber_s
        tot["ok"] += ok
        tot["pok"] += pok
        tot["n"] += len(exps)
    print(f"runs per measurement: {runs} (medians); same pages, same process")
    head = (
        f"{'file':<50} {'pages':>5} {'ours p/s':>9} {'plumber p/s':>12} {'speedup':>8} "
        f"{'ours acc':>10} {'plumber acc':>12}"
    )
    print(head)
    print("-" * len(head))

    def acc(k: int, n: int) -> str:
        return f"{k}/{n}" if n else "n/a"

    for name, n, ours_ps, pl_ps, speed, ok, pok, ne in rows:
        print(
            f"{name:<50} {n:>5} {ours_ps:>9.1f} {pl_ps:>12.1f} {speed:>7.1f}x "
            f"{acc(ok, ne):>10} {acc(pok, ne):>12}"
        )
    if tot["pages"]:
        print("-" * len(head))
        print(
            f"{'all':<50} {tot['pages']:>5} {tot['pages'] / tot['ours_s']:>9.1f} "
            f"{tot['pages'] / tot['plumber_s']:>12.1f} "
            f"{tot['plumber_s'] / tot['ours_s']:>7.1f}x {acc(tot['ok'], tot['n']):>10} "
            f"{acc(tot['pok'], tot['n']):>12}"
        )
        print(
            f"amounts right: ours {100 * tot['ok'] / max(tot['n'], 1):.1f} %, "
            f"pdfplumber {100 * tot['pok'] / max(tot['n'], 1):.1f} % (row label + text, any column)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
