"""Authoring: the complete disclosure written from data — tables in, narrative computed.

A finance officer supplies the tables (or a filled workbook), last year's figures and the
reasons for changes; :func:`compose` writes 第三部分 with every total, share, change and rate
computed from those figures, so the published words cannot disagree with the tables.
"""

from cnbudget.authoring.inputs import AuthoringInput, Procurement, ProjectInfo, load_input
from cnbudget.authoring.narrative import compose

__all__ = ["AuthoringInput", "Procurement", "ProjectInfo", "compose", "load_input"]
