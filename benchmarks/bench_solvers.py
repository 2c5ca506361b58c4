"""Every solver on one shared problem: final training loss J, test R^2, iterations, time.

The problem: 600 ragged sequences (lengths 5..40, one feature) whose target is a
nonlinear function of the last three steps; 450 train, 150 test; n_hidden=16,
alpha=1e-4, random_state=0, max_iter=200 for every solver (epochs for gd/sgd/adam,
whose learning rates are set to values that train well here).

Run:  python benchmarks/bench_solvers.py
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_simplernn import SimpleRNNRegressor

SOLVERS = {
    "lbfgs": {},
    "BFGS": {},
    "CG": {},
    "Newton-CG": {},
    "TNC": {},
    "SLSQP": {},
    "trust-constr": {},
    "gd": {"learning_rate_init": 0.5},
    "sgd": {"learning_rate_init": 0.05, "batch_size": 32},
    "adam": {"learning_rate_init": 0.01, "batch_size": 32},
}


def problem(seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(T) for T in rng.randint(5, 41, size=600)]
    y = np.array([np.tanh(x[-1] + 0.5 * x[-2]) - 0.3 * x[-3] ** 2 for x in X])
    return X[:450], X[450:], y[:450], y[450:]


def main():
    X_tr, X_te, y_tr, y_te = problem()
    print("| solver | final J | test R^2 | n_iter_ | seconds |")
    print("|---|---|---|---|---|")
    for solver, extra in SOLVERS.items():
        model = SimpleRNNRegressor(n_hidden=16, solver=solver, alpha=1e-4, max_iter=200,
                                   random_state=0, **extra)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_tr, y_tr)
        seconds = time.perf_counter() - start
        print(f"| {solver} | {model.loss_:.5f} | {model.score(X_te, y_te):.3f} | "
              f"{model.n_iter_} | {seconds:.2f} |", flush=True)


if __name__ == "__main__":
    main()
