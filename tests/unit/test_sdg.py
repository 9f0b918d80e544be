"""SDSN's scoring rules with hand-computed expectations at every boundary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from natsam_analysis.errors import NatsamError
from natsam_analysis.metrics.sdg import (
    MIN_TREND_SHARE,
    RESULT_COLUMNS,
    SDSN_2022,
    Bounds,
    codebook_bounds,
    colour_scale,
    goal_colour,
    goal_trend,
    indicator_colour,
    indicator_score,
    score_units,
    trend,
    trend_position,
)

HIGHER = Bounds(direction=1, optimum=100, green=80, red=50, lower_bound=0, trend_from=2015)
#: SDSN_2022's options of the indicator trends (the keywords of trend and trend_position)
TREND_2022 = {"falling_past_green": "on_track", "start_tolerance": 1}
LOWER = Bounds(direction=-1, optimum=0, green=10, red=20, lower_bound=40, trend_from=2015)


@pytest.mark.parametrize(("value", "expected"), [(120, 100.0), (-5, 0.0), (65, 65.0), (0, 0.0), (100, 100.0)])
def test_score_is_censored_to_0_100(value, expected):
    assert indicator_score(value, HIGHER) == expected


def test_lower_is_better_scores_from_the_lower_bound_down():
    assert indicator_score(10, LOWER) == 75.0  # 100 x (10 - 40) / (0 - 40)
    assert indicator_score(50, LOWER) == 0.0 and indicator_score(-1, LOWER) == 100.0
    assert math.isnan(indicator_score(math.nan, LOWER))


@pytest.mark.parametrize(("value", "colour"), [
    (80, "green"),      # exactly on the green threshold
    (79.9, "yellow"),
    (65, "yellow"),     # exactly on the midpoint of the thresholds
    (64.9, "orange"),
    (50, "orange"),     # exactly on the red threshold: not worse than it
    (49.9, "red"),
    (math.nan, "grey"),
])
def test_indicator_colour_at_the_thresholds(value, colour):
    assert indicator_colour(value, HIGHER) == colour


@pytest.mark.parametrize(("value", "colour"), [(10, "green"), (15, "yellow"), (15.1, "orange"), (20, "orange"),
                                               (20.1, "red")])
def test_indicator_colour_when_lower_is_better(value, colour):
    assert indicator_colour(value, LOWER) == colour


@pytest.mark.parametrize(("value", "scale"), [(0, 0.0), (25, 0.5), (50, 1.0), (65, 1.5), (80, 2.0), (90, 2.5),
                                              (100, 3.0), (130, 3.0), (-10, 0.0)])
def test_colour_scale_is_piecewise_linear_and_censored(value, scale):
    assert colour_scale(value, HIGHER) == pytest.approx(scale)


def test_colour_scale_when_lower_is_better():
    assert colour_scale(15, LOWER) == pytest.approx(1.5) and colour_scale(30, LOWER) == pytest.approx(0.5)


def test_goal_with_one_indicator_takes_its_colour():
    assert goal_colour([(90, HIGHER)]) == "green"
    assert goal_colour([(70, HIGHER)]) == "yellow"
    assert goal_colour([(55, HIGHER)]) == "orange"   # scale 1.17: below 1.5
    assert goal_colour([(10, HIGHER)]) == "red"
    assert goal_colour([(math.nan, HIGHER)]) == "grey"


def test_goal_colour_uses_the_two_lowest_indicators():
    # exactly one red indicator: 25 (scale 0.5) and 90 (2.5) average 1.5: not below 1.5, below 2
    assert goal_colour([(25, HIGHER), (90, HIGHER), (100, HIGHER)]) == "yellow"
    # a red and a yellow below 1 on average: red only when both are red
    assert goal_colour([(5, HIGHER), (60, HIGHER)]) == "orange"   # 0.1 and 1.33 -> 0.72
    assert goal_colour([(5, HIGHER), (40, HIGHER)]) == "red"      # both red
    # at least 2 on average but one of them yellow: yellow, not green
    assert goal_colour([(79, HIGHER), (100, HIGHER)]) == "yellow"  # 1.97 and 3 -> 2.48
    assert goal_colour([(80, HIGHER), (100, HIGHER)]) == "green"
    # missing values do not count
    assert goal_colour([(math.nan, HIGHER), (90, HIGHER)]) == "green"


def test_trend_at_the_required_and_half_required_rates():
    # from 35 in 2015 the green threshold (80) needs (80 - 35) / 15 = 3 points a year
    assert trend([(2015, 35), (2020, 50)], HIGHER) == "on_track"              # exactly 3.0
    assert trend([(2015, 35), (2020, 49.9)], HIGHER) == "moderately_improving"
    assert trend([(2015, 35), (2020, 42.5)], HIGHER) == "stagnating"           # exactly half: not above
    assert trend([(2015, 35), (2020, 42.6)], HIGHER) == "moderately_improving"
    assert trend([(2015, 35), (2020, 35)], HIGHER) == "stagnating"
    assert trend([(2015, 35), (2020, 34)], HIGHER) == "decreasing"


def test_trend_uses_the_first_observation_from_the_trend_start_and_the_latest():
    series = [(2010, 0), (2014, 90), (2015, 35), (2017, 10), (2020, 50)]
    assert trend(series, HIGHER) == "on_track"  # 2015 -> 2020, the earlier years ignored


def test_trend_scores_are_capped_but_not_floored():
    below = Bounds(1, 100, 80, 50, 0, trend_from=2015)
    # -20 (score -20) to 10 (score 10): 6 a year; required (80 + 20) / 15 = 6.67; half 3.33
    assert trend([(2015, -20), (2020, 10)], below) == "moderately_improving"
    # 130 -> 120: both past green once capped at 100, falling from a capped 100 to 100: on track
    assert trend([(2015, 130), (2020, 120)], below) == "on_track"


def test_falling_past_green_is_stagnating_unless_the_2022_rule_is_asked_for():
    series = [(2015, 95), (2020, 85)]
    assert trend(series, HIGHER) == "stagnating"
    assert trend(series, HIGHER, falling_past_green="on_track") == "on_track"
    assert trend([(2015, 85), (2020, 95)], HIGHER) == "on_track"
    with pytest.raises(NatsamError, match="falling_past_green"):
        trend(series, HIGHER, falling_past_green="improving")


def test_start_tolerance_lets_an_observation_near_the_trend_start_stand_for_it():
    series = [(2014, 35), (2017, 40), (2020, 50)]
    # by default 2017 -> 2020: 3.33 a year; required (80 - 40) / 13 = 3.08
    assert trend(series, HIGHER) == "on_track"
    # one year before the start stands for it: 2014 -> 2020: 2.5 a year; required (80 - 35) / 16 = 2.81
    assert trend(series, HIGHER, start_tolerance=1) == "moderately_improving"
    # two years before does not with a tolerance of 1, does with 2
    assert trend([(2013, 35), (2018, 40), (2020, 50)], HIGHER, start_tolerance=1) == "on_track"  # 2018 -> 2020
    assert trend([(2013, 35), (2018, 40), (2020, 50)], HIGHER, start_tolerance=2) == "moderately_improving"
    # the start year itself wins (2015 -> 2020: 3.0, exactly the required rate; from 2014 it would
    # be 0.83 a year, stagnating); of two equally close, the later one, inside the period
    assert trend([(2014, 45), (2015, 35), (2020, 50)], HIGHER, start_tolerance=1) == "on_track"
    assert trend([(2014, 45), (2016, 35), (2020, 50)], HIGHER, start_tolerance=1) == "on_track"  # 3.75 >= 3.21
    # a start a year early makes a trend of two observations that has none by default
    assert trend([(2014, 35), (2020, 50)], HIGHER) is None
    assert trend([(2014, 35), (2020, 50)], HIGHER, start_tolerance=1) == "moderately_improving"
    # the end is the latest observation: none after the start, no trend
    assert trend([(2014, 35), (2015, 40)], HIGHER, start_tolerance=1) is None
    for bad in (-1, 0.5, True, "1"):
        with pytest.raises(NatsamError, match="start_tolerance"):
            trend(series, HIGHER, start_tolerance=bad)


def test_the_sdsn_2022_options():
    assert SDSN_2022 == {**TREND_2022, "min_trend_share": 0}
    assert trend([(2014, 95), (2020, 85)], HIGHER, **TREND_2022) == "on_track"  # falling past green, from 2014
    assert trend([(2014, 95), (2020, 85)], HIGHER) is None


def test_no_trend_without_a_start_or_with_one_observation():
    assert trend([(2015, 35), (2020, 50)], Bounds(1, 100, 80, 50, 0)) is None
    assert trend([(2020, 50)], HIGHER) is None
    assert trend([(2010, 20), (2020, 50)], HIGHER) is None  # one observation from 2015 on
    assert trend([(2015, 35), (2020, math.nan)], HIGHER) is None


@pytest.mark.parametrize(("end", "position", "arrow"), [
    # from 35 in 2015 the green threshold (80) needs 3 points a year; the value in 2020 gives the rate
    (77, 4.0, "on_track"),                 # 8.4 a year: 2.8 times the required rate, capped at 4
    (65, 4.0, "on_track"),                 # twice the required rate: 2 + 2
    (57.5, 3.5, "on_track"),               # 1.5 times: 2 + 1.5
    (50, 3.0, "on_track"),                 # exactly the required rate: 1 + 2 x 1
    (45.5, 2.4, "moderately_improving"),   # 0.7 times: 1 + 1.4
    (42.5, 2.0, "stagnating"),             # exactly half: 1 + 1
    (38.75, 1.5, "stagnating"),            # a quarter
    (35, 1.0, "stagnating"),               # no change
    (31.25, 0.5, "decreasing"),            # -0.25 times: 1 - 0.5, the floor
    (20, 0.5, "decreasing"),               # -1 times: 1 - 2, floored at 0.5
])
def test_trend_position_follows_the_rate(end, position, arrow):
    assert trend_position([(2015, 35), (2020, end)], HIGHER) == pytest.approx(position)
    assert trend([(2015, 35), (2020, end)], HIGHER) == arrow


def test_trend_position_of_the_trends_set_by_a_rule():
    assert trend_position([(2015, 85), (2020, 95)], HIGHER) == 3.0   # past green and rising: maintaining
    assert trend_position([(2015, 70), (2020, 85)], HIGHER) == 3.0   # crossing green: 3, not its rate (4)
    assert trend_position([(2015, 95), (2020, 85)], HIGHER) == 1.5   # falling past green: stagnating
    assert trend_position([(2015, 95), (2020, 85)], HIGHER, falling_past_green="on_track") == 3.0
    # falling from above green (90) to below it (70): the required rate is negative, decreasing
    assert trend([(2015, 90), (2020, 70)], HIGHER) == "decreasing"
    assert trend_position([(2015, 90), (2020, 70)], HIGHER) == 0.5
    assert trend_position([(2020, 50)], HIGHER) is None
    assert trend_position([(2015, 35), (2020, 50)], Bounds(1, 100, 80, 50, 0)) is None


@pytest.mark.parametrize(("positions", "expected"), [
    ([0.5, 1.5], "stagnating"),              # exactly 1
    ([0.5, 1.25], "decreasing"),             # 0.875
    ([1.5, 2.5], "moderately_improving"),    # exactly 2 (as SDSN's 2022 database: BFA goal 15)
    ([1.5, 2.25], "stagnating"),             # 1.875
    ([3.0, 3.0], "on_track"),                # every indicator maintaining: exactly 3
    ([2.5, 3.5], "on_track"),                # exactly 3
    ([2.5, 3.25], "moderately_improving"),   # 2.875
    ([4.0], "on_track"), ([0.5], "decreasing"),
])
def test_goal_trend_at_the_band_edges(positions, expected):
    assert goal_trend(positions) == expected


def test_goal_trend_needs_three_quarters_of_the_goals_indicators():
    assert MIN_TREND_SHARE == 0.75
    assert goal_trend([1.0, 2.0, 3.0, None]) == "moderately_improving"   # 3 of 4: exactly 75 %
    assert goal_trend([1.0, 2.0, None, None]) is None                    # 2 of 4
    assert goal_trend([1.0, 2.0, math.nan]) is None                      # 2 of 3: 67 %
    assert goal_trend([1.0, 2.0, 3.0], n_indicators=4) == "moderately_improving"
    assert goal_trend([1.0] * 6, n_indicators=8) == "stagnating"         # 6 of 8
    assert goal_trend([1.0] * 5, n_indicators=8) is None
    assert goal_trend([1.0, None, None, None], min_share=0) == "stagnating"  # any one (SDSN 2022)
    assert goal_trend([None, None], min_share=0) is None and goal_trend([]) is None
    for bad in (-0.1, 1.5, True, "0.75"):
        with pytest.raises(NatsamError, match="min_share"):
            goal_trend([1.0], min_share=bad)


def test_trend_when_lower_is_better():
    # 30 (score 25) in 2015 to 20 (50) in 2020: 5 a year; required (75 - 25) / 15 = 3.33
    assert trend([(2015, 30), (2020, 20)], LOWER) == "on_track"
    assert trend([(2015, 30), (2020, 35)], LOWER) == "decreasing"


CODEBOOK = pd.DataFrame({
    "indicator": ["a", "b", "c"], "sdg": [1, 1, 3], "direction": [1, -1, 1],
    "optimum": [100, 0, 10], "green": [80, 10, 8], "red": [50, 20, 5], "lower_bound": [0, 40, 0],
    "trend_from": [2015, None, 2015],
})


def test_score_units_scores_indicators_goals_and_the_index():
    data = pd.DataFrame({
        "unit": ["x", "x", "x", "x", "y"], "indicator": ["a", "a", "b", "c", "a"],
        "year": [2015, 2020, 2020, 2019, 2020], "value": [35, 50, 15, 9, 90],
    })
    result = score_units(CODEBOOK, data)
    assert list(result.columns) == RESULT_COLUMNS
    x = result[result["unit"] == "x"].set_index(["level", "code"])
    assert x.loc[("indicator", "a"), "value"] == 50 and x.loc[("indicator", "a"), "year"] == 2020  # the latest
    assert x.loc[("indicator", "a"), "score"] == 50.0 and x.loc[("indicator", "a"), "trend"] == "on_track"
    assert x.loc[("indicator", "b"), "score"] == 62.5 and x.loc[("indicator", "b"), "colour"] == "yellow"
    assert pd.isna(x.loc[("indicator", "b"), "trend"])  # no trend start
    assert x.loc[("indicator", "c"), "score"] == 90.0 and x.loc[("indicator", "c"), "colour"] == "green"
    assert x.loc[("goal", "1"), "score"] == 56.25  # mean of 50 and 62.5
    assert x.loc[("goal", "1"), "colour"] == "orange"  # a on the red threshold (1.0), b at 1.5: 1.25
    assert x.loc[("goal", "3"), "score"] == 90.0 and x.loc[("goal", "3"), "colour"] == "green"
    assert x.loc[("index", "index"), "score"] == pytest.approx((56.25 + 90) / 2)
    y = result[result["unit"] == "y"].set_index(["level", "code"])
    assert y.loc[("indicator", "c"), "colour"] == "grey" and math.isnan(y.loc[("indicator", "c"), "score"])
    assert y.loc[("goal", "1"), "score"] == 90.0  # only the indicator that exists
    assert y.loc[("goal", "3"), "colour"] == "grey" and y.loc[("index", "index"), "score"] == 90.0


def test_score_units_passes_the_trend_options_on():
    data = pd.DataFrame({"unit": ["x", "x"], "indicator": ["a", "a"], "year": [2014, 2020], "value": [95, 85]})
    trends = {}
    for name, options in {"default": {}, "tolerance": {"start_tolerance": 1}, "2022": SDSN_2022}.items():
        result = score_units(CODEBOOK, data, **options).set_index(["level", "code"])
        trends[name] = result.loc[("indicator", "a"), "trend"]
    assert trends == {"default": None, "tolerance": "stagnating", "2022": "on_track"}


def test_score_units_gives_goals_a_trend():
    # a: 35 -> 40 from 2015 to 2020, a third of the required rate (position 1.67, stagnating);
    # c: scores 40 -> 60, 1.5 times the required rate (3.5, on track); b has no trend start
    data = pd.DataFrame({"unit": "x", "indicator": ["a", "a", "b", "c", "c"], "year": [2015, 2020, 2020, 2015, 2020],
                         "value": [35, 40, 15, 4, 6]})
    trends = {}
    for name, options in {"default": {}, "half": {"min_trend_share": 0.5}, "2022": SDSN_2022}.items():
        result = score_units(CODEBOOK, data, **options).set_index(["level", "code"])["trend"]
        trends[name] = {goal: t if isinstance(t, str) else None for goal, t in result["goal"].items()}
        assert pd.isna(result[("index", "index")])
    assert trends["default"] == {"1": None, "3": "on_track"}  # goal 1: one trend of two indicators
    assert trends["half"] == trends["2022"] == {"1": "stagnating", "3": "on_track"}
    with pytest.raises(NatsamError, match="min_trend_share"):
        score_units(CODEBOOK, data, min_trend_share=75)


def test_score_units_agrees_with_the_rules_applied_one_indicator_at_a_time():
    """The grid of units x indicators gives every cell and goal what the functions give it alone:
    shuffled rows, gaps, repeated years (the last counts), values on the thresholds, both directions."""
    rng = np.random.default_rng(7)
    codebook = pd.concat([CODEBOOK, CODEBOOK.assign(indicator=["d", "e", "f"], sdg=[3, 5, 5],
                                                    trend_from=[2014, 2016, None])], ignore_index=True)
    bounds = codebook_bounds(codebook)
    n = 3000
    on_and_off_the_thresholds = rng.choice([0, 5, 10, 15, 20, 40, 50, 65, 80, 100], n) + rng.choice([0, 0.5, -3.25], n)
    data = pd.DataFrame({"unit": rng.choice([f"u{i}" for i in range(40)], n), "indicator": rng.choice(list(bounds), n),
                         "year": rng.integers(2010, 2023, n), "value": on_and_off_the_thresholds})
    data.loc[rng.random(n) < 0.05, "value"] = np.nan
    for options in ({}, TREND_2022, {"start_tolerance": 2}):
        result = score_units(codebook, data, **options).set_index(["unit", "level", "code"])
        positions = {}
        for (unit, kpi), own in data.groupby(["unit", "indicator"]):
            b, row = bounds[kpi], result.loc[(unit, "indicator", kpi)]
            observed = own.dropna(subset=["value"])
            latest = observed.sort_values("year", kind="stable").iloc[-1] if len(observed) else None
            value = math.nan if latest is None else latest["value"]
            assert row["score"] == indicator_score(value, b) or math.isnan(row["score"]), (unit, kpi)
            assert row["colour"] == indicator_colour(value, b)
            expected = trend(zip(own["year"], own["value"]), b, **options)
            assert (row["trend"] if isinstance(row["trend"], str) else None) == expected, (unit, kpi, options)
            positions[(unit, kpi)] = trend_position(zip(own["year"], own["value"]), b, **options)
        for unit in data["unit"].unique():
            for goal, kpis in codebook.groupby("sdg")["indicator"]:
                values = [result.loc[(unit, "indicator", k), "value"] for k in kpis]
                expected = goal_colour(zip(values, map(bounds.get, kpis)))
                assert result.loc[(unit, "goal", str(goal)), "colour"] == expected, (unit, goal)
                ours = result.loc[(unit, "goal", str(goal)), "trend"]
                expected = goal_trend([positions.get((unit, k)) for k in kpis])
                assert (ours if isinstance(ours, str) else None) == expected, (unit, goal, options)


def test_a_bad_codebook_names_every_unusable_indicator():
    bad = CODEBOOK.assign(direction=[2, -1, 1], red=[50, 5, 5])
    with pytest.raises(NatsamError) as error:
        score_units(bad, pd.DataFrame(columns=["unit", "indicator", "year", "value"]))
    message = str(error.value)
    assert "indicator a: direction is 2" in message
    assert "indicator b: the green threshold (10) must lie at or below the red one (5)" in message
    assert "indicator c" not in message
