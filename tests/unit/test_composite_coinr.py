"""The engine reproduces COINr's example index (ASEM) data set by data set.

``data/indices/coinr_example.yaml`` is run on COINr's example iData/iMeta; every intermediate data
set is compared with the one COINr wrote (``ASEM_COIN_Data_*.csv``) to 1e-6, absolute, in every cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from natsam_analysis import config
from natsam_analysis.composite import Coin, build_index, load_spec
from natsam_analysis.composite.coin import _read_csv
from natsam_analysis.composite.steps import effective_weights
from refdata import reference_path

SPEC = config.PROJECT_ROOT / "data" / "indices" / "coinr_example.yaml"
TOL = 1e-6
# COINr's own columns in its exported data sets (everything else is an indicator or aggregate)
COINR_ID_COLUMNS = ["UnitCode", "UnitName", "Year", "Group_GDP", "Group_GDPpc", "Group_Pop", "Group_EurAsia"]


def asem(name: str) -> pd.DataFrame:
    return pd.read_csv(reference_path("coinr_asem", name))


@pytest.fixture(scope="module")
def coin() -> Coin:
    idata = _read_csv(reference_path("coinr_asem", "ASEM_iData.csv"), "iData")
    imeta = _read_csv(reference_path("coinr_asem", "ASEM_iMeta.csv"), "iMeta")
    return build_index(SPEC, idata=idata, imeta=imeta)


def test_the_spec_is_coinrs_pipeline() -> None:
    spec = load_spec(SPEC)
    assert [s["step"] for s in spec.steps] == ["denominate", "impute", "screen", "treat", "normalise", "aggregate"]
    assert spec.steps[1] == {"step": "impute", "method": "mean_group", "group": "EurAsia_group"}
    assert not spec.uses_panel


@pytest.mark.parametrize(("ours", "theirs"), [
    ("raw", "Raw"), ("denominated", "Denominated"), ("imputed", "Imputed"), ("screened", "Imputed"),
    ("treated", "Treated"), ("normalised", "Normalised"), ("aggregated", "Aggregated"),
])
def test_every_data_set_matches_coinr(coin: Coin, ours: str, theirs: str) -> None:
    ref = asem(f"ASEM_COIN_Data_{theirs}.csv").set_index("UnitCode")
    value_cols = [c for c in ref.columns if c not in COINR_ID_COLUMNS]
    got = coin.data[ours]
    assert sorted(got.index) == sorted(ref.index)            # same units (none screened out)
    assert sorted(got.columns) == sorted(value_cols)          # same indicators and aggregates
    a = got.loc[ref.index, value_cols].to_numpy(dtype=float)
    b = ref[value_cols].to_numpy(dtype=float)
    assert (np.isnan(a) == np.isnan(b)).all(), "missing values in different cells"
    diff = np.abs(np.nan_to_num(a) - np.nan_to_num(b))
    worst = np.unravel_index(diff.argmax(), diff.shape)
    assert diff.max() <= TOL, f"{ours}: {value_cols[worst[1]]} of {ref.index[worst[0]]} differs by {diff.max()}"


def test_imputation_filled_the_gaps_left_by_denomination(coin: Coin) -> None:
    # 63 raw gaps, plus Elec and Gas of the one unit without an Energy denominator
    assert int(coin.data["raw"].isna().sum().sum()) == 63
    assert int(coin.data["denominated"].isna().sum().sum()) == 65
    assert int(coin.data["imputed"].isna().sum().sum()) == 0
    assert coin.analysis["screened"]["removed"] == []


def test_treatment_summary_matches_coinr(coin: Coin) -> None:
    # keep_default_na=False: "None" in the Treatment column is text, not a missing value
    ref = pd.read_csv(reference_path("coinr_asem", "ASEM_COIN_TreatSummary.csv"), keep_default_na=False)
    ref = ref.set_index("IndCode")
    got = coin.analysis["treated"].set_index("iCode").loc[ref.index]
    assert got["Low"].tolist() == ref["Low"].astype(int).tolist()
    assert got["High"].tolist() == ref["High"].astype(int).tolist()
    assert got["Treatment"].tolist() == ref["Treatment"].tolist()
    assert got["TreatSpec"].tolist() == ref["TreatSpec"].tolist()  # "Default, winmax = 6"
    assert int(ref["High"].sum()) == 34 and got.loc["FemLab", "Low"] == 1
    # every indicator COINr treated now passes the skewness/kurtosis rule
    treated = got[got["Treatment"] != "None"]
    assert not ((treated["SkewAfter"].abs() > 2) & (treated["KurtAfter"] > 3.5)).any()


def test_winmax_five_gives_the_same_data(coin: Coin) -> None:
    """COINr's default winmax is ceiling(10 % of 51 units) = 6; no indicator needs more than 4 points."""
    five = coin.regenerate({"treat": {"winmax": 5}})
    assert np.allclose(five.data["treated"], coin.data["treated"], rtol=0, atol=0, equal_nan=True)
    assert set(five.analysis["treated"]["TreatSpec"]) == {"Default, winmax = 5"}
    assert coin.log[3]["params"] == {"winmax": 6}  # the original coin is untouched
    # with fewer points allowed, some indicators fall back to the log transform
    two = coin.regenerate({"treat": {"winmax": 2}})
    logged = two.analysis["treated"].query("Treatment == 'CTLog (exceeded winmax)'")["iCode"].tolist()
    assert {"Services", "ForPort", "Tariff", "CultServ", "Bord", "Gas", "Poverty", "NGOs"} <= set(logged)


def test_index_ranks_and_scores_match_coinr(coin: Coin) -> None:
    res = coin.results().sort_values("Rank_Index")
    assert res["uCode"].head(6).tolist() == ["CHE", "NLD", "DNK", "NOR", "BEL", "SWE"]
    assert res["Rank_Index"].head(6).tolist() == [1, 2, 3, 4, 5, 6]
    assert res["Index"].head(6).round(2).tolist() == [68.38, 64.82, 64.80, 64.47, 63.54, 63.00]


def test_pca_and_equal_weight_variants(coin: Coin) -> None:
    pca = coin.regenerate({"aggregate": {"weights": "pca", "pca_levels": [2]}})
    w = pca.weights
    for pillar in coin.framework.aggregates[2]:
        kids = coin.framework.children(pillar)
        assert w[kids].sum() == pytest.approx(1.0) and (w[kids] >= 0).all()
    assert w["Conn"] == 1.0  # level 3 keeps the metadata weights
    assert not np.allclose(pca.data["aggregated"]["Index"], coin.data["aggregated"]["Index"])
    eff = pca.analysis["aggregated"]["effective_weights"]
    assert eff.sum() == pytest.approx(1.0)
    # the ASEM metadata weights are all 1: "equal" changes nothing
    equal = coin.regenerate({"aggregate": {"weights": "equal"}})
    assert np.allclose(equal.data["aggregated"], coin.data["aggregated"])


def test_weights_match_coinr(coin: Coin) -> None:
    ref = asem("ASEM_COIN_Weights_Original.csv").set_index("Code")["Weight"]
    assert coin.weights.reindex(ref.index).tolist() == ref.tolist()
    eff = effective_weights(coin.framework, coin.weights)
    assert eff.sum() == pytest.approx(1.0)
    # Conn has 5 pillars, Physical 8 indicators: 1/2 * 1/5 * 1/8
    assert eff["LPI"] == pytest.approx(1 / 80)
