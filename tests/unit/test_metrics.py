"""Metrics: direction-aware percentiles, the municipality profile, national series and coverage.

The percentile functions are checked against ``scipy.stats.percentileofscore(kind="mean")``, the
definition the module docstring promises; the profile and coverage on small hand-made panels whose
answers are worked out in the comments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import percentileofscore

from natsam_analysis.errors import NatsamError
from natsam_analysis.metrics.coverage import coverage, latest_year
from natsam_analysis.metrics.percentiles import (
    direction_scores, municipality_profile, municipality_series, national_series, percentile_against,
    percentile_ranks, platform_percentiles,
)

NAN = float("nan")
PROFILE_COLUMNS = ["kpi", "year", "value", "national_median", "pct_sweden", "pct_platforms", "n_reported"]

# values drawn from a short list make ties likely; NaN is drawn often enough to matter
_tied = st.sampled_from([-2.0, 0.0, 0.5, 1.0, 1.0, 3.0, NAN])
_any = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
values_with_ties = st.lists(st.one_of(_tied, _any), min_size=1, max_size=40)


def panel_of(rows: list[tuple]) -> pd.DataFrame:
    """A tidy panel from (municipality_id, kpi, year, value[, gender]) tuples."""
    records = []
    for row in rows:
        mid, kpi, year, value = row[:4]
        gender = row[4] if len(row) > 4 else "T"
        records.append({"municipality_id": mid, "kpi": kpi, "year": year, "gender": gender, "value": value,
                        "status": "", "source": "test"})
    return pd.DataFrame.from_records(records).astype({"year": "int64", "value": "float64"})


def catalog_of(spec: dict[str, tuple]) -> pd.DataFrame:
    """A catalog frame indexed by kpi from {kpi: (direction or None, target or None)}."""
    return pd.DataFrame({
        "direction": pd.array([d for d, _ in spec.values()], dtype="Int64"),
        "target": [NAN if t is None else float(t) for _, t in spec.values()],
    }, index=pd.Index(list(spec), name="kpi"))


def scipy_percentiles(values: pd.Series) -> pd.Series:
    """percentileofscore(kind="mean") of each non-missing value among the non-missing values."""
    ref = values.dropna().to_numpy(dtype=float)
    return values.map(lambda v: NAN if pd.isna(v) else percentileofscore(ref, v, kind="mean"))


# --------------------------------------------------------------------------------------------------
# percentile_ranks / percentile_against


@settings(max_examples=300, deadline=None)
@given(values_with_ties)
def test_percentile_ranks_equals_scipy_percentileofscore_mean(values):
    series = pd.Series(values, index=[f"m{i}" for i in range(len(values))], dtype=float)
    got = percentile_ranks(series)
    expected = scipy_percentiles(series)
    assert got.index.equals(series.index)
    assert got.isna().equals(series.isna())  # NaN stays NaN, nothing else becomes NaN
    np.testing.assert_allclose(got.dropna().to_numpy(), expected.dropna().to_numpy(), rtol=1e-12, atol=1e-9)
    if series.notna().any():
        assert ((got.dropna() > 0) & (got.dropna() < 100)).all()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.one_of(_tied, _any), st.one_of(_tied, _any)), min_size=1, max_size=30))
def test_percentile_ranks_of_a_frame_works_column_by_column(pairs):
    frame = pd.DataFrame(pairs, columns=["a", "b"], dtype=float)
    got = percentile_ranks(frame)
    for col in frame:
        expected = scipy_percentiles(frame[col])
        assert got[col].isna().equals(frame[col].isna())
        np.testing.assert_allclose(got[col].dropna().to_numpy(), expected.dropna().to_numpy(), rtol=1e-12, atol=1e-9)


def test_percentile_ranks_by_hand_with_ties_and_nan():
    s = pd.Series([10.0, 20.0, 20.0, NAN, 40.0])
    # 4 values; 10 has none below (0.5/4), the two 20s have one below and one tie (1 + 0.5)/4, 40 has 3
    assert percentile_ranks(s).tolist()[:3] == [12.5, 50.0, 50.0]
    assert math.isnan(percentile_ranks(s)[3]) and percentile_ranks(s)[4] == 87.5


def test_module_docstring_example_lower_is_better():
    s = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
    assert percentile_ranks(direction_scores(s, direction=-1)).tolist() == [87.5, 62.5, 37.5, 12.5]


@settings(max_examples=300, deadline=None)
@given(st.one_of(_tied, _any), values_with_ties)
def test_percentile_against_equals_scipy_percentileofscore_mean(score, reference):
    got = percentile_against(score, reference)
    ref = [r for r in reference if not math.isnan(r)]
    if math.isnan(score) or not ref:
        assert math.isnan(got)
    else:
        assert got == pytest.approx(percentileofscore(ref, score, kind="mean"), rel=1e-12, abs=1e-9)


def test_percentile_against_by_hand():
    assert percentile_against(3.0, [1.0, 3.0, 5.0, NAN]) == pytest.approx(50.0)  # (1 + 0.5) / 3
    assert percentile_against(9.0, [1.0, 3.0]) == 100.0
    assert percentile_against(0.0, (x for x in [1.0, 3.0])) == 0.0  # any iterable
    assert math.isnan(percentile_against(1.0, []))
    assert math.isnan(percentile_against(1.0, [NAN, NAN]))
    assert math.isnan(percentile_against(NAN, [1.0, 2.0]))


# --------------------------------------------------------------------------------------------------
# direction_scores


def test_direction_scores_higher_is_better_keeps_values():
    s = pd.Series([1.0, 5.0, NAN, 3.0])
    pd.testing.assert_series_equal(direction_scores(s, 1), s)


def test_direction_scores_lower_is_better_negates():
    s = pd.Series([1.0, 5.0, NAN, 3.0])
    pd.testing.assert_series_equal(direction_scores(s, -1), pd.Series([-1.0, -5.0, NAN, -3.0]))
    # numpy and pandas integer directions work as well
    pd.testing.assert_series_equal(direction_scores(s, np.int64(-1)), pd.Series([-1.0, -5.0, NAN, -3.0]))
    pd.testing.assert_series_equal(direction_scores(s, pd.array([-1], dtype="Int64")[0]),
                                   pd.Series([-1.0, -5.0, NAN, -3.0]))


def test_direction_scores_closest_to_target_is_best():
    s = pd.Series([40.0, 50.0, 55.0, 70.0, NAN])
    scores = direction_scores(s, 0, target=50)
    pd.testing.assert_series_equal(scores, pd.Series([-10.0, 0.0, -5.0, -20.0, NAN]))
    assert scores.idxmax() == 1  # the value on the target scores best


@pytest.mark.parametrize("target", [None, NAN, pd.NA])
def test_direction_zero_without_target_is_an_error(target):
    with pytest.raises(NatsamError, match="target"):
        direction_scores(pd.Series([1.0, 2.0]), 0, target=target)


@pytest.mark.parametrize("direction", [None, NAN, pd.NA])
def test_context_direction_passes_values_through(direction):
    s = pd.Series([3.0, 1.0, NAN])
    assert direction_scores(s, direction) is s
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    assert direction_scores(frame, direction, target=5) is frame


@pytest.mark.parametrize("direction", [2, -2, 5])
def test_invalid_direction_is_an_error(direction):
    with pytest.raises(NatsamError, match="direction must be 1, -1 or 0"):
        direction_scores(pd.Series([1.0]), direction)


def test_direction_scores_on_a_frame():
    frame = pd.DataFrame({"a": [1.0, 4.0], "b": [2.0, NAN]})
    pd.testing.assert_frame_equal(direction_scores(frame, -1), -frame)
    pd.testing.assert_frame_equal(direction_scores(frame, 0, target=2), pd.DataFrame({"a": [-1.0, -2.0], "b": [0.0, NAN]}))


# --------------------------------------------------------------------------------------------------
# municipality_profile

PLATFORMS = ["0180", "1480", "1281", "2584"]  # 2584 has no data at all in the panel below
SUBJECT = "0114"
PROFILE_CATALOG = catalog_of({
    "N00001": (1, None),      # higher is better
    "N00002": (-1, None),     # lower is better
    "N00003": (0, 50),        # closest to 50 is best
    "N00004": (None, None),   # context variable
    "N00005": (1, None),      # the subject has only a NaN value
    "N00006": (1, None),      # not in the panel at all
})


@pytest.fixture(scope="module")
def profile_panel() -> pd.DataFrame:
    ids = ["0180", "1480", "1281", "0114", "0115", "0117", "0120"]
    rows = []
    # N00001, 2024: 10..70 (subject 40); 2023 values must not matter
    rows += [(m, "N00001", 2024, v) for m, v in zip(ids, [10, 20, 30, 40, 50, 60, 70])]
    rows += [(m, "N00001", 2023, v) for m, v in zip(ids, [7, 6, 5, 4, 3, 2, 1])]
    rows += [(SUBJECT, "N00001", 2025, NAN),      # a missing value does not make 2025 the latest year
             (SUBJECT, "N00001", 2025, 999.0, "K")]  # and neither does another gender
    # N00002, 2024: the subject has the lowest (= best) value
    rows += [(m, "N00002", 2024, v) for m, v in zip(ids, [5, 6, 7, 1, 8, 9, 10])]
    # N00003: the subject's latest year is 2023; 0120 did not report that year; others report 2024 too
    rows += [(m, "N00003", 2023, v) for m, v in zip(ids[:6], [50, 40, 65, 48, 70, 20])]
    rows += [(m, "N00003", 2024, v) for m, v in [("0115", 51.0), ("0117", 49.0), ("0120", 50.0)]]
    # N00004 (context): raw values, no direction
    rows += [(m, "N00004", 2024, v) for m, v in zip(ids, [900, 500, 120, 40, 70, 10, 30])]
    # N00005: everybody but the subject has a value
    rows += [(m, "N00005", 2024, 1.0 + i) for i, m in enumerate(ids) if m != SUBJECT]
    rows += [(SUBJECT, "N00005", 2024, NAN)]
    return panel_of(rows)


def profile_of(panel, municipality_id=SUBJECT, kpis=tuple(PROFILE_CATALOG.index)):
    return municipality_profile(panel, PROFILE_CATALOG, municipality_id, kpis, PLATFORMS).set_index("kpi")


def test_profile_shape_order_and_types(profile_panel):
    kpis = ["N00004", "N00001", "N00006", "N00003"]  # not catalog order: the given order is kept
    result = municipality_profile(profile_panel, PROFILE_CATALOG, SUBJECT, kpis, PLATFORMS)
    assert list(result.columns) == PROFILE_COLUMNS
    assert result["kpi"].tolist() == kpis
    assert str(result["year"].dtype) == "Int64"


def test_profile_higher_is_better(profile_panel):
    row = profile_of(profile_panel).loc["N00001"]
    assert row["year"] == 2024 and row["value"] == 40.0
    assert row["national_median"] == 40.0 and row["n_reported"] == 7
    assert row["pct_sweden"] == pytest.approx(3.5 / 7 * 100)  # three lower, itself counted half
    # among 0180 (10), 1480 (20), 1281 (30) and itself (40); 2584 has no value
    assert row["pct_platforms"] == pytest.approx(3.5 / 4 * 100)


def test_profile_lower_is_better_puts_the_lowest_value_on_top(profile_panel):
    row = profile_of(profile_panel).loc["N00002"]
    assert row["value"] == 1.0 and row["national_median"] == 7.0
    assert row["pct_sweden"] == pytest.approx(6.5 / 7 * 100)
    assert row["pct_platforms"] == pytest.approx(3.5 / 4 * 100)


def test_profile_closest_to_target_and_latest_year_of_the_municipality(profile_panel):
    row = profile_of(profile_panel).loc["N00003"]
    # the subject has no 2024 value, so 2023 it is, compared with the six that reported in 2023
    assert row["year"] == 2023 and row["value"] == 48.0 and row["n_reported"] == 6
    assert row["national_median"] == 49.0  # median of 20, 40, 48, 50, 65, 70
    # scores -|v - 50|: 0, -10, -15, -2, -20, -30 -> four below the subject's -2
    assert row["pct_sweden"] == pytest.approx(4.5 / 6 * 100)
    # platforms: 0180 (0), 1480 (-10), 1281 (-15) and itself (-2) -> two below
    assert row["pct_platforms"] == pytest.approx(2.5 / 4 * 100)


def test_profile_context_indicator_ranks_raw_values(profile_panel):
    row = profile_of(profile_panel).loc["N00004"]
    values = [900, 500, 120, 40, 70, 10, 30]
    assert row["pct_sweden"] == pytest.approx(percentileofscore(values, 40, kind="mean"))
    assert row["pct_platforms"] == pytest.approx(percentileofscore([900, 500, 120, 40], 40, kind="mean"))


@pytest.mark.parametrize("kpi", ["N00005", "N00006"])
def test_profile_missing_indicator_is_nan_with_year_na(profile_panel, kpi):
    result = profile_of(profile_panel)
    assert result["year"][kpi] is pd.NA
    for col in ("value", "national_median", "pct_sweden", "pct_platforms"):
        assert result[col].dtype == "float64" and math.isnan(result[col][kpi]), col
    assert result["n_reported"][kpi] == 0


def test_profile_of_a_platform_compares_with_the_platforms_only(profile_panel):
    row = profile_of(profile_panel, municipality_id="1480").loc["N00001"]
    # 0180 (10), 1480 (20), 1281 (30): one below
    assert row["pct_platforms"] == pytest.approx(1.5 / 3 * 100)
    assert row["pct_sweden"] == pytest.approx(1.5 / 7 * 100)


def test_profile_respects_gender(profile_panel):
    row = municipality_profile(profile_panel, PROFILE_CATALOG, SUBJECT, ["N00001"], PLATFORMS, gender="K").iloc[0]
    # the only K row is the subject's own 2025 value
    assert row["year"] == 2025 and row["value"] == 999.0 and row["n_reported"] == 1
    assert row["pct_sweden"] == 50.0 and row["pct_platforms"] == 50.0


def test_profile_accepts_any_iterable_of_kpis(profile_panel):
    as_list = municipality_profile(profile_panel, PROFILE_CATALOG, SUBJECT, ["N00001", "N00002"], PLATFORMS)
    as_generator = municipality_profile(profile_panel, PROFILE_CATALOG, SUBJECT, (k for k in ["N00001", "N00002"]),
                                        iter(PLATFORMS))
    pd.testing.assert_frame_equal(as_generator, as_list)


def test_profile_of_no_indicators_is_an_empty_frame(profile_panel):
    result = municipality_profile(profile_panel, PROFILE_CATALOG, SUBJECT, [], PLATFORMS)
    assert result.empty and list(result.columns) == PROFILE_COLUMNS


@pytest.mark.parametrize("direction, target, best", [
    (1, None, lambda v: v.idxmax()),
    (-1, None, lambda v: v.idxmin()),
    (0, 47.0, lambda v: (v - 47.0).abs().idxmin()),
])
def test_profile_best_municipality_gets_the_highest_percentile(direction, target, best):
    rng = np.random.default_rng(7)
    ids = [f"{i:04d}" for i in range(1, 31)]
    values = pd.Series(rng.permutation(np.arange(30.0, 60.0)), index=ids)  # distinct values
    panel = panel_of([(m, "N00009", 2024, v) for m, v in values.items()])
    catalog = catalog_of({"N00009": (direction, target)})
    pct = pd.Series({m: municipality_profile(panel, catalog, m, ["N00009"], ids[:6])["pct_sweden"].item() for m in ids})
    winner = best(values)
    assert pct.idxmax() == winner
    assert pct[winner] == pytest.approx((30 - 0.5) / 30 * 100)
    expected = scipy_percentiles(direction_scores(values, direction, target))
    np.testing.assert_allclose(pct[ids].to_numpy(), expected[ids].to_numpy())


# --------------------------------------------------------------------------------------------------
# national_series / municipality_series


def test_national_series_median_quartiles_and_count_per_year():
    rng = np.random.default_rng(3)
    rows = []
    by_year = {}
    for year, n in [(2022, 11), (2023, 8), (2024, 1)]:
        vals = rng.normal(50, 10, n).round(1)
        by_year[year] = vals
        rows += [(f"{i:04d}", "N00001", year, v) for i, v in enumerate(vals)]
        rows += [("9998", "N00001", year, NAN)]          # missing: not counted
        rows += [("9999", "N00001", year, 1e6, "K")]      # another gender: ignored
        rows += [("0001", "N00002", year, -1e6)]          # another indicator: ignored
    result = national_series(panel_of(rows), "N00001")
    assert list(result.columns) == ["year", "median", "q25", "q75", "n"]
    assert result["year"].tolist() == [2022, 2023, 2024]
    for _, row in result.iterrows():
        vals = by_year[int(row["year"])]
        assert row["n"] == len(vals)
        assert row["median"] == pytest.approx(np.median(vals))
        assert row["q25"] == pytest.approx(np.percentile(vals, 25))
        assert row["q75"] == pytest.approx(np.percentile(vals, 75))
        assert row["q25"] <= row["median"] <= row["q75"]


def test_national_series_skips_years_without_values_and_respects_gender():
    panel = panel_of([("0001", "N00001", 2020, NAN), ("0001", "N00001", 2021, 4.0), ("0002", "N00001", 2021, 8.0),
                      ("0001", "N00001", 2021, 100.0, "K")])
    result = national_series(panel, "N00001")
    assert result["year"].tolist() == [2021] and result["median"].tolist() == [6.0] and result["n"].tolist() == [2]
    assert national_series(panel, "N00001", gender="K")["median"].tolist() == [100.0]
    assert national_series(panel, "N09999").empty


def test_municipality_series_sorted_with_gaps_kept():
    panel = panel_of([
        ("0180", "N00001", 2023, 3.0), ("0180", "N00001", 2021, 1.0), ("0180", "N00001", 2022, NAN),
        ("0180", "N00001", 2022, 50.0, "M"), ("1480", "N00001", 2022, 70.0), ("0180", "N00002", 2022, 90.0),
    ])
    result = municipality_series(panel, "N00001", "0180")
    assert list(result.columns) == ["year", "value"]
    assert result["year"].tolist() == [2021, 2022, 2023]
    assert result["value"].iloc[0] == 1.0 and math.isnan(result["value"].iloc[1]) and result["value"].iloc[2] == 3.0
    assert result.index.tolist() == [0, 1, 2]
    assert municipality_series(panel, "N00001", "0180", gender="M")["value"].tolist() == [50.0]
    assert municipality_series(panel, "N00001", "2584").empty


# --------------------------------------------------------------------------------------------------
# platform_percentiles


def test_platform_percentiles_skips_context_and_unknown_indicators():
    ids = ["0180", "1480", "1281", "0114", "0115"]
    wide = pd.DataFrame({
        "N00001": [5.0, 1.0, 3.0, 2.0, 4.0],     # higher is better
        "N00002": [5.0, NAN, 3.0, 2.0, 4.0],     # lower is better; 1480 missing
        "N00004": [1.0, 2.0, 3.0, 4.0, 5.0],     # context: skipped
        "N00007": [1.0, 2.0, 3.0, 4.0, 5.0],     # not in the catalog: skipped
        "N00003": [50.0, 45.0, 58.0, 51.0, 30.0],  # closest to 50
    }, index=pd.Index(ids, name="municipality_id"))
    catalog = catalog_of({"N00001": (1, None), "N00002": (-1, None), "N00003": (0, 50), "N00004": (None, None)})
    platforms = ["0180", "1480", "2584"]  # 2584 is not in the table
    result = platform_percentiles(wide, catalog, platforms)
    assert list(result.columns) == ["kpi", "municipality_id", "value", "percentile"]
    assert result["kpi"].unique().tolist() == ["N00001", "N00002", "N00003"]
    assert len(result) == 3 * len(platforms)
    got = result.set_index(["kpi", "municipality_id"])
    assert got.loc[("N00001", "0180"), "percentile"] == 90.0 and got.loc[("N00001", "1480"), "percentile"] == 10.0
    # lower is better among the four reported: 0180 has the highest (worst) value
    assert got.loc[("N00002", "0180"), "percentile"] == pytest.approx(0.5 / 4 * 100)
    assert math.isnan(got.loc[("N00002", "1480"), "value"]) and math.isnan(got.loc[("N00002", "1480"), "percentile"])
    assert got.loc[("N00003", "0180"), "percentile"] == 90.0  # exactly on the target
    assert math.isnan(got.loc[("N00001", "2584"), "value"]) and math.isnan(got.loc[("N00001", "2584"), "percentile"])
    for kpi in ("N00001", "N00002", "N00003"):
        expected = scipy_percentiles(direction_scores(wide[kpi], catalog.loc[kpi, "direction"], catalog.loc[kpi, "target"]))
        for mid in ("0180", "1480"):
            np.testing.assert_allclose(got.loc[(kpi, mid), "percentile"], expected[mid])


def test_platform_percentiles_of_only_context_indicators_is_empty():
    wide = pd.DataFrame({"N00004": [1.0, 2.0]}, index=["0180", "1480"])
    result = platform_percentiles(wide, catalog_of({"N00004": (None, None)}), ["0180"])
    assert result.empty and list(result.columns) == ["kpi", "municipality_id", "value", "percentile"]


# --------------------------------------------------------------------------------------------------
# coverage / latest_year


def test_coverage_counts_absent_rows_and_nan_as_missing():
    panel = panel_of([
        ("0001", "N00001", 2020, 1.0), ("0002", "N00001", 2020, 2.0), ("0003", "N00001", 2020, NAN),
        ("0001", "N00001", 2020, 1.0),                   # a duplicate row counts once
        ("0004", "N00001", 2020, 9.0, "K"),              # another gender is not counted
        ("0001", "N00002", 2021, 1.0), ("0002", "N00002", 2021, 1.0), ("0003", "N00002", 2021, 1.0),
        ("0004", "N00002", 2021, 1.0),
        ("0001", "N00003", 2020, NAN),                   # only missing values
    ])
    cov = coverage(panel, n_units=4)
    assert cov.index.tolist() == ["N00001", "N00002", "N00003"]
    assert cov.columns.tolist() == [2020, 2021] and cov.columns.name == "year"
    assert cov.loc["N00001", 2020] == 0.5
    assert cov.loc["N00001", 2021] == 0.0   # no row at all that year
    assert cov.loc["N00002", 2021] == 1.0 and cov.loc["N00002", 2020] == 0.0
    assert (cov.loc["N00003"] == 0.0).all()
    assert coverage(panel, n_units=4, gender="K").loc["N00001", 2020] == 0.25


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["0001", "0002", "0003", "0004", "0005"]),
                          st.sampled_from(["N00001", "N00002", "N00003"]),
                          st.sampled_from([2019, 2020, 2021]),
                          st.sampled_from([1.0, 2.5, NAN])), min_size=1, max_size=40))
def test_coverage_is_a_share_between_0_and_1_matching_a_brute_force_count(rows):
    panel = panel_of(rows)
    cov = coverage(panel, n_units=5)
    assert ((cov >= 0) & (cov <= 1)).all().all()
    for kpi in cov.index:
        for year in cov.columns:
            with_value = {m for m, k, y, v in rows if k == kpi and y == year and not math.isnan(v)}
            assert cov.loc[kpi, year] == len(with_value) / 5


@pytest.fixture(scope="module")
def coverage_panel() -> pd.DataFrame:
    ids = [f"{i:04d}" for i in range(1, 9)]  # 8 units
    rows = [(m, "N00001", 2022, 1.0) for m in ids]                              # 100 %
    rows += [(m, "N00001", 2023, 1.0) for m in ids[:6]]                         # 75 %
    rows += [(m, "N00001", 2023, NAN) for m in ids[6:]]
    rows += [(m, "N00001", 2024, 1.0) for m in ids[:2]]                         # 25 %
    rows += [(m, "N00001", 2024, NAN) for m in ids[2:]]
    rows += [(m, "N00001", 2025, 1.0, "K") for m in ids]                        # other gender
    rows += [(m, "N00002", 2024, NAN) for m in ids]                             # never a value
    return panel_of(rows)


@pytest.mark.parametrize("min_coverage, expected", [(0.5, 2023), (0.2, 2024), (0.25, 2024), (0.76, 2022),
                                                    (1.0, 2022), (0.0, 2024)])
def test_latest_year_respects_min_coverage(coverage_panel, min_coverage, expected):
    assert latest_year(coverage_panel, "N00001", n_units=8, min_coverage=min_coverage) == expected


def test_latest_year_default_min_coverage_is_half(coverage_panel):
    assert latest_year(coverage_panel, "N00001", n_units=8) == 2023


def test_latest_year_falls_back_to_the_latest_year_with_any_value(coverage_panel):
    assert latest_year(coverage_panel, "N00001", n_units=8, min_coverage=1.01) == 2024
    assert latest_year(coverage_panel, "N00001", n_units=100) == 2024  # nowhere near half of 100


def test_latest_year_none_without_values_and_respects_gender(coverage_panel):
    assert latest_year(coverage_panel, "N00002", n_units=8) is None
    assert latest_year(coverage_panel, "N09999", n_units=8) is None
    assert latest_year(coverage_panel, "N00001", n_units=8, gender="K") == 2025
    assert isinstance(latest_year(coverage_panel, "N00001", n_units=8), int)
