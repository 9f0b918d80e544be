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
  observations;
- **goal trend**: each indicator trend placed on a 0-4 scale (its *position*, :func:`trend_position`)
  and averaged over the goal's indicators with a trend: at least 3 on track, at least 2 moderately
  improving, at least 1 stagnating, else decreasing. A trend set by its rate, with ratio = observed /
  required, lies at 1 + 2 x ratio up to the required rate (no change 1, half the required rate 2,
  the required rate 3), then at 2 + ratio up to 4 at twice the required rate, and never below 0.5
  (a fall counts at most as the middle of the decreasing band). A trend set by a rule has a fixed
  point: past green and on track (maintaining SDG achievement) exactly 3, past green and
  stagnating (a fall, by default) 1.5, a fall from at or above green to below it 0.5. No goal
  trend when none of the goal's indicators, or fewer than 75 % of those in the codebook, have a
  trend (the method paper, section 1.5.3: "at least 75% of SDG Dashboards indicators under that
  goal").

Trend options (keywords of :func:`score_units`, the first two also of :func:`trend`; the defaults
are the rules above):

- ``falling_past_green``: what a falling indicator already past its green threshold counts as,
  "stagnating" (default) or "on_track" (SDSN's 2022 workbooks; later editions give stagnating);
- ``start_tolerance``: how many years from the trend start an observation may lie and still stand
  for it, default 0. The start is then the observation closest to the trend start year within that
  many years, of two equally close the later one (inside the period), and without one the first
  observation after the start as by default. SDSN uses 1: "When the value for one year was not
  available we used the closest available value with a maximum of one-year difference" (Sachs et
  al., *SDG Index and Dashboards - Detailed Methodological paper*, 2018, section 1.5.3);
- ``min_trend_share``: the share of a goal's indicators that must have a trend for the goal to
  have one, default 0.75. SDSN's 2022 database applies none: every goal with at least one
  indicator trend has a goal trend (257 of 257; three quarters of the goal's indicators would have
  left 147 of them, three quarters of those with a value 160), hence 0 in :data:`SDSN_2022`.

:data:`SDSN_2022` holds the options that reproduce the arrows of SDSN's 2022 regional database
(Sustainable Development Report for Benin and ECOWAS): indicator arrows 970 of 987 (98.3 %). The
rest are falling scores that SDSN shows as stagnating, which no start or end year of the published
series explains, and one exact tie of the observed and required rates that SDSN counts as
moderately improving. Goal arrows: 247 of 257 (96.1 %) from the indicators that SDSN shows a trend
for, 238 of 262 (90.8 %) from every trend computed here, some of which SDSN leaves out (see
``tests/unit/test_sdg_sdsn_reference.py``). The method paper only says that indicator trends are
"re-normalized on a linear scale from 0-4": the positions above are the rule found to reproduce
the published goal arrows best (of the same 257: 1 + 2 x ratio within 0-4, 235; within 0.5-4, 244;
fixed points for the four arrows, at most 212).

Examples
--------
>>> bounds = Bounds(direction=1, optimum=100, green=80, red=50, lower_bound=0)
>>> indicator_score(65, bounds), indicator_colour(65, bounds), indicator_colour(64.9, bounds)
(65.0, 'yellow', 'orange')
>>> trend([(2015, 40), (2020, 60)], Bounds(1, 100, 80, 50, 0, trend_from=2015))
'on_track'
>>> trend_position([(2015, 35), (2020, 50)], Bounds(1, 100, 80, 50, 0, trend_from=2015))  # the required rate
3.0
>>> goal_trend([3.0, 1.5, None, 2.0])  # mean 2.17, three of four indicators with a trend
'moderately_improving'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd

from natsam_analysis.errors import NatsamError

#: A goal is grey when fewer than this share of its indicators have a value (SDSN's method paper,
#: 2018, section 1.5.2).
MIN_GOAL_SHARE = 0.5
#: A goal has a trend when at least this share of its indicators have one (the method paper, 1.5.3).
MIN_TREND_SHARE = 0.75
#: The year the trends are projected to.
TARGET_YEAR = 2030
COLOURS = ("green", "yellow", "orange", "red", "grey")
TRENDS = ("on_track", "moderately_improving", "stagnating", "decreasing")
#: What a falling indicator already past its green threshold counts as.
FALLING_PAST_GREEN = ("stagnating", "on_track")
#: The trend options of SDSN's 2022 edition (see the module doc): ``score_units(..., **SDSN_2022)``.
SDSN_2022 = {"falling_past_green": "on_track", "start_tolerance": 1, "min_trend_share": 0}
#: The trend options of each SDSN edition whose published arrows they reproduce, by year.
SDSN_EDITIONS = {"2022": SDSN_2022}
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


def indicator_score(value: float, bounds: Bounds, *, floor: bool = True) -> float:
    """The 0-100 score of ``value`` (NaN stays NaN); ``floor=False`` keeps scores below 0 (trends)."""
    return float(_scores(_one(value), _bound_arrays([bounds]), floor=floor)[0])


def indicator_colour(value: float, bounds: Bounds) -> str:
    """green, yellow, orange or red by the thresholds; grey without a value."""
    return str(_colours(_one(value), _bound_arrays([bounds]))[0])


def colour_scale(value: float, bounds: Bounds) -> float:
    """``value`` on SDSN's continuous 0-3 scale: lower bound 0, red 1, green 2, optimum 3 (censored).

    Piecewise linear between those points; a red threshold on the wrong side of the lower bound (as
    in some of SDSN's own codebooks) leaves every value worse than it at 0.
    """
    return float(_scales(_one(value), _bound_arrays([bounds]))[0])


def goal_colour(indicators: Iterable[tuple[float, Bounds]], *, min_share: float = MIN_GOAL_SHARE) -> str:
    """A goal's colour from its indicators' (value, bounds); grey when fewer than ``min_share`` of
    them (and at least one) have a value."""
    indicators = list(indicators)
    values = np.array([np.nan if v is None else v for v, _ in indicators], dtype=float)
    b = _bound_arrays(bound for _, bound in indicators)
    return str(_goal_colours(_scales(values, b)[None, :], _colours(values, b)[None, :], min_share)[0])


def trend(observations: Iterable[tuple[int, float]], bounds: Bounds, *,
          falling_past_green: str = "stagnating", start_tolerance: int = 0) -> str | None:
    """The trend of an indicator's ``(year, value)`` observations (see the module doc), or None."""
    return _one_trend(observations, bounds, falling_past_green, start_tolerance)[0]


def trend_position(observations: Iterable[tuple[int, float]], bounds: Bounds, *,
                   falling_past_green: str = "stagnating", start_tolerance: int = 0) -> float | None:
    """Where the :func:`trend` of the observations lies on the 0-4 scale of goal trends (see the
    module doc), or None without a trend."""
    position = _one_trend(observations, bounds, falling_past_green, start_tolerance)[1]
    return None if math.isnan(position) else float(position)


def _one_trend(observations: Iterable[tuple[int, float]], bounds: Bounds, falling_past_green: str,
               start_tolerance: int) -> tuple[str | None, float]:
    _check_trend_options(falling_past_green, start_tolerance)
    observed = sorted(((int(y), v) for y, v in observations if v is not None and not math.isnan(v)),
                      key=lambda observation: observation[0])  # of a repeated year the last counts
    years = np.array([y for y, _ in observed], dtype=np.int64)
    values = np.array([v for _, v in observed], dtype=float)
    b = {field: np.repeat(column, len(observed)) for field, column in _bound_arrays([bounds]).items()}
    trends, positions = _trends(np.zeros(len(observed), dtype=np.int64), years, values, b, 1,
                                falling_past_green, start_tolerance)
    return trends[0], positions[0]


def goal_trend(positions: Iterable[float | None], n_indicators: int | None = None, *,
               min_share: float = MIN_TREND_SHARE) -> str | None:
    """A goal's trend from its indicators' :func:`trend_position` (None or NaN: no trend), or None
    when none of them, or fewer than ``min_share`` of the goal's ``n_indicators`` (default: as many
    as ``positions``), have a trend."""
    _check_share(min_share, "min_share")
    positions = np.array([np.nan if p is None else p for p in positions], dtype=float)[None, :]
    n = positions.shape[1] if n_indicators is None else n_indicators
    return _goal_trends(positions, n, min_share)[0]


def _check_share(share: float, name: str) -> None:
    if isinstance(share, bool) or not isinstance(share, Real) or not 0 <= share <= 1:
        raise NatsamError(f"{name} is {share!r}; use a share from 0 to 1 (0.75: three quarters).")


def _check_trend_options(falling_past_green: str, start_tolerance: int) -> None:
    if falling_past_green not in FALLING_PAST_GREEN:
        raise NatsamError(f"falling_past_green is {falling_past_green!r}; use one of {', '.join(FALLING_PAST_GREEN)}.")
    if isinstance(start_tolerance, bool) or not isinstance(start_tolerance, Integral) or start_tolerance < 0:
        raise NatsamError(f"start_tolerance is {start_tolerance!r}; use a whole number of years, 0 or more.")


# The rules on arrays: the functions above and score_units use these, so there is one implementation.
# ``b`` holds the bounds as arrays (see _bound_arrays) of the same shape as the values or broadcastable.

_BOUND_FIELDS = ("direction", "optimum", "green", "red", "lower_bound", "trend_from")


def _bound_arrays(bounds: Iterable[Bounds]) -> dict[str, np.ndarray]:
    """The fields of ``bounds`` as float arrays, one entry per bounds (no trend start: NaN)."""
    bounds = list(bounds)
    return {field: np.array([getattr(b, field) for b in bounds], dtype=float) for field in _BOUND_FIELDS}


def _one(value: float | None) -> np.ndarray:
    return np.array([np.nan if value is None else value], dtype=float)


def _scores(values: np.ndarray, b: dict[str, np.ndarray], *, floor: bool = True) -> np.ndarray:
    """:func:`indicator_score`: 100 x (value - lower bound) / (optimum - lower bound), censored."""
    raw = 100.0 * (values - b["lower_bound"]) / (b["optimum"] - b["lower_bound"])
    if floor:
        raw = np.maximum(raw, 0.0) + 0.0  # + 0.0: a score of 0 is never written as -0.0
    return np.minimum(raw, 100.0)


def _colours(values: np.ndarray, b: dict[str, np.ndarray]) -> np.ndarray:
    """:func:`indicator_colour`: green at least as good as the green threshold, red worse than the
    red one, else yellow at least as good as their midpoint, else orange; grey without a value."""
    d = b["direction"]
    v, green, red = d * values, d * b["green"], d * b["red"]
    midpoint = d * ((b["green"] + b["red"]) / 2)
    colours = np.select([v >= green, v < red, v >= midpoint], ["green", "red", "yellow"], "orange")
    return np.where(np.isnan(values), "grey", colours)


def _scales(values: np.ndarray, b: dict[str, np.ndarray]) -> np.ndarray:
    """:func:`colour_scale`."""
    d = b["direction"]
    v, lower, red, green, optimum = (d * x for x in (values, b["lower_bound"], b["red"], b["green"], b["optimum"]))
    with np.errstate(divide="ignore", invalid="ignore"):  # a branch not taken may divide by 0
        above = np.where(optimum <= green, 3.0, np.minimum(2.0 + (v - green) / (optimum - green), 3.0))
        between = 1.0 + (v - red) / (green - red)
        below = np.where(red <= lower, 0.0, np.maximum((v - lower) / (red - lower), 0.0))
    return np.where(v >= green, above, np.where(v >= red, between, below))


def _goal_colours(scales: np.ndarray, colours: np.ndarray, min_share: float) -> np.ndarray:
    """:func:`goal_colour` of each row: a goal's indicators' colour scales and colours (grey: no value)."""
    rated = colours != "grey"
    count = rated.sum(axis=1)
    # the two lowest (scale, colour) of each row; an extra column never rated gives every row two
    key = np.column_stack([np.where(rated, scales, np.inf), np.full(len(scales), np.inf)])
    colours = np.column_stack([colours, np.full(len(colours), "grey")])
    lowest = np.lexsort((colours, key), axis=1)[:, :2]
    (s1, s2), (c1, c2) = (np.take_along_axis(x, lowest, axis=1).T for x in (key, colours))
    mean = np.where(count >= 2, (s1 + s2) / 2, s1)
    all_green = (c1 == "green") & ((c2 == "green") | (count < 2))
    all_red = (c1 == "red") & ((c2 == "red") | (count < 2))
    colour = np.select([mean < 1, mean < 1.5, mean < 2], [np.where(all_red, "red", "orange"), "orange", "yellow"],
                       np.where(all_green, "green", "yellow"))
    return np.where((count == 0) | (count < min_share * scales.shape[1]), "grey", colour)


def _trends(cells: np.ndarray, years: np.ndarray, values: np.ndarray, b: dict[str, np.ndarray], n_cells: int,
            falling_past_green: str, start_tolerance: int) -> tuple[np.ndarray, np.ndarray]:
    """The trend of cells ``0 .. n_cells - 1`` (None where there is none) and its position on the
    goal-trend scale (NaN) from observations ``(cells[i], years[i], values[i])`` in increasing year
    order (of a repeated year the last counts), the bounds ``b`` one entry per observation."""
    out, position = np.full(n_cells, None, dtype=object), np.full(n_cells, np.nan)
    if not len(cells):
        return out, position
    # the start: the closest to the trend start within the tolerance (the later of two equally
    # close), else the first after it; rank inf: cannot be the start (or no trend start)
    start = b["trend_from"]
    distance = np.abs(years - start)
    after = years > start
    rank = np.where(distance <= start_tolerance, 2 * distance - after,
                    np.where(after, 2 * start_tolerance + 1 + distance, np.inf))
    by_rank = np.lexsort((-np.arange(len(cells)), rank, cells))
    first = by_rank[np.r_[True, np.diff(cells[by_rank]) != 0]]
    cell, last = _last_of_each(cells)  # the end: the latest observation (both in cell order)
    ok = np.isfinite(rank[first]) & (years[last] > years[first])
    first, last, cell = first[ok], last[ok], cell[ok]
    at = {field: column[last] for field, column in b.items()}
    y0, y1 = years[first], years[last]
    s0, s1 = _scores(values[first], at, floor=False), _scores(values[last], at, floor=False)
    g = _scores(at["green"], at)
    observed = (s1 - s0) / (y1 - y0)
    required = (g - s0) / (TARGET_YEAR - y0)
    past_green = s1 >= g
    trend = np.select(
        [past_green & (observed >= 0), past_green, observed >= required, observed > required / 2, observed >= 0],
        ["on_track", falling_past_green, "on_track", "moderately_improving", "stagnating"], "decreasing")
    out[cell] = trend
    # past green, or falling from at or above green to below: no rate to place; otherwise the rate
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = observed / required
    by_rule = past_green | (required <= 0)
    position[cell] = np.where(by_rule, np.select([trend == "on_track", trend == "stagnating"], [3.0, 1.5], 0.5),
                              _rate_position(ratio))
    return out, position


def _rate_position(ratio: np.ndarray) -> np.ndarray:
    """The goal-trend scale of an observed rate ``ratio`` times the required one: 1 + 2 x ratio up to
    the required rate (0: 1, half: 2, the required rate: 3), then 2 + ratio (twice: 4), within [0.5, 4]."""
    return np.clip(np.where(ratio <= 1, 1 + 2 * ratio, 2 + ratio), 0.5, 4.0)


def _goal_trends(positions: np.ndarray, n_indicators: int, min_share: float) -> np.ndarray:
    """:func:`goal_trend` of each row: the trend positions of a goal's indicators (NaN: no trend)."""
    count = (~np.isnan(positions)).sum(axis=1)
    mean = _row_means(positions)
    trend = np.select([mean >= 3, mean >= 2, mean >= 1], ["on_track", "moderately_improving", "stagnating"],
                      "decreasing")
    return np.where((count > 0) & (count >= min_share * n_indicators), trend, None)


def _last_of_each(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``cells`` (sorted) and the position of each one's last occurrence."""
    distinct, first_from_end = np.unique(cells[::-1], return_index=True)
    return distinct, len(cells) - 1 - first_from_end


def _row_means(matrix: np.ndarray) -> np.ndarray:
    """Each row's mean over its values that are not NaN (NaN without one): as ``np.mean`` of the
    row's values, to the last bit (rows with the same missing values are averaged together)."""
    present = ~np.isnan(matrix)
    means = np.full(len(matrix), np.nan)
    for pattern in np.unique(present, axis=0):
        rows = (present == pattern).all(axis=1)
        if pattern.any():
            means[rows] = matrix[np.ix_(rows, pattern)].mean(axis=1)
    return means


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


def score_units(codebook: pd.DataFrame, data: pd.DataFrame, *, falling_past_green: str = "stagnating",
                start_tolerance: int = 0, min_trend_share: float = MIN_TREND_SHARE) -> pd.DataFrame:
    """Score every unit of ``data`` (:data:`DATA_COLUMNS`) by ``codebook`` (:data:`CODEBOOK_COLUMNS`).

    Each unit's latest observation of an indicator is assessed. Returns :data:`RESULT_COLUMNS`, one
    row per unit and indicator, goal (``code`` "1" to "17") and index (``code`` "index"), sorted
    by unit; goals and the index carry a score and (goals) a colour, indicators also their value,
    year and trend, goals their trend too. Indicators of the codebook without data for a unit are
    grey. The trend options are described in the module doc (e.g. ``**SDSN_2022``).
    """
    _check_trend_options(falling_past_green, start_tolerance)
    _check_share(min_trend_share, "min_trend_share")
    bounds = codebook_bounds(codebook)
    kpis = list(bounds)
    goal_of = dict(zip(codebook["indicator"].astype(str), codebook["sdg"].astype(int).astype(str)))
    goals = sorted(set(goal_of.values()), key=int)
    data = data.assign(indicator=data["indicator"].astype(str), unit=data["unit"].astype(str))
    data = data[data["indicator"].isin(bounds) & data["value"].notna()].sort_values("year", kind="stable")
    units = sorted(data["unit"].unique())
    if not units:
        return pd.DataFrame([], columns=RESULT_COLUMNS).astype({"year": "Int64"})
    # a grid of cells, one per unit and indicator (unit by unit, indicators in codebook order), each
    # observation in its cell, in year order
    n_units, n_kpis = len(units), len(kpis)
    cells = pd.Index(units).get_indexer(data["unit"]) * n_kpis + pd.Index(kpis).get_indexer(data["indicator"])
    years, values = data["year"].to_numpy(dtype=np.int64), data["value"].to_numpy(dtype=float)
    b = {field: np.tile(column, n_units) for field, column in _bound_arrays(bounds.values()).items()}
    cell, last = _last_of_each(cells)
    value, year = np.full(n_units * n_kpis, np.nan), np.full(n_units * n_kpis, np.nan)
    value[cell], year[cell] = values[last], years[last]
    score, colour, scale = _scores(value, b), _colours(value, b), _scales(value, b)
    trends, positions = _trends(cells, years, values, {f: column[cells] for f, column in b.items()}, len(value),
                                falling_past_green, start_tolerance)
    # goals and the index, units x goals
    grid = (n_units, n_kpis)
    columns = [[j for j, k in enumerate(kpis) if goal_of[k] == goal] for goal in goals]
    goal_scores = np.column_stack([_row_means(score.reshape(grid)[:, c]) for c in columns])
    goal_colours = np.column_stack([_goal_colours(scale.reshape(grid)[:, c], colour.reshape(grid)[:, c],
                                                  MIN_GOAL_SHARE) for c in columns])
    goal_trends = np.column_stack([_goal_trends(positions.reshape(grid)[:, c], len(c), min_trend_share)
                                   for c in columns])
    index = _row_means(goal_scores)

    def column(for_indicators, for_goals, for_index) -> np.ndarray:
        """A column of the result from its values (unit by unit, or one for all) for the indicators,
        the goals and the index, in the result's order: each unit's indicators, goals and index."""
        parts = []
        for part, width in ((for_indicators, n_kpis), (for_goals, len(goals)), (for_index, 1)):
            part = np.asarray(part, dtype=object).reshape(-1)
            parts.append(np.broadcast_to(part, (n_units * width,)).reshape(n_units, width))
        return np.concatenate(parts, axis=1).ravel()

    return pd.DataFrame({
        "unit": column(np.repeat(units, n_kpis), np.repeat(units, len(goals)), units),
        "level": column("indicator", "goal", "index"),
        "code": column(np.tile(kpis, n_units), np.tile(goals, n_units), "index"),
        "value": column(value, np.nan, np.nan).astype(float),
        "year": column(year, np.nan, np.nan).astype(float),
        "score": column(score, goal_scores, index).astype(float),
        "colour": column(colour, goal_colours, None),
        "trend": column(trends, goal_trends, None),
    }).astype({"year": "Int64"})
