"""Readers: turn a published file into the canonical :class:`cnbudget.model.Document`.

Every reader reports what it could not understand as a :class:`cnbudget.model.ParseIssue` with
its location; none raises on bad content.
"""

from cnbudget.ingest.detect import ReadError, read_path

__all__ = ["ReadError", "read_path"]
