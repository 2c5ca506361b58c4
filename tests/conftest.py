"""Shared test configuration: the helpers module is importable from every test file.

The helpers themselves (random problems, the finite-difference gradient
check, a fitted model's theta) live in ``tests/helpers.py``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
