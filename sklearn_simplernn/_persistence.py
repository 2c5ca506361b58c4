"""Safe saving and loading with skops: no pickle, and only known types are rebuilt.

A skops file describes every object it holds by its type, and ``skops.io.load``
refuses to rebuild a type it was not told to trust. :func:`load` trusts
scikit-learn's default set (its estimators, numpy and scipy containers,
builtins) plus exactly this package's own types (:func:`trusted_types`), so a file
that smuggles in a function or a foreign class is refused before anything in
it is built or run.

:func:`save` also writes the package version into the archive (an extra
member next to skops' own), and :func:`load` refuses a file from another
version unless told otherwise: the fitted attributes of an Elman network are
only meaningful to the code that wrote them.
"""

import json
import os
import zipfile

from sklearn.base import BaseEstimator

from . import _optimizers

_VERSION_MEMBER = "sklearn_simplernn.json"


def _type_name(cls):
    return f"{cls.__module__}.{cls.__name__}"


def trusted_types():
    """This package's public estimator classes and the optimizer state they may hold.

    Fitted estimators hold only numpy arrays and plain Python values, except
    the optimizer of 'sgd' and 'adam' kept for ``partial_fit``: every class of
    ``_optimizers`` is trusted. Estimators are found among the subclasses of
    ``BaseEstimator`` defined in the package, so a new one is trusted as soon
    as the package defines it.
    """
    found = {
        cls for cls in vars(_optimizers).values()
        if isinstance(cls, type) and cls.__module__ == _optimizers.__name__
    }
    stack = [BaseEstimator]
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if cls.__module__.startswith("sklearn_simplernn.") and not cls.__name__.startswith(
                ("_", "Base")
            ):
                found.add(cls)
    return sorted(found, key=_type_name)


def _skops_io():
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            "Saving and loading models needs skops, an optional dependency: install it "
            "with  pip install 'sklearn-simplernn[persistence]'  (or pip install skops)."
        ) from None
    return skops.io


def save(model, path):
    """Save a model (an estimator, or a pipeline around one) to a skops file.

    The file holds no pickle: share it and open it with :func:`load`, which
    rebuilds only trusted types. Needs the ``persistence`` extra
    (``pip install 'sklearn-simplernn[persistence]'``).

    Parameters
    ----------
    model : estimator
        Fitted or not; e.g. a ``SimpleRNNRegressor`` or a ``Pipeline`` of
        ``SequenceScaler`` and ``SimpleRNNRegressor``.
    path : str or path-like
        The file to write (``.skops`` by convention); overwritten if present.

    Returns
    -------
    None

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> import sklearn_simplernn
    >>> from sklearn_simplernn import SimpleRNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.randn(20, 5), rng.randn(20)
    >>> model = SimpleRNNRegressor(n_hidden=3, max_iter=20, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
    >>> sklearn_simplernn.save(model, path)
    >>> loaded = sklearn_simplernn.load(path)
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    from . import __version__

    sio = _skops_io()
    path = os.fspath(path)
    sio.dump(model, path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(_VERSION_MEMBER, json.dumps({"version": __version__}))


def load(path, *, allow_version_mismatch=False):
    """Load a model saved with :func:`save`, rebuilding only trusted types.

    Trusted are scikit-learn's default types (as in ``skops.io.load``) and
    this package's own. A file holding anything else, e.g. a
    ``FunctionTransformer`` around an arbitrary function, is refused before
    any of it is built.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    allow_version_mismatch : bool, default=False
        Load even when the file was written by another version of
        sklearn-simplernn (or its version is unknown). Predictions of such a
        model are not guaranteed to be right.

    Returns
    -------
    model : estimator
        The saved model.

    Raises
    ------
    TypeError
        When the file holds a type outside the trusted set.
    ValueError
        When the file was written by another sklearn-simplernn version and
        ``allow_version_mismatch`` is False.

    Notes
    -----
    If you created a refused file yourself, or fully trust its source, read
    it with ``skops.io.load(path, trusted=[...])`` after reviewing the types
    that ``skops.io.get_untrusted_types(file=path)`` lists. scikit-learn
    itself warns (``InconsistentVersionWarning``) when its version differs
    from the one that saved the model.
    """
    from . import __version__

    sio = _skops_io()
    path = os.fspath(path)
    trusted = [_type_name(cls) for cls in trusted_types()]
    refused = sorted(set(sio.get_untrusted_types(file=path)) - set(trusted))
    if refused:
        raise TypeError(
            f"Refusing to load {path!r}: it holds types that sklearn_simplernn.load does "
            f"not trust: {refused}. load trusts scikit-learn's default types and "
            f"sklearn_simplernn's own. If you made this file yourself or fully trust "
            f"its source, review those types and use skops.io.load(path, trusted=[...])."
        )
    with zipfile.ZipFile(path) as archive:
        try:
            saved = json.loads(archive.read(_VERSION_MEMBER))["version"]
        except KeyError:
            saved = None
    if saved != __version__ and not allow_version_mismatch:
        written_by = (
            f"sklearn-simplernn {saved}" if saved is not None
            else "an unknown sklearn-simplernn version (not by sklearn_simplernn.save)"
        )
        raise ValueError(
            f"{path!r} was written by {written_by}; this is version {__version__}. The "
            f"fitted weights may mean something else here: install the version that wrote "
            f"it, or refit and save again. Pass allow_version_mismatch=True to load anyway."
        )
    return sio.load(path, trusted=trusted)
