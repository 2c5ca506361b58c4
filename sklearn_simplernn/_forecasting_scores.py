"""Naive baseline forecasts and the per-step score table of a backtest."""

import numpy as np
import pandas as pd

BASELINES = ("random_walk", "drift", "seasonal_naive", "mean")
SCORES = ("rmse", "mae", "mape", "coverage", "mean_width")


def baseline_forecasts(levels, origins, series, horizon, season=None):
    """The naive forecasts (N, horizon) at each (origin, series) pair, from the history only.

    - random_walk: the level at the origin, for every step;
    - drift: the line through the series' first value and the origin's,
      extended (the random walk plus the average change so far);
    - seasonal_naive (with ``season``): the level one season before the
      forecast time, from the last season up to the origin (NaN where the
      history is shorter than a season);
    - mean: the mean of every level up to the origin.
    """
    steps = np.arange(1, horizon + 1)
    observed = ~np.isnan(levels)
    first = np.argmax(observed, axis=0)[series]
    last = levels[origins, series]
    out = {"random_walk": np.repeat(last[:, None], horizon, axis=1)}
    span = origins - first
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(span > 0, (last - levels[first, series]) / np.maximum(span, 1), 0.0)
    out["drift"] = last[:, None] + slope[:, None] * steps
    if season is not None:
        back = origins[:, None] + steps - season * np.ceil(steps / season).astype(int)
        valid = back >= first[:, None]
        seasonal = levels[np.where(valid, back, 0), series[:, None]]
        out["seasonal_naive"] = np.where(valid, seasonal, np.nan)
    sums = np.cumsum(np.where(observed, levels, 0.0), axis=0)
    counts = np.cumsum(observed, axis=0)
    mean = sums[origins, series] / counts[origins, series]
    out["mean"] = np.repeat(mean[:, None], horizon, axis=1)
    return out


def score_table(forecasts, actual, lower=None, upper=None):
    """Scores per model and horizon step: a DataFrame indexed by (model, step).

    ``forecasts`` maps model names to (N, horizon) arrays; ``lower`` and
    ``upper`` (the first model's intervals) give its coverage and mean width.
    MAPE (in percent) is NaN unless every actual value is non-zero and of
    one sign (it means nothing for values that cross zero).
    """
    horizon = actual.shape[1]
    models = list(forecasts)
    error = np.stack([forecasts[model] for model in models]) - actual  # (models, N, horizon)
    table = np.full((len(models), horizon, len(SCORES)), np.nan)
    # The seasonal naive forecast is NaN where the history is shorter than a season.
    mean = np.nanmean if np.isnan(error).any() else np.mean
    with np.errstate(invalid="ignore"):
        table[:, :, 0] = np.sqrt(mean(error**2, axis=1))
        table[:, :, 1] = mean(np.abs(error), axis=1)
        if (actual > 0).all() or (actual < 0).all():
            table[:, :, 2] = 100 * mean(np.abs(error / actual), axis=1)
    if lower is not None:
        table[0, :, 3] = ((lower <= actual) & (actual <= upper)).mean(axis=0)
        table[0, :, 4] = (upper - lower).mean(axis=0)
    index = pd.MultiIndex.from_product([models, np.arange(1, horizon + 1)],
                                       names=["model", "step"])
    return pd.DataFrame(table.reshape(-1, len(SCORES)), index=index, columns=list(SCORES))


class BacktestResult:
    """Forecasts, actuals and scores of a :func:`~sklearn_simplernn.forecasting.backtest`.

    Attributes
    ----------
    forecasts : pandas.DataFrame
        One row per origin and horizon step, in time order, with columns
        ``origin`` (the last time the forecast read), ``step`` (1 ..
        horizon), ``time`` (the time forecast), ``actual``, ``forecast``,
        and ``lower`` and ``upper`` when intervals were asked for. A panel
        adds a first column ``series``.
    baselines : pandas.DataFrame
        The naive forecasts on the same rows: ``random_walk``, ``drift``,
        ``seasonal_naive`` (with a season) and ``mean``.
    scores : pandas.DataFrame
        Indexed by (``model``, ``step``), where the model is 'forecaster' or
        a baseline; columns ``rmse``, ``mae``, ``mape`` (percent; NaN when
        the actual values reach zero or change sign), ``coverage`` and
        ``mean_width`` (of the forecaster's intervals; NaN otherwise). Panels
        are scored over all their series together.
    horizon : int
    coverage : float or None
        The coverage asked of the intervals.
    n_origins : int
        Forecast origins (times; a panel forecasts every series at each).
    n_fits : int
        Fits of the forecaster (1 without refitting).
    fit_seconds, predict_seconds : float
        Time spent fitting, and forecasting and scoring (summed over the
        jobs).
    """

    def __init__(self, forecasts, baselines, scores, horizon, coverage, n_origins, n_fits,
                 fit_seconds, predict_seconds):
        self.forecasts = forecasts
        self.baselines = baselines
        self.scores = scores
        self.horizon = horizon
        self.coverage = coverage
        self.n_origins = n_origins
        self.n_fits = n_fits
        self.fit_seconds = fit_seconds
        self.predict_seconds = predict_seconds

    def __repr__(self):
        return (f"BacktestResult(n_origins={self.n_origins}, horizon={self.horizon}, "
                f"n_fits={self.n_fits}, coverage={self.coverage})")
