"""Shared pytest fixtures: the real sample, read from ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import pytest

from cnbudget.ingest.text import read_text
from cnbudget.model import Document
from cnbudget.testing import SAMPLE_NAME, corpus_file, sample_text


@pytest.fixture
def sample_path():
    return corpus_file(SAMPLE_NAME)


@pytest.fixture
def sample_source() -> str:
    """The sample's text, as published (converted from PDF)."""
    return sample_text()


@pytest.fixture
def sample_doc() -> Document:
    """A fresh parse of the sample (tests may mutate it)."""
    return read_text(sample_text(), name=SAMPLE_NAME)
