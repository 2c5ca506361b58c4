"""Split-conformal intervals per horizon step, plain or scaled by recent volatility."""

import math

from numbers import Real

import numpy as np

from ._forecasting_data import level_windows, step_changes

METHODS = ("conformal", "scaled")


def realised_volatility(levels, origins, series, window, transform):
    """Root mean square of the last ``window`` one-step changes up to each origin, (N,).

    The changes are in the units of the targets (log returns for
    'log_return', differences for None and 'diff', relative changes for
    'pct' and 'relative'). NaN where a series has no change yet.
    """
    changes = step_changes(transform, level_windows(levels, origins, series, window + 1))
    counts = (~np.isnan(changes)).sum(axis=1)
    sums = np.nansum(changes * changes, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))


def usable_scale(sigma, fallback):
    """sigma, with ``fallback`` where it is NaN or zero (a flat or too short history)."""
    return np.where(np.isfinite(sigma) & (sigma > 0), sigma, fallback)


def conformal_quantile(scores, coverage, what="calibration residuals"):
    """The split-conformal quantile of each column of ``scores`` (n, H) for ``coverage``.

    It is the ceil((n + 1) * coverage)-th smallest score, which covers a new
    exchangeable score with probability at least ``coverage``.
    """
    n = scores.shape[0]
    rank = math.ceil((n + 1) * coverage - 1e-9)
    if rank > n:
        needed = math.ceil(coverage / (1 - coverage) - 1e-9)
        raise ValueError(
            f"coverage={coverage} needs at least {needed} {what} per horizon step; the fit "
            f"has {n}. Lower the coverage, pass a longer y, or raise calibration_size."
        )
    return np.sort(scores, axis=0)[rank - 1]


def check_coverage(coverage):
    if not (isinstance(coverage, Real) and not isinstance(coverage, (bool, np.bool_))
            and 0 < coverage < 1):
        raise ValueError(f"coverage must be a number strictly between 0 and 1; got {coverage!r}.")


def check_method(method):
    if method not in METHODS:
        raise ValueError(f"method must be 'conformal' or 'scaled'; got {method!r}.")
