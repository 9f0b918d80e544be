"""Validation of the indicator panel and its wide view."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.tables import PANEL_COLUMNS, to_wide, validate_panel, years


def make_panel(rows: list[tuple]) -> pd.DataFrame:
    """A panel from (municipality_id, kpi, year, gender, value) tuples (status "", source "demo")."""
    df = pd.DataFrame(rows, columns=["municipality_id", "kpi", "year", "gender", "value"])
    df["status"] = ""
    df["source"] = "demo"
    return df


@pytest.fixture
def good() -> pd.DataFrame:
    return make_panel([
        ("0180", "N00999", 2024, "T", 9.5),
        ("0180", "N00999", 2024, "K", 8.0),
        ("0180", "N00999", 2024, "M", 11.0),
        ("1480", "N00999", 2024, "T", np.nan),
        ("0114", "N00999", 2023, "T", 7.25),
        ("0114", "U07344", 2024, "T", 2.0),
    ])


def _errors(panel: pd.DataFrame, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate_panel(panel, **kwargs)
    assert isinstance(info.value, NatsamError)
    return info.value


# -------------------------------------------------------------------------------------------------
# a good panel


def test_good_panel_gets_canonical_dtypes(good):
    out = validate_panel(good)
    assert list(out.columns) == PANEL_COLUMNS
    for col in ("municipality_id", "kpi", "gender", "status", "source"):
        assert pd.api.types.is_string_dtype(out[col]), col
        assert all(isinstance(v, str) for v in out[col]), col
    assert out["year"].dtype == np.int64
    assert out["value"].dtype == np.float64
    assert out["municipality_id"].tolist() == ["0180", "0180", "0180", "1480", "0114", "0114"]
    assert np.isnan(out.loc[3, "value"]) and out.loc[4, "value"] == 7.25


def test_good_panel_with_loose_types_is_normalised():
    messy = pd.DataFrame({
        "source": ["kolada", "kolada", "kolada"],                # columns in another order ...
        "extra": [1, 2, 3],                                       # ... and one too many
        "municipality_id": ["0180", "2584", "0114"],
        "kpi": ["N00999", "N00999", "N00999"],
        "year": ["2024", 2023.0, np.int32(2022)],                 # text, float and int years
        "gender": ["T", "T", "T"],
        "value": ["1.5", "", None],                               # text, empty and None values
        "status": [None, "Bortfall", ""],
    }, index=[10, 11, 12])
    out = validate_panel(messy)
    assert list(out.columns) == PANEL_COLUMNS
    assert out.index.tolist() == [0, 1, 2]
    assert out["year"].tolist() == [2024, 2023, 2022] and out["year"].dtype == np.int64
    assert out["value"].iloc[0] == 1.5 and out["value"].iloc[1:].isna().all()
    assert out["status"].tolist() == ["", "Bortfall", ""]
    assert "extra" in messy.columns and messy["year"].iloc[0] == "2024", "the input is not modified"


def test_known_kpis_accepts_catalog_kpis(good):
    out = validate_panel(good, known_kpis=["N00999", "U07344", "N01951"])
    assert len(out) == len(good)


# -------------------------------------------------------------------------------------------------
# each kind of bad input


def test_integer_municipality_ids(good):
    bad = good.assign(municipality_id=[180, 180, 180, 1480, 114, 114])
    err = _errors(bad)
    assert len(err.problems) == 6
    assert err.problems[0].startswith("row 1, column 'municipality_id': 180 is a number")
    assert "np.int64" not in str(err), "values are shown as plain numbers"
    assert "leading zeros" in err.problems[0]
    assert "dtype={'municipality_id': str}" in str(err), "the hint says how to read ids as text"


@pytest.mark.parametrize("bad_id", ["180", "01800", "Sthlm", "", " 180", "0180 ", "١٨٠٠"])
def test_malformed_municipality_ids(good, bad_id):
    bad = good.copy()
    bad.loc[3, "municipality_id"] = bad_id
    err = _errors(bad)
    assert err.problems == [
        f"row 4, column 'municipality_id': {bad_id!r} is not a 4-digit municipality id with leading zeros "
        '(e.g. "0180")'
    ]


def test_missing_municipality_id(good):
    bad = good.astype({"municipality_id": object})
    bad.loc[0, "municipality_id"] = None
    err = _errors(bad)
    assert len(err.problems) == 1 and err.problems[0].startswith("row 1, column 'municipality_id'")


@pytest.mark.parametrize("kpi", ["N0099", "X00999", "n00999", "N000999", "N٠٠٩٩٩"])
def test_malformed_kpi(good, kpi):
    bad = good.copy()
    bad.loc[1, "kpi"] = kpi
    err = _errors(bad)
    assert err.problems == [
        f"row 2, column 'kpi': {kpi!r} is not a Kolada KPI id (N or U followed by five digits)"
    ]


def test_kpi_not_in_catalog(good):
    err = _errors(good, known_kpis={"N00999"})
    assert err.problems == [
        "row 6, column 'kpi': 'U07344' is not in the indicator catalog "
        "(add it to data/catalog/indicators.csv or drop the rows)"
    ]


def test_gender_outside_tkm(good):
    bad = good.copy()
    bad.loc[2, "gender"] = "X"
    err = _errors(bad)
    assert err.problems == ["row 3, column 'gender': 'X' is not T (total), K (women) or M (men)"]


def test_non_numeric_value(good):
    bad = good.astype({"value": object})
    bad.loc[4, "value"] = "abc"
    err = _errors(bad)
    assert err.problems == ["row 5, column 'value': 'abc' is not a number (leave it empty for a missing value)"]


def test_infinite_value(good):
    bad = good.copy()
    bad.loc[0, "value"] = np.inf
    err = _errors(bad)
    assert err.problems == ["row 1, column 'value': inf is infinite"]


@pytest.mark.parametrize("year", ["20x4", "", "2024.5", "1850", None])
def test_bad_year(good, year):
    bad = good.astype({"year": object})
    bad.loc[5, "year"] = year
    err = _errors(bad)
    assert len(err.problems) == 1
    assert err.problems[0].startswith(f"row 6, column 'year': {year!r} is not a year")


def test_float_year_reported_as_plain_number(good):
    bad = good.astype({"year": float})
    bad.loc[0, "year"] = 2024.5
    err = _errors(bad)
    assert err.problems == ["row 1, column 'year': 2024.5 is not a year (a whole number such as 2024)"]


def test_empty_source(good):
    bad = good.copy()
    bad.loc[2, "source"] = " "
    err = _errors(bad)
    assert len(err.problems) == 1 and err.problems[0].startswith("row 3, column 'source': ' ' is empty")


def test_duplicate_key_names_both_rows(good):
    bad = pd.concat([good, good.iloc[[1]]], ignore_index=True)
    bad.loc[6, "value"] = 99.0
    err = _errors(bad)
    assert err.problems == [
        "rows 2, 7: duplicate key (municipality_id='0180', kpi='N00999', year=2024, gender='K')"
    ]


def test_duplicate_key_with_text_year_is_found(good):
    bad = pd.concat([good, good.iloc[[4]]], ignore_index=True).astype({"year": object})
    bad.loc[6, "year"] = "2023"
    err = _errors(bad)
    assert err.problems == ["rows 5, 7: duplicate key (municipality_id='0114', kpi='N00999', year=2023, gender='T')"]


def test_several_duplicate_groups_are_each_reported(good):
    bad = pd.concat([good, good, good.iloc[[0]]], ignore_index=True)
    err = _errors(bad)
    assert len(err.problems) == 6
    assert err.problems[0] == (
        "rows 1, 7, 13: duplicate key (municipality_id='0180', kpi='N00999', year=2024, gender='T')"
    )


def test_missing_columns(good):
    err = _errors(good.drop(columns=["gender", "source"]))
    assert len(err.problems) == 1
    assert err.problems[0].startswith("missing column(s): gender, source")
    assert "municipality_id, kpi, year, gender, value, status, source" in err.problems[0]


def test_several_problems_are_all_listed_in_one_error(good):
    bad = good.astype({"year": object, "value": object})
    bad.loc[0, "municipality_id"] = "180"
    bad.loc[1, "kpi"] = "N0099"
    bad.loc[2, "gender"] = "X"
    bad.loc[3, "value"] = "abc"
    bad.loc[4, "year"] = "20x4"
    bad = pd.concat([bad, bad.iloc[[5]]], ignore_index=True)
    err = _errors(bad, origin="kolada_2024.csv")
    assert [p.split(":")[0] for p in err.problems] == [
        "row 1, column 'municipality_id'",
        "row 2, column 'kpi'",
        "row 3, column 'gender'",
        "row 4, column 'value'",
        "row 5, column 'year'",
        "rows 6, 7",
    ]
    message = str(err)
    assert message.startswith("kolada_2024.csv: 6 problem(s) found")
    assert message.count("\n  - ") == 6


def test_one_row_with_several_problems(good):
    bad = good.copy()
    bad.loc[0, ["municipality_id", "kpi", "gender"]] = ["18", "K1", "W"]
    err = _errors(bad)
    assert [p.split(":")[0] for p in err.problems] == [
        "row 1, column 'municipality_id'", "row 1, column 'kpi'", "row 1, column 'gender'",
    ]


def test_first_row_offset(good):
    bad = good.copy()
    bad.loc[3, "gender"] = "X"
    bad.loc[5, "kpi"] = "bad"
    bad = pd.concat([bad, good.iloc[[0]]], ignore_index=True)
    err = _errors(bad, first_row=2)  # a CSV file: the header is line 1
    assert [p.split(":")[0] for p in err.problems] == [
        "rows 2, 8", "row 5, column 'gender'", "row 7, column 'kpi'",
    ]


def test_many_problems_are_summarised(good):
    bad = pd.concat([good] * 30, ignore_index=True)
    bad["gender"] = "X"
    err = _errors(bad)
    assert len(err.problems) == 180
    assert "... and 130 more" in str(err)


def test_max_problems_caps_each_check(good):
    bad = pd.concat([good] * 10, ignore_index=True).assign(gender="X", municipality_id=[str(i) for i in range(60)])
    err = _errors(bad, max_problems=5)
    assert len(err.problems) == 10  # 5 per check, two checks failing


# -------------------------------------------------------------------------------------------------
# to_wide


def test_to_wide_shape_and_values(good):
    panel = validate_panel(good)
    wide = to_wide(panel, 2024)
    assert wide.index.tolist() == ["0114", "0180", "1480"]
    assert wide.columns.tolist() == ["N00999", "U07344"]
    assert wide.columns.name is None and wide.index.name == "municipality_id"
    assert wide.loc["0180", "N00999"] == 9.5
    assert np.isnan(wide.loc["1480", "N00999"])  # a missing value stays missing
    assert np.isnan(wide.loc["0114", "N00999"])  # 0114 has N00999 only in 2023
    assert wide.loc["0114", "U07344"] == 2.0
    assert to_wide(panel, 2023).shape == (1, 1)
    assert to_wide(panel, 2030).empty


@pytest.mark.parametrize(("gender", "expected"), [("T", 9.5), ("K", 8.0), ("M", 11.0)])
def test_to_wide_gender_selection(good, gender, expected):
    wide = to_wide(validate_panel(good), 2024, gender=gender)
    assert wide.loc["0180", "N00999"] == expected
    if gender != "T":
        assert wide.index.tolist() == ["0180"]


@pytest.mark.parametrize("gender", ["X", "t", "", "W"])
def test_to_wide_rejects_invalid_gender(good, gender):
    with pytest.raises(ValidationError) as info:
        to_wide(validate_panel(good), 2024, gender=gender)
    assert repr(gender) in str(info.value) and "T, K, M" in str(info.value)


def test_years(good):
    assert years(good) == [2023, 2024]


# -------------------------------------------------------------------------------------------------
# properties


municipality_ids = st.integers(1, 9999).map(lambda i: f"{i:04d}")
kpi_ids = st.builds(lambda p, n: f"{p}{n:05d}", st.sampled_from("NU"), st.integers(0, 99_999))
values = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64), st.integers(-10**6, 10**6))
rows = st.tuples(municipality_ids, kpi_ids, st.integers(1990, 2030), st.sampled_from("TKM"), values)
panels = st.lists(rows, min_size=1, max_size=40, unique_by=lambda r: r[:4])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(panels)
def test_any_valid_panel_validates_and_round_trips(rows):
    panel = make_panel(rows)
    out = validate_panel(panel)
    assert len(out) == len(rows)
    assert list(out.columns) == PANEL_COLUMNS
    assert out["municipality_id"].tolist() == [r[0] for r in rows]
    np.testing.assert_array_equal(out["value"].to_numpy(), np.array([float(r[4]) for r in rows]))
    # to_wide recovers every T value (and K, M) of every year
    for (year, gender), _ in out.groupby(["year", "gender"]):
        wide = to_wide(out, year, gender)
        for mid, kpi, y, g, value in rows:
            if y == year and g == gender:
                got = wide.loc[mid, kpi]
                assert (np.isnan(got) and np.isnan(value)) or got == float(value)
        assert wide.notna().sum().sum() == sum(
            1 for r in rows if r[2] == year and r[3] == gender and not np.isnan(float(r[4])))
    # validation is idempotent
    pd.testing.assert_frame_equal(validate_panel(out), out)


@settings(max_examples=100, deadline=None)
@given(panels, st.data())
def test_a_corrupted_id_is_reported_at_its_row(rows, data):
    position = data.draw(st.integers(0, len(rows) - 1))
    bad_id = data.draw(st.text(max_size=6).filter(lambda s: not (len(s) == 4 and s.isascii() and s.isdigit())))
    first_row = data.draw(st.integers(0, 1000))
    panel = make_panel(rows).astype({"municipality_id": object})
    panel.loc[position, "municipality_id"] = bad_id
    with pytest.raises(ValidationError) as info:
        validate_panel(panel, first_row=first_row)
    mine = [p for p in info.value.problems if "column 'municipality_id'" in p]
    assert mine == [
        f"row {position + first_row}, column 'municipality_id': {bad_id!r} is not a 4-digit municipality id "
        'with leading zeros (e.g. "0180")'
    ]
