"""A least-squares solver accurate enough for the NIST StRD certified values.

Why not ``numpy.linalg.lstsq`` or statsmodels' pinv: on ill-conditioned designs
(Longley, Wampler, the degree-10 Filip polynomial) float64 loses most digits of
the coefficients and standard errors. We equilibrate the columns, factor with
Householder QR, and when the scaled design is still ill-conditioned we redo the
factorisation in extended precision (mpmath) so the reported numbers are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loom.core.errors import InvalidInputError

# When float64 QR's forward-error bound exceeds this relative error (about ten
# good digits), extended precision takes over.
_ERROR_LIMIT = 1e-10
# Extended precision is pure Python: keep it to designs where it takes seconds.
_EXTENDED_MAX_CELLS = 60_000
_EXTENDED_DIGITS = 50
_RANK_TOLERANCE = 1e-12


@dataclass
class LeastSquaresFit:
    """Coefficients, ``(X'X)^-1`` and residuals of one least-squares fit.

    Attributes:
        coef: coefficients in the column order of the design passed in.
        cov_unscaled: ``(X'X)^-1``; times the residual variance gives the
            coefficient covariance.
        residuals: ``y - X @ coef``.
        rss: residual sum of squares.
        condition: condition number of the column-scaled design.
        precision: "float64" or "extended" (which path produced the numbers).
    """

    coef: np.ndarray
    cov_unscaled: np.ndarray
    residuals: np.ndarray
    rss: float
    condition: float
    precision: str


def solve_least_squares(
    design: np.ndarray, y: np.ndarray, names: list[str]
) -> LeastSquaresFit:
    """Solve ``min ||y - design @ b||`` carefully; ``names`` label the columns.

    Raises:
        InvalidInputError: the columns are linearly dependent (the message
            names the columns that add nothing to the others).
    """
    norms = np.linalg.norm(design, axis=0)
    norms[norms == 0] = 1.0
    # Powers of two scale exactly, so the extended path sees the data as given.
    norms = np.exp2(np.round(np.log2(norms)))
    scaled = design / norms
    q, r = np.linalg.qr(scaled)
    diag = np.abs(np.diag(r))
    if diag.size and diag.min() <= _RANK_TOLERANCE * max(diag.max(), 1.0):
        raise _collinear_error(scaled, names)
    condition = float(np.linalg.cond(r))
    if _float64_error(condition, q, r, y) > _ERROR_LIMIT and (
        design.size <= _EXTENDED_MAX_CELLS
    ):
        coef_s, cov_s = _extended(scaled, y)
        precision = "extended"
    else:
        coef_s = np.linalg.solve(r, q.T @ y)
        r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
        cov_s = r_inv @ r_inv.T
        precision = "float64"
    coef = coef_s / norms
    cov = cov_s / np.outer(norms, norms)
    residuals = y - design @ coef
    return LeastSquaresFit(
        coef=coef,
        cov_unscaled=cov,
        residuals=residuals,
        rss=float(residuals @ residuals),
        condition=condition,
        precision=precision,
    )


def _float64_error(
    condition: float, q: np.ndarray, r: np.ndarray, y: np.ndarray
) -> float:
    """First-order error bound of float64 least squares (Golub & Van Loan 5.3).

    The ``condition**2 * ||residual|| / ||fit||`` term is why large-residual
    problems (Wampler 4-5) need extended precision at a modest condition number.
    """
    fit_norm = float(np.linalg.norm(q.T @ y))
    residual_norm = float(np.sqrt(max(float(y @ y) - fit_norm**2, 0.0)))
    ratio = residual_norm / fit_norm if fit_norm > 0 else 0.0
    return float(np.finfo(np.float64).eps * condition * (1.0 + condition * ratio))


def _extended(scaled: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Householder QR in 50-digit arithmetic; float64 inputs convert exactly."""
    import mpmath

    with mpmath.workdps(_EXTENDED_DIGITS):
        a = mpmath.matrix(scaled.tolist())
        q, r = mpmath.qr(a, mode="skinny")
        qty = q.T * mpmath.matrix(y.tolist())
        r_inv = mpmath.inverse(r)
        coef = r_inv * qty
        cov = r_inv * r_inv.T
        p = scaled.shape[1]
        coef_out = np.array([float(coef[i]) for i in range(p)])
        cov_out = np.array([[float(cov[i, j]) for j in range(p)] for i in range(p)])
    return coef_out, cov_out


def _collinear_error(scaled: np.ndarray, names: list[str]) -> InvalidInputError:
    # Greedy in column order (only on this error path): a column is redundant
    # when the columns kept before it already span it, so a duplicate is named
    # rather than the original whatever the rounding noise in a pivoted QR.
    kept: list[int] = []
    redundant: list[str] = []
    for j in range(scaled.shape[1]):
        r = np.linalg.qr(scaled[:, [*kept, j]], mode="r")
        diag = np.abs(np.diag(r))
        if diag[-1] <= _RANK_TOLERANCE * max(diag.max(), 1.0):
            redundant.append(names[j])
        else:
            kept.append(j)
    return InvalidInputError(
        "predictors are perfectly collinear: "
        f"{', '.join(repr(n) for n in redundant)} "
        "can be written from the other columns; remove them or use penalty='ridge'",
        details={"redundant": redundant},
    )
