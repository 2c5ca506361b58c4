"""SimpleRNNClassifier: the same engine, a classification loss on top."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._base import BaseSimpleRNN, _fill_doc, _incremental_solver, with_callbacks
from ._losses import LogLoss, SoftmaxLoss


@_fill_doc
class SimpleRNNClassifier(ClassifierMixin, BaseSimpleRNN):
    """Simple (Elman) recurrent neural network classifier for sequences.

    The recurrence of :class:`SimpleRNNRegressor`, by default run over each
    sequence in both directions and read through its maximum over the steps,
    with a logistic output for two classes (and for each label of a
    multi-label target) or a softmax output for more, trained on the
    matching cross-entropy. Sequences may have different lengths.

    Parameters
    ----------
    n_hidden : int or tuple of int, default=16
        Number of hidden units H (per direction), or a tuple with the units
        of each recurrent layer: layer k reads the hidden states of layer
        k - 1, as in ``torch.nn.RNN(num_layers=K)``.
    activation : {'tanh', 'relu', 'logistic', 'identity'}, default='tanh'
        Hidden activation f.
    bidirectional : bool, default=True
        Every layer also runs backward over each sequence, starting at that
        sequence's own last step, and outputs [forward a_t, backward a_t]
        (2H values per step), as PyTorch's ``nn.RNN(bidirectional=True)``.
        False reads each sequence forward only, as
        :class:`SimpleRNNRegressor` does by default (and at about 40% of
        the cost).
    readout : {'max', 'mean', 'last'}, default='max'
        What the output layer reads from the top layer: the maximum or the
        mean of its states over the steps of each sequence, or its last
        state (with ``bidirectional``, the forward state at the last step
        and the backward state at the first, both having read the whole
        sequence).
    alpha : float, default=1e-2
        L2 penalty on W_ax, W_aa (of every layer) and W_ya (not the biases),
        divided by the total sample weight in J.

        The defaults of the three (a bidirectional layer of 16 units read
        through its maximum over the steps, alpha=1e-2, L-BFGS) were chosen
        on six classification sets of the UEA/UCR archives by
        ``benchmarks/accuracy_study.py``: a class usually shows
        anywhere in a sequence, not only at its end, and over long sequences
        the last state of a forward run forgets the beginning. Against one
        forward layer read at its last step (alpha=1e-4) they raised the
        accuracy on all six sets (0.63 to 0.77 on average; see the user
        guide), for about 2.6 times the fit time.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,) or list of such arrays
        Class labels (any type scikit-learn accepts: ints, strings, ...).
    %(fitted_attributes)s

    See Also
    --------
    SimpleRNNRegressor : The same network for numeric targets.
    sklearn.neural_network.MLPClassifier : The feed-forward network on fixed windows.

    Notes
    -----
    X takes the forms of :class:`SimpleRNNRegressor`, and y and sample_weight
    are aligned with a long-format DataFrame X as there. With a_0 = 0 and row
    vectors, z_i = a_T W_ya + b_y is the output pre-activation of sequence i and

    - two classes: n_outputs_ = 1, p_i = sigmoid(z_i) = P(class ``classes_[1]``),
      l_i = -[y_i log p_i + (1 - y_i) log(1 - p_i)];
    - K > 2 classes: n_outputs_ = K, p_i = softmax(z_i),
      l_i = -log p_{i, y_i};
    - multi-label (2-D 0/1 indicator y): one sigmoid per label, l_i the sum of
      the labels' binary cross-entropies.

    The weights minimise, with sample weights w_i (1 by default)::

        J = sum_i w_i l_i / sum_i w_i
            + 0.5 alpha (||W_ax||^2 + ||W_aa||^2 + ||W_ya||^2) / sum_i w_i

    Each link is the canonical one for its loss, so dJ/dz_i = w_i (p_i - y_i) /
    sum_i w_i, and the rest of the gradient is the same backpropagation through
    time as the regressor's. Losses are computed from z (log-sum-exp), never
    from rounded probabilities, so they stay finite. Sample weights, ordering
    and determinism behave as for :class:`SimpleRNNRegressor`.

    References
    ----------
    Elman, J. L. (1990). Finding structure in time. Cognitive Science 14(2).

    Werbos, P. J. (1990). Backpropagation through time: what it does and how to
    do it. Proceedings of the IEEE 78(10).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_simplernn import SimpleRNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(n) for n in rng.randint(5, 20, size=100)]  # ragged
    >>> y = np.where([x.sum() > 0 for x in X], "up", "down")
    >>> clf = SimpleRNNClassifier(n_hidden=8, max_iter=500, random_state=0).fit(X, y)
    >>> clf.predict([np.ones(3), -np.ones(30)])
    array(['up', 'down'], dtype='<U4')
    """

    _y_numeric = False
    _private_state = BaseSimpleRNN._private_state + ("_y_type",)

    def __init__(
        self,
        n_hidden=16,
        *,
        activation="tanh",
        bidirectional=True,
        readout="max",
        solver="lbfgs",
        alpha=1e-2,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=1000,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping="auto",
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        clip_norm=None,
        clip_value=None,
        track_gradients=False,
    ):
        super().__init__(
            n_hidden=n_hidden, activation=activation, bidirectional=bidirectional,
            readout=readout, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate=learning_rate, learning_rate_init=learning_rate_init,
            power_t=power_t, max_iter=max_iter, shuffle=shuffle, random_state=random_state,
            tol=tol, verbose=verbose, warm_start=warm_start, momentum=momentum,
            nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
            validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
            epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun,
            clip_norm=clip_norm, clip_value=clip_value, track_gradients=track_gradients,
        )

    # -- hooks of BaseSimpleRNN -------------------------------------------

    def _make_loss(self):
        if self._y_type == "multiclass":
            return SoftmaxLoss()
        return LogLoss()

    def _prepare_y(self, y, dtype, reset, classes=None):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # a column is one target, not a label matrix
        check_classification_targets(y)
        if reset:
            self._y_type = type_of_target(y)
            if self._y_type == "multilabel-indicator":
                self.classes_ = np.arange(y.shape[1])
            else:
                self.classes_ = np.unique(y if classes is None else np.asarray(classes))
                if len(self.classes_) < 2:
                    raise ValueError(
                        f"{type(self).__name__} needs samples of at least 2 classes; the "
                        f"data contains only one class: {self.classes_[0]!r}."
                    )
                self._y_type = "binary" if len(self.classes_) == 2 else "multiclass"
        if self._y_type == "multilabel-indicator":
            return np.asarray(y, dtype=dtype)
        codes = np.searchsorted(self.classes_, y)
        codes = np.minimum(codes, len(self.classes_) - 1)
        unseen = self.classes_[codes] != y
        if unseen.any():
            raise ValueError(
                f"y contains labels {list(np.unique(np.asarray(y)[unseen]))} that are not in "
                f"classes_ {list(self.classes_)}; pass every class to the first partial_fit."
            )
        if self._y_type == "binary":  # one logistic output: P(classes_[1])
            return (codes == 1).astype(dtype)[:, None]
        return np.eye(len(self.classes_), dtype=dtype)[codes]  # one-hot for the softmax

    def _labels(self, p):
        """Labels from probabilities (or from targets encoded by _prepare_y)."""
        if self._y_type == "multilabel-indicator":
            return (p > 0.5).astype(int)
        if self._y_type == "binary":
            return self.classes_[(p[:, 0] > 0.5).astype(int)]
        return self.classes_[p.argmax(axis=1)]

    def _validation_score(self, y_true, y_pred, sample_weight):
        return accuracy_score(self._labels(y_true), self._labels(y_pred),
                              sample_weight=sample_weight)

    def _stratify(self, y):
        if self._y_type == "multilabel-indicator":
            return None
        return y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]

    # -- public API --------------------------------------------------------

    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and class labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, \
n_timesteps, n_step_features), list of array-like, or DataFrame
            The sequences, oldest step first.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 indicator matrix for multi-label targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights w_i of the objective (all 1 when None).

        Returns
        -------
        self : SimpleRNNClassifier
            The fitted estimator.
        """
        return self._fit_estimator(X, y, sample_weight)

    @available_if(_incremental_solver)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass of the 'gd', 'sgd' or 'adam' solver over the given sequences.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            The sequences, in any form ``fit`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
        classes : array-like of shape (n_classes,), default=None
            Every class label; required on the first call (a later batch may
            lack some classes), ignored afterwards. Not needed for
            multi-label targets.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : SimpleRNNClassifier
        """
        first = not hasattr(self, "classes_")
        if first and classes is None and type_of_target(y) != "multilabel-indicator":
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; for multi-label targets the
            probability of each label.
        """
        z = self._predict_logits(X)
        p = self._make_loss().predict(z)
        if self._y_type != "multiclass":
            # A saturated sigmoid rounds to exactly 0 or 1; keep probabilities
            # strictly inside (0, 1), as scikit-learn expects of a probability.
            eps = np.finfo(p.dtype).eps
            np.clip(p, eps, 1 - eps, out=p)
        if self._y_type == "binary":
            return np.hstack([1 - p, p])
        return p

    def predict_log_proba(self, X):
        """Logarithm of the class probabilities, computed stably from the logits.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        z = self._predict_logits(X)
        loss = self._make_loss()
        if self._y_type == "binary":
            return np.hstack([loss.log_predict(-z), loss.log_predict(z)])
        return loss.log_predict(z)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        z = self._predict_logits(X)
        return self._labels(self._make_loss().predict(z))

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of the predictions (subset accuracy for multi-label y).

        Parameters
        ----------
        X : array-like, list of array-like, or DataFrame
            Sequences in any form ``fit`` accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            True labels; aligned with a long DataFrame X as in ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
            Accuracy of ``self.predict(X)`` against y.
        """
        y, sample_weight = self._align_targets(X, y, sample_weight)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.classifier_tags.multi_label = True
        return tags
