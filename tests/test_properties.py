"""Properties that hold for every input, checked on random ones with hypothesis.

Random here means random numbers of sequences, lengths, features per step,
hidden units, outputs, activations and weights. The reference for the forward
pass is a plain per-sequence loop written here, independently of the package.
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from helpers import make_objective, make_problem, numerical_gradient

from sklearn_simplernn import SimpleRNNRegressor
from sklearn_simplernn._activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from sklearn_simplernn._losses import SquaredLoss

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# ---------------------------------------------------------------------------
# Strategies


@st.composite
def sequence_sets(draw, equal_lengths=False, max_n=6, max_len=7, n_step_features=None):
    """A list of float64 sequences of shape (T_i, D)."""
    n = draw(st.integers(1, max_n))
    D = n_step_features or draw(st.integers(1, 3))
    if equal_lengths:
        lengths = [draw(st.integers(1, max_len))] * n
    else:
        lengths = draw(st.lists(st.integers(1, max_len), min_size=n, max_size=n))
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    return [rng.randn(T, D) for T in lengths]


@st.composite
def random_models(draw, n_step_features):
    """A 'fitted' SimpleRNNRegressor whose weights are random draws of random scale."""
    H = draw(st.integers(1, 5))
    K = draw(st.integers(1, 3))
    est = SimpleRNNRegressor(
        n_hidden=H,
        activation=draw(st.sampled_from(HIDDEN_ACTIVATIONS)),
        output_activation=draw(st.sampled_from(OUTPUT_ACTIVATIONS)),
        max_iter=1,
        random_state=0,
    )
    y = np.full((2, K), 0.5) if K > 1 else np.full(2, 0.5)
    est.fit([np.zeros((2, n_step_features))] * 2, y)
    rng = np.random.RandomState(draw(st.integers(0, 2**31 - 1)))
    scale = draw(st.floats(0.1, 1.5))
    D = n_step_features
    est.input_weights_ = scale * rng.randn(D, H)
    est.recurrent_weights_ = scale * rng.randn(H, H)
    est.hidden_bias_ = scale * rng.randn(H)
    est.output_weights_ = scale * rng.randn(H, K)
    est.output_bias_ = scale * rng.randn(K)
    return est


@st.composite
def model_and_sequences(draw, equal_lengths=False):
    seqs = draw(sequence_sets(equal_lengths=equal_lengths))
    return draw(random_models(seqs[0].shape[1])), seqs


# ---------------------------------------------------------------------------
# The reference: a plain loop over sequences and steps


def _logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


REFERENCE_ACTIVATIONS = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "logistic": _logistic,
    "relu": lambda z: np.maximum(z, 0.0),
}


def reference_predict(est, seqs):
    """a_t = f(x_t W_ax + a_{t-1} W_aa + b_a), O = g(a_T W_ya + b_y), one sequence at a time."""
    f = REFERENCE_ACTIVATIONS[est.activation]
    g = REFERENCE_ACTIVATIONS[est.output_activation]
    W_ax, W_aa, b_a = est.input_weights_, est.recurrent_weights_, est.hidden_bias_
    W_ya, b_y = est.output_weights_, est.output_bias_
    out = []
    for seq in seqs:
        a = np.zeros(W_aa.shape[0])
        for x_t in np.asarray(seq, dtype=float).reshape(len(seq), -1):
            a = f(x_t @ W_ax + a @ W_aa + b_a)
        out.append(g(a @ W_ya + b_y))
    out = np.array(out)
    return out.ravel() if out.shape[1] == 1 else out


def every_form(seqs):
    """The same sequences in every form that can hold them."""
    obj = np.empty(len(seqs), dtype=object)
    obj[:] = list(seqs)
    index = pd.MultiIndex.from_tuples(
        [(f"s{i}", t) for i, s in enumerate(seqs) for t in range(len(s))], names=["id", "time"]
    )
    forms = {
        "list": list(seqs),
        "tuple": tuple(seqs),
        "object-array": obj,
        "nested-lists": [s.tolist() for s in seqs],
        "long-dataframe": pd.DataFrame(np.concatenate(seqs), index=index),
    }
    if len({len(s) for s in seqs}) == 1:
        forms["3d-array"] = np.stack(seqs)
        if seqs[0].shape[1] == 1:
            forms["2d-array"] = np.stack(seqs)[:, :, 0]
            forms["dataframe"] = pd.DataFrame(forms["2d-array"])
            forms["list-1d"] = [s[:, 0] for s in seqs]
    return forms


# ---------------------------------------------------------------------------
# Properties


@SETTINGS
@given(model_and_sequences(), st.booleans())
def test_forward_pass_equals_reference_loop_for_every_form(model_seqs, equal):
    """On random weights, predict equals the plain per-sequence loop, in every input form."""
    est, seqs = model_seqs
    if equal:  # also exercise the equal-length forms (3-D, 2-D)
        seqs = [s[: min(map(len, seqs))] for s in seqs]
    expected = reference_predict(est, seqs)
    for name, X in every_form(seqs).items():
        with np.errstate(over="ignore"):
            np.testing.assert_allclose(est.predict(X), expected, rtol=1e-10, atol=1e-12, err_msg=name)


@SETTINGS
@given(model_and_sequences(equal_lengths=True))
def test_ragged_equals_3d_for_equal_lengths(model_seqs):
    """Equal-length sequences as a ragged list and as a 3-D array give identical predictions."""
    est, seqs = model_seqs
    np.testing.assert_array_equal(est.predict(seqs), est.predict(np.stack(seqs)))


@SETTINGS
@given(model_and_sequences(), st.randoms(use_true_random=False))
def test_permuting_samples_permutes_predictions(model_seqs, random):
    """predict(X[perm]) == predict(X)[perm] for any permutation of the sequences."""
    est, seqs = model_seqs
    perm = list(range(len(seqs)))
    random.shuffle(perm)
    np.testing.assert_allclose(
        est.predict([seqs[i] for i in perm]), est.predict(seqs)[perm], rtol=1e-12, atol=1e-14
    )


@SETTINGS
@given(model_and_sequences(), st.data())
def test_one_sequence_alone_equals_it_inside_any_batch(model_seqs, data):
    """A sequence's prediction does not depend on the other sequences of the batch."""
    est, seqs = model_seqs
    i = data.draw(st.integers(0, len(seqs) - 1))
    alone = est.predict([seqs[i]])
    batch = est.predict(seqs)
    np.testing.assert_allclose(batch[i], alone[0], rtol=1e-12, atol=1e-14)


@settings(max_examples=20, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=5),
    n_step_features=st.integers(1, 3),
    n_outputs=st.integers(1, 3),
    n_hidden=st.integers(1, 4),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    output_activation=st.sampled_from(OUTPUT_ACTIVATIONS),
    alpha=st.sampled_from([0.0, 1e-3, 0.5]),
    scale=st.floats(0.05, 1.0),
    seed=st.integers(0, 2**16),
)
def test_gradient_check_on_random_problems(lengths, n_step_features, n_outputs, n_hidden,
                                           activation, output_activation, alpha, scale, seed):
    """BPTT matches central finite differences on random shapes, lengths, activations and weights."""
    seqs, y, w = make_problem(lengths, n_step_features, n_outputs, seed=seed)
    objective, network = make_objective(seqs, y, w, n_hidden, activation,
                                        SquaredLoss(output_activation), alpha)
    layout = network.layout
    rng = np.random.RandomState(seed)
    theta = network.init_params(rng) + scale * rng.randn(layout.size)
    if activation == "relu":  # keep away from the kink at 0, as test_gradients does
        theta[layout.slices[2]] += 0.5
    grad = np.empty_like(theta)
    J = objective(theta, grad)
    expected = numerical_gradient(objective, theta)
    # Relative error 1e-6 as in test_gradients, above the rounding noise of the
    # central difference itself (about eps_machine * |J| / h per entry, h = 1e-6):
    # a saturated g can make the whole gradient smaller than that noise.
    noise = 100 * np.finfo(float).eps * abs(J) / 1e-6 * np.sqrt(theta.size)
    error = np.linalg.norm(grad - expected)
    assert error <= 1e-6 * np.linalg.norm(expected) + noise, (error, np.linalg.norm(expected))


@SETTINGS
@given(
    seqs=sequence_sets(max_n=8),
    solver=st.sampled_from(["lbfgs", "gd", "adam"]),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    n_outputs=st.integers(1, 2),
)
def test_pickle_round_trips_exactly(seqs, solver, activation, n_outputs):
    """A pickled fitted model predicts bit-for-bit the same and keeps training the same way."""
    y = np.column_stack([[s.sum() for s in seqs]] * n_outputs)
    y = y.ravel() if n_outputs == 1 else y
    est = SimpleRNNRegressor(n_hidden=3, solver=solver, activation=activation,
                             learning_rate_init=0.01, max_iter=3, random_state=0).fit(seqs, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict(seqs), est.predict(seqs))
    assert copy.get_params() == est.get_params()
    for name in ("input_weights_", "recurrent_weights_", "hidden_bias_", "output_weights_",
                 "output_bias_", "n_iter_", "loss_", "n_step_features_", "n_outputs_"):
        np.testing.assert_array_equal(getattr(copy, name), getattr(est, name), err_msg=name)
    if solver != "lbfgs":  # the optimizer state travels too
        est.partial_fit(seqs, y)
        copy.partial_fit(seqs, y)
        np.testing.assert_array_equal(copy.predict(seqs), est.predict(seqs))


@SETTINGS
@given(model_and_sequences(), st.randoms(use_true_random=False))
def test_long_dataframe_row_order_does_not_matter(model_seqs, random):
    """Shuffling the rows of a long DataFrame within the time order gives the same predictions."""
    est, seqs = model_seqs
    frame = every_form(seqs)["long-dataframe"]
    rows = list(range(len(frame)))
    random.shuffle(rows)
    shuffled = frame.iloc[rows]
    # Sequences come out in order of first appearance in the shuffled frame.
    first_seen = list(dict.fromkeys(shuffled.index.get_level_values(0)))
    order = [int(key[1:]) for key in first_seen]
    np.testing.assert_allclose(est.predict(shuffled), est.predict(seqs)[order], rtol=1e-12, atol=1e-14)
