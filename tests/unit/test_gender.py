"""The gender lens (natsam_analysis.metrics.gender): gaps, ratios, readings, largest gaps, the sub-index.

Every expectation is worked out by hand in the comments, on panels of a few municipalities.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from natsam_analysis.composite import load_spec
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.i18n import label
from natsam_analysis.metrics.gender import (
    GAP_COLUMNS, GenderSubindex, gap_indicators, gap_measures, gender_gaps, gender_spec_path, gender_subindex,
    largest_gaps, reading_distribution, reading_labels, subindex_framework, subindex_scores,
)

NAN = float("nan")
SPEC = load_spec(gender_spec_path())  # the committed spec, read here: metrics read no files

# kpi: (direction, target, gendered, unit, pillar)
CATALOG = {
    "N00001": (1, None, True, "%", "social"),            # higher is better
    "N00002": (-1, None, True, "%", "social"),           # lower is better
    "N00003": (0, 50, True, "%", "social"),              # closest to 50 is best
    "N00004": (1, None, False, "%", "social"),           # not split by gender
    "N00005": (None, None, True, "residents", "context"),  # context (and a count)
    "N00006": (1, None, True, "residents", "social"),    # a scored count
    "N00010": (0, 50, False, "%", "jamstalldhet"),       # pillar: closest to 50 is best
    "N00011": (1, None, False, "%", "jamstalldhet"),     # pillar: higher is better
}


@pytest.fixture(autouse=True)
def swedish(monkeypatch):
    monkeypatch.delenv("NATSAM_LANG", raising=False)


def catalog_of(spec: dict[str, tuple] = CATALOG) -> pd.DataFrame:
    return pd.DataFrame({
        "title_sv": [f"Indikator {k}" for k in spec],
        "title_en": [f"Indicator {k}" for k in spec],
        "pillar": [p for *_, p in spec.values()],
        "direction": pd.array([d for d, *_ in spec.values()], dtype="Int64"),
        "target": [NAN if t is None else float(t) for _, t, *_ in spec.values()],
        "unit": [u for *_, u, _ in spec.values()],
        "gendered": [g for _, _, g, *_ in spec.values()],
    }, index=pd.Index(list(spec), name="kpi"))


def panel_of(rows: list[tuple]) -> pd.DataFrame:
    """A tidy panel from (municipality_id, kpi, year, gender, value) tuples."""
    frame = pd.DataFrame(rows, columns=["municipality_id", "kpi", "year", "gender", "value"])
    frame["status"], frame["source"] = "", "test"
    return frame.astype({"year": "int64", "value": "float64"})


def km(mid: str, kpi: str, year: int, women: float | None, men: float | None, total: float | None = None) -> list:
    rows = [(mid, kpi, year, "K", NAN if women is None else women), (mid, kpi, year, "M", NAN if men is None else men)]
    if total is not None:
        rows.append((mid, kpi, year, "T", total))
    return rows


def three_municipalities(kpi: str) -> pd.DataFrame:
    # A: women 60, men 50; B: women 40, men 50; C: equal. T = 55, 45, 50 -> sd (ddof 1) = 5.
    return panel_of(km("A", kpi, 2024, 60, 50, 55) + km("B", kpi, 2024, 40, 50, 45) + km("C", kpi, 2024, 50, 50, 50))


def row(gaps: pd.DataFrame, mid: str, kpi: str) -> pd.Series:
    found = gaps[(gaps["municipality_id"] == mid) & (gaps["kpi"] == kpi)]
    assert len(found) == 1
    return found.iloc[0]


# --------------------------------------------------------------------------------------------------
# gap, ratio, standardised gap


def test_gap_ratio_and_standardised_gap_on_a_tiny_panel():
    gaps = gender_gaps(three_municipalities("N00001"), catalog_of())
    assert list(gaps.columns) == GAP_COLUMNS
    assert gaps["municipality_id"].tolist() == ["A", "B", "C"]
    assert gaps["year"].tolist() == [2024] * 3
    assert gaps["women"].tolist() == [60, 40, 50] and gaps["men"].tolist() == [50, 50, 50]
    assert gaps["gap"].tolist() == [10, -10, 0]                        # K - M
    np.testing.assert_allclose(gaps["ratio"], [1.2, 0.8, 1.0])        # K / M
    np.testing.assert_allclose(gaps["spread"], [5.0] * 3)             # sd(55, 45, 50)
    np.testing.assert_allclose(gaps["gap_std"], [2.0, -2.0, 0.0])     # gap / 5


def test_spread_falls_back_to_the_midpoints_without_totals():
    # midpoints (K + M) / 2 = 55, 45, 50 as above -> the same spread 5
    panel = three_municipalities("N00001")
    gaps = gender_gaps(panel[panel["gender"] != "T"], catalog_of())
    np.testing.assert_allclose(gaps["gap_std"], [2.0, -2.0, 0.0])


def test_a_constant_indicator_has_no_standardised_gap():
    panel = panel_of(km("A", "N00001", 2024, 60, 50, 55) + km("B", "N00001", 2024, 60, 50, 55))
    gaps = gender_gaps(panel, catalog_of())
    assert gaps["gap"].tolist() == [10, 10]
    assert gaps["gap_std"].isna().all()      # sd 0: no scale to compare with


# --------------------------------------------------------------------------------------------------
# the reading


@pytest.mark.parametrize("kpi, expected", [
    # direction 1: A's women are higher -> men worse; B's women lower -> women worse; C equal
    ("N00001", ["men_worse", "women_worse", "no_difference"]),
    # direction -1: the other way round
    ("N00002", ["women_worse", "men_worse", "no_difference"]),
    # direction 0, target 50: A's women 10 from it, men 0 -> women worse; B's women 10 from it -> women worse
    ("N00003", ["women_worse", "women_worse", "no_difference"]),
])
def test_reading_by_direction(kpi, expected):
    gaps = gender_gaps(three_municipalities(kpi), catalog_of())
    assert gaps["reading"].tolist() == expected
    assert gaps["reading_label"].tolist() == [label(f"gender_{r}", "sv") for r in expected]


def test_reading_towards_a_target_compares_distances_not_values():
    # target 50: D women 48 and men 52 are equally far -> no difference; E women 55 (5 away), men 42 (8 away)
    panel = panel_of(km("D", "N00003", 2024, 48, 52) + km("E", "N00003", 2024, 55, 42))
    gaps = gender_gaps(panel, catalog_of())
    assert gaps["reading"].tolist() == ["no_difference", "men_worse"]
    assert gaps["gap"].tolist() == [-4, 13]


def test_reading_labels_in_swedish_and_english():
    gaps = gender_gaps(three_municipalities("N00001"), catalog_of(), lang="en")
    assert gaps["reading_label"].tolist() == ["men have worse outcomes", "women have worse outcomes", "no difference"]
    sv = reading_labels(pd.Series(["women_worse", "men_worse", "no_difference", None]), "sv").tolist()
    assert sv[:3] == ["kvinnor har sämre utfall", "män har sämre utfall", "ingen skillnad"]
    assert sv[3] is pd.NA


def test_equal_values_are_no_difference_for_every_direction():
    panel = panel_of(km("A", "N00001", 2024, 7.1, 7.1) + km("A", "N00002", 2024, 7.1, 7.1)
                     + km("A", "N00003", 2024, 50.1, 50.1))
    gaps = gender_gaps(panel, catalog_of())
    assert gaps["reading"].tolist() == ["no_difference"] * 3
    assert gaps["gap"].tolist() == [0, 0, 0]
    assert gaps["ratio"].tolist() == [1, 1, 1]


# --------------------------------------------------------------------------------------------------
# missing values


def test_missing_women_or_men_gives_no_gap_ratio_or_reading():
    # A has no value for men (a NaN row), B has no M row at all, C is complete
    panel = panel_of(km("A", "N00001", 2024, 60, None, 55) + [("B", "N00001", 2024, "K", 40.0)]
                     + km("C", "N00001", 2024, 50, 50, 50))
    gaps = gender_gaps(panel, catalog_of())
    a, b = row(gaps, "A", "N00001"), row(gaps, "B", "N00001")
    for r, women in ((a, 60), (b, 40)):
        assert r["women"] == women and math.isnan(r["men"])
        assert math.isnan(r["gap"]) and math.isnan(r["ratio"]) and math.isnan(r["gap_std"])
        assert r["reading"] is pd.NA and r["reading_label"] is pd.NA
    assert row(gaps, "C", "N00001")["reading"] == "no_difference"


def test_ratio_is_missing_when_men_are_zero():
    # women 3, men 0: the gap is 3 but K / M is undefined
    panel = panel_of(km("A", "N00002", 2024, 3, 0) + km("B", "N00002", 2024, 2, 1))
    gaps = gender_gaps(panel, catalog_of())
    a = row(gaps, "A", "N00002")
    assert a["gap"] == 3 and math.isnan(a["ratio"])
    assert a["reading"] == "women_worse"            # lower is better, women higher
    assert row(gaps, "B", "N00002")["ratio"] == 2


def test_latest_year_with_both_values_and_a_given_year():
    # 2023 complete; 2024 only the women's value
    panel = panel_of(km("A", "N00001", 2023, 60, 50) + km("A", "N00001", 2024, 62, None))
    latest = gender_gaps(panel, catalog_of())
    assert latest["year"].tolist() == [2023] and latest["gap"].tolist() == [10]
    given = gender_gaps(panel, catalog_of(), year=2024)
    assert given["year"].tolist() == [2024] and given["gap"].isna().all()
    # no year has both: the latest row is kept, with no gap
    only_women = panel_of([("B", "N00001", 2022, "K", 1.0), ("B", "N00001", 2023, "K", 2.0),
                           ("B", "N00001", 2023, "M", NAN)])
    kept = gender_gaps(only_women, catalog_of())
    assert kept["year"].tolist() == [2023] and kept["reading"].isna().all()


def test_a_year_without_values_is_a_clear_error():
    with pytest.raises(NatsamError, match=r"no values for women and men in 2030 for N00001; years with values: 2024"):
        gender_gaps(three_municipalities("N00001"), catalog_of(), year=2030)
    with pytest.raises(NatsamError, match=r"year='2024' must be a whole year"):
        gender_gaps(three_municipalities("N00001"), catalog_of(), year="2024")


# --------------------------------------------------------------------------------------------------
# which indicators, and bad input


def test_default_indicators_are_gendered_scored_and_not_counts():
    cat = catalog_of()
    assert gap_indicators(cat) == ["N00001", "N00002", "N00003"]
    panel = pd.concat([three_municipalities(k) for k in ("N00001", "N00003", "N00005")], ignore_index=True)
    # N00002 has no rows at all and is left out; N00005 (context, count) is never read
    assert list(dict.fromkeys(gender_gaps(panel, cat)["kpi"])) == ["N00001", "N00003"]


def test_bad_indicators_are_reported_together():
    panel = three_municipalities("N00001")
    with pytest.raises(ValidationError) as err:
        gender_gaps(panel, catalog_of(), kpis=["N99999", "N00004", "N00005", "N00006"])
    text = str(err.value)
    assert "4 problem(s)" in text
    assert "kpi 'N99999': not in the indicator catalog" in text
    assert "kpi 'N00004': not split by gender" in text
    assert "kpi 'N00005': a context variable (no direction)" in text
    assert "kpi 'N00006': a count (residents)" in text


def test_missing_k_or_m_rows_are_an_error():
    totals_only = panel_of([("A", "N00001", 2024, "T", 5.0), ("B", "N00001", 2024, "T", 6.0)])
    with pytest.raises(ValidationError, match=r"kpi 'N00001': the panel has no rows for women \(K\) and men \(M\)"):
        gender_gaps(totals_only, catalog_of())
    women_only = panel_of([("A", "N00002", 2024, "K", 5.0)])
    with pytest.raises(ValidationError, match=r"kpi 'N00002': the panel has no rows for men \(M\); fetch"):
        gender_gaps(women_only, catalog_of(), kpis=["N00002"])
    with pytest.raises(ValidationError, match=r"no rows for women \(K\) and men \(M\)"):
        gender_gaps(three_municipalities("N00001"), catalog_of(), kpis="N00002")


def test_no_gendered_indicator_in_the_panel_is_an_error():
    panel = panel_of([("A", "N00004", 2024, "T", 5.0)])
    with pytest.raises(NatsamError, match=r"no rows for any gendered, scored indicator .*N00001, N00002, N00003"):
        gender_gaps(panel, catalog_of())


def test_missing_columns_are_reported():
    with pytest.raises(ValidationError, match=r"(?s)indicator panel: 1 problem.*missing column\(s\): gender"):
        gender_gaps(three_municipalities("N00001").drop(columns="gender"), catalog_of())
    with pytest.raises(ValidationError, match=r"(?s)indicator catalog: .*missing column\(s\): gendered"):
        gender_gaps(three_municipalities("N00001"), catalog_of().drop(columns="gendered"))


# --------------------------------------------------------------------------------------------------
# largest gaps and the distribution of readings


def test_largest_gaps_by_absolute_standardised_gap():
    gaps = pd.DataFrame({"municipality_id": ["A"] * 5 + ["B"], "kpi": ["a", "b", "c", "d", "e", "f"],
                         "gap_std": [0.2, -0.9, 0.5, NAN, 0.5, 3.0]})
    # |gap_std|: b 0.9, c 0.5 and e 0.5 (tie: by kpi), a 0.2; d has none; f is another municipality
    assert largest_gaps(gaps, "A", n=3)["kpi"].tolist() == ["b", "c", "e"]
    assert largest_gaps(gaps, "A", n=10)["kpi"].tolist() == ["b", "c", "e", "a"]
    assert largest_gaps(gaps, "A")["gap_std"].tolist() == [-0.9, 0.5, 0.5, 0.2]


def test_largest_gaps_bad_input():
    gaps = pd.DataFrame({"municipality_id": ["A"], "kpi": ["a"], "gap_std": [0.1]})
    with pytest.raises(NatsamError, match=r"municipality '9999' has no row"):
        largest_gaps(gaps, "9999")
    for n in (0, -1, 2.5, True):
        with pytest.raises(NatsamError, match=r"n=.* must be a whole number >= 1"):
            largest_gaps(gaps, "A", n=n)
    with pytest.raises(ValidationError, match=r"missing column\(s\): gap_std"):
        largest_gaps(gaps.drop(columns="gap_std"), "A")


def test_largest_gaps_of_the_gaps_table():
    panel = pd.concat([three_municipalities("N00001"),
                       panel_of(km("A", "N00002", 2024, 51, 50, 50.5) + km("B", "N00002", 2024, 40, 50, 45)
                                + km("C", "N00002", 2024, 60, 50, 55))], ignore_index=True)
    gaps = gender_gaps(panel, catalog_of())
    # A: N00001 gap 10 / sd 5 = 2; N00002 gap 1 / sd(50.5, 45, 55) = 1 / 5.007 ~ 0.2
    top = largest_gaps(gaps, "A", n=2)
    assert top["kpi"].tolist() == ["N00001", "N00002"]
    assert top["gap_std"].iloc[0] == pytest.approx(2.0)
    assert top["gap_std"].iloc[1] == pytest.approx(1 / np.std([50.5, 45, 55], ddof=1))


def test_reading_distribution_counts_and_shares():
    gaps = gender_gaps(three_municipalities("N00001"), catalog_of())
    dist = reading_distribution(gaps)
    assert dist[["kpi", "reading", "n"]].values.tolist() == [
        ["N00001", "women_worse", 1], ["N00001", "men_worse", 1], ["N00001", "no_difference", 1]]
    np.testing.assert_allclose(dist["share"], [1 / 3] * 3)
    # a missing reading is not counted; a reading nobody has gets 0
    more = pd.DataFrame({"kpi": ["x", "x", "x"], "reading": ["men_worse", "men_worse", None]})
    assert reading_distribution(more)[["n", "share"]].values.tolist() == [[0, 0.0], [2, 1.0], [0, 0.0]]


# --------------------------------------------------------------------------------------------------
# the sub-index


def subindex_panel() -> pd.DataFrame:
    """Six municipalities; '0001' has equal values for women and men everywhere and the best pillar values."""
    rows: list = []
    # women - men on N00001 and N00002 (totals midway): 0 for 0001, growing for the others
    for i, mid in enumerate(["0001", "0002", "0003", "0004", "0005", "0006"]):
        for year in (2023, 2024):
            for kpi, base in (("N00001", 60.0), ("N00002", 20.0)):
                gap = [0, 1, -2, 3, -4, 5][i] * (1 + (kpi == "N00002"))
                total = base + i + (year - 2023)
                rows += km(mid, kpi, year, total + gap / 2, total - gap / 2, total)
            # pillar: N00010 closest to 50 is best (0001 at 50), N00011 higher is better (0001 highest)
            rows.append((mid, "N00010", year, "T", 50.0 + [0, 2, -3, 4, -6, 8][i]))
            rows.append((mid, "N00011", year, "T", 90.0 - 5 * i))
    # 0009 has a value for a non-gendered, non-pillar indicator only
    rows.append(("0009", "N00004", 2024, "T", 1.0))
    return panel_of(rows)


def test_subindex_zero_gaps_and_best_pillar_ranks_first():
    result = gender_subindex(subindex_panel(), catalog_of(), SPEC)
    assert isinstance(result, GenderSubindex)
    scores = result.scores
    assert list(scores.columns) == ["municipality_id", "score", "rank", "gap_score", "pillar_score"]
    assert scores.iloc[0]["municipality_id"] == "0001"
    assert scores.iloc[0][["score", "gap_score", "pillar_score"]].tolist() == [100.0, 100.0, 100.0]
    ranked = scores.dropna(subset=["rank"])
    assert sorted(ranked["rank"].tolist()) == list(range(1, 7))     # a permutation of 1..6
    assert scores["score"].dropna().between(1, 100).all()
    # every municipality of the panel is listed; one without any data has no score and no rank
    assert set(scores["municipality_id"]) == {"0001", "0002", "0003", "0004", "0005", "0006", "0009"}
    last = scores.iloc[-1]
    assert last["municipality_id"] == "0009" and math.isnan(last["score"]) and last["rank"] is pd.NA


def test_subindex_coin_logs_the_spec_steps_and_keeps_every_data_set():
    result = gender_subindex(subindex_panel(), catalog_of(), SPEC)
    coin = result.coin
    assert [e["step"] for e in coin.log] == ["impute", "treat", "normalise", "aggregate"]
    assert coin.log[0]["params"] == {"method": "latest", "max_age": 2}
    assert coin.log[2]["params"] == {"method": "minmax", "range": [1, 100]}
    assert coin.log[3]["params"]["weights"] == {"konsskillnader": 1, "jamstalldhet": 1}
    assert set(coin.data) == {"raw", "imputed", "treated", "normalised", "aggregated"}
    assert coin.name == "Jämställdhet"
    fw = coin.framework
    assert fw.indicators == ["gap_N00001", "gap_N00002", "N00010", "N00011"]
    assert fw.children("Index") == ["konsskillnader", "jamstalldhet"]
    assert fw.direction.loc[["gap_N00001", "N00010", "N00011"]].tolist() == [-1, 0, 1]
    assert coin.years == {"gap_N00001": 2024, "gap_N00002": 2024, "N00010": 2024, "N00011": 2024}
    # the raw gap measure is |gap_std|: 0003 in 2024 has gap -2 on N00001, totals 61..66 -> sd of 1..6
    raw = coin.data["raw"]
    assert raw.loc["0003", "gap_N00001"] == pytest.approx(2 / np.std(np.arange(61, 67), ddof=1))
    assert raw.loc["0001", "gap_N00002"] == 0
    # the scores table can be made again from the coin or a variant of it
    pd.testing.assert_frame_equal(subindex_scores(coin), result.scores)
    variant = subindex_scores(coin.regenerate({"aggregate": {"method": "geometric"}}))
    assert variant.iloc[0]["municipality_id"] == "0001"


def test_subindex_with_another_spec_and_a_spec_that_names_indicators():
    spec = {"name": "Bara normalisering", "steps": [{"step": "normalise", "method": "minmax"},
                                                    {"step": "aggregate"}]}
    result = gender_subindex(subindex_panel(), catalog_of(), spec=spec)
    assert [e["step"] for e in result.coin.log] == ["normalise", "aggregate"]
    assert result.scores.iloc[0]["municipality_id"] == "0001" and result.scores.iloc[0]["score"] == 100
    with pytest.raises(NatsamError, match=r"makes its own framework.*remove the spec's 'framework'"):
        gender_subindex(subindex_panel(), catalog_of(), spec={**spec, "indicators": ["N00010"]})


def test_subindex_needs_the_pillar_column():
    with pytest.raises(ValidationError, match=r"missing column\(s\): pillar"):
        gender_subindex(subindex_panel(), catalog_of().drop(columns="pillar"), SPEC)


def test_gap_measures_and_framework():
    measures = gap_measures(three_municipalities("N00001"), catalog_of())
    assert measures[["municipality_id", "kpi", "year", "gender"]].values.tolist() == [
        ["A", "gap_N00001", 2024, "T"], ["B", "gap_N00001", 2024, "T"], ["C", "gap_N00001", 2024, "T"]]
    np.testing.assert_allclose(measures["value"], [2.0, 2.0, 0.0])
    fw = subindex_framework(catalog_of(), ["N00001"], [], lang="en")
    assert fw.children("Index") == ["konsskillnader"]
    assert fw.imeta.loc["gap_N00001", "iName"] == "Gender gap: Indicator N00001"
    with pytest.raises(NatsamError, match=r"no gap measures and no jämställdhet indicators"):
        subindex_framework(catalog_of(), [], [])


def test_the_committed_spec_is_valid_and_names_no_framework():
    from natsam_analysis.composite import load_spec

    spec = load_spec(gender_spec_path())
    assert spec.name == "Jämställdhet" and not spec.uses_panel
    assert [s["step"] for s in spec.steps] == ["impute", "treat", "normalise", "aggregate"]


def test_a_two_sided_indicator_without_target_is_an_error():
    cat = catalog_of({**CATALOG, "N00003": (0, None, True, "%", "social")})
    with pytest.raises(ValidationError, match=r"kpi 'N00003': direction 0 \(closest to target\) but no target"):
        gender_gaps(three_municipalities("N00003"), cat)


def test_subindex_refuses_a_spec_file_metrics_read_no_files():
    with pytest.raises(NatsamError, match="metrics read no files. Load it first"):
        gender_subindex(subindex_panel(), catalog_of(), gender_spec_path())
