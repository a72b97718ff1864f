"""Plain-language advice on a finished run: what looks wrong, why, and what to do.

Key names: ``advise(AdviceInput) -> list[Finding]`` (in ``engine``), the
``AdviceInput`` and ``Finding`` records (in ``findings``), and the rules grouped
by theme: ``rules_data`` (scales, identifiers, categories, constants, size),
``rules_leakage``, ``rules_fit`` (imbalance, over/underfitting, fold spread) and
``rules_regression`` (collinearity, residual assumptions). Each finding carries
a stable ``code``, a severity, evidence from this run's numbers and a remedy
phrased in Loom's own options; training stores them in ``details["advice"]``.

Non-goals: refitting models or searching for better parameters (rules only read
what training already computed), and changing a run: advice never blocks or
alters training.
"""

from loom.advice.engine import RULES, advise
from loom.advice.findings import AdviceInput, Finding

__all__ = ["RULES", "AdviceInput", "Finding", "advise"]
