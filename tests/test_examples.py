"""Every example script runs to the end and saves its figures.

This is where the examples run in CI (``python3 dev.py test``); the CI
documentation build renders the gallery without executing them
(``-D plot_gallery=0``), while ``python3 dev.py docs`` executes them all.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def test_examples_are_found():
    """The glob below finds the gallery, so an empty parametrisation cannot pass silently."""
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_saves_its_figures(example, tmp_path):
    """The script exits 0, writes at least one PNG, and no warning of ours reaches stderr.

    Examples that cap the iterations on purpose say so and silence the
    ConvergenceWarning themselves; anything else of ours would be noise that
    teaches users to ignore warnings.
    """
    # A copy in a fresh directory: the figures go to tmp_path/output, not to
    # the repository, and a stale PNG cannot make the test pass.
    script = tmp_path / example.name
    shutil.copy(example, script)
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (
        f"{example.name} exited with {result.returncode}\n--- stdout ---\n"
        f"{result.stdout[-3000:]}\n--- stderr ---\n{result.stderr[-3000:]}"
    )
    # Users learn to ignore a warning that fires on the documented examples.
    ours = [line for line in result.stderr.splitlines()
            if "ConvergenceWarning" in line or "DataScaleWarning" in line
            or ("sklearn_simplernn" in line and "Warning" in line)]
    assert not ours, f"{example.name} warns:\n" + "\n".join(ours)
    pngs = sorted(p.name for p in (tmp_path / "output").glob("*.png"))
    assert pngs, f"{example.name} saved no PNG in its output/ directory"
