"""Analyses of disclosures read as a *series* and as *promises* (issue 8).

* :mod:`~cnbudget.analysis.reconcile` — every "比上年" statement against last year's disclosure
  (restatements, XY-RESTATE-*);
* :mod:`~cnbudget.analysis.execution` — a 决算 against its budget: execution per 类/款/项 and per
  三公 item, unexplained variances (XY-EXEC-*);
* :mod:`~cnbudget.analysis.scorecard` — a transparency score whose every point cites its
  evidence (criteria in ``data/scorecard.yaml``);
* :mod:`~cnbudget.analysis.performance` — performance targets scored against actual values, weak
  targets (XY-PERF-001);
* :mod:`~cnbudget.analysis.peers` — departments of a region compared, robust outliers
  (XY-PEER-001), extending :func:`cnbudget.store.peers`.

Rules are data in ``rules/XY-*.yaml`` (family ``series``); amounts are ``Decimal`` 万元.
"""

from cnbudget.analysis.execution import Execution, ExecutionLine, execution, execution_stored
from cnbudget.analysis.peers import PeerProfile, peer_findings, region_peers
from cnbudget.analysis.performance import (
    Actual,
    SelfEvaluation,
    load_actuals,
    self_evaluate,
    weak_target_findings,
    weak_targets,
)
from cnbudget.analysis.reconcile import (
    Comparison,
    Reconciliation,
    reconcile,
    reconcile_stored,
    same_department,
)
from cnbudget.analysis.rules import load_analysis_rules
from cnbudget.analysis.scorecard import (
    Scorecard,
    ScoredDocument,
    score_department,
    score_document,
    score_region,
)

__all__ = [
    "Actual",
    "Comparison",
    "Execution",
    "ExecutionLine",
    "PeerProfile",
    "Reconciliation",
    "Scorecard",
    "ScoredDocument",
    "SelfEvaluation",
    "execution",
    "execution_stored",
    "load_actuals",
    "load_analysis_rules",
    "peer_findings",
    "reconcile",
    "reconcile_stored",
    "region_peers",
    "same_department",
    "score_department",
    "score_document",
    "score_region",
    "self_evaluate",
    "weak_target_findings",
    "weak_targets",
]
