"""Composite-index hot paths, each timed against a straightforward baseline in the same run.

(a) ``bench_reaggregation``: re-aggregating the NATSAM index after a weight change (290 municipalities
    x the catalog's scored indicators in 8 pillars, built from the demo panel with ``Coin.from_panel``).
    Fast path: the precomputed ``AggregationPlan`` and ``aggregate_array`` (numpy only), including the
    conversion of the new weights to a vector. Baselines: the pandas-level ``steps.aggregate`` (which
    also builds the plan each time) and ``Coin.regenerate`` (replays every step). Target: <= 2 ms.

(b) ``bench_monte_carlo``: an uncertainty analysis of 1,000 Monte Carlo runs with COINr's four
    assumptions (winsorisation limit 1-5; min-max [1, 100] vs z-score mean 10 sd 2; +-25 % uniform
    noise on the weights of two levels; arithmetic vs geometric mean), on COINr's example (51 countries,
    49 indicators; needs the shared reference folder, skipped with a message without it) and on the
    NATSAM index (all 290 municipalities, as in (a)). Fast path: ``uncertainty.monte_carlo`` (one
    rebuild per winsorisation x normalisation combination, every run aggregated at once). Baseline:
    ``Coin.regenerate`` once per run (what COINr's ``get_sensitivity`` does), timed on a few runs and
    extrapolated to 1,000. Target: <= 1 s per case.

Run every bench, or some by name::

    .venv/bin/python benchmarks/composite.py [--runs 200] [--only reaggregation]

Add a bench by writing ``bench_<name>(args) -> bool`` (True when its target is met) and listing it in
``BENCHES``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from natsam_analysis import config
from natsam_analysis.composite import AggregationPlan, Coin, aggregate, aggregate_array, build_index
from natsam_analysis.composite.uncertainty import (
    AggregationAlternatives,
    WeightNoise,
    monte_carlo,
    normalisation_alternatives,
    regenerate_run,
    winsorisation_limits,
)
from natsam_analysis.composite.published import published_spec_path, uncertainty_assumptions
from natsam_analysis.panel import load_panel, source_line
from timing import median_time  # benchmarks/timing.py

REAGGREGATION_TARGET_S = 0.002
SPEC = {
    "name": "Benchmark index",
    "steps": [
        {"step": "impute", "method": "latest", "max_age": 3},
        {"step": "impute", "method": "mean_group", "group": "county_group"},
        {"step": "treat", "winmax": 5},
        {"step": "normalise", "method": "minmax", "range": [0, 100]},
        {"step": "aggregate", "method": "arithmetic"},
    ],
    "framework": {"pillars": "all"},
}


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f} ms"


def bench_reaggregation(args: argparse.Namespace) -> bool:
    """(a) Re-aggregation after a weight change: fast path vs pandas aggregate and Coin.regenerate."""
    panel = load_panel()
    coin = Coin.from_panel(panel, SPEC).build(SPEC)
    fw = coin.framework
    normalised = coin.data["normalised"]
    values = normalised[fw.indicators].to_numpy()
    pillars = fw.aggregates[2]
    print(f"(a) re-aggregation after a weight change: {values.shape[0]} units x {values.shape[1]} indicators, "
          f"{len(pillars)} pillars -> {fw.top}")
    print(f"    data: {source_line(panel.attrs.get('provenance', {}))}")

    rng = np.random.default_rng(20260101)
    weight_sets = [dict(zip(pillars, rng.uniform(0.5, 2.0, len(pillars)))) for _ in range(64)]
    counter = iter(range(10**9))

    def next_weights() -> dict[str, float]:
        return weight_sets[next(counter) % len(weight_sets)]

    plan = AggregationPlan.from_framework(fw)  # precomputed once, when the index is loaded

    def fast() -> np.ndarray:
        return aggregate_array(values, plan, plan.weight_vector(next_weights()), "arithmetic")

    def pandas_level() -> object:
        return aggregate(normalised, fw, "arithmetic", weights=next_weights())

    def regenerate() -> object:
        return coin.regenerate({"aggregate": {"weights": next_weights()}})

    # the fast path and the baseline give the same scores
    w = weight_sets[0]
    check = aggregate(normalised, fw, "arithmetic", weights=w)[list(plan.aggregates)].to_numpy()
    assert np.allclose(aggregate_array(values, plan, plan.weight_vector(w)), check, equal_nan=True)

    t_fast = median_time(fast, args.runs, warmup=3)
    t_pandas = median_time(pandas_level, max(10, args.runs // 4), warmup=3)
    t_regen = median_time(regenerate, max(3, args.runs // 50), warmup=1)
    ok = t_fast <= REAGGREGATION_TARGET_S
    print(f"    fast path (plan + aggregate_array): {_ms(t_fast)}")
    print(f"    pandas-level steps.aggregate:        {_ms(t_pandas)}   ratio {t_pandas / t_fast:7.1f}x")
    print(f"    Coin.regenerate (every step):        {_ms(t_regen)}   ratio {t_regen / t_fast:7.1f}x")
    print(f"    target <= {REAGGREGATION_TARGET_S * 1e3:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


MONTE_CARLO_TARGET_S = 1.0
MONTE_CARLO_RUNS = 1000
COINR_FOLDER = config.PROJECT_ROOT.parent / "shared" / "reference" / "coinr_asem"


def coinr_assumptions(noise_levels: tuple[int, int]) -> dict[str, object]:
    """COINr's four uncertain assumptions (its sensitivity vignette), weight noise on two levels."""
    return {
        "Winmax": winsorisation_limits([1, 2, 3, 4, 5]),
        "Normalisation": normalisation_alternatives({"method": "minmax", "range": [1, 100]},
                                                    {"method": "zscore", "mean": 10, "sd": 2}),
        "Weights": WeightNoise({level: 0.25 for level in noise_levels}),
        "Aggregation": AggregationAlternatives(["arithmetic", "geometric"]),
    }


def _time_monte_carlo(label: str, coin: Coin, assumptions: dict, args: argparse.Namespace) -> bool:
    runs = MONTE_CARLO_RUNS
    timed = []
    for rep in range(args.mc_repeats):
        start = time.perf_counter()
        result = monte_carlo(coin, assumptions, n=runs, seed=20260101 + rep)
        timed.append((time.perf_counter() - start, rep, result))
    t_fast, _, result = sorted(timed, key=lambda t: t[:2])[len(timed) // 2]  # the median repetition
    parts = result.info["seconds"]

    # baseline: rebuild the whole index for a few runs, check the scores, extrapolate to every run
    picks = np.linspace(0, runs - 1, args.baseline_runs).astype(int)
    per_run = []
    for i in picks:
        start = time.perf_counter()
        variant = regenerate_run(coin, assumptions, result, int(i))
        per_run.append(time.perf_counter() - start)
        scores = variant.data["aggregated"][result.target].reindex(result.scores.index).to_numpy()
        assert np.allclose(scores, result.scores.iloc[:, i].to_numpy(), equal_nan=True), f"run {i} differs"
    t_base = statistics.median(per_run) * runs
    ok = t_fast <= MONTE_CARLO_TARGET_S
    units, inds = coin.data["raw"].shape
    print(f"    {label}: {units} units x {inds} indicators, {runs} runs, {result.info['data_builds']} rebuilds")
    print(f"      monte_carlo (median of {args.mc_repeats}):   {t_fast:8.3f} s   (rebuilds {parts['rebuilds']:.3f} s, "
          f"aggregation {parts['aggregation']:.3f} s, ranks/statistics {parts['summary']:.3f} s)")
    print(f"      Coin.regenerate per run x {runs}: {t_base:8.1f} s   ({_ms(statistics.median(per_run))} per run, "
          f"{len(picks)} runs timed, scores equal)   ratio {t_base / t_fast:7.1f}x")
    print(f"      target <= {MONTE_CARLO_TARGET_S:.0f} s: {'met' if ok else 'NOT met'}")
    return ok


def bench_monte_carlo(args: argparse.Namespace) -> bool:
    """(b) 1,000 Monte Carlo runs: uncertainty.monte_carlo vs one Coin.regenerate per run."""
    print(f"(b) uncertainty analysis, {MONTE_CARLO_RUNS} Monte Carlo runs with COINr's four assumptions")
    ok = True
    if (COINR_FOLDER / "ASEM_iData.csv").is_file():
        asem = Coin.from_csv(COINR_FOLDER / "ASEM_iData.csv", COINR_FOLDER / "ASEM_iMeta.csv")
        asem.build(config.PROJECT_ROOT / "data" / "indices" / "coinr_example.yaml")
        ok &= _time_monte_carlo("COINr example (ASEM)", asem, coinr_assumptions((2, 3)), args)
    else:
        print(f"    COINr example skipped: the reference folder {COINR_FOLDER} is absent "
              "(check out ../shared next to the project to include it)")
    panel = load_panel()
    coin = Coin.from_panel(panel, SPEC).build(SPEC)
    print(f"    data: {source_line(panel.attrs.get('provenance', {}))}")
    ok &= _time_monte_carlo("NATSAM index", coin, coinr_assumptions((1, 2)), args)
    # the published index with the five assumptions its rank intervals use (imputation included)
    published = build_index(published_spec_path(), panel=panel)
    ok &= _time_monte_carlo("NATSAM index as published, its 5 assumptions", published,
                            uncertainty_assumptions(entry["step"] for entry in published.log), args)
    return ok


BENCHES: list[Callable[[argparse.Namespace], bool]] = [bench_reaggregation, bench_monte_carlo]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="timed calls of the fast path (default 200)")
    parser.add_argument("--mc-repeats", type=int, default=3,
                        help="timed repetitions of the 1,000-run Monte Carlo (default 3)")
    parser.add_argument("--baseline-runs", type=int, default=5,
                        help="runs rebuilt with Coin.regenerate for the Monte Carlo baseline (default 5)")
    parser.add_argument("--only", action="append", default=None, metavar="NAME",
                        help="run only this bench (e.g. reaggregation); may be repeated")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if args.only is None or b.__name__.removeprefix("bench_") in args.only]
    if not chosen:
        parser.error(f"no bench named {args.only}; benches: "
                     + ", ".join(b.__name__.removeprefix("bench_") for b in BENCHES))
    results = [bench(args) for bench in chosen]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
