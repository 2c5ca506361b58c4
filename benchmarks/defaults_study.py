"""Which defaults should SimpleRNNRegressor have? An experiment over varied sequence tasks.

Each task is standardised as the docs recommend (inputs per step feature, target
globally, both fitted on the training split only), split 75/25, and scored by
test R^2. Every candidate configuration of SimpleRNNRegressor is fitted with
random_state=0; the baseline is an MLPRegressor on the same sequences as
fixed-length lag windows (zero-padded on the left for ragged tasks), tuned by
GridSearchCV (hidden_layer_sizes x alpha, 3-fold CV on the training split).

Run:  python benchmarks/defaults_study.py [--quick]
Prints a table (one row per configuration, one column per task, plus the mean
R^2 and mean rank) and the time per fit.
"""

import argparse
import itertools
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_simplernn import SimpleRNNRegressor

# ---------------------------------------------------------------------------
# Tasks: each returns a list of (T_i, D) sequences and a 1-D target.


def short_memory(rng, n):
    """y: a nonlinear function of the last three steps (T = 20)."""
    X = rng.randn(n, 20, 1)
    y = np.tanh(X[:, -1, 0] + 0.5 * X[:, -2, 0]) - 0.3 * X[:, -3, 0] ** 2
    return list(X), y + 0.1 * rng.randn(n)


def long_memory(rng, n):
    """y: the value 15 steps before the end, times the sign of the last step (T = 30)."""
    X = rng.randn(n, 30, 1)
    y = X[:, -15, 0] * np.sign(X[:, -1, 0])
    return list(X), y + 0.1 * rng.randn(n)


def ragged_lengths(rng, n):
    """Lengths 5..60; y: the mean of the sequence (a whole-sequence property)."""
    X = [rng.randn(T, 1) + rng.randn() for T in rng.randint(5, 61, size=n)]
    y = np.array([x.mean() for x in X])
    return X, y + 0.05 * rng.randn(n)


def multivariate(rng, n):
    """3 features per step (T = 15); y: an interaction of the features over the last steps."""
    X = rng.randn(n, 15, 3)
    y = np.tanh(X[:, -1, 0] * X[:, -2, 1]) + 0.5 * X[:, -3:, 2].sum(axis=1)
    return list(X), y + 0.1 * rng.randn(n)


def sp500_volatility(rng, n):
    """Real data: the S&P 500's next 5-day realised volatility from the last 20 daily returns."""
    from arch.data import sp500

    close = sp500.load()["Adj Close"].to_numpy()
    r = 100 * np.diff(np.log(close))
    X, y = [], []
    for end in range(20, len(r) - 5):
        X.append(r[end - 20 : end, None])
        y.append(np.log(np.sqrt(np.mean(r[end : end + 5] ** 2))))
    # All ~5,000 windows whatever n: chronological, so the test split is the future.
    return X, np.array(y)


TASKS = {
    "short": short_memory,
    "long": long_memory,
    "ragged": ragged_lengths,
    "multi": multivariate,
    "sp500vol": sp500_volatility,
}


# ---------------------------------------------------------------------------
# Helpers


def standardise(X_train, X_test, y_train, y_test):
    steps = np.concatenate(X_train)
    mu, sd = steps.mean(axis=0), steps.std(axis=0) + 1e-12
    ym, ys = y_train.mean(), y_train.std()
    return ([(x - mu) / sd for x in X_train], [(x - mu) / sd for x in X_test],
            (y_train - ym) / ys, (y_test - ym) / ys)


def r2(y, pred):
    return 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)


def lag_windows(X, width):
    """Left-zero-padded, flattened windows of the last ``width`` steps."""
    out = np.zeros((len(X), width * X[0].shape[1]))
    for i, x in enumerate(X):
        tail = x[-width:]
        out[i, out.shape[1] - tail.size :] = tail.ravel()
    return out


def mlp_baseline(X_tr, X_te, y_tr, y_te, seed):
    width = max(len(x) for x in X_tr)
    A_tr, A_te = lag_windows(X_tr, width), lag_windows(X_te, width)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), MLPRegressor(max_iter=500, random_state=seed)),
        {"mlpregressor__hidden_layer_sizes": [(32,), (64,), (64, 64)],
         "mlpregressor__alpha": [1e-4, 1e-2, 1.0]},
        cv=3, n_jobs=1,
    )
    search.fit(A_tr, y_tr)
    return r2(y_te, search.predict(A_te))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and candidates")
    parser.add_argument("--n", type=int, default=1000, help="sequences per synthetic task")
    args = parser.parse_args()
    n = 400 if args.quick else args.n
    grid = {
        "solver": ["lbfgs", "adam"],
        "n_hidden": [8, 32] if args.quick else [8, 16, 32],
        "alpha": [1e-4, 1e-1] if args.quick else [1e-4, 1e-2, 1.0],
    }
    candidates = [dict(zip(grid, v)) for v in itertools.product(*grid.values())]
    data = {}
    for name, make in TASKS.items():
        X, y = make(np.random.RandomState(0), n)
        cut = int(0.75 * len(X))
        data[name] = standardise(X[:cut], X[cut:], y[:cut], y[cut:])

    scores = np.zeros((len(candidates), len(TASKS)))
    seconds = np.zeros(len(candidates))
    for i, params in enumerate(candidates):
        for j, (X_tr, X_te, y_tr, y_te) in enumerate(data.values()):
            model = SimpleRNNRegressor(random_state=0, max_iter=200, **params)
            if params["solver"] == "adam":
                model.set_params(learning_rate_init=0.01, batch_size=64)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X_tr, y_tr)
            seconds[i] += time.perf_counter() - start
            scores[i, j] = r2(y_te, model.predict(X_te))
        print(f"  done {params}", flush=True)

    baseline = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for X_tr, X_te, y_tr, y_te in data.values():
            baseline.append(mlp_baseline(X_tr, X_te, y_tr, y_te, 0))

    ranks = (-scores).argsort(axis=0).argsort(axis=0) + 1
    order = np.argsort(ranks.mean(axis=1))
    header = f"| {'configuration':42s} | " + " | ".join(f"{t:>8s}" for t in TASKS)
    header += " | mean R2 | mean rank | s/fit |"
    print(f"\nTest R^2, n={n} sequences per task (75/25 split), random_state=0\n")
    print(header)
    print("|" + "---|" * (len(TASKS) + 5))
    for i in order:
        p = candidates[i]
        label = f"solver={p['solver']}, n_hidden={p['n_hidden']}, alpha={p['alpha']:g}"
        print(f"| {label:42s} | " + " | ".join(f"{s:8.3f}" for s in scores[i])
              + f" | {scores[i].mean():7.3f} | {ranks[i].mean():9.1f} | "
              f"{seconds[i] / len(TASKS):5.2f} |")
    print(f"| {'tuned MLPRegressor on lag windows':42s} | "
          + " | ".join(f"{s:8.3f}" for s in baseline) + f" | {np.mean(baseline):7.3f} |  |  |")


if __name__ == "__main__":
    main()
