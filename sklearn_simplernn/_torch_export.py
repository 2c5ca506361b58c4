"""Fitted weights in PyTorch's layout, without importing torch."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._network import hidden_sizes


def to_torch_state_dict(estimator):
    """The fitted weights as the ``state_dict()`` of a PyTorch ``nn.RNN`` + ``nn.Linear`` model.

    The keys are exactly those of a torch module with two attributes::

        import torch
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(input_size, hidden_size, num_layers, nonlinearity,
                                  bias=True, batch_first=True, bidirectional=bidirectional)
                self.linear = nn.Linear(hidden_size * (2 if bidirectional else 1), n_outputs)

            def forward(self, x):  # x: (batch, time, input_size), or a PackedSequence
                _, h_n = self.rnn(x)
                # The last layer's final state(s): forward a_T, and with
                # bidirectional the backward run's state at the first step.
                h = torch.cat([h_n[-2], h_n[-1]], dim=1) if bidirectional else h_n[-1]
                return self.linear(h)

        model = Model()
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})

    with ``input_size = n_step_features_``, ``hidden_size`` the (common) size of
    the layers, ``num_layers = len(n_hidden)`` and ``nonlinearity`` the
    estimator's ``activation``. Sequences of different lengths go through
    ``torch.nn.utils.rnn.pack_padded_sequence`` so that each sequence's final
    state is taken at its own last step, as the estimator does. The model
    then predicts exactly what the estimator's ``predict`` does, in the
    weights' dtype (call ``model.double()`` for float64 weights).

    Parameters
    ----------
    estimator : SimpleRNNRegressor
        Fitted, with ``readout='last'``, ``activation`` 'tanh' or 'relu' (the
        nonlinearities torch's RNN has), every layer of the same size (torch's
        restriction) and ``output_activation='identity'``.

    Returns
    -------
    state_dict : dict of str to ndarray
        In torch's key order: for each layer k and direction (``_reverse``
        for the backward one), ``rnn.weight_ih_l{k}`` = W_ax^T,
        ``rnn.weight_hh_l{k}`` = W_aa^T, ``rnn.bias_ih_l{k}`` = b_a and
        ``rnn.bias_hh_l{k}`` = 0 (torch has two biases where the model has
        one); then ``linear.weight`` = W_ya^T and ``linear.bias`` = b_y.
        New C-contiguous arrays.

    Raises
    ------
    ValueError
        For a configuration that torch's ``nn.RNN`` + ``nn.Linear`` does not
        express, naming what differs.
    """
    from ._regressor import SimpleRNNRegressor

    if not isinstance(estimator, SimpleRNNRegressor):
        raise TypeError(
            f"to_torch_state_dict exports a fitted SimpleRNNRegressor, not "
            f"{type(estimator).__name__}: its output is the nn.Linear layer itself. For a "
            f"Pipeline or a TransformedTargetRegressor, export the network step "
            f"(e.g. pipe[-1] or ttr.regressor_) and apply the other steps outside torch."
        )
    check_is_fitted(estimator)
    problems = []
    if estimator.readout != "last":
        problems.append(f"readout={estimator.readout!r} (torch's RNN has no pooled readout; "
                        f"only 'last' is exported)")
    if estimator.activation not in ("tanh", "relu"):
        problems.append(f"activation={estimator.activation!r} (nn.RNN's nonlinearity is "
                        f"'tanh' or 'relu')")
    sizes = hidden_sizes(estimator.n_hidden)
    if len(set(sizes)) > 1:
        problems.append(f"n_hidden={estimator.n_hidden!r} (nn.RNN's layers all have "
                        f"hidden_size units)")
    if estimator.output_activation != "identity":
        problems.append(f"output_activation={estimator.output_activation!r} (nn.Linear has "
                        f"no activation; only 'identity' is exported)")
    if problems:
        raise ValueError("to_torch_state_dict cannot express " + "; ".join(problems) + ".")
    listed = isinstance(estimator.input_weights_, list)
    per_layer = zip(*(getattr(estimator, name) if listed else [getattr(estimator, name)]
                      for name in ("input_weights_", "recurrent_weights_", "hidden_bias_")))
    state = {}
    for k, (W_ax, W_aa, b_a) in enumerate(per_layer):
        directions = ((W_ax[0], W_aa[0], b_a[0], ""), (W_ax[1], W_aa[1], b_a[1], "_reverse")) \
            if estimator.bidirectional else ((W_ax, W_aa, b_a, ""),)
        for w_ih, w_hh, b_ih, suffix in directions:
            state[f"rnn.weight_ih_l{k}{suffix}"] = np.ascontiguousarray(w_ih.T).copy()
            state[f"rnn.weight_hh_l{k}{suffix}"] = np.ascontiguousarray(w_hh.T).copy()
            state[f"rnn.bias_ih_l{k}{suffix}"] = np.array(b_ih)
            state[f"rnn.bias_hh_l{k}{suffix}"] = np.zeros_like(b_ih)
    state["linear.weight"] = np.ascontiguousarray(estimator.output_weights_.T).copy()
    state["linear.bias"] = np.array(estimator.output_bias_)
    return state
