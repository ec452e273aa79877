"""The canonical model of a disclosure: every reader produces it, every check and output reads it."""

from cnbudget.model.document import (
    Amount,
    BudgetUnit,
    Column,
    Document,
    GlossaryEntry,
    Indicator,
    Metadata,
    Paragraph,
    ParseIssue,
    PerformanceTable,
    Region,
    Row,
    Section,
    Source,
    Staffing,
    Table,
)

__all__ = [
    "Amount",
    "BudgetUnit",
    "Column",
    "Document",
    "GlossaryEntry",
    "Indicator",
    "Metadata",
    "Paragraph",
    "ParseIssue",
    "PerformanceTable",
    "Region",
    "Row",
    "Section",
    "Source",
    "Staffing",
    "Table",
]
