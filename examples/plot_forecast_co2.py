"""
Seasonal forecasts with calendar covariates: CO2 against seasonal naive and ETS
===============================================================================

The weekly CO2 concentration at Mauna Loa (1958-2001, shipped with
``statsmodels``) rises every year and swings with the seasons. Two forecasts
any seasonal model must beat are the seasonal naive one (the same week last
year) and exponential smoothing with trend and season (Holt-Winters, or ETS),
the statistician's workhorse. Here
:class:`~sklearn_simplernn.forecasting.SimpleRNNForecaster` forecasts eight
weeks ahead from the weekly changes of the last 30 weeks, and reads the time
of year as *future covariates*: features known in advance, given for the
forecast weeks too. A walk-forward backtest from 1987, with every model fitted
on the years before, compares the three and checks the 90% intervals.
"""

# %%
# The series and its calendar
# ---------------------------
# 59 missing weeks are interpolated. The calendar features are the sine and
# cosine of the day of the year: they tell the network where in the seasonal
# cycle each window step, and each forecast week, lies. They must reach eight
# weeks past the end of the series, for the forecast.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.datasets
from sklearn.exceptions import ConvergenceWarning
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from sklearn_simplernn.forecasting import SimpleRNNForecaster, backtest, default_regressor

# sphinx_gallery_start_ignore
try:  # figures go to examples/output/, from wherever the script is run
    OUTPUT = Path(__file__).resolve().parent / "output"
except NameError:  # the documentation build runs examples from examples/
    OUTPUT = Path.cwd() / "output"
OUTPUT.mkdir(exist_ok=True)
# sphinx_gallery_end_ignore
start_time = time.perf_counter()
# A fixed, modest number of iterations keeps the example fast.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

co2 = statsmodels.datasets.co2.load_pandas().data["co2"].interpolate()
HORIZON, SEASON = 8, 52
times = co2.index.append(pd.date_range(co2.index[-1], periods=HORIZON + 1,
                                       freq=co2.index.freq)[1:])
angle = 2 * np.pi * times.dayofyear.to_numpy() / 365.25
calendar = pd.DataFrame({"sin": np.sin(angle), "cos": np.cos(angle)}, index=times)
print(f"{len(co2)} weeks, {co2.index[0]:%Y-%m-%d} to {co2.index[-1]:%Y-%m-%d} "
      f"(frequency {co2.index.freqstr})")

# %%
# The forecaster and its backtest
# -------------------------------
# ``transform='diff'`` makes the network read weekly changes and predict the
# change from the last week to each of the next eight, so the rising level
# never leaves the range it was trained on. The backtest fits on the weeks
# before 1987 and forecasts from every week after, without refitting.

network = default_regressor(random_state=0).set_params(
    regressor__simplernnregressor__n_hidden=8,
    regressor__simplernnregressor__alpha=1.0,
    regressor__simplernnregressor__max_iter=100,
    regressor__simplernnregressor__early_stopping=False,
)
forecaster = SimpleRNNForecaster(network, lookback=30, horizon=HORIZON, transform="diff",
                                 random_state=0)
START = 1500  # the first week forecast, December 1986 (an integer position)
res = backtest(forecaster, co2, start=START, season=SEASON, coverage=0.9,
               interval_method="scaled", future_covariates=calendar)
print(f"{res.n_origins} origins from {co2.index[START - 1]:%Y-%m-%d}; fit "
      f"{res.fit_seconds:.1f} s, forecasts {1000 * res.predict_seconds:.0f} ms")

# %%
# ETS, fitted the same way
# ------------------------
# statsmodels' ``ExponentialSmoothing`` (additive trend and season, 52 weeks)
# estimates its smoothing parameters and initial states on the same weeks
# before 1987. Its states after each week then come from one pass of its
# filter with those parameters fixed, and the forecast from week t of week
# t + h is l_t + h b_t + s_{t+h-52}: ETS, like the network, is not refitted.

params = ExponentialSmoothing(co2.iloc[:START], trend="add", seasonal="add",
                              seasonal_periods=SEASON,
                              initialization_method="estimated").fit().params
states = ExponentialSmoothing(
    co2, trend="add", seasonal="add", seasonal_periods=SEASON,
    initialization_method="known", initial_level=params["initial_level"],
    initial_trend=params["initial_trend"], initial_seasonal=params["initial_seasons"],
).fit(smoothing_level=params["smoothing_level"], smoothing_trend=params["smoothing_trend"],
      smoothing_seasonal=params["smoothing_seasonal"], optimized=False)
origins = np.arange(START - 1, len(co2) - HORIZON)
steps = np.arange(1, HORIZON + 1)
ets = (states.level.to_numpy()[origins, None] + steps * states.trend.to_numpy()[origins, None]
       + states.season.to_numpy()[origins[:, None] + steps - SEASON])

# %%
# The comparison
# --------------
# RMSE in ppm at each horizon step, on the same origins.

actual = res.forecasts["actual"].to_numpy().reshape(-1, HORIZON)
rmse = res.scores["rmse"].unstack("model")[["forecaster", "seasonal_naive", "drift"]]
rmse.insert(1, "ETS", np.sqrt(((ets - actual) ** 2).mean(axis=0)))
rmse["coverage (%)"] = 100 * res.scores.loc["forecaster", "coverage"]
print(rmse.round(3))

for rival in ("seasonal_naive", "ETS"):
    ratio = rmse["forecaster"] / rmse[rival]
    if (ratio < 1).all():
        print(f"The forecaster beats {rival} at every step: its RMSE is "
              f"{100 * (1 - ratio.max()):.0f}-{100 * (1 - ratio.min()):.0f}% lower.")
    elif (ratio > 1).all():
        print(f"{rival} beats the forecaster at every step: its RMSE is "
              f"{100 * (1 / ratio.max() - 1):.0f}-{100 * (1 / ratio.min() - 1):.0f}% lower.")
    else:
        print(f"The forecaster and {rival} each win at some steps "
              f"(RMSE ratio {ratio.min():.2f}-{ratio.max():.2f}).")

# %%
# Forecasts over two years
# ------------------------
# Left: the eight-week-ahead forecasts of 1995-1996 (each made eight weeks
# before the week it forecasts) with the network's 90% intervals. Right: the
# RMSE per step. The ETS estimated on 1958-1986 updates its trend and its
# season with weights of 0 (its parameters are printed): it keeps the slope
# and the seasonal shape of those years, and CO2 rose faster after, so its
# error grows with the step.

print({k: round(float(params[k]), 3) for k in
       ("smoothing_level", "smoothing_trend", "smoothing_seasonal")})
rows = res.forecasts
last = rows[rows["step"] == HORIZON]
window = (last["time"] >= "1995-01-01") & (last["time"] < "1997-01-01")
ets_last = pd.Series(ets[:, -1], index=last.index)

fig, (ax, ax_rmse) = plt.subplots(1, 2, figsize=(13, 4.2), constrained_layout=True,
                                  gridspec_kw={"width_ratios": [2, 1]})
ax.fill_between(last.loc[window, "time"], last.loc[window, "lower"],
                last.loc[window, "upper"], color="tab:red", alpha=0.2,
                label="90% interval (scaled)")
ax.plot(last.loc[window, "time"], last.loc[window, "actual"], color="black", lw=1.2,
        label="actual")
ax.plot(last.loc[window, "time"], last.loc[window, "forecast"], color="tab:red", lw=1,
        label="SimpleRNNForecaster")
ax.plot(last.loc[window, "time"], ets_last[window], color="tab:blue", lw=1, ls="--",
        label="ETS")
ax.plot(last.loc[window, "time"], res.baselines.loc[last.index[window], "seasonal_naive"],
        color="tab:gray", lw=1, ls=":", label="seasonal naive")
ax.set_xlabel("week forecast")
ax.set_ylabel("CO2 (ppm)")
ax.set_title(f"{HORIZON}-week-ahead forecasts, 1995-1996")
ax.legend(loc="upper left", fontsize=8)

for column, style in (("forecaster", "o-"), ("ETS", "s--"), ("seasonal_naive", "^:")):
    ax_rmse.plot(rmse.index, rmse[column], style, label=column)
ax_rmse.set_xlabel("horizon step (weeks)")
ax_rmse.set_ylabel("RMSE (ppm)")
ax_rmse.set_ylim(0, None)
ax_rmse.set_title(f"Backtest {co2.index[START]:%Y}-{co2.index[-1]:%Y}")
ax_rmse.legend(fontsize=8)
fig.savefig(OUTPUT / "forecast_co2.png", dpi=100)
print(f"saved {OUTPUT / 'forecast_co2.png'}; total runtime "
      f"{time.perf_counter() - start_time:.1f} s")

# %%
# Conclusions
# -----------
# * Both the network and ETS beat the seasonal naive forecast by far: last
#   year's value misses a year of growth.
# * On this backtest the network also beats ETS, by more at longer steps.
#   Much of that comes from ETS's fitted parameters: with its trend frozen
#   at the 1958-1986 slope it falls behind the accelerating rise. ETS refitted
#   every year, or in another form (damped, multiplicative), may do better;
#   we did not try. The comparison is between the two models as each was
#   fitted once, on the same data.
# * The calendar covariates cost nothing at forecast time, because they are
#   known in advance: ``calendar`` already reaches past the end of the
#   series, so ``predict`` after a fit on the whole series needs no more.
