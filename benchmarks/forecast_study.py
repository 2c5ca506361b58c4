"""How good are SimpleRNNForecaster's forecasts and intervals? Walk-forward backtests.

Two series, both shipped with packages the examples already install:

- the daily S&P 500 index 1999-2018 (``arch``): 5-day forecasts of the price
  from log returns, against the random walk (tomorrow's price is today's);
- the weekly Mauna Loa CO2 concentration 1958-2001 (``statsmodels``, 59
  missing weeks interpolated): 8-week forecasts from weekly differences with
  calendar features as future covariates, against the seasonal naive
  forecast (the same week last year) and statsmodels' Holt-Winters
  exponential smoothing (ETS with additive trend and season).

Each model is fitted once on the data before the test period and then
forecasts from every origin in it without refitting (ETS keeps the smoothing
parameters and initial states it estimated, and updates its states), except
for the S&P 500 intervals, which are also checked with a refit every 250
trading days. The last section times a backtest of 1,000 origins against one
predict over the same windows.

Run:  python benchmarks/forecast_study.py
Prints the score tables and one line per measured target, met or not met.
"""

import os
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.datasets
from arch.data import sp500
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from sklearn_simplernn.forecasting import SimpleRNNForecaster, backtest, default_regressor
from sklearn_simplernn.preprocessing import make_windows

# The networks stop after a fixed number of iterations on purpose; the
# environment variable carries the filter to joblib's worker processes.
warnings.filterwarnings("ignore", category=ConvergenceWarning)
os.environ["PYTHONWARNINGS"] = "ignore:L-BFGS-B did not converge"

RESULTS = []


def target(description, value, met):
    RESULTS.append((description, value, met))
    print(f"TARGET  {description}: {value}  ->  {'met' if met else 'NOT MET'}")


def network(n_hidden, alpha, max_iter):
    """The default pipeline with every training choice fixed here, not by the defaults:
    full-batch L-BFGS for ``max_iter`` iterations on all windows."""
    return default_regressor(random_state=0).set_params(
        regressor__simplernnregressor__n_hidden=n_hidden,
        regressor__simplernnregressor__alpha=alpha,
        regressor__simplernnregressor__max_iter=max_iter,
        regressor__simplernnregressor__early_stopping=False,
    )


def coverage_line(res):
    cov = res.scores.loc["forecaster", "coverage"]
    return cov, f"{100 * cov.min():.1f}-{100 * cov.max():.1f}% over {res.n_origins} origins"


# ---------------------------------------------------------------------------
# S&P 500


def sp500_study():
    prices = sp500.load()["Adj Close"]
    start = "2011-01-03"
    forecaster = SimpleRNNForecaster(
        network(n_hidden=8, alpha=100.0, max_iter=30), lookback=60, horizon=5,
        transform="log_return", random_state=0,
    )
    print(f"\n=== S&P 500: {len(prices)} daily closes, 5-day forecasts from {start} ===")
    began = time.perf_counter()
    res = backtest(forecaster, prices, start=start)
    print(f"backtest without refit: {res.n_origins} origins, fit {res.fit_seconds:.1f} s, "
          f"forecasts {res.predict_seconds:.3f} s")
    scores = res.scores["rmse"].unstack("model")
    levels = scores[["forecaster", "random_walk", "drift", "mean"]]
    print("\nRMSE of the price (index points), per step:")
    print(levels.round(2).to_string())
    ratio = levels["forecaster"] / levels["random_walk"]
    print("forecaster / random walk:", ratio.round(4).tolist())

    # The same forecasts as log returns from the origin: the random walk's is 0.
    rows = res.forecasts
    origin_level = res.baselines["random_walk"]
    actual_return = np.log(rows["actual"] / origin_level)
    forecast_return = np.log(rows["forecast"] / origin_level)
    rmse_return = pd.DataFrame({
        "forecaster": ((forecast_return - actual_return) ** 2).groupby(rows["step"]).mean(),
        "random_walk (0)": (actual_return**2).groupby(rows["step"]).mean(),
    }) ** 0.5
    print("\nRMSE of the log return from the origin (%), per step:")
    print((100 * rmse_return).round(4).to_string())
    for step in (1, 5):
        target(f"S&P 500 levels, {step}-day RMSE within 1% of the random walk",
               f"{ratio[step]:.4f}x", ratio[step] <= 1.01)

    # Intervals: without refit (calibrated on 2008-2010), then refitted yearly.
    for refit in (False, 250):
        for method in ("conformal", "scaled"):
            r = backtest(forecaster, prices, start=start, coverage=0.9, refit=refit,
                         interval_method=method, n_jobs=2)
            cov, text = coverage_line(r)
            width = r.scores.loc["forecaster", "mean_width"]
            print(f"90% intervals, refit={refit}, method={method!r}: coverage per step "
                  f"{(100 * cov).round(1).tolist()}, mean width {width.round(1).tolist()}")
            label = "scaled, the default" if method == "scaled" else "plain conformal"
            target(f"S&P 500 (returns and levels) 90% coverage within 87-93%, refit={refit}, "
                   f"{label}", text, bool(((cov >= 0.87) & (cov <= 0.93)).all()
                                           and r.n_origins >= 500))
    print(f"S&P 500 study: {time.perf_counter() - began:.0f} s")
    return prices, forecaster, start


# ---------------------------------------------------------------------------
# Weekly CO2 against seasonal naive and ETS


def ets_walk(y, start, season, horizon):
    """Holt-Winters (additive trend and season) forecasts from every origin from start - 1.

    The smoothing parameters and initial states are estimated on y before
    ``start``; one pass of statsmodels' filter with them fixed gives the
    states after each time, l_t, b_t and s_t, and the forecast of t + h from
    origin t is l_t + h b_t + s_{t+h-m} (statsmodels' own formula).
    """
    def fixed(values):
        return ExponentialSmoothing(
            values, trend="add", seasonal="add", seasonal_periods=season,
            initialization_method="known", initial_level=params["initial_level"],
            initial_trend=params["initial_trend"], initial_seasonal=params["initial_seasons"],
        ).fit(smoothing_level=params["smoothing_level"],
              smoothing_trend=params["smoothing_trend"],
              smoothing_seasonal=params["smoothing_seasonal"], optimized=False)

    params = ExponentialSmoothing(y.iloc[:start], trend="add", seasonal="add",
                                  seasonal_periods=season,
                                  initialization_method="estimated").fit().params
    states = fixed(y)
    origins = np.arange(start - 1, len(y) - horizon)
    steps = np.arange(1, horizon + 1)
    forecast = (states.level.to_numpy()[origins, None]
                + steps * states.trend.to_numpy()[origins, None]
                + states.season.to_numpy()[origins[:, None] + steps - season])
    # The same as statsmodels' forecast from a fit on the data up to the origin.
    for i in (0, len(origins) - 1):
        assert np.allclose(fixed(y.iloc[: origins[i] + 1]).forecast(horizon), forecast[i])
    return forecast


def co2_study():
    co2 = statsmodels.datasets.co2.load_pandas().data["co2"].interpolate()
    horizon, season, start = 8, 52, 1500
    print(f"\n=== CO2 (weekly, {len(co2)} weeks): {horizon}-week forecasts from "
          f"{co2.index[start]:%Y-%m-%d} ===")
    began = time.perf_counter()
    # Calendar features, known in advance: the phase of the year, as future covariates.
    times = co2.index.append(pd.date_range(co2.index[-1], periods=horizon + 1,
                                           freq=co2.index.freq)[1:])
    angle = 2 * np.pi * times.dayofyear.to_numpy() / 365.25
    calendar = pd.DataFrame({"sin": np.sin(angle), "cos": np.cos(angle)}, index=times)
    forecaster = SimpleRNNForecaster(
        network(n_hidden=8, alpha=1.0, max_iter=100), lookback=30, horizon=horizon,
        transform="diff", random_state=0,
    )
    results = {
        method: backtest(forecaster, co2, start=start, season=season, coverage=0.9,
                         interval_method=method, future_covariates=calendar)
        for method in ("conformal", "scaled")
    }
    res = results["conformal"]

    ets_forecast = ets_walk(co2, start, season, horizon)
    actual = res.forecasts["actual"].to_numpy().reshape(-1, horizon)
    ets_rmse = pd.Series(np.sqrt(((ets_forecast - actual) ** 2).mean(axis=0)),
                         index=pd.RangeIndex(1, horizon + 1, name="step"))

    rmse = res.scores["rmse"].unstack("model")[["forecaster", "seasonal_naive", "random_walk",
                                                "drift"]]
    rmse.insert(1, "ETS", ets_rmse)
    print("RMSE (ppm), per step:")
    print(rmse.round(3).to_string())
    for method, r in results.items():
        cov = r.scores.loc["forecaster", "coverage"]
        print(f"90% intervals, method={method!r}: coverage per step "
              f"{(100 * cov).round(1).tolist()}")
    beats_naive = rmse["forecaster"] < rmse["seasonal_naive"]
    target("CO2: RMSE below the seasonal naive at every step",
           f"{(rmse['forecaster'] / rmse['seasonal_naive']).max():.3f}x at worst",
           bool(beats_naive.all()))
    vs_ets = rmse["forecaster"] / rmse["ETS"]
    target("CO2: RMSE within 10% of ETS at every step",
           f"{vs_ets.min():.3f}-{vs_ets.max():.3f}x", bool((vs_ets <= 1.10).all()))
    for method, r in results.items():
        cov, text = coverage_line(r)
        label = "scaled, the default" if method == "scaled" else "plain conformal"
        target(f"CO2 90% coverage within 87-93%, {label}", text,
               bool(((cov >= 0.87) & (cov <= 0.93)).all() and r.n_origins >= 500))
    print(f"CO2 study: {time.perf_counter() - began:.0f} s")


# ---------------------------------------------------------------------------
# Speed of a backtest without refit


def speed_study(prices, forecaster, repeats=9):
    n_origins = 1000
    horizon = forecaster.horizon
    start = len(prices) - n_origins - horizon + 1
    forecaster = clone(forecaster).set_params(calibration_size=0)
    fitted = clone(forecaster).fit(prices.iloc[:start])
    X = make_windows(prices, lookback=forecaster.lookback, horizon=horizon,
                     transform="log_return").X[-n_origins:]
    predict, backtests = [], []
    for _ in range(repeats):  # interleaved, so that load on the machine hits both alike
        began = time.perf_counter()
        fitted.regressor_.predict(X)
        predict.append(time.perf_counter() - began)
        began = time.perf_counter()
        res = backtest(forecaster, prices, start=start)
        backtests.append(time.perf_counter() - began - res.fit_seconds)
    assert res.n_origins == n_origins
    # The backtest's forecasts are those predictions, as prices.
    origin_level = res.baselines["random_walk"].to_numpy().reshape(-1, horizon)
    same = origin_level * np.exp(fitted.regressor_.predict(X))
    assert np.allclose(res.forecasts["forecast"].to_numpy().reshape(-1, horizon), same)
    ratio = np.median(backtests) / np.median(predict)
    print(f"\n=== Speed: backtest of {n_origins} origins without refit ===")
    print(f"one predict over the {n_origins} windows: {1e3 * np.median(predict):.1f} ms; "
          f"backtest minus its fit: {1e3 * np.median(backtests):.1f} ms (median of {repeats})")
    target(f"no-refit backtest of {n_origins} origins at most 2x one predict",
           f"{ratio:.2f}x", ratio <= 2.0)


if __name__ == "__main__":
    began = time.perf_counter()
    prices, sp_forecaster, _ = sp500_study()
    co2_study()
    speed_study(prices, sp_forecaster)
    print(f"\n=== Summary ({time.perf_counter() - began:.0f} s) ===")
    for description, value, met in RESULTS:
        print(f"{'met    ' if met else 'NOT MET'}  {description}: {value}")
