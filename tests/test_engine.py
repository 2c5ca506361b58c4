"""The engine's shortcuts (cached step views, subnormal flush, float32) change no result."""

import warnings

import numpy as np
import pytest

import sklearn_simplernn._rnn as rnn
from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._losses import SquaredLoss
from sklearn_simplernn._params import ParamLayout, init_params
from sklearn_simplernn._rnn import Workspace, backward, forward
from sklearn_simplernn._sequences import SequenceData, pack
from sklearn_simplernn._training import Objective, predict_logits


def make_problem(lengths, n_step_features=2, n_outputs=2, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    lengths = np.asarray(lengths)
    data = rng.randn(int(lengths.sum()), n_step_features).astype(dtype)
    seqs = SequenceData(data, lengths, "ragged")
    y = rng.randn(len(lengths), n_outputs).astype(dtype)
    w = rng.uniform(0.2, 2.0, size=len(lengths)).astype(dtype)
    return seqs, y, w


def objective(seqs, y, w, n_hidden=4, activation="tanh", ws=None, indices=None):
    layout = ParamLayout(seqs.n_step_features, n_hidden, y.shape[1])
    indices = np.arange(len(seqs)) if indices is None else indices
    obj = Objective(seqs, y, w, indices, layout, activation, SquaredLoss(), 0.1,
                    Workspace() if ws is None else ws)
    return obj, layout


def value_and_grad(obj, theta):
    grad = np.empty_like(theta)
    return obj(theta, grad), grad


def test_ragged_batch_is_the_weighted_sum_of_single_sequences():
    """A ragged packed batch gives the weighted mean of each sequence's own J and gradient."""
    seqs, y, w = make_problem([6, 1, 4, 6, 3, 2, 5])
    obj, layout = objective(seqs, y, w)
    theta = init_params(layout, "tanh", np.random.RandomState(1))
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

    Returns the (theta, layout) used, for further checks on the same weights.
    """
    seqs, y, w = problem
    fresh, layout = objective(seqs, y, w)
    reused, _ = objective(seqs, y, w, ws=shared)
    theta = init_params(layout, "tanh", np.random.RandomState(seed))
    J1, g1 = value_and_grad(fresh, theta)
    J2, g2 = value_and_grad(reused, theta)
    assert J1 == J2
    np.testing.assert_array_equal(g1, g2)
    return theta, layout


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
            theta, layout = assert_shared_workspace_matches_fresh(problem, shared, seed=4)
        # 45 sequences: larger per-step buffers than any training batch here.
        np.testing.assert_array_equal(
            predict_logits(theta, layout, big, "tanh", ws=shared),
            predict_logits(theta, layout, big, "tanh"),
        )
        shared.get("A", (1000 * (k + 1), 4), np.float64)  # and a larger cache


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flush_changes_the_gradient_below_working_precision(dtype, monkeypatch):
    """Rounding a vanishing e_t to zero every few steps leaves the gradient exact to precision."""
    seqs, y, w = make_problem([300, 250, 120, 300], n_step_features=1, n_outputs=1, dtype=dtype)
    obj, layout = objective(seqs, y, w, n_hidden=8)
    theta = init_params(layout, "tanh", np.random.RandomState(0), dtype)
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
    layout = ParamLayout(1, 16, 1)
    theta = init_params(layout, "tanh", np.random.RandomState(0), np.float32)
    params = layout.unpack(theta)
    # A contracting W_aa makes e_t shrink geometrically, as in a trained network.
    params[1][...] *= 0.5
    batch, ws = pack(seqs), Workspace()
    grads = layout.unpack(np.empty_like(theta))
    A, a_T = forward(params, batch, "tanh", ws)
    backward(params, batch, A, a_T, np.ones((8, 1), np.float32), "tanh", grads, ws)
    dZ = ws.get("dZ", A.shape, np.float32)
    tiny = np.finfo(np.float32).tiny
    assert not np.any((dZ != 0) & (np.abs(dZ) < tiny))
    assert np.any(dZ[: 8 * 50] == 0)  # the early steps' delta_t did vanish


def test_gradient_with_flush_every_step_matches_finite_differences(monkeypatch):
    """Flushing at every step still passes the central-difference gradient check."""
    monkeypatch.setattr(rnn, "_FLUSH_EVERY", 1)
    from test_gradients import check_gradient

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
    obj, layout = objective(seqs, y2, w)
    theta = init_params(layout, "tanh", np.random.RandomState(0), np.float32)
    _, grad = value_and_grad(obj, theta)
    assert grad.dtype == np.float32
    assert {buf.dtype for buf in obj.ws._buffers.values()} == {np.dtype(np.float32)}

    from sklearn_simplernn._optimizers import Adam

    opt = Adam(1e-3)
    opt.step(theta, grad)
    assert theta.dtype == opt.m.dtype == opt.v.dtype == np.float32
