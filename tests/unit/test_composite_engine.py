"""Unit tests of the composite engine: framework, every step method, the fast path, the coin, specs.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from natsam_analysis.catalog import load_catalog
from natsam_analysis.composite import (
    AggregationPlan,
    Coin,
    Framework,
    aggregate,
    aggregate_array,
    build_index,
    catalog_framework,
    denominate,
    effective_weights,
    equal_weights,
    fill_from_history,
    impute,
    load_spec,
    normalise,
    pca_weights,
    rank_scores,
    screen,
    skew_kurt,
    treat,
)
from natsam_analysis.composite.steps import log_ct
from natsam_analysis.errors import NatsamError, ValidationError

# --------------------------------------------------------------------------------------------------
# fixtures


def units(*codes: str) -> pd.Index:
    return pd.Index(list(codes), name="uCode")


@pytest.fixture
def fw() -> Framework:
    # Index <- P (a, b), Q (c); b lower is better
    return Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}}, directions={"b": -1})


@pytest.fixture
def small_coin_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    idata = pd.DataFrame({
        "uCode": ["u1", "u2", "u3", "u4"], "uName": ["Ett", "Två", "Tre", "Fyra"],
        "Region_group": ["N", "N", "S", "S"], "Pop": [10.0, 20.0, 40.0, 80.0],
        "a": [10.0, 40.0, None, 160.0], "b": [1.0, 2.0, 3.0, 4.0], "c": [5.0, None, None, 2.0],
    })
    imeta = pd.DataFrame({
        "Level": [1, 1, 1, 2, 2, 3, None, None],
        "iCode": ["a", "b", "c", "P", "Q", "Index", "Region_group", "Pop"],
        "Direction": [1, -1, 1, 1, 1, 1, None, None],
        "Weight": [1, 1, 1, 1, 1, 1, None, None],
        "Denominator": ["Pop", None, None, None, None, None, None, None],
        "Parent": ["P", "P", "Q", "Index", "Index", None, None, None],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 3 + ["Group", "Denominator"],
    })
    return idata, imeta


# --------------------------------------------------------------------------------------------------
# framework


def test_framework_structure_any_number_of_levels() -> None:
    fw = Framework.from_hierarchy({"Index": {"S1": {"P1": ["a", "b"], "P2": ["c"]}, "S2": {"P3": ["d"]}}},
                                  weights={"S1": 3})
    assert fw.levels == [1, 2, 3, 4]
    assert fw.aggregates == {2: ["P1", "P2", "P3"], 3: ["S1", "S2"], 4: ["Index"]}
    assert fw.children("S1") == ["P1", "P2"] and fw.children("a") == []
    assert fw.parent["P3"] == "S2" and fw.top == "Index"
    assert fw.indicators_under("S1") == ["a", "b", "c"]
    assert fw.codes == ["a", "b", "c", "d", "P1", "P2", "P3", "S1", "S2", "Index"]
    # a: 1/2 of P1, P1 is 1/2 of S1, S1 is 3/4 of the Index
    assert effective_weights(fw)["a"] == pytest.approx(0.5 * 0.5 * 0.75)
    assert effective_weights(fw).sum() == pytest.approx(1.0)


def test_framework_reports_every_problem_with_its_row() -> None:
    meta = pd.DataFrame({
        "Level": [1, 1, 1, 2, 3, 3], "iCode": ["a", "a", "c", "P", "Index", "Extra"],
        "Direction": [1, 2, 0, 1, 1, 1], "Weight": [1, 1, -1, 1, 1, 1],
        "Target": [None, None, None, None, None, None],
        "Parent": ["P", "P", "Index", "Index", None, None],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 3,
    })
    with pytest.raises(ValidationError) as err:
        Framework.from_imeta(meta, origin="meta.csv")
    text = str(err.value)
    assert "meta.csv" in text
    assert "row 3, column 'iCode': 'a' appears twice (also on row 2)" in text
    assert "row 3, column 'Direction': 2" in text
    assert "row 4, column 'Weight': -1" in text
    assert "row 4, column 'Target'" in text and "Direction is 0" in text


def test_framework_hierarchy_problems() -> None:
    meta = pd.DataFrame({
        "Level": [1, 1, 2, 3, 3], "iCode": ["a", "b", "P", "Index", "Other"],
        "Parent": ["P", "Index", "Index", None, None],
        "Type": ["Indicator", "Indicator", "Aggregate", "Aggregate", "Aggregate"],
    })
    with pytest.raises(ValidationError) as err:
        Framework.from_imeta(meta)
    text = str(err.value)
    assert "'Index' is at level 3, but a parent must be one level above its child (level 2)" in text
    assert "exactly one aggregate must have no Parent" in text and "Index, Other" in text
    assert "aggregate 'Other' has no children" in text
    with pytest.raises(ValidationError, match="missing column"):
        Framework.from_imeta(pd.DataFrame({"iCode": ["a"]}))


def test_with_weights_returns_a_new_framework(fw: Framework) -> None:
    heavier = fw.with_weights({"a": 3})
    assert heavier.weight["a"] == 3 and fw.weight["a"] == 1
    with pytest.raises(ValidationError, match="unknown code 'zz'"):
        fw.with_weights({"zz": 1})


# --------------------------------------------------------------------------------------------------
# denominate, screen, impute


def test_denominate_divides_by_the_named_column(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    fw = Framework.from_imeta(imeta)
    data = idata.set_index("uCode")[["a", "b", "c"]]
    dens = idata.set_index("uCode")[["Pop"]].assign(Pop=[10.0, 20.0, 0.0, 80.0])
    out = denominate(data, dens, fw)
    assert out["a"].tolist()[:2] == [1.0, 2.0] and out["a"].iloc[3] == 2.0
    assert math.isnan(out.loc["u3", "a"])           # zero denominator -> missing
    assert out["b"].tolist() == data["b"].tolist()  # no denominator: copied
    assert data["a"].iloc[0] == 10.0                # input untouched
    with pytest.raises(NatsamError, match="no denominator column 'Pop'"):
        denominate(data, dens.drop(columns="Pop"), fw)


def test_screen_by_data_availability() -> None:
    df = pd.DataFrame({"a": [1, None, 3, None], "b": [1, 2, None, None], "c": [1, 2, 3, None]},
                      index=units("w", "x", "y", "z"), dtype=float)
    kept, removed = screen(df, threshold=2 / 3)
    assert kept.index.tolist() == ["w", "x", "y"] and removed == ["z"]
    kept, removed = screen(df, threshold=1.0)
    assert kept.index.tolist() == ["w"] and removed == ["x", "y", "z"]
    with pytest.raises(NatsamError, match="between 0 and 1"):
        screen(df, threshold=90)


def test_impute_methods() -> None:
    df = pd.DataFrame({"a": [1.0, None, 5.0, 7.0, None, 12.0]}, index=units(*"uvwxyz"))
    groups = pd.Series(["g", "g", "h", "h", "h", "k"], index=df.index)
    # overall mean of 1, 5, 7, 12 = 6.25; median 6
    assert impute(df, "mean")["a"].tolist() == [1.0, 6.25, 5.0, 7.0, 6.25, 12.0]
    assert impute(df, "median")["a"].tolist() == [1.0, 6.0, 5.0, 7.0, 6.0, 12.0]
    # group g: mean 1; group h: mean(5, 7) = 6
    assert impute(df, "mean_group", groups)["a"].tolist() == [1.0, 1.0, 5.0, 7.0, 6.0, 12.0]
    df2 = df.assign(a=[1.0, None, 5.0, 6.0, None, 12.0]).iloc[:5].copy()
    df2.loc["x", "a"] = 100.0
    assert impute(df2, "median_group", groups)["a"].tolist() == [1.0, 1.0, 5.0, 100.0, 52.5]
    # a unit with no group, or a group without values, stays missing
    lonely = pd.Series(["g", None, "h", "h", "h", "k"], index=df.index)
    assert math.isnan(impute(df, "mean_group", lonely).loc["v", "a"])
    with pytest.raises(NatsamError, match="needs a group column"):
        impute(df, "mean_group")
    with pytest.raises(NatsamError, match="not one of"):
        impute(df, "mode")


def test_fill_from_history_latest_and_interpolate() -> None:
    cols = pd.MultiIndex.from_product([["a"], [2019, 2020, 2021, 2022, 2023]])
    hist = pd.DataFrame([[1.0, 2.0, None, None, 8.0],      # gap inside: interpolate 2022 -> 6
                         [None, 3.0, None, None, None],     # only older data: latest -> 3 (age 2)
                         [None, None, None, None, 9.0]],    # only later data: nothing before 2022
                        index=units("x", "y", "z"), columns=cols)
    now = pd.DataFrame({"a": [None, None, None]}, index=units("x", "y", "z"))
    latest = fill_from_history(now, hist, {"a": 2022}, "latest")["a"]
    assert latest.tolist()[:2] == [2.0, 3.0] and math.isnan(latest["z"])
    assert math.isnan(fill_from_history(now, hist, {"a": 2022}, "latest", max_age=1).loc["y", "a"])
    interp = fill_from_history(now, hist, {"a": 2022}, "interpolate")["a"]
    # x: 2020 -> 2.0, 2023 -> 8.0, linear: 2022 -> 6.0; y, z: no value on both sides
    assert interp["x"] == pytest.approx(6.0) and interp[["y", "z"]].isna().all()


# --------------------------------------------------------------------------------------------------
# treatment


def excel_skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Excel's SKEW and KURT formulas, written out."""
    n = len(x)
    z = (x - x.mean()) / x.std(ddof=1)
    skew = n / ((n - 1) * (n - 2)) * np.sum(z**3)
    kurt = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * np.sum(z**4) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
    return skew, kurt


def test_skew_kurt_are_excels() -> None:
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    assert skew_kurt(x) == pytest.approx(excel_skew_kurt(x), rel=1e-12)
    assert skew_kurt(np.append(x, np.nan)) == pytest.approx(excel_skew_kurt(x), rel=1e-12)
    assert all(math.isnan(v) for v in skew_kurt(np.array([1.0, 1.0, 1.0, 1.0, 1.0])))


def test_treat_winsorises_the_max_until_the_rule_passes() -> None:
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]
    # skew 3.06 > 2 and kurt 9.74 > 3.5: fails; 100 -> 30 (the next value inwards); then
    # [1..10, 30, 30] has skew 1.77: passes after one point
    assert excel_skew_kurt(np.array(x[:-1] + [30.0]))[0] < 2
    df = pd.DataFrame({"a": x}, index=units(*[f"u{i}" for i in range(12)]))
    out, summary = treat(df, winmax=5)
    assert out["a"].tolist() == x[:-1] + [30.0]
    row = summary.iloc[0]
    assert (row["Low"], row["High"], row["Treatment"], row["TreatSpec"]) == (0, 1, "Winsorised 1 points",
                                                                             "Default, winmax = 5")
    assert df["a"].iloc[-1] == 100.0  # input untouched


def test_treat_ties_at_the_max_move_together_and_low_side() -> None:
    x = [float(v) for v in range(1, 21)] + [200.0, 200.0]
    assert excel_skew_kurt(np.array(x))[0] > 2 and excel_skew_kurt(np.array(x))[1] > 3.5
    out, summary = treat(pd.DataFrame({"a": x}), winmax=5)
    # both 200s move to 20 in one iteration: one point counted, two values changed
    assert out["a"].tolist() == x[:20] + [20.0, 20.0]
    assert summary.loc[0, ["High", "Treatment"]].tolist() == [2, "Winsorised 1 points"]
    neg = [-v for v in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]]
    out, summary = treat(pd.DataFrame({"a": neg}), winmax=5)
    assert out["a"].min() == -30.0 and summary.loc[0, ["Low", "High"]].tolist() == [1, 0]


def test_treat_falls_back_to_the_log_of_the_original_values() -> None:
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0])
    out, summary = treat(pd.DataFrame({"a": x}), winmax=0)
    # log(x - min + 0.01 * (max - min)) = log(x - 1 + 0.99)
    assert np.allclose(out["a"], np.log(x - 1 + 0.99))
    assert summary.loc[0, "Treatment"] == "CTLog (exceeded winmax)" and summary.loc[0, "High"] == 0
    assert np.allclose(log_ct(x), np.log(x - 0.01))


def test_treat_methods_and_overrides() -> None:
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]
    ok = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15.0]  # skewed to the right, but passes the rule
    df = pd.DataFrame({"a": x, "b": x, "c": ok})
    none, s = treat(df, method="none")
    assert none.equals(df) and set(s["Treatment"]) == {"None"}
    logged, s = treat(df, method="log")
    assert np.allclose(logged["a"], log_ct(np.array(x))) and logged["c"].tolist() == ok  # c passes the test
    win, s = treat(df, method="winsorise", winmax=0)
    assert win["a"].tolist() == x  # winsorise only: no log fallback even when it still fails
    out, s = treat(df, overrides={"a": "none", "b": {"method": "log", "force": True},
                                  "c": {"method": "winsorise", "winmax": 2, "force": True}})
    assert out["a"].tolist() == x and np.allclose(out["b"], log_ct(np.array(x)))
    assert out["c"].tolist() == ok[:10] + [10.0, 10.0]  # forced: exactly 2 points (15 -> 12, then both -> 10)
    assert s.set_index("iCode").loc["c", "TreatSpec"] == "Forced Win, winmax = 2"
    with pytest.raises(NatsamError, match="not in the data"):
        treat(df, overrides={"zz": "none"})
    with pytest.raises(NatsamError, match="winmax"):
        treat(df, winmax=-1)


# --------------------------------------------------------------------------------------------------
# normalisation


def test_minmax_with_directions_including_two_sided() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["up", "down", "mid"]}}, directions={"down": -1, "mid": 0},
                                  targets={"mid": 50})
    df = pd.DataFrame({"up": [0.0, 5.0, 10.0], "down": [0.0, 5.0, 10.0], "mid": [30.0, 50.0, 60.0]})
    out = normalise(df, fw, "minmax", range=(0, 100))
    assert out["up"].tolist() == [0.0, 50.0, 100.0]
    assert out["down"].tolist() == [100.0, 50.0, 0.0]
    # distances to 50: 20, 0, 10 -> closest best: 0, 100, 50
    assert out["mid"].tolist() == [0.0, 100.0, 50.0]
    assert normalise(df, fw, "minmax", range=(1, 10))["up"].tolist() == [1.0, 5.5, 10.0]
    assert normalise(df.assign(up=3.0), fw, "minmax")["up"].tolist() == [50.0] * 3  # constant: middle


def test_zscore_rank_percentile(fw: Framework) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, np.nan], "b": [5.0, 3.0, 5.0, 1.0], "c": [1.0, 2.0, 3.0, 4.0]})
    z = normalise(df, fw, "zscore", mean=10, sd=2)
    assert z["a"].tolist()[:3] == [8.0, 10.0, 12.0] and math.isnan(z["a"].iloc[3])
    r = normalise(df, fw, "rank")
    # b is lower-is-better: 1 best (rank 4), 3 next (3), the two 5s tie at the lowest rank 1
    assert r["b"].tolist() == [1.0, 3.0, 1.0, 4.0]
    p = normalise(df, fw, "percentile")
    assert p["c"].tolist() == pytest.approx([0.0, 100 / 3, 200 / 3, 100.0])


def test_distance_to_target_and_goalposts() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["up", "down", "mid"]}}, directions={"down": -1, "mid": 0},
                                  targets={"up": 10, "down": 2, "mid": 50})
    df = pd.DataFrame({"up": [0.0, 5.0, 20.0], "down": [2.0, 6.0, 10.0], "mid": [30.0, 50.0, 60.0]})
    t = normalise(df, fw, "target")
    assert t["up"].tolist() == [0.0, 50.0, 100.0]        # (x - 0) / (10 - 0), capped at 1
    assert t["down"].tolist() == [100.0, 50.0, 0.0]      # (10 - x) / (10 - 2)
    assert t["mid"].tolist() == [0.0, 100.0, 50.0]       # 1 - |x - 50| / 20
    assert normalise(df, fw, "target", cap=False)["up"].iloc[2] == 200.0
    g = normalise(df, fw, "goalposts", goalposts={"up": [0, 10], "down": [0, 10], "mid": [0, 100]})
    assert g["up"].tolist() == [0.0, 50.0, 100.0]        # 20 truncated to the upper post
    assert g["down"].tolist() == [80.0, 40.0, 0.0]       # (10 - x) / 10
    assert g["mid"].tolist() == [60.0, 100.0, 80.0]      # 1 - |x - 50| / 50
    with pytest.raises(NatsamError, match="goalposts for indicator 'mid'"):
        normalise(df, fw, "goalposts", goalposts={"up": [0, 10], "down": [0, 10]})


def test_bounded_sdsn_style() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["up", "free"]}}, targets={"up": 50})
    df = pd.DataFrame({"up": np.arange(101.0), "free": np.arange(101.0)})
    b = normalise(df, fw, "bounded", percentile=2.5)
    # worst bound: 2.5th percentile = 2.5; best: the target 50 -> (x - 2.5) / 47.5, clipped
    assert b["up"].iloc[0] == 0.0 and b["up"].iloc[2] == 0.0
    assert b["up"].iloc[26] == pytest.approx((26 - 2.5) / 47.5 * 100)
    assert b["up"].iloc[50:].eq(100.0).all()
    # no target: the best bound is the 97.5th percentile
    assert b["free"].iloc[50] == pytest.approx((50 - 2.5) / 95 * 100)


def test_normalise_overrides(fw: Framework) -> None:
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0], "c": [1.0, 2.0, 3.0]})
    out = normalise(df, fw, "minmax", overrides={"c": {"method": "zscore", "mean": 0, "sd": 1}})
    assert out["a"].tolist() == [0.0, 50.0, 100.0] and out["c"].tolist() == [-1.0, 0.0, 1.0]


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(2, 40), elements=st.floats(-1e6, 1e6)),
       st.floats(-100, 100), st.floats(0.1, 1000))
def test_minmax_output_stays_in_range(values, low, width) -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["x"]}})
    out = normalise(pd.DataFrame({"x": values}), fw, "minmax", range=(low, low + width))["x"]
    assert out.between(low - 1e-9 * width, low + width + 1e-9 * width).all()
    if np.ptp(values) > 0:
        assert out.min() == pytest.approx(low) and out.max() == pytest.approx(low + width)


# --------------------------------------------------------------------------------------------------
# aggregation


def test_arithmetic_weights_rescaled_over_missing_children() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["a", "b", "c"], "Q": ["d"]}}, weights={"a": 2})
    df = pd.DataFrame({"a": [10.0, np.nan, 10.0], "b": [40.0, 40.0, np.nan], "c": [70.0, 10.0, np.nan],
                       "d": [50.0, 20.0, 30.0]})
    out = aggregate(df, fw)
    # u1: (2*10 + 40 + 70) / 4 = 32.5; u2: (40 + 10) / 2 = 25; u3: only a -> 10
    assert out["P"].tolist() == [32.5, 25.0, 10.0]
    assert out["Index"].tolist() == [(32.5 + 50) / 2, (25 + 20) / 2, (10 + 30) / 2]
    # dat_thresh 0.5 at every level: P needs half its children -> u3 (1 of 3) missing; the Index has
    # one of its two children (Q) for u3: half, so it rests on Q alone
    thr = aggregate(df, fw, dat_thresh=0.5)
    assert math.isnan(thr.loc[2, "P"]) and thr.loc[2, "Index"] == 30.0
    # with dat_thresh at the top too, Index needs both P and Q
    strict = aggregate(df, fw, dat_thresh=1.0)
    assert strict["P"].isna().tolist() == [False, True, True] and strict["Index"].isna().tolist() == [False, True, True]
    # custom weights: Q counts three times as much as P
    assert aggregate(df, fw, weights={"Q": 3})["Index"].iloc[0] == pytest.approx((32.5 + 3 * 50) / 4)


def test_geometric_harmonic_generalised_and_zero_handling() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"]}})
    df = pd.DataFrame({"a": [4.0, 1.0, 0.0, 3.0], "b": [16.0, 4.0, 5.0, 4.0]})
    geo = aggregate(df, fw, "geometric")["P"]
    assert geo.iloc[0] == pytest.approx(8.0) and geo.iloc[1] == pytest.approx(2.0)
    assert geo.iloc[2] == 0.0  # a zero child: the geometric mean is 0 (its limit), not an error or NaN
    har = aggregate(df, fw, "harmonic")["P"]
    assert har.iloc[1] == pytest.approx(2 / (1 + 1 / 4)) and har.iloc[2] == 0.0
    gen = aggregate(df, fw, "generalised", p=2)["P"]
    assert gen.iloc[3] == pytest.approx(math.sqrt((9 + 16) / 2))
    assert np.allclose(aggregate(df.iloc[:2], fw, "generalised", p=-1)["P"], har.iloc[:2])
    assert np.allclose(aggregate(df, fw, "generalised", p=1)["P"], aggregate(df, fw)["P"])
    weighted = aggregate(df, fw, "geometric", weights={"a": 3})["P"]
    assert weighted.iloc[0] == pytest.approx((4**3 * 16) ** (1 / 4))
    with pytest.raises(NatsamError, match=r"needs values >= 0.*'a'.*range \[1, 100\]"):
        aggregate(df.assign(a=[-1.0, 1, 1, 1]), fw, "geometric")


def test_copeland() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["x1", "x2", "x3"]}})
    df = pd.DataFrame({"x1": [3.0, 2.0, 1.0], "x2": [1.0, 2.0, 3.0], "x3": [2.0, 2.0, 1.0]},
                      index=units("A", "B", "C"))
    # A-B: A wins x1, loses x2, ties x3 -> 1/3 + 1/6 = 0.5: draw. A-C: wins 2 of 3 -> A +1.
    # B-C: wins x1 and x3 -> B +1. Scores: A 1, B 1, C -2.
    assert aggregate(df, fw, "copeland")["P"].tolist() == [1.0, 1.0, -2.0]
    # x1 weighted 2: A-B = (2 + 0.5) / 4 = 0.625 > 0.5 -> A beats B: A 2, B 0, C -2
    assert aggregate(df, fw, "copeland", weights={"x1": 2})["P"].tolist() == [2.0, 0.0, -2.0]


def test_aggregate_needs_the_indicators(fw: Framework) -> None:
    with pytest.raises(NatsamError, match="lack the indicator column"):
        aggregate(pd.DataFrame({"a": [1.0]}), fw)
    with pytest.raises(NatsamError, match="unknown parameter"):
        aggregate(pd.DataFrame({"a": [1.0], "b": [1.0], "c": [1.0]}), fw, q=2)


def test_aggregate_array_batches_match_single_runs() -> None:
    fw = catalog_framework(None)
    plan = AggregationPlan.from_framework(fw)
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 100, (290, len(fw.indicators)))
    x[rng.random(x.shape) < 0.1] = np.nan
    w = plan.weight_vector() * rng.uniform(0.5, 1.5, (5, len(plan.codes)))
    for method in ("arithmetic", "geometric", "harmonic"):
        batch = aggregate_array(x, plan, w, method)
        assert batch.shape == (5, 290, len(plan.aggregates))
        for i in range(5):
            single = aggregate_array(x, plan, w[i], method)
            assert np.allclose(batch[i], single, equal_nan=True)
        # the pandas path gives the same numbers
        frame = aggregate(pd.DataFrame(x, columns=fw.indicators), fw, method, weights=dict(zip(plan.codes, w[0])))
        assert np.allclose(frame[list(plan.aggregates)].to_numpy(), aggregate_array(x, plan, w[0], method),
                           equal_nan=True)
    # batched values too (e.g. Monte Carlo over normalisations)
    xs = np.stack([x, x * 2])
    both = aggregate_array(xs, plan)
    assert np.allclose(both[1], 2 * both[0], equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (7,), elements=st.floats(0.5, 1000)),
       arrays(np.float64, (5,), elements=st.floats(0.01, 10)),
       st.sampled_from(["arithmetic", "geometric", "harmonic", "generalised"]))
def test_aggregate_of_equal_children_equals_the_child(values, weights, method) -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["a", "b", "c"], "Q": ["d", "e"]}})
    plan = AggregationPlan.from_framework(fw)
    x = np.repeat(values[:, None], 5, axis=1)
    w = np.concatenate([weights, [1.0, 1.0, 1.0]])
    out = aggregate_array(x, plan, w, method, p=0.5)
    assert np.allclose(out, values[:, None], rtol=1e-9)


def test_rank_scores_ties_share_the_lowest_rank() -> None:
    s = pd.Series([50.0, 70.0, 50.0, np.nan, 10.0, 70.0], index=units(*"abcdef"))
    assert rank_scores(s).tolist() == [3, 1, 3, pd.NA, 5, 1]
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 2.0]})
    assert rank_scores(df).to_dict("list") == {"x": [2, 1], "y": [1, 1]}


def test_weights_equal_effective_and_pca() -> None:
    fw = Framework.from_hierarchy({"Index": {"P": ["a", "b", "c"], "Q": ["d"]}}, weights={"a": 2, "Q": 3})
    assert set(equal_weights(fw)) == {1.0}
    eff = effective_weights(fw)
    # P is 1/4 of the Index; a is 2/4 of P
    assert eff.to_dict() == pytest.approx({"a": 0.125, "b": 0.0625, "c": 0.0625, "d": 0.75})
    rng = np.random.default_rng(3)
    z = rng.normal(size=200)
    df = pd.DataFrame({"a": z, "b": z + rng.normal(scale=0.05, size=200), "c": rng.normal(size=200),
                       "d": rng.normal(size=200)})
    w = pca_weights(df, fw, levels=[2])
    # a and b share the first component; the unrelated c gets almost nothing
    assert w[["a", "b", "c"]].sum() == pytest.approx(1.0)
    assert w["a"] == pytest.approx(0.5, abs=0.02) and w["c"] < 0.05
    assert w["d"] == 1.0 and w["Q"] == 3.0  # a single child keeps its weight; level 3 not asked


# --------------------------------------------------------------------------------------------------
# the coin


def test_coin_keeps_every_data_set_and_logs_steps(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    coin = Coin(idata, imeta, name="Small")
    assert coin.groups.columns.tolist() == ["Region_group"] and coin.denominators.columns.tolist() == ["Pop"]
    coin.run_step("denominate").run_step("impute", method="mean_group", group="Region_group")
    coin.run_step("normalise", method="minmax").run_step("aggregate")
    assert list(coin.data) == ["raw", "denominated", "imputed", "normalised", "aggregated"]
    assert coin.data["raw"].loc["u1", "a"] == 10.0 and coin.data["denominated"].loc["u1", "a"] == 1.0
    # u3 is in group S with u4: a = 160/80 = 2; c = 2
    assert coin.data["imputed"].loc["u3", "a"] == 2.0 and coin.data["imputed"].loc["u3", "c"] == 2.0
    assert coin.log[1] == {"step": "impute", "from": "denominated",
                           "params": {"method": "mean_group", "group": "Region_group"}}
    res = coin.results()
    assert res.columns.tolist()[:4] == ["uCode", "a", "b", "c"]
    assert {"Rank_P", "Rank_Q", "Rank_Index"} <= set(res.columns)
    assert res["Rank_Index"].min() == 1
    # a step may start from any earlier data set, and writes its own without touching others
    before = coin.data["normalised"].copy()
    coin.run_step("normalise", from_="imputed", method="rank")
    assert not coin.data["normalised"].equals(before) and coin.log[-1]["from"] == "imputed"
    with pytest.raises(NatsamError, match="from='treated' is not a data set of this coin"):
        coin.run_step("aggregate", from_="treated")
    with pytest.raises(NatsamError, match="unknown parameter 'winmx'"):
        coin.run_step("treat", winmx=3)


def test_to_keeps_a_repeated_step_from_overwriting(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    spec = {"steps": [{"step": "impute", "method": "median", "to": "imputed_median"},
                      {"step": "impute", "method": "mean", "from": "raw"},
                      {"step": "normalise", "from": "imputed_median"}, {"step": "aggregate"}]}
    coin = Coin(idata, imeta).build(spec)
    # a: 10, 40, ?, 160 -> median 40, mean 70
    assert coin.data["imputed_median"].loc["u3", "a"] == 40.0 and coin.data["imputed"].loc["u3", "a"] == 70.0
    assert coin.log[0]["to"] == "imputed_median" and coin.log[2]["from"] == "imputed_median"
    assert coin.regenerate().data["imputed_median"].equals(coin.data["imputed_median"])
    assert load_spec(coin.spec()).steps[0]["to"] == "imputed_median"
    with pytest.raises(ValidationError, match="step 1, key 'to': 'raw'"):
        load_spec({"steps": [{"step": "impute", "to": "raw"}]})


def test_regenerate_replays_with_changes(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    coin = Coin(idata, imeta).build({"steps": [
        {"step": "denominate"}, {"step": "impute", "method": "mean"}, {"step": "normalise"},
        {"step": "aggregate", "weights": {"Q": 3}}]})
    same = coin.regenerate()
    assert same.results().equals(coin.results()) and same.log == coin.log
    variant = coin.regenerate({"aggregate": {"weights": "equal"}, "normalise": {"method": "zscore"}})
    assert variant.log[3]["params"] == {"weights": "equal"} and coin.log[3]["params"] == {"weights": {"Q": 3}}
    assert variant.weights["Q"] == 1.0 and coin.weights["Q"] == 3.0
    assert variant.data["normalised"]["b"].mean() == pytest.approx(0.0)
    assert coin.regenerate({1: {"method": None}}).log[1]["params"] == {}
    with pytest.raises(NatsamError, match="name no step"):
        coin.regenerate({"treat": {"winmax": 2}})


def test_coin_rejects_inconsistent_inputs(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    with pytest.raises(ValidationError, match="missing indicator column"):
        Coin(idata.drop(columns="c"), imeta)
    with pytest.raises(ValidationError, match="'u1' appears more than once"):
        Coin(pd.concat([idata, idata.iloc[:1]]), imeta)
    with pytest.raises(ValidationError, match=r"row 3, column 'b': 'many' is not a number"):
        Coin(idata.assign(b=["1", "many", "3", "4"]), imeta)


# --------------------------------------------------------------------------------------------------
# panel coins


def tiny_panel() -> pd.DataFrame:
    rows = []
    values = {  # municipality -> kpi -> {year: value}
        "0114": {"N00999": {2022: 8.0, 2023: 9.0}, "N01004": {2021: 5.0, 2023: 7.0}},
        "0115": {"N00999": {2022: 7.0, 2023: 10.0}, "N01004": {2021: 4.0}},
        "1280": {"N00999": {2022: 12.0}, "N01004": {2021: 6.0, 2022: 6.5, 2023: 8.0}},
    }
    for mid, kpis in values.items():
        for kpi, series in kpis.items():
            for year, v in series.items():
                rows += [{"municipality_id": mid, "kpi": kpi, "year": year, "gender": "T", "value": v,
                          "status": "", "source": "demo"},
                         {"municipality_id": mid, "kpi": kpi, "year": year, "gender": "K", "value": -v,
                          "status": "", "source": "demo"}]
    panel = pd.DataFrame(rows)
    panel.attrs["provenance"] = {"source": "demo", "synthetic": True}
    return panel


def test_from_panel_pivots_a_year_and_keeps_the_history() -> None:
    spec = {"name": "Test", "indicators": ["N00999", "N01004"], "steps": [{"step": "aggregate"}]}
    coin = Coin.from_panel(tiny_panel(), spec, year=2023)
    assert coin.framework.aggregates == {2: ["naringslivsdynamik"], 3: ["Index"]}
    assert coin.years == {"N00999": 2023, "N01004": 2023}
    raw = coin.data["raw"]
    assert raw.index.tolist() == ["0114", "0115", "1280"]
    assert raw["N00999"].tolist()[:2] == [9.0, 10.0] and math.isnan(raw.loc["1280", "N00999"])
    assert coin.groups["county_group"].tolist() == ["01", "01", "12"]
    coin.run_step("impute", method="latest")
    assert coin.data["imputed"].loc["1280", "N00999"] == 12.0 and coin.data["imputed"].loc["0115", "N01004"] == 4.0
    coin.run_step("impute", from_="raw", method="interpolate")
    assert math.isnan(coin.data["imputed"].loc["1280", "N00999"])  # no later value: not extrapolated
    assert coin.provenance["synthetic"] is True
    # no year: each indicator's latest year with data; a year before the data: its latest earlier year
    assert Coin.from_panel(tiny_panel(), spec).years == {"N00999": 2023, "N01004": 2023}
    assert Coin.from_panel(tiny_panel(), spec, year=2022).years == {"N00999": 2022, "N01004": 2022}
    with pytest.raises(NatsamError, match="no values in or before 2020"):
        Coin.from_panel(tiny_panel(), spec, year=2020)
    with pytest.raises(NatsamError, match="no values .* for indicator\\(s\\) N00090"):
        Coin.from_panel(tiny_panel(), {"indicators": ["N00999", "N00090"], "steps": [{"step": "aggregate"}]})


def test_build_index_from_the_demo_panel(demo_panel: pd.DataFrame) -> None:
    spec = {"name": "Demo index", "year": 2024, "framework": {"weights": {"kompetens": 2}}, "steps": [
        {"step": "impute", "method": "latest", "max_age": 3},
        {"step": "impute", "method": "mean_group", "group": "county_group"},
        {"step": "screen", "threshold": 0.8}, {"step": "treat"},
        {"step": "normalise", "method": "minmax", "range": [0, 100]},
        {"step": "aggregate", "method": "arithmetic"}]}
    coin = build_index(spec, panel=demo_panel)
    res = coin.results()
    catalog = load_catalog()
    scored = catalog.index[catalog["pillar"] != "context"].tolist()
    assert len(res) == 290 and coin.framework.indicators == scored  # context variables are not scored
    assert coin.framework.aggregates[2][0] == "kompetens" and coin.framework.top == "Index"
    assert res["Index"].between(0, 100).all() and sorted(res["Rank_Index"])[:1] == [1]
    assert coin.years["N05401"] == 2022  # an election indicator: its latest year before 2024
    eff = effective_weights(coin.framework, coin.weights)
    pillar_sum = eff.groupby(coin.framework.imeta.loc[eff.index, "Parent"]).sum()
    assert pillar_sum["kompetens"] == pytest.approx(2 / 9)


# --------------------------------------------------------------------------------------------------
# specs


def test_spec_errors_name_the_step_and_key(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: Bad\nsteps:\n  - step: denominate\n  - step: impute\n    method: mean_group\n"
                    "  - step: normalise\n    from: aggregated\n    range: [100, 0]\n  - step: blend\n"
                    "color: red\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_spec(path)
    text = str(err.value)
    assert str(path) in text
    assert "step 2, key 'group': method 'mean_group' needs 'group'" in text
    assert "step 3, key 'from': data set 'aggregated' is not made by an earlier step" in text
    assert "step 3, key 'range'" in text and "low < high" in text
    assert "step 4, key 'step': unknown step 'blend'" in text
    assert "key 'color': unknown" in text
    assert "data/indices/README.md" in text


def test_spec_errors_suggest_the_step_or_parameter_meant() -> None:
    with pytest.raises(ValidationError) as err:
        load_spec({"name": "Typos", "steps": [{"step": "normalize"}, {"step": "treat", "win_max": 3}]})
    text = str(err.value)
    assert "step 1, key 'step': unknown step 'normalize' (did you mean 'normalise'?)" in text
    assert "step 2, key 'win_max': unknown parameter 'win_max' for step 'treat' (did you mean 'winmax'?)" in text


def test_spec_round_trips_through_yaml() -> None:
    spec = load_spec({"name": "Åäö", "year": 2024, "framework": {"pillars": ["social"]},
                      "steps": [{"step": "normalise", "method": "zscore", "mean": 10, "sd": 2}]})
    again = load_spec(__import__("yaml").safe_load(spec.to_yaml()))
    assert again.to_dict() == spec.to_dict() and again.uses_panel


def test_catalog_framework_errors() -> None:
    with pytest.raises(ValidationError, match="'nope' is not a scored pillar"):
        catalog_framework({"framework": {"pillars": ["nope"]}, "steps": [{"step": "aggregate"}]})
    with pytest.raises(ValidationError, match="'N01951' is a context variable"):
        catalog_framework({"indicators": ["N01951"], "steps": [{"step": "aggregate"}]})
    fw = catalog_framework({"framework": {"pillars": ["jamstalldhet"]}, "steps": [{"step": "aggregate"}]})
    # two-sided indicators keep their catalog target
    assert fw.direction["N05816"] == 0 and fw.target["N05816"] == 50.0


def test_build_errors_name_spec_and_step(small_coin_inputs) -> None:
    idata, imeta = small_coin_inputs
    spec = {"name": "X", "steps": [{"step": "impute", "method": "mean_group", "group": "Nope_group"}]}
    with pytest.raises(NatsamError, match=r"index spec: step 1 \(impute\): key 'group': 'Nope_group'"):
        build_index(spec, idata=idata, imeta=imeta)
    with pytest.raises(NatsamError, match="needs iData and iMeta"):
        build_index({"steps": [{"step": "aggregate"}]})
