"""Assemble a whole fictional :class:`Document` from the figures of one seed.

Why: benchmarks and tests need many disclosures whose every identity is known to hold exactly
and whose ground truth is the model itself. ``build_example`` returns exactly the model that
``read_text`` yields for ``example_text`` (up to provenance), so a reader, a checker or an
exporter can be measured against it.
"""

from __future__ import annotations

import random

from cnbudget.example.data import GLOSSARY
from cnbudget.example.figures import draw
from cnbudget.example.narrative import explanation, overview, performance
from cnbudget.example.tables import build_tables
from cnbudget.layouts import load_layout
from cnbudget.model import (
    BudgetUnit,
    Document,
    GlossaryEntry,
    Metadata,
    Region,
    Staffing,
)
from cnbudget.outputs.text import render_text

LAYOUT = "budget-11"


def build_example(seed: int = 0, *, year: int = 2024, department: int | None = None) -> Document:
    """A fictional department's budget disclosure for ``seed``; deterministic per (seed, year).

    Different seeds give different departments, units, 项, projects and amounts; all tables are
    sums of the same base figures, so every row, table and cross-table identity of the layout
    holds exactly, and the narrative states shares and growth rates recomputable from its own
    figures.
    """
    f = draw(seed, year, department)
    rng = random.Random(f"cnbudget-example-text:{seed}:{year}")
    t = f.template
    over = overview(f)
    units = [BudgetUnit(name=f.full_name, is_self=True)]
    units += [BudgetUnit(name=u.name) for u in f.units[1:]]
    active = sum(u.active for u in f.units)
    retired = sum(u.retired for u in f.units)
    lixiu = sum(u.lixiu for u in f.units)
    md = Metadata(
        kind="budget",
        year=year,
        department=t.department,
        alias=t.alias,
        region=Region(city="示例市"),
        publication_date=f.publication_date,
        budget_units=units,
        staffing=Staffing(
            authorized=f.authorized,
            actual=active + retired + lixiu,
            active=active,
            active_change=f.changes[0],
            retired=retired,
            retired_change=f.changes[1],
            lixiu=lixiu,
            lixiu_change=f.changes[2],
        ),
        functions=over[0].text(),
        structure=over[1].text(),
        layout=LAYOUT,
        reader="text",  # what read_text(example_text(seed)) reports
    )
    return Document(
        metadata=md,
        tables=build_tables(load_layout(LAYOUT), f),
        overview=over,
        explanation=explanation(f, rng),
        performance=performance(f, rng),
        glossary=[GlossaryEntry(term=a, definition=b) for a, b in GLOSSARY],
    )


def example_text(seed: int = 0, year: int = 2024, department: int | None = None) -> str:
    """The published text of :func:`build_example` (what ``read_text`` reads)."""
    return render_text(build_example(seed, year=year, department=department))
