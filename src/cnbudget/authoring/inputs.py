"""What a finance officer supplies beyond the tables: last year's figures, reasons, project
details, procurement and assets — and how it is read from JSON/YAML."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from cnbudget.model import Document


class ProjectInfo(BaseModel):
    """Section 七 details of one 表7 project (matched by name)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    basis: str = Field("", description="设立的政策依据")
    allocation: str = Field("", description="资金分配情况, e.g. '委托业务费 28 万元'")
    period: str = Field("", description="资金执行时间")
    secret: bool = Field(False, description="涉密：依据、分配、执行时间“完全不予公开”")


class Procurement(BaseModel):
    """政府采购预算 (万元)."""

    model_config = ConfigDict(extra="forbid")
    goods: Decimal = Decimal(0)
    works: Decimal = Decimal(0)
    services: Decimal = Decimal(0)
    sme_reserved: Decimal | None = Field(None, description="面向中小企业预留")
    small_micro_reserved: Decimal | None = Field(None, description="其中小微企业预留")


class AuthoringInput(BaseModel):
    """The document's data plus what the narrative needs.

    ``prior`` maps a cell reference (``TABLE[.SIDE]:ROW:COLUMN`` as in the layout, e.g.
    ``income_summary:total:general`` or ``general_expenditure:code=2060499:total``) to last
    year's amount; ``reasons`` maps the same references to the reason for the change, and
    ``purposes`` to what the money is for (主要用于…).
    """

    model_config = ConfigDict(extra="forbid")
    document: Document
    prior: dict[str, Decimal] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    purposes: dict[str, str] = Field(default_factory=dict)
    projects: list[ProjectInfo] = Field(default_factory=list)
    carryover_purposes: dict[str, str] = Field(default_factory=dict)
    procurement: Procurement | None = None
    assets: list[str] = Field(default_factory=list, description="国有资产占用 paragraphs")
    operating_cost: Decimal | None = Field(
        None, description="机关运行经费; default: 表6 公用经费 total"
    )


def load_input(path: str | Path) -> AuthoringInput:
    """Read an authoring input from JSON or YAML. A bare canonical Document (as written by
    ``cnbudget parse``) is accepted too: it is built as it is, narrative included."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    data = json.loads(text) if p.suffix.lower() == ".json" else yaml.safe_load(text)
    if isinstance(data, dict) and "document" not in data and "tables" in data:
        data = {"document": data}
    return AuthoringInput.model_validate(data)
