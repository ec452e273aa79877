"""Checks: a rule book kept as data (``rules/*.yaml``) and the families that evaluate it."""

from cnbudget.checks.engine import check_document
from cnbudget.checks.findings import Finding, Location, Report
from cnbudget.checks.rulebook import Rule, load_rules

__all__ = ["Finding", "Location", "Report", "Rule", "check_document", "load_rules"]
