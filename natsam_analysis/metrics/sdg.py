"""Agenda 2030 follow-up by the method of SDSN's Sustainable Development Report (Sachs et al.).

Every indicator has a direction (1: higher is better, -1: lower is better), a lower bound (scored
0), an optimum (scored 100), a green and a red threshold and optionally the first year of its trend
period. Pure functions: a codebook and observations in, scores, colours and trends out.

- **score** = 100 x (value - lower bound) / (optimum - lower bound), censored to [0, 100];
- **goal score** = mean of the goal's indicator scores that exist; **index** = mean of goal scores;
- **indicator colour**: green when at least as good as the green threshold, red when worse than the
  red threshold, otherwise yellow when at least as good as the midpoint of the two thresholds, else
  orange; grey without a value;
- **goal colour**: each indicator on a continuous 0-3 scale (lower bound 0, red 1, green 2, optimum
  3, censored); the mean of the goal's two lowest: below 1 red, below 1.5 orange, below 2 yellow,
  else green; green only when both are green (else yellow), red only when both are red (else orange);
  grey when fewer than half of the goal's indicators have a value (SDSN's method paper, 2018);
- **trend**, from the first observation at or after the trend start (y0, s0) to the latest (y1, s1),
  scores capped at 100 but not floored: observed = (s1 - s0) / (y1 - y0), required = (g - s0) /
  (2030 - y0) with g the green threshold's score. Past green: on track if observed >= 0, else
  stagnating. Otherwise on track if observed >= required, moderately improving if observed >
  required / 2, stagnating if observed >= 0, else decreasing. No trend with fewer than two
  observations.

Trend options (keywords of :func:`trend` and :func:`score_units`; the defaults are the rule above):

- ``falling_past_green``: what a falling indicator already past its green threshold counts as,
  "stagnating" (default) or "on_track" (SDSN's 2022 workbooks; later editions give stagnating);
- ``start_tolerance``: how many years from the trend start an observation may lie and still stand
  for it, default 0. The start is then the observation closest to the trend start year within that
  many years, of two equally close the later one (inside the period), and without one the first
  observation after the start as by default. SDSN uses 1: "When the value for one year was not
  available we used the closest available value with a maximum of one-year difference" (Sachs et
  al., *SDG Index and Dashboards - Detailed Methodological paper*, 2018, section 1.5.3).

:data:`SDSN_2022` holds the options that reproduce the arrows of SDSN's 2022 regional database
(Sustainable Development Report for Benin and ECOWAS): 970 of 987 (98.3 %). The rest are falling
scores that SDSN shows as stagnating, which no start or end year of the published series explains,
and one exact tie of the observed and required rates that SDSN counts as moderately improving.

Examples
--------
>>> bounds = Bounds(direction=1, optimum=100, green=80, red=50, lower_bound=0)
>>> indicator_score(65, bounds), indicator_colour(65, bounds), indicator_colour(64.9, bounds)
(65.0, 'yellow', 'orange')
>>> trend([(2015, 40), (2020, 60)], Bounds(1, 100, 80, 50, 0, trend_from=2015))
'on_track'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral

import numpy as np
import pandas as pd

from natsam_analysis.errors import NatsamError

#: A goal is grey when fewer than this share of its indicators have a value (SDSN's method paper,
#: 2018, section 1.5.2).
MIN_GOAL_SHARE = 0.5
#: The year the trends are projected to.
TARGET_YEAR = 2030
COLOURS = ("green", "yellow", "orange", "red", "grey")
TRENDS = ("on_track", "moderately_improving", "stagnating", "decreasing")
#: What a falling indicator already past its green threshold counts as.
FALLING_PAST_GREEN = ("stagnating", "on_track")
#: The trend options of SDSN's 2022 edition (see the module doc): ``trend(..., **SDSN_2022)``.
SDSN_2022 = {"falling_past_green": "on_track", "start_tolerance": 1}
CODEBOOK_COLUMNS = ["indicator", "sdg", "direction", "optimum", "green", "red", "lower_bound", "trend_from"]
DATA_COLUMNS = ["unit", "indicator", "year", "value"]
RESULT_COLUMNS = ["unit", "level", "code", "value", "year", "score", "colour", "trend"]


@dataclass(frozen=True)
class Bounds:
    """An indicator's direction, optimum, green and red thresholds, lower bound and trend start."""

    direction: int
    optimum: float
    green: float
    red: float
    lower_bound: float
    trend_from: int | None = None

    def problems(self) -> list[str]:
        """What is wrong with these bounds (empty when they are usable)."""
        if self.direction not in (1, -1):
            return [f"direction is {self.direction!r}; use 1 (higher is better) or -1 (lower is better)"]
        values = [self.lower_bound, self.red, self.green, self.optimum]
        if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
            return ["optimum, green, red and lower_bound must all be given"]
        lower, red, green, optimum = (self.direction * v for v in values)
        word = "above" if self.direction == 1 else "below"
        problems = []
        if not optimum > lower:
            problems.append(f"the optimum ({self.optimum:g}) must lie {word} the lower bound ({self.lower_bound:g})")
        if not green >= red:
            better = "at or above" if self.direction == 1 else "at or below"
            problems.append(f"the green threshold ({self.green:g}) must lie {better} the red one ({self.red:g})")
        return problems


def _better_or_equal(a: float, b: float, direction: int) -> bool:
    return direction * a >= direction * b


def indicator_score(value: float, bounds: Bounds, *, floor: bool = True) -> float:
    """The 0-100 score of ``value`` (NaN stays NaN); ``floor=False`` keeps scores below 0 (trends)."""
    if value is None or math.isnan(value):
        return math.nan
    raw = 100.0 * (value - bounds.lower_bound) / (bounds.optimum - bounds.lower_bound)
    return min(100.0, max(0.0, raw) if floor else raw)


def indicator_colour(value: float, bounds: Bounds) -> str:
    """green, yellow, orange or red by the thresholds; grey without a value."""
    if value is None or math.isnan(value):
        return "grey"
    if _better_or_equal(value, bounds.green, bounds.direction):
        return "green"
    if not _better_or_equal(value, bounds.red, bounds.direction):
        return "red"
    midpoint = (bounds.green + bounds.red) / 2
    return "yellow" if _better_or_equal(value, midpoint, bounds.direction) else "orange"


def colour_scale(value: float, bounds: Bounds) -> float:
    """``value`` on SDSN's continuous 0-3 scale: lower bound 0, red 1, green 2, optimum 3 (censored).

    Piecewise linear between those points; a red threshold on the wrong side of the lower bound (as
    in some of SDSN's own codebooks) leaves every value worse than it at 0.
    """
    d = bounds.direction
    v, lower, red, green, optimum = (d * x for x in (value, bounds.lower_bound, bounds.red, bounds.green,
                                                     bounds.optimum))
    if v >= green:
        return 3.0 if optimum <= green else min(3.0, 2.0 + (v - green) / (optimum - green))
    if v >= red:
        return 1.0 + (v - red) / (green - red)
    return 0.0 if red <= lower else max(0.0, (v - lower) / (red - lower))


def goal_colour(indicators: Iterable[tuple[float, Bounds]], *, min_share: float = MIN_GOAL_SHARE) -> str:
    """A goal's colour from its indicators' (value, bounds); grey when fewer than ``min_share`` of
    them (and at least one) have a value."""
    indicators = list(indicators)
    rated = sorted((colour_scale(v, b), indicator_colour(v, b)) for v, b in indicators
                   if v is not None and not math.isnan(v))
    if not rated or len(rated) < min_share * len(indicators):
        return "grey"
    lowest = rated[:2]
    mean = sum(scale for scale, _ in lowest) / len(lowest)
    colours = {colour for _, colour in lowest}
    if mean < 1:
        return "red" if colours == {"red"} else "orange"
    if mean < 1.5:
        return "orange"
    if mean < 2:
        return "yellow"
    return "green" if colours == {"green"} else "yellow"


def _trend_start(years: list[int], start: int, tolerance: int) -> int | None:
    """The year that stands for the trend ``start``: the closest within ``tolerance`` years (the later
    of two equally close), else the first after it; None when there is none."""
    near = [y for y in years if abs(y - start) <= tolerance]
    if near:
        return min(near, key=lambda y: (abs(y - start), -y))
    return next((y for y in years if y > start), None)


def trend(observations: Iterable[tuple[int, float]], bounds: Bounds, *,
          falling_past_green: str = "stagnating", start_tolerance: int = 0) -> str | None:
    """The trend of an indicator's ``(year, value)`` observations (see the module doc), or None."""
    if falling_past_green not in FALLING_PAST_GREEN:
        raise NatsamError(f"falling_past_green is {falling_past_green!r}; use one of {', '.join(FALLING_PAST_GREEN)}.")
    if isinstance(start_tolerance, bool) or not isinstance(start_tolerance, Integral) or start_tolerance < 0:
        raise NatsamError(f"start_tolerance is {start_tolerance!r}; use a whole number of years, 0 or more.")
    if bounds.trend_from is None:
        return None
    values = {int(y): v for y, v in observations if v is not None and not math.isnan(v)}
    y0 = _trend_start(sorted(values), int(bounds.trend_from), start_tolerance)
    if y0 is None or max(values) <= y0:
        return None
    y1 = max(values)
    v0, v1 = values[y0], values[y1]
    s0 = indicator_score(v0, bounds, floor=False)
    s1 = indicator_score(v1, bounds, floor=False)
    g = indicator_score(bounds.green, bounds)
    observed = (s1 - s0) / (y1 - y0)
    if s1 >= g:
        return "on_track" if observed >= 0 else falling_past_green
    required = (g - s0) / (TARGET_YEAR - y0)
    if observed >= required:
        return "on_track"
    if observed > required / 2:
        return "moderately_improving"
    return "stagnating" if observed >= 0 else "decreasing"


def codebook_bounds(codebook: pd.DataFrame) -> dict[str, Bounds]:
    """Indicator id -> :class:`Bounds` from a codebook with :data:`CODEBOOK_COLUMNS`; a
    ``NatsamError`` lists every unusable row (its indicator and what to fix)."""
    bounds, problems = {}, []
    for row in codebook.itertuples(index=False):
        trend_from = None if pd.isna(row.trend_from) else int(row.trend_from)
        b = Bounds(int(row.direction) if not pd.isna(row.direction) else 0, float(row.optimum),
                   float(row.green), float(row.red), float(row.lower_bound), trend_from)
        problems += [f"indicator {row.indicator}: {p}" for p in b.problems()]
        bounds[str(row.indicator)] = b
    if problems:
        raise NatsamError("The codebook has unusable indicators:\n" + "\n".join(problems))
    return bounds


def score_units(codebook: pd.DataFrame, data: pd.DataFrame, *,
                falling_past_green: str = "stagnating", start_tolerance: int = 0) -> pd.DataFrame:
    """Score every unit of ``data`` (:data:`DATA_COLUMNS`) by ``codebook`` (:data:`CODEBOOK_COLUMNS`).

    Each unit's latest observation of an indicator is assessed. Returns :data:`RESULT_COLUMNS`, one
    row per unit and indicator, goal (``code`` "1" to "17") and index (``code`` "index"), sorted
    by unit; goals and the index carry a score and (goals) a colour, indicators also their value,
    year and trend. Indicators of the codebook without data for a unit are grey. The trend options
    are :func:`trend`'s (e.g. ``**SDSN_2022``).
    """
    bounds = codebook_bounds(codebook)
    goal_of = dict(zip(codebook["indicator"].astype(str), codebook["sdg"].astype(int).astype(str)))
    data = data.assign(indicator=data["indicator"].astype(str), unit=data["unit"].astype(str))
    data = data[data["indicator"].isin(bounds) & data["value"].notna()].sort_values(["unit", "indicator", "year"])
    rows = []
    for unit in sorted(data["unit"].unique()):
        own = data[data["unit"] == unit]
        series = {k: list(zip(g["year"], g["value"])) for k, g in own.groupby("indicator")}
        goals: dict[str, list] = {}
        for kpi, b in bounds.items():
            obs = series.get(kpi, [])
            year, value = obs[-1] if obs else (math.nan, math.nan)
            score = indicator_score(value, b)
            rows.append((unit, "indicator", kpi, value, year, score, indicator_colour(value, b),
                         trend(obs, b, falling_past_green=falling_past_green,
                               start_tolerance=start_tolerance)))
            goals.setdefault(goal_of[kpi], []).append((value, b, score))
        goal_scores = []
        for goal in sorted(goals, key=int):
            scores = [s for _, _, s in goals[goal] if not math.isnan(s)]
            score = float(np.mean(scores)) if scores else math.nan
            goal_scores.append(score)
            rows.append((unit, "goal", goal, math.nan, math.nan, score,
                         goal_colour((v, b) for v, b, _ in goals[goal]), None))
        present = [s for s in goal_scores if not math.isnan(s)]
        rows.append((unit, "index", "index", math.nan, math.nan,
                     float(np.mean(present)) if present else math.nan, None, None))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS).astype({"year": "Int64"})
