"""Helpers shared by the tests: random problems, objectives and the gradient check."""

import numpy as np

from sklearn_simplernn._losses import SquaredLoss
from sklearn_simplernn._network import Network
from sklearn_simplernn._objective import Objective
from sklearn_simplernn._rnn import Workspace
from sklearn_simplernn._sequences import SequenceData


def make_problem(lengths, n_step_features=2, n_outputs=2, seed=0, dtype=np.float64,
                 per_step=False):
    """Random ragged sequences, targets and positive sample weights.

    With ``per_step`` the targets are a SequenceData with one row per step.
    """
    rng = np.random.RandomState(seed)
    lengths = np.asarray(lengths)
    data = rng.randn(int(lengths.sum()), n_step_features).astype(dtype)
    seqs = SequenceData(data, lengths, "ragged")
    if per_step:
        y = SequenceData(rng.randn(int(lengths.sum()), n_outputs).astype(dtype), lengths, "ragged")
    else:
        y = rng.randn(len(lengths), n_outputs).astype(dtype)
    w = rng.uniform(0.2, 2.0, size=len(lengths)).astype(dtype)
    return seqs, y, w


def n_outputs_of(y):
    return y.data.shape[1] if hasattr(y, "lengths") else y.shape[1]


def make_objective(seqs, y, w, n_hidden=4, activation="tanh", loss=None, alpha=0.1, ws=None,
                   indices=None, **network_kw):
    """(Objective, Network) for these data; ``network_kw``: bidirectional, readout."""
    network = Network(seqs.n_step_features, n_hidden, n_outputs_of(y), activation, **network_kw)
    indices = np.arange(len(seqs)) if indices is None else indices
    loss = SquaredLoss() if loss is None else loss
    obj = Objective(seqs, y, w, indices, network, loss, alpha,
                    Workspace() if ws is None else ws)
    return obj, network


def value_and_grad(obj, theta):
    grad = np.empty_like(theta)
    return obj(theta, grad), grad


def numerical_gradient(objective, theta, eps=1e-6):
    """Central differences of J, entry by entry."""
    grad = np.empty_like(theta)
    scratch = np.empty_like(theta)
    for k in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[k] += eps
        minus[k] -= eps
        grad[k] = (objective(plus, scratch) - objective(minus, scratch)) / (2 * eps)
    return grad


def lively_theta(network, seed=0, scale=0.3):
    """Initial weights plus noise: non-zero biases and a livelier W_aa, so every term matters.

    With relu the hidden biases are raised, keeping pre-activations away from
    the kink at 0, where relu has no derivative.
    """
    rng = np.random.RandomState(seed)
    theta = network.init_params(rng)
    theta += scale * rng.randn(theta.size)
    if network.activation == "relu":
        for spec, sl in zip(network.layout.specs, network.layout.slices):
            if spec.name.startswith("b_a"):
                theta[sl] += 0.5
    return theta


def check_gradient(seqs, y, w, activation="tanh", output_activation="identity", alpha=0.1,
                   n_hidden=3, seed=0, loss=None, tol=1e-6, **network_kw):
    """Assert that BPTT matches central finite differences (relative error < ``tol``)."""
    loss = SquaredLoss(output_activation) if loss is None else loss
    objective, network = make_objective(seqs, y, w, n_hidden, activation, loss, alpha,
                                        **network_kw)
    theta = lively_theta(network, seed)
    grad = np.empty_like(theta)
    objective(theta, grad)
    expected = numerical_gradient(objective, theta)
    rel = np.linalg.norm(grad - expected) / max(np.linalg.norm(expected), 1e-12)
    assert rel < tol, f"relative error {rel:.2e}"
    return rel


def network_of(model):
    """The Network of a fitted estimator."""
    return model._network(model.n_step_features_, model.n_outputs_)


def theta_of(model):
    """A fitted estimator's weights as the flat vector theta."""
    return network_of(model).pack_attributes(model._fitted_attributes(), np.float64)


# ---------------------------------------------------------------------------
# A plain reference: one sequence at a time, one step at a time (min-char-rnn style)

_F = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "identity": lambda z: z,
      "logistic": lambda z: 1 / (1 + np.exp(-z))}
_DF = {"tanh": lambda a: 1 - a * a, "relu": lambda a: (a > 0).astype(float),
       "identity": np.ones_like, "logistic": lambda a: a * (1 - a)}


def _run(x, W_ax, W_aa, b_a, f):
    """States a_1..a_T of one direction over x (T, D), oldest first."""
    a = np.zeros(W_aa.shape[0])
    out = []
    for x_t in x:
        a = _F[f](x_t @ W_ax + a @ W_aa + b_a)
        out.append(a)
    return np.array(out)


def _run_backward(x, A, g, W_ax, W_aa, f):
    """BPTT of one direction: (dW_ax, dW_aa, db_a, dJ/dx) from g_t = dJ/da_t (T, H)."""
    T = len(x)
    dW_ax, dW_aa, db_a = np.zeros_like(W_ax), np.zeros_like(W_aa), np.zeros(W_aa.shape[0])
    dx = np.zeros_like(x)
    e = np.zeros(W_aa.shape[0])
    for t in range(T - 1, -1, -1):
        e = e + g[t]
        delta = e * _DF[f](A[t])
        dW_ax += np.outer(x[t], delta)
        db_a += delta
        if t:
            dW_aa += np.outer(A[t - 1], delta)
        dx[t] = delta @ W_ax.T
        e = delta @ W_aa.T
    return dW_ax, dW_aa, db_a, dx


def reference_loss_and_gradient(network, theta, seqs, y, w, alpha):
    """J and dJ/dtheta of a squared loss with identity g, computed sequence by sequence.

    Independent of the engine: no packing, no workspace, no vectorisation over
    sequences. Supports every layer count, direction and readout.
    """
    arrays = network.layout.unpack(theta)
    layers, (W_ya, b_y) = network.split(arrays)
    f = network.activation
    bi = network.bidirectional
    grads = [np.zeros_like(a) for a in arrays]
    g_layers, (gW_ya, gb_y) = network.split(grads)
    J = 0.0
    for i in range(len(seqs)):
        x = seqs.sequence(i)
        inputs, states = [x], []
        for W_ax, W_aa, b_a in layers:
            if bi:
                fw = _run(inputs[-1], W_ax[0], W_aa[0], b_a[0], f)
                bw = _run(inputs[-1][::-1], W_ax[1], W_aa[1], b_a[1], f)[::-1]
                states.append((fw, bw))
                inputs.append(np.hstack([fw, bw]))
            else:
                fw = _run(inputs[-1], W_ax, W_aa, b_a, f)
                states.append((fw,))
                inputs.append(fw)
        H = inputs[-1]
        T = len(H)
        readout = network.readout_name
        if readout == "last":
            r = np.concatenate([states[-1][0][-1], states[-1][1][0]]) if bi else H[-1]
        elif readout == "mean":
            r = H.mean(axis=0)
        elif readout == "max":
            r = H.max(axis=0)
        else:
            r = H
        O = r @ W_ya + b_y
        target = y.sequence(i) if network.per_step else y[i]
        resid = O - target
        J += w[i] * 0.5 * float((resid**2).sum())
        dO = w[i] * resid
        gW_ya += np.outer(r, dO) if r.ndim == 1 else r.T @ dO
        gb_y += dO if dO.ndim == 1 else dO.sum(axis=0)
        dr = dO @ W_ya.T
        dH = np.zeros_like(H)
        if readout == "last":
            if bi:
                half = H.shape[1] // 2
                dH[-1, :half] = dr[:half]
                dH[0, half:] = dr[half:]
            else:
                dH[-1] = dr
        elif readout == "mean":
            dH[:] = dr / T
        elif readout == "max":
            dH[np.argmax(H, axis=0), np.arange(H.shape[1])] = dr
        else:
            dH = dr
        for k in range(len(layers) - 1, -1, -1):
            W_ax, W_aa, _ = layers[k]
            gW_ax, gW_aa, gb_a = g_layers[k]
            x_k = inputs[k]
            if bi:
                half = dH.shape[1] // 2
                a, b, c, dx_f = _run_backward(x_k, states[k][0], dH[:, :half], W_ax[0], W_aa[0], f)
                gW_ax[0] += a
                gW_aa[0] += b
                gb_a[0] += c
                a, b, c, dx_b = _run_backward(x_k[::-1], states[k][1][::-1], dH[::-1, half:],
                                              W_ax[1], W_aa[1], f)
                gW_ax[1] += a
                gW_aa[1] += b
                gb_a[1] += c
                dH = dx_f + dx_b[::-1]
            else:
                a, b, c, dH = _run_backward(x_k, states[k][0], dH, W_ax, W_aa, f)
                gW_ax += a
                gW_aa += b
                gb_a += c
    grad = network.layout.pack(grads)
    mask = network.layout.penalty_mask()
    J += 0.5 * alpha * float((theta * mask) @ (theta * mask))
    grad += alpha * theta * mask
    total = (w * seqs.lengths).sum() if network.per_step else w.sum()
    return J / total, grad / total
