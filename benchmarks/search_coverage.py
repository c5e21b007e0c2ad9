"""How evenly tuitune's quasi-random search covers the space, against seeded random search.

For n points in {16, 32, 64} and d dimensions in {2, 4, 6} (floats on [0, 1], so values are
unit coordinates), it measures the centered L2 discrepancy (``scipy.stats.qmc.discrepancy``,
method "CD"; lower is more even) of the points of a study, median over 20 seeds, for:

* tuitune's quasi-random search (scrambled Halton, :mod:`tuitune.search.quasi_random`);
* tuitune's seeded random search, the baseline every figure is divided by;
* Optuna's default ``QMCSampler`` when optuna is installed (the benchmark's optional extra,
  ``pip install optuna``). Its defaults are kept: an unscrambled Sobol sequence, so its points do
  not depend on the seed, and a first trial drawn at random to learn the search space.

Ratios below 1 mean more even than random. Usage: ``python benchmarks/search_coverage.py
[--seeds N]``. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import numpy as np
from scipy.stats import qmc

from tuitune.domain import Algorithm, Hyperparameter, ParamType, SearchSpace, Study
from tuitune.search import points

SIZES = (16, 32, 64)
DIMS = (2, 4, 6)


def space(d: int) -> SearchSpace:
    return SearchSpace(tuple(Hyperparameter(f"x{i}", ParamType.FLOAT, low=0.0, high=1.0) for i in range(d)))


def tuitune_points(algorithm: Algorithm, n: int, d: int, seed: int) -> np.ndarray:
    study = Study("bench", space(d), algorithm, trials=n, seed=seed)
    return np.array([[pt.params[f"x{i}"] for i in range(d)] for pt in points(study)])


def optuna_points(n: int, d: int, seed: int) -> np.ndarray:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # QMCSampler is marked experimental
        study = optuna.create_study(sampler=optuna.samplers.QMCSampler(seed=seed))
        study.optimize(lambda trial: sum(trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(d)), n_trials=n)
    return np.array([[t.params[f"x{i}"] for i in range(d)] for t in study.trials])


def optuna_status() -> str | None:
    """The installed optuna's version, or ``None`` when it cannot be imported."""
    try:
        import optuna
    except ImportError:
        return None
    return optuna.__version__


def median_discrepancy(make, n: int, d: int, seeds: int) -> float:
    return statistics.median(qmc.discrepancy(make(n, d, s), method="CD") for s in range(seeds))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    optuna_version = optuna_status()
    started = time.perf_counter()
    rows = []
    for d in DIMS:
        for n in SIZES:
            rand = median_discrepancy(lambda n, d, s: tuitune_points(Algorithm.RANDOM, n, d, s), n, d, args.seeds)
            quasi = median_discrepancy(lambda n, d, s: tuitune_points(Algorithm.QUASI_RANDOM, n, d, s), n, d,
                                       args.seeds)
            row = {"n": n, "d": d, "random_cd": rand, "quasi_random_ratio": quasi / rand}
            if optuna_version:
                row["optuna_qmc_ratio"] = median_discrepancy(optuna_points, n, d, args.seeds) / rand
            rows.append(row)
    return {
        "benchmark": "search_coverage",
        "metric": f"centered L2 discrepancy (qmc.discrepancy, method CD), median over {args.seeds} seeds",
        "baseline": "tuitune seeded random search (ratios are method / random; lower is more even)",
        "optuna": (f"optuna {optuna_version}: default QMCSampler (unscrambled Sobol, first trial random)"
                   if optuna_version else "skipped: optuna is not installed (pip install optuna)"),
        "results": rows,
        "quasi_random_beats_random_everywhere": all(r["quasi_random_ratio"] < 1 for r in rows),
        "seconds": round(time.perf_counter() - started, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
