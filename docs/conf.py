"""Sphinx configuration: numpydoc API pages and the sphinx-gallery example gallery.

Build with ``python3 dev.py docs`` (or ``python -m sphinx -W -b html docs
docs/_build/html`` after ``pip install -e '.[docs]'``). The build executes
every ``examples/plot_*.py``; a failing example fails the build. Add
``-D plot_gallery=0`` to render the gallery without running the examples (as
CI does: they already ran in ``tests/test_examples.py``).
"""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Document the checkout being built, installed or not.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_simplernn  # noqa: E402

project = "sklearn-simplernn"
author = "the sklearn-simplernn developers"
copyright = "the sklearn-simplernn developers"
release = sklearn_simplernn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
html_title = f"sklearn-simplernn {release}"
html_theme_options = {
    "description": "A simple (Elman) RNN for scikit-learn, with BPTT written out",
    "fixed_sidebar": True,
}

# -- autodoc / autosummary / numpydoc -------------------------------------
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
# Class pages list their methods through the autosummary template, not numpydoc.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- sphinx-gallery --------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # execute every plot_*.py
    "ignore_pattern": r"__init__\.py",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "capture_repr": (),
}


# -- docstring fixes -------------------------------------------------------
# Docstrings name fitted attributes in plain text, e.g. "of shape
# (n_step_features_, n_hidden)" or "n_outputs_ = 1"; in reStructuredText a
# word with a trailing underscore is a link to a target of that name. Escape
# the underscore (outside backticks, literal blocks, doctests and numpydoc
# item names) so the name is printed as written.
_TRAILING_UNDERSCORE = re.compile(r"(?<![\w\\])([A-Za-z]\w*?)_(?!\w)")
_BACKTICKS = re.compile(r"(``.*?``|`[^`]*`)")
_ITEM = re.compile(r"^(\s*[\w*][\w*, ]*?\s:\s?)(.*)$")
# scikit-learn's inherited docstrings (score, get_params, ...) point into
# scikit-learn's documentation with :ref:, which is not part of this build.
_REF = re.compile(r":ref:`([^`<]*?)\s*(?:<[^`>]*>)?`")


def _escape(text):
    parts = _BACKTICKS.split(text)
    parts[::2] = [_TRAILING_UNDERSCORE.sub(r"\1\\_", part) for part in parts[::2]]
    return "".join(parts)


def _fix_docstring(app, what, name, obj, options, lines):
    from_sklearn = getattr(obj, "__module__", "").startswith("sklearn.")
    literal_indent = None  # indent of the paragraph that opened a literal block
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None and stripped and indent <= literal_indent:
            literal_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
        elif not stripped:
            in_doctest = False
        if literal_indent is None and not in_doctest:
            item = _ITEM.match(line)
            if item:
                line = item.group(1) + _escape(item.group(2))
            else:
                line = _escape(line)
            if stripped.endswith("::"):
                literal_indent = indent
        if from_sklearn:
            line = _REF.sub(lambda m: f"``{m.group(1)}``", line)
        lines[i] = line


def setup(app):
    # Before numpydoc (priority 500) turns the sections into reStructuredText.
    app.connect("autodoc-process-docstring", _fix_docstring, priority=400)
