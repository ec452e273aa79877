"""Fuzz the readers and the checks: mutated inputs of every format, each read + checked in a
forked child with a time and memory limit, so that a hang or a blow-up is counted, not fatal.

Seeds: the text sample of the corpus, cnbudget's own example disclosures written as text,
HTML, XLSX and PDF (``cnbudget.outputs``), and the corpus PDFs. Mutations: byte flips,
truncation, duplication of a slice, huge numbers (``1e400``, 22- to 5000-digit runs), very long
lines, re-encoding (GB18030, UTF-16, mixed), random Unicode; for workbooks the sheet XML is
mutated inside the ZIP and some cases are zip bombs; for HTML, huge ``rowspan`` / ``colspan``.

Outcomes per case: ``ok`` (a Document and a Report), ``readerror`` (a clear ReadError),
``crash`` (any other exception: counted by class and innermost cnbudget frame), ``timeout``
(over ``--timeout`` seconds of wall time), ``memory`` (MemoryError or killed over
``--mem-mb``). The first reproducer of each crash / hang class is shrunk by halving (drop a
half, then quarters …, keeping the same class) and saved to ``--out``.

    .venv/bin/python benchmarks/fuzz.py --cases 10000 [--seed 1] [--out /tmp/fuzz-out] [--jobs 2]

Prints progress every 500 cases and a summary (cases, outcomes, crash classes, hangs, peak RSS,
cases per second) at the end; figures only, no assertions.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import resource
import select
import signal
import sys
import tempfile
import time
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME

# -- seeds --------------------------------------------------------------------------------


@dataclass
class Seed:
    name: str
    kind: str  # text | html | xlsx | pdf
    data: bytes


def build_seeds(tmp: Path, with_pdf: bool) -> list[Seed]:
    """The inputs every case starts from (the project writes its own HTML / XLSX / PDF)."""
    from cnbudget.example import build_example, example_text
    from cnbudget.outputs.html import render_html
    from cnbudget.outputs.xlsx import write_xlsx

    seeds: list[Seed] = []
    sample = CORPUS_DIR / SAMPLE_NAME
    if sample.is_file():
        seeds.append(Seed(SAMPLE_NAME, "text", sample.read_bytes()))
    for s in (1, 2):
        seeds.append(Seed(f"example-{s}.txt", "text", example_text(s).encode("utf-8")))
    doc = build_example(3)
    seeds.append(Seed("example-3.html", "html", render_html(doc).encode("utf-8")))
    write_xlsx(doc, tmp / "example-3.xlsx")
    seeds.append(Seed("example-3.xlsx", "xlsx", (tmp / "example-3.xlsx").read_bytes()))
    if with_pdf:
        from cnbudget.outputs.pdf import render_pdf

        seeds.append(Seed("example-3.pdf", "pdf", render_pdf(build_example(4))))
        for p in sorted(CORPUS_DIR.glob("*.pdf")):
            if p.stat().st_size < 1_000_000:  # the 3.6 MB scan-sized one makes cases slow
                seeds.append(Seed(p.name, "pdf", p.read_bytes()))
    return seeds


# -- mutations ----------------------------------------------------------------------------

_NUM = re.compile(rb"\d[\d,]*\.\d+|\d{2,}")
HUGE = [b"1e400", b"99999999999999999999.99", b"-0.000000000000000001", b"NaN", b"Infinity"]


def huge_number(rng: random.Random) -> bytes:
    choice = rng.randrange(len(HUGE) + 2)
    if choice < len(HUGE):
        return HUGE[choice]
    n = rng.choice([25, 60, 400, 5000])
    return (b"9" * n) + (b".99" if choice == len(HUGE) else b"")


def m_flip(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def m_truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def m_duplicate(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 20_000))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] * rng.randint(1, 30) + data[at:]


def m_numbers(data: bytes, rng: random.Random) -> bytes:
    spans = [m.span() for m in _NUM.finditer(data)]
    if not spans:
        return data + huge_number(rng)
    out = bytearray(data)
    for a, b in sorted(rng.sample(spans, min(len(spans), rng.randint(1, 8))), reverse=True):
        out[a:b] = huge_number(rng)
    return bytes(out)


def m_long_line(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if rng.random() < 0.5 and len(lines) > 2:  # join a run of lines into one
        a = rng.randrange(len(lines))
        b = min(len(lines), a + rng.randint(50, 2000))
        sep = rng.choice([b" ", b"\t", b""])
        lines[a:b] = [sep.join(lines[a:b])]
    else:
        unit = rng.choice(
            [b"\xe9\xa2\x84\xe7\xae\x97", b"1234.56\t", b"a", b"<b>", b"\xe3\x80\x82"]
        )
        lines.insert(rng.randrange(len(lines) + 1), unit * rng.choice([10_000, 100_000, 300_000]))
    return b"\n".join(lines)


def m_encoding(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", errors="replace")
    how = rng.choice(["gb18030", "utf-16", "utf-8-sig", "mixed", "latin"])
    if how == "mixed":
        cut = rng.randrange(len(text) + 1)
        return text[:cut].encode("utf-8") + text[cut:].encode("gb18030", errors="replace")
    if how == "latin":
        return text.encode("utf-8").decode("latin-1").encode("utf-8")
    return text.encode(how, errors="replace")


def m_unicode(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 30)):
        cp = rng.choice(
            [
                rng.randrange(0x20, 0x250),
                rng.randrange(0x3000, 0x9FFF),
                rng.randrange(0xFF00, 0xFFEF),
                *[0x0, 0x200B, 0xFEFF, 0x202E, 0x1F600, 0xD7FF, 0x10FFFF, 0x0301, 0x3000, 0x85],
            ]
        )
        ch = chr(cp).encode("utf-8", errors="surrogatepass")
        at = rng.randrange(len(out) + 1)
        out = out[:at] + ch * rng.randint(1, 5) + out[at:]
    return out


TEXT_MUTATORS = [m_flip, m_truncate, m_duplicate, m_numbers, m_long_line, m_encoding, m_unicode]
BINARY_MUTATORS = [m_flip, m_truncate, m_duplicate]


def m_html_spans(data: bytes, rng: random.Random) -> bytes:
    tags = [m.end() - 1 for m in re.finditer(rb"<t[dh]\b[^>]*>", data)]
    if not tags:
        return data
    out = data
    for at in sorted(rng.sample(tags, min(len(tags), rng.randint(1, 4))), reverse=True):
        attr = rng.choice([b"rowspan", b"colspan"])
        n = rng.choice([b"0", b"-3", b"99999", b"100000000", b"2147483648", b"x"])
        out = out[:at] + b" " + attr + b'="' + n + b'"' + out[at:]
    return out


def mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    """Mutate the XML inside the workbook (the ZIP stays valid), or build a zip bomb, or damage
    the ZIP itself."""
    r = rng.random()
    if r < 0.2:
        return rng.choice(BINARY_MUTATORS)(data, rng)
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        if r < 0.3:  # zip bomb: one sheet's rows repeated to hundreds of MB
            victim = rng.choice([n for n in names if n.startswith("xl/worksheets/")] or names)
            for n in names:
                body = src.read(n)
                if n == victim:
                    m = re.search(rb"<row\b.*?</row>", body, re.S)
                    row = m.group(0) if m else b"<row><c><v>1</v></c></row>"
                    times = rng.choice([10_000, 200_000, 2_000_000])
                    a = body.find(b"</sheetData>")
                    body = body[:a] + row * times + body[a:] if a >= 0 else body + row * times
                dst.writestr(n, body)
            return buf.getvalue()
        xml = [n for n in names if n.endswith(".xml")]
        victim = rng.choice(xml)
        for n in names:
            body = src.read(n)
            if n == victim:
                mut = rng.choice([m_numbers, m_unicode, m_flip, m_truncate, m_duplicate])
                body = mut(body, rng)
            dst.writestr(n, body)
    return buf.getvalue()


def mutate(seed: Seed, rng: random.Random) -> tuple[str, bytes]:
    """(mutation name, mutated bytes) for one case."""
    if seed.kind == "xlsx":
        return "xlsx", mutate_xlsx(seed.data, rng)
    if seed.kind == "pdf":
        fn = rng.choice(BINARY_MUTATORS)
        data = fn(seed.data, rng)
        return fn.__name__, data
    pool = TEXT_MUTATORS + ([m_html_spans] * 2 if seed.kind == "html" else [])
    data = seed.data
    names = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        fn = rng.choice(pool)
        data = fn(data, rng)
        names.append(fn.__name__)
    return "+".join(names), data


# -- running one case in a child ----------------------------------------------------------


def _innermost(tb: traceback.StackSummary) -> str:
    for fr in reversed(tb):
        if "/cnbudget/" in fr.filename:
            return f"{fr.filename.split('/cnbudget/')[-1]}:{fr.lineno} {fr.name}"
    return f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "?"


def child_run(path: str, mem_mb: int, cpu_s: int) -> dict:
    """Read + check ``path``; the outcome as a dict (never raises)."""
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))
    from cnbudget.checks.engine import check_document
    from cnbudget.ingest import ReadError, read_path

    try:
        doc = read_path(path)
        report = check_document(doc)
        return {"outcome": "ok", "findings": len(report.findings), "issues": len(doc.issues)}
    except ReadError as exc:
        return {"outcome": "readerror", "sig": str(exc)[:60]}
    except MemoryError:
        return {"outcome": "memory", "sig": "MemoryError"}
    except BaseException as exc:
        tb = traceback.extract_tb(exc.__traceback__)
        return {
            "outcome": "crash",
            "sig": f"{type(exc).__name__} at {_innermost(tb)}",
            "trace": "".join(traceback.format_exception(exc))[-3000:],
        }


@dataclass
class Running:
    pid: int
    fd: int
    start: float
    case: int
    meta: dict
    buf: bytes = b""


def spawn(path: str, args, case: int, meta: dict) -> Running:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            os.setpgid(0, 0)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            res = child_run(path, args.mem_mb, args.timeout)
        except BaseException as exc:
            res = {"outcome": "crash", "sig": f"{type(exc).__name__} in harness child"}
        try:
            os.write(w, json.dumps(res).encode())
        finally:
            os._exit(0)
    os.close(w)
    return Running(pid, r, time.monotonic(), case, meta)


def run_batch(jobs: list[tuple[str, int, dict]], args, on_done) -> None:
    """Run (path, case, meta) jobs ``args.jobs`` at a time; ``on_done(run, result, maxrss_kb)``."""
    pending = list(reversed(jobs))
    running: list[Running] = []
    while pending or running:
        while pending and len(running) < args.jobs:
            path, case, meta = pending.pop()
            running.append(spawn(path, args, case, meta))
        ready, _, _ = select.select([r.fd for r in running], [], [], 0.5)
        now = time.monotonic()
        for run in list(running):
            if run.fd in ready:
                chunk = os.read(run.fd, 65536)
                if chunk:
                    run.buf += chunk
                    continue
            elif now - run.start <= args.timeout:
                continue
            else:
                os.killpg(run.pid, signal.SIGKILL)
            _, status, ru = os.wait4(run.pid, 0)
            os.close(run.fd)
            running.remove(run)
            if run.buf:
                try:
                    result = json.loads(run.buf)
                except ValueError:
                    result = {"outcome": "crash", "sig": "garbled child output"}
            elif now - run.start > args.timeout:
                result = {"outcome": "timeout", "sig": f"timeout > {args.timeout} s"}
            elif os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU:
                result = {"outcome": "timeout", "sig": f"CPU > {args.timeout} s"}
            else:
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                result = {"outcome": "memory", "sig": f"child died (signal/status {sig})"}
            on_done(run, result, ru.ru_maxrss)


# -- shrinking ----------------------------------------------------------------------------


def shrink(data: bytes, sig: str, suffix: str, args, tmp: Path) -> bytes:
    """Smallest input found by dropping halves, quarters … that still gives ``sig``."""

    def same(candidate: bytes) -> bool:
        p = tmp / f"shrink{suffix}"
        p.write_bytes(candidate)
        got: list[dict] = []
        run_batch([(str(p), -1, {})], args, lambda _r, res, _m: got.append(res))
        return bool(got) and got[0].get("sig") == sig

    best, chunk, tries = data, len(data) // 2, 0
    while chunk >= 1 and tries < args.shrink_tries:
        i, progressed = 0, False
        while i < len(best) and tries < args.shrink_tries:
            cand = best[:i] + best[i + chunk :]
            tries += 1
            if cand and same(cand):
                best, progressed = cand, True
            else:
                i += chunk
        if not progressed:
            chunk //= 2
    return best


# -- main ---------------------------------------------------------------------------------


@dataclass
class Stats:
    outcomes: Counter = field(default_factory=Counter)
    classes: Counter = field(default_factory=Counter)
    first: dict = field(default_factory=dict)  # sig -> (case, seed, mutation, path, trace)
    peak_kb: int = 0
    peak_case: str = ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=60, help="seconds per case (wall and CPU)")
    ap.add_argument("--mem-mb", type=int, default=3072, help="address-space limit per case")
    ap.add_argument("--no-pdf", action="store_true", help="skip PDF seeds (faster)")
    ap.add_argument("--shrink-tries", type=int, default=80)
    ap.add_argument(
        "--max-seconds", type=float, default=0, help="stop starting cases after this (0: never)"
    )
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cnbudget-fuzz-"))
    # Import everything once in the parent: children are forked from it, warm.
    import cnbudget.checks.engine
    import cnbudget.ingest.html
    import cnbudget.ingest.pdf.reader
    import cnbudget.ingest.xlsx  # noqa: F401

    seeds = build_seeds(tmp, with_pdf=not args.no_pdf)
    print(f"seeds: {', '.join(f'{s.name} ({len(s.data)} B)' for s in seeds)}", flush=True)
    suffix = {"text": ".txt", "html": ".html", "xlsx": ".xlsx", "pdf": ".pdf"}
    st = Stats()
    t0 = time.monotonic()
    done = 0
    kinds: Counter = Counter()

    def on_done(run: Running, res: dict, maxrss_kb: int) -> None:
        nonlocal done
        done += 1
        out = res["outcome"]
        st.outcomes[out] += 1
        if maxrss_kb > st.peak_kb:
            st.peak_kb, st.peak_case = maxrss_kb, f"{run.meta['seed']} {run.meta['mutation']}"
        if out in ("crash", "timeout", "memory"):
            sig = f"{out}: {res.get('sig')}"
            st.classes[sig] += 1
            if sig not in st.first:
                keep = args.out / f"case{run.case}{suffix[run.meta['kind']]}"
                keep.write_bytes(Path(run.meta["path"]).read_bytes())
                st.first[sig] = {
                    **run.meta,
                    "case": run.case,
                    "saved": str(keep),
                    "trace": res.get("trace", ""),
                }
                print(
                    f"  new class at case {run.case}: {sig} ({run.meta['seed']}, "
                    f"{run.meta['mutation']})",
                    flush=True,
                )
        try:
            os.unlink(run.meta["path"])
        except OSError:
            pass
        if done % 500 == 0:
            rate = done / (time.monotonic() - t0)
            print(
                f"[{done}/{args.cases}] {dict(st.outcomes)} peak RSS "
                f"{st.peak_kb / 1024:.0f} MB, {rate:.1f} cases/s; classes {dict(st.classes)}",
                flush=True,
            )

    batch = 64
    case = 0
    while case < args.cases and not (args.max_seconds and time.monotonic() - t0 > args.max_seconds):
        jobs = []
        for _ in range(min(batch, args.cases - case)):
            seed = rng.choice(seeds)
            kinds[seed.kind] += 1
            mutation, data = mutate(seed, rng)
            p = tmp / f"c{case}{suffix[seed.kind]}"
            p.write_bytes(data)
            jobs.append(
                (
                    str(p),
                    case,
                    {"seed": seed.name, "kind": seed.kind, "mutation": mutation, "path": str(p)},
                )
            )
            case += 1
        run_batch(jobs, args, on_done)
    elapsed = time.monotonic() - t0

    print("\n== summary ==")
    print(
        f"cases: {done} ({dict(kinds)}) in {elapsed:.0f} s ({done / elapsed:.1f} cases/s, "
        f"{args.jobs} jobs, limits {args.timeout} s / {args.mem_mb} MB per case)"
    )
    print(f"outcomes: {dict(st.outcomes)}")
    print(f"peak RSS of a case: {st.peak_kb / 1024:.0f} MB ({st.peak_case})")
    crashes = {k: v for k, v in st.classes.items() if k.startswith("crash")}
    hangs = {k: v for k, v in st.classes.items() if not k.startswith("crash")}
    print(f"crashes: {sum(crashes.values())} in {len(crashes)} classes")
    for k, v in sorted(crashes.items(), key=lambda kv: -kv[1]):
        print(f"  {v:6d}  {k}")
    print(f"hangs / blow-ups over the limits: {sum(hangs.values())}")
    for k, v in sorted(hangs.items(), key=lambda kv: -kv[1]):
        print(f"  {v:6d}  {k}")
    for i, (sig, info) in enumerate(st.first.items()):
        data = Path(info["saved"]).read_bytes()
        # Hangs and blow-ups are kept whole: shrinking them costs a time limit per try.
        small = (
            shrink(data, sig.split(": ", 1)[1], suffix[info["kind"]], args, tmp)
            if sig.startswith("crash")
            else data
        )
        name = args.out / f"repro{i}{suffix[info['kind']]}"
        name.write_bytes(small)
        (args.out / f"repro{i}.json").write_text(
            json.dumps(
                {
                    "class": sig,
                    **{k: v for k, v in info.items() if k != "path"},
                    "bytes": len(small),
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        print(f"reproducer {name} ({len(data)} → {len(small)} B): {sig}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
