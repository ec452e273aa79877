"""Fictional department budget disclosures with exactly consistent figures, for tests and benchmarks.

``build_example(seed)`` gives a :class:`~cnbudget.model.Document`; ``example_text(seed)`` its
published text. Every department is set in the fictional 示例市.
"""

from cnbudget.example.build import build_example, example_text

__all__ = ["build_example", "example_text"]
