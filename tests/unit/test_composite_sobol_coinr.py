"""Rank statistics and Sobol indices reproduce COINr's stored uncertainty and sensitivity analysis.

COINr 1.1.14 ran ``get_sensitivity`` on its ASEM example (vignette "sensitivity"): an uncertainty
analysis of 100 runs and a sensitivity analysis with N = 100 and four uncertain assumptions
(Winmax, Normalisation, Weights, Aggregation: 100 * (4 + 2) = 600 runs, Nboot = 100). The reference
folder holds the score of every unit in every run, and COINr's own summaries of them. Fed those
scores, our functions must give COINr's numbers:

* ranks: ``rank(-x, ties.method = "min")``; rank statistics over all UA runs and over the first 2N
  (A and B) runs of the SA, quantiles of type 7;
* SA output: mean absolute rank shift against the nominal ranks; Si (Saltelli 2010) and STi (Jansen)
  from the design order A, B, A_B^(1..d) -- to floating-point precision.

COINr's bootstrap intervals come from R's random number stream (``sample`` inside ``SA_estimate``),
which numpy cannot replay, so their ends are compared as distributions: ours contain our point
estimates, overlap COINr's and are of comparable width.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from natsam_analysis.composite.uncertainty import summarise_replicates

FACTORS = ["Winmax", "Normalisation", "Weights", "Aggregation"]


@functools.cache
def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


@pytest.fixture
def read(reference_file):
    """``read("X.csv")``: a COINr result table from the reference folder (skips/fails when absent)."""
    def _read(name: str, index: bool = True) -> pd.DataFrame:
        frame = _read_csv(reference_file("coinr_asem", name)).copy()
        return frame.set_index("uCode") if index else frame
    return _read


@functools.cache
def _summary(path: Path, analysis: str):
    scores = _read_csv(path).set_index("uCode")
    if analysis == "UA":
        return summarise_replicates(scores, analysis="UA")
    return summarise_replicates(scores, analysis="SA", n=100, names=FACTORS, n_boot=2000, seed=20240501)


@pytest.fixture
def ua(reference_file):
    return _summary(reference_file("coinr_asem", "UA_results_Scores.csv"), "UA")


@pytest.fixture
def sa(reference_file):
    return _summary(reference_file("coinr_asem", "SA_results_Scores.csv"), "SA")


def test_ua_rank_statistics_equal_coinr(ua, read):
    expected = read("UA_results_RankStats.csv")
    got = ua.rank_stats.loc[expected.index]
    assert list(got.columns) == ["Nominal", "Mean", "Median", "Q5", "Q95"]
    pd.testing.assert_frame_equal(got, expected.astype(float), check_exact=False, rtol=1e-12, atol=1e-12)
    # the interesting cases are really there: interpolated quantiles and half ranks
    assert (expected["Q95"] % 1 != 0).any() and (expected["Median"] % 1 != 0).any()


def test_ua_nominal_scores_and_ranks_equal_coinr(ua, read):
    expected = read("UA_results_Nominal.csv")
    got = ua.nominal.loc[expected.index]
    np.testing.assert_array_equal(got["Rank"].to_numpy(), expected["Rank"].to_numpy())
    np.testing.assert_allclose(got["Score"].to_numpy(), expected["Score"].to_numpy(), rtol=0, atol=0)
    assert got["Rank"].min() == 1 and got.loc["CHE", "Rank"] == 1


def test_ua_ranks_are_min_ranks_of_descending_scores(ua, read):
    scores = read("UA_results_Scores.csv").drop(columns="Nominal")
    expected = scores.rank(ascending=False, method="min")
    np.testing.assert_array_equal(ua.ranks.to_numpy(), expected.to_numpy())
    assert ua.scores.shape == (51, 100)


def test_sa_rank_statistics_use_only_the_a_and_b_runs(sa, read):
    expected = read("SA_results_RankStats.csv")
    got = sa.rank_stats.loc[expected.index]
    pd.testing.assert_frame_equal(got, expected.astype(float), check_exact=False, rtol=1e-12, atol=1e-12)
    # over all 600 runs the statistics differ: the A_B blocks are not an i.i.d. sample
    all_runs = sa.ranks.to_numpy()
    assert not np.allclose(np.mean(all_runs, axis=1), expected["Mean"].to_numpy())


def test_sa_sobol_point_estimates_equal_coinr(sa, read):
    expected = read("SA_results_Sensitivity.csv", index=False)
    got = sa.sensitivity
    assert got["Variable"].tolist() == expected["Variable"].tolist() == FACTORS
    np.testing.assert_allclose(got["Si"], expected["Si"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got["STi"], expected["STi"], rtol=1e-12, atol=1e-14)
    # aggregation dominates and interacts (STi well above Si); winmax hardly matters
    agg = got.set_index("Variable")
    assert agg["STi"].idxmax() == "Aggregation" and agg.loc["Winmax", "STi"] < 0.1


def test_sa_output_is_the_mean_absolute_rank_shift(sa):
    ranks = sa.ranks.to_numpy()
    nominal = sa.nominal["Rank"].to_numpy()
    y = sa.rank_shift.to_numpy()
    assert y.shape == (600,)
    np.testing.assert_allclose(y[17], np.mean(np.abs(ranks[:, 17] - nominal)))
    # hand check of the first-order formula for Weights (factor 3, block 2 + 2 = 4) on these outputs
    n = 100
    y_a, y_b, y_ab = y[:n], y[n:2 * n], y[4 * n:5 * n]
    var = np.var(np.r_[y_a, y_b], ddof=1)
    assert sa.sensitivity.loc[2, "Si"] == pytest.approx(np.mean(y_b * (y_ab - y_a)) / var, rel=1e-12)
    assert sa.sensitivity.loc[2, "STi"] == pytest.approx(np.sum((y_a - y_ab) ** 2) / (2 * n * var), rel=1e-12)


def test_sa_bootstrap_intervals_comparable_with_coinr(sa, read):
    expected = read("SA_results_Sensitivity.csv", index=False).set_index("Variable")
    got = sa.sensitivity.set_index("Variable")
    for idx in ("Si", "STi"):
        lo, hi = got[f"{idx}_q5"], got[f"{idx}_q95"]
        c_lo, c_hi = expected[f"{idx}_q5"], expected[f"{idx}_q95"]
        assert ((lo <= got[idx]) & (got[idx] <= hi)).all(), idx
        assert ((lo < c_hi) & (c_lo < hi)).all(), idx  # the intervals overlap
        ratio = (hi - lo) / (c_hi - c_lo)
        # COINr used 100 bootstrap draws, so its interval ends are themselves noisy
        assert ratio.between(0.6, 1.6).all(), (idx, ratio.round(2).to_dict())


def test_sa_bootstrap_is_reproducible_with_a_seed(read):
    scores = read("SA_results_Scores.csv")
    one = summarise_replicates(scores, analysis="SA", n=100, names=FACTORS, n_boot=200, seed=7).sensitivity
    two = summarise_replicates(scores, analysis="SA", n=100, names=FACTORS, n_boot=200, seed=7).sensitivity
    three = summarise_replicates(scores, analysis="SA", n=100, names=FACTORS, n_boot=200, seed=8).sensitivity
    pd.testing.assert_frame_equal(one, two)
    assert not np.allclose(one["Si_q5"], three["Si_q5"])
    np.testing.assert_allclose(one["Si"], three["Si"])
