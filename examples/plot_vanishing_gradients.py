"""
Vanishing and exploding gradients
=================================

Backpropagation through time sends the gradient of the loss back from the last
hidden state :math:`a_T` one step at a time, :math:`e_{t-1} = (e_t \\odot
f'(z_t))\\,W_{aa}^\\top` with :math:`e_t = \\partial J / \\partial a_t` (see
:doc:`/mathematics`). Each step multiplies by the same recurrent matrix, so the
gradient reaching a state ``d`` steps back shrinks or grows roughly
geometrically in ``d``. This example measures that, for tanh and ReLU and for
small and large recurrent weights; shows what gradient clipping does (and does
not) do about it; and shows the consequence: a memory task that the simple RNN
learns at short distances and fails to learn past a few dozen steps.
"""

# %%
# Measuring :math:`\|\partial J/\partial a_{T-d}\|` for given weights
# -------------------------------------------------------------------
# A helper built on the engine's own forward pass
# (:meth:`sklearn_simplernn._rnn.RecurrentLayer.forward`) and the activation slopes of
# :mod:`sklearn_simplernn._activations` (:math:`f'(z_t)` computed from the
# activation's *output* :math:`a_t`, as the backward pass does). It starts every sequence from a random unit
# vector :math:`e_T` and runs the backward recursion of
# :meth:`sklearn_simplernn._rnn.RecurrentLayer.backward`, recording the root mean square over
# sequences of :math:`\|e_{T-d}\|`.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._activations import ACTIVATIONS
from sklearn_simplernn._rnn import RecurrentLayer, Workspace
from sklearn_simplernn._sequences import SequenceData, pack

# sphinx_gallery_start_ignore
try:  # figures go to examples/output/, from wherever the script is run
    OUTPUT = Path(__file__).resolve().parent / "output"
except NameError:  # the documentation build runs examples from examples/
    OUTPUT = Path.cwd() / "output"
OUTPUT.mkdir(exist_ok=True)
# sphinx_gallery_end_ignore
start_time = time.perf_counter()


def hidden_gradient_norms(W_ax, W_aa, b_a, X, activation, rng):
    """RMS over sequences of ||dJ/da_{T-d}|| for d = 0 .. T-1, from a unit e_T.

    X has shape (n_sequences, T, n_step_features), all of one length.
    """
    n, T, D = X.shape
    H = W_aa.shape[0]
    seqs = SequenceData(np.ascontiguousarray(X.reshape(n * T, D)), np.full(n, T), "3d")
    batch = pack(seqs)
    layer = RecurrentLayer(D, H, activation)
    A, _ = layer.forward((W_ax, W_aa, b_a), batch, batch.X, Workspace())
    A = A.reshape(T, n, H)  # equal lengths: the packed layout is time-major
    e = rng.standard_normal((n, H))
    e /= np.linalg.norm(e, axis=1, keepdims=True)  # e_T, one unit vector per sequence
    slopes = ACTIVATIONS[activation].slope(A, out=np.empty_like(A))  # f'(z_t) from a_t
    norms = np.empty(T)
    for d in range(T):
        norms[d] = np.sqrt(np.mean(np.sum(e**2, axis=1)))
        delta = e * slopes[T - 1 - d]  # delta_t = e_t * f'(z_t)
        e = delta @ W_aa.T  # e_{t-1} = delta_t W_aa^T
    return norms


# %%
# Small and large recurrent weights
# ---------------------------------
# 64 random input sequences of 100 steps, 32 hidden units. The recurrent
# matrix is :math:`W_{aa} = \rho Q` with :math:`Q` orthogonal, so all its
# singular values equal :math:`\rho`: 0.5 (small), 1 (the estimator's
# orthogonal initialisation), 2 (large). Since :math:`|f'| \le 1` for both
# activations, :math:`\|e_{T-d}\| \le \rho^d \|e_T\|`: for
# :math:`\rho < 1` the gradient *must* vanish geometrically (the dotted
# lines). For :math:`\rho > 1` it *may* explode; whether it does depends on how
# many units sit where :math:`f'` is small (tanh saturation, ReLU's zeros).

rng = np.random.RandomState(0)
H, T, n = 32, 100, 64
X = rng.standard_normal((n, T, 1))
W_ax = rng.uniform(-1, 1, size=(1, H)) * np.sqrt(6 / (1 + H))
q, r = np.linalg.qr(rng.standard_normal((H, H)))
Q = q * np.sign(np.diag(r))
distance = np.arange(T)
rhos = {0.5: "tab:blue", 1.0: "tab:green", 2.0: "tab:red"}

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, constrained_layout=True)
for ax, activation in zip(axes, ["tanh", "relu"]):
    for rho, color in rhos.items():
        norms = hidden_gradient_norms(W_ax, rho * Q, np.zeros(H), X, activation, rng)
        ax.semilogy(distance, norms, color=color, label=f"$\\rho$ = {rho}")
        print(f"{activation:4s} rho={rho}: ||dJ/da_(T-d)|| at d=10: {norms[10]:.2e}, "
              f"d=50: {norms[50]:.2e}, d=99: {norms[99]:.2e}")
    ax.semilogy(distance, 0.5**distance, color="tab:blue", ls=":", label="bound $0.5^d$")
    ax.set_ylim(1e-12, 1e12)
    ax.set_xlabel("distance d from the last step")
    ax.set_title(f"f = {activation}")
    ax.legend()
axes[0].set_ylabel(r"RMS of $\|\partial J/\partial a_{T-d}\|$ (with $\|e_T\| = 1$)")
fig.suptitle(r"Gradient reaching $a_{T-d}$, recurrent weights $W_{aa} = \rho Q$")
fig.savefig(OUTPUT / "vanishing_gradients_norms.png", dpi=100)

# %%
# Exploding gradients in training, with and without clipping
# ----------------------------------------------------------
# A ReLU network trained by SGD with momentum and too large a step: the loss
# grows a thousandfold within the second epoch and the estimator stops with
# an error (leaving the model as it was before that epoch). With ``clip_norm=1.0`` every gradient longer than 1 is
# rescaled to length 1 before the update, and the same run trains.
#
# ``track_gradients=True`` records ``gradient_norms_``: entry ``[k, d]`` is the
# RMS over training sequences of :math:`\|\partial J_i/\partial a_{T_i-d}\|` at
# epoch ``k``. Clipping does not change the *shape* of that profile within one
# gradient (it rescales all of it); it bounds the size of the step the
# optimizer takes, so one huge gradient cannot throw the weights into a region
# where the next one is larger still. Training epoch by epoch with
# ``partial_fit`` keeps the history of the run that diverges.

n_train, T_sum = 500, 30
X_sum = rng.standard_normal((n_train, T_sum))
y_sum = X_sum[:, -10:].sum(axis=1) / np.sqrt(10)  # sum of the last 10 steps

runs = {}
for clip_norm in [None, 1.0]:
    model = SimpleRNNRegressor(
        n_hidden=16, activation="relu", solver="sgd", learning_rate_init=0.1,
        momentum=0.9, batch_size=50, clip_norm=clip_norm, random_state=0,
        track_gradients=True,
    )
    losses, grad_first, grad_last, diverged_at = [], [], [], None
    for epoch in range(40):
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
                model.partial_fit(X_sum, y_sum)
        except ValueError:  # "Training diverged at iteration ...": the loss grew 1000-fold
            diverged_at = epoch + 1
            break
        losses.append(model.loss_)
        grad_last.append(model.gradient_norms_[-1, 0])  # d = 0: at a_T
        grad_first.append(model.gradient_norms_[-1, T_sum - 1])  # d = T-1: at a_1
    runs[clip_norm] = (losses, grad_first, grad_last, diverged_at)
    status = f"diverged at epoch {diverged_at}" if diverged_at else f"final loss {losses[-1]:.4f}"
    print(f"clip_norm={clip_norm}: {status}")

fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
for clip_norm, color in [(None, "tab:red"), (1.0, "tab:blue")]:
    losses, grad_first, grad_last, diverged_at = runs[clip_norm]
    label = "no clipping" if clip_norm is None else f"clip_norm={clip_norm}"
    epochs = np.arange(1, len(losses) + 1)
    ax_loss.semilogy(epochs, losses, color=color, marker=".", label=label)
    if diverged_at:
        ax_loss.axvline(diverged_at, color=color, ls=":", label=f"{label}: training diverged")
    ax_grad.semilogy(epochs, grad_last, color=color, label=f"{label}, at $a_T$")
    ax_grad.semilogy(epochs, grad_first, color=color, ls="--", label=f"{label}, at $a_1$")
ax_loss.set_ylim(1e-2, 1e4)
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss J")
ax_loss.set_title("ReLU, SGD with momentum, learning rate 0.1")
ax_loss.legend()
ax_grad.set_ylim(1e-4, 1e4)
ax_grad.set_xlabel("epoch")
ax_grad.set_ylabel(r"RMS of $\|\partial J_i/\partial a_t\|$ (gradient_norms_)")
ax_grad.set_title("Gradient reaching the last and the first state")
ax_grad.legend(fontsize="small")
fig.savefig(OUTPUT / "vanishing_gradients_clipping.png", dpi=100)

# %%
# The consequence: a dependency the simple RNN cannot learn
# ---------------------------------------------------------
# Each sequence has two features per step: a noise value and a marker that is 1
# at the first step only. The target is the value at the marked step, to be
# recalled after ``T - 1`` further steps of noise. For growing ``T`` we train
# on 300 sequences with L-BFGS (150 iterations, 16 tanh units, three seeds)
# and score on 500 fresh ones.
# The information is always there; what fades is the gradient that would teach
# the network to keep it: ``gradient_norms_[0, T-1]``, the gradient reaching
# :math:`a_1` at initialisation, falls by orders of magnitude as ``T`` grows.


def recall_task(n, T, rng):
    X = rng.standard_normal((n, T, 2))
    X[:, :, 1] = 0.0
    X[:, 0, 1] = 1.0  # marker on the first step
    return X, X[:, 0, 0].copy()


lengths = [2, 5, 10, 20, 30, 40, 50, 60, 80, 120]
seeds = [0, 1, 2]
test_r2 = np.empty((len(lengths), len(seeds)))
first_step_grad = np.empty_like(test_r2)
with warnings.catch_warnings():
    # Many runs stop at max_iter on purpose; the score tells what they learnt.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for i, T_recall in enumerate(lengths):
        for j, seed in enumerate(seeds):
            data_rng = np.random.RandomState(1000 * seed + T_recall)
            X_train, y_train = recall_task(300, T_recall, data_rng)
            X_test, y_test = recall_task(500, T_recall, data_rng)
            model = SimpleRNNRegressor(n_hidden=16, max_iter=150, random_state=seed,
                                       track_gradients=True).fit(X_train, y_train)
            test_r2[i, j] = r2_score(y_test, model.predict(X_test))
            first_step_grad[i, j] = model.gradient_norms_[0, T_recall - 1]
        print(f"T = {T_recall:3d}: test R^2 of the {len(seeds)} seeds "
              f"{np.array2string(test_r2[i], precision=3)}, gradient at a_1 at "
              f"initialisation {np.median(first_step_grad[i]):.1e}")

learnt = [T for T, r2 in zip(lengths, test_r2) if (r2 > 0.9).all()]
failed = [T for T, r2 in zip(lengths, test_r2) if (r2 < 0.5).all()]
print(f"every seed learns the recall (R^2 > 0.9) up to T = {max(learnt)}; every seed "
      f"fails (R^2 < 0.5) from T = {min(failed)}")

fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
for j in range(len(seeds)):
    ax.plot(lengths, test_r2[:, j], color="tab:blue", ls="", marker="o", alpha=0.5)
ax.plot(lengths, np.median(test_r2, axis=1), color="tab:blue", label="test $R^2$ (median)")
ax.axhline(0, color="gray", lw=0.8)
ax.set_xlabel("distance to recall T (steps)")
ax.set_ylabel("test $R^2$ (dots: 3 seeds)", color="tab:blue")
ax.set_ylim(-1.05, 1.05)
ax2 = ax.twinx()
ax2.semilogy(lengths, np.median(first_step_grad, axis=1), color="tab:red", marker="s", ls="--")
ax2.set_ylabel(r"$\|\partial J/\partial a_1\|$ at initialisation (median)", color="tab:red")
ax.set_title("Recall the first input after T steps (16 tanh units, L-BFGS)")
fig.savefig(OUTPUT / "vanishing_gradients_recall.png", dpi=100)
print(f"saved 3 figures to {OUTPUT}; total runtime {time.perf_counter() - start_time:.1f} s")

# %%
# Reading the plots
# -----------------
# * With :math:`\rho < 1` the gradient vanishes as fast as the bound says;
#   at the orthogonal initialisation (:math:`\rho = 1`) it still decays, because
#   :math:`f' < 1` wherever a unit is not at zero (tanh) or is switched off
#   (ReLU); with :math:`\rho = 2` it explodes for both activations.
# * Clipping is the cure for *exploding* gradients only: it caps the step, not
#   the decay of the gradient across time.
# * On the recall task every seed learns the dependency over up to 10
#   steps, while the gradient reaching :math:`a_1` at initialisation is
#   still above about :math:`10^{-1}`; at 20 steps (gradient
#   :math:`3 \cdot 10^{-2}`) success depends on the seed (whether the
#   optimizer finds the faint direction at all: one of three does), and from
#   30 steps on every seed fails. A negative :math:`R^2` means the network
#   fitted the noise of its 300 training sequences instead. Gated cells (LSTM, GRU) were invented for
#   exactly this; see Pascanu, Mikolov and Bengio (2013) and
#   :doc:`/mathematics`.
