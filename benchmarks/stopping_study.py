"""When should L-BFGS end a fit? Stopping rules compared on the accuracy study's sets.

The default solver, L-BFGS-B, stops at the first of: the projected gradient
below ``tol`` (CONVERGENCE), an iteration lowering J by less than ``ftol``
relative to ``max(|J|, 1)`` (CONVERGENCE), ``max_iter`` iterations (STOP), or a
line search that finds no acceptable step within ``maxls`` evaluations
(ABNORMAL). The last two end the fit with a ConvergenceWarning.

Each candidate changes only these rules: ``ftol`` and ``maxls`` through the
module constants of ``sklearn_simplernn._training`` (an absolute ``ftol`` is
set as ``ftol / tol`` at the estimators' ``tol``), ``max_iter`` as an estimator
parameter, and two rules that wrap ``scipy.optimize.minimize``: scikit-learn
MLP's ``n_iter_no_change`` rule on the training loss, and one restart of L-BFGS
after an ABNORMAL line search. "former" is the rule the package had before
``ftol = min(tol / 100, 1e-6)``, ``maxls=100`` and ``max_iter=1000``: ``ftol = 64 eps``
(the gradient test alone decides), ``maxls=20``, ``max_iter=200``. "current
defaults" patches nothing.

The sets, splits and pipelines are those of ``benchmarks/accuracy_study.py``:
four regression sets (``make_pipeline(SequenceScaler(), SimpleRNNRegressor())``
inside a ``TransformedTargetRegressor``, scored by test RMSE) and six
classification sets (``make_pipeline(SequenceScaler(), SimpleRNNClassifier())``,
scored by accuracy), each fitted with seeds 0..N-1 on one BLAS thread. Every
fit records its score, ConvergenceWarnings, how L-BFGS ended (scipy's
message, printed as "gradient" or "ftol" for CONVERGENCE, "max_iter",
"ABNORMAL", "held-out" where early_stopping's validation score ended the fit,
"STALL" for the MLP rule), ``n_iter_`` and its time.

Run:  python benchmarks/stopping_study.py [--quick] [--seeds 5] [--only NAME ...]
                                          [--candidates LABEL ...] [--out results.json]

All twelve candidates with 5 seeds take roughly 13 minutes on one core;
"former" and "current defaults" alone under 3 minutes; ``--quick`` (1 seed,
3 small sets) under half a minute. The script prints one line per set and
candidate, then a summary against "former": ConvergenceWarnings and ABNORMAL
stops over all fits, the worst change of the mean RMSE (in %) and of the mean
accuracy over the sets, and the total fit time; then the current defaults per
set.
"""

import argparse
import contextlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
import scipy.optimize
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

import sklearn_simplernn._training as _training
from sklearn_simplernn import SimpleRNNClassifier, SimpleRNNRegressor
from sklearn_simplernn.preprocessing import SequenceScaler

sys.path.insert(0, os.path.dirname(__file__))
import accuracy_study as A  # noqa: E402

REGRESSION = ["co2_monthly", "sunspots", "airline", "sp500_return"]
CLASSIFICATION = ["italy_power", "gunpoint", "basic_motions", "arrowhead", "pickup_gesture",
                  "japanese_vowels"]
QUICK = ["airline", "italy_power", "japanese_vowels"]

# The estimators' tol, at which an absolute ftol is converted to the package's
# ftol-per-tol constant.
TOL = SimpleRNNRegressor().tol
assert SimpleRNNClassifier().tol == TOL
FORMER_FTOL = 64 * np.finfo(float).eps


@dataclass
class Candidate:
    """A stopping rule; None and empty fields keep the package's defaults."""

    ftol: float = None  # L-BFGS-B's relative-reduction stop, absolute (at tol=TOL)
    maxls: int = None  # line-search evaluations per iteration
    params: dict = field(default_factory=dict)  # estimator parameters (max_iter)
    stall: tuple = None  # (tol, n_iter_no_change) of scikit-learn MLP's rule
    restart: bool = False  # restart L-BFGS once from where a line search failed


FORMER = {"ftol": FORMER_FTOL, "maxls": 20, "params": {"max_iter": 200}}
CANDIDATES = {
    "former": Candidate(**FORMER),
    "max_iter=500": Candidate(**{**FORMER, "params": {"max_iter": 500}}),
    "ftol=1e-8": Candidate(**{**FORMER, "ftol": 1e-8}),
    "ftol=1e-7": Candidate(**{**FORMER, "ftol": 1e-7}),
    "ftol=1e-6": Candidate(**{**FORMER, "ftol": 1e-6}),
    "ftol=1e-5": Candidate(**{**FORMER, "ftol": 1e-5}),
    "ftol=1e-6,maxls=100": Candidate(**{**FORMER, "ftol": 1e-6, "maxls": 100}),
    "ftol=1e-5,maxls=100": Candidate(**{**FORMER, "ftol": 1e-5, "maxls": 100}),
    "ftol=1e-6,maxls=100,max_iter=500": Candidate(ftol=1e-6, maxls=100,
                                                  params={"max_iter": 500}),
    # Stop after 11 iterations in a row that lower the best training loss by
    # less than 1e-4, reported as converged.
    "stall(1e-4,10)": Candidate(**FORMER, stall=(1e-4, 10)),
    "ftol=1e-6,restart-abnormal": Candidate(**{**FORMER, "ftol": 1e-6}, restart=True),
    "current defaults": Candidate(),
}


# ---------------------------------------------------------------------------
# Stopping rules


def stop_tag(message):
    """A short name for how a fit ended, from scipy's message."""
    message = str(message)
    if message.startswith("CONVERGENCE"):
        return "gradient" if "GRADIENT" in message else "ftol"
    if message.startswith("STOP"):
        return "max_iter" if "ITERATIONS" in message else "max_fun"
    if message.startswith("`callback`"):
        return "held-out"  # early_stopping's validation score stalled
    return message.split(":")[0]  # ABNORMAL, STALL, ...


def _minimize(candidate, stops, minimize, fun, x0, **kwargs):
    """``scipy.optimize.minimize`` with the candidate's extra rules; records the end of each fit."""
    stalled = False
    if candidate.stall is not None:
        tol, n_iter_no_change = candidate.stall
        inner, state = kwargs["callback"], {"best": np.inf, "count": 0}

        # scipy passes the iterate's loss to a callback with this one argument.
        def callback(intermediate_result):
            nonlocal stalled
            inner(np.copy(intermediate_result.x))
            loss = intermediate_result.fun
            state["count"] = state["count"] + 1 if loss > state["best"] - tol else 0
            state["best"] = min(state["best"], loss)
            if state["count"] > n_iter_no_change:
                stalled = True
                raise StopIteration

        kwargs = {**kwargs, "callback": callback}
    opt = minimize(fun, x0, **kwargs)
    if stalled:
        opt.success, opt.message = True, "STALL: no improvement of the training loss"
    if candidate.restart and str(opt.message).startswith("ABNORMAL"):
        # Fresh L-BFGS memory from the point where the line search failed, for
        # the iterations left.
        nit = opt.nit
        options = {**kwargs["options"], "maxiter": max(1, kwargs["options"]["maxiter"] - nit)}
        opt = minimize(fun, opt.x, **{**kwargs, "options": options})
        opt.nit += nit
    stops.append(str(opt.message))
    return opt


@contextlib.contextmanager
def stopping_rule(candidate, stops):
    """Within the block, fits use the candidate's rule and append scipy's message to stops."""
    saved = (_training._LBFGS_FTOL_PER_TOL, _training._LBFGS_FTOL_MAX, _training._LBFGS_MAXLS,
             scipy.optimize.minimize)
    if candidate.ftol is not None:
        _training._LBFGS_FTOL_PER_TOL = candidate.ftol / TOL
        _training._LBFGS_FTOL_MAX = np.inf
    if candidate.maxls is not None:
        _training._LBFGS_MAXLS = candidate.maxls
    scipy.optimize.minimize = lambda fun, x0, **kwargs: _minimize(
        candidate, stops, saved[3], fun, x0, **kwargs)
    try:
        yield
    finally:
        (_training._LBFGS_FTOL_PER_TOL, _training._LBFGS_FTOL_MAX, _training._LBFGS_MAXLS,
         scipy.optimize.minimize) = saved


# ---------------------------------------------------------------------------
# Running


def run(ds, regression, candidate, seeds):
    """Fit one set once per seed under one candidate; the record of the fits."""
    counts, scores, times, n_iter, stops = {}, [], [], [], []
    for s in seeds:
        if regression:
            model = A.rnn_regressor(s, **candidate.params)
        else:
            model = make_pipeline(SequenceScaler(),
                                  SimpleRNNClassifier(random_state=s, **candidate.params))
        messages = []
        with stopping_rule(candidate, messages), A.counting_warnings(counts):
            start = time.perf_counter()
            model.fit(ds.X_train, ds.y_train)
            times.append(time.perf_counter() - start)
        pred = model.predict(ds.X_test)
        scores.append(A.rmse(ds.y_test, pred) if regression
                      else accuracy_score(ds.y_test, pred))
        n_iter.append(int((model.regressor_ if regression else model)[-1].n_iter_))
        stops.append(" / ".join(messages))
    return {"metric": "rmse" if regression else "accuracy",
            "mean": float(np.mean(scores)), "std": float(np.std(scores)), "scores": scores,
            "convergence_warnings": counts.get("convergence", 0), "stops": stops,
            "n_iter": n_iter, "seconds": times, "seconds_per_fit": float(np.mean(times))}


def tags(rec):
    return [stop_tag(m) for m in rec["stops"]]


def print_record(name, label, rec):
    n = len(rec["scores"])
    ends = Counter(tags(rec))
    print(f"{name:<16} {label:<33} {rec['mean']:8.4g} +- {rec['std']:<8.2g} "
          f"CW {rec['convergence_warnings']}/{n}  {rec['seconds_per_fit']:6.2f} s/fit  "
          f"n_iter {rec['n_iter']}  ends: {', '.join(f'{t} {c}' for t, c in ends.items())}",
          flush=True)


# ---------------------------------------------------------------------------
# Summary


def summarise(results, sets):
    """Per candidate: warnings, ABNORMAL stops, worst changes and time against "former"."""
    former = results.get("former")
    out = {}
    for label, per_set in results.items():
        recs = [per_set[n] for n in sets]
        row = {
            "fits": sum(len(r["scores"]) for r in recs),
            "convergence_warnings": sum(r["convergence_warnings"] for r in recs),
            "abnormal": sum(t == "ABNORMAL" for r in recs for t in tags(r)),
            "seconds": sum(sum(r["seconds"]) for r in recs),
        }
        if former is not None:
            rmse = {n: 100 * (per_set[n]["mean"] / former[n]["mean"] - 1)
                    for n in sets if per_set[n]["metric"] == "rmse"}
            acc = {n: per_set[n]["mean"] - former[n]["mean"]
                   for n in sets if per_set[n]["metric"] == "accuracy"}
            if rmse:
                worst = max(rmse, key=rmse.get)
                row["worst_rmse_change_pct"] = (rmse[worst], worst)
            if acc:
                worst = min(acc, key=acc.get)
                row["worst_accuracy_change"] = (acc[worst], worst)
            row["time_vs_former"] = row["seconds"] / sum(
                sum(former[n]["seconds"]) for n in sets)
        out[label] = row
    return out


def print_summary(summary, results, sets):
    print("\n== Summary: all sets; changes of the mean score over the seeds against \"former\", "
          "at the worst set; time = total fit time")
    print(f"{'candidate':<33} {'CW':>9} {'ABNORMAL':>8} {'worst RMSE change':>26} "
          f"{'worst accuracy change':>27} {'fit time':>8} {'(s)':>6}")
    for label, row in summary.items():
        rmse = row.get("worst_rmse_change_pct")
        acc = row.get("worst_accuracy_change")
        ratio = row.get("time_vs_former")
        same = label == "former"
        print(f"{label:<33} {row['convergence_warnings']:>3} of {row['fits']:<3} "
              f"{row['abnormal']:>8} "
              f"{'-' if same or rmse is None else f'{rmse[0]:+.1f}% ({rmse[1]})':>26} "
              f"{'-' if same or acc is None else f'{acc[0]:+.3f} ({acc[1]})':>27} "
              f"{'-' if ratio is None else f'{ratio:.2f}x':>8} "
              f"{row['seconds']:>6.0f}")
    current = results.get("current defaults")
    if current is None:
        return
    print(f"\n== current defaults (ftol = min({_training._LBFGS_FTOL_PER_TOL:g} * tol, "
          f"{_training._LBFGS_FTOL_MAX:g}), "
          f"maxls={_training._LBFGS_MAXLS}, max_iter={SimpleRNNRegressor().max_iter})")
    for name in sets:
        rec = current[name]
        print(f"   {name:<16} {rec['metric']:<8} {rec['mean']:8.4g} +- {rec['std']:<8.2g} "
              f"CW {rec['convergence_warnings']}/{len(rec['scores'])}  "
              f"longest n_iter {max(rec['n_iter'])}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 3 small sets")
    parser.add_argument("--seeds", type=int, default=None,
                        help="seeds per set (default 5, or 1 with --quick)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these sets")
    parser.add_argument("--candidates", nargs="+", metavar="LABEL",
                        help=f"run only these candidates, of {list(CANDIDATES)}")
    parser.add_argument("--out", help="write all results to this JSON file")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds if args.seeds is not None else (1 if args.quick else 5)))
    sets = args.only or (QUICK if args.quick else REGRESSION + CLASSIFICATION)
    labels = args.candidates or list(CANDIDATES)
    unknown = [n for n in sets if n not in REGRESSION + CLASSIFICATION]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; known: {REGRESSION + CLASSIFICATION}")
    unknown = [c for c in labels if c not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidate(s) {unknown}; known: {list(CANDIDATES)}")
    reg_loaders, cls_loaders = A.load_regression_sets(), A.load_classification_sets()

    # One BLAS thread, set after every library is loaded, as in the accuracy study.
    threadpool_limits(1)
    print(f"{len(sets)} sets, seeds {seeds}, tol={TOL:g}; candidates: {labels}")
    start = time.perf_counter()
    results = {label: {} for label in labels}
    for name in sets:
        regression = name in REGRESSION
        ds = reg_loaders[name]() if regression else cls_loaders[name]()
        for label in labels:
            rec = results[label][name] = run(ds, regression, CANDIDATES[label], seeds)
            print_record(name, label, rec)
    summary = summarise(results, sets)
    print_summary(summary, results, sets)
    print(f"\nTotal {time.perf_counter() - start:.0f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"seeds": seeds, "tol": TOL, "sets": sets,
                       "candidates": {label: asdict(CANDIDATES[label]) for label in labels},
                       "results": results, "summary": summary}, f, indent=1)


if __name__ == "__main__":
    main()
