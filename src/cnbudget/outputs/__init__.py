"""Writers that turn a :class:`~cnbudget.model.Document` back into a published format."""

from cnbudget.outputs.text import render_text

__all__ = ["render_text"]
