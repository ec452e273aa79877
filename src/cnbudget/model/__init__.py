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
from cnbudget.model.identity import is_placeholder_name, scope_from_texts

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
    "is_placeholder_name",
    "scope_from_texts",
]
