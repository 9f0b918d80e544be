"""Municipal Agenda 2030: the codebook beside the catalog, its rules resolved on data, the relative view."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from natsam_analysis import catalog
from natsam_analysis.catalog import AGENDA2030_COLUMNS, AGENDA2030_GOALS, read_agenda2030
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.metrics import agenda2030, sdg


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return catalog.load_catalog()


@pytest.fixture(scope="module")
def rules() -> pd.DataFrame:
    return catalog.load_agenda2030()


# --------------------------------------------------------------------------------------------------
# the shipped codebook


def test_every_platform_goal_has_at_least_three_kolada_kpis(cat, rules):
    goals = cat.loc[rules["kpi"], "sdg"].astype(int)
    counts = goals.value_counts()
    assert set(counts.index) == set(AGENDA2030_GOALS)
    assert (counts >= 3).all(), counts.to_dict()


def test_every_row_has_a_justification_and_a_trend_start(rules):
    assert rules["justification_sv"].str.len().gt(20).all()
    assert rules["justification_en"].str.len().gt(20).all()
    assert (rules["trend_from"] == "2015").all()


def test_targets_are_numbers_and_other_optima_the_five_best(rules):
    optimum = rules.set_index("kpi")["optimum"]
    assert optimum["N00401"] == "0"  # net zero (the Climate Act)
    assert optimum["N17464"] == "100"  # SDG 4.1: everyone completes upper-secondary school
    assert optimum["N00999" if "N00999" in optimum else "N66080"] == "top5"
    assert set(rules["lower_bound"]) <= {"p2.5", "0"}


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=AGENDA2030_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bad_codebook_names_line_column_and_fix(tmp_path, rules):
    rows = rules.to_dict("records")
    rows[0] = {**rows[0], "optimum": "best5"}
    rows[1] = {**rows[1], "green": "75"}  # a number is fine
    rows[2] = {**rows[2], "red": "score"}
    rows[3] = {**rows[3], "trend_from": "2015.5"}
    rows[4] = {**rows[4], "justification_en": " "}
    rows.append({**rows[5]})
    del rows[6]
    path = _write(tmp_path / "agenda2030.csv", rows)
    with pytest.raises(ValidationError) as info:
        read_agenda2030(path)
    problems = info.value.problems
    assert f"line 2, column 'optimum': 'best5' must be a number or top5" in problems[0]
    assert any(p.startswith("line 4, column 'red': 'score' must be") for p in problems)
    assert any(p.startswith("line 5, column 'trend_from'") for p in problems)
    assert any(p.startswith("line 6, column 'justification_en'") for p in problems)
    assert any("is listed twice (also on line 7)" in p for p in problems)
    assert any(p == f"indicator {rules.loc[6, 'kpi']} (goal " + p.split("(goal ")[1] for p in problems
               if p.startswith("indicator "))
    assert not any(p.startswith("line 3,") for p in problems)
    assert str(path) in str(info.value)


def test_codebook_rejects_an_indicator_of_another_goal(tmp_path, rules):
    rows = rules.to_dict("records") + [{**rules.iloc[0].to_dict(), "kpi": "N00999"}]
    with pytest.raises(ValidationError, match="N00999.*follows up goal 8"):
        read_agenda2030(_write(tmp_path / "a.csv", rows))


# --------------------------------------------------------------------------------------------------
# resolving the rules: hand-computed


def _panel(values: dict[str, list[float]], year: int = 2024) -> pd.DataFrame:
    rows = [(f"{i + 1:04d}", kpi, year, "T", v) for kpi, vs in values.items() for i, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["municipality_id", "kpi", "year", "gender", "value"])


CAT = pd.DataFrame({"sdg": [1, 5], "direction": [1, 0], "target": [math.nan, 50.0]}, index=["N00001", "N00002"])


def _rules(**cells) -> pd.DataFrame:
    base = {"kpi": "N00001", "optimum": "top5", "green": "score75", "red": "score40", "lower_bound": "p2.5",
            "trend_from": "", "justification_sv": "x", "justification_en": "x"}
    return pd.DataFrame([{**base, **cells}])


def test_top5_is_the_mean_of_the_five_best_and_p2_5_the_bad_side():
    values = [float(v) for v in range(1, 41)]  # 40 municipalities, higher is better
    data = agenda2030.assessed_values(_panel({"N00001": values}), CAT)
    book = agenda2030.resolve_codebook(_rules(), CAT, data).iloc[0]
    assert book["optimum"] == pytest.approx(np.mean([36, 37, 38, 39, 40]))  # 38
    assert book["lower_bound"] == pytest.approx(1 + 0.025 * 39)  # numpy's linear percentile: 1.975
    assert book["green"] == pytest.approx(1.975 + 0.75 * (38 - 1.975))
    assert book["red"] == pytest.approx(1.975 + 0.40 * (38 - 1.975))
    # the value on the green threshold scores exactly 75
    assert sdg.indicator_score(book["green"], sdg.codebook_bounds(pd.DataFrame([book]))["N00001"]) == pytest.approx(75)


def test_numbers_are_kept_and_only_the_latest_value_counts():
    panel = pd.concat([_panel({"N00001": [100.0] * 6}, 2020), _panel({"N00001": [1, 2, 3, 4, 5, 6]}, 2024)])
    data = agenda2030.assessed_values(panel, CAT)
    book = agenda2030.resolve_codebook(_rules(optimum="10", green="8", red="score50"), CAT, data).iloc[0]
    assert (book["optimum"], book["green"]) == (10.0, 8.0)
    assert book["lower_bound"] == pytest.approx(np.percentile([1, 2, 3, 4, 5, 6], 2.5))
    assert book["red"] == pytest.approx((book["lower_bound"] + 10) / 2)


def test_a_target_indicator_is_assessed_by_its_distance():
    data = agenda2030.assessed_values(_panel({"N00002": [50, 45, 62, 30, 50, 70]}), CAT)
    assert data["value"].tolist() == [0, 5, 12, 20, 0, 20]
    book = agenda2030.resolve_codebook(_rules(kpi="N00002", optimum="0", green="10", red="20"), CAT, data).iloc[0]
    assert book["direction"] == -1 and book["target"] == 50
    assert book["lower_bound"] == pytest.approx(np.percentile([0, 5, 12, 20, 0, 20], 97.5))


def test_unresolvable_rules_say_which_indicator_and_why():
    data = agenda2030.assessed_values(_panel({"N00001": [1, 2, 3]}), CAT)
    with pytest.raises(NatsamError, match="N00001: 3 municipalities have a value; the rules need at least 5"):
        agenda2030.resolve_codebook(_rules(), CAT, data)
    data = agenda2030.assessed_values(_panel({"N00001": [1, 2, 3, 4, 5, 6]}), CAT)
    with pytest.raises(NatsamError, match=r"N00001: the optimum \(0\) must lie above the lower bound"):
        agenda2030.resolve_codebook(_rules(optimum="0", green="0", red="0"), CAT, data)


# --------------------------------------------------------------------------------------------------
# the relative view


def test_relative_colours_are_quartiles_in_the_better_direction():
    cat = pd.DataFrame({"sdg": [1], "direction": [-1], "target": [math.nan]}, index=["N00001"])
    values = [float(v) for v in range(1, 9)]  # lower is better: 1 is best
    panel = _panel({"N00001": values})
    book, result = agenda2030.score_municipalities(panel, cat, _rules())
    ind = result[result["level"] == "indicator"].set_index("unit")
    # mid-rank percentiles of 8 units: 93.75, 81.25, 68.75, ... 6.25
    assert ind["relative_colour"].tolist() == ["green", "green", "yellow", "yellow", "yellow", "yellow", "red", "red"]
    goal = result[result["level"] == "goal"].set_index("unit")
    # goals by their score: 1, 2 and 3 are at or past the optimum (3.0), all score 100 and share the
    # mid-rank percentile 81.25, so all three are green
    assert goal.loc[["0001", "0002", "0003"], "score"].tolist() == [100.0] * 3
    assert goal["relative_colour"].tolist() == ["green"] * 3 + ["yellow"] * 3 + ["red"] * 2
    assert result.loc[result["level"] == "index", "relative_colour"].isna().all()


def test_all_290_municipalities_are_scored_on_the_demo(demo_panel):
    cat = catalog.load_catalog()
    book, result = agenda2030.score_municipalities(demo_panel, cat, catalog.load_agenda2030())
    assert result["unit"].nunique() == 290
    goals = result[result["level"] == "goal"]
    assert sorted(goals["code"].astype(int).unique()) == list(AGENDA2030_GOALS)
    assert set(goals["colour"]) <= set(sdg.COLOURS)
    assert goals["relative_colour"].value_counts(normalize=True)["yellow"] == pytest.approx(0.5, abs=0.03)
    lund = agenda2030.goal_indicators(result, book, "1281", 5)
    assert lund["indicator"].tolist() == book.loc[book["sdg"] == 5, "indicator"].tolist()
    assert {"optimum", "green", "red", "lower_bound", "score", "colour", "trend", "justification_sv"} <= set(lund)
