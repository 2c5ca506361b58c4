"""Peak memory of full-batch L-BFGS on 200,000 sequences, and a 10,000-step sequence.

The full-batch objective sums J and its gradient over chunks of sequences, so
the hidden-state cache (and the BPTT scratch) is bounded by one chunk
(``_objective._CHUNK_BYTES`` per buffer), whatever the number of sequences.
Fitting 200,000 sequences of length 50 with n_hidden=64 by L-BFGS should need
no more than about 1 GB beyond the data itself.

Each case runs in a fresh subprocess and reports its peak resident set size
(``ru_maxrss``) minus the RSS after the data was built (interpreter, numpy,
scikit-learn and the data itself), i.e. what fitting adds.

    python benchmarks/bench_memory.py            # both cases, float64
    python benchmarks/bench_memory.py --dtype float32
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time, warnings
sys.path.insert(0, {root!r})
import numpy as np
from sklearn_simplernn import SimpleRNNRegressor

def rss_mb():
    # Current RSS from /proc (ru_maxrss is the peak).
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

case, dtype = {case!r}, {dtype!r}
rng = np.random.RandomState(0)
if case == "many":
    N, T, H, iters = 200_000, 50, 64, 3
else:
    N, T, H, iters = 4, 10_000, 32, 3
X = rng.standard_normal((N, T, 1)).astype(dtype)
y = (0.5 * X[:, -5:, 0].sum(axis=1) + 0.1 * rng.standard_normal(N)).astype(dtype)
import sklearn_simplernn._training  # noqa: imports done before the baseline
base = rss_mb()
peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
model = SimpleRNNRegressor(n_hidden=H, solver="lbfgs", max_iter=iters, alpha=0.0,
                           early_stopping=False, random_state=0)
t0 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model.fit(X, y)
elapsed = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(dict(case=case, N=N, T=T, H=H, dtype=dtype, data_mb=X.nbytes / 2**20,
                      base_mb=base, peak_mb=peak, peak_before_fit_mb=peak_before,
                      added_mb=peak - base, seconds=elapsed, n_iter=model.n_iter_,
                      loss=float(model.loss_), finite=bool(np.isfinite(model.loss_)))))
"""


def run(case, dtype):
    code = CHILD.format(root=str(ROOT), case=case, dtype=dtype)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    args = parser.parse_args(argv)
    print(f"{'case':<32} {'data MB':>8} {'RSS before fit':>15} {'peak RSS':>9} "
          f"{'added by fit':>13} {'time s':>7}  result")
    for case, label in [("many", "200,000 x 50 steps, H=64"), ("long", "4 x 10,000 steps, H=32")]:
        r = run(case, args.dtype)
        verdict = ""
        if case == "many":
            verdict = "within 1 GB" if r["added_mb"] <= 1024 else "OVER 1 GB"
        print(f"{label:<32} {r['data_mb']:8.0f} {r['base_mb']:13.0f}MB {r['peak_mb']:7.0f}MB "
              f"{r['added_mb']:11.0f}MB {r['seconds']:7.1f}  {r['n_iter']} L-BFGS iterations, "
              f"loss {r['loss']:.4f}{'' if r['finite'] else ' (NOT FINITE)'} {verdict}",
              flush=True)


if __name__ == "__main__":
    main()
