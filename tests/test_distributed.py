"""Hyperparameter search on a Dask cluster through joblib, with ragged windows of a real series."""

import pickle
import re

import joblib
import numpy as np
import pytest
from arch.data import sp500
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn.preprocessing import SequenceScaler, make_windows

distributed = pytest.importorskip("distributed")
import psutil  # noqa: E402  (a dependency of distributed)

# Without these, LocalCluster's scheduler and workers serve HTTP on every interface.
LOOPBACK_HTTP = {"dashboard_address": "127.0.0.1:0", "worker_dashboard_address": "127.0.0.1:0"}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _search():
    pipe = make_pipeline(SequenceScaler(),
                         SimpleRNNRegressor(n_hidden=3, max_iter=25, random_state=0))
    grid = {"simplernnregressor__n_hidden": [2, 4],
            "simplernnregressor__alpha": [1e-4, 1.0]}
    return GridSearchCV(pipe, grid, cv=TimeSeriesSplit(n_splits=3))


def test_grid_search_on_a_local_dask_cluster_matches_n_jobs_1():
    """GridSearchCV on ragged S&P 500 windows gives the same results on Dask as with n_jobs=1."""
    prices = sp500.load()["Adj Close"].iloc[-300:]
    windows = make_windows(prices, lookback=12, min_lookback=2, random_lengths=True,
                           random_state=0, transform="log_return")
    X, y = windows.X, 100 * windows.y
    local = _search().fit(X, y)
    # processes=False: scheduler and workers are threads of this process, talking
    # over the in-process transport; their HTTP servers listen on loopback only.
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  **LOOPBACK_HTTP) as cluster, \
            distributed.Client(cluster) as client:
        listening = [c.laddr.ip for c in psutil.Process().net_connections() if c.status == "LISTEN"]
        assert listening and set(listening) == {"127.0.0.1"}
        with joblib.parallel_config(backend="dask"), distributed.get_task_stream(client) as tasks:
            remote = _search().set_params(n_jobs=-1).fit(X, y)
    # All 4 candidates x 3 splits ran on the cluster's workers, in batches of calls.
    batches = [re.search(r"batch_of__fit_and_score_(\d+)_calls", task["key"])
               for task in tasks.data]
    assert sum(int(batch.group(1)) for batch in batches if batch) == 12
    for key in ("params", "mean_test_score", "split0_test_score", "split2_test_score"):
        assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    assert_array_equal(remote.predict(X), local.predict(X))


def test_fitted_model_is_cheap_to_ship():
    """The fitted state does not grow with the training data: no caches are kept."""
    rng = np.random.RandomState(0)

    def fitted(n):
        X = [rng.randn(T) for T in rng.randint(5, 30, n)]
        return SimpleRNNRegressor(n_hidden=4, solver="gd", max_iter=5, tol=0,
                                  random_state=0).fit(X, rng.randn(n))

    small, large = fitted(20), fitted(2000)
    arrays = [{k: v.nbytes for k, v in vars(m).items() if isinstance(v, np.ndarray)}
              for m in (small, large)]
    assert arrays[0] == arrays[1]
    # Only the sizes of a few integers (samples seen) may differ.
    assert abs(len(pickle.dumps(large)) - len(pickle.dumps(small))) < 32
