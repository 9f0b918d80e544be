"""Audit functions: statistics and flags, correlations, Cronbach's alpha, PCA and removal impact.

Every number is checked against an independent computation: the textbook formula for Cronbach's
alpha, an eigen-decomposition of the correlation matrix for the PCA, pandas/numpy for correlations,
and a rebuild of the index without the removed component for the removal impact. On COINr's ASEM
example, the outlier flag must pick exactly the indicators COINr's treatment winsorised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from natsam_analysis.composite import Coin
from natsam_analysis.composite.audit import (
    audit_coin,
    compare_variants,
    correlation_flag,
    correlations_with_aggregates,
    cronbach_alpha,
    group_cronbach,
    group_pca,
    indicator_statistics,
    removal_impact,
    within_group_correlations,
)
from natsam_analysis.composite.framework import Framework
from natsam_analysis.composite.steps import aggregate, rank_scores
from natsam_analysis.errors import NatsamError

# --------------------------------------------------------------------------------------------------
# a small index: two pillars of two and three indicators


@pytest.fixture
def small():
    fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c", "d", "e"]}}, weights={"Q": 2.0})
    rng = np.random.default_rng(3)
    z = rng.normal(size=30)
    df = pd.DataFrame({
        "a": 50 + 10 * z + rng.normal(scale=2, size=30),
        "b": 50 + 10 * z + rng.normal(scale=3, size=30),
        "c": rng.uniform(0, 100, 30),
        "d": 100 - rng.uniform(0, 100, 30),
        "e": rng.uniform(0, 100, 30),
    }, index=pd.Index([f"u{i:02d}" for i in range(30)], name="uCode"))
    df.loc["u03", "c"] = np.nan
    return fw, df


def textbook_alpha(frame: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the total score), complete rows."""
    k = frame.shape[1]
    return k / (k - 1) * (1 - frame.var(ddof=1).sum() / frame.sum(axis=1).var(ddof=1))


# --------------------------------------------------------------------------------------------------
# statistics


def test_statistics_by_hand():
    df = pd.DataFrame({
        "skewed": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0],
        "gappy": [1.0, 2, np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 5, 6, 7],
        "zeros": [0.0] * 9 + [1, 2, 3],
    })
    st = indicator_statistics(df)
    x = df["skewed"].to_numpy()
    assert st.loc["skewed", "Skew"] == pytest.approx(stats.skew(x, bias=False))
    assert st.loc["skewed", "Kurt"] == pytest.approx(stats.kurtosis(x, bias=False))
    n, m, sd = len(x), x.mean(), x.std(ddof=1)
    excel_skew = n / ((n - 1) * (n - 2)) * np.sum(((x - m) / sd) ** 3)  # Excel's SKEW
    assert st.loc["skewed", "Skew"] == pytest.approx(excel_skew) and excel_skew == pytest.approx(3.0632, abs=1e-4)
    assert st.loc["skewed", "Flag_SkewKurt"] == "OUT"
    assert st.loc["skewed", ["Min", "Max", "Median"]].tolist() == [1.0, 100.0, 6.5]
    assert st.loc["skewed", "Std"] == pytest.approx(np.std(x, ddof=1))
    assert st.loc["gappy", "N_Avail"] == 7 and st.loc["gappy", "Frc_Avail"] == pytest.approx(7 / 12)
    assert st.loc["gappy", "Flag_Avail"] == "LOW"  # 0.583 < 0.65
    assert st.loc["gappy", "Flag_SkewKurt"] == "ok"
    assert st.loc["zeros", "N_NonZero"] == 3 and st.loc["zeros", "Flag_NonZero"] == "LOW"
    assert st.loc["zeros", "N_Same"] == 9 and st.loc["zeros", "Frc_Same"] == pytest.approx(0.75)
    assert st.loc["zeros", "N_Unique"] == 4 and st.loc["zeros", "Flag_Unique"] == "LOW"
    # thresholds are parameters
    assert indicator_statistics(df, t_avail=0.5).loc["gappy", "Flag_Avail"] == "ok"
    assert indicator_statistics(df, t_kurt=10).loc["skewed", "Flag_SkewKurt"] == "ok"


def test_outlier_flag_picks_what_coinr_treated(reference_file):
    imputed = pd.read_csv(reference_file("coinr_asem", "ASEM_COIN_Data_Imputed.csv")).set_index("UnitCode")
    summary = pd.read_csv(reference_file("coinr_asem", "ASEM_COIN_TreatSummary.csv"),
                          keep_default_na=False).set_index("IndCode")
    st = indicator_statistics(imputed, list(summary.index))
    flagged = set(st.index[st["Flag_SkewKurt"] == "OUT"])
    treated = set(summary.index[summary["Treatment"] != "None"])
    assert len(treated) == 15
    assert flagged == treated


def test_statistics_name_missing_columns():
    with pytest.raises(NatsamError, match="'nope'"):
        indicator_statistics(pd.DataFrame({"a": [1.0]}), ["a", "nope"])


# --------------------------------------------------------------------------------------------------
# correlations


def test_correlation_flags_at_the_thresholds():
    assert correlation_flag(-0.41) == "negative"
    assert correlation_flag(-0.4) == "weak"
    assert correlation_flag(0.29) == "weak"
    assert correlation_flag(0.3) == "ok"
    assert correlation_flag(0.91) == "ok"
    assert correlation_flag(0.91, same_group=True) == "redundant"
    assert correlation_flag(0.9, same_group=True) == "ok"
    assert correlation_flag(0.5, thresholds={"weak": 0.6}) == "weak"
    assert correlation_flag(float("nan")) == "missing"


def test_correlations_with_aggregates(small):
    fw, df = small
    agg = aggregate(df, fw)
    table = correlations_with_aggregates(agg, fw)
    # every indicator vs 3 aggregates, every level-2 aggregate vs the Index
    assert len(table) == 5 * 3 + 2
    row = table[(table.iCode == "c") & (table.Aggregate == "Q")].iloc[0]
    mask = agg[["c", "Q"]].dropna()
    assert row.Relation == "parent" and row.Level == 1 and row.AggLevel == 2
    assert row.Correlation == pytest.approx(np.corrcoef(mask["c"], mask["Q"])[0, 1])
    assert row.N == 29
    assert set(table[table.iCode == "a"].set_index("Aggregate")["Relation"].items()) == {
        ("P", "parent"), ("Q", "other"), ("Index", "ancestor")}
    # a and b are built to move together: strongly with their parent; d is uncorrelated with P
    assert table.set_index(["iCode", "Aggregate"]).loc[("a", "P"), "Correlation"] > 0.9
    flags = table.set_index(["iCode", "Aggregate"])["Flag"]
    assert flags[("a", "P")] == "ok"  # not "redundant": an indicator is part of its parent
    expected = [correlation_flag(r) for r in table["Correlation"]]
    assert table["Flag"].tolist() == expected
    spear = correlations_with_aggregates(agg, fw, method="spearman")
    r = spear[(spear.iCode == "e") & (spear.Aggregate == "Index")]["Correlation"].iloc[0]
    assert r == pytest.approx(stats.spearmanr(agg["e"], agg["Index"]).statistic)


def test_within_group_correlations(small):
    fw, df = small
    table = within_group_correlations(df, fw)
    assert table[["Group", "Code1", "Code2"]].values.tolist() == [
        ["P", "a", "b"], ["Q", "c", "d"], ["Q", "c", "e"], ["Q", "d", "e"]]
    assert table.iloc[0]["Correlation"] == pytest.approx(df["a"].corr(df["b"]))
    assert table.iloc[0]["Correlation"] > 0.9 and table.iloc[0]["Flag"] == "redundant"
    assert (table["Flag"].iloc[1:] != "redundant").all()
    agg = aggregate(df, fw)
    level2 = within_group_correlations(agg, fw, level=2)
    assert level2[["Group", "Code1", "Code2"]].values.tolist() == [["Index", "P", "Q"]]
    with pytest.raises(NatsamError, match="level must be one of"):
        within_group_correlations(df, fw, level=3)


# --------------------------------------------------------------------------------------------------
# Cronbach and PCA


def test_cronbach_matches_the_textbook_formula():
    table = pd.DataFrame({"q1": [3.0, 4, 5, 2, 4, 3], "q2": [2.0, 5, 4, 2, 5, 3], "q3": [3.0, 3, 5, 1, 4, 4]})
    # by hand: item variances 5.5/5, 9.5/5, 9.3333/5; totals 8, 12, 14, 5, 13, 10 have variance 57.3333/5
    assert table.var(ddof=1).round(4).tolist() == [1.1, 1.9, 1.8667]
    assert table.sum(axis=1).var(ddof=1) == pytest.approx(57.333333 / 5)
    hand = 3 / 2 * (1 - (5.5 + 9.5 + 9.333333) / 57.333333)  # = 0.86337
    assert cronbach_alpha(table) == pytest.approx(hand, rel=1e-6)
    assert cronbach_alpha(table) == pytest.approx(0.86337, abs=1e-5)
    assert cronbach_alpha(table) == pytest.approx(textbook_alpha(table))
    assert np.isnan(cronbach_alpha(table[["q1"]]))


def test_group_cronbach_and_missing_values(small):
    fw, df = small
    out = group_cronbach(df, fw).set_index("Group")
    assert out.loc["P", "Alpha"] == pytest.approx(textbook_alpha(df[["a", "b"]]))
    assert out.loc["P", "Alpha"] > 0.8  # built to agree
    assert out.loc["Q", "N_Components"] == 3 and out.loc["Q", "Alpha"] < 0.5
    # with a missing value the covariances are pairwise: equal to the formula on the covariance matrix
    cov = df[["c", "d", "e"]].cov().to_numpy()
    k = 3
    assert out.loc["Q", "Alpha"] == pytest.approx(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def test_group_pca_matches_the_correlation_eigenvectors(small):
    fw, df = small
    res = group_pca(df, fw)
    for group, kids in (("P", ["a", "b"]), ("Q", ["c", "d", "e"])):
        block = df[kids].dropna()
        eigval, eigvec = np.linalg.eigh(np.corrcoef(block.to_numpy(), rowvar=False))
        first = eigvec[:, -1] * np.sign(eigvec[:, -1].sum())
        row = res.summary.set_index("Group").loc[group]
        assert row["N_Units"] == len(block)
        assert row["VarExplained_PC1"] == pytest.approx(eigval[-1] / len(kids))
        assert sum(row["VarExplained"]) == pytest.approx(1.0)
        load = res.loadings[res.loadings.Group == group].set_index("iCode")["Loading_PC1"]
        np.testing.assert_allclose(load[kids].to_numpy(), first, atol=1e-10)
    assert res.summary.set_index("Group").loc["P", "VarExplained_PC1"] > 0.9


def test_group_pca_on_aggregates(small):
    fw, df = small
    agg = aggregate(df, fw)
    res = group_pca(agg, fw, level=2)
    assert res.summary["Group"].tolist() == ["Index"]
    r = agg["P"].corr(agg["Q"])
    assert res.summary["VarExplained_PC1"].iloc[0] == pytest.approx((1 + abs(r)) / 2)


# --------------------------------------------------------------------------------------------------
# removal impact


def _rebuild_without(fw: Framework, df: pd.DataFrame, code: str, method: str = "arithmetic") -> pd.Series:
    """The Index recomputed on a framework that does not have ``code`` at all."""
    meta = fw.to_imeta()
    drop = {code}
    if fw.level_of(code) > 1:
        drop |= set(fw.indicators_under(code))
    keep = meta[~meta["iCode"].isin(drop)]
    fw2 = Framework.from_imeta(keep[[c for c in keep.columns if c != "iName"]])
    return aggregate(df[fw2.indicators], fw2, method)[fw2.top]


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
def test_removal_equals_rebuilding_without_the_indicator(small, method):
    fw, df = small
    df = df.clip(lower=1.0)
    res = removal_impact(df, fw, level=1, method=method)
    nominal = rank_scores(aggregate(df, fw, method)["Index"]).astype(float)
    for code in fw.indicators:
        ranks = rank_scores(_rebuild_without(fw, df, code, method)).astype(float)
        expected = (nominal - ranks).abs().mean()
        got = res.summary.set_index("iCode").loc[code, "MeanAbsRankChange"]
        assert got == pytest.approx(expected), code
        np.testing.assert_allclose(res.rank_changes[code].to_numpy(), (nominal - ranks).to_numpy())
    assert res.summary["Parent"].tolist() == ["P", "P", "Q", "Q", "Q"]
    assert (res.summary["MeanAbsRankChange"] > 0).all()


def test_removal_of_aggregates_and_custom_weights(small):
    fw, df = small
    res = removal_impact(df, fw, level=2)
    assert res.summary["iCode"].tolist() == ["P", "Q"]
    # without P the Index is Q itself
    no_p = rank_scores(aggregate(df, fw)["Q"]).astype(float)
    nominal = rank_scores(aggregate(df, fw)["Index"]).astype(float)
    assert res.summary.set_index("iCode").loc["P", "MeanAbsRankChange"] == pytest.approx(
        (nominal - no_p).abs().mean())
    # weights given explicitly are the ones used (Q's nominal weight 2 here)
    w = fw.weight.copy()
    w["Q"] = 1.0
    res1 = removal_impact(df, fw, level=2, weights=w)
    np.testing.assert_allclose(res1.scores["Nominal"], aggregate(df, fw, weights=w)["Index"])
    assert not np.allclose(res1.scores["Nominal"], res.scores["Nominal"])
    with pytest.raises(NatsamError, match="level must be one of"):
        removal_impact(df, fw, level=3)


def test_removal_on_coinr_normalised_data(reference_file):
    meta = pd.read_csv(reference_file("coinr_asem", "ASEM_iMeta.csv"))
    fw = Framework.from_imeta(meta)
    norm = pd.read_csv(reference_file("coinr_asem", "ASEM_COIN_Data_Normalised.csv")).set_index("UnitCode")
    res = removal_impact(norm, fw, level=2)
    assert len(res.summary) == len(fw.aggregates[2]) == 8
    nominal = aggregate(norm[fw.indicators], fw)["Index"]
    np.testing.assert_allclose(res.scores["Nominal"], nominal)
    # COINr's ASEM Index: CHE 68.38 at the top
    assert res.scores["Nominal"].idxmax() == "CHE"
    assert res.scores["Nominal"].max() == pytest.approx(68.38, abs=0.01)
    for code in ("Physical", "Environ"):
        ranks = rank_scores(_rebuild_without(fw, norm, code)).astype(float)
        expected = (rank_scores(nominal).astype(float) - ranks).abs().mean()
        assert res.summary.set_index("iCode").loc[code, "MeanAbsRankChange"] == pytest.approx(expected)


# --------------------------------------------------------------------------------------------------
# the whole audit of a coin


def test_audit_coin_gathers_every_table(small):
    fw, df = small
    coin = Coin(df.reset_index(), fw).build({"name": "t", "steps": [
        {"step": "impute", "method": "mean"},
        {"step": "normalise", "method": "minmax", "range": [1, 100]},
        {"step": "aggregate", "method": "geometric", "weights": {"P": 3.0}},
    ]})
    report = audit_coin(coin)
    norm, agg = coin.data["normalised"], coin.data["aggregated"]
    pd.testing.assert_frame_equal(report.statistics, indicator_statistics(coin.data["raw"]))
    assert report.statistics.loc["c", "N_Avail"] == 29
    assert set(report.within_group["Level"]) == {1, 2}
    assert report.cronbach["Group"].tolist() == ["P", "Q", "Index"]
    assert report.cronbach.set_index("Group").loc["P", "Alpha"] == pytest.approx(cronbach_alpha(norm[["a", "b"]]))
    assert report.pca.summary["Group"].tolist() == ["P", "Q", "Index"]
    # the removal uses the coin's own aggregation: geometric mean, P weighted 3
    expected = removal_impact(norm, fw, level=2, method="geometric", weights=coin.weights).summary
    got = report.removal[report.removal["Level"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected)
    assert removal_impact(norm, fw, level=2, method="geometric").summary["MeanAbsRankChange"].tolist() != \
        got["MeanAbsRankChange"].tolist()
    np.testing.assert_allclose(
        removal_impact(norm, fw, level=1, method="geometric", weights=coin.weights).scores["Nominal"], agg["Index"])
    row = report.correlations.set_index(["iCode", "Aggregate"]).loc[("a", "P")]
    assert row["Correlation"] == pytest.approx(norm["a"].corr(agg["P"]))
    with pytest.raises(NatsamError, match="not been aggregated"):
        audit_coin(Coin(df.reset_index(), fw))


def test_compare_variants_by_hand():
    from natsam_analysis.composite.coin import Coin

    idata = pd.DataFrame({"uCode": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0], "y": [4.0, 1.0, 2.0, 3.5]})
    imeta = pd.DataFrame({"Level": [1, 1, 2], "iCode": ["x", "y", "Index"], "Direction": [1, 1, 1],
                          "Parent": ["Index", "Index", None], "Type": ["Indicator", "Indicator", "Aggregate"],
                          "Weight": [1.0, 1.0, 1.0]})
    coin = Coin(idata, imeta).run_step("normalise", method="minmax", range=[1, 100]).run_step("aggregate")
    variant = coin.regenerate({"aggregate": {"weights": {"x": 3.0, "y": 1.0}}})
    table, rho = compare_variants(coin, variant)
    # x -> 1, 34, 67, 100 and y -> 100, 1, 34, 83.5. Equal weights: a 50.5, b 17.5, c 50.5, d 91.75
    # (ranks 2, 4, 2, 1); x three times as heavy: a 25.75, b 25.75, c 58.75, d 95.875 (ranks 3, 3, 2, 1)
    assert table.loc[["a", "b", "c", "d"], "Rank"].tolist() == [2, 4, 2, 1]
    assert table.loc[["a", "b", "c", "d"], "VariantRank"].tolist() == [3, 3, 2, 1]
    assert table["Shift"].tolist() == sorted(table["Shift"].tolist(), key=abs, reverse=True)
    assert rho == pytest.approx(pd.Series([2, 4, 2, 1]).corr(pd.Series([3, 3, 2, 1]), method="spearman"))
    with pytest.raises(NatsamError, match="aggregated 'Q'"):
        compare_variants(coin, variant, "Q")
