"""The engine's shortcuts (cached step views, subnormal flush, float32) change no result."""

import warnings

import numpy as np
import pytest

from helpers import (
    check_gradient,
    lively_theta,
    make_objective,
    make_problem,
    reference_loss_and_gradient,
    value_and_grad,
)

import sklearn_simplernn._rnn as rnn
from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._losses import SquaredLoss
from sklearn_simplernn._network import Network
from sklearn_simplernn._objective import predict_logits
from sklearn_simplernn._rnn import AtLastStep, RecurrentLayer, Workspace
from sklearn_simplernn._sequences import pack


def objective(seqs, y, w, n_hidden=4, activation="tanh", ws=None, indices=None, **kw):
    return make_objective(seqs, y, w, n_hidden, activation, SquaredLoss(), 0.1, ws, indices, **kw)


def test_ragged_batch_is_the_weighted_sum_of_single_sequences():
    """A ragged packed batch gives the weighted mean of each sequence's own J and gradient."""
    seqs, y, w = make_problem([6, 1, 4, 6, 3, 2, 5])
    obj, network = objective(seqs, y, w)
    theta = network.init_params(np.random.RandomState(1))
    theta += 0.2 * np.random.RandomState(2).randn(theta.size)
    J, g = value_and_grad(obj, theta)
    J_sum, g_sum = 0.0, np.zeros_like(theta)
    for i in range(len(seqs)):
        one, _ = objective(seqs, y, w, indices=np.array([i]))
        one.alpha = 0.0
        J_i, g_i = value_and_grad(one, theta)
        J_sum += w[i] * J_i
        g_sum += w[i] * g_i
    penalty = obj.penalty * theta
    J_sum += 0.5 * 0.1 * penalty @ penalty
    g_sum += 0.1 * penalty
    assert J == pytest.approx(J_sum / w.sum(), rel=1e-12)
    np.testing.assert_allclose(g, g_sum / w.sum(), rtol=1e-10, atol=1e-14)


def assert_shared_workspace_matches_fresh(problem, shared, seed=3):
    """J and its gradient with the ``shared`` workspace equal those of a fresh one, bit for bit.

    Returns the (theta, network) used, for further checks on the same weights.
    """
    seqs, y, w = problem
    fresh, network = objective(seqs, y, w)
    reused, _ = objective(seqs, y, w, ws=shared)
    theta = network.init_params(np.random.RandomState(seed))
    J1, g1 = value_and_grad(fresh, theta)
    J2, g2 = value_and_grad(reused, theta)
    assert J1 == J2
    np.testing.assert_array_equal(g1, g2)
    return theta, network


def test_shared_workspace_gives_the_same_results_as_fresh_ones():
    """Cached step views survive (or are rebuilt after) buffer reallocation across batch shapes."""
    problems = [make_problem(L, seed=k) for k, L in
                enumerate([[5, 5, 5], [9, 2, 4, 7], [3, 3], [12, 12, 12, 12], [5, 5, 5]])]
    shared = Workspace()
    for problem in problems + problems[::-1]:
        assert_shared_workspace_matches_fresh(problem, shared)


def test_cached_plans_follow_reallocated_buffers():
    """A cached step plan is dropped when a larger batch (or a prediction) grows the buffers."""
    small = make_problem([6, 2, 6, 4, 6, 1])
    larger = make_problem([9, 9, 3, 9, 9, 9, 9, 2], seed=5)
    big, _, _ = make_problem([3] * 40 + [7] * 5, seed=6)
    shared = Workspace()
    for k in range(4):
        for problem in (small, small, larger) if k < 3 else (small,):
            theta, network = assert_shared_workspace_matches_fresh(problem, shared, seed=4)
        # 45 sequences: larger per-step buffers than any training batch here.
        np.testing.assert_array_equal(
            predict_logits(theta, network, big, ws=shared),
            predict_logits(theta, network, big),
        )
        shared.get("A", (1000 * (k + 1), 4), np.float64)  # and a larger cache


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flush_changes_the_gradient_below_working_precision(dtype, monkeypatch):
    """Rounding a vanishing e_t to zero every few steps leaves the gradient exact to precision."""
    seqs, y, w = make_problem([300, 250, 120, 300], n_step_features=1, n_outputs=1, dtype=dtype)
    obj, network = objective(seqs, y, w, n_hidden=8)
    theta = network.init_params(np.random.RandomState(0), dtype)
    J, g_flushed = value_and_grad(obj, theta)
    monkeypatch.setattr(rnn, "_FLUSH_EVERY", 10**9)
    plain, _ = objective(seqs, y, w, n_hidden=8)
    J_plain, g_plain = value_and_grad(plain, theta)
    assert J == J_plain
    tol = {np.float64: 1e-13, np.float32: 1e-6}[dtype]
    assert np.linalg.norm(g_flushed - g_plain) <= tol * np.linalg.norm(g_plain)


def test_flush_removes_subnormal_numbers():
    """In float32 a gradient vanishing over 400 steps ends as zeros, not subnormals."""
    seqs, y, w = make_problem([400] * 8, n_step_features=1, n_outputs=1, dtype=np.float32)
    layer = RecurrentLayer(1, 16, "tanh")
    network = Network(1, 16, 1)
    W_ax, W_aa, b_a, _, _ = network.layout.unpack(network.init_params(np.random.RandomState(0), np.float32))
    # A contracting W_aa makes e_t shrink geometrically, as in a trained network.
    W_aa *= 0.5
    batch, ws = pack(seqs), Workspace()
    grads = [np.empty_like(p) for p in (W_ax, W_aa, b_a)]
    A, cache = layer.forward((W_ax, W_aa, b_a), batch, batch.X1, ws, input_has_ones=True)
    layer.backward((W_ax, W_aa, b_a), batch, cache, AtLastStep(np.ones((8, 16), np.float32)),
                   grads, ws, need_input_grad=False)
    ws = ws.child(0)
    dZ = ws.get("dZ", A.shape, np.float32)
    tiny = np.finfo(np.float32).tiny
    assert not np.any((dZ != 0) & (np.abs(dZ) < tiny))
    assert np.any(dZ[: 8 * 50] == 0)  # the early steps' delta_t did vanish


def test_gradient_with_flush_every_step_matches_finite_differences(monkeypatch):
    """Flushing at every step still passes the central-difference gradient check."""
    monkeypatch.setattr(rnn, "_FLUSH_EVERY", 1)

    seqs, y, w = make_problem([30, 12, 30, 7])
    check_gradient(seqs, y, w, "tanh", "identity", alpha=0.1)


def test_float32_stays_float32_end_to_end():
    """float32 X is trained and predicted in float32: parameters, buffers, optimizer state."""
    rng = np.random.RandomState(0)
    X = rng.randn(40, 12, 2).astype(np.float32)
    y = rng.randn(40).astype(np.float32)
    for solver in ("adam", "lbfgs"):
        model = SimpleRNNRegressor(n_hidden=5, solver=solver, max_iter=3, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter=3 does not converge
            model.fit(X, y)
        assert model.recurrent_weights_.dtype == np.float32
        assert model.predict(X).dtype == np.float32
    assert model.predict(X.astype(np.float64)).dtype == np.float64

    seqs, y2, w = make_problem([7, 3, 7, 5], dtype=np.float32)
    obj, network = objective(seqs, y2, w)
    theta = network.init_params(np.random.RandomState(0), np.float32)
    _, grad = value_and_grad(obj, theta)
    assert grad.dtype == np.float32
    assert {buf.dtype for buf in obj.ws.buffers()} == {np.dtype(np.float32)}

    from sklearn_simplernn._optimizers import Adam

    opt = Adam(1e-3)
    opt.step(theta, grad)
    assert theta.dtype == opt.m.dtype == opt.v.dtype == np.float32


# ---------------------------------------------------------------------------
# Every fast path against the plain reference loop of tests/helpers.py


VARIANTS = [
    dict(n_hidden=4),
    dict(n_hidden=(4, 3)),
    dict(n_hidden=(3, 3, 2)),
    dict(n_hidden=3, bidirectional=True),
    dict(n_hidden=(3, 2), bidirectional=True),
    dict(n_hidden=4, readout="mean"),
    dict(n_hidden=(3, 3), readout="max", bidirectional=True),
    dict(n_hidden=(3, 2), readout="mean", bidirectional=True),
    dict(n_hidden=4, readout="step"),
    dict(n_hidden=(3, 2), readout="step", bidirectional=True),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
@pytest.mark.parametrize("lengths", [[6, 1, 4, 6, 3, 2, 5], [5] * 4, [1, 1]])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_engine_matches_the_reference_loop(variant, lengths, activation):
    """J and dJ/dtheta of the packed engine equal a per-sequence, per-step loop to rounding."""
    per_step = variant.get("readout") == "step"
    seqs, y, w = make_problem(lengths, per_step=per_step, seed=len(lengths))
    obj, network = objective(seqs, y, w, activation=activation, **variant)
    theta = lively_theta(network, seed=2)
    J, grad = value_and_grad(obj, theta)
    J_ref, grad_ref = reference_loss_and_gradient(network, theta, seqs, y, w, alpha=0.1)
    assert J == pytest.approx(J_ref, rel=1e-12)
    np.testing.assert_allclose(grad, grad_ref, rtol=1e-9, atol=1e-12)
    # Prediction (no cache, larger chunks) gives the same outputs as training's pass.
    Zo, _ = network.forward(network.layout.unpack(theta), pack(seqs), Workspace())
    batch = pack(seqs, keep_rows=True)
    logits = predict_logits(theta, network, seqs)
    if per_step:
        np.testing.assert_allclose(logits[batch.rows], Zo, rtol=1e-13, atol=1e-14)
    else:
        np.testing.assert_allclose(logits[batch.order], Zo, rtol=1e-13, atol=1e-14)


def test_one_bptt_loop_serves_training_and_diagnostics():
    """Tracking gradient norms changes no gradient: the same loop runs, with one extra call per step."""
    seqs, y, w = make_problem([9, 4, 9, 1, 7])
    for variant in ({}, {"n_hidden": (3, 3), "bidirectional": True, "readout": "mean"}):
        kw = dict(n_hidden=4, **variant) if "n_hidden" not in variant else variant
        plain, network = objective(seqs, y, w, **kw)
        tracked, _ = objective(seqs, y, w, **kw)
        tracked.e_sq = np.zeros(9)
        tracked.e_count = np.ones(9)
        theta = lively_theta(network)
        J1, g1 = value_and_grad(plain, theta)
        J2, g2 = value_and_grad(tracked, theta)
        assert J1 == J2
        np.testing.assert_array_equal(g1, g2)
        assert tracked.e_sq[0] > 0


def test_tracked_gradient_norms_equal_the_reference_sweep():
    """e_sq[d] is the sum over sequences of ||dJ_i/da_{T_i - d}||^2 of the first layer."""
    seqs, y, w = make_problem([6, 3, 6, 1], n_outputs=1)
    obj, network = objective(seqs, y, w, n_hidden=3)
    obj.e_sq = np.zeros(6)
    theta = lively_theta(network)
    value_and_grad(obj, theta)
    W_ax, W_aa, b_a, W_ya, b_y = network.layout.unpack(theta)
    expected = np.zeros(6)
    for i in range(len(seqs)):
        x = seqs.sequence(i)
        states, a = [], np.zeros(3)
        for x_t in x:
            a = np.tanh(x_t @ W_ax + a @ W_aa + b_a)
            states.append(a)
        e = w[i] * ((a @ W_ya + b_y) - y[i]) @ W_ya.T
        for d, a_t in enumerate(states[::-1]):
            expected[d] += e @ e
            e = (e * (1 - a_t**2)) @ W_aa.T
    np.testing.assert_allclose(obj.e_sq, expected, rtol=1e-12)



def test_memory_is_linear_in_total_steps_per_layer():
    """Doubling every length doubles the buffers of a stacked bidirectional pooled model."""
    sizes = []
    for T in (40, 80):
        seqs, y, w = make_problem([T] * 6 + [T // 2] * 6)
        obj, network = objective(seqs, y, w, n_hidden=(5, 5), bidirectional=True,
                                 readout="max")
        value_and_grad(obj, lively_theta(network))
        sizes.append(sum(buf.nbytes for buf in obj.ws.buffers()))
    assert sizes[1] / sizes[0] == pytest.approx(2.0, rel=0.05)
