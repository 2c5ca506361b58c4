"""
Sequences of any length, including lengths never seen in training
=================================================================

A recurrent network applies the same cell at every step, so it has no
notion of a fixed input width: :class:`~sklearn_simplernn.SimpleRNNRegressor`
takes a plain Python list of sequences of different lengths (the *ragged*
form) in ``fit`` and ``predict`` alike. Here the target is the sum of a
sequence, a quantity that grows with the length. We train on lengths 5 to 20
and test on lengths 1 to 60, and compare a tanh and a ReLU network with a
multi-layer perceptron that needs its input padded to a fixed width.
"""

# %%
# The task
# --------
# Each sequence holds ``T`` values drawn uniformly in [0, 1]; the target is
# their sum, about ``T / 2``. The training lengths are 5 to 20 steps; the test
# set covers 1 to 60 steps, so it holds both shorter and much longer sequences
# than any in training.

import time
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

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


def make_sequences(n, min_length, max_length, rng):
    lengths = rng.randint(min_length, max_length + 1, size=n)
    X = [rng.uniform(0, 1, size=T) for T in lengths]  # a list: the ragged form
    y = np.array([x.sum() for x in X])
    return X, y, lengths


TRAIN_MIN, TRAIN_MAX, TEST_MAX = 5, 20, 60
X_train, y_train, len_train = make_sequences(1000, TRAIN_MIN, TRAIN_MAX, rng)
X_test, y_test, len_test = make_sequences(3000, 1, TEST_MAX, rng)
print(f"training lengths {len_train.min()}-{len_train.max()}, "
      f"test lengths {len_test.min()}-{len_test.max()}")

# %%
# Fitting on the ragged list
# --------------------------
# No padding, no masks: the list goes straight into ``fit``. Internally the
# sequences are sorted by length and packed so that each time step only
# computes the sequences still running (see :doc:`/mathematics`).

models = {}
for activation in ["tanh", "relu"]:
    model = SimpleRNNRegressor(n_hidden=16, activation=activation, max_iter=300,
                               random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 300 iterations suffice here
        models[f"SimpleRNN, {activation}"] = model.fit(X_train, y_train)

# %%
# The fixed-width baseline
# ------------------------
# A feed-forward network needs one input width. To let it read test sequences
# of up to 60 steps we left-pad every sequence with zeros to width 60 (the
# last value always in the last column). In training, the first 40 columns
# are always zero, so whatever the MLP does with them is never tested until
# the test set.


def pad_left(X, width):
    out = np.zeros((len(X), width))
    for i, x in enumerate(X):
        out[i, width - len(x) :] = x
    return out


mlp = MLPRegressor(hidden_layer_sizes=(32,), max_iter=2000, random_state=0)
mlp.fit(pad_left(X_train, TEST_MAX), y_train)

predictions = {name: m.predict(X_test) for name, m in models.items()}
predictions["MLP, zero-padded to 60"] = mlp.predict(pad_left(X_test, TEST_MAX))

# %%
# Error as a function of length
# -----------------------------
# Mean absolute error for each test length; the band marks the training
# lengths.

lengths = np.arange(1, TEST_MAX + 1)
seen = (len_test >= TRAIN_MIN) & (len_test <= TRAIN_MAX)
print(f"{'model':26s} {'MAE, seen lengths':>18s} {'MAE, 1-4':>9s} "
      f"{'MAE, 21-40':>11s} {'MAE, 41-60':>11s}")
mae_by_length = {}
for name, pred in predictions.items():
    err = np.abs(pred - y_test)
    mae_by_length[name] = np.array([err[len_test == T].mean() for T in lengths])
    print(f"{name:26s} {err[seen].mean():18.3f} {err[len_test < TRAIN_MIN].mean():9.3f} "
          f"{err[(len_test > TRAIN_MAX) & (len_test <= 40)].mean():11.3f} "
          f"{err[len_test > 40].mean():11.3f}")

fig, (ax_err, ax_fit) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
colors = {"SimpleRNN, tanh": "tab:orange", "SimpleRNN, relu": "tab:blue",
          "MLP, zero-padded to 60": "tab:gray"}
ax_err.axvspan(TRAIN_MIN, TRAIN_MAX, color="tab:green", alpha=0.15,
               label="training lengths")
for name, mae in mae_by_length.items():
    ax_err.semilogy(lengths, mae, color=colors[name], marker=".", label=name)
ax_err.set_xlabel("sequence length T")
ax_err.set_ylabel("mean absolute error of the predicted sum")
ax_err.set_title("Error by length")
ax_err.legend()

# %%
# Predicted against true sums for the ReLU network, coloured by whether the
# length was seen in training.

pred = predictions["SimpleRNN, relu"]
ax_fit.scatter(y_test[~seen], pred[~seen], s=6, color="tab:purple",
               label="lengths 1-4 and 21-60 (unseen)")
ax_fit.scatter(y_test[seen], pred[seen], s=6, color="tab:green",
               label="lengths 5-20 (seen)")
ax_fit.plot([0, TEST_MAX / 1.5], [0, TEST_MAX / 1.5], color="black", lw=0.8)
ax_fit.set_xlabel("true sum")
ax_fit.set_ylabel("predicted sum")
ax_fit.set_title("SimpleRNN (ReLU) on the test set")
ax_fit.legend()
fig.savefig(OUTPUT / "ragged_sequences.png", dpi=100)
print(f"saved {OUTPUT / 'ragged_sequences.png'}; total runtime "
      f"{time.perf_counter() - start_time:.1f} s")

# %%
# What this shows
# ---------------
# * Both RNNs read every length with the same weights; the lengths need not
#   match between ``fit`` and ``predict``.
# * Whether they *extrapolate* depends on the cell. A sum is a counter: the
#   ReLU network can hold it in an unbounded linear state
#   (:math:`a_t = a_{t-1} + x_t` is within its reach), and its error stays small
#   at 60 steps, three times the longest training sequence. The tanh network
#   saturates: :math:`|a_t| < 1` caps what it can represent, and once sums grow
#   beyond the training range its error grows with them.
# * The padded MLP is exact only where it was trained: its weights on the
#   columns that were always zero were never fitted.
