"""The README's usage snippets run as written, without a single warning.

A warning that fires on the documented examples teaches users to ignore
warnings, so the snippets run with every warning turned into an error.
"""

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_usage_snippets():
    """The pattern finds the README's Python blocks, so the test below cannot pass empty."""
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_snippet_runs_without_warnings(index, capsys):
    """Each Python block of the README (run in order, sharing names) raises and warns nothing."""
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Earlier blocks define names later ones use (SimpleRNNRegressor).
        for block in BLOCKS[: index + 1]:
            exec(compile(block, f"README.md block {index}", "exec"), namespace)
