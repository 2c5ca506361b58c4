"""Weights in PyTorch's layout: our forward pass and gradients equal torch's.

``to_torch_state_dict`` loads into ``nn.RNN`` + ``nn.Linear``; predictions
and autograd gradients of a stacked bidirectional model on a ragged batch
match ours in float64. torch (the pinned CPU build) is part of the test
environment of ``python3 dev.py test``.
"""

import subprocess
import sys

import numpy as np
import pytest
from helpers import network_of, theta_of

from sklearn_simplernn import (
    SimpleRNNClassifier,
    SimpleRNNRegressor,
    to_torch_state_dict,
)
from sklearn_simplernn._losses import SquaredLoss
from sklearn_simplernn._objective import Objective
from sklearn_simplernn._rnn import Workspace
from sklearn_simplernn._sequences import validate_sequences

torch = pytest.importorskip("torch", reason="torch is installed by `python3 dev.py test`")
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class Model(nn.Module):
    """The module whose state_dict to_torch_state_dict fills (see its docstring)."""

    def __init__(self, input_size, hidden_size, num_layers, nonlinearity, bidirectional,
                 n_outputs):
        super().__init__()
        self.bidirectional = bidirectional
        self.rnn = nn.RNN(input_size, hidden_size, num_layers, nonlinearity, bias=True,
                          batch_first=True, bidirectional=bidirectional)
        self.linear = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

    def forward(self, x):
        _, h_n = self.rnn(x)
        h = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]
        return self.linear(h)


def ragged_data(n=25, D=2, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.randn(T, D) for T in rng.randint(1, 15, size=n)]
    y = np.array([[np.tanh(x[-3:, 0].sum()), x[:, 1].mean()] for x in X])
    return X, y


def torch_model(model, state):
    sizes = (model.n_hidden,) if np.ndim(model.n_hidden) == 0 else tuple(model.n_hidden)
    module = Model(model.n_step_features_, sizes[0], len(sizes), model.activation,
                   model.bidirectional, model.n_outputs_).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return module


def packed(X):
    lengths = torch.tensor([len(x) for x in X])
    padded = torch.zeros(len(X), int(lengths.max()), X[0].shape[1], dtype=torch.float64)
    for i, x in enumerate(X):
        padded[i, : len(x)] = torch.from_numpy(x)
    return pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)


CONFIGS = [
    dict(n_hidden=(5, 5), bidirectional=True),
    dict(n_hidden=(4, 4, 4), activation="relu"),
    dict(n_hidden=6),
    dict(n_hidden=3, bidirectional=True, activation="relu"),
]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_predictions_equal_torch(config):
    X, y = ragged_data()
    model = SimpleRNNRegressor(max_iter=15, alpha=0.1, random_state=0, **config).fit(X, y)
    state = to_torch_state_dict(model)
    module = torch_model(model, state)
    assert list(state) == list(module.state_dict())
    with torch.no_grad():
        out = module(packed(X)).numpy()
    np.testing.assert_allclose(out, model.predict(X), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_gradients_equal_torch_autograd(config):
    """dJ/dtheta of our BPTT equals torch autograd's for J = sum_i w_i 0.5 ||y_i - O_i||^2 / sum w."""
    X, y = ragged_data(seed=1)
    w = np.random.RandomState(2).uniform(0.5, 2.0, size=len(X))
    model = SimpleRNNRegressor(max_iter=5, random_state=0, **config).fit(X, y)
    theta = theta_of(model)
    network = network_of(model)
    seqs = validate_sequences(model, X, reset=False)
    objective = Objective(seqs, y, w, np.arange(len(X)), network, SquaredLoss(), 0.0,
                          Workspace())
    grad = np.empty_like(theta)
    J = objective(theta, grad)

    module = torch_model(model, to_torch_state_dict(model))
    out = module(packed(X))
    loss = (torch.from_numpy(w)[:, None] * 0.5 * (out - torch.from_numpy(y)) ** 2).sum() / w.sum()
    loss.backward()
    assert loss.item() == pytest.approx(J, rel=1e-12)
    # Back to our layout: bias_ih and bias_hh both receive dJ/db_a (their sum is b_a).
    grads = {k: p.grad.numpy() for k, p in module.named_parameters()}
    ours = network.attributes(grad)
    listed = isinstance(ours["input_weights_"], list)
    layers = zip(*(ours[n] if listed else [ours[n]]
                   for n in ("input_weights_", "recurrent_weights_", "hidden_bias_")))
    for k, (dW_ax, dW_aa, db_a) in enumerate(layers):
        directions = [(dW_ax[d], dW_aa[d], db_a[d], s) for d, s in enumerate(["", "_reverse"])] \
            if model.bidirectional else [(dW_ax, dW_aa, db_a, "")]
        for g_ax, g_aa, g_a, suffix in directions:
            np.testing.assert_allclose(g_ax.T, grads[f"rnn.weight_ih_l{k}{suffix}"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g_aa.T, grads[f"rnn.weight_hh_l{k}{suffix}"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g_a, grads[f"rnn.bias_ih_l{k}{suffix}"], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(g_a, grads[f"rnn.bias_hh_l{k}{suffix}"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours["output_weights_"].T, grads["linear.weight"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours["output_bias_"], grads["linear.bias"], rtol=1e-9, atol=1e-12)


def test_float32_weights_load_as_float32():
    X, y = ragged_data()
    X32 = [x.astype(np.float32) for x in X]
    model = SimpleRNNRegressor(n_hidden=(4, 4), max_iter=5, random_state=0).fit(X32, y)
    state = to_torch_state_dict(model)
    assert {v.dtype for v in state.values()} == {np.dtype(np.float32)}
    module = torch_model(model, state).float()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    lengths = torch.tensor([len(x) for x in X32])
    padded = torch.zeros(len(X32), int(lengths.max()), 2)
    for i, x in enumerate(X32):
        padded[i, : len(x)] = torch.from_numpy(x)
    with torch.no_grad():
        out = module(pack_padded_sequence(padded, lengths, batch_first=True,
                                          enforce_sorted=False)).numpy()
    np.testing.assert_allclose(out, model.predict(X32), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kw, message", [
    (dict(readout="mean"), "readout='mean'"),
    (dict(activation="logistic"), "activation='logistic'"),
    (dict(n_hidden=(4, 3)), "n_hidden=\\(4, 3\\)"),
    (dict(output_activation="tanh"), "output_activation='tanh'"),
])
def test_configurations_torch_cannot_express_are_refused(kw, message):
    X, y = ragged_data()
    model = SimpleRNNRegressor(max_iter=2, random_state=0, **kw).fit(X, y)
    with pytest.raises(ValueError, match=message):
        to_torch_state_dict(model)


def test_other_estimators_and_unfitted_models_are_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(TypeError, match="SimpleRNNRegressor"):
        to_torch_state_dict(SimpleRNNClassifier())
    with pytest.raises(NotFittedError):
        to_torch_state_dict(SimpleRNNRegressor())


def test_export_does_not_import_torch():
    code = (
        "import sys, numpy as np\n"
        "from sklearn_simplernn import SimpleRNNRegressor, to_torch_state_dict\n"
        "X = np.random.RandomState(0).randn(20, 5)\n"
        "m = SimpleRNNRegressor(n_hidden=3, max_iter=2).fit(X, X[:, -1])\n"
        "to_torch_state_dict(m)\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)
