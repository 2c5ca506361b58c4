"""Project tasks that work on a fresh machine with only Python 3 and pip.

    python3 dev.py demo    # train and evaluate on a real stock series (S&P 500)
    python3 dev.py test    # the whole test suite (both environments below)
    python3 dev.py docs    # build the HTML documentation
    python3 dev.py bench   # benchmarks against PyTorch (installs the CPU build)
    python3 dev.py interop # the tests with sktime, skforecast and MAPIE

Each task creates (or reuses) the virtual environment ``.venv`` in the
repository and installs the package with the extras the task needs, so that
nothing touches the system Python. ``test`` installs the pinned CPU build of
torch too: the tests compare predictions and gradients with PyTorch's. ``interop`` uses its own environment,
``.venv-interop``: skforecast needs pandas < 3, and the rest of the suite runs
on the newest pandas.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENVS = {"interop": ROOT / ".venv-interop"}

EXTRAS = {
    "demo": "examples",
    "test": "tests,examples,persistence,distributed,benchmarks",
    "docs": "docs",
    "bench": "benchmarks",
    "interop": "tests,persistence,interop",
}


def run(*args, **kwargs):
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def python_of(task):
    """The interpreter of the task's virtual environment."""
    env_dir = VENVS.get(task, ROOT / ".venv")
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    return env_dir, bin_dir / ("python.exe" if os.name == "nt" else "python")


def ensure_env(task):
    env_dir, python = python_of(task)
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "-e", f".[{EXTRAS[task]}]")
    return python


def main(argv):
    task = argv[1] if len(argv) > 1 else "help"
    if task not in EXTRAS:
        print(__doc__)
        return 0 if task == "help" else 2
    PYTHON = ensure_env(task)
    env = dict(os.environ, MPLBACKEND="Agg")
    if task == "demo":
        run(PYTHON, "examples/plot_stock_sp500.py", env=env)
    elif task == "test":
        if argv[2:]:  # a developer's selection: run it as given, in .venv
            run(PYTHON, "-m", "pytest", *argv[2:], env=env)
        else:
            run(PYTHON, "-m", "pytest", "--ignore=tests/test_interop.py", env=env)
            run(ensure_env("interop"), "-m", "pytest", "tests/test_interop.py", env=env)
    elif task == "docs":
        # Extra arguments go to Sphinx, e.g. -D plot_gallery=0 to skip running the examples.
        run(PYTHON, "-m", "sphinx", "-W", "-b", "html", *argv[2:], "docs", "docs/_build/html",
            env=env)
    elif task == "bench":
        run(PYTHON, "benchmarks/bench_vs_torch.py", *argv[2:], env=env)
    elif task == "interop":
        run(PYTHON, "-m", "pytest", "tests/test_interop.py", *argv[2:], env=env)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
