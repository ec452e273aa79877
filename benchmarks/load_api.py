"""Load test of the REST API on loopback (issue goals: p99 ≤ 50 ms for a document fetch on a
database of 1,000 documents; p99 ≤ 100 ms for fetch, list, search, totals, series and compare
at 100,000 documents on PostgreSQL).

1. Builds a store of N generated disclosures (``cnbudget.example.example_text``, each in one of
   many fictional cities and a year 2015–2024, written to a temporary folder and imported with
   the store's ``import_paths``), or reuses ``--db`` (a SQLite path, or a PostgreSQL URL: a
   database already holding ≥ N documents is used as it is; a smaller one is filled first by
   ``benchmarks/bench_batch.py --import-docs 500 --target-docs N``, real imports multiplied
   inside PostgreSQL).
2. Starts the API with uvicorn in a subprocess on 127.0.0.1 (a free port; loopback only).
3. Runs C concurrent clients (processes, one ``httpx.Client`` each) doing document fetches,
   list/search, aggregates, series, peers and some uploads with the token, until a request
   budget *or* a time budget is spent — it always stops by itself.
4. Prints throughput and p50/p99/max latency per kind of request, and stops the server.

    .venv/bin/python benchmarks/load_api.py [-n 1000] [--clients 4] [--requests 4000]
        [--seconds 60] [--db PATH|URL] [--only document,list] [--cache-size 0]
    .venv/bin/python benchmarks/load_api.py --docs 100000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/cnbudget_scale100k \
        --only document,list,search,totals,series,compare --cache-size 0
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

try:  # the test extra installs httpx2; plain httpx has the same client API
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

HOST = "127.0.0.1"  # loopback only, never another address
TOKEN = "load-test-token"
YEARS = 10

#: (kind, weight): what a client does, in proportion.
MIX = [
    ("document", 50),
    ("document_info", 5),
    ("list", 10),
    ("search", 8),
    ("aggregate", 10),
    ("totals", 5),  # whole country, every year (the summary of migration 0005)
    ("series", 5),
    ("compare", 3),
    ("peers", 4),
    ("findings", 5),
    ("upload", 1),  # ~1 upload/s at ~100 req/s: far more writes than a real store sees
]


def _example(seed: int) -> str:
    from cnbudget.example import example_text

    year = 2024 - seed % YEARS
    return example_text(seed, year).replace("示例市", f"示例{seed // YEARS}市")


def is_url(db: str) -> bool:
    return "://" in db


def count_documents(db: str) -> int:
    from sqlalchemy import func, select

    from cnbudget.store.db import make_engine
    from cnbudget.store.migrate import upgrade
    from cnbudget.store.schema import DocumentRow

    upgrade(db)
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count(DocumentRow.id))).scalar_one())
    finally:
        engine.dispose()


def build_pg_store(n: int, url: str) -> None:
    """Fill a PostgreSQL store to ``n`` documents: 500 real imports multiplied in the server."""
    here = Path(__file__).with_name("bench_batch.py")
    cmd = [sys.executable, str(here), "--import-docs", str(min(n, 500)), "--target-docs", str(n)]
    subprocess.run([*cmd, "--db", url, "--no-explain"], check=True)


def sample_ids(db: str, k: int = 5000) -> tuple[list[int], list[int]]:
    """Up to ``k`` document ids and department ids spread over the store (ordered by id and
    strided, so the sample is the same every run); light selects, not the listing."""
    from sqlalchemy import select

    from cnbudget.store.db import make_engine
    from cnbudget.store.schema import DepartmentRow, DocumentRow

    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            docs = list(conn.execute(select(DocumentRow.id).order_by(DocumentRow.id)).scalars())
            depts = list(
                conn.execute(select(DepartmentRow.id).order_by(DepartmentRow.id)).scalars()
            )
    finally:
        engine.dispose()
    return docs[:: max(1, len(docs) // k)], depts[:: max(1, len(depts) // k)]


def build_store(n: int, db: Path, jobs: int) -> None:
    """Generate ``n`` disclosures and import them into ``db`` (SQLite)."""
    from cnbudget.store.importer import import_paths

    folder = Path(tempfile.mkdtemp(prefix="cnbudget-load-docs-"))
    try:
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for seed, text in enumerate(pool.map(_example, range(n), chunksize=16)):
                (folder / f"doc-{seed:05d}.txt").write_text(text, encoding="utf-8")
        t1 = time.perf_counter()
        summary = import_paths([folder], str(db), jobs=jobs)
        t2 = time.perf_counter()
        c = summary.counts
        print(
            f"store: generated {n} in {t1 - t0:.1f} s, imported {c['imported']} "
            f"(unchanged {c['unchanged']}, failed {c['failed']}) in {t2 - t1:.1f} s "
            f"= {summary.docs_per_second:.1f} documents/s"
        )
        if c["failed"]:
            print("  first failure:", summary.failed[0].reason)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


#: The server as ``cnbudget serve`` runs it (same helper, same settings), without access logs.
SERVER_CODE = """
import sys
from cnbudget.api import Settings
from cnbudget.api.server import run
run(
    Settings(db_url=sys.argv[1], token=sys.argv[2], parse_workers=1, cache_size=int(sys.argv[5])),
    sys.argv[3], int(sys.argv[4]), log_level="warning", access_log=False,
    processes=int(sys.argv[6]),
)
"""


def start_server(
    db: str, port: int, cache_size: int = 256, processes: int = 1
) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVER_CODE,
            db,
            TOKEN,
            HOST,
            str(port),
            str(cache_size),
            str(processes),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start within 60 s")


class Load:
    """One client's budgets and measurements (each client is its own process)."""

    def __init__(
        self,
        base: str,
        requests: int,
        deadline: float,
        doc_ids: list[int],
        seed: int,
        mix: list[tuple[str, int]] = MIX,
        dept_ids: list[int] | None = None,
    ) -> None:
        self.dept_ids = dept_ids or list(range(1, 300))
        self.base = base
        self.mix = mix
        self.remaining = requests
        self.deadline = deadline  # time.time() based: comparable across processes
        self.doc_ids = doc_ids
        self.seed = seed
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, Counter[int]] = defaultdict(Counter)
        self.errors: Counter[str] = Counter()
        self.uploads = 0

    def take(self) -> bool:
        if self.remaining <= 0 or time.time() >= self.deadline:
            return False
        self.remaining -= 1
        return True

    def record(self, kind: str, seconds: float, status: int) -> None:
        self.latency[kind].append(seconds)
        self.status[kind][status] += 1

    def next_upload(self, rng: random.Random) -> tuple[str, bytes]:
        self.uploads += 1
        # New bytes each time (a unique marker line), the same bytes again now and then
        # (exercises "unchanged"); the department is one of the store's.
        n = self.uploads - 1 if self.uploads > 1 and rng.random() < 0.3 else self.uploads
        seed = rng.randrange(1000) if n == self.uploads else self.seed * 7919
        text = _example(seed) + f"\n<!-- load {self.seed}-{n}-{time.time_ns()} -->\n"
        if n != self.uploads:
            text = _example(seed) + f"\n<!-- load {self.seed} repeat -->\n"
        return f"upload-{self.seed}-{n}.txt", text.encode("utf-8")


def request_for(kind: str, load: Load, rng: random.Random) -> tuple[str, str, dict]:
    doc = rng.choice(load.doc_ids)
    year = 2024 - rng.randrange(YEARS)
    if kind == "document":
        return "GET", f"/api/documents/{doc}", {}
    if kind == "document_info":
        return "GET", f"/api/documents/{doc}/info", {}
    if kind == "findings":
        return "GET", f"/api/documents/{doc}/findings", {}
    if kind == "list":
        return "GET", "/api/documents", {"params": {"limit": 50, "offset": rng.randrange(0, 900)}}
    if kind == "search":
        q = rng.choice(["能源", "经济", "数据", f"示例{rng.randrange(100)}市"])
        params: dict[str, object] = {"q": q, "limit": 20}
        if rng.random() < 0.5:  # half of them over every year
            params["year"] = year
        return "GET", "/api/documents", {"params": params}
    if kind == "aggregate":
        path = rng.choice(["/api/aggregates/functional", "/api/aggregates/economic"])
        return "GET", path, {"params": {"year": year, "level": "类"}}
    if kind == "totals":
        path = rng.choice(["/api/aggregates/functional", "/api/aggregates/economic"])
        return "GET", path, {"params": {"level": rng.choice(["类", "款", "total"])}}
    if kind == "series":
        return "GET", f"/api/departments/{rng.choice(load.dept_ids)}/series", {}
    if kind == "compare":
        other = rng.choice(load.doc_ids)
        return "GET", "/api/compare", {"params": {"a": doc, "b": other}}
    if kind == "peers":
        return "GET", "/api/peers", {"params": {"year": year}}
    if kind == "upload":
        name, data = load.next_upload(rng)
        return (
            "POST",
            "/api/documents",
            {
                "files": {"file": (name, data, "text/plain")},
                "headers": {"Authorization": f"Bearer {TOKEN}"},
            },
        )
    raise ValueError(kind)


def client(load: Load) -> Load:
    """One client: one request at a time until its share of the budget or the time is spent."""
    rng = random.Random(load.seed)
    kinds = [k for k, _ in load.mix]
    weights = [w for _, w in load.mix]
    with httpx.Client(base_url=load.base, timeout=30) as http:
        while load.take():
            kind = rng.choices(kinds, weights)[0]
            method, path, kw = request_for(kind, load, rng)
            t0 = time.perf_counter()
            try:
                r = http.request(method, path, **kw)
                r.read()
                load.record(kind, time.perf_counter() - t0, r.status_code)
            except httpx.HTTPError as exc:
                load.errors[f"{kind}: {type(exc).__name__}"] += 1
    return load


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "-n", "--docs", type=int, default=1000, help="documents in the store (default 1000)"
    )
    ap.add_argument(
        "--db",
        help="reuse this SQLite store (built there if missing) or PostgreSQL URL "
        "(filled to --docs documents if it holds fewer)",
    )
    ap.add_argument(
        "--cache-size",
        type=int,
        default=256,
        help="the API's answer cache (0: every aggregate computed, the first-hit latency)",
    )
    ap.add_argument(
        "--clients", type=int, default=4, help="concurrent client processes (default 4)"
    )
    ap.add_argument(
        "--server-processes",
        type=int,
        default=1,
        help="serving processes (cnbudget serve --processes; default 1)",
    )
    ap.add_argument("--requests", type=int, default=4000, help="request budget (default 4000)")
    ap.add_argument("--seconds", type=float, default=60, help="time budget (default 60 s)")
    ap.add_argument("--jobs", type=int, default=2, help="import processes (default 2)")
    ap.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    ap.add_argument(
        "--only",
        default=None,
        help="comma-separated kinds to run (default: the whole mix), e.g. document,list",
    )
    args = ap.parse_args(argv)
    if args.requests <= 0 or args.seconds <= 0 or args.clients <= 0:
        ap.error("budgets and clients must be positive")
    mix = MIX
    if args.only:
        wanted = {k.strip() for k in args.only.split(",") if k.strip()}
        unknown = wanted - {k for k, _ in MIX}
        if unknown:
            ap.error(f"unknown kinds: {', '.join(sorted(unknown))}")
        mix = [(k, w) for k, w in MIX if k in wanted]

    tmp = None
    if args.db is not None and is_url(args.db):
        db = args.db
        have = count_documents(db)
        if have < args.docs:
            print(f"store holds {have} documents, fewer than {args.docs}: filling it")
            build_pg_store(args.docs, db)
    else:
        if args.db is None:
            tmp = Path(tempfile.mkdtemp(prefix="cnbudget-load-"))
            path = tmp / "load.db"
        else:
            path = Path(args.db)
        path = path.resolve()
        if not path.exists():
            build_store(args.docs, path, args.jobs)
        db = str(path)
    load_before = os.getloadavg()
    try:
        doc_ids, dept_ids = sample_ids(db)
        print(f"store: {db} with {count_documents(db)} documents (sample of {len(doc_ids)} ids)")
        port = free_port()
        server = start_server(db, port, args.cache_size, args.server_processes)
        try:
            base = f"http://{HOST}:{port}"
            warm = Load(base, args.warmup, time.time() + 60, doc_ids, -1, mix, dept_ids)
            client(warm)  # untimed
            # Each client is a process: threads of one process would queue on its GIL and
            # charge that wait to the server's latency.
            share = [args.requests // args.clients] * args.clients
            for i in range(args.requests % args.clients):
                share[i] += 1
            deadline = time.time() + args.seconds
            loads = [
                Load(base, share[i], deadline, doc_ids, i, mix, dept_ids)
                for i in range(args.clients)
            ]
            t0 = time.perf_counter()
            with ProcessPoolExecutor(max_workers=args.clients) as pool:
                done = list(pool.map(client, loads, timeout=args.seconds + 120))
            wall = time.perf_counter() - t0
        finally:
            server.terminate()  # the server this script started, by its own handle
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    load = Load("", 0, 0, [], 0)
    for one in done:
        for k, v in one.latency.items():
            load.latency[k].extend(v)
        for k, c in one.status.items():
            load.status[k].update(c)
        load.errors.update(one.errors)
    total = sum(len(v) for v in load.latency.values())
    print(
        f"\n{args.clients} clients, {total} requests in {wall:.1f} s = {total / wall:.0f} req/s "
        f"(budget {args.requests} requests / {args.seconds:.0f} s; server: "
        f"{args.server_processes} uvicorn process(es), "
        f"{os.cpu_count()} CPUs shared with the clients)"
    )
    load1, load5, _ = os.getloadavg()
    print(
        f"machine load average: before {load_before[0]:.2f} (1 min), after "
        f"{load1:.2f} (1 min), {load5:.2f} (5 min); answer cache size {args.cache_size}"
    )
    print(f"{'kind':<14}{'n':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}  statuses")
    for kind, _ in MIX:
        lat = sorted(load.latency.get(kind, []))
        if not lat:
            continue
        statuses = ", ".join(f"{s}×{n}" for s, n in sorted(load.status[kind].items()))
        print(
            f"{kind:<14}{len(lat):>7}{len(lat) / wall:>8.1f}{pct(lat, 50) * 1000:>9.1f}"
            f"{pct(lat, 99) * 1000:>9.1f}{lat[-1] * 1000:>9.1f}  {statuses}"
        )
    if load.errors:
        print("client errors:", dict(load.errors))
    if is_url(db) or args.docs >= 100_000:
        slow = [
            k
            for k in ("document", "list", "search", "totals", "series", "compare")
            if load.latency.get(k) and pct(sorted(load.latency[k]), 99) * 1000 > 100
        ]
        print(f"goal p99 ≤ 100 ms per kind: {'met' if not slow else 'NOT met: ' + ', '.join(slow)}")
    fetch = sorted(load.latency.get("document", []))
    if fetch:
        p99 = pct(fetch, 99) * 1000
        verdict = "met" if p99 <= 50 else "NOT met"
        print(f"\ngoal p99 ≤ 50 ms for a document fetch: {p99:.1f} ms — {verdict}")
    bad = sum(n for k in load.status for s, n in load.status[k].items() if s >= 500)
    return 1 if bad or load.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
