"""Small-cell suppression of the survey statistics cannot be bypassed through any public function."""

from __future__ import annotations

import inspect
import shutil

import numpy as np
import pandas as pd
import pytest

from natsam_analysis.errors import NatsamError
from natsam_analysis.metrics import survey as metrics
from natsam_analysis.sources import survey as sources
from natsam_analysis.sources.survey import demo_survey, load_instrument


@pytest.fixture(scope="module", autouse=True)
def geo(tmp_path_factory, geography_cache, data_dir_context):
    root = tmp_path_factory.mktemp("suppression-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root):
        yield root


def with_groups(sizes: dict[str, int]) -> pd.DataFrame:
    """A survey whose gender groups have exactly the given sizes (everyone answers every item)."""
    frame = demo_survey(n=sum(sizes.values()) if sum(sizes.values()) >= 50 else 50).head(sum(sizes.values())).copy()
    frame["gender"] = pd.array([g for g, k in sizes.items() for _ in range(k)], dtype="string")
    codes = load_instrument().item_codes()
    rng = np.random.default_rng(1)
    frame[codes] = pd.DataFrame(rng.integers(1, 6, size=(len(frame), len(codes))), columns=codes,
                                index=frame.index).astype("Int64")
    return frame


@pytest.fixture(scope="module")
def four() -> pd.DataFrame:
    """Women 60, men 40, 'annan' exactly 4, 'vill ej ange' exactly 6."""
    return with_groups({"kvinna": 60, "man": 40, "annan": 4, "vill ej ange": 6})


def test_a_group_of_exactly_five_is_shown_and_four_is_not():
    five = metrics.construct_scores(with_groups({"kvinna": 60, "man": 40, "annan": 5}), "gender", constructs="C1")
    assert not five["suppressed"].any() and five.set_index("gender").loc["annan", "n"] == 5
    four = metrics.construct_scores(with_groups({"kvinna": 60, "man": 40, "annan": 4, "vill ej ange": 6}), "gender",
                                    constructs="C1").set_index("gender")
    assert four.loc["annan", "suppressed"] and four.loc["annan", "note"] == "för få svar"
    assert four.loc["annan", ["n", "mean", "ci_low", "ci_high", "index"]].isna().all()


def test_complementary_suppression_hides_the_next_smallest_group(four):
    table = metrics.construct_scores(four, "gender").set_index(["construct", "gender"])
    for c in load_instrument().summed_constructs():
        assert table.loc[(c, "annan"), "suppressed"] and table.loc[(c, "vill ej ange"), "suppressed"]
        assert not table.loc[(c, "kvinna"), "suppressed"] and not table.loc[(c, "man"), "suppressed"]
    # the total minus the shown groups leaves two unknowns: neither hidden group can be worked out
    total = metrics.construct_scores(four, None, constructs="C1")
    shown = table.loc["C1"][~table.loc["C1"]["suppressed"]]
    assert total["n"].item() - shown["n"].sum() == 10


def test_complementary_suppression_in_two_dimensions():
    table = metrics.construct_scores(demo_survey(), ["municipality", "role"])
    for c, part in table.groupby("construct"):
        for dim, other in (("municipality", "role"), ("role", "municipality")):
            hidden = part.groupby(other)["suppressed"].sum()
            assert not (hidden == 1).any(), (c, dim)
    kiruna = table[(table["municipality"] == "2584") & (table["role"] == "politiker")]
    assert kiruna["suppressed"].all() and kiruna["mean"].isna().all()


def test_missing_group_values_are_a_group_of_their_own(four):
    frame = four.copy()
    frame.loc[frame.index[:3], "role"] = pd.NA
    table = metrics.construct_scores(frame, "role", constructs="C1").set_index("role")
    assert table.loc[metrics.MISSING_GROUP, "suppressed"]
    assert table["suppressed"].sum() >= 2


def test_differences_with_a_suppressed_group_are_suppressed(four):
    d = metrics.compare_groups(four, "gender", reference="man").set_index(["construct", "group"])
    for group in ("annan", "vill ej ange"):
        assert d.xs(group, level="group")["suppressed"].all()
        assert d.xs(group, level="group")[["difference", "ci_low", "ci_high", "p_value"]].isna().all().all()
    assert not d.xs("kvinna", level="group")["suppressed"].any()
    with_hidden_reference = metrics.compare_groups(four, "gender", reference="annan")
    assert with_hidden_reference["suppressed"].all() and with_hidden_reference["difference"].isna().all()


def test_min_n_is_a_setting_but_never_below_three(four):
    three = metrics.construct_scores(four, "gender", constructs="C1", min_n=3).set_index("gender")
    assert not three.loc["annan", "suppressed"]
    for bad in (2, 0, -1, 2.5, True, "5"):
        with pytest.raises(NatsamError):
            metrics.construct_scores(four, "gender", min_n=bad)
    for func in (metrics.survey_report, metrics.facet_profile, metrics.reliability_by_construct):
        with pytest.raises(NatsamError, match="never"):
            func(four, min_n=2)


def _public(module) -> dict[str, object]:
    """Functions defined in ``module`` or re-exported by it (its ``__all__``)."""
    exported = set(getattr(module, "__all__", ()))
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(obj)
            and (obj.__module__ == module.__name__ or name in exported)}


#: Public functions that take values (numbers, arrays, item tables), not a survey frame: they cannot group.
VALUE_FUNCTIONS = {"reverse_code", "index_0_100", "check_min_n", "cronbach_alpha", "mcdonald_omega",
                   "item_rest_correlations"}


def _numbers_for(result, group: str) -> list:
    """Every number that a result reports for rows or cells of ``group``."""
    found = []
    if isinstance(result, pd.DataFrame):
        if any(group in str(i) for i in result.index):  # survey_report: groups are the index
            rows = result[[group in str(i) for i in result.index]]
            found += [v for v in rows.to_numpy().ravel() if isinstance(v, (int, float, np.number)) and not pd.isna(v)]
        for col in result.columns:
            if result[col].dtype == object or pd.api.types.is_string_dtype(result[col]):
                mask = result[col].astype(str) == group
                if mask.any():
                    numeric = result.loc[mask].select_dtypes("number")
                    found += [v for v in numeric.to_numpy().ravel() if not pd.isna(v)]
    return found


def test_no_public_metric_returns_a_statistic_for_a_group_of_four(four):
    public = _public(metrics)
    calls = {
        "construct_scores": lambda: [metrics.construct_scores(four, by) for by in ("gender", ["gender", "wave"])],
        "facet_profile": lambda: [metrics.facet_profile(four, "gender")],
        "compare_groups": lambda: [metrics.compare_groups(four, "gender"),
                                   metrics.compare_groups(four, "gender", reference="man")],
        "survey_report": lambda: [metrics.survey_report(four, by="gender"),
                                  metrics.survey_report(four, by="gender", index=True)],
        "reliability_by_construct": lambda: [metrics.reliability_by_construct(four)],
        "icc_by": lambda: [metrics.icc_by(four, "gender")],
    }
    assert set(public) - VALUE_FUNCTIONS == set(calls), "a new public function must be added to this test"
    for name, call in calls.items():
        for result in call():
            assert _numbers_for(result, "annan") == [], name
            assert _numbers_for(result, "vill ej ange") == [], name  # the complementary cell
    # whole-sample statistics count only groups of at least min_n
    assert metrics.icc_by(four, "gender")["groups"].eq(3).all()  # "annan" (4) left out
    report = metrics.survey_report(four, by="gender")
    assert (report.loc["annan"] == "för få svar").all()
    for name in VALUE_FUNCTIONS & {"reverse_code", "index_0_100"}:
        with pytest.raises(NatsamError):
            public[name](four)


def test_source_functions_return_only_respondent_rows_or_whole_file_counts(four, tmp_path):
    public = _public(sources)
    expected = {"load_instrument", "read_survey", "survey_source_line", "survey_summary", "demo_survey",
                "load_survey", "example_export", "write_example_exports", "file_digest"}
    assert set(public) == expected, "a new public function must be checked here"
    for frame in (demo_survey(n=60), sources.load_survey(), sources.example_export(n=60)):
        assert frame["respondent_id"].is_unique and not {"mean", "ci_low", "n"} & set(frame.columns)
    summary = sources.survey_summary(four)
    assert "annan" not in summary and "Svarande: 110" in summary


def test_per_respondent_scores_are_private():
    assert not any("respondent" in name for name in _public(metrics))
    assert "_respondent_scores" not in metrics.__all__


def test_reverse_coding_scores_and_index():
    assert metrics.reverse_code([1, 2, 3, 4, 5, 9]).tolist()[:5] == [5, 4, 3, 2, 1]
    frame = with_groups({"kvinna": 10})
    codes = load_instrument().item_codes()
    frame[codes] = 4
    frame["C1_5"] = 2  # reverse item: 6 - 2 = 4
    frame.loc[frame.index[0], ["C1_1", "C1_2", "C1_3"]] = 9  # 2 of 5 answered: below 60 %, no score
    frame.loc[frame.index[1], ["C1_1", "C1_2"]] = pd.NA  # 3 of 5 answered: exactly 60 %, scored
    table = metrics.construct_scores(frame, None, constructs="C1")
    assert table["n"].item() == 9 and table["mean"].item() == 4.0 and table["index"].item() == 75.0
    assert table["ci_low"].item() == table["ci_high"].item() == 4.0
