"""
Next-day S&P 500: a simple RNN against the baselines
====================================================

The tutorial this package grew out of motivates the recurrent network with a
stock, "relatively volatile from day to day, but in the long run we see a
clear pattern". This
example puts that to the test on twenty years of the daily S&P 500 index
(1999-2018, shipped with the ``arch`` package, so nothing is downloaded). Each
forecast reads a lookback window of *variable* length, oldest day first, which
a :class:`~sklearn_simplernn.SimpleRNNRegressor` accepts as it is (ragged
input), and predicts the next day. We split the days chronologically, fit on
the past, and compare on the future against the baselines any forecaster must
beat: the random walk (tomorrow's price is today's), the historical mean, and
ridge regression and a multi-layer perceptron on a fixed number of lags.

The result is the textbook one, reported as it comes out: on daily returns
no model beats the random walk by a margin worth the name. The size of
tomorrow's move (its absolute value) is another matter, and the last section
shows the RNN learning it.
"""

# %%
# The data and the windows
# ------------------------
# Prices trend, so a model fitted on 1999-2014 prices would be asked about
# levels it never saw. We model the daily log return
# :math:`r_t = \log(P_t / P_{t-1})`, which is close to stationary, and map
# forecasts back to prices only for the plot and the price table.
#
# :func:`~sklearn_simplernn.preprocessing.make_windows` cuts the price series
# into input windows of log returns and next-day log-return targets. With
# ``min_lookback`` and ``random_lengths=True`` each window's length is drawn
# between 5 and 60 trading days: think of forecasts made with whatever history
# each desk keeps. A fixed-width model cannot read such input; the RNN reads
# each window as a sequence of its own length. The fixed-lag baselines get the
# last 5 returns, which every window contains.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from arch.data import sp500
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn.preprocessing import SequenceScaler, make_windows

# sphinx_gallery_start_ignore
try:  # figures go to examples/output/, from wherever the script is run
    OUTPUT = Path(__file__).resolve().parent / "output"
except NameError:  # the documentation build runs examples from examples/
    OUTPUT = Path.cwd() / "output"
OUTPUT.mkdir(exist_ok=True)
# sphinx_gallery_end_ignore
start_time = time.perf_counter()
# The networks below stop after a fixed, small number of iterations on
# purpose: on data this noisy, training longer only fits the noise.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

prices = sp500.load()["Adj Close"]
windows = make_windows(prices, lookback=60, min_lookback=5, random_lengths=True,
                       random_state=0, transform="log_return")
print(f"{len(prices)} daily closes from {prices.index[0]:%Y-%m-%d} to "
      f"{prices.index[-1]:%Y-%m-%d}; {len(windows)} windows of "
      f"{min(map(len, windows.X))}-{max(map(len, windows.X))} days")

# %%
# A chronological split
# ---------------------
# Windows whose target day falls before 2015 train, the rest (2015-2018) test.
# A test window may reach back into 2014: that is the past, and legitimately
# known on the day of the forecast. Nothing is shuffled.

N_LAGS = 5
is_train = windows.index < "2015-01-01"
train, test = windows[np.flatnonzero(is_train)], windows[np.flatnonzero(~is_train)]
lags_train = np.array([x[-N_LAGS:] for x in train.X])
lags_test = np.array([x[-N_LAGS:] for x in test.X])
y_train, y_test = train.y, test.y
print(f"train: {len(train)} windows up to {train.index[-1]:%Y-%m-%d}; "
      f"test: {len(test)} windows from {test.index[0]:%Y-%m-%d}")

# %%
# The models
# ----------
# The baselines first. The random walk forecasts a zero return (the price does
# not move); "last return" repeats today's return; "training mean" is the
# average return of the training period. Ridge and the MLP read the last five returns.
#
# Daily log returns are of the order of 0.01, so every learnt model sees
# standardised inputs (:class:`~sklearn_simplernn.preprocessing.SequenceScaler`
# for the ragged windows, which scikit-learn's own scalers reject) and a
# standardised target (:class:`~sklearn.compose.TransformedTargetRegressor`).
# The RNN is kept small (8 hidden units) and strongly regularised: there is
# little signal to find and plenty of noise to fit.


def with_scaled_target(model):
    return TransformedTargetRegressor(regressor=model, transformer=StandardScaler())


forecasts = {
    "random walk (zero return)": np.zeros_like(y_test),
    "last return": lags_test[:, -1],
    "training mean": np.full_like(y_test, y_train.mean()),
}

ridge = with_scaled_target(make_pipeline(StandardScaler(), Ridge(alpha=10.0)))
forecasts["ridge, 5 lags"] = ridge.fit(lags_train, y_train).predict(lags_test)

mlp = with_scaled_target(make_pipeline(
    StandardScaler(),
    MLPRegressor(hidden_layer_sizes=(16,), alpha=1.0, max_iter=500,
                 early_stopping=True, random_state=0),
))
forecasts["MLP, 5 lags"] = mlp.fit(lags_train, y_train).predict(lags_test)

rnn = with_scaled_target(make_pipeline(
    SequenceScaler(),
    SimpleRNNRegressor(n_hidden=8, alpha=1.0, solver="adam", learning_rate_init=1e-3,
                       max_iter=30, tol=0.0, random_state=0),
))
fit_start = time.perf_counter()
rnn.fit(train.X, y_train)
print(f"SimpleRNNRegressor: {rnn.regressor_[-1].n_iter_} epochs in "
      f"{time.perf_counter() - fit_start:.1f} s")
forecasts["SimpleRNN, 5-60 day windows"] = rnn.predict(test.X)

# %%
# The comparison
# --------------
# RMSE (in percent) and :math:`R^2` on the test returns, then on the prices
# implied by each return forecast, :math:`\hat P_{t+1} = P_t e^{\hat r_{t+1}}`
# (``Windows.to_level``). The price columns show why forecasts must be judged
# on returns: every model, the naive random walk included, scores an
# :math:`R^2` above 0.99 on price levels, because tomorrow's price is mostly
# today's.

true_price = test.to_level(y_test)


def scores(pred):
    price_pred = test.to_level(pred)
    return {
        "RMSE return (%)": 100 * np.sqrt(mean_squared_error(y_test, pred)),
        "R2 return": r2_score(y_test, pred),
        "RMSE price": np.sqrt(mean_squared_error(true_price, price_pred)),
        "R2 price": r2_score(true_price, price_pred),
    }


table = pd.DataFrame({name: scores(pred) for name, pred in forecasts.items()}).T
with pd.option_context("display.width", 120, "display.float_format", "{:.4f}".format):
    print(table)

# %%
# Who beats the random walk? The verdict is computed, not written in advance.
# An RMSE lower by less than 1% of the random walk's is well inside the noise
# of a four-year test period.

rw_rmse = table.loc["random walk (zero return)", "RMSE return (%)"]
others = table.drop(index="random walk (zero return)")["RMSE return (%)"]
gain = 1 - others / rw_rmse
if (gain <= 0).all():
    print("Nothing beats the random walk on returns: every model's test RMSE is "
          "at least that of forecasting a zero return.")
elif gain.max() < 0.01:
    print(f"Nothing beats the random walk on returns by a meaningful margin: the "
          f"best, {gain.idxmax()}, lowers its RMSE by {100 * gain.max():.2f}%.")
else:
    print(f"{gain.idxmax()} lowers the random walk's RMSE by "
          f"{100 * gain.max():.1f}% on returns.")

# %%
# Predictions against actual values over time
# -------------------------------------------
# Top: the index over the last 120 test days with the price implied by the
# RNN's forecast, next to the random walk's (yesterday's close). Bottom: the
# daily returns of the whole test period with the RNN's and ridge's forecasts,
# which hug zero: the models have learnt that the best forecast of a return is
# close to its mean.

rnn_price = test.to_level(forecasts["SimpleRNN, 5-60 day windows"])
rw_price = test.to_level(forecasts["random walk (zero return)"])
last = slice(-120, None)

fig, (ax_price, ax_ret) = plt.subplots(2, 1, figsize=(9, 7), constrained_layout=True)
ax_price.plot(true_price.index[last], true_price.to_numpy()[last], color="black", lw=1.5,
              label="actual close")
ax_price.plot(rnn_price.index[last], rnn_price.to_numpy()[last], color="tab:red", lw=1,
              label="SimpleRNN (next-day forecast)")
ax_price.plot(rw_price.index[last], rw_price.to_numpy()[last], color="tab:gray", lw=1,
              ls="--", label="random walk (previous close)")
ax_price.set_xlabel("date")
ax_price.set_ylabel("S&P 500 index")
ax_price.set_title("Next-day forecasts, last 120 test days")
ax_price.legend()

ax_ret.plot(test.index, 100 * y_test, color="lightgray", lw=0.8, label="actual return")
ax_ret.plot(test.index, 100 * forecasts["ridge, 5 lags"], color="tab:blue", lw=1,
            label="ridge, 5 lags")
ax_ret.plot(test.index, 100 * forecasts["SimpleRNN, 5-60 day windows"], color="tab:red",
            lw=1, label="SimpleRNN")
ax_ret.set_xlabel("date")
ax_ret.set_ylabel("daily log return (%)")
ax_ret.set_title("Test period 2015-2018: returns and their forecasts")
ax_ret.legend(loc="lower left")
fig.savefig(OUTPUT / "stock_sp500.png", dpi=100)
print(f"saved {OUTPUT / 'stock_sp500.png'}")

# %%
# What *is* predictable: the size of tomorrow's move
# --------------------------------------------------
# Volatility clusters: calm days follow calm days and turbulent days follow
# turbulent ones. So the absolute return :math:`|r_{t+1}|` is forecastable
# even though its sign is not. Same windows, same split, new target: the RNN
# reads the absolute returns of its 5-60 day window, the lag models the last
# 5 (and, as a stronger baseline, the last 20) absolute returns.

abs_train, abs_test = np.abs(y_train), np.abs(y_test)
abs_X_train = [np.abs(x) for x in train.X]
abs_X_test = [np.abs(x) for x in test.X]
abs_lags_train, abs_lags_test = np.abs(lags_train), np.abs(lags_test)
# 20 lags from the full series, for the windows with 20 days of history.
abs_returns = np.abs(np.diff(np.log(prices.to_numpy())))  # |r| of day k + 1 at k
pos_train = prices.index.get_indexer(train.origins) - 1  # |r| of each origin
pos_test = prices.index.get_indexer(test.origins) - 1
enough = pos_train >= 19
lags20_train = np.array([abs_returns[k - 19 : k + 1] for k in pos_train[enough]])
lags20_test = np.array([abs_returns[k - 19 : k + 1] for k in pos_test])
abs20_train = abs_train[enough]

abs_forecasts = {
    "last |return|": abs_lags_test[:, -1],
    "training mean": np.full_like(abs_test, abs_train.mean()),
    "ridge, 5 lags": with_scaled_target(make_pipeline(StandardScaler(), Ridge(alpha=10.0)))
    .fit(abs_lags_train, abs_train).predict(abs_lags_test),
    "ridge, 20 lags": with_scaled_target(make_pipeline(StandardScaler(), Ridge(alpha=10.0)))
    .fit(lags20_train, abs20_train).predict(lags20_test),
    "MLP, 5 lags": with_scaled_target(make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(16,), alpha=1.0, max_iter=500,
                     early_stopping=True, random_state=0),
    )).fit(abs_lags_train, abs_train).predict(abs_lags_test),
}
abs_rnn = with_scaled_target(make_pipeline(
    SequenceScaler(),
    SimpleRNNRegressor(n_hidden=8, alpha=1.0, max_iter=100, random_state=0),
))
abs_forecasts["SimpleRNN, 5-60 day windows"] = abs_rnn.fit(abs_X_train, abs_train).predict(abs_X_test)

abs_table = pd.DataFrame({
    name: {"RMSE |return| (%)": 100 * np.sqrt(mean_squared_error(abs_test, pred)),
           "R2 |return|": r2_score(abs_test, pred)}
    for name, pred in abs_forecasts.items()
}).T
with pd.option_context("display.float_format", "{:.4f}".format):
    print(abs_table)

# %%
# The forecasts of the size of the move follow the volatility regimes: quiet
# in 2017, spikes in August 2015, February 2018 and late 2018.

fig, ax = plt.subplots(figsize=(9, 3.5), constrained_layout=True)
ax.plot(test.index, 100 * abs_test, color="lightgray", lw=0.8, label="actual |return|")
ax.plot(test.index, 100 * abs_forecasts["ridge, 5 lags"], color="tab:blue", lw=1,
        label="ridge, 5 lags")
ax.plot(test.index, 100 * abs_forecasts["SimpleRNN, 5-60 day windows"], color="tab:red",
        lw=1, label="SimpleRNN")
ax.set_xlabel("date")
ax.set_ylabel("absolute daily log return (%)")
ax.set_title("Test period 2015-2018: the size of the next day's move")
ax.legend(loc="upper left")
fig.savefig(OUTPUT / "stock_sp500_volatility.png", dpi=100)
print(f"saved {OUTPUT / 'stock_sp500_volatility.png'}; total runtime "
      f"{time.perf_counter() - start_time:.1f} s")

# %%
# Conclusions
# -----------
# * On next-day returns the honest answer is the efficient-market one: the
#   random walk is as good as anything here, and the small differences in the
#   first table are noise. An RNN does not change that: it cannot find
#   structure that is not in the data.
# * On the size of the move, every model that reads history beats the naive
#   forecasts, and the RNN comes close to the lag models; the second table
#   shows how close on this split. This is one split of one series:
#   before trusting a difference, repeat it over several test periods
#   (:class:`~sklearn.model_selection.TimeSeriesSplit`).
# * The RNN took windows of 5 to 60 days without padding, truncation or any
#   change to the code: that is what ragged input is for.
