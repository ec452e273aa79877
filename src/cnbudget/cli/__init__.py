"""Command line: ``cnbudget``."""
