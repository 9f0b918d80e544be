"""Scoring many units by SDSN's method (``natsam_analysis.metrics.sdg.score_units``), timed against
baselines measured in the same run.

The data: a synthetic codebook of 33 indicators (both directions, four in five with a trend start)
and 290 units x 33 indicators x 11 years (2012-2022), about a tenth of the observations left out and
some values missing, rows shuffled - the size of scoring every municipality. Timed (medians), with
the default trend options and with ``SDSN_2022``:

- ``score_units``: the fast path (one grid of units x indicators, every rule on arrays);
- baseline: sorting the same observations by unit, indicator and year, the least any scoring of
  them does; the ratio says how many such sorts scoring costs;
- the previous implementation (``score_units`` as of ``LEGACY_REVISION``: the data filtered once per
  unit, the rules called cell by cell), read from git; its result is checked to be the same as the
  fast path's, every column of every row (goal trends, which it did not compute, left out).
  Skipped with a message when git or that revision is not at hand.

Target: ``score_units`` <= 0.5 s.

    .venv/bin/python benchmarks/sdg_scoring.py [--runs 20] [--units 290]
"""

from __future__ import annotations

import argparse
import inspect
import subprocess
import sys
import types
from collections.abc import Callable

import numpy as np
import pandas as pd

from natsam_analysis import config
from natsam_analysis.metrics.sdg import SDSN_2022, score_units
from timing import median_time  # benchmarks/timing.py

TARGET_S = 0.5
#: The last revision of score_units before the grid (filtering the data unit by unit).
LEGACY_REVISION = "6f7452b"


def synthetic(units: int = 290, indicators: int = 33, years: range = range(2012, 2023),
              seed: int = 20260101) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A codebook and observations (see the module doc), the same for the same arguments."""
    rng = np.random.default_rng(seed)
    kpis = [f"k{i:02d}" for i in range(indicators)]
    direction = rng.choice([1, -1], indicators)
    higher = direction == 1
    codebook = pd.DataFrame({
        "indicator": kpis, "sdg": rng.integers(1, 18, indicators), "direction": direction,
        "optimum": np.where(higher, 100.0, 0.0), "green": np.where(higher, 80.0, 20.0), "red": 50.0,
        "lower_bound": np.where(higher, 0.0, 100.0),
        "trend_from": np.where(rng.random(indicators) < 0.8, 2015.0, np.nan),
    })
    n_years, n_series = len(years), units * indicators
    year = np.tile(np.asarray(years), n_series)
    level = rng.uniform(-10, 110, n_series).repeat(n_years)
    slope = rng.normal(0, 3, n_series).repeat(n_years)
    data = pd.DataFrame({
        "unit": np.repeat([f"{i:04d}" for i in range(units)], indicators * n_years),
        "indicator": np.tile(np.repeat(kpis, n_years), units),
        "year": year,
        "value": (level + slope * (year - years[0]) + rng.normal(0, 2, year.size)).round(2),
    })
    data.loc[rng.random(len(data)) < 0.03, "value"] = np.nan
    return codebook, data[rng.random(len(data)) > 0.1].sample(frac=1, random_state=seed).reset_index(drop=True)


def legacy_score_units() -> Callable[..., pd.DataFrame] | None:
    """``score_units`` as of :data:`LEGACY_REVISION`, or None (with a message) when git cannot give it."""
    try:
        source = subprocess.run(["git", "show", f"{LEGACY_REVISION}:natsam_analysis/metrics/sdg.py"],
                                cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"    previous implementation skipped: git show {LEGACY_REVISION} failed ({error})")
        return None
    module = types.ModuleType("legacy_sdg")
    sys.modules[module.__name__] = module  # its dataclass looks itself up there
    exec(compile(source, f"{LEGACY_REVISION}:natsam_analysis/metrics/sdg.py", "exec"), module.__dict__)
    return module.score_units


def _same_result(ours: pd.DataFrame, legacy: pd.DataFrame) -> None:
    goals = ours["level"] == "goal"
    pd.testing.assert_frame_equal(ours.assign(trend=ours["trend"].where(~goals)), legacy, check_exact=True)


def bench_score_units(args: argparse.Namespace) -> bool:
    codebook, data = synthetic(units=args.units)
    print(f"score_units: {data['unit'].nunique()} units x {len(codebook)} indicators x 11 years "
          f"({len(data):,} observations)")
    t_sort = median_time(lambda: data.sort_values(["unit", "indicator", "year"]), args.runs)
    legacy = legacy_score_units()
    ok = True
    for name, options in {"default options": {}, "SDSN_2022": SDSN_2022}.items():
        t_fast = median_time(lambda: score_units(codebook, data, **options), args.runs)
        ok &= t_fast <= TARGET_S
        print(f"  {name}:")
        print(f"    score_units:                {t_fast * 1e3:9.1f} ms")
        print(f"    baseline, sorting the data: {t_sort * 1e3:9.1f} ms   score_units / sort {t_fast / t_sort:6.1f}x")
        if legacy is not None:  # with the options it knows (not those of the goal trends)
            known = {k: v for k, v in options.items() if k in inspect.signature(legacy).parameters}
            t_legacy = median_time(lambda: legacy(codebook, data, **known), args.legacy_runs, warmup=0)
            _same_result(score_units(codebook, data, **options), legacy(codebook, data, **known))
            print(f"    previous implementation:    {t_legacy * 1e3:9.1f} ms   ({LEGACY_REVISION}, same result)   "
                  f"previous / score_units {t_legacy / t_fast:6.1f}x")
    print(f"  target score_units <= {TARGET_S} s: {'met' if ok else 'NOT met'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed calls of score_units and the sort (default 20)")
    parser.add_argument("--legacy-runs", type=int, default=3,
                        help="timed calls of the previous implementation (default 3)")
    parser.add_argument("--units", type=int, default=290, help="units in the synthetic data (default 290)")
    return 0 if bench_score_units(parser.parse_args(argv)) else 1


if __name__ == "__main__":
    sys.exit(main())
