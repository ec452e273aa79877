"""The annotated PDF, read back with pypdf: one frame per located finding, where the reader
found it, with its message; the listing pages in front; boxes right on rotated pages too."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject

import cnbudget.cli.review_commands  # noqa: F401  (registers `annotate` on the CLI)
from cnbudget.checks import Finding, Location, Report, check_document
from cnbudget.cli.main import cli
from cnbudget.ingest.pdf.extract import read_pages
from cnbudget.outputs.annotate import COLOURS, AnnotateResult, annotate_pdf, display_to_user
from cnbudget.testing import FINANCE, corpus_file, corpus_pdf


@pytest.fixture(scope="module")
def finance(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, AnnotateResult, Path]:
    """The 2024 普陀区财政局 决算 checked and annotated once for this module."""
    doc = corpus_pdf(FINANCE)
    report = check_document(doc)
    out = tmp_path_factory.mktemp("annotate") / "finance.审核.pdf"
    return report, annotate_pdf(corpus_file(FINANCE), report, out, doc=doc), out


def _contains(rect: object, box: tuple[float, float, float, float]) -> bool:
    """Whether the annotation's ``/Rect`` (any corner order) contains ``box``."""
    outer = RectangleObject(rect)  # type: ignore[arg-type]
    x0, y0, x1, y1 = (float(v) for v in (outer.left, outer.bottom, outer.right, outer.top))
    return x0 <= box[0] and y0 <= box[1] and box[2] <= x1 and box[3] <= y1


def test_one_frame_per_located_finding_at_its_page_and_box(finance) -> None:  # type: ignore[no-untyped-def]
    report, result, out = finance
    original = PdfReader(corpus_file(FINANCE))
    annotated = PdfReader(out)
    k = result.cover_pages
    assert k >= 1 and len(annotated.pages) == len(original.pages) + k
    located = [f for f in report.findings if f.location.source_page and f.location.source_bbox]
    assert located, "the finance 决算 has findings with page and box"
    assert len(located) == len(report.findings)  # its table and narrative findings all have one
    per_page: dict[int, list[Finding]] = defaultdict(list)
    for f in located:
        per_page[f.location.source_page].append(f)  # type: ignore[index]
    for no, page in enumerate(annotated.pages[k:], start=1):
        assert not original.pages[no - 1].annotations  # so every annotation here is ours
        annots = [a.get_object() for a in page.annotations or []]
        assert len(annots) == len(per_page.get(no, [])), f"page {no}"
        for f in per_page.get(no, []):
            mine = [a for a in annots if a["/Contents"].startswith(f.message_zh)]
            assert len(mine) == 1, (no, f.rule)
            a = mine[0]
            assert a["/Subtype"] == "/Square" and a["/Subj"] == f.rule
            assert f.message_en in a["/Contents"]
            # the corpus pages are upright with the crop box at the origin: user space is the
            # reader's box flipped upside down (independent of display_to_user)
            op = original.pages[no - 1]
            assert op.rotation == 0 and float(op.cropbox.left) == float(op.cropbox.bottom) == 0
            x0, top, x1, bottom = f.location.source_bbox  # type: ignore[misc]
            height = float(op.cropbox.height)
            user = (x0, height - bottom, x1, height - top)
            assert _contains(a["/Rect"], user), (f.rule, a["/Rect"], user)
            # the frame hugs the box: not more than a few points larger on any side
            assert float(RectangleObject(a["/Rect"]).width) - (user[2] - user[0]) < 4
            assert [round(float(c), 3) for c in a["/C"]] == [
                round(c, 3) for c in COLOURS[f.severity]
            ]
            assert "/AP" in a and a["/F"] & 4  # drawn by every viewer, and printed
    # the finance 决算: table cells (表1 on page 6, 表4 on page 12), sentences on page 21
    assert not result.unplaced
    assert any(f.location.table_no for f, _p in result.placed)  # a table cell …
    assert any(f.location.sentence and p == 21 for f, p in result.placed)  # … and a sentence


def test_first_page_lists_every_finding_with_its_page(finance) -> None:  # type: ignore[no-untyped-def]
    report, result, out = finance
    annotated = PdfReader(out)
    text = "".join(annotated.pages[i].extract_text() for i in range(result.cover_pages))
    flat = re.sub(r"\s+", "", text)
    assert "审核意见" in flat and "上海市普陀区财政局" in flat
    assert f"共{len(report.findings)}条" in flat
    for f in report.findings:
        assert f.rule in flat
        assert f"原第{f.location.source_page}页" in flat
        assert f"本文件第{f.location.source_page + result.cover_pages}页" in flat
    counts = Counter(f.rule for f in report.findings)
    for rule, n in counts.items():
        assert flat.count(rule) >= n


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_boxes_convert_to_user_space_on_rotated_offset_pages(rotation: int, tmp_path: Path) -> None:
    """PDFium reads the same page rotated and with an offset crop box; every character's box,
    converted back, lands on the user-space box it has on the plain page (the content stream is
    the same, so user space is the same)."""
    src = corpus_file(FINANCE)
    plain = read_pages(src, [6])[0]
    h = plain.height
    truth: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    for c in plain.chars:
        truth[c.text].append((c.x0, h - c.bottom, c.x1, h - c.top))
    w = PdfWriter()
    w.append(src, pages=[5])
    page = w.pages[0]
    box = RectangleObject(
        [-20, -30, float(page.mediabox.width) + 10, float(page.mediabox.height) + 15]
    )
    page.mediabox, page.cropbox = box, box
    if rotation:
        page.rotate(rotation)
    moved = tmp_path / f"rot{rotation}.pdf"
    w.write(moved)
    shown = read_pages(moved, [1])[0]
    target = PdfReader(moved).pages[0]
    assert target.rotation == rotation and len(shown.chars) == len(plain.chars)
    if rotation in (90, 270):
        assert shown.width > shown.height  # the portrait page is shown landscape
    for c in shown.chars:
        user = display_to_user((c.x0, c.top, c.x1, c.bottom), target)
        err = min(max(abs(a - b) for a, b in zip(user, t, strict=True)) for t in truth[c.text])
        assert err < 0.01, (c.text, user)

    # and the annotation drawn from a display box frames that character on the rotated page
    c = next(c for c in shown.chars if c.text == "2")
    f = Finding(
        rule="TEST-ROT",
        severity="warning",
        family="test",
        message_zh="旋转页上的框",
        message_en="a box on a rotated page",
        location=Location(source_page=1, source_bbox=(c.x0, c.top, c.x1, c.bottom)),
    )
    out = tmp_path / "rot.审核.pdf"
    res = annotate_pdf(moved, Report(findings=[f]), out)
    (a,) = [x.get_object() for x in PdfReader(out).pages[res.cover_pages].annotations]
    user = display_to_user((c.x0, c.top, c.x1, c.bottom), target)
    plain_box = min(truth["2"], key=lambda t: sum(abs(x - y) for x, y in zip(t, user, strict=True)))
    assert _contains(a["/Rect"], plain_box)


def test_findings_without_box_or_page(finance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A page without a box becomes a note on that page; no page (or a page the file lacks)
    can only be listed in front — and is."""
    report, _result, _out = finance
    base = report.findings[0]
    no_box = base.model_copy(update={"location": Location(source_page=3, row_name="甲")})
    no_page = base.model_copy(
        update={"rule": "TEST-NOPAGE", "location": Location(sentence="说明中缺少三公经费")}
    )
    far = base.model_copy(update={"rule": "TEST-FAR", "location": Location(source_page=999)})
    outside = base.model_copy(
        update={"location": Location(source_page=4, source_bbox=(2000, 2000, 2100, 2100))}
    )
    out = tmp_path / "x.审核.pdf"
    twin = base.model_copy(update={"rule": "TEST-TWIN"})  # a second finding on the same box
    findings = [no_box, no_page, far, outside, base, twin]
    res = annotate_pdf(corpus_file(FINANCE), Report(findings=findings), out)
    assert [f.rule for f in res.unplaced] == ["TEST-NOPAGE", "TEST-FAR"]
    pdf = PdfReader(out)
    k = res.cover_pages
    (note,) = [a.get_object() for a in pdf.pages[k + 2].annotations]
    assert note["/Subtype"] == "/Text" and note["/Contents"].startswith(base.message_zh)
    (off,) = [a.get_object() for a in pdf.pages[k + 3].annotations]
    assert off["/Subtype"] == "/Text"  # a box off the visible page: a note in the margin
    assert float(RectangleObject(off["/Rect"]).top) <= float(pdf.pages[k + 3].cropbox.top)
    page = base.location.source_page
    assert page is not None and base.location.source_bbox is not None
    first, second = (
        RectangleObject(a.get_object()["/Rect"]) for a in pdf.pages[k + page - 1].annotations
    )
    assert _contains(second, (first.left, first.bottom, first.right, first.top))
    assert second.width > first.width  # drawn apart, so each can be opened
    assert sum(len(p.annotations or []) for p in pdf.pages) == 4
    flat = re.sub(r"\s+", "", "".join(pdf.pages[i].extract_text() for i in range(k)))
    assert "TEST-NOPAGE" in flat and "TEST-FAR" in flat and flat.count("无页码") == 2


def test_cli_annotate_writes_beside_and_refuses_bad_input(tmp_path: Path) -> None:
    pdf = tmp_path / "普陀财政局.pdf"
    pdf.write_bytes(corpus_file(FINANCE).read_bytes())
    runner = CliRunner()
    ok = runner.invoke(cli, ["annotate", str(pdf)])
    assert ok.exit_code == 0, ok.output
    out = tmp_path / "普陀财政局.审核.pdf"
    assert out.is_file() and "已写入" in ok.output
    assert sum(len(p.annotations or []) for p in PdfReader(out).pages) == 4

    txt = tmp_path / "a.txt"
    txt.write_text("不是 PDF", encoding="utf-8")
    bad = runner.invoke(cli, ["annotate", str(txt)])
    assert bad.exit_code == 2 and "只能标注 PDF" in bad.output and "Traceback" not in bad.output
    fake = tmp_path / "fake.pdf"
    fake.write_text("garbage", encoding="utf-8")
    bad = runner.invoke(cli, ["annotate", str(fake)])
    assert bad.exit_code == 2 and "不是 PDF 文件" in bad.output
    same = runner.invoke(cli, ["annotate", str(pdf), "-o", str(pdf)])
    assert same.exit_code == 2 and "不能覆盖原文件" in same.output
    missing = runner.invoke(cli, ["annotate", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 2 and "找不到文件" in missing.output
