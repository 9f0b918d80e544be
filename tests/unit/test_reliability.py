"""natsam_analysis.metrics.reliability against R's psych package, small hand-computed cases and validation.

The psych numbers are committed in ``tests/fixtures/psych_reference`` (made by ``tools/r/psych_reference.R``
with psych 2.2.9 on psychTools' bfi, epi and msq data and two tiny made-up scales); R is never needed here.
Alpha and item-rest correlations must agree to 1e-6, omega total within 0.01.
"""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.metrics import reliability
from natsam_analysis.metrics.reliability import (
    complete_items,
    cronbach_alpha,
    item_rest_correlations,
    mcdonald_omega,
    one_factor_loadings,
    reliability_summary,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "psych_reference"
REFERENCE = json.loads((FIXTURES / "reference.json").read_text(encoding="utf-8"))
SCALES = sorted(REFERENCE["scales"])


def _items(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / REFERENCE["scales"][name]["file"])


def _exact(sigma: np.ndarray, n: int = 60, seed: int = 1) -> pd.DataFrame:
    """Data whose sample correlation matrix is exactly ``sigma`` (orthonormal centred scores times a root)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, sigma.shape[0]))
    scores -= scores.mean(axis=0)
    orthonormal, _ = np.linalg.qr(scores)
    values = orthonormal @ np.linalg.cholesky(sigma).T
    return pd.DataFrame(values * 10 + 3, columns=[f"i{j + 1}" for j in range(sigma.shape[0])])


# --- psych reference -------------------------------------------------------------------------------------

def test_reference_records_versions_and_every_real_scale_has_missing_rows():
    assert REFERENCE["psych_version"] == "2.2.9" and REFERENCE["r_version"].startswith("R version")
    real = [name for name in SCALES if not name.startswith("tiny_")]
    assert len(real) >= 3
    for name in real:
        scale = REFERENCE["scales"][name]
        assert scale["n_complete"] < scale["n_rows"], name
        # psych's default (pairwise) differs, so the reference really is on the complete cases
        assert abs(scale["raw_alpha"] - scale["raw_alpha_pairwise"]) > 1e-4, name


@pytest.mark.parametrize("name", SCALES)
def test_alpha_matches_psych_raw_alpha(name):
    expected = REFERENCE["scales"][name]
    assert cronbach_alpha(_items(name)) == pytest.approx(expected["raw_alpha"], abs=1e-6)


@pytest.mark.parametrize("name", SCALES)
def test_item_rest_matches_psych_r_drop(name):
    expected = REFERENCE["scales"][name]
    result = item_rest_correlations(_items(name))
    assert list(result.index) == expected["items"]
    assert result.to_numpy() == pytest.approx([expected["r_drop"][i] for i in expected["items"]], abs=1e-6)
    assert result.attrs["n_complete"] == expected["n_complete"]
    assert result.attrs["n_dropped"] == expected["n_rows"] - expected["n_complete"]


@pytest.mark.parametrize("name", SCALES)
def test_omega_matches_psych_omega_tot(name):
    expected = REFERENCE["scales"][name]
    items = _items(name)
    assert mcdonald_omega(items) == pytest.approx(expected["omega_tot"], abs=0.01)
    loadings = one_factor_loadings(items)
    assert loadings.to_numpy() == pytest.approx([expected["loadings"][i] for i in expected["items"]], abs=0.01)


@pytest.mark.parametrize("name", [n for n in SCALES if not n.startswith("tiny_")])
def test_omega_matches_psych_closely_when_the_fit_is_inside_its_bounds(name):
    """psych's minres fit is mirrored step for step, so away from Heywood cases the agreement is far
    tighter than the 0.01 required."""
    assert mcdonald_omega(_items(name)) == pytest.approx(REFERENCE["scales"][name]["omega_tot"], abs=1e-9)


def test_summary_counts_match_the_reference():
    expected = REFERENCE["scales"]["bfi_agree"]
    summary = reliability_summary(_items("bfi_agree"))
    assert (summary["n_items"], summary["n_rows"], summary["n_complete"], summary["n_dropped"]) == (
        5, expected["n_rows"], expected["n_complete"], expected["n_rows"] - expected["n_complete"])
    assert summary["alpha"] == pytest.approx(expected["raw_alpha"], abs=1e-6)
    assert summary["omega_total"] == pytest.approx(expected["omega_tot"], abs=0.01)
    lowest = min(expected["r_drop"], key=expected["r_drop"].get)
    assert summary["min_item_rest_item"] == lowest
    assert summary["min_item_rest"] == pytest.approx(expected["r_drop"][lowest], abs=1e-6)


# --- hand-computed cases ---------------------------------------------------------------------------------

def test_two_perfectly_correlated_items_with_equal_variance_have_alpha_one():
    items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 3, 4, 5, 6]})
    assert cronbach_alpha(items) == pytest.approx(1.0, abs=1e-12)
    assert item_rest_correlations(items).to_numpy() == pytest.approx([1.0, 1.0])


def test_raw_alpha_uses_covariances_not_correlations():
    # b = 2a: C = [[v, 2v], [2v, 4v]], alpha = 2 * (1 - 5v / 9v) = 8/9 (standardised alpha would be 1)
    items = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8]})
    assert cronbach_alpha(items) == pytest.approx(8 / 9, abs=1e-12)


def test_three_item_scale_by_hand():
    # a, b, c all have variance 5/3; cov(a,b) = 1, cov(a,c) = 4/3, cov(b,c) = 0.
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [1, 3, 2, 4]})
    # sum C = 5 + 2 * (1 + 4/3) = 29/3, trace 5: alpha = 3/2 * (1 - 15/29) = 21/29
    assert cronbach_alpha(items) == pytest.approx(21 / 29, abs=1e-12)
    # a against b + c = [3, 4, 6, 7]: 7 / sqrt(5 * 10); b against a + c = [2, 5, 5, 8]: 3 / sqrt(5 * 18);
    # c against a + b = [3, 3, 7, 7]: 4 / sqrt(5 * 16)
    expected = [7 / math.sqrt(50), 3 / math.sqrt(90), 4 / math.sqrt(80)]
    result = item_rest_correlations(items)
    assert list(result.index) == ["a", "b", "c"]
    assert result.to_numpy() == pytest.approx(expected, abs=1e-12)


def test_item_rest_follows_column_order():
    items = pd.DataFrame({"c": [1, 3, 2, 4], "a": [1, 2, 3, 4], "b": [2, 1, 4, 3]})
    result = item_rest_correlations(items)
    assert list(result.index) == ["c", "a", "b"]
    assert result["a"] == pytest.approx(7 / math.sqrt(50), abs=1e-12)


def test_omega_with_equal_correlations_is_spearman_brown():
    # one factor with loadings sqrt(r) fits exactly: omega = k r / (1 + (k - 1) r) = 3 * .5 / 2 = .75
    sigma = np.full((3, 3), 0.5)
    np.fill_diagonal(sigma, 1.0)
    items = _exact(sigma)
    assert mcdonald_omega(items) == pytest.approx(0.75, abs=1e-6)
    assert one_factor_loadings(items).to_numpy() == pytest.approx([math.sqrt(0.5)] * 3, abs=1e-4)
    assert cronbach_alpha(items) == pytest.approx(0.75, abs=1e-9)  # equal variances: raw = standardised


def test_omega_recovers_an_exact_one_factor_structure():
    loadings = np.array([0.8, 0.7, 0.6, 0.5])
    sigma = np.outer(loadings, loadings)
    np.fill_diagonal(sigma, 1.0)
    items = _exact(sigma)
    assert one_factor_loadings(items).to_numpy() == pytest.approx(loadings, abs=1e-4)
    total = loadings.sum() ** 2
    expected = total / (total + np.sum(1 - loadings**2))  # the textbook form: equal here, the fit is exact
    assert mcdonald_omega(items) == pytest.approx(expected, abs=1e-5)


def test_an_item_left_unreversed_is_reflected_by_omega_but_shows_in_item_rest():
    items = _items("bfi_agree")
    unreversed = items.assign(A1=7 - items["A1"])  # undo the reverse coding of A1
    assert mcdonald_omega(unreversed) == pytest.approx(mcdonald_omega(items), abs=1e-6)  # psych's flip
    assert item_rest_correlations(unreversed)["A1"] < 0
    assert one_factor_loadings(unreversed)["A1"] < 0
    assert cronbach_alpha(unreversed) < cronbach_alpha(items) - 0.1


# --- complete cases ------------------------------------------------------------------------------------

def test_rows_with_any_missing_item_are_left_out_and_counted():
    base = pd.DataFrame({"q1": [3, 3, 3, 2, 3, 1, 3, 5], "q2": [2, 3, 1, 1, 1, 2, 2, 5],
                         "q3": [3, 3, 1, 2, 3, 2, 2, 4], "q4": [2, 3, 4, 1, 3, 3, 3, 4]})
    extra = pd.DataFrame({"q1": [5, np.nan, np.nan], "q2": [np.nan, 1, np.nan],
                          "q3": [1, 5, np.nan], "q4": [5, 1, np.nan]})
    items = pd.concat([base.astype(float), extra], ignore_index=True)
    used = complete_items(items)
    assert used.attrs == {"n_rows": 11, "n_complete": 8, "n_dropped": 3}
    assert used.index.tolist() == list(range(8))
    assert cronbach_alpha(items) == cronbach_alpha(base)
    assert mcdonald_omega(items) == mcdonald_omega(base)
    pd.testing.assert_series_equal(item_rest_correlations(items), item_rest_correlations(base))
    assert item_rest_correlations(items).attrs["n_dropped"] == 3
    summary = reliability_summary(items)
    assert (summary["n_rows"], summary["n_complete"], summary["n_dropped"]) == (11, 8, 3)


def test_pandas_nullable_integers_with_missing_values_are_accepted():
    items = pd.DataFrame({"a": [1, 2, 3, 4, None], "b": [2, 1, 4, 3, 5], "c": [1, 3, 2, 4, 5]}, dtype="Int64")
    assert complete_items(items).attrs["n_dropped"] == 1
    assert cronbach_alpha(items) == pytest.approx(21 / 29, abs=1e-12)


def test_the_input_is_not_changed():
    items = pd.DataFrame({"a": [1, 2, None, 4, 5], "b": [2, 1, 4, 3, 5], "c": [1, 3, 2, 4, 4]})
    before = items.copy()
    reliability_summary(items)
    pd.testing.assert_frame_equal(items, before)


# --- validation ----------------------------------------------------------------------------------------

def _error(items) -> str:
    with pytest.raises(ValidationError) as info:
        complete_items(items)
    return str(info.value)


@pytest.mark.parametrize("function", [cronbach_alpha, mcdonald_omega, item_rest_correlations,
                                      one_factor_loadings, reliability_summary])
def test_every_function_validates(function):
    with pytest.raises(NatsamError, match="at least 2 items"):
        function(pd.DataFrame({"a": [1, 2, 3]}))


def test_not_a_dataframe():
    assert "expected a pandas DataFrame of items, got list" in _error([[1, 2], [3, 4]])


def test_fewer_than_two_items():
    assert "1 item column(s) (['a']); a construct needs at least 2 items" in _error(pd.DataFrame({"a": [1, 2, 3]}))
    assert "0 item column(s)" in _error(pd.DataFrame(index=range(3)))


def test_duplicate_item_names():
    items = pd.DataFrame([[1, 2, 3], [2, 3, 1], [3, 1, 2]], columns=["a", "a", "b"])
    assert "column 'a' appears more than once" in _error(items)


def test_non_numeric_items():
    items = pd.DataFrame({"a": [1, 2, 3], "b": ["2", "x", "3"], "c": [True, False, True]})
    message = _error(items)
    assert "column 'b' is not numeric (dtype " in message and "e.g. '2' in row 1)" in message
    assert "column 'c' is not numeric (dtype bool" in message
    assert "2 problem(s) found" in message


def test_infinite_values():
    items = pd.DataFrame({"a": [1.0, 2, np.inf, 4], "b": [2.0, 1, 4, 3]})
    assert "row 3 (1-based data row), column 'a': value inf is not finite" in _error(items)


def test_fewer_than_three_complete_rows():
    items = pd.DataFrame({"a": [1, 2, None, 4], "b": [2, 1, 3, None]})
    assert ("only 2 of 4 row(s) answer every item; at least 3 complete rows are needed" in _error(items))


def test_zero_variance_item_among_the_complete_rows():
    # b varies only through a row that is left out (a missing there)
    items = pd.DataFrame({"a": [1, 2, 3, None], "b": [4, 4, 4, 1], "c": [1, 3, 2, 2]})
    message = _error(items)
    assert "column 'b' has the same value (4) in all 3 complete rows" in message
    assert "1 problem(s) found" in message


def test_every_problem_is_listed_at_once():
    items = pd.DataFrame([[1, "x", np.inf], [2, "y", 1.0], [3, "z", 2.0]], columns=["a", "b", "b"])
    error = pytest.raises(ValidationError, complete_items, items).value
    assert len(error.problems) == 3 and "Pass one construct's items" in str(error)


def test_alpha_of_a_scale_whose_sum_is_constant():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [5, 4, 3, 2]})  # b = 6 - a, left unreversed
    with pytest.raises(ValidationError, match="the sum of the items has no variance"):
        cronbach_alpha(items)


def test_item_rest_when_the_rest_is_constant():
    items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [5, 4, 3, 2], "c": [1, 3, 2, 4]})
    with pytest.raises(ValidationError, match="column 'c': the sum of the other items has no variance"):
        item_rest_correlations(items)


cells = st.one_of(st.integers(-5, 10), st.floats(allow_nan=True, allow_infinity=True), st.none(),
                  st.sampled_from(["", "x", "3", "Vet ej"]), st.booleans())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 5).flatmap(lambda k: st.lists(st.lists(cells, min_size=k, max_size=k), max_size=8)),
       st.integers(0, 5))
def test_arbitrary_tables_only_ever_raise_natsam_errors(rows, width):
    columns = [f"q{i}" for i in range(len(rows[0]) if rows else width)]
    items = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    for function in (cronbach_alpha, mcdonald_omega, item_rest_correlations, reliability_summary):
        try:
            function(items)
        except NatsamError:
            pass


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6).flatmap(lambda k: st.lists(
    st.lists(st.one_of(st.integers(1, 5), st.none()), min_size=k, max_size=k), min_size=3, max_size=30)))
def test_valid_answers_give_statistics_in_range_or_a_natsam_error(rows):
    items = pd.DataFrame(rows, columns=[f"q{i}" for i in range(len(rows[0]))], dtype=float)
    try:
        alpha = cronbach_alpha(items)
        rest = item_rest_correlations(items)
        omega = mcdonald_omega(items)
    except NatsamError:
        return
    assert alpha <= 1 + 1e-9 and np.isfinite(alpha)
    assert np.all(np.abs(rest.to_numpy()) <= 1 + 1e-9)
    assert np.isfinite(omega)


def test_module_examples():
    assert doctest.testmod(reliability).failed == 0
