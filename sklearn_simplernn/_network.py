"""A model: a stack of recurrent layers, a readout and an output layer, on one theta.

Layer k reads the packed outputs of layer k - 1 (the steps' features x_t for
the first), as in ``torch.nn.RNN(num_layers=K)``; the readout turns the top
layer's outputs into the rows the output layer reads (``_heads``). The
forward pass runs the pieces bottom-up, the backward pass top-down, each piece
receiving dJ/d(its outputs) and returning dJ/d(its inputs)::

    z_o  = output(readout(layer_K(... layer_1(x))))
    dJ/dH_K = readout'(output'(dJ/dz_o));  dJ/dH_{k-1} = layer_k'(dJ/dH_k)

The gradient flowing down the layers is the dJ/dh_t = delta_t W_ax^T of
``_rnn``. Each piece has its own workspace, and its parameters are a
contiguous run of the flat theta (``_params``).
"""

import numpy as np

from ._heads import READOUTS, OutputLayer
from ._params import ParamLayout, glorot_uniform, random_orthogonal
from ._rnn import RecurrentLayer

# The five fitted attributes, in the order of each layer's (W_ax, W_aa, b_a)
# and the output layer's (W_ya, b_y).
ATTRIBUTE_NAMES = ("input_weights_", "recurrent_weights_", "hidden_bias_",
                   "output_weights_", "output_bias_")


def hidden_sizes(n_hidden):
    """``n_hidden`` (an int, or a tuple or list of ints) as a tuple, one entry per layer."""
    sizes = (n_hidden,) if np.ndim(n_hidden) == 0 else tuple(n_hidden)
    if not sizes or not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool)
                            and h >= 1 for h in sizes):
        raise ValueError(
            f"n_hidden must be a positive int or a non-empty tuple of positive ints (one "
            f"per layer); got {n_hidden!r}."
        )
    return tuple(int(h) for h in sizes)


class Network:
    """Recurrent layers, a readout and an output layer.

    Parameters
    ----------
    n_step_features : int
    n_hidden : int or tuple of int
        Units of each layer (per direction).
    n_outputs : int
    activation : str
        Hidden activation f of every layer.
    bidirectional : bool
    readout : {'last', 'mean', 'max', 'step'}
    """

    def __init__(self, n_step_features, n_hidden, n_outputs, activation="tanh",
                 bidirectional=False, readout="last"):
        self.n_step_features = n_step_features
        self.hidden = hidden_sizes(n_hidden)
        self.n_outputs = n_outputs
        self.activation = activation
        self.bidirectional = bidirectional
        self.readout_name = readout
        self.layers = []
        n_in = n_step_features
        for H in self.hidden:
            layer = RecurrentLayer(n_in, H, activation, bidirectional)
            self.layers.append(layer)
            n_in = layer.n_outputs
        self.readout = READOUTS[readout]()
        self.output = OutputLayer(n_in, n_outputs)
        specs = []
        for k, layer in enumerate(self.layers):
            specs += layer.param_specs(f"[{k}]" if len(self.layers) > 1 else "")
        specs += self.output.param_specs()
        self.layout = ParamLayout(specs)
        self.per_step = self.readout.per_step
        # Public attributes are the five arrays of today's single layer, or
        # per-layer lists once there are several layers or directions.
        self.listed = len(self.layers) > 1 or bidirectional

    @property
    def n_hidden_max(self):
        return max(layer.n_outputs for layer in self.layers)

    def split(self, arrays):
        """Per-layer (W_ax, W_aa, b_a) and the output layer's (W_ya, b_y), from unpacked arrays."""
        layers = [tuple(arrays[3 * k: 3 * k + 3]) for k in range(len(self.layers))]
        return layers, tuple(arrays[-2:])

    # ------------------------------------------------------------------
    # Forward and backward

    def forward(self, params, batch, ws, cache=True):
        """Logits z_o of a packed batch: (n_sequences, n_outputs), or one row per step.

        Returns
        -------
        Zo : ndarray, in a workspace buffer
        caches : list
            What :meth:`backward` needs (with ``cache=True``).
        """
        layer_params, out_params = self.split(params)
        H = batch.X1
        has_ones = True
        caches = []
        top = len(self.layers) - 1
        for k, (layer, p) in enumerate(zip(self.layers, layer_params)):
            # Prediction with the 'last' readout needs no states of the top layer.
            keep = cache or k < top or self.readout.needs_states
            H, layer_cache = layer.forward(p, batch, H, ws.child(("layer", k)),
                                           input_has_ones=has_ones, cache=keep)
            has_ones = False
            caches.append(layer_cache)
        R = self.readout.forward(batch, caches[-1], ws.child("readout"))
        Zo = self.output.forward(out_params, R, ws.child("output"))
        return Zo, (caches, R)

    def backward(self, params, grads, batch, caches, dZo, ws, e_sq=None):
        """Write dJ/dtheta (unpacked views ``grads``) from dJ/dz_o, by BPTT through every layer.

        ``e_sq``: gradient diagnostics of the first layer's forward run
        (see ``RecurrentLayer.backward``).
        """
        caches, R = caches
        layer_params, out_params = self.split(params)
        layer_grads, out_grads = self.split(grads)
        dR = self.output.backward(out_params, R, dZo, out_grads, ws.child("output"))
        dH = self.readout.backward(batch, dR, ws.child("readout"))
        for k in range(len(self.layers) - 1, -1, -1):
            dH = self.layers[k].backward(
                layer_params[k], batch, caches[k], dH, layer_grads[k], ws.child(("layer", k)),
                need_input_grad=k > 0, e_sq=e_sq if k == 0 else None,
            )

    # ------------------------------------------------------------------
    # Parameters

    def init_params(self, rng, dtype=np.float64):
        """Initial theta: Glorot-uniform W_ax and W_ya, orthogonal W_aa, zero biases.

        Drawn layer by layer, direction by direction (W_ax then W_aa), then
        W_ya: for one layer the same draws as ever.
        """
        factor = 2.0 if self.activation == "logistic" else 1.0
        arrays = []
        for layer in self.layers:
            D, H = layer.n_inputs, layer.n_hidden
            draws = [(glorot_uniform(D, H, rng, factor), random_orthogonal(H, rng))
                     for _ in range(layer.n_directions)]
            W_ax, W_aa = (np.stack(a) if layer.bidirectional else a[0] for a in zip(*draws))
            arrays += [W_ax, W_aa, np.zeros((layer.n_directions, H) if layer.bidirectional else H)]
        arrays += [glorot_uniform(self.output.n_inputs, self.n_outputs, rng, factor),
                   np.zeros(self.n_outputs)]
        return self.layout.pack(arrays, dtype=dtype)

    def attributes(self, theta):
        """The five public attributes as copies: arrays, or per-layer lists (see ``listed``)."""
        layers, (W_ya, b_y) = self.split(self.layout.unpack(theta))
        if self.listed:
            values = [[np.array(p[i]) for p in layers] for i in range(3)]
        else:
            values = [np.array(a) for a in layers[0]]
        return dict(zip(ATTRIBUTE_NAMES, values + [np.array(W_ya), np.array(b_y)]))

    def pack_attributes(self, attrs, dtype):
        """theta from the five public attributes (as :meth:`attributes` returns them)."""
        layers = (zip(*(attrs[name] for name in ATTRIBUTE_NAMES[:3])) if self.listed
                  else [tuple(attrs[name] for name in ATTRIBUTE_NAMES[:3])])
        arrays = [a for layer in layers for a in layer]
        arrays += [attrs[ATTRIBUTE_NAMES[3]], attrs[ATTRIBUTE_NAMES[4]]]
        return self.layout.pack(arrays, dtype=dtype)

    def matches(self, attrs):
        """Whether the public attributes ``attrs`` have exactly this network's shapes."""
        try:
            layers = (list(zip(*(attrs[name] for name in ATTRIBUTE_NAMES[:3]))) if self.listed
                      else [tuple(attrs[name] for name in ATTRIBUTE_NAMES[:3])])
            if self.listed and not all(isinstance(attrs[n], list) for n in ATTRIBUTE_NAMES[:3]):
                return False
            if len(layers) != len(self.layers):
                return False
            arrays = [a for layer in layers for a in layer]
            arrays += [attrs[ATTRIBUTE_NAMES[3]], attrs[ATTRIBUTE_NAMES[4]]]
        except (KeyError, TypeError):
            return False
        return [np.shape(a) for a in arrays] == list(self.layout.shapes)
