"""The centrepiece: the BPTT gradient against central finite differences.

Every variant the engine composes (layers, directions, readouts, per-step
losses) on ragged, weighted batches with alpha > 0, in float64, to a relative
error below 1e-6.
"""

import itertools

import numpy as np
import pytest
from helpers import (
    check_gradient,
    lively_theta,
    make_objective,
    make_problem,
    numerical_gradient,
)

import sklearn_simplernn._objective as objective_module
from sklearn_simplernn._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from sklearn_simplernn._losses import LogLoss, SoftmaxLoss, SquaredLoss
from sklearn_simplernn._objective import predict_logits
from sklearn_simplernn._rnn import AtLastStep, RecurrentLayer, Workspace
from sklearn_simplernn._sequences import pack

RAGGED = [5, 1, 3, 5, 2, 4]


@pytest.mark.parametrize(
    "activation, output_activation",
    list(itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS)),
)
def test_gradient_every_activation_ragged(activation, output_activation):
    """BPTT matches finite differences for every f and g on a ragged, weighted batch."""
    seqs, y, w = make_problem(RAGGED)
    check_gradient(seqs, y, w, activation, output_activation, alpha=0.1)


@pytest.mark.parametrize("alpha", [0.0, 1e-4, 2.5])
def test_gradient_equal_lengths_single_output(alpha):
    """The equal-length fast path (slice instead of gather) has the exact gradient."""
    seqs, y, w = make_problem([6] * 5, n_step_features=1, n_outputs=1)
    check_gradient(seqs, y, np.ones(5), "tanh", "identity", alpha=alpha)


def test_gradient_length_one_sequences():
    """Sequences of a single step (no recurrence at all) differentiate correctly."""
    seqs, y, w = make_problem([1, 1, 1], n_outputs=3)
    check_gradient(seqs, y, w, "logistic", "tanh", alpha=0.3)


def test_gradient_accumulated_over_chunks(monkeypatch):
    """A full batch split into several memory-bounded chunks gives the same gradient."""
    seqs, y, w = make_problem([7, 2, 9, 4, 4, 1, 6, 3])
    one, network = make_objective(seqs, y, w, n_hidden=4, alpha=0.2)
    theta = network.init_params(np.random.RandomState(1))
    monkeypatch.setattr(objective_module, "_CHUNK_BYTES", 10 * 4 * 8)  # ten rows per chunk
    many, _ = make_objective(seqs, y, w, n_hidden=4, alpha=0.2)
    assert len(many.chunks) > 2
    g1, g2 = np.empty_like(theta), np.empty_like(theta)
    assert one(theta, g1) == pytest.approx(many(theta, g2), rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-13)
    check_gradient(seqs, y, w, "tanh", "identity", alpha=0.2)


def test_loss_matches_its_definition():
    """J is the weighted mean of 0.5 ||y - O||^2 (summed over outputs) plus the L2 term."""
    seqs, y, w = make_problem([4, 2, 3], n_outputs=2)
    alpha = 0.7
    obj, network = make_objective(seqs, y, w, n_hidden=3, alpha=alpha)
    theta = network.init_params(np.random.RandomState(0))
    O = SquaredLoss().predict(predict_logits(theta, network, seqs))
    W_ax, W_aa, _, W_ya, _ = network.layout.unpack(theta)
    penalty = (W_ax**2).sum() + (W_aa**2).sum() + (W_ya**2).sum()
    expected = (w @ (0.5 * ((y - O) ** 2).sum(axis=1)) + 0.5 * alpha * penalty) / w.sum()
    assert obj(theta, np.empty_like(theta)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_gradient_log_loss(activation, n_outputs):
    """Binary / multi-label cross-entropy on sigmoid outputs: exact BPTT gradient, ragged batch."""
    seqs, _, w = make_problem(RAGGED)
    y = (np.random.RandomState(1).rand(6, n_outputs) > 0.5).astype(float)
    check_gradient(seqs, y, w, activation, None, alpha=0.1, loss=LogLoss())


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_gradient_softmax_loss(activation):
    """Multiclass cross-entropy on softmax outputs: exact BPTT gradient, ragged batch."""
    seqs, _, w = make_problem(RAGGED)
    y = np.eye(4)[[0, 3, 1, 2, 3, 0]]
    check_gradient(seqs, y, w, activation, None, alpha=0.1, loss=SoftmaxLoss())


def test_cross_entropy_losses_are_finite_for_huge_logits():
    """The losses are computed from logits: no log(0) when a sigmoid/softmax saturates."""
    Zo = np.array([[800.0, -800.0, 0.0]])
    for loss, y in [(LogLoss(), np.array([[0.0, 1.0, 1.0]])), (SoftmaxLoss(), np.array([[0.0, 1.0, 0.0]]))]:
        value, grad = loss.loss_grad(Zo.copy(), y, np.ones(1))
        assert np.isfinite(value) and value > 1000
        assert np.isfinite(grad).all()


# ---------------------------------------------------------------------------
# Deeper models: layers, directions, readouts, per-step outputs


@pytest.mark.parametrize("n_hidden", [(3, 4), (4, 2, 3)])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_gradient_stacked_layers(n_hidden, activation):
    """2 and 3 layers: the gradient flowing down the layers (dJ/dh_t = delta_t W_ax^T) is exact."""
    seqs, y, w = make_problem(RAGGED)
    check_gradient(seqs, y, w, activation, "identity", alpha=0.1, n_hidden=n_hidden)


@pytest.mark.parametrize("n_hidden", [3, (3, 2), (2, 3, 2)])
@pytest.mark.parametrize("lengths", [RAGGED, [4] * 5, [1, 1, 2]])
def test_gradient_bidirectional(n_hidden, lengths):
    """Both directions, ragged (each backward run starts at its own last step) and equal lengths."""
    seqs, y, w = make_problem(lengths)
    check_gradient(seqs, y, w, "tanh", "identity", alpha=0.1, n_hidden=n_hidden,
                   bidirectional=True)


@pytest.mark.parametrize("readout", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_hidden", [4, (3, 3)])
@pytest.mark.parametrize("lengths", [RAGGED, [5] * 4])
def test_gradient_every_readout(readout, bidirectional, n_hidden, lengths):
    """'last', 'mean' and 'max' readouts over ragged and equal lengths, with sample weights and alpha."""
    seqs, y, w = make_problem(lengths, seed=3)
    check_gradient(seqs, y, w, "tanh", "tanh", alpha=0.5, n_hidden=n_hidden,
                   bidirectional=bidirectional, readout=readout)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_hidden", [3, (3, 2)])
@pytest.mark.parametrize("lengths", [RAGGED, [4] * 4])
def test_gradient_per_step_outputs(bidirectional, n_hidden, lengths):
    """One output per step: an error injected at every step, summed over steps and sequences."""
    seqs, y, w = make_problem(lengths, n_outputs=2, per_step=True)
    check_gradient(seqs, y, w, "tanh", "identity", alpha=0.2, n_hidden=n_hidden,
                   bidirectional=bidirectional, readout="step")


def test_per_step_loss_matches_its_definition():
    """J = sum_i w_i sum_t 0.5 ||y_it - O_it||^2 / sum_i w_i T_i + the L2 term / sum_i w_i T_i."""
    seqs, y, w = make_problem([4, 2, 3], n_outputs=2, per_step=True)
    obj, network = make_objective(seqs, y, w, n_hidden=(3, 2), alpha=0.3, readout="step")
    theta = lively_theta(network)
    O = predict_logits(theta, network, seqs)  # identity g: outputs, row for row with seqs.data
    per_row = 0.5 * ((y.data - O) ** 2).sum(axis=1)
    per_sequence = np.add.reduceat(per_row, seqs.starts)
    penalised = theta * network.layout.penalty_mask()
    expected = (w @ per_sequence + 0.5 * 0.3 * penalised @ penalised) / (w @ seqs.lengths)
    assert obj(theta, np.empty_like(theta)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss, readout, n_hidden", [
    (LogLoss(), "mean", (3, 2)), (SoftmaxLoss(), "max", (2, 3)), (SoftmaxLoss(), "last", (3, 3)),
])
def test_gradient_classifier_losses_on_deeper_models(loss, readout, n_hidden):
    """Cross-entropy losses through stacked bidirectional layers and every readout."""
    seqs, _, w = make_problem(RAGGED)
    y = np.eye(3)[[0, 2, 1, 1, 2, 0]]
    if isinstance(loss, LogLoss):
        y = (np.random.RandomState(2).rand(6, 2) > 0.5).astype(float)
    check_gradient(seqs, y, w, "tanh", None, alpha=0.1, loss=loss, n_hidden=n_hidden,
                   bidirectional=True, readout=readout)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("dense", [False, True])
def test_layer_input_gradient(bidirectional, dense):
    """A layer alone returns dJ/dh_t for every packed input row, for either form of dJ/dH_out."""
    seqs, _, _ = make_problem(RAGGED, n_step_features=3)
    batch = pack(seqs)
    layer = RecurrentLayer(3, 4, "tanh", bidirectional)
    rng = np.random.RandomState(0)
    params = [rng.randn(*spec.shape) * 0.5 for spec in layer.param_specs()]
    H_in = np.ascontiguousarray(batch.X)
    n = len(batch)
    G = rng.randn(batch.n_rows, layer.n_outputs) if dense else rng.randn(n, layer.n_outputs)

    def J(H):
        out, cache = layer.forward(params, batch, H, Workspace())
        return float((G * out).sum()) if dense else float((G * cache.final).sum())

    ws = Workspace()
    out, cache = layer.forward(params, batch, H_in, ws)
    dH = G.copy() if dense else AtLastStep(G.copy())
    grads = [np.empty(spec.shape) for spec in layer.param_specs()]
    dH_in = layer.backward(params, batch, cache, dH, grads, ws).copy()
    expected = np.empty_like(H_in)
    for idx in np.ndindex(*H_in.shape):
        plus, minus = H_in.copy(), H_in.copy()
        plus[idx] += 1e-6
        minus[idx] -= 1e-6
        expected[idx] = (J(plus) - J(minus)) / 2e-6
    np.testing.assert_allclose(dH_in, expected, rtol=1e-6, atol=1e-8)

    def J_of(k):
        def f(values):
            p = list(params)
            p[k] = values.reshape(p[k].shape)
            saved, params[k] = params[k], p[k]
            try:
                return J(H_in)
            finally:
                params[k] = saved
        return f

    for k in range(3):
        numeric = numerical_gradient(lambda v, _g, k=k: J_of(k)(v), params[k].ravel().copy())
        np.testing.assert_allclose(grads[k].ravel(), numeric, rtol=1e-6, atol=1e-8)
