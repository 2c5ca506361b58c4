"""The code of the README and of the first documentation pages runs as written, without a warning.

A warning that fires on the documented examples teaches users to ignore
warnings, so the snippets run with every warning turned into an error.
"""

import re
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _markdown_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def _rst_blocks(path):
    found = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)",
                       path.read_text(encoding="utf-8"))
    return [textwrap.dedent(block) for block in found]


PAGES = {
    "README.md": _markdown_blocks(ROOT / "README.md"),
    "docs/index.rst": _rst_blocks(ROOT / "docs" / "index.rst"),
    "docs/getting_started.rst": _rst_blocks(ROOT / "docs" / "getting_started.rst"),
}
CASES = [(page, k) for page, blocks in PAGES.items() for k in range(len(blocks))]


def test_snippets_are_found():
    """The patterns find the pages' Python blocks, so the test below cannot pass empty."""
    assert len(PAGES["README.md"]) >= 2
    assert all(PAGES.values())


@pytest.mark.parametrize("page, index", CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_snippet_runs_without_warnings(page, index):
    """Each Python block (run after the blocks before it on its page) raises and warns nothing."""
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k, block in enumerate(PAGES[page][: index + 1]):
            exec(compile(block, f"{page} block {k}", "exec"), namespace)
