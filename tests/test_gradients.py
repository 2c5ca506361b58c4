"""The centrepiece: the BPTT gradient against central finite differences."""

import itertools

import numpy as np
import pytest

from sklearn_simplernn._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from sklearn_simplernn._losses import LogLoss, SoftmaxLoss, SquaredLoss
from sklearn_simplernn._params import ParamLayout, init_params
from sklearn_simplernn._rnn import Workspace
from sklearn_simplernn._sequences import SequenceData
from sklearn_simplernn._training import Objective


def make_problem(lengths, n_step_features=2, n_outputs=2, seed=0):
    rng = np.random.RandomState(seed)
    lengths = np.asarray(lengths)
    data = rng.randn(int(lengths.sum()), n_step_features)
    seqs = SequenceData(data, lengths, "ragged")
    y = rng.randn(len(lengths), n_outputs)
    w = rng.uniform(0.2, 2.0, size=len(lengths))
    return seqs, y, w


def numerical_gradient(objective, theta, eps=1e-6):
    grad = np.empty_like(theta)
    scratch = np.empty_like(theta)
    for k in range(theta.size):
        plus, minus = theta.copy(), theta.copy()
        plus[k] += eps
        minus[k] -= eps
        grad[k] = (objective(plus, scratch) - objective(minus, scratch)) / (2 * eps)
    return grad


def check_gradient(seqs, y, w, activation, output_activation, alpha, n_hidden=3, seed=0,
                   loss=None):
    layout = ParamLayout(seqs.n_step_features, n_hidden, y.shape[1])
    rng = np.random.RandomState(seed)
    theta = init_params(layout, activation, rng)
    # Non-zero biases and a livelier W_aa than the orthogonal init, so that every
    # term of the recursion matters.
    theta += 0.3 * rng.randn(theta.size)
    if activation == "relu":
        # Keep pre-activations away from the kink at 0, where relu has no derivative.
        theta[layout.slices[2]] += 0.5
    loss = SquaredLoss(output_activation) if loss is None else loss
    objective = Objective(seqs, y, w, np.arange(len(seqs)), layout, activation, loss, alpha,
                          Workspace())
    grad = np.empty_like(theta)
    objective(theta, grad)
    expected = numerical_gradient(objective, theta)
    rel = np.linalg.norm(grad - expected) / max(np.linalg.norm(expected), 1e-12)
    assert rel < 1e-6, f"relative error {rel:.2e}"


@pytest.mark.parametrize(
    "activation, output_activation",
    list(itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS)),
)
def test_gradient_every_activation_ragged(activation, output_activation):
    """BPTT matches finite differences for every f and g on a ragged, weighted batch."""
    seqs, y, w = make_problem([5, 1, 3, 5, 2, 4])
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
    import sklearn_simplernn._training as training

    seqs, y, w = make_problem([7, 2, 9, 4, 4, 1, 6, 3])
    layout = ParamLayout(2, 4, 2)
    theta = init_params(layout, "tanh", np.random.RandomState(1))
    one = Objective(seqs, y, w, np.arange(8), layout, "tanh", SquaredLoss(), 0.2, Workspace())
    monkeypatch.setattr(training, "_CHUNK_BYTES", 10 * 4 * 8)  # ten rows per chunk
    many = Objective(seqs, y, w, np.arange(8), layout, "tanh", SquaredLoss(), 0.2, Workspace())
    assert len(many.chunks) > 2
    g1, g2 = np.empty_like(theta), np.empty_like(theta)
    assert one(theta, g1) == pytest.approx(many(theta, g2), rel=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-10, atol=1e-13)
    check_gradient(seqs, y, w, "tanh", "identity", alpha=0.2)


def test_loss_matches_its_definition():
    """J is the weighted mean of 0.5 ||y - O||^2 (summed over outputs) plus the L2 term."""
    from sklearn_simplernn._training import predict_logits

    seqs, y, w = make_problem([4, 2, 3], n_outputs=2)
    layout = ParamLayout(2, 3, 2)
    theta = init_params(layout, "tanh", np.random.RandomState(0))
    alpha = 0.7
    obj = Objective(seqs, y, w, np.arange(3), layout, "tanh", SquaredLoss(), alpha, Workspace())
    O = SquaredLoss().predict(predict_logits(theta, layout, seqs, "tanh"))
    W_ax, W_aa, _, W_ya, _ = layout.unpack(theta)
    penalty = (W_ax**2).sum() + (W_aa**2).sum() + (W_ya**2).sum()
    expected = (w @ (0.5 * ((y - O) ** 2).sum(axis=1)) + 0.5 * alpha * penalty) / w.sum()
    assert obj(theta, np.empty_like(theta)) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_gradient_log_loss(activation, n_outputs):
    """Binary / multi-label cross-entropy on sigmoid outputs: exact BPTT gradient, ragged batch."""
    seqs, _, w = make_problem([5, 1, 3, 5, 2, 4])
    y = (np.random.RandomState(1).rand(6, n_outputs) > 0.5).astype(float)
    check_gradient(seqs, y, w, activation, None, alpha=0.1, loss=LogLoss())


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_gradient_softmax_loss(activation):
    """Multiclass cross-entropy on softmax outputs: exact BPTT gradient, ragged batch."""
    seqs, _, w = make_problem([5, 1, 3, 5, 2, 4])
    y = np.eye(4)[[0, 3, 1, 2, 3, 0]]
    check_gradient(seqs, y, w, activation, None, alpha=0.1, loss=SoftmaxLoss())


def test_cross_entropy_losses_are_finite_for_huge_logits():
    """The losses are computed from logits: no log(0) when a sigmoid/softmax saturates."""
    Zo = np.array([[800.0, -800.0, 0.0]])
    for loss, y in [(LogLoss(), np.array([[0.0, 1.0, 1.0]])), (SoftmaxLoss(), np.array([[0.0, 1.0, 0.0]]))]:
        value, grad = loss.loss_grad(Zo.copy(), y, np.ones(1))
        assert np.isfinite(value) and value > 1000
        assert np.isfinite(grad).all()
