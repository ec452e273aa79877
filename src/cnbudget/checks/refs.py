"""References to cells written as data: ``TABLE[.SIDE]:ROW:COLUMN``.

ROW is ``total``, ``key=K`` (a named row) or ``code=C``. Used by the layout's cross-table
identities and by the narrative subject vocabulary, so both stay data.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnbudget.model import Document, Row, Table


@dataclass(frozen=True)
class CellRef:
    table: str
    side: str | None
    row: str
    column: str

    @classmethod
    def parse(cls, text: str) -> CellRef:
        head, row, column = text.split(":")
        table, _, side = head.partition(".")
        return cls(table=table, side=side or None, row=row, column=column)

    def resolve(self, doc: Document) -> tuple[Table, Row | None] | None:
        """(table, row) — row None when the table exists but the row is not printed
        (a missing row counts as blank, i.e. zero). None when the table itself is absent."""
        table = doc.table(self.table)
        if table is None:
            return None
        rows = [r for r in table.rows if self.side is None or r.side == self.side]
        if self.row == "total":
            row = next((r for r in rows if r.kind == "total"), None)
        elif self.row.startswith("key="):
            row = next((r for r in rows if r.key == self.row[4:]), None)
        elif self.row.startswith("code="):
            row = next((r for r in rows if r.code == self.row[5:]), None)
        else:
            raise ValueError(f"bad row reference {self.row!r}")
        return table, row
