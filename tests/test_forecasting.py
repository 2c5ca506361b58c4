"""SimpleRNNForecaster, its intervals and backtest: calendars, transforms, covariates, no
look-ahead."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_simplernn.forecasting import SimpleRNNForecaster, backtest, default_regressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TRANSFORMS = [None, "diff", "log_return", "pct", "relative"]


# ---------------------------------------------------------------------------
# Helpers


def _flatten(X):
    return np.asarray(X).reshape(len(X), -1)


def _ridge():
    """Ridge on flattened windows: reads 2-D and 3-D windows."""
    return make_pipeline(FunctionTransformer(_flatten), Ridge(alpha=1.0))


def _small_network(random_state=0):
    return default_regressor(random_state).set_params(
        regressor__simplernnregressor__n_hidden=4,
        regressor__simplernnregressor__max_iter=15,
    )


def _walk(n=300, seed=0, index=None, name="close"):
    """A geometric random walk of prices on business days."""
    rng = np.random.RandomState(seed)
    if index is None:
        index = pd.bdate_range("2020-01-01", periods=n)
    return pd.Series(100 * np.exp(np.cumsum(0.01 * rng.randn(n))), index=index, name=name)


def _periodic(transform, n=150, period=7, seed=0):
    """A series whose windows and targets under ``transform`` repeat every ``period`` steps.

    Its levels trend (except for None), so a forecast beyond the training
    range is right only if the transform is inverted from the right level.
    """
    base = np.random.RandomState(seed).uniform(50, 150, period)
    t = np.arange(n)
    if transform is None:
        values = base[t % period]
    elif transform == "diff":
        values = base[t % period] + 0.5 * t
    else:
        values = base[t % period] * 1.01**t
    return pd.Series(values, index=pd.RangeIndex(n))


class _Recorder(RegressorMixin, BaseEstimator):
    """Keeps the X and y of fit and of each predict, and predicts zeros."""

    def fit(self, X, y):
        self.X_fit_, self.y_fit_ = X, np.asarray(y)
        self.X_predict_ = []
        return self

    def predict(self, X):
        self.X_predict_.append(X)
        width = self.y_fit_.shape[1] if self.y_fit_.ndim == 2 else None
        return np.zeros((len(X), width) if width else len(X))


# ---------------------------------------------------------------------------
# Calendars and the output index


@pytest.mark.parametrize("index, expected", [
    (pd.bdate_range("2024-01-01", periods=60),
     pd.DatetimeIndex(["2024-03-25", "2024-03-26", "2024-03-27"], freq="B")),
    (pd.date_range("2024-01-01", periods=60, freq="D"),
     pd.DatetimeIndex(["2024-03-01", "2024-03-02", "2024-03-03"], freq="D")),
    (pd.date_range("2000-01-01", periods=60, freq="MS"),
     pd.DatetimeIndex(["2005-01-01", "2005-02-01", "2005-03-01"], freq="MS")),
    (pd.period_range("2000-01", periods=60, freq="M"),
     pd.PeriodIndex(["2005-01", "2005-02", "2005-03"], freq="M")),
    (pd.RangeIndex(5, 125, 2), pd.RangeIndex(125, 131, 2)),
])
def test_predict_is_indexed_by_the_next_times_of_the_series_calendar(index, expected):
    """predict returns a Series named as y, indexed by the horizon times after y's end."""
    y = _walk(len(index), index=index)
    forecast = SimpleRNNForecaster(Ridge(), lookback=10, horizon=3).fit(y).predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "close"
    assert forecast.index.equals(expected)
    assert type(forecast.index) is type(expected)


def test_trading_days_without_frequency_continue_on_business_days():
    """Daily prices with holidays (no pandas frequency) are forecast for the next business days."""
    days = pd.bdate_range("2024-11-01", periods=60).drop(pd.Timestamp("2024-11-28"))
    days = pd.DatetimeIndex(list(days), name="Date")  # no freq, as read from a file
    assert days.freq is None
    forecast = SimpleRNNForecaster(Ridge(), lookback=10, horizon=3).fit(_walk(59, index=days))
    times = forecast.predict().index
    assert list(times) == list(pd.bdate_range(days[-1], periods=4)[1:])
    assert times.name == "Date"


def test_index_without_a_calendar_is_refused():
    """An irregular DatetimeIndex and a non-time index get errors saying what to do."""
    rng = np.random.RandomState(0)
    irregular = pd.DatetimeIndex(pd.Timestamp("2024-01-06") + pd.to_timedelta(
        np.cumsum(rng.randint(1, 9, 60)), unit="D"))
    with pytest.raises(ValueError, match="no frequency and none can be inferred"):
        SimpleRNNForecaster(Ridge(), lookback=5).fit(_walk(60, index=irregular))
    with pytest.raises(TypeError, match="must be indexed by time"):
        SimpleRNNForecaster(Ridge(), lookback=5).fit(
            _walk(60, index=pd.Index([f"t{i:03d}" for i in range(60)])))


# ---------------------------------------------------------------------------
# Exact inversion of every transform


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
@pytest.mark.parametrize("transform", TRANSFORMS)
def test_exact_targets_give_exact_levels(transform, strategy):
    """A regressor that predicts the exact transformed targets forecasts the true levels.

    On a series whose windows repeat, a 1-nearest-neighbour regressor
    predicts every target exactly, so the forecasts equal the future levels
    up to rounding, through predict and through a backtest's batch.
    """
    y = _periodic(transform, n=160)
    fc = SimpleRNNForecaster(KNeighborsRegressor(n_neighbors=1), lookback=7, horizon=4,
                             strategy=strategy, transform=transform)
    forecast = fc.fit(y[:140]).predict()
    assert_allclose(forecast.to_numpy(), y[140:144].to_numpy(), rtol=0, atol=1e-10)
    res = backtest(fc, y, start=120)
    assert_allclose(res.forecasts["forecast"], res.forecasts["actual"], rtol=0, atol=1e-10)


def test_targets_are_the_changes_from_the_origin():
    """The regressor is fitted on the documented inputs and targets of each transform."""
    y = pd.Series([100.0, 102, 101, 105, 104, 108], index=pd.RangeIndex(6))
    expected = {  # (first window, first target row)
        None: ([100, 102], [101, 105]),
        "diff": ([2, -1], [4, 3]),
        "log_return": (np.log([102 / 100, 101 / 102]), np.log([105 / 101, 104 / 101])),
        "pct": ([102 / 100 - 1, 101 / 102 - 1], [105 / 101 - 1, 104 / 101 - 1]),
        "relative": ([100 / 102 - 1, 0], [101 / 102 - 1, 105 / 102 - 1]),
    }
    for transform, (window, target) in expected.items():
        fc = SimpleRNNForecaster(_Recorder(), lookback=2, horizon=2, transform=transform,
                                 calibration_size=0).fit(y)
        assert_allclose(fc.regressor_.X_fit_[0], window, err_msg=str(transform))
        assert_allclose(fc.regressor_.y_fit_[0], target, err_msg=str(transform))


# ---------------------------------------------------------------------------
# No look-ahead


def _covariates(y, seed=1, extra=0):
    rng = np.random.RandomState(seed)
    index = y.index if not extra else y.index.append(
        pd.bdate_range(y.index[-1], periods=extra + 1)[1:])
    past = pd.DataFrame({"volume": rng.randn(len(y))}, index=y.index)
    future = pd.DataFrame({"weekday": index.dayofweek.to_numpy(float),
                           "event": rng.randn(len(index))}, index=index)
    return past, future


@pytest.mark.parametrize("strategy, refit, regressor", [
    ("direct", False, _ridge()),
    ("direct", 7, _ridge()),
    ("recursive", False, _ridge()),
    ("direct", False, _small_network()),
])
def test_values_after_the_origin_do_not_change_its_forecast(strategy, refit, regressor):
    """Perturbing y and past covariates after an origin, and future covariates after its
    horizon, leaves the forecasts and intervals of that origin and earlier ones unchanged."""
    y = _walk(260)
    past, future = _covariates(y)
    horizon = 3
    fc = SimpleRNNForecaster(regressor, lookback=12, horizon=horizon, strategy=strategy,
                             transform="log_return", random_state=0)
    kwargs = dict(start=200, coverage=0.8, refit=refit, future_covariates=future,
                  past_covariates=None if strategy == "recursive" else past)
    res = backtest(fc, y, **kwargs)
    origin = y.index[220]
    rng = np.random.RandomState(5)
    y2, past2, future2 = y.copy(), past.copy(), future.copy()
    y2.iloc[221:] *= np.exp(0.05 * rng.randn(len(y) - 221))
    past2.iloc[221:] += 3.0
    future2.iloc[221 + horizon :] += 3.0
    kwargs.update(future_covariates=future2,
                  past_covariates=None if strategy == "recursive" else past2)
    res2 = backtest(fc, y2, **kwargs)
    before = res.forecasts["origin"] <= origin
    columns = ["forecast", "lower", "upper"]
    assert_array_equal(res.forecasts.loc[before, columns], res2.forecasts.loc[before, columns])
    # The perturbation does reach the later origins.
    assert not np.allclose(res.forecasts.loc[~before, "forecast"],
                           res2.forecasts.loc[~before, "forecast"])


def test_window_layout_with_covariates():
    """A window holds y's inputs, past and future covariates up to the origin, then the
    horizon steps with future covariates only and a marker channel."""
    y = _walk(80)
    past, future = _covariates(y, extra=3)
    fc = SimpleRNNForecaster(_Recorder(), lookback=5, horizon=3, transform="diff",
                             calibration_size=0)
    fc.fit(y, past_covariates=past, future_covariates=future).predict()
    X = fc.regressor_.X_predict_[-1]
    assert X.shape == (1, 5 + 3, 1 + 1 + 2 + 1)
    observed, after = X[0, :5], X[0, 5:]
    assert_allclose(observed[:, 0], np.diff(y.to_numpy()[-6:]))
    assert_allclose(observed[:, 1], past["volume"].to_numpy()[-5:])
    assert_allclose(observed[:, 2:4], future.to_numpy()[len(y) - 5 : len(y)])
    assert_array_equal(observed[:, 4], 0)
    assert_array_equal(after[:, :2], 0)
    assert_allclose(after[:, 2:4], future.to_numpy()[len(y) :])
    assert_array_equal(after[:, 4], 1)
    # The first training window ends at the first origin with 5 inputs (position 5).
    assert_allclose(fc.regressor_.X_fit_[0, 5:, 2:4], future.to_numpy()[6:9])


def test_covariates_that_explain_y_are_used():
    """With the past covariate that drives y, the forecast error drops far below without it."""
    rng = np.random.RandomState(0)
    index = pd.RangeIndex(400)
    driver = pd.Series(rng.randn(400), index=index, name="driver")
    y = pd.Series(np.r_[0, driver.to_numpy()[:-1]] + 0.05 * rng.randn(400), index=index)
    fc = SimpleRNNForecaster(_ridge(), lookback=4, horizon=1)
    with_driver = backtest(fc, y, start=300, past_covariates=driver).scores
    without = backtest(fc, y, start=300).scores
    assert (with_driver.loc["forecaster", "rmse"] < 0.2 * without.loc["forecaster", "rmse"]).all()


# ---------------------------------------------------------------------------
# Covariate errors


def test_missing_future_covariates_at_predict_name_the_times():
    """predict without the horizon's future covariates names the forecast times missing."""
    y = _walk(80)
    past, future = _covariates(y)
    fc = SimpleRNNForecaster(_ridge(), lookback=5, horizon=3).fit(y, future_covariates=future)
    with pytest.raises(ValueError, match=r"needs future_covariates there.*2020-04-21"):
        fc.predict()
    ahead = _covariates(y, extra=2)[1].iloc[-2:]  # two of the three times
    with pytest.raises(ValueError, match=r"1 time\(s\).*2020-04-23"):
        fc.predict(future_covariates=ahead)
    full = _covariates(y, extra=3)[1]
    assert len(fc.predict(future_covariates=full.iloc[-3:])) == 3
    # Future covariates given to fit that reach the horizon need not be given again.
    fc2 = SimpleRNNForecaster(_ridge(), lookback=5, horizon=3).fit(y, future_covariates=full)
    assert_allclose(fc2.predict(), fc.predict(future_covariates=full.iloc[-3:]))


def test_misaligned_or_wrong_covariates_are_refused():
    """Covariates at other times, with other columns, NaN or of the wrong type get errors."""
    y = _walk(80)
    past, future = _covariates(y)
    fc = SimpleRNNForecaster(_ridge(), lookback=5, horizon=2)
    with pytest.raises(ValueError, match=r"past_covariates has no values at 1 time.*2020-01-01"):
        fc.fit(y, past_covariates=past.iloc[1:])
    with pytest.raises(ValueError, match="no values at 80 time"):
        fc.fit(y, past_covariates=past.reset_index(drop=True))
    nan = past.copy()
    nan.iloc[10, 0] = np.nan
    with pytest.raises(ValueError, match=r"past_covariates\['volume'\] is missing \(NaN\) at "
                                         r"2020-01-15"):
        fc.fit(y, past_covariates=nan)
    with pytest.raises(TypeError, match="past_covariates must be a pandas Series or DataFrame"):
        fc.fit(y, past_covariates=past.to_numpy())
    fc.fit(y, future_covariates=future)
    renamed = _covariates(y, extra=2)[1].rename(columns={"event": "holiday"})
    with pytest.raises(ValueError, match=r"missing: \['event'\], unexpected: \['holiday'\]"):
        fc.predict(future_covariates=renamed)
    with pytest.raises(ValueError, match="fitted without them"):
        SimpleRNNForecaster(_ridge(), lookback=5).fit(y).predict(future_covariates=future)


def test_recursive_strategy_refuses_past_covariates():
    """Past covariates are unknown after the origin, so recursive forecasts cannot read them."""
    y = _walk(80)
    past, _ = _covariates(y)
    with pytest.raises(ValueError, match="use strategy='direct'"):
        SimpleRNNForecaster(_ridge(), lookback=5, horizon=2, strategy="recursive").fit(
            y, past_covariates=past)


# ---------------------------------------------------------------------------
# Panels


def _panel(n=200):
    a, b = _walk(n, seed=1), _walk(n, seed=2)
    late = _walk(n, seed=3)
    late.iloc[:60] = np.nan  # starts later
    return pd.DataFrame({"a": a, "b": b, "late": late})


def test_panel_fits_one_model_and_forecasts_each_series():
    """A DataFrame gives a DataFrame of forecasts, one column per series, on y's calendar."""
    y = _panel()
    fc = SimpleRNNForecaster(_ridge(), lookback=10, horizon=2, transform="log_return").fit(y)
    forecast = fc.predict()
    assert list(forecast.columns) == ["a", "b", "late"]
    assert forecast.index.equals(pd.bdate_range(y.index[-1], periods=3)[1:])
    intervals = fc.predict_interval(coverage=0.8)
    assert list(intervals.columns) == [(s, b) for s in "a b late".split() for b in ("lower",
                                                                                    "upper")]
    assert (intervals.xs("lower", axis=1, level=1) < forecast).all().all()
    # One global model: the same forecast for a series, whichever panel it is in.
    scaled = y.assign(b=3 * y["a"])
    two = SimpleRNNForecaster(_ridge(), lookback=10, horizon=2, transform="log_return")
    assert_allclose(two.fit(scaled).predict()["b"], 3 * two.predict()["a"], rtol=1e-12)


def test_panel_covariates_per_series_and_errors():
    """A dict gives each series its covariates; missing series or columns are named."""
    y = _panel()
    rng = np.random.RandomState(0)
    own = {name: pd.DataFrame({"volume": rng.randn(len(y))}, index=y.index) for name in y}
    fc = SimpleRNNForecaster(_ridge(), lookback=10, horizon=2, transform="log_return")
    fc.fit(y, past_covariates=own)
    assert fc.past_covariate_names_ == ["volume"]
    with pytest.raises(ValueError, match=r"missing \['late'\], unexpected \['c'\]"):
        fc.fit(y, past_covariates={"a": own["a"], "b": own["b"], "c": own["a"]})
    with pytest.raises(ValueError, match=r"y\['b'\] is missing \(NaN\) at 2020-01-15"):
        fc.fit(y.assign(b=y["b"].where(y.index != "2020-01-15")))
    with pytest.raises(TypeError, match="is a dict"):
        fc.fit(y["a"], past_covariates=own)


# ---------------------------------------------------------------------------
# y errors and parameters


def test_bad_series_get_clear_errors():
    """NaN inside y, non-positive prices for log returns, too little data, MultiIndex, order."""
    y = _walk(60)
    fc = SimpleRNNForecaster(Ridge(), lookback=10, horizon=2, transform="log_return")
    with pytest.raises(ValueError, match="missing \\(NaN\\) at 2020-01-08"):
        fc.fit(y.where(y.index != "2020-01-08"))
    with pytest.raises(ValueError, match="needs positive values.*is -1 at 2020-01-02"):
        fc.fit(y.where(y.index != "2020-01-02", -1.0))
    with pytest.raises(ValueError, match="y is too short: 12 time.*at least 13"):
        fc.fit(y[:12])
    with pytest.raises(ValueError, match="must be increasing"):
        fc.fit(y[::-1])
    with pytest.raises(TypeError, match="pandas Series"):
        fc.fit(y.to_numpy())
    with pytest.raises(ValueError, match="min_lookback=20 must not exceed lookback=10"):
        SimpleRNNForecaster(Ridge(), lookback=10, min_lookback=20).fit(y)


def test_short_histories_with_min_lookback():
    """With min_lookback, ragged windows train the network and forecast a short series."""
    y = _walk(40)
    fc = SimpleRNNForecaster(_small_network(), lookback=30, min_lookback=5, horizon=2,
                             transform="log_return", random_state=0)
    assert len(fc.fit(y).predict()) == 2
    with pytest.raises(ValueError, match="too short"):
        SimpleRNNForecaster(Ridge(), lookback=30, horizon=2).fit(y[:30])


def test_recursive_backtest_from_short_histories():
    """Recursive forecasts with min_lookback run from origins with less than lookback steps."""
    y = _walk(40)
    fc = SimpleRNNForecaster(_Recorder(), lookback=6, min_lookback=2, horizon=4,
                             strategy="recursive", transform="log_return", calibration_size=0)
    assert min(len(x) for x in fc.fit(y).regressor_.X_fit_) == 2  # ragged training windows
    res = backtest(fc, y, start=4, step=30)  # origins at positions 3 (3 inputs) and 33
    assert res.n_origins == 2
    # The regressor predicts a zero log return: every step forecasts the origin's level.
    first = res.forecasts["origin"] == y.index[3]
    assert_allclose(res.forecasts.loc[first, "forecast"], y.iloc[3])


def test_windows_of_a_recursive_forecast_end_with_its_own_forecasts():
    """Step k's window is the origin's window shifted by k, ending with the forecasts."""
    y = _walk(60)
    fc = SimpleRNNForecaster(_Recorder(), lookback=3, min_lookback=1, horizon=3,
                             strategy="recursive", transform="diff", calibration_size=0)
    fc.fit(y[:3])  # a single training window, of one step
    fc.regressor_.X_predict_.clear()
    fc.predict()
    z1, z2 = np.diff(y.to_numpy()[:3])
    windows = [X[0] for X in fc.regressor_.X_predict_]
    assert_allclose(windows[0], [z1, z2])
    assert_allclose(windows[1], [z1, z2, 0.0])  # the forecast change is 0
    assert_allclose(windows[2], [z2, 0.0, 0.0])  # at most lookback steps


def test_past_covariates_given_to_predict_replace_the_window():
    """predict(past_covariates=...) reads the given values over the last lookback times."""
    y = _walk(100)
    past, _ = _covariates(y)
    fc = SimpleRNNForecaster(_ridge(), lookback=5, horizon=2).fit(y, past_covariates=past)
    assert_allclose(fc.predict(past_covariates=past.iloc[-5:]), fc.predict())
    revised = past.iloc[-5:] + 1.0
    assert not np.allclose(fc.predict(past_covariates=revised), fc.predict())
    with pytest.raises(ValueError, match="no values at 1 time"):
        fc.predict(past_covariates=past.iloc[-4:])


def test_random_state_reaches_the_network():
    """random_state seeds the default network and the regressors' unset seeds, reproducibly."""
    y = _walk(120)
    fc = SimpleRNNForecaster(lookback=10, horizon=2, transform="log_return", random_state=3)
    fc.set_params(regressor=_small_network(None))
    fc.fit(y)
    assert fc.regressor_.regressor_[-1].random_state == 3
    assert_array_equal(fc.predict(), clone(fc).fit(y).predict())
    default = SimpleRNNForecaster(lookback=10, random_state=4)
    assert default._make_regressor().regressor[-1].random_state == 4


# ---------------------------------------------------------------------------
# update


def test_update_without_refit_forecasts_from_the_new_origin():
    """update(refit=False) keeps the model; its forecast is the backtest's at the new origin."""
    y = _walk(200)
    fc = SimpleRNNForecaster(_ridge(), lookback=10, horizon=3, transform="log_return")
    fc.fit(y[:150])
    regressor = fc.regressor_
    fc.update(y[150:170])
    assert fc.regressor_ is regressor and fc.cutoff_ == y.index[169]
    forecast = fc.predict()
    assert forecast.index[0] == y.index[170]
    res = backtest(fc, y, start=150).forecasts
    assert_allclose(forecast, res.loc[res["origin"] == y.index[169], "forecast"], rtol=1e-12)


def test_update_with_refit_equals_a_fit_on_all_data():
    """update(refit=True) fits again on the whole history, as fit on it would."""
    y = _walk(200)
    past, future = _covariates(y, extra=3)
    fc = SimpleRNNForecaster(_ridge(), lookback=10, horizon=3, transform="log_return")
    fc.fit(y[:150], past_covariates=past[:150], future_covariates=future)
    fc.update(y[150:], past_covariates=past[150:], refit=True)
    whole = clone(fc).fit(y, past_covariates=past, future_covariates=future)
    assert_allclose(fc.predict(), whole.predict(), rtol=1e-12)
    assert_allclose(fc.predict_interval(), whole.predict_interval(), rtol=1e-12)


def test_update_refuses_data_that_does_not_continue_the_series():
    """Overlapping or gapped new data, another form or missing covariates are refused."""
    y = pd.Series(np.arange(1.0, 101.0), index=pd.date_range("2024-01-01", periods=100))
    fc = SimpleRNNForecaster(Ridge(), lookback=5).fit(y[:80])
    with pytest.raises(ValueError, match="not after the last time"):
        fc.update(y[75:85])
    with pytest.raises(ValueError, match="its time 2024-03-22 should be 2024-03-21"):
        fc.update(y[81:85])
    with pytest.raises(TypeError, match="must be a Series"):
        fc.update(y[80:85].to_frame())
    past = pd.DataFrame({"v": np.ones(100)}, index=y.index)
    fc2 = SimpleRNNForecaster(_ridge(), lookback=5).fit(y[:80], past_covariates=past[:80])
    with pytest.raises(ValueError, match="fitted with past_covariates"):
        fc2.update(y[80:85])


# ---------------------------------------------------------------------------
# Prediction intervals


def _regimes(n, seed=0):
    """Prices whose daily volatility switches between 0.5% and 2% every 100 days."""
    rng = np.random.RandomState(seed)
    sigma = np.where((np.arange(n) // 100) % 2 == 0, 0.005, 0.02)
    return pd.Series(100 * np.exp(np.cumsum(sigma * rng.randn(n))),
                     index=pd.bdate_range("2000-01-03", periods=n)), sigma


@pytest.mark.parametrize("method", ["conformal", "scaled"])
def test_interval_coverage_is_near_nominal_on_a_random_walk(method):
    """On a random walk, 90% intervals cover 85-95% of 600 backtest origins at every step."""
    y = _walk(1800, seed=1)
    fc = SimpleRNNForecaster(Ridge(alpha=10.0), lookback=5, horizon=3, transform="log_return",
                             calibration_size=0.5)
    res = backtest(fc, y, start=1200, coverage=0.9, interval_method=method)
    assert res.n_origins >= 590
    coverage = res.scores.loc["forecaster", "coverage"]
    assert ((coverage > 0.85) & (coverage < 0.95)).all(), coverage


def test_scaled_intervals_follow_volatility_regimes():
    """Under switching volatility, 'conformal' under-covers the turbulent days and
    over-covers the calm ones; 'scaled' stays near 90% in both."""
    y, sigma = _regimes(2000)
    fc = SimpleRNNForecaster(Ridge(alpha=10.0), lookback=5, horizon=1, transform="log_return",
                             calibration_size=0.5, volatility_window=10)
    worst = {}
    for method in ("conformal", "scaled"):
        res = backtest(fc, y, start=1200, coverage=0.9, interval_method=method).forecasts
        inside = (res["lower"] <= res["actual"]) & (res["actual"] <= res["upper"])
        turbulent = sigma[y.index.get_indexer(res["time"])] > 0.01
        worst[method] = max(abs(inside[turbulent].mean() - 0.9),
                            abs(inside[~turbulent].mean() - 0.9))
    assert worst["conformal"] > 0.08
    assert worst["scaled"] < 0.05


def test_intervals_are_in_levels_around_the_forecast():
    """The intervals hold the forecast, widen with the step and are positive for log returns."""
    y = _walk(400)
    fc = SimpleRNNForecaster(Ridge(), lookback=10, horizon=5, transform="log_return").fit(y)
    forecast, intervals = fc.predict(), fc.predict_interval(coverage=0.9)
    assert intervals.index.equals(forecast.index)
    assert (intervals["lower"] < forecast).all() and (forecast < intervals["upper"]).all()
    assert (intervals["lower"] > 0).all()
    assert (np.diff(intervals["upper"] - intervals["lower"]) > 0).all()
    wider = fc.predict_interval(coverage=0.95)
    assert (wider["upper"] - wider["lower"] > intervals["upper"] - intervals["lower"]).all()
    assert fc.residuals_.shape[1] == 5 and len(fc.calibration_volatility_) == len(fc.residuals_)


def test_interval_errors_say_what_is_missing():
    """No calibration, too few residuals for the coverage, and bad arguments are errors."""
    y = _walk(200)
    fc = SimpleRNNForecaster(Ridge(), lookback=10, horizon=2, calibration_size=0).fit(y)
    with pytest.raises(ValueError, match="calibration_size=0"):
        fc.predict_interval()
    with pytest.raises(ValueError, match="calibration_size=0"):
        backtest(fc, y, start=150, coverage=0.9)
    fc = SimpleRNNForecaster(Ridge(), lookback=10, horizon=2, calibration_size=20).fit(y)
    assert fc.residuals_.shape == (20, 2)
    with pytest.raises(ValueError, match="coverage=0.99 needs at least 99 calibration "
                                         "residuals per horizon step; the fit has 20"):
        fc.predict_interval(coverage=0.99)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        fc.predict_interval(coverage=90)
    with pytest.raises(ValueError, match="'conformal' or 'scaled'"):
        fc.predict_interval(method="garch")


# ---------------------------------------------------------------------------
# backtest


def test_backtest_rows_baselines_and_scores():
    """Each row is one origin and step; baselines and scores are those of their definitions."""
    values = np.array([3.0, 5, 4, 6, 8, 7, 9, 11, 10, 12, 14, 13, 15, 17])
    y = pd.Series(values, index=pd.RangeIndex(len(values)))
    fc = SimpleRNNForecaster(Ridge(), lookback=2, horizon=2, calibration_size=0)
    res = backtest(fc, y, start=6, step=2, season=3)
    rows, base = res.forecasts, res.baselines
    origins = np.array([5, 5, 7, 7, 9, 9, 11, 11])
    steps = np.tile([1, 2], 4)
    assert_array_equal(rows["origin"], origins)
    assert_array_equal(rows["step"], steps)
    assert_array_equal(rows["time"], origins + steps)
    assert_array_equal(rows["actual"], values[origins + steps])
    assert_array_equal(base["random_walk"], values[origins])
    assert_allclose(base["drift"], values[origins] + steps * (values[origins] - 3) / origins)
    assert_array_equal(base["seasonal_naive"], values[origins + steps - 3])
    assert_allclose(base["mean"], [values[: o + 1].mean() for o in origins])
    assert res.n_origins == 4 and res.n_fits == 1
    assert list(res.scores.columns) == ["rmse", "mae", "mape", "coverage", "mean_width"]
    assert list(res.scores.index.get_level_values("model").unique()) == [
        "forecaster", "random_walk", "drift", "seasonal_naive", "mean"]
    error = (rows["forecast"] - rows["actual"]).to_numpy().reshape(4, 2)
    assert_allclose(res.scores.loc["forecaster", "rmse"], np.sqrt((error**2).mean(axis=0)))
    assert_allclose(res.scores.loc["forecaster", "mae"], np.abs(error).mean(axis=0))
    assert_allclose(res.scores.loc["forecaster", "mape"],
                    100 * np.abs(error / values[origins + steps].reshape(4, 2)).mean(axis=0))
    assert res.scores["coverage"].isna().all()


def test_mape_only_where_it_means_something():
    """MAPE is NaN for a series that crosses zero; coverage and width match the rows."""
    t = np.arange(300)
    y = pd.Series(np.sin(t / 5) + 0.1 * np.random.RandomState(0).randn(300))
    res = backtest(SimpleRNNForecaster(Ridge(), lookback=10, horizon=2), y, start=250,
                   coverage=0.8)
    assert res.scores["mape"].isna().all()
    rows = res.forecasts
    inside = (rows["lower"] <= rows["actual"]) & (rows["actual"] <= rows["upper"])
    assert_allclose(res.scores.loc["forecaster", "coverage"], inside.groupby(rows["step"]).mean())
    assert_allclose(res.scores.loc["forecaster", "mean_width"],
                    (rows["upper"] - rows["lower"]).groupby(rows["step"]).mean())


def test_backtest_start_is_a_label_or_a_position():
    """A date, the next trading day after a weekend date, and a position give one backtest."""
    y = _walk(150)
    fc = SimpleRNNForecaster(Ridge(), lookback=5, horizon=2, transform="log_return")
    by_label = backtest(fc, y, start="2020-05-04").forecasts
    assert by_label["time"].iloc[0] == pd.Timestamp("2020-05-04")
    assert by_label["origin"].iloc[0] == pd.Timestamp("2020-05-01")
    assert_array_equal(backtest(fc, y, start="2020-05-02").forecasts, by_label)  # a Saturday
    position = y.index.get_loc(pd.Timestamp("2020-05-04"))
    assert_array_equal(backtest(fc, y, start=position).forecasts, by_label)
    assert_array_equal(backtest(fc, y, start=position - len(y)).forecasts, by_label)
    with pytest.raises(ValueError, match="at least one time before it"):
        backtest(fc, y, start=0)
    with pytest.raises(ValueError, match="leaves no origin"):
        backtest(fc, y, start=149)
    with pytest.raises(ValueError, match="neither an integer position nor a time"):
        backtest(fc, y, start="soon")
    with pytest.raises(ValueError, match="refit must be"):
        backtest(fc, y, start=100, refit=0)
    with pytest.raises(TypeError, match="SimpleRNNForecaster"):
        backtest(Ridge(), y, start=100)


_PREDICT_CALLS = []


class _CountingRidge(Ridge):
    def predict(self, X):
        _PREDICT_CALLS.append(len(X))
        return super().predict(X)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_backtest_without_refit_predicts_all_origins_in_one_batch(strategy):
    """Without refit, all origins go to the regressor in one predict (one per step, recursive)."""
    y = _walk(300)
    fc = SimpleRNNForecaster(_CountingRidge(), lookback=5, horizon=4, strategy=strategy,
                             transform="log_return")
    _PREDICT_CALLS.clear()
    res = backtest(fc, y, start=100)
    assert _PREDICT_CALLS == [res.n_origins] * (1 if strategy == "direct" else 4)


def test_backtest_refit_forecasts_are_those_of_a_fit_up_to_each_origin():
    """With refit, each origin's forecast and interval are fit(y up to it).predict(); refit=k
    refits every k origins; joblib workers give the same result."""
    y = _walk(160)
    past, future = _covariates(y)
    fc = SimpleRNNForecaster(_ridge(), lookback=5, horizon=2, transform="log_return")
    covariates = dict(past_covariates=past, future_covariates=future)
    res = backtest(fc, y, start=140, refit=True, coverage=0.8, **covariates)
    assert res.n_fits == res.n_origins == 19
    rows = res.forecasts
    for t in (139, 150):
        fitted = clone(fc).fit(y[: t + 1], past_covariates=past[: t + 1],
                               future_covariates=future)
        at = rows["origin"] == y.index[t]
        assert_allclose(rows.loc[at, "forecast"], fitted.predict(), rtol=1e-12)
        interval = fitted.predict_interval(coverage=0.8)
        assert_allclose(rows.loc[at, ["lower", "upper"]], interval, rtol=1e-12)
    every_5 = backtest(fc, y, start=140, refit=5, n_jobs=2, **covariates)
    assert every_5.n_fits == 4
    assert_array_equal(every_5.forecasts, backtest(fc, y, start=140, refit=5,
                                                   **covariates).forecasts)


def test_backtest_never_uses_a_fitted_forecaster_as_is():
    """A forecaster fitted elsewhere is cloned and refitted, and left untouched."""
    y = _walk(200)
    fc = SimpleRNNForecaster(Ridge(), lookback=5, horizon=2, transform="log_return")
    fc.fit(y)  # on all the data, the test period included
    regressor, forecast = fc.regressor_, fc.predict()
    res = backtest(fc, y, start=150)
    assert fc.regressor_ is regressor and fc.cutoff_ == y.index[-1]
    assert_array_equal(fc.predict(), forecast)
    assert_array_equal(res.forecasts, backtest(clone(fc), y, start=150).forecasts)


def test_backtest_of_a_panel():
    """A panel's rows name their series; a series that starts late joins when it can."""
    y = _panel()
    fc = SimpleRNNForecaster(_ridge(), lookback=10, horizon=2, transform="log_return")
    res = backtest(fc, y, start=65, coverage=0.8)
    rows = res.forecasts
    assert rows.columns[0] == "series"
    first = rows.groupby("series")["origin"].min()
    assert first["a"] == y.index[64] and first["late"] == y.index[70]  # 60 NaN + 1 + 10 inputs
    assert len(rows) == 2 * (2 * res.n_origins + res.n_origins - 6)
    single = backtest(fc, y["a"], start=65).forecasts
    assert len(single) == 2 * res.n_origins


# ---------------------------------------------------------------------------
# Model selection


def test_score_is_minus_the_rmse_of_walk_forward_forecasts():
    """score(y after the cut) is minus the RMSE of the backtest from the cut without refit."""
    y = _walk(200)
    fc = SimpleRNNForecaster(Ridge(), lookback=5, horizon=3, transform="log_return")
    score = fc.fit(y[:150]).score(y[150:])
    rows = backtest(fc, y, start=150).forecasts
    assert_allclose(score, -np.sqrt(((rows["forecast"] - rows["actual"]) ** 2).mean()))
    with pytest.raises(ValueError, match="at least horizon=3 observations"):
        fc.score(y[150:152])


def test_grid_search_over_the_regressor_with_time_series_splits():
    """GridSearchCV with TimeSeriesSplit tunes regressor__... parameters of the forecaster."""
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    y = _walk(300)
    search = GridSearchCV(
        SimpleRNNForecaster(_small_network(), lookback=5, horizon=2, transform="log_return",
                            calibration_size=0),
        {"regressor__regressor__simplernnregressor__alpha": [1e-4, 100.0]},
        cv=TimeSeriesSplit(n_splits=3),
    ).fit(y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.cutoff_ == y.index[-1]
    assert len(search.best_estimator_.predict()) == 2


# ---------------------------------------------------------------------------
# The user guide


def test_user_guide_snippets_run():
    """The python blocks of docs/forecasting.rst run in order and give what they say."""
    import re
    import textwrap
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "forecasting.rst").read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", page)
    assert len(blocks) == 5
    namespace = {}
    for block in blocks:
        exec(textwrap.dedent(block), namespace)
    ns = namespace
    assert ns["forecast"].index.freqstr == "B" and len(ns["forecast"]) == 5
    assert list(ns["intervals"].columns) == ["lower", "upper"]
    assert ns["pooled"].predict().shape == (3, 3)
    assert ns["informed"].past_covariate_names_ == ["volume"]
    assert list(ns["res"].forecasts.columns) == ["origin", "step", "time", "actual",
                                                 "forecast", "lower", "upper"]
    assert ns["search"].best_params_ in [
        {"regressor__regressor__simplernnregressor__n_hidden": n} for n in (4, 8)]


def test_backtest_start_date_on_a_timezone_aware_index():
    """A date string as start works on a timezone-aware index, as fit and predict do."""
    from sklearn.linear_model import Ridge

    index = pd.bdate_range("2024-01-01", periods=120, tz="UTC")
    y = pd.Series(100 + np.cumsum(np.random.RandomState(0).randn(120)), index=index)
    fc = SimpleRNNForecaster(Ridge(), lookback=5, horizon=2, calibration_size=0)
    res = backtest(fc, y, start="2024-04-01")
    assert res.forecasts["origin"].min() < pd.Timestamp("2024-04-01", tz="UTC")
    assert len(res.forecasts)


def test_coverage_may_be_a_numpy_float():
    """coverage=np.float32(0.9) is accepted like 0.9."""
    from sklearn.linear_model import Ridge

    y = pd.Series(np.cumsum(np.random.RandomState(0).randn(200)))
    fc = SimpleRNNForecaster(Ridge(), lookback=5, horizon=2).fit(y)
    pd.testing.assert_frame_equal(fc.predict_interval(coverage=np.float32(0.9)),
                                  fc.predict_interval(coverage=0.9), rtol=1e-6)


def test_string_values_of_y_are_refused():
    """A y read as strings (a CSV without dtypes) is refused with the fix, not parsed silently."""
    from sklearn.linear_model import Ridge

    y = pd.Series(np.cumsum(np.random.RandomState(0).randn(60))).astype(str)
    with pytest.raises(ValueError, match="must hold numbers.*pd.to_numeric"):
        SimpleRNNForecaster(Ridge(), lookback=5, horizon=2).fit(y)
