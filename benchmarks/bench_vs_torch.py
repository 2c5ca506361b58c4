"""SimpleRNNRegressor against PyTorch's nn.RNN on the CPU, in one run.

Both sides train the same model on the same data from the same initial weights:
one Elman layer a_t = tanh(x_t W_ax + a_{t-1} W_aa + b_a) read at its last step
by a linear output O = a_T W_ya + b_y, with the same optimizer, learning rate,
batch size and number of epochs. The torch model is ``nn.RNN(tanh,
batch_first=True)`` + ``nn.Linear`` on h_n, with ``bias_hh`` fixed at zero (so its
parameters are exactly W_ax^T, W_aa^T, b_a, W_ya^T, b_y; a second, redundant bias
would change Adam's steps). Ragged batches go through ``pack_padded_sequence``.

The workloads ending in ``2l`` stack two layers (``n_hidden=(32, 32)`` against
``nn.RNN(num_layers=2)``, the linear output on the top layer's h_n); those
ending in ``bi`` run one bidirectional layer (``bidirectional=True`` against
``nn.RNN(bidirectional=True)``, the linear output on cat(h_n[-2], h_n[-1]): the
forward state at the last step and the backward state at the first). Every
layer and direction maps the same way: ``weight_ih_l{k}[_reverse]`` = W_ax^T,
``weight_hh`` = W_aa^T, ``bias_ih`` = b_a, ``bias_hh`` = 0.

Loss scaling. Our objective with ``alpha=0`` and unit weights is
J = (1/N) sum_i 0.5 ||y_i - O_i||^2; torch's ``MSELoss`` is the plain mean of the
squared errors, twice J for one output. The torch side minimises
``0.5 * mse_loss`` so both optimise the *same* function: the same gradients, the
same Adam steps (Adam is scale-invariant only up to epsilon) and the same L-BFGS
line searches. "loss" columns are that J on the whole training set after
training, evaluated the same way for both.

Timing. Our time is ``fit`` (``predict`` for the predict workload), validation
included; torch's is its training loop (or forward under ``no_grad``), tensor
conversion included. Medians over ``--repeats`` runs, the two sides
alternating. One thread on each side is the primary setting (threadpoolctl for
numpy's BLAS, ``torch.set_num_threads``); two threads each are also reported.
Our ``fit`` limits BLAS to one thread by itself; ``predict`` does not.

Floors. ``floor`` is the time of the fewest numpy calls that train the
workload (three per time step forward, two backward, a few per batch; see
:func:`numpy_floor`), run in the same loop as the fit with every view made in
advance and no other Python code: any numpy implementation of this algorithm
pays at least that, so ``torch/floor`` is the highest ratio a numpy engine can
reach in this run. ``torch/GEMMs`` is the same with the matrix products alone,
the ceiling even for compiled code that calls BLAS at every step. The floors
are written for one unidirectional layer; the deeper workloads have none
("-" in those columns).

Lower bound. ``bound`` is the FLOPs of the workload's matrix products (forward
and backward, every epoch or function evaluation) divided by the GEMM rate
numpy reaches on this machine for a 512 x 512 product with the same dtype and
threads; ``ours/bound`` says how far our time is from pure arithmetic.

    python benchmarks/bench_vs_torch.py                    # everything (a few minutes)
    python benchmarks/bench_vs_torch.py --quick            # one repeat, one thread
    python benchmarks/bench_vs_torch.py --workloads small,ragged --dtypes float32

Install torch only as the pinned CPU build: ``pip install torch==2.13.0``.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402

from sklearn_simplernn import SimpleRNNRegressor  # noqa: E402
from sklearn_simplernn._network import ATTRIBUTE_NAMES, Network  # noqa: E402

SEED = 0

# (N, lengths, features D, hidden H, batch, solver, epochs/iterations, Adam's lr).
# wide trains at a smaller lr: at 0.01 its 128 units make the trajectory chaotic,
# and last-bit differences between any two implementations grow into different
# final losses.
WORKLOADS = {
    "small": dict(N=2000, T=50, D=1, H=32, batch=64, solver="adam", epochs=5, lr=0.01),
    "wide": dict(N=2000, T=50, D=8, H=128, batch=64, solver="adam", epochs=5, lr=0.002),
    "long": dict(N=500, T=500, D=1, H=32, batch=50, solver="adam", epochs=3, lr=0.01),
    "ragged": dict(N=2000, T=(10, 100), D=1, H=32, batch=64, solver="adam", epochs=5, lr=0.01),
    "lbfgs": dict(N=1000, T=50, D=1, H=32, batch=None, solver="lbfgs", epochs=50),
    "predict": dict(N=20000, T=50, D=1, H=32, batch=None, solver="predict", epochs=0),
}
# Deeper models on the small, ragged and predict shapes: two stacked layers of
# 32 units ("2l"), and one bidirectional layer of 32 units per direction ("bi").
# They train at lr 0.005: at 0.01 their trajectories are chaotic like wide's
# (a 1e-12 relative change of the initial weights moves torch's own final loss
# by 25%), and the final losses would no longer show that both sides take the
# same steps.
for _suffix, _extra in (("2l", dict(layers=2)), ("bi", dict(bidirectional=True))):
    for _name in ("small", "ragged", "predict"):
        WORKLOADS[_name + _suffix] = dict(WORKLOADS[_name], **_extra)
        if "lr" in WORKLOADS[_name]:
            WORKLOADS[_name + _suffix]["lr"] = 0.005


def n_layers(w):
    return w.get("layers", 1)


def bidirectional(w):
    return w.get("bidirectional", False)


def n_hidden(w):
    """Our ``n_hidden``: an int for one layer, one entry per layer otherwise."""
    return w["H"] if n_layers(w) == 1 else (w["H"],) * n_layers(w)


def single_layer(w):
    """Whether the model is one unidirectional layer (the shape the floors are written for)."""
    return n_layers(w) == 1 and not bidirectional(w)


# ---------------------------------------------------------------------------
# Data


def make_data(w, dtype):
    """Deterministic sequences; the target needs memory (a decaying sum of x) plus noise."""
    rng = np.random.RandomState(SEED)
    N, D = w["N"], w["D"]
    if isinstance(w["T"], tuple):
        lengths = rng.randint(w["T"][0], w["T"][1] + 1, size=N)
    else:
        lengths = np.full(N, w["T"])
    T_max = int(lengths.max())
    padded = np.zeros((N, T_max, D))
    y = np.empty(N)
    mix = rng.uniform(-1, 1, size=D) / np.sqrt(D)
    for i, T in enumerate(lengths):
        x = rng.standard_normal((T, D))
        padded[i, :T] = x
        decay = 0.8 ** np.arange(T)[::-1]
        y[i] = np.tanh(0.5 * decay @ (x @ mix)) + 0.1 * x[-1, 0]
    # Noise puts a floor of 0.5 * 0.1^2 = 0.005 under J, so that final losses
    # compare optimisation results rather than round-off on a perfect fit.
    y += 0.1 * rng.standard_normal(N)
    padded = padded.astype(dtype)
    y = y.astype(dtype)
    ragged = isinstance(w["T"], tuple)
    X_ours = [padded[i, :T] for i, T in enumerate(lengths)] if ragged else padded
    return X_ours, padded, y, lengths


def initial_theta(w, dtype):
    """The initial weights our fit draws for random_state=SEED (shared with torch).

    Also returns the random state as our fit leaves it after the draw: it then
    shuffles each epoch with ``rng.permutation(N)``, and torch is given the
    same permutations, hence the very same mini-batches.
    """
    network = Network(w["D"], n_hidden(w), 1, "tanh", bidirectional(w))
    rng = check_random_state(SEED)
    theta = network.init_params(rng, dtype)
    return network, theta, rng


# ---------------------------------------------------------------------------
# Our side


def our_estimator(w):
    # No penalty and no held-out sequences: the same full objective torch minimises.
    common = dict(n_hidden=n_hidden(w), bidirectional=bidirectional(w), activation="tanh",
                  alpha=0.0, early_stopping=False, random_state=SEED)
    if w["solver"] == "adam":
        # tol=0 and n_iter_no_change > epochs: exactly ``epochs`` passes, like torch.
        return SimpleRNNRegressor(
            solver="adam", batch_size=w["batch"], learning_rate_init=w["lr"],
            max_iter=w["epochs"], shuffle=True, tol=0.0,
            n_iter_no_change=w["epochs"] + 1, **common,
        )
    return SimpleRNNRegressor(solver="lbfgs", max_iter=w["epochs"], tol=0.0, **common)


def run_ours(w, X, y, fitted=None):
    if w["solver"] == "predict":
        t0 = time.perf_counter()
        pred = fitted.predict(X)
        return time.perf_counter() - t0, pred
    est = our_estimator(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - t0
    return elapsed, est


# ---------------------------------------------------------------------------
# Torch side


class TorchRNN(torch.nn.Module):
    def __init__(self, D, H, num_layers=1, bidirectional=False):
        super().__init__()
        self.rnn = torch.nn.RNN(D, H, num_layers=num_layers, nonlinearity="tanh",
                                batch_first=True, bidirectional=bidirectional)
        self.bidirectional = bidirectional
        self.out = torch.nn.Linear(2 * H if bidirectional else H, 1)

    def forward(self, x):
        _, h = self.rnn(x)
        # h_n of the top layer: its forward state at the last step, and with
        # two directions the backward state at the first step after it.
        top = torch.cat((h[-2], h[-1]), dim=1) if self.bidirectional else h[-1]
        return self.out(top)


def torch_model(w, theta, network, dtype):
    """nn.RNN + nn.Linear holding our theta; every bias_hh fixed at zero."""
    model = TorchRNN(w["D"], w["H"], n_layers(w), bidirectional(w)).to(getattr(torch, dtype))
    layers, (W_ya, b_y) = network.split(network.layout.unpack(theta))
    rnn = model.rnn
    with torch.no_grad():
        for k, params in enumerate(layers):
            # A bidirectional layer's arrays have a leading axis (forward, backward).
            per_direction = zip(*params) if bidirectional(w) else [params]
            for suffix, (W_ax, W_aa, b_a) in zip(("", "_reverse"), per_direction):
                getattr(rnn, f"weight_ih_l{k}{suffix}").copy_(torch.from_numpy(W_ax.T.copy()))
                getattr(rnn, f"weight_hh_l{k}{suffix}").copy_(torch.from_numpy(W_aa.T.copy()))
                getattr(rnn, f"bias_ih_l{k}{suffix}").copy_(torch.from_numpy(b_a.copy()))
                bias_hh = getattr(rnn, f"bias_hh_l{k}{suffix}")
                bias_hh.zero_()
                bias_hh.requires_grad_(False)
        model.out.weight.copy_(torch.from_numpy(W_ya.T.copy()))
        model.out.bias.copy_(torch.from_numpy(b_y.copy()))
    return model


def torch_inputs(Xt, lengths_t, idx, ragged):
    xb = Xt[idx]
    if ragged:
        xb = torch.nn.utils.rnn.pack_padded_sequence(
            xb, lengths_t[idx], batch_first=True, enforce_sorted=False
        )
    return xb


def run_torch(w, padded, y, lengths, theta, network, dtype, model=None):
    ragged = isinstance(w["T"], tuple)
    if w["solver"] == "predict":
        t0 = time.perf_counter()
        with torch.no_grad():
            pred = model(torch.from_numpy(padded)).numpy()[:, 0]
        return time.perf_counter() - t0, pred
    model = torch_model(w, theta, network, dtype)
    rng = initial_theta(w, dtype)[2]
    params = [p for p in model.parameters() if p.requires_grad]
    t0 = time.perf_counter()
    Xt, yt = torch.from_numpy(padded), torch.from_numpy(y)[:, None]
    lengths_t = torch.from_numpy(lengths)
    N = len(y)
    if w["solver"] == "adam":
        opt = torch.optim.Adam(params, lr=w["lr"], betas=(0.9, 0.999), eps=1e-8)
        for _ in range(w["epochs"]):
            perm = torch.from_numpy(rng.permutation(N))
            for i in range(0, N, w["batch"]):
                idx = perm[i : i + w["batch"]]
                opt.zero_grad(set_to_none=True)
                out = model(torch_inputs(Xt, lengths_t, idx, ragged))
                loss = 0.5 * torch.nn.functional.mse_loss(out, yt[idx])
                loss.backward()
                opt.step()
    else:
        # scipy's L-BFGS-B keeps 10 corrections and line-searches (Wolfe) every step.
        opt = torch.optim.LBFGS(
            params, lr=1, max_iter=w["epochs"], max_eval=15000, history_size=10,
            tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe",
        )
        xb = torch_inputs(Xt, lengths_t, slice(None), ragged)

        def closure():
            opt.zero_grad(set_to_none=True)
            loss = 0.5 * torch.nn.functional.mse_loss(model(xb), yt)
            loss.backward()
            return loss

        opt.step(closure)
    return time.perf_counter() - t0, model


def torch_predict(model, padded, lengths, ragged):
    with torch.no_grad():
        x = torch.from_numpy(padded)
        if ragged:
            x = torch.nn.utils.rnn.pack_padded_sequence(
                x, torch.from_numpy(lengths), batch_first=True, enforce_sorted=False
            )
        return model(x).numpy()[:, 0]


# ---------------------------------------------------------------------------
# Lower bound


def gemm_rate(dtype, n=512):
    """FLOP/s of one n x n x n numpy matmul (best of a few)."""
    a = np.random.RandomState(0).standard_normal((n, n)).astype(dtype)
    out = np.empty_like(a)
    np.matmul(a, a, out=out)
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        np.matmul(a, a, out=out)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n**3 / best


def matmul_flops(w, lengths, n_iter):
    """FLOPs of the matrix products of training (or prediction), K = 1 output."""
    H, K, N = w["H"], 1, w["N"]
    n_dir = 2 if bidirectional(w) else 1
    rows = int(lengths.sum())
    forward = backward = 0
    D = w["D"]
    for k in range(n_layers(w)):
        forward += n_dir * (2 * rows * D * H + 2 * (rows - N) * H * H)
        # e_{t-1} = delta_t W_aa^T, dW_ax, dW_aa, and above the first layer
        # dJ/dh_t = delta_t W_ax^T for the layer below.
        backward += n_dir * ((4 if k else 2) * rows * D * H + 4 * (rows - N) * H * H)
        D = n_dir * H
    F = n_dir * H  # what the output layer reads
    forward += 2 * N * F * K
    if w["solver"] == "predict":
        return forward
    backward += 4 * N * F * K  # the output layer's dW_ya and e_T
    if w["solver"] == "adam":
        return w["epochs"] * (forward + backward)
    return n_iter * (forward + backward)  # at least one evaluation per iteration


def batch_lengths(w, lengths):
    """The sorted lengths of every mini-batch our fit trains on, in order."""
    if w["batch"] is None:  # full batch: L-BFGS, predict
        return [np.sort(lengths)[::-1]]
    rng = initial_theta(w, "float64")[2]
    out = []
    for _ in range(w["epochs"]):
        perm = rng.permutation(w["N"])
        for i in range(0, w["N"], w["batch"]):
            out.append(np.sort(lengths[perm[i : i + w["batch"]]])[::-1])
    return out


def _floor_weights(w, dtype):
    """Weights for the floor loops: an orthogonal W_aa keeps every value in range."""
    D, H = w["D"], w["H"]
    rs = np.random.RandomState(1)
    W_in = np.concatenate([rs.standard_normal((D, H)) * 0.3, np.zeros((1, H))]).astype(dtype)
    W_aa = np.linalg.qr(rs.standard_normal((H, H)))[0].astype(dtype)
    X = np.ones((1, D + 1), dtype)  # [x_t, 1]: the input term and bias in one GEMM
    return rs, W_in, W_aa, X


def numpy_floor(w, dtype, lengths, n_evals=1, gemm_only=False):
    """Seconds of the fewest numpy calls that train this workload.

    Per time step three calls forward (a_{t-1} W_aa, + the input term, f) and two
    backward (delta_t = e_t * f', e_{t-1} = delta_t W_aa^T), plus the flush of
    subnormal gradients every 8 steps; per batch one GEMM for the input term and
    bias, the slopes f' over all steps, the weight-gradient GEMMs, the output
    layer and Adam's ten vector updates. No Python logic beyond the loop over
    the steps, every view and buffer made in advance, the same batch shapes as
    our fit (``n_evals`` passes over the full batch for L-BFGS: its iterations,
    which is less than its function evaluations). Any numpy implementation of
    the algorithm makes at least these calls, so torch / floor is the highest
    ratio a numpy engine can reach in the same run.

    ``gemm_only`` keeps the matrix products alone: the time of the BLAS calls,
    a floor even for compiled code that calls BLAS per step and gets every
    elementwise operation for free.
    """
    D, H = w["D"], w["H"]
    rs, W_in, W_aa, _ = _floor_weights(w, dtype)
    W_ya = (rs.standard_normal((H, 1)) / np.sqrt(H)).astype(dtype)
    shapes = []
    for lens in batch_lengths(w, lengths):
        sizes = (lens[None, :] > np.arange(int(lens[0]))[:, None]).sum(axis=1)
        shapes.append((len(lens), np.concatenate([[0], np.cumsum(sizes)]), sizes))
    rows_max = max(int(off[-1]) for _, off, _ in shapes)
    B_max = max(B for B, _, _ in shapes)
    X = np.ones((rows_max, D + 1), dtype)
    X[:, :D] = rs.standard_normal((rows_max, D))
    A = np.empty((rows_max, H), dtype)
    dZ = np.empty((rows_max, H), dtype)
    tmp = np.empty((B_max, H), dtype)
    e = np.empty((B_max, H), dtype)
    dZo = np.empty((B_max, 1), dtype)
    plans = []
    for B, off, sizes in shapes:
        rows = int(off[-1])
        fwd = [(A[off[t] : off[t + 1]], A[off[t - 1] : off[t - 1] + n], tmp[:n])
               for t, n in enumerate(sizes.tolist()) if t]
        bwd = [(dZ[off[t] : off[t + 1]], e[:n], k % 8 == 7)
               for k, (t, n) in enumerate(list(enumerate(sizes.tolist()))[:0:-1])]
        plans.append((B, A[:rows], X[:rows], dZ[:rows], A[:B], dZ[:B], e[:B], dZo[:B],
                      A[: rows - B].T, dZ[B:rows], fwd, bwd))
    dW_in, dW_aa, dW_ya = (np.empty(shape, dtype) for shape in ((D + 1, H), (H, H), (H, 1)))
    W_aa_T = np.ascontiguousarray(W_aa.T)
    W_ya_T = np.ascontiguousarray(W_ya.T)
    size = (D + 1) * H + H * H + H + 1
    theta, g, m, v = (np.full(size, 0.01, dtype) for _ in range(4))
    s = np.empty(size, dtype)
    c = 2.0**-60
    adam = w["solver"] == "adam"
    tanh, dot, multiply = np.tanh, np.dot, np.multiply
    t0 = time.perf_counter()
    for _ in range(n_evals):
        for B, Ab, Xb, dZb, a1, d1, eB, dZoB, A_prev_T, dZ_rest, fwd, bwd in plans:
            dot(Xb, W_in, out=Ab)
            if gemm_only:
                for _, a_prev, z_rec in fwd:
                    dot(a_prev, W_aa, out=z_rec)
            else:
                tanh(a1, out=a1)
                for z, a_prev, z_rec in fwd:
                    dot(a_prev, W_aa, out=z_rec)
                    np.add(z, z_rec, out=z)
                    tanh(z, out=z)
            dot(a1, W_ya, out=dZoB)  # stands in for the last states' output
            dot(a1.T, dZoB, out=dW_ya)
            dot(dZoB, W_ya_T, out=eB)
            if gemm_only:
                for delta, e_t, _ in bwd:
                    dot(delta, W_aa_T, out=e_t)
            else:
                multiply(Ab, Ab, out=dZb)
                np.subtract(1, dZb, out=dZb)
                for delta, e_t, flush in bwd:
                    multiply(delta, e_t, out=delta)
                    dot(delta, W_aa_T, out=e_t)
                    if flush:
                        e_t += c
                        e_t -= c
                multiply(d1, eB, out=d1)
            dot(Xb.T, dZb, out=dW_in)
            dot(A_prev_T, dZ_rest, out=dW_aa)
            if adam and not gemm_only:  # Adam's vector updates
                m *= 0.9; m += g; v *= 0.999; np.square(g, out=s); v += s  # noqa: E702
                np.sqrt(v, out=s); s += 1e-8; np.divide(m, s, out=s); s *= 0.01  # noqa: E702
                theta -= s
    return time.perf_counter() - t0


def numpy_floor_predict(w, dtype, lengths, gemm_only=False):
    """Like :func:`numpy_floor` for prediction: the forward pass alone, nothing cached."""
    rs, W_in, W_aa, _ = _floor_weights(w, dtype)
    D, H, N, T = w["D"], w["H"], len(lengths), int(lengths.max())
    X = np.ones((T, N, D + 1), dtype)
    X[..., :D] = rs.standard_normal((T, N, D))
    a = np.zeros((N, H), dtype)
    z = np.empty((N, H), dtype)
    tmp = np.empty((N, H), dtype)
    t0 = time.perf_counter()
    for t in range(T):
        np.dot(X[t], W_in, out=z)
        if gemm_only:
            np.dot(a, W_aa, out=tmp)
            continue
        if t:
            np.dot(a, W_aa, out=tmp)
            np.add(z, tmp, out=z)
        np.tanh(z, out=a)
    return time.perf_counter() - t0


def floors(w, dtype, lengths, n_iter):
    """(floor, GEMM-only floor) in seconds for this workload (see numpy_floor).

    (None, None) for the deeper models: the floor loops are written for one
    unidirectional layer.
    """
    if not single_layer(w):
        return None, None
    if w["solver"] == "predict":
        return (numpy_floor_predict(w, dtype, lengths),
                numpy_floor_predict(w, dtype, lengths, gemm_only=True))
    n_evals = 1 if w["solver"] == "adam" else n_iter
    return (numpy_floor(w, dtype, lengths, n_evals),
            numpy_floor(w, dtype, lengths, n_evals, gemm_only=True))


# ---------------------------------------------------------------------------


def full_loss(pred, y):
    """J = mean 0.5 (y - O)^2 on the training set, in float64."""
    r = np.asarray(pred, dtype=np.float64) - y.astype(np.float64)
    return 0.5 * float(r @ r) / len(r)


def warm_up(dtypes):
    """One tiny untimed run per side and dtype: first calls pay for lazy initialisation."""
    shapes = (dict(), dict(layers=2), dict(bidirectional=True))
    for dtype in dtypes:
        for solver in ("adam", "lbfgs"):
            for shape in shapes:
                w = dict(N=8, T=(3, 5), D=1, H=4, batch=4, solver=solver, epochs=2, lr=0.01,
                         **shape)
                X, padded, y, lengths = make_data(w, dtype)
                network, theta, _ = initial_theta(w, dtype)
                run_ours(w, X, y)
                run_torch(w, padded, y, lengths, theta, network, dtype)


def bench(name, dtype, threads, repeats, rates):
    w = WORKLOADS[name]
    X, padded, y, lengths = make_data(w, dtype)
    ragged = isinstance(w["T"], tuple)
    network, theta, _ = initial_theta(w, dtype)
    ours_t, torch_t = [], []
    fitted = model = None
    if w["solver"] == "predict":
        # Any weights will do; take those of a short fit, and copy them to torch.
        fitted = SimpleRNNRegressor(n_hidden=n_hidden(w), bidirectional=bidirectional(w),
                                    solver="lbfgs", max_iter=5, random_state=SEED, alpha=0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted.fit(X[:500], y[:500])
        trained = network.pack_attributes(
            {name: getattr(fitted, name) for name in ATTRIBUTE_NAMES}, dtype)
        model = torch_model(w, trained, network, dtype)
    floor_t, gemm_t = [], []
    with threadpool_limits(limits=threads, user_api="blas"):
        torch.set_num_threads(threads)
        for _ in range(repeats):
            t, ours = run_ours(w, X, y, fitted)
            ours_t.append(t)
            t, theirs = run_torch(w, padded, y, lengths, theta, network, dtype, model)
            torch_t.append(t)
            n_iter = 1 if w["solver"] == "predict" else ours.n_iter_
            t, t_gemm = floors(w, dtype, lengths, n_iter)
            floor_t.append(t)
            gemm_t.append(t_gemm)
    if w["solver"] == "predict":
        loss_ours, loss_torch = full_loss(ours, y), full_loss(theirs, y)
        n_iter = 1
    else:
        loss_ours = full_loss(ours.predict(X), y)
        loss_torch = full_loss(torch_predict(theirs, padded, lengths, ragged), y)
        n_iter = ours.n_iter_
    ours_med, torch_med = statistics.median(ours_t), statistics.median(torch_t)
    bound = matmul_flops(w, lengths, n_iter) / rates[(dtype, threads)]
    return {
        "workload": name, "dtype": dtype, "threads": threads,
        "ours": ours_med, "torch": torch_med, "ratio": torch_med / ours_med,
        "loss_ours": loss_ours, "loss_torch": loss_torch,
        "bound": bound,
        "floor": None if floor_t[0] is None else statistics.median(floor_t),
        "gemm_floor": None if gemm_t[0] is None else statistics.median(gemm_t),
    }


def format_row(r):
    loss_ok = abs(r["loss_ours"] - r["loss_torch"]) <= 0.1 * r["loss_torch"]
    if r["floor"] is None:
        floors = f"{'-':>7} | {'-':>6} | {'-':>6}"
    else:
        floors = (f"{r['floor']:7.3f} | {r['torch'] / r['floor']:6.2f} | "
                  f"{r['torch'] / r['gemm_floor']:6.2f}")
    return (
        f"| {r['workload']:<9} | {r['dtype']} | {r['threads']} | {r['ours']:8.3f} | "
        f"{r['torch']:8.3f} | {r['ratio']:6.2f} | "
        f"{r['loss_ours']:.5f} | {r['loss_torch']:.5f} | {'yes' if loss_ok else 'NO':>3} | "
        f"{floors} | {r['bound']:7.3f} | {r['ours'] / r['bound']:6.1f} |"
    )


HEADER = (
    "| workload | dtype | threads | ours (s) | torch (s) | torch/ours | "
    "loss ours | loss torch | within 10% | floor (s) | torch/floor | torch/GEMMs | "
    "bound (s) | ours/bound |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def machine():
    blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture')})"
            for i in threadpool_info() if i["user_api"] == "blas"]
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores; Python "
            f"{platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, "
            f"BLAS {', '.join(blas)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one repeat, one thread")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.threads = 1, "1"
    names = args.workloads.split(",")
    unknown = set(names) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {list(WORKLOADS)}")
    dtypes = args.dtypes.split(",")
    threads = [int(t) for t in args.threads.split(",")]

    print(f"Machine: {machine()}")
    print(f"Command: python benchmarks/bench_vs_torch.py {' '.join(argv or sys.argv[1:])}")
    rates = {}
    for dtype in dtypes:
        for n in threads:
            with threadpool_limits(limits=n, user_api="blas"):
                rates[(dtype, n)] = gemm_rate(dtype)
    print("numpy GEMM rate (512^3): " + ", ".join(
        f"{d} {n} thread(s) {r / 1e9:.1f} GFLOP/s" for (d, n), r in rates.items()))
    print(f"Median of {args.repeats} run(s). Load average at start: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (other processes share these "
          f"cores: a load near or above the core count inflates every figure).\n")
    warm_up(dtypes)
    print(HEADER, flush=True)
    results = []
    for n in threads:
        for dtype in dtypes:
            for name in names:
                r = bench(name, dtype, n, args.repeats, rates)
                results.append(r)
                print(format_row(r), flush=True)
    print(f"\nLoad average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return results


if __name__ == "__main__":
    main()
