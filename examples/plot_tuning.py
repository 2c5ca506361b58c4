"""
Tuning a pipeline with time-series cross-validation
===================================================

:class:`~sklearn_simplernn.SimpleRNNRegressor` is a scikit-learn estimator, so
the usual model-selection tools apply: here a
:class:`~sklearn.pipeline.Pipeline` of
:class:`~sklearn_simplernn.preprocessing.SequenceScaler` and the network is
tuned by :class:`~sklearn.model_selection.GridSearchCV` over the number of
hidden units, the L2 penalty ``alpha`` and the solver. The folds come from
:class:`~sklearn.model_selection.TimeSeriesSplit`, which always validates on
days after the ones it trains on, as a forecaster would be used. The task is
the one the stock example found predictable: the size of the next day's move
of the S&P 500 (its absolute log return), read from ragged windows of 5 to 30
past days.
"""

# %%
# Data: ragged windows of absolute returns
# ----------------------------------------
# :func:`~sklearn_simplernn.preprocessing.make_windows` cuts the daily closes
# into windows of log returns with lengths drawn between 5 and 30 days. We
# take absolute values (in percent) for inputs and target, keep 2010-2016 for
# the search and hold out 2017-2018 for a final test.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from arch.data import sp500
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

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

prices = sp500.load()["Adj Close"]
windows = make_windows(prices.loc["2009-09-01":], lookback=30, min_lookback=5,
                       random_lengths=True, random_state=0, transform="log_return")
X = [100 * np.abs(x) for x in windows.X]  # ragged: a list of 1-D arrays
y = 100 * np.abs(windows.y)
search_part = np.flatnonzero((windows.index >= "2010-01-01") & (windows.index < "2017-01-01"))
test_part = np.flatnonzero(windows.index >= "2017-01-01")
X_search, y_search = [X[i] for i in search_part], y[search_part]
X_test, y_test = [X[i] for i in test_part], y[test_part]
print(f"search: {len(X_search)} windows (2010-2016), test: {len(X_test)} windows "
      f"(2017-2018)")

# %%
# The pipeline and the grid
# -------------------------
# The scaler standardises the per-step values over all steps of all training
# sequences (scikit-learn's ``StandardScaler`` would reject the ragged list).
# Step names give the grid keys: ``rnn__alpha`` and so on. The iteration
# budgets are small to keep this example fast: 100 L-BFGS iterations or 20
# Adam epochs.

pipe = Pipeline([
    ("scale", SequenceScaler()),
    ("rnn", SimpleRNNRegressor(max_iter=100, random_state=0)),
])
param_grid = [
    {"rnn__solver": ["lbfgs"], "rnn__n_hidden": [4, 16],
     "rnn__alpha": [1e-2, 1.0, 10.0, 100.0]},
    {"rnn__solver": ["adam"], "rnn__n_hidden": [4, 16],
     "rnn__alpha": [1e-2, 1.0, 10.0, 100.0], "rnn__max_iter": [20],
     "rnn__learning_rate_init": [1e-2]},
]
cv = TimeSeriesSplit(n_splits=3)
search = GridSearchCV(pipe, param_grid, cv=cv, scoring="r2")
with warnings.catch_warnings():
    # The budgets are capped on purpose; the scores judge the result.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X_search, y_search)
print(f"{len(search.cv_results_['params'])} candidates x {cv.n_splits} folds in "
      f"{time.perf_counter() - start_time:.1f} s")
print("best parameters:", {k.removeprefix("rnn__"): v for k, v in search.best_params_.items()})
print(f"best mean validation R^2: {search.best_score_:.4f}")

# %%
# The scores
# ----------
# Mean validation :math:`R^2` over the three folds (bars: one standard
# deviation), one panel per solver. On data this noisy the penalty matters
# more than the size of the network: with a weak penalty, 16 units chase the
# noise of the training folds.

results = pd.DataFrame(search.cv_results_)
results["solver"] = results["param_rnn__solver"]
results["n_hidden"] = results["param_rnn__n_hidden"].astype(int)
results["alpha"] = results["param_rnn__alpha"].astype(float)
print(results[["solver", "n_hidden", "alpha", "mean_test_score", "std_test_score",
               "mean_fit_time"]].sort_values("mean_test_score", ascending=False)
      .to_string(index=False, float_format="{:.4f}".format))

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, constrained_layout=True)
for ax, solver in zip(axes, ["lbfgs", "adam"]):
    for n_hidden, color in [(4, "tab:blue"), (16, "tab:orange")]:
        rows = results[(results.solver == solver) & (results.n_hidden == n_hidden)]
        rows = rows.sort_values("alpha")
        ax.errorbar(rows.alpha, rows.mean_test_score, yerr=rows.std_test_score,
                    color=color, marker="o", capsize=3, label=f"n_hidden={n_hidden}")
    ax.set_xscale("log")
    ax.set_xlabel("alpha (L2 penalty)")
    ax.set_title(f"solver={solver!r}")
    ax.legend()
axes[0].set_ylabel("mean validation $R^2$ (TimeSeriesSplit, 3 folds)")
fig.suptitle("Grid search over n_hidden, alpha and solver")
fig.savefig(OUTPUT / "tuning_scores.png", dpi=100)

# %%
# The held-out test
# -----------------
# ``GridSearchCV`` refits the best pipeline on all of 2010-2016; we score it
# once on 2017-2018, which played no part in the choice, next to the naive
# forecast of the search period's mean.

test_r2 = r2_score(y_test, search.predict(X_test))
mean_r2 = r2_score(y_test, np.full_like(y_test, y_search.mean()))
print(f"test R^2 of the tuned pipeline: {test_r2:.4f} (search-period mean: {mean_r2:.4f})")
print(f"saved {OUTPUT / 'tuning_scores.png'}; total runtime "
      f"{time.perf_counter() - start_time:.1f} s")
