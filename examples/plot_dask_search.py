"""
The same grid search, locally and on a Dask cluster
===================================================

Hyperparameter search is where a single machine runs out first: every
candidate is refitted on every split. scikit-learn hands those fits to joblib,
and joblib can hand them to a `Dask <https://www.dask.org>`_ cluster. This
example runs one :class:`~sklearn.model_selection.GridSearchCV` of a
:class:`~sklearn_simplernn.preprocessing.SequenceScaler` ->
:class:`~sklearn_simplernn.SimpleRNNRegressor` pipeline on ragged windows of
the daily S&P 500 twice, first in this process and then on a Dask
``LocalCluster``, and checks that both give exactly the same scores. Only one
``with`` block differs; on a real cluster, connect the ``Client`` to its
scheduler's address instead. It needs the ``distributed`` extra
(``pip install 'sklearn-simplernn[distributed]'``).
"""

# %%
# Ragged windows of a real series
# -------------------------------
# Each window holds the sizes of the daily moves (absolute log returns, in
# percent) of the 5 to 20 trading days before a forecast date, its length
# drawn at random with a fixed seed; the target is the size of the next day's
# move. Unlike the return itself, its size has structure to learn: calm and
# turbulent days come in clusters.

import time
import warnings
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
from arch.data import sp500
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn.preprocessing import SequenceScaler, make_windows

prices = sp500.load()["Adj Close"].loc["2012":]
windows = make_windows(prices, lookback=20, min_lookback=5, random_lengths=True,
                       random_state=0, transform="log_return")
X = [100 * np.abs(x) for x in windows.X]
y = 100 * np.abs(windows.y)
print(f"{len(X)} windows of {min(map(len, X))}-{max(map(len, X))} days, "
      f"targets {windows.index[0]:%Y-%m-%d} to {windows.index[-1]:%Y-%m-%d}")

# %%
# The search
# ----------
# Folds follow time (:class:`~sklearn.model_selection.TimeSeriesSplit`): each
# validation block lies after its training block. ``random_state`` fixes each
# fit's initial weights, so a candidate's score depends only on its data.
# L-BFGS is stopped after 100 iterations to keep the example short, hence the
# silenced convergence warnings.

warnings.filterwarnings("ignore", category=ConvergenceWarning)
pipe = make_pipeline(SequenceScaler(method="robust"),
                     SimpleRNNRegressor(max_iter=100, random_state=0))
grid = {
    "simplernnregressor__n_hidden": [2, 4, 8],
    "simplernnregressor__alpha": [1e-2, 1.0, 100.0],
}


def make_search(n_jobs):
    return GridSearchCV(pipe, grid, cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs)


# %%
# Locally
# -------
# ``n_jobs=1``: the 27 fits one after another in this process, the reference.

tic = time.perf_counter()
local = make_search(n_jobs=1).fit(X, y)
print(f"local: {time.perf_counter() - tic:.1f} s, best {local.best_params_}")

# %%
# On a Dask cluster
# -----------------
# ``LocalCluster(processes=False)`` runs a scheduler and two workers as threads
# of this process, talking over Dask's in-process transport (their status
# pages are served on loopback only, at random free ports); it shows the
# mechanics, not a speed-up (the threads share one interpreter). On a real
# cluster, ``Client("tcp://scheduler-host:8786")`` is the only change; every
# worker needs sklearn-simplernn installed.
#
# Threads: ``SimpleRNNRegressor`` limits BLAS to one thread inside ``fit``
# (with threadpoolctl), so many fits at once do not oversubscribe the cores.
# That limit is per process; with several threads per worker process, also
# start the workers with ``OMP_NUM_THREADS=1`` (or ``OPENBLAS_NUM_THREADS=1``,
# ``MKL_NUM_THREADS=1``) so that no fit ever runs with a multi-threaded BLAS.

from distributed import Client, LocalCluster  # noqa: E402

tic = time.perf_counter()
with LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                  dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0"
                  ) as cluster, Client(cluster):
    with joblib.parallel_config(backend="dask"):
        on_dask = make_search(n_jobs=-1).fit(X, y)
print(f"dask:  {time.perf_counter() - tic:.1f} s, best {on_dask.best_params_}")

same = np.array_equal(local.cv_results_["mean_test_score"],
                      on_dask.cv_results_["mean_test_score"])
print(f"identical scores: {same}")
assert same and local.best_params_ == on_dask.best_params_

# %%
# The scores
# ----------
# Validation R^2 of every candidate, from both runs: the crosses of the Dask
# run sit exactly on the local circles.

fig, ax = plt.subplots(figsize=(6, 4))
for n_hidden, color in zip(grid["simplernnregressor__n_hidden"], ["C0", "C1", "C2"]):
    rows = np.flatnonzero(local.cv_results_["param_simplernnregressor__n_hidden"] == n_hidden)
    alpha = np.asarray(local.cv_results_["param_simplernnregressor__alpha"][rows], dtype=float)
    ax.plot(alpha, local.cv_results_["mean_test_score"][rows], "o-", color=color,
            mfc="none", label=f"{n_hidden} hidden units, local")
    ax.plot(alpha, on_dask.cv_results_["mean_test_score"][rows], "x", color=color, ms=9,
            label=f"{n_hidden} hidden units, Dask")
ax.set_xscale("log")
ax.set_xlabel("L2 penalty alpha")
ax.set_ylabel("mean validation R$^2$ (3 time-ordered folds)")
ax.set_title("Grid search of next-day |return|, S&P 500 2012-2018")
ax.legend(fontsize=7)
fig.tight_layout()
# sphinx_gallery_start_ignore
try:  # figures go to examples/output/, from wherever the script is run
    output = Path(__file__).resolve().parent / "output"
except NameError:  # the documentation build runs examples from examples/, without __file__
    output = Path.cwd() / "output"
# sphinx_gallery_end_ignore
output.mkdir(exist_ok=True)
fig.savefig(output / "dask_search.png", dpi=100)
plt.show()
