"""Reader for the published text format (PDF converted to text, tab-separated cells)."""

from cnbudget.ingest.text.reader import read_text

__all__ = ["read_text"]
