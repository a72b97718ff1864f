"""``advise``: run every rule on a finished run and rank what they find.

Loom writes these rules itself: no library turns a run's data, scores and
diagnostics into advice phrased in terms of Loom's own options.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

from loom.advice.findings import SEVERITY_RANK, AdviceInput, Finding, Rule
from loom.advice.rules_data import (
    constant_or_near_constant,
    high_cardinality_category,
    identifier_as_number,
    small_sample,
    unscaled_features,
)
from loom.advice.rules_fit import (
    high_variance_folds,
    imbalanced_classes,
    overfitting,
    underfitting,
)
from loom.advice.rules_leakage import leakage_suspect
from loom.advice.rules_regression import (
    autocorrelated_residuals,
    heteroscedastic_residuals,
    multicollinearity,
    non_normal_residuals,
)

logger = logging.getLogger(__name__)

# Order within one severity: the data problems first (they explain the rest),
# then how the model fitted, then the regression assumptions.
RULES: tuple[Rule, ...] = (
    leakage_suspect,
    identifier_as_number,
    unscaled_features,
    imbalanced_classes,
    small_sample,
    overfitting,
    underfitting,
    multicollinearity,
    autocorrelated_residuals,
    heteroscedastic_residuals,
    non_normal_residuals,
    high_variance_folds,
    high_cardinality_category,
    constant_or_near_constant,
)

__all__ = ["RULES", "AdviceInput", "Finding", "advise"]


def advise(data: AdviceInput, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Every finding about one run, most serious first.

    Advice must never cost a user their trained model, so a rule that raises is
    logged and contributes nothing. The order is deterministic: by severity
    (critical, warning, info), then by the order of ``rules``, then as each rule
    returned them.

    Args:
        data: what the run knows (see ``AdviceInput``).
        rules: the rules to run; the full catalog by default.

    Returns:
        The findings; empty when nothing is worth saying.
    """
    findings: list[Finding] = []
    for rule in rules:
        try:
            # Library warnings (a degenerate regression inside VIF, say) are not
            # advice; they would only clutter the worker's log.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                findings.extend(rule(data))
        except Exception:
            logger.warning(
                "advice rule %s failed; skipped",
                getattr(rule, "__name__", rule),
                exc_info=True,
            )
    return sorted(findings, key=lambda f: SEVERITY_RANK.get(f.severity, 99))
