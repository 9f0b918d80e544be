"""Portfolio analyses (metrics.portfolio) on small hand-built registers with hand-computed answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from natsam_analysis.metrics import portfolio


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "case_id": ["A", "B", "C", "D", "E"],
        "title": ["a", "b", "c", "d", "e"],
        "platform": ["lund", "lund", "lund", "kiruna", "none"],
        "municipality_id": ["1281", "1281", "1281", "2584", "0380"],
        "facet_primary": ["mission", "mission", "adaptive", "anticipatory", "enhancement"],
        "facet_secondary": [None, "adaptive", "mission", None, None],
        "lifecycle_stages": [["identifying_problems"], ["identifying_problems", "generating_ideas", "implementation"],
                             ["implementation"], ["evaluation", "diffusing_lessons"], []],
        "primary_sdg": pd.array([11, 5, None, 13, 2], dtype="Int64"),
        "sdg_targets": [["11.6", "13.2"], ["5.5"], ["11.a"], [], ["2.1"]],
        "gender_analysis_done": pd.array([True, False, None, True, False], dtype="boolean"),
        "team_women_pct": [50.0, 70.0, 40.0, float("nan"), 30.0],
        "team_men_pct": [50.0, 30.0, 60.0, float("nan"), 70.0],
        "norm_critical_review": pd.array([True, True, False, False, None], dtype="boolean"),
        "reused_from": [None, "A", "external:Danmark", "A", "D"],
        "barrier_ids": [["SH-2025-001"], [], ["SH-2025-001", "SH-2025-002"], [], []],
    })


def test_facet_distribution(frame):
    dist = portfolio.facet_distribution(frame).set_index(["platform", "role", "facet"])
    assert len(dist) == 3 * 2 * 4  # every platform x role x facet, zeros included
    assert dist.loc[("lund", "primary", "mission"), "cases"] == 2
    assert dist.loc[("lund", "primary", "mission"), "share"] == pytest.approx(2 / 3)
    assert dist.loc[("lund", "primary", "adaptive"), "cases"] == 1
    assert dist.loc[("lund", "secondary", "adaptive"), "cases"] == 1
    assert dist.loc[("lund", "secondary", "mission"), "share"] == pytest.approx(1 / 3)
    assert dist.loc[("kiruna", "primary", "anticipatory"), "share"] == 1.0
    assert dist.loc[("kiruna", "secondary", "anticipatory"), "cases"] == 0
    assert list(dict.fromkeys(dist.reset_index()["platform"])) == ["lund", "kiruna", "none"]  # register order


def test_lifecycle_funnel(frame):
    funnel = portfolio.lifecycle_funnel(frame).set_index("stage")
    # furthest stages: A 1, B 4, C 4, D 6, E none
    assert funnel["reached"].tolist() == [4, 3, 3, 3, 1, 1]
    assert funnel["in_stage"].tolist() == [2, 1, 0, 2, 1, 1]
    assert funnel.loc["implementation", "share_reached"] == pytest.approx(3 / 5)
    assert funnel["position"].tolist() == [1, 2, 3, 4, 5, 6]


def test_sdg_coverage(frame):
    cov = portfolio.sdg_coverage(frame).set_index("goal")
    assert len(cov) == 17 and cov.loc[[1, 3, 4, 5, 11, 13, 16], "natsam"].all() and not cov.loc[2, "natsam"]
    assert cov.loc[11, ["primary_cases", "target_cases", "any_cases"]].tolist() == [1, 2, 2]
    assert cov.loc[13, ["primary_cases", "target_cases", "any_cases"]].tolist() == [1, 1, 2]
    assert cov.loc[5, ["primary_cases", "target_cases", "any_cases"]].tolist() == [1, 1, 1]
    assert cov.loc[2, "any_cases"] == 1 and cov.loc[16, "any_cases"] == 0


def test_sdg_target_coverage(frame):
    cov = portfolio.sdg_target_coverage(frame)
    assert list(dict.fromkeys(cov["target"])) == ["2.1", "5.5", "11.6", "11.a", "13.2"]
    lund = cov[cov["platform"] == "lund"].set_index("target")["cases"]
    assert lund.to_dict() == {"2.1": 0, "5.5": 1, "11.6": 1, "11.a": 1, "13.2": 1}
    assert cov.set_index(["platform", "target"]).loc[("none", "2.1"), "cases"] == 1


def test_gender_steps(frame):
    steps = portfolio.gender_steps(frame).set_index(["platform", "step"])
    # lund: analysis known for A, B (1 yes); balance A (50/50) and C (40/60) yes, B (70/30) no; review 2 of 3
    assert steps.loc[("lund", "gender_analysis"), ["cases", "known", "yes"]].tolist() == [3, 2, 1]
    assert steps.loc[("lund", "gender_analysis"), "share"] == 0.5
    assert steps.loc[("lund", "team_balance"), ["known", "yes"]].tolist() == [3, 2]
    assert steps.loc[("lund", "norm_critical_review"), "share"] == pytest.approx(2 / 3)
    assert steps.loc[("kiruna", "team_balance"), "known"] == 0 and math.isnan(steps.loc[("kiruna", "team_balance"), "share"])
    assert steps.loc[("all", "gender_analysis"), ["cases", "known", "yes"]].tolist() == [5, 4, 2]
    assert steps.loc[("all", "team_balance"), ["known", "yes"]].tolist() == [4, 2]
    assert steps.loc[("all", "norm_critical_review"), ["known", "yes"]].tolist() == [4, 2]


def test_team_balance_is_40_60_inclusive():
    balanced = portfolio.team_balanced(pd.Series([40.0, 39.9, 50.0, float("nan")]), pd.Series([60.0, 60.1, 45.0, 50.0]))
    assert balanced.tolist() == [True, False, True, pd.NA]


def test_reuse_links_and_flows(frame):
    links = portfolio.reuse_links(frame).set_index("case_id")
    assert links.index.tolist() == ["B", "C", "D", "E"]
    assert links.loc["C", "external"] and pd.isna(links.loc["C", "source_municipality_id"])
    assert links.loc["D", ["source_title", "source_municipality_id", "external"]].tolist() == ["a", "1281", False]
    flows = portfolio.reuse_flows(frame)
    assert flows.values.tolist() == [["1281", "1281", 1], ["1281", "2584", 1], ["2584", "0380", 1]]
    empty = portfolio.reuse_flows(frame.assign(reused_from=None))
    assert empty.empty and list(empty.columns) == ["from_municipality_id", "to_municipality_id", "cases"]


def test_case_barrier_links(frame):
    assert portfolio.case_barrier_links(frame).values.tolist() == [
        ["A", "SH-2025-001"], ["C", "SH-2025-001"], ["C", "SH-2025-002"]]
