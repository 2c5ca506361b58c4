"""
Comparing the solvers
=====================

:class:`~sklearn_simplernn.SimpleRNNRegressor` minimises one objective
:math:`J(\\theta)` (see :doc:`/mathematics`) with one exact gradient, and lets
you choose who walks downhill: plain full-batch gradient descent (``'gd'``),
mini-batch SGD with momentum (``'sgd'``), Adam (``'adam'``), or any of the
``scipy.optimize.minimize`` methods that use a gradient: ``'lbfgs'``
(L-BFGS-B), ``'BFGS'``, ``'CG'``, ``'Newton-CG'``, ``'TNC'``, ``'SLSQP'``
and ``'trust-constr'``. This example trains the same network from the same
initial weights with each of them and plots ``loss_curve_``.
"""

# %%
# One problem: continue a noisy sine wave
# ---------------------------------------
# Each sequence is 20 noisy samples of a sine wave of random frequency and
# phase; the target is the 21st sample. The network has 8 tanh units, and
# ``random_state=0`` gives every solver the same initial weights.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_simplernn import SimpleRNNRegressor

# sphinx_gallery_start_ignore
try:  # figures go to examples/output/, from wherever the script is run
    OUTPUT = Path(__file__).resolve().parent / "output"
except NameError:  # the documentation build runs examples from examples/
    OUTPUT = Path.cwd() / "output"
OUTPUT.mkdir(exist_ok=True)
# sphinx_gallery_end_ignore
start_time = time.perf_counter()

rng = np.random.RandomState(0)
n, T = 400, 20
omega = rng.uniform(0.2, 0.6, size=n)
phase = rng.uniform(0, 2 * np.pi, size=n)
steps = np.arange(T + 1)
series = np.sin(omega[:, None] * steps + phase[:, None]) + 0.05 * rng.standard_normal((n, T + 1))
X, y = series[:, :T], series[:, T]  # 2-D X: one univariate sequence per row

# %%
# Training with every solver
# --------------------------
# At most 100 iterations each. An *iteration* is not the same unit for all of
# them: for 'gd' it is one gradient step, for 'sgd' and 'adam' one epoch (a
# pass over the data in mini-batches of 32, so 13 steps), for the scipy
# methods one iteration of the method, which may evaluate the loss and
# gradient several times (in a line search, or for the Hessian-vector products
# of Newton-CG and TNC). So we also time each fit. 'TNC' counts its budget in
# function evaluations (``max_fun``), not iterations, and may run more than
# 100 iterations.

solvers = {
    "gd": dict(learning_rate_init=0.1),
    "sgd": dict(learning_rate_init=0.05, batch_size=32),
    "adam": dict(learning_rate_init=0.01, batch_size=32),
    "lbfgs": {},
    "BFGS": {},
    "CG": {},
    "Newton-CG": {},
    "TNC": {},
    "SLSQP": {},
    "trust-constr": {},
}
curves, fit_times, r2 = {}, {}, {}
with warnings.catch_warnings():
    # Every run is capped at 100 iterations on purpose.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for solver, options in solvers.items():
        model = SimpleRNNRegressor(n_hidden=8, solver=solver, max_iter=100, tol=0.0,
                                   random_state=0, **options)
        fit_start = time.perf_counter()
        model.fit(X, y)
        fit_times[solver] = time.perf_counter() - fit_start
        curves[solver] = model.loss_curve_
        r2[solver] = model.score(X, y)

print(f"{'solver':13s} {'iterations':>10s} {'final loss':>11s} {'train R^2':>10s} {'time (s)':>9s}")
for solver in solvers:
    print(f"{solver:13s} {len(curves[solver]):10d} {curves[solver][-1]:11.5f} "
          f"{r2[solver]:10.4f} {fit_times[solver]:9.2f}")

# %%
# Loss curves
# -----------
# Left: the loss after each iteration. Right: the final loss against the
# wall-clock time of the fit (both logarithmic), which puts the solvers on a
# common footing.

styles = {"gd": "--", "sgd": "--", "adam": "--"}
fig, (ax_curve, ax_time) = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
for solver, curve in curves.items():
    (line,) = ax_curve.semilogy(np.arange(1, len(curve) + 1), curve,
                                ls=styles.get(solver, "-"), label=solver)
    ax_time.loglog(fit_times[solver], curve[-1], marker="o", ls="", color=line.get_color())
    ax_time.annotate(solver, (fit_times[solver], curve[-1]), textcoords="offset points",
                     xytext=(4, 4), fontsize="small")
ax_curve.set_xlabel("iteration (epochs for gd/sgd/adam)")
ax_curve.set_ylabel("training loss J (loss_curve_)")
ax_curve.set_title("Loss curves (dashed: gradient-descent family)")
ax_curve.legend(ncol=2, fontsize="small")
ax_time.set_xlabel("fit time (s)")
ax_time.set_ylabel("final training loss J")
ax_time.set_title("Final loss against time")
fig.savefig(OUTPUT / "solvers.png", dpi=100)
print(f"saved {OUTPUT / 'solvers.png'}; total runtime {time.perf_counter() - start_time:.1f} s")

# %%
# Which solver?
# -------------
# * For small and medium data sets the quasi-Newton family ('lbfgs', the
#   default, 'BFGS', and here 'SLSQP') reaches a low loss in the least time
#   and needs no learning rate. 'BFGS' and 'SLSQP' keep a dense
#   (n_params x n_params) matrix: fine for the hundred parameters here, not
#   for tens of thousands.
# * 'Newton-CG' and 'TNC' reach the lowest loss on this problem, at ten or
#   more times the cost: each of their iterations runs an inner conjugate
#   gradient loop whose Hessian-vector products are finite differences of
#   the gradient.
# * 'sgd' and 'adam' update after each mini-batch, so they make progress
#   before they have seen all the data: the choice for large data sets, for
#   ``partial_fit`` and for gradient clipping (``clip_norm``), which the
#   scipy methods do not apply. Both stopped before 100 epochs here, when the
#   epoch loss had not improved for ``n_iter_no_change=10`` epochs.
# * 'gd' is the textbook full-batch step (see :doc:`/mathematics`), included
#   for teaching: with a fixed step it is the slowest to converge.
