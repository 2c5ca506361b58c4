"""Safe saving and loading with skops: no pickle, and only known types are rebuilt.

A skops file describes every object it holds by its type, and ``skops.io.load``
refuses to rebuild a type it was not told to trust. :func:`load` trusts
skops' default set (scikit-learn's estimators, numpy and scipy containers,
builtins) and, on top of it, exactly these (:func:`trusted_types`):

- this package's public estimators and transformers, from every module of
  the package whether or not it has been imported yet (e.g.
  ``preprocessing.SequenceScaler``), and its optimizer classes, whose state a
  model fitted with ``solver='sgd'`` or ``'adam'`` keeps for ``partial_fit``;
- what a fitted scikit-learn search (``GridSearchCV``, ``RandomizedSearchCV``)
  over such a model holds: every public cross-validation splitter of
  scikit-learn (``KFold``, ``TimeSeriesSplit``, ``ShuffleSplit``, ...), its
  scorer classes, and the metric functions behind its named scorers (those of
  ``sklearn.metrics.get_scorer_names()``, so ``scoring='r2'`` or
  ``'neg_mean_squared_error'``). These are read from the installed
  scikit-learn, so they follow its version.

Nothing else. Any other function (the ``func`` of a ``FunctionTransformer``,
your own metric in ``make_scorer``, a callable ``refit``) and any other class
(e.g. a ``scipy.stats`` distribution in ``RandomizedSearchCV``) is refused:
:func:`load` refuses a file holding one before anything in it is built or
run, and :func:`save` refuses to write such a file in the first place.

:func:`save` also writes the package version into the archive (an extra
member next to skops' own), and :func:`load` refuses a file from another
version unless told otherwise: the fitted attributes of an Elman network are
only meaningful to the code that wrote them.
"""

import functools
import importlib
import inspect
import io
import json
import os
import pkgutil
import zipfile

from sklearn.base import BaseEstimator

_VERSION_MEMBER = "sklearn_simplernn.json"

# What load accepts, as its errors (and save's) say it.
_TRUSTED_TEXT = (
    "load trusts scikit-learn's default types, its cross-validation splitters, scorers "
    "and the metrics of its named scorers, and sklearn_simplernn's own."
)
_PACKAGE = __name__.rpartition(".")[0]
# scikit-learn's scorer classes: what a search's ``scorer_`` and ``scoring`` hold.
_SCORER_CLASSES = ("_PassthroughScorer", "_Scorer", "_MultimetricScorer")


def _type_name(obj):
    # The name skops records for a class or function (and matches ``trusted`` against).
    return f"{obj.__module__}.{obj.__name__}"


def _package_types():
    """Public estimator classes of every module of the package, and its optimizers."""
    package = importlib.import_module(_PACKAGE)
    # Import every module: a class is trusted whether or not the program that
    # loads a file has imported its module yet.
    modules = [package] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, f"{_PACKAGE}.")
    ]
    found = []
    for module in modules:
        for name, obj in vars(module).items():
            if not isinstance(obj, type) or obj.__module__ != module.__name__:
                continue
            if module.__name__ == f"{_PACKAGE}._optimizers" or (
                issubclass(obj, BaseEstimator) and not name.startswith(("_", "Base"))
            ):
                found.append(obj)
    return found


def _sklearn_splitters():
    """scikit-learn's public cross-validation splitter classes."""
    from sklearn.model_selection import _split

    return [
        cls for name, cls in vars(_split).items()
        if isinstance(cls, type) and cls.__module__ == _split.__name__
        and not name.startswith(("_", "Base"))
        and callable(getattr(cls, "split", None)) and callable(getattr(cls, "get_n_splits", None))
    ]


def _sklearn_scorers():
    """scikit-learn's scorer classes and the metric functions of its named scorers."""
    from sklearn.metrics import _scorer, get_scorer, get_scorer_names

    found = [getattr(_scorer, name) for name in _SCORER_CLASSES if hasattr(_scorer, name)]
    for scoring in get_scorer_names():
        func = getattr(get_scorer(scoring), "_score_func", None)
        # Only a plain scikit-learn function that its module's name resolves to:
        # skops rebuilds a function by looking its name up in its module.
        if (inspect.isfunction(func) and func.__module__.startswith("sklearn.")
                and getattr(importlib.import_module(func.__module__), func.__name__, None)
                is func):
            found.append(func)
    return found


@functools.lru_cache(maxsize=None)
def trusted_types():
    """Names of the types :func:`load` trusts on top of skops' defaults.

    Returns
    -------
    names : tuple of str
        Sorted ``module.name`` of each trusted class or function, as skops
        reports them:

        - this package's public estimators and transformers (the public
          subclasses of ``BaseEstimator`` defined in any of its modules, all
          of which are imported first) and every class of ``_optimizers``
          (the state of 'sgd' and 'adam' kept for ``partial_fit``);
        - scikit-learn's public cross-validation splitters (the public classes
          of ``sklearn.model_selection._split`` with ``split`` and
          ``get_n_splits``);
        - scikit-learn's scorer classes ``_PassthroughScorer``, ``_Scorer`` and
          ``_MultimetricScorer`` (those that exist in the installed version);
        - the metric function of each scorer named in
          ``sklearn.metrics.get_scorer_names()``, e.g.
          ``sklearn.metrics._regression.mean_squared_error``.

    Notes
    -----
    :class:`~sklearn_simplernn.preprocessing.Windows` is not trusted: it is a
    data set, not part of a model, and skops cannot store the pandas indexes
    it holds.
    """
    objects = _package_types() + _sklearn_splitters() + _sklearn_scorers()
    return tuple(sorted({_type_name(obj) for obj in objects}))


def _refused(untrusted):
    """The names among skops' untrusted ones that :func:`load` does not trust either."""
    return sorted(set(untrusted) - set(trusted_types()))


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
    """Save a model (an estimator, a pipeline or a search around one) to a skops file.

    The file holds no pickle: share it and open it with :func:`load`, which
    rebuilds only trusted types (see :func:`trusted_types`). A model holding
    anything :func:`load` would refuse is refused here, before any file is
    written. Needs the ``persistence`` extra
    (``pip install 'sklearn-simplernn[persistence]'``).

    Parameters
    ----------
    model : estimator
        Fitted or not; e.g. a ``SimpleRNNRegressor``, a ``Pipeline`` of
        ``SequenceScaler`` and ``SimpleRNNRegressor``, or a ``GridSearchCV``
        over that pipeline with a scikit-learn splitter (``TimeSeriesSplit``)
        and a named ``scoring`` (``'neg_mean_squared_error'``).
    path : str or path-like
        The file to write (``.skops`` by convention); overwritten if present.

    Returns
    -------
    None

    Raises
    ------
    TypeError
        When the model holds a type :func:`load` does not trust, e.g. a
        ``FunctionTransformer`` around your own function or a scorer made
        with ``make_scorer`` from your own metric. Nothing is written then,
        and a file already at ``path`` is left as it was.

    See Also
    --------
    load : Read the file back.

    Notes
    -----
    To store a model holding other types anyway, write it with
    ``skops.io.dump(model, path)`` and read it with
    ``skops.io.load(path, trusted=[...])``, listing the types you reviewed.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> import sklearn_simplernn
    >>> from sklearn_simplernn import SimpleRNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(20, 5)
    >>> y = X[:, -1]  # the newest step
    >>> model = SimpleRNNRegressor(n_hidden=3, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
    >>> sklearn_simplernn.save(model, path)
    >>> loaded = sklearn_simplernn.load(path)
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    from . import __version__

    sio = _skops_io()
    path = os.fspath(path)
    data = sio.dumps(model)
    refused = _refused(sio.get_untrusted_types(data=data))
    if refused:
        raise TypeError(
            f"Not saving to {path!r}: the model holds types that sklearn_simplernn.load "
            f"does not trust, so it could not read the file back: {refused}. "
            f"{_TRUSTED_TEXT} Replace them (e.g. scoring='neg_mean_squared_error' instead of a "
            f"scorer made from your own function), or, to keep them, write the file "
            f"with skops.io.dump(model, path) and read it with "
            f"skops.io.load(path, trusted=[...]) listing the types you reviewed."
        )
    archive_bytes = io.BytesIO(data)
    with zipfile.ZipFile(archive_bytes, "a") as archive:
        archive.writestr(_VERSION_MEMBER, json.dumps({"version": __version__}))
    # The archive is complete before the file is opened: a failure above
    # leaves a file already at ``path`` as it was.
    with open(path, "wb") as file:
        file.write(archive_bytes.getvalue())


def load(path, *, allow_version_mismatch=False):
    """Load a model saved with :func:`save`, rebuilding only trusted types.

    Trusted are skops' default types (scikit-learn's estimators, numpy and
    scipy containers, builtins), this package's public estimators,
    transformers and optimizers, and scikit-learn's cross-validation
    splitters, scorer classes and the metric functions of its named scorers
    (see :func:`trusted_types`), so a fitted ``GridSearchCV`` with
    ``cv=TimeSeriesSplit(...)`` and ``scoring='r2'`` loads. A file holding
    anything else, e.g. a ``FunctionTransformer`` around an arbitrary
    function, is refused before any of it is built.

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
    refused = _refused(sio.get_untrusted_types(file=path))
    if refused:
        raise TypeError(
            f"Refusing to load {path!r}: it holds types that sklearn_simplernn.load does "
            f"not trust: {refused}. {_TRUSTED_TEXT} If you made this file yourself or "
            f"fully trust its source, review those types and use "
            f"skops.io.load(path, trusted=[...])."
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
    return sio.load(path, trusted=list(trusted_types()))
