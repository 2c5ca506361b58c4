"""Multi-step forecasting of time series: the forecaster, its intervals and backtests.

:class:`SimpleRNNForecaster` turns a regressor on sequences (by default
:class:`~sklearn_simplernn.SimpleRNNRegressor` with scaled inputs and
targets) into a forecaster of pandas series: it cuts the series into
windows, fits the regressor, forecasts the next ``horizon`` values on the
series' own calendar, maps transformed targets (differences, log returns,
...) back to levels, reads covariates as extra channels, and gives
split-conformal prediction intervals calibrated on walk-forward residuals.

:func:`backtest` moves the forecast origin through a series, with or without
refitting, and scores the forecasts per horizon step next to the naive
baselines (random walk, drift, seasonal naive, historical mean).
"""

import time
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import HasMethods, Interval, RealNotInt, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._forecasting_data import (
    SeriesData,
    WindowSpec,
    assemble,
    calendar_of,
    check_continues,
    check_covariates,
    check_y,
    covariate_windows,
    forward,
    show_time,
    future_rows,
    inputs,
    inverse,
    level_windows,
    targets,
    window_lengths,
    windows,
)
from ._forecasting_intervals import (
    check_coverage,
    check_method,
    conformal_quantile,
    realised_volatility,
    usable_scale,
)
from ._forecasting_scores import BacktestResult, baseline_forecasts, score_table
from ._regressor import SimpleRNNRegressor
from .preprocessing import SequenceScaler

__all__ = ["BacktestResult", "SimpleRNNForecaster", "backtest", "default_regressor"]


def default_regressor(random_state=None):
    """The regressor :class:`SimpleRNNForecaster` uses when ``regressor=None``.

    A :class:`~sklearn_simplernn.SimpleRNNRegressor` behind a
    :class:`~sklearn_simplernn.preprocessing.SequenceScaler` (each input
    channel standardised over all steps of all windows), inside a
    :class:`~sklearn.compose.TransformedTargetRegressor` that standardises
    each target column. Pass it explicitly to tune its parameters, e.g. with
    ``GridSearchCV`` over
    ``regressor__regressor__simplernnregressor__n_hidden``.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        The network's ``random_state``.

    Returns
    -------
    regressor : TransformedTargetRegressor
        Unfitted.

    Examples
    --------
    >>> from sklearn_simplernn.forecasting import SimpleRNNForecaster, default_regressor
    >>> network = default_regressor(random_state=0)
    >>> network.set_params(regressor__simplernnregressor__n_hidden=8)  # doctest: +ELLIPSIS
    TransformedTargetRegressor(...)
    >>> forecaster = SimpleRNNForecaster(regressor=network, lookback=20, horizon=3)
    """
    return TransformedTargetRegressor(
        regressor=make_pipeline(SequenceScaler(), SimpleRNNRegressor(random_state=random_state)),
        transformer=StandardScaler(),
    )


class SimpleRNNForecaster(BaseEstimator):
    """Forecast the next ``horizon`` values of a time series with a regressor on windows.

    ``fit`` cuts y into input windows of ``lookback`` steps (oldest first)
    and fits ``regressor`` to predict, from each window, the target of the
    next ``horizon`` steps; ``predict`` forecasts the ``horizon`` values after
    the end of y, indexed by the series' own calendar, as levels.

    Parameters
    ----------
    regressor : estimator or None, default=None
        A scikit-learn regressor that reads this package's sequence forms:
        2-D windows (one channel), 3-D windows (covariates) or a list of
        arrays (``min_lookback``). With ``strategy='direct'`` and a horizon
        above 1 it must predict several outputs. None uses
        :func:`default_regressor`. Cloned in ``fit``.
    lookback : int, default=30
        Input steps per window (the longest window with ``min_lookback``).
    horizon : int, default=1
        Steps forecast ahead.
    strategy : {'direct', 'recursive'}, default='direct'
        'direct' fits one multi-output regressor that predicts all ``horizon``
        steps from the window at once. 'recursive' fits a one-step regressor
        and forecasts step k + 1 from a window that ends with its own
        forecast of step k.
    transform : {None, 'diff', 'log_return', 'pct', 'relative'}, default=None
        What the regressor reads and predicts instead of levels p_t. With the
        origin t (the window's last step) and step k of the horizon:

        ==============  ===============================  =========================
        transform       input steps                      target of step k
        ==============  ===============================  =========================
        None            p_j                              p_{t+k}
        'diff'          p_j - p_{j-1}                    p_{t+k} - p_t
        'log_return'    log p_j - log p_{j-1}            log p_{t+k} - log p_t
        'pct'           p_j / p_{j-1} - 1                p_{t+k} / p_t - 1
        'relative'      p_j / p_t - 1                    p_{t+k} / p_t - 1
        ==============  ===============================  =========================

        Forecasts are mapped back to levels exactly (e.g. p_t exp(y) for log
        returns). 'log_return', 'pct' and 'relative' need positive values;
        they make series of different scales comparable, which a panel needs.
    min_lookback : int or None, default=None
        None uses windows of exactly ``lookback`` steps. An int also fits on
        (and forecasts from) shorter histories, down to ``min_lookback``
        steps: the windows are then ragged.
    calibration_size : float or int, default=0.2
        The last origins of the training period whose walk-forward residuals
        calibrate :meth:`predict_interval`: a fraction of the origins (float
        in [0, 1)) or their number (int). 0 fits no intervals, and ``fit``
        costs one fit of the regressor instead of two.
    volatility_window : int, default=20
        Steps of the realised volatility that scales the intervals of
        ``predict_interval(method='scaled')``.
    random_state : int, RandomState instance or None, default=None
        Given to every ``random_state`` of the regressor that is None (all of
        the default one's).

    Attributes
    ----------
    regressor_ : estimator
        The regressor fitted on every window of y.
    cutoff_ : object
        The last time of the series (the origin of ``predict``).
    n_series_ : int
        Series in y (1 for a Series).
    series_names_ : list
        Their names (the Series name, or the columns of a panel).
    past_covariate_names_, future_covariate_names_ : list or None
        The covariates' columns, None without them.
    residuals_ : ndarray of shape (n_calibration, horizon) or None
        Walk-forward residuals (actual minus forecast target, in the units of
        the transform) at the calibration origins, from a regressor fitted on
        the data before them. None when ``calibration_size=0`` or y is too
        short to split.
    calibration_volatility_ : ndarray of shape (n_calibration,) or None
        The realised volatility at each calibration origin.

    See Also
    --------
    backtest : Forecasts at many origins, scored against naive baselines.
    sklearn_simplernn.preprocessing.make_windows : The windows of one series.
    sklearn_simplernn.InstanceNormalizedRegressor : Windows relative to their own level.

    Notes
    -----
    **No look-ahead.** The window of origin t holds the values up to and
    including t, past covariates up to t, and future covariates up to t + h.
    Nothing later is read, in ``fit``, ``predict`` or :func:`backtest`.

    **Covariates.** Past covariates (observed up to the origin: other
    prices, volume) and future covariates (known in advance: calendar
    features, holidays) are extra channels of every window step, as given
    (scale them if the regressor needs it; the default one does). Future
    covariates also fill ``horizon`` steps appended to the window (one for
    'recursive'), whose target and past channels are 0 and whose last
    channel, 1 there and 0 before, marks them. A Series or DataFrame of
    covariates is shared by every series of a panel; a dict gives each
    series its own. Their index must hold y's times, and, for future
    covariates, the forecast times. 'recursive' cannot use past covariates
    beyond one step (they are unknown after the origin).

    **Panels.** A DataFrame y holds one series per column, on one calendar;
    a series may start later than the others (leading NaN). One global
    regressor is fitted on the windows of every series.

    **Intervals.** ``fit`` also fits the regressor on the data up to the
    first calibration origin c, forecasts from every origin from c to the
    end of the training data in one batch, and keeps the residuals per
    horizon step. Split-conformal intervals are the forecast plus or minus
    a quantile of their absolute values, in the units of the transform,
    then mapped to levels (the map is increasing, so coverage carries over
    exactly). They assume that the errors ahead look like those of the
    calibration period: under volatility clustering (stock returns) the
    intervals are too wide in calm times and too narrow in turbulent ones,
    although they cover on average. ``method='scaled'`` divides each residual
    by the realised volatility at its origin and multiplies the quantile by
    the volatility at the forecast origin, so the intervals widen and narrow
    with it. The final regressor is fitted on more data than the one that
    made the residuals, so its errors tend to be smaller: the intervals
    tend to cover a little more than asked.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_simplernn.forecasting import SimpleRNNForecaster
    >>> rng = np.random.RandomState(0)
    >>> days = pd.bdate_range("2024-01-01", periods=300)
    >>> prices = pd.Series(100 * np.exp(np.cumsum(0.01 * rng.randn(300))), index=days,
    ...                    name="close")
    >>> fc = SimpleRNNForecaster(Ridge(), lookback=20, horizon=3, transform="log_return")
    >>> fc.fit(prices).predict().round(2)
    2025-02-24    108.61
    2025-02-25    108.60
    2025-02-26    108.61
    Freq: B, Name: close, dtype: float64
    >>> fc.predict_interval(coverage=0.9).round(2)
                 lower   upper
    2025-02-24  106.62  110.64
    2025-02-25  106.24  111.01
    2025-02-26  105.92  111.37

    The network itself comes in with ``regressor=None`` (see
    :func:`default_regressor`).
    """

    _parameter_constraints = {
        "regressor": [HasMethods(["fit", "predict"]), None],
        "lookback": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions({"direct", "recursive"})],
        "transform": [StrOptions({"diff", "log_return", "pct", "relative"}), None],
        "min_lookback": [Interval(Integral, 1, None, closed="left"), None],
        "calibration_size": [Interval(RealNotInt, 0, 1, closed="left"),
                             Interval(Integral, 0, None, closed="left")],
        "volatility_window": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, regressor=None, *, lookback=30, horizon=1, strategy="direct",
                 transform=None, min_lookback=None, calibration_size=0.2,
                 volatility_window=20, random_state=None):
        self.regressor = regressor
        self.lookback = lookback
        self.horizon = horizon
        self.strategy = strategy
        self.transform = transform
        self.min_lookback = min_lookback
        self.calibration_size = calibration_size
        self.volatility_window = volatility_window
        self.random_state = random_state

    # -- fit ------------------------------------------------------------------

    def fit(self, y, past_covariates=None, future_covariates=None):
        """Fit the regressor on every window of y, and calibrate the intervals.

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            The series, oldest first, indexed by time: a DatetimeIndex with a
            frequency (or business days), a PeriodIndex or a RangeIndex. A
            DataFrame is a panel, one series per column.
        past_covariates : Series, DataFrame, dict or None, default=None
            Covariates observed up to each time, at every time of y (see
            Notes of the class).
        future_covariates : Series, DataFrame, dict or None, default=None
            Covariates known in advance, at every time of y; times after the
            end of y are kept for ``predict``.

        Returns
        -------
        self : SimpleRNNForecaster
            The fitted forecaster.
        """
        self._validate_params()
        self._check_params()
        data, past, future = self._validate_data(y, past_covariates, future_covariates)
        self._fit_data(data, calibrate=self.calibration_size != 0)
        self._past, self._future = past, future
        return self

    def _check_params(self):
        if self.min_lookback is not None and self.min_lookback > self.lookback:
            raise ValueError(
                f"min_lookback={self.min_lookback} must not exceed lookback={self.lookback}."
            )

    def _validate_data(self, y, past_covariates, future_covariates):
        """SeriesData of y and the covariates at its times, and the covariates as given."""
        index, levels, names, panel = check_y(y, self.transform)
        self._calendar = calendar_of(index)
        past = check_covariates(past_covariates, "past_covariates", names, panel)
        future = check_covariates(future_covariates, "future_covariates", names, panel)
        if past is not None and self.strategy == "recursive" and self.horizon > 1:
            raise ValueError(
                "strategy='recursive' feeds the regressor its own forecasts, but past "
                "covariates are unknown after the origin: use strategy='direct' with "
                "past_covariates, or pass covariates known in advance as future_covariates."
            )
        observed = ~np.isnan(levels)
        data = SeriesData(
            index, levels, names, panel,
            None if past is None else past.at(index, observed),
            None if future is None else future.at(index, observed),
        )
        self.series_names_ = list(names)
        self.n_series_ = len(names)
        self.past_covariate_names_ = None if past is None else list(past.columns)
        self.future_covariate_names_ = None if future is None else list(future.columns)
        return data, past, future

    def _spec(self, data):
        n_ahead = 0
        if data.future is not None:
            n_ahead = self.horizon if self.strategy == "direct" else 1
        return WindowSpec(self.lookback, self.min_lookback, self.transform, n_ahead)

    def _target_steps(self):
        return self.horizon if self.strategy == "direct" else 1

    def _training_pairs(self, data, spec, last_origin):
        """(origins, series) of every window with enough history and origin <= last_origin."""
        origins = np.repeat(np.arange(data.n), len(data.names))
        series = np.tile(np.arange(len(data.names)), data.n)
        keep = (window_lengths(data, spec, origins, series) >= spec.shortest) & (
            origins <= last_origin)
        return origins[keep], series[keep]

    def _fit_data(self, data, calibrate):
        """Fit on every window of ``data`` (and calibrate); store the history."""
        spec = self._spec(data)
        steps = self._target_steps()
        origins, series = self._training_pairs(data, spec, data.n - 1 - steps)
        if len(origins) == 0:
            needed = spec.shortest + steps + (1 if self.transform in ("diff", "log_return",
                                                                      "pct") else 0)
            raise ValueError(
                f"y is too short: {data.n} time(s) give no window. lookback={self.lookback}"
                f"{'' if self.min_lookback is None else f' (min_lookback={self.min_lookback})'}"
                f" with {steps} target step(s) and transform={self.transform!r} need at "
                f"least {needed} values of a series."
            )
        self.residuals_ = self.calibration_volatility_ = None
        if calibrate:
            self._calibrate(data, spec, origins)
        self.regressor_ = self._fitted_regressor(data, spec, origins, series)
        self._data = data
        self.cutoff_ = data.index[-1]
        return self

    def _make_regressor(self):
        if self.regressor is None:
            return default_regressor(self.random_state)
        regressor = clone(self.regressor)
        if self.random_state is not None:
            unset = {key: self.random_state for key, value in regressor.get_params().items()
                     if (key == "random_state" or key.endswith("__random_state"))
                     and value is None}
            regressor.set_params(**unset)
        return regressor

    def _fitted_regressor(self, data, spec, origins, series):
        X = windows(data, spec, origins, series)
        y = targets(data, self.transform, origins, series, self._target_steps())
        return self._make_regressor().fit(X, y[:, 0] if y.shape[1] == 1 else y)

    def _calibrate(self, data, spec, origins):
        """Walk-forward residuals of a regressor fitted before the calibration origins."""
        complete = np.unique(origins[origins <= data.n - 1 - self.horizon])
        if isinstance(self.calibration_size, Integral):
            m = int(self.calibration_size)
        else:
            m = int(np.ceil(self.calibration_size * len(complete)))
        if m < 1 or m >= len(complete):
            return
        cut = complete[-m]  # the first calibration origin: the fit reads up to it
        head = data.head(cut + 1)
        fit_origins, fit_series = self._training_pairs(head, spec,
                                                       head.n - 1 - self._target_steps())
        if len(fit_origins) == 0:
            return
        regressor = self._fitted_regressor(head, spec, fit_origins, fit_series)
        cal_origins, cal_series = self._training_pairs(data, spec, data.n - 1 - self.horizon)
        keep = cal_origins >= cut
        cal_origins, cal_series = cal_origins[keep], cal_series[keep]
        forecast = self._forecast_levels(regressor, data, cal_origins, cal_series)
        origin_level = data.levels[cal_origins, cal_series][:, None]
        actual = targets(data, self.transform, cal_origins, cal_series, self.horizon)
        self.residuals_ = actual - forward(self.transform, origin_level, forecast)
        sigma = realised_volatility(data.levels, cal_origins, cal_series,
                                    self.volatility_window, self.transform)
        positive = sigma[np.isfinite(sigma) & (sigma > 0)]
        self._sigma_fallback = float(np.median(positive)) if len(positive) else 1.0
        self.calibration_volatility_ = usable_scale(sigma, self._sigma_fallback)

    # -- forecasts -------------------------------------------------------------

    def _forecast_levels(self, regressor, data, origins, series):
        """Levels (N, horizon) forecast at each (origin, series) pair, in one batch."""
        spec = self._spec(data)
        N, H = len(origins), self.horizon
        origin_level = data.levels[origins, series][:, None]
        if self.strategy == "direct":
            raw = _predict(regressor, windows(data, spec, origins, series), (N, H))
            return inverse(self.transform, origin_level, raw)
        # Recursive: each step's window ends with the previous steps' forecasts.
        levels = level_windows(data.levels, origins, series, spec.lookback + 1).copy()
        past = (None if data.past is None
                else covariate_windows(data.past, origins, series, spec.lookback))
        out = np.empty((N, H))
        for k in range(H):
            future = ahead = None
            if data.future is not None:
                future = covariate_windows(data.future, origins + k, series, spec.lookback)
                ahead = future_rows(data.future, origins + k, series, 1)
            X = assemble(inputs(self.transform, levels), spec, past, future, ahead)
            step = _predict(regressor, X, (N, 1))[:, 0]
            out[:, k] = inverse(self.transform, levels[:, -1], step)
            levels = np.concatenate([levels[:, 1:], out[:, k : k + 1]], axis=1)
        return out

    def _prediction_data(self, past_covariates, future_covariates):
        """The history with the covariates ``predict`` needs, and the forecast times."""
        check_is_fitted(self, "regressor_")
        data = self._data
        times = self._calendar.after(self.cutoff_, self.horizon)
        names, panel = data.names, data.panel
        past = data.past
        if past_covariates is not None:
            if self.past_covariate_names_ is None:
                raise ValueError("past_covariates were given, but the forecaster was fitted "
                                 "without them.")
            given = check_covariates(past_covariates, "past_covariates", names, panel,
                                     self.past_covariate_names_)
            # The window's times only: older ones are not read.
            recent = data.index[-self.lookback :]
            past = past.copy()
            past[-len(recent) :] = given.at(recent, ~np.isnan(data.levels[-len(recent) :]))
        future = data.future
        if self.future_covariate_names_ is not None:
            known = self._future
            if future_covariates is not None:
                known = known.merge(check_covariates(
                    future_covariates, "future_covariates", names, panel,
                    self.future_covariate_names_))
            try:
                ahead = known.at(times)
            except ValueError as error:
                raise ValueError(
                    f"The forecast of times {show_time(times[0])} .. {show_time(times[-1])} "
                    f"needs future_covariates there: pass predict(future_covariates=...) "
                    f"covering them. {error}"
                ) from None
            future = np.concatenate([future, ahead])
        elif future_covariates is not None:
            raise ValueError("future_covariates were given, but the forecaster was fitted "
                             "without them.")
        data = SeriesData(data.index, data.levels, names, panel, past, future)
        origins = np.full(len(names), data.n - 1)
        series = np.arange(len(names))
        short = window_lengths(data, self._spec(data), origins, series) < self._spec(data).shortest
        if short.any():
            name = names[np.flatnonzero(short)[0]]
            raise ValueError(
                f"Series {name!r} has too short a history to forecast: lookback="
                f"{self.lookback} needs {self.lookback} input steps (set min_lookback to "
                f"forecast from shorter ones)."
            )
        return data, origins, series, times

    def predict(self, past_covariates=None, future_covariates=None):
        """Forecast the ``horizon`` values after the last time of the series.

        Parameters
        ----------
        past_covariates : Series, DataFrame, dict or None, default=None
            Replace the past covariates of fit (or update) over the last
            ``lookback`` times, e.g. revised values; None uses those.
        future_covariates : Series, DataFrame, dict or None, default=None
            The future covariates at the forecast times (and, optionally,
            others). Needed when the forecaster was fitted with future
            covariates, unless those given to fit already reach that far.

        Returns
        -------
        forecast : pandas.Series or pandas.DataFrame
            The forecast levels, indexed by the ``horizon`` times after
            ``cutoff_`` on the series' calendar; a DataFrame with one column
            per series for a panel.
        """
        data, origins, series, times = self._prediction_data(past_covariates, future_covariates)
        levels = self._forecast_levels(self.regressor_, data, origins, series)
        if not data.panel:
            return pd.Series(levels[0], index=times, name=data.names[0])
        return pd.DataFrame(levels.T, index=times, columns=list(data.names))

    def predict_interval(self, coverage=0.9, *, method="scaled", past_covariates=None,
                         future_covariates=None):
        """Prediction intervals of the ``horizon`` values after the last time, in levels.

        Parameters
        ----------
        coverage : float, default=0.9
            The probability that each future value falls in its interval.
        method : {'scaled', 'conformal'}, default='scaled'
            'conformal' adds and subtracts a quantile of the absolute
            calibration residuals of each horizon step. 'scaled' does so with
            residuals divided by the realised volatility at their origin,
            times the realised volatility now: wider in turbulent times and
            narrower in calm ones. Both are split-conformal (on the scaled
            residuals for 'scaled'); 'scaled' is the default because errors
            of time series cluster, and it keeps its coverage through calm
            and turbulent periods where plain intervals over- and
            under-cover (see the user guide's Forecasting page).
        past_covariates, future_covariates : default=None
            As for :meth:`predict`.

        Returns
        -------
        intervals : pandas.DataFrame
            Columns ``lower`` and ``upper``, indexed by the forecast times; for
            a panel, the columns are (series, 'lower'/'upper') pairs.
        """
        check_coverage(coverage)
        check_method(method)
        data, origins, series, times = self._prediction_data(past_covariates, future_covariates)
        lower, upper = self._intervals(self.regressor_, data, origins, series, coverage, method)
        if not data.panel:
            return pd.DataFrame({"lower": lower[0], "upper": upper[0]}, index=times)
        columns = pd.MultiIndex.from_product([list(data.names), ["lower", "upper"]])
        return pd.DataFrame(np.stack([lower.T, upper.T], axis=2).reshape(len(times), -1),
                            index=times, columns=columns)

    def _intervals(self, regressor, data, origins, series, coverage, method, forecast=None):
        """(lower, upper) levels (N, horizon) of the pairs' intervals."""
        if self.residuals_ is None:
            raise ValueError(
                "This forecaster has no calibration residuals, so no intervals: "
                + ("calibration_size=0." if self.calibration_size == 0 else
                   "y was too short to keep calibration origins apart from a first fit; "
                   "pass a longer y or change calibration_size.")
            )
        if forecast is None:
            forecast = self._forecast_levels(regressor, data, origins, series)
        origin_level = data.levels[origins, series][:, None]
        center = forward(self.transform, origin_level, forecast)
        scores = np.abs(self.residuals_)
        if method == "scaled":
            scores = scores / self.calibration_volatility_[:, None]
        half = conformal_quantile(scores, coverage)[None, :]
        if method == "scaled":
            sigma = realised_volatility(data.levels, origins, series, self.volatility_window,
                                        self.transform)
            half = half * usable_scale(sigma, self._sigma_fallback)[:, None]
        return (inverse(self.transform, origin_level, center - half),
                inverse(self.transform, origin_level, center + half))

    # -- new data ----------------------------------------------------------------

    def update(self, y_new, past_covariates=None, future_covariates=None, *, refit=False):
        """Append new observations, so that the next forecast starts after them.

        Parameters
        ----------
        y_new : pandas.Series or pandas.DataFrame
            The observations after ``cutoff_``, in the form of fit's y (the
            same columns for a panel), continuing its calendar.
        past_covariates, future_covariates : default=None
            The covariates at the new times, when the forecaster has them
            (future covariates given before, e.g. to fit, are used if they
            reach that far).
        refit : bool, default=False
            False keeps the fitted regressor and its calibration: only the
            history the forecasts start from grows. True fits the regressor
            (and the intervals) again on the whole history.

        Returns
        -------
        self : SimpleRNNForecaster
        """
        check_is_fitted(self, "regressor_")
        grown, past, future = self._continued(y_new, past_covariates, future_covariates,
                                              "y_new")
        if refit:
            self._fit_data(grown, calibrate=self.calibration_size != 0)
        else:
            self._data = grown
            self.cutoff_ = grown.index[-1]
        self._past, self._future = past, future
        return self

    def score(self, y, past_covariates=None, future_covariates=None):
        """Negative RMSE of the forecasts over y, which continues the fitted series.

        The origin moves from ``cutoff_`` through y, and the next ``horizon``
        levels are forecast from each origin (without refitting), as long as
        they lie in y. With scikit-learn's ``TimeSeriesSplit``, whose test
        folds follow their training folds, this makes the forecaster
        searchable with ``GridSearchCV(forecaster, ...).fit(y)``.

        Parameters
        ----------
        y : pandas.Series or pandas.DataFrame
            At least ``horizon`` observations after ``cutoff_``, as for
            :meth:`update`.
        past_covariates, future_covariates : default=None
            As for :meth:`update`.

        Returns
        -------
        score : float
            Minus the root mean squared error of the forecast levels over all
            origins, horizon steps (and series).
        """
        check_is_fitted(self, "regressor_")
        grown, _, _ = self._continued(y, past_covariates, future_covariates, "y")
        n_old = self._data.n
        origins = np.arange(n_old - 1, grown.n - self.horizon)
        if len(origins) == 0:
            raise ValueError(f"score needs at least horizon={self.horizon} observations after "
                             f"the fitted series; y has {grown.n - n_old}.")
        n_series = len(grown.names)
        origin = np.repeat(origins, n_series)
        series = np.tile(np.arange(n_series), len(origins))
        spec = self._spec(grown)
        keep = window_lengths(grown, spec, origin, series) >= spec.shortest
        origin, series = origin[keep], series[keep]
        forecast = self._forecast_levels(self.regressor_, grown, origin, series)
        actual = grown.levels[origin[:, None] + np.arange(1, self.horizon + 1), series[:, None]]
        return -float(np.sqrt(np.mean((forecast - actual) ** 2)))

    def _continued(self, y_new, past_covariates, future_covariates, what):
        """The history followed by y_new, and the covariates with the new ones merged in."""
        data = self._data
        index, levels, names, panel = check_y(y_new, self.transform, what=what)
        if panel != data.panel:
            raise TypeError(
                f"{what} must be a {'DataFrame' if data.panel else 'Series'}, as fit's y was."
            )
        if panel:
            missing = [name for name in data.names if name not in names]
            extra = [name for name in names if name not in data.names]
            if missing or extra:
                raise ValueError(f"{what}'s columns must be the series of fit: missing "
                                 f"{missing}, unexpected {extra}.")
            levels = levels[:, [names.index(name) for name in data.names]]
        if np.isnan(levels).any():
            row, col = np.argwhere(np.isnan(levels))[0]
            where = f"{what}[{data.names[col]!r}]" if panel else what
            raise ValueError(f"{where} is missing (NaN) at {show_time(index[row])}.")
        check_continues(self._calendar, self.cutoff_, index, what)
        past, future = self._past, self._future
        new_past = new_future = None
        if self.past_covariate_names_ is not None:
            past = past.merge(check_covariates(past_covariates, "past_covariates", data.names,
                                               panel, self.past_covariate_names_))
            new_past = past.at(index)
        elif past_covariates is not None:
            raise ValueError("past_covariates were given, but the forecaster was fitted "
                             "without them.")
        if self.future_covariate_names_ is not None:
            if future_covariates is not None:
                future = future.merge(check_covariates(
                    future_covariates, "future_covariates", data.names, panel,
                    self.future_covariate_names_))
            new_future = future.at(index)
        elif future_covariates is not None:
            raise ValueError("future_covariates were given, but the forecaster was fitted "
                             "without them.")
        grown = SeriesData(
            data.index.append(index), np.concatenate([data.levels, levels]), data.names,
            panel,
            None if new_past is None else np.concatenate([data.past, new_past]),
            None if new_future is None else np.concatenate([data.future[: data.n], new_future]),
        )
        return grown, past, future

    def __sklearn_is_fitted__(self):
        """True once fit has stored the fitted regressor (scikit-learn's check_is_fitted)."""
        return hasattr(self, "regressor_")


def _predict(regressor, X, shape):
    """The regressor's predictions in ``shape``, or an error saying what it returned."""
    raw = np.asarray(regressor.predict(X), dtype=np.float64)
    if raw.size != shape[0] * shape[1]:
        raise ValueError(
            f"The regressor returned predictions of shape {raw.shape} for {shape[0]} windows; "
            f"the forecaster needs {shape[1]} per window "
            f"({'one per horizon step' if shape[1] > 1 else 'one'})."
        )
    return raw.reshape(shape)


# ---------------------------------------------------------------------------
# Backtests


def backtest(forecaster, y, *, start, step=1, refit=False, coverage=None,
             interval_method="scaled", season=None, n_jobs=None, past_covariates=None,
             future_covariates=None):
    """Forecast from many origins of a series, as it would have been done at the time.

    A clone of ``forecaster`` is fitted on the values before ``start``; the
    forecast origin then moves from the last of them through the series,
    ``step`` times at a time, and at each origin the next ``horizon`` values
    are forecast from the data up to that origin only. Every origin whose
    whole horizon lies inside y is used.

    Parameters
    ----------
    forecaster : SimpleRNNForecaster
        Its parameters are used; a forecaster fitted elsewhere is not (it is
        cloned and fitted again, here).
    y : pandas.Series or pandas.DataFrame
        The whole series (or panel), as for ``SimpleRNNForecaster.fit``.
    start : label or int
        The first time forecast: a label of y's index (a date string,
        Timestamp or Period; a date between two times means the next one),
        or an integer position (also for an integer index). The first fit
        reads the times before it, and the first origin is the time just
        before it.
    step : int, default=1
        Times between consecutive origins.
    refit : bool or int, default=False
        False fits once and forecasts from every origin in one batch (a
        single prediction for ``strategy='direct'``). True refits at every
        origin on the data up to it; an int k refits at every k-th origin
        and forecasts from the k origins of each fit in one batch. The fits
        run in parallel through joblib.
    coverage : float or None, default=None
        Also compute prediction intervals of this coverage at each origin,
        calibrated on data before each fit's cut.
    interval_method : {'scaled', 'conformal'}, default='scaled'
        The ``method`` of ``predict_interval``.
    season : int or None, default=None
        The season length (in steps) of the seasonal naive baseline; None
        leaves it out.
    n_jobs : int or None, default=None
        Parallel fits with ``refit`` (joblib's ``n_jobs``: None is one,
        unless in a ``joblib.parallel_config`` context, e.g. a Dask backend).
    past_covariates, future_covariates : default=None
        As for ``SimpleRNNForecaster.fit``, over the whole of y.

    Returns
    -------
    result : BacktestResult
        ``result.forecasts`` (one row per origin and step: origin, step,
        time, actual, forecast, and lower and upper with ``coverage``),
        ``result.baselines`` and ``result.scores`` (per model and step).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_simplernn.forecasting import SimpleRNNForecaster, backtest
    >>> rng = np.random.RandomState(0)
    >>> months = pd.period_range("2000-01", periods=240, freq="M")
    >>> y = pd.Series(10 + np.sin(np.arange(240) * np.pi / 6) + 0.1 * rng.randn(240),
    ...               index=months)
    >>> fc = SimpleRNNForecaster(Ridge(), lookback=24, horizon=3)
    >>> res = backtest(fc, y, start="2015-01", season=12, coverage=0.9)
    >>> res.forecasts.head(3).round({"actual": 2, "forecast": 2, "lower": 2, "upper": 2})
        origin  step     time  actual  forecast  lower  upper
    0  2014-12     1  2015-01    9.96     10.03   9.85  10.20
    1  2014-12     2  2015-02   10.36     10.49  10.32  10.67
    2  2014-12     3  2015-03   10.80     10.88  10.70  11.06
    >>> scores = res.scores.loc[["forecaster", "seasonal_naive"], ["rmse", "coverage"]]
    >>> scores.round(3)  # doctest: +NORMALIZE_WHITESPACE
                          rmse  coverage
    model          step
    forecaster     1     0.100     0.914
                   2     0.102     0.897
                   3     0.103     0.897
    seasonal_naive 1     0.142       NaN
                   2     0.140       NaN
                   3     0.139       NaN
    """
    if not isinstance(forecaster, SimpleRNNForecaster):
        raise TypeError(f"forecaster must be a SimpleRNNForecaster; got "
                        f"{type(forecaster).__name__}.")
    _check_backtest_params(step, refit, coverage, interval_method, season)
    template = clone(forecaster)
    template._validate_params()
    template._check_params()
    if coverage is not None and template.calibration_size == 0:
        raise ValueError("coverage needs calibrated intervals, but the forecaster has "
                         "calibration_size=0.")
    data, _, _ = template._validate_data(y, past_covariates, future_covariates)
    first = _start_position(data.index, start)
    horizon = template.horizon
    origins = np.arange(first - 1, data.n - horizon, step)
    if len(origins) == 0:
        raise ValueError(
            f"start={start!r} leaves no origin with {horizon} time(s) after it in y (the "
            f"last origin is {show_time(data.index[data.n - 1 - horizon])})."
        )
    every = len(origins) if refit is False else 1 if refit is True else int(refit)
    blocks = [origins[i : i + every] for i in range(0, len(origins), every)]
    args = dict(data=data, calendar=template._calendar, coverage=coverage,
                method=interval_method)
    if len(blocks) == 1:
        parts = [_backtest_block(template, blocks[0], **args)]
    else:
        parts = Parallel(n_jobs=n_jobs)(
            delayed(_backtest_block)(clone(forecaster), block, **args) for block in blocks)
    began = time.perf_counter()
    origin, series, forecast, lower, upper = (
        None if parts[0][i] is None else np.concatenate([part[i] for part in parts])
        for i in range(5))
    steps = np.arange(1, horizon + 1)
    at = origin[:, None] + steps
    actual = data.levels[at, series[:, None]]
    naive = baseline_forecasts(data.levels, origin, series, horizon, season)
    table = {"origin": np.repeat(data.index[origin], horizon), "step": np.tile(steps, len(origin)),
             "time": data.index[at.ravel()], "actual": actual.ravel(),
             "forecast": forecast.ravel()}
    if coverage is not None:
        table["lower"], table["upper"] = lower.ravel(), upper.ravel()
    forecasts = pd.DataFrame(table)
    if data.panel:
        forecasts.insert(0, "series", np.repeat(np.asarray(data.names, dtype=object)[series],
                                                horizon))
    baselines = pd.DataFrame({name: values.ravel() for name, values in naive.items()})
    scores = score_table({"forecaster": forecast, **naive}, actual, lower, upper)
    predict_seconds = sum(part[6] for part in parts) + time.perf_counter() - began
    return BacktestResult(forecasts, baselines, scores, horizon, coverage, len(origins),
                          len(blocks), sum(part[5] for part in parts), predict_seconds)


def _backtest_block(forecaster, origins, data, calendar, coverage, method):
    """Fit on the data up to the block's first origin; forecast from all its origins."""
    began = time.perf_counter()
    cut = origins[0] + 1
    forecaster._calendar = calendar
    try:
        forecaster._fit_data(data.head(cut), calibrate=coverage is not None)
    except ValueError as error:
        raise ValueError(f"The fit on the {cut} time(s) up to the origin "
                         f"{show_time(data.index[cut - 1])} failed: {error}") from None
    fitted = time.perf_counter()
    spec = forecaster._spec(data)
    n_series = len(data.names)
    origin = np.repeat(origins, n_series)
    series = np.tile(np.arange(n_series), len(origins))
    keep = window_lengths(data, spec, origin, series) >= spec.shortest
    origin, series = origin[keep], series[keep]
    forecast = forecaster._forecast_levels(forecaster.regressor_, data, origin, series)
    lower = upper = None
    if coverage is not None:
        lower, upper = forecaster._intervals(forecaster.regressor_, data, origin, series,
                                             coverage, method, forecast=forecast)
    done = time.perf_counter()
    return origin, series, forecast, lower, upper, fitted - began, done - fitted


def _check_backtest_params(step, refit, coverage, interval_method, season):
    if not isinstance(step, Integral) or isinstance(step, bool) or step < 1:
        raise ValueError(f"step must be an int >= 1; got {step!r}.")
    if not (isinstance(refit, bool) or (isinstance(refit, Integral) and refit >= 1)):
        raise ValueError(f"refit must be True, False or an int >= 1 (refit every k origins); "
                         f"got {refit!r}.")
    if coverage is not None:
        check_coverage(coverage)
    check_method(interval_method)
    if season is not None and (not isinstance(season, Integral) or isinstance(season, bool)
                               or season < 1):
        raise ValueError(f"season must be None or an int >= 1; got {season!r}.")


def _start_position(index, start):
    """The position of ``start`` (a label, or an int position) in the index."""
    n = len(index)
    if isinstance(start, (Integral, np.integer)) and not isinstance(start, bool):
        position = int(start) + (n if start < 0 else 0)
    else:
        try:
            if isinstance(index, pd.DatetimeIndex):
                key = pd.Timestamp(start)
                if index.tz is not None and key.tz is None:
                    key = key.tz_localize(index.tz)  # a date on y's own clock
            elif isinstance(index, pd.PeriodIndex):
                key = pd.Period(start, freq=index.freq)
            else:
                raise TypeError
            position = int(index.searchsorted(key))
        except (TypeError, ValueError):
            raise ValueError(
                f"start={start!r} is neither an integer position nor a time of y's "
                f"{type(index).__name__}."
            ) from None
    if not 1 <= position < n:
        raise ValueError(
            f"start={start!r} must leave at least one time before it for the first fit and "
            f"be inside y ({show_time(index[0])} .. {show_time(index[-1])}, positions 0 .. "
            f"{n - 1})."
        )
    return position
