"""Composite-index hot paths, each timed against a straightforward baseline in the same run.

(a) ``bench_reaggregation``: re-aggregating the NATSAM index after a weight change (290 municipalities
    x the catalog's scored indicators in 8 pillars, built from the demo panel with ``Coin.from_panel``).
    Fast path: the precomputed ``AggregationPlan`` and ``aggregate_array`` (numpy only), including the
    conversion of the new weights to a vector. Baselines: the pandas-level ``steps.aggregate`` (which
    also builds the plan each time) and ``Coin.regenerate`` (replays every step). Target: <= 2 ms.

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

from natsam_analysis.composite import AggregationPlan, Coin, aggregate, aggregate_array
from natsam_analysis.panel import load_panel, source_line

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


def median_time(fn: Callable[[], object], runs: int, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in seconds over ``runs`` calls (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

    t_fast = median_time(fast, args.runs)
    t_pandas = median_time(pandas_level, max(10, args.runs // 4))
    t_regen = median_time(regenerate, max(3, args.runs // 50), warmup=1)
    ok = t_fast <= REAGGREGATION_TARGET_S
    print(f"    fast path (plan + aggregate_array): {_ms(t_fast)}")
    print(f"    pandas-level steps.aggregate:        {_ms(t_pandas)}   ratio {t_pandas / t_fast:7.1f}x")
    print(f"    Coin.regenerate (every step):        {_ms(t_regen)}   ratio {t_regen / t_fast:7.1f}x")
    print(f"    target <= {REAGGREGATION_TARGET_S * 1e3:.0f} ms: {'met' if ok else 'NOT met'}")
    return ok


BENCHES: list[Callable[[argparse.Namespace], bool]] = [bench_reaggregation]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200, help="timed calls of the fast path (default 200)")
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
