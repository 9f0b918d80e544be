"""Municipal Agenda 2030 follow-up: SDSN's method (:mod:`natsam_analysis.metrics.sdg`) on Kolada data.

The platforms report against SDGs 1, 3, 4, 5, 11, 13 and 16. The codebook beside the catalog
(``data/catalog/agenda2030.csv``, read by :func:`natsam_analysis.catalog.load_agenda2030`) gives each
indicator's optimum, green and red thresholds and lower bound, either as numbers (a national or SDG
target) or as rules that SDSN's method paper uses when no target exists, resolved on the data at hand
by :func:`resolve_codebook`:

- ``top5``: the optimum is the mean of the five best municipalities' latest values;
- ``p2.5``: the lower bound is the 2.5th percentile of the municipalities on the bad side (the 97.5th
  for an indicator where lower is better);
- ``scoreNN`` (a threshold): the value that scores NN on the 0-100 scale, i.e. NN % of the way from
  the lower bound to the optimum.

Direction and goal come from the catalog. An indicator that is best at a target (direction 0, such
as a 50 % share of women) is assessed by its distance from the target, lower is better.

Beside SDSN's absolute colours, :func:`relative_colours` gives the view "jämfört med andra kommuner":
the best quartile of municipalities green, the middle half yellow, the worst quartile red.

Examples
--------
>>> import pandas as pd
>>> catalog = pd.DataFrame({"sdg": [1], "direction": [-1], "target": [float("nan")]}, index=["N00001"])
>>> panel = pd.DataFrame({"municipality_id": [f"{i:04d}" for i in range(1, 11)], "kpi": "N00001",
...                       "year": 2024, "gender": "T", "value": [float(v) for v in range(1, 11)]})
>>> rules = pd.DataFrame({"kpi": ["N00001"], "optimum": ["top5"], "green": ["score75"],
...                       "red": ["score40"], "lower_bound": ["p2.5"], "trend_from": [None]})
>>> book = resolve_codebook(rules, catalog, assessed_values(panel, catalog))
>>> book.loc[0, ["optimum", "lower_bound", "green"]].round(3).tolist()
[3.0, 9.775, 4.694]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from natsam_analysis.catalog import AGENDA2030_GOALS as GOALS
from natsam_analysis.catalog import LOWER_BOUND_RULE, OPTIMUM_RULE, SCORE_RULE
from natsam_analysis.errors import NatsamError
from natsam_analysis.metrics import sdg
from natsam_analysis.metrics.percentiles import direction_scores, percentile_ranks

#: How many of the best municipalities the ``top5`` optimum averages.
TOP_N = 5
LOWER_PERCENTILE = 2.5
#: Columns of the resolved codebook: SDSN's codebook plus what a reader needs to judge it.
CODEBOOK_COLUMNS = [*sdg.CODEBOOK_COLUMNS, "target", "optimum_rule", "green_rule", "red_rule",
                    "lower_bound_rule", "justification_sv", "justification_en"]
#: Quartile cut-offs of the relative view (percentiles, 100 = best).
RELATIVE_GREEN, RELATIVE_RED = 75.0, 25.0


def _is_two_sided(catalog: pd.DataFrame, kpi: str) -> bool:
    return int(catalog.loc[kpi, "direction"]) == 0


def assessed_values(panel: pd.DataFrame, catalog: pd.DataFrame, kpis=None) -> pd.DataFrame:
    """The observations SDSN's method assesses, as :data:`sdg.DATA_COLUMNS` (``unit`` = municipality).

    Totals (gender T) of ``kpis`` (default: every catalog indicator of :data:`GOALS`) with a value;
    an indicator that is best at a target (direction 0) becomes its distance from the target.
    """
    if kpis is None:
        kpis = catalog.index[catalog["sdg"].isin(GOALS) & catalog["direction"].notna()]
    kpis = list(kpis)
    unknown = [k for k in kpis if k not in catalog.index]
    if unknown:
        raise NatsamError(f"Not in the indicator catalog: {', '.join(unknown)}.")
    rows = panel[(panel["gender"] == "T") & panel["kpi"].isin(kpis) & panel["value"].notna()]
    value = rows["value"].astype(float)
    for kpi in kpis:
        if _is_two_sided(catalog, kpi):
            mask = rows["kpi"] == kpi
            value = value.where(~mask, (value - float(catalog.loc[kpi, "target"])).abs())
    out = pd.DataFrame({"unit": rows["municipality_id"].astype(str), "indicator": rows["kpi"].astype(str),
                        "year": rows["year"].astype(int), "value": value})
    return out.sort_values(["indicator", "unit", "year"]).reset_index(drop=True)


def latest_values(data: pd.DataFrame) -> pd.DataFrame:
    """Each unit's latest observation per indicator (the value SDSN's method assesses)."""
    return (data.sort_values("year").groupby(["indicator", "unit"], as_index=False).last()
            .sort_values(["indicator", "unit"]).reset_index(drop=True))


def _number(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def resolve_codebook(rules: pd.DataFrame, catalog: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Numbers for every rule of the codebook ``rules``, from the latest values in ``data``.

    ``rules`` has columns ``kpi, optimum, green, red, lower_bound, trend_from`` (and optionally the
    justifications); ``data`` is :func:`assessed_values`. Returns :data:`CODEBOOK_COLUMNS`, one row
    per indicator, ready for :func:`natsam_analysis.metrics.sdg.score_units`. A ``NatsamError``
    lists every indicator whose rules cannot be resolved (no data, bounds in the wrong order).
    """
    latest = latest_values(data)
    rows, problems = [], []
    for rule in rules.itertuples(index=False):
        kpi = str(rule.kpi)
        if kpi not in catalog.index:
            problems.append(f"{kpi}: not in the indicator catalog")
            continue
        two_sided = _is_two_sided(catalog, kpi)
        direction = -1 if two_sided else int(catalog.loc[kpi, "direction"])
        values = latest.loc[latest["indicator"] == kpi, "value"].to_numpy(float)
        needs_data = any(not isinstance(_number(getattr(rule, c)), float)
                         for c in ("optimum", "lower_bound"))
        if needs_data and values.size < TOP_N:
            problems.append(f"{kpi}: {values.size} municipalities have a value; the rules need at least {TOP_N}")
            continue

        def resolve(column: str, optimum=None, lower=None):
            text = str(getattr(rule, column)).strip()
            number = _number(text)
            if number is not None:
                return number
            if column == "optimum" and text == OPTIMUM_RULE:
                best = np.sort(values)[::-1] if direction == 1 else np.sort(values)
                return float(best[:TOP_N].mean())
            if column == "lower_bound" and text == LOWER_BOUND_RULE:
                q = LOWER_PERCENTILE if direction == 1 else 100 - LOWER_PERCENTILE
                return float(np.percentile(values, q))
            match = SCORE_RULE.match(text)
            if column in ("green", "red") and match and optimum is not None:
                return lower + float(match.group(1)) / 100 * (optimum - lower)
            problems.append(f"{kpi}, column {column!r}: {text!r} is not a number or a rule "
                            f"({OPTIMUM_RULE} for the optimum, {LOWER_BOUND_RULE} for the lower bound, "
                            "scoreNN for a threshold)")
            return float("nan")

        optimum, lower = resolve("optimum"), resolve("lower_bound")
        green, red = resolve("green", optimum, lower), resolve("red", optimum, lower)
        trend_from = None if pd.isna(rule.trend_from) or rule.trend_from == "" else int(rule.trend_from)
        bounds = sdg.Bounds(direction, optimum, green, red, lower, trend_from)
        if not any(np.isnan([optimum, green, red, lower])):
            problems += [f"{kpi}: {p}" for p in bounds.problems()]
        rows.append({
            "indicator": kpi, "sdg": int(catalog.loc[kpi, "sdg"]), "direction": direction,
            "optimum": optimum, "green": green, "red": red, "lower_bound": lower, "trend_from": trend_from,
            "target": float(catalog.loc[kpi, "target"]) if two_sided else float("nan"),
            "optimum_rule": str(rule.optimum), "green_rule": str(rule.green), "red_rule": str(rule.red),
            "lower_bound_rule": str(rule.lower_bound),
            "justification_sv": getattr(rule, "justification_sv", ""),
            "justification_en": getattr(rule, "justification_en", ""),
        })
    if problems:
        raise NatsamError("The Agenda 2030 codebook cannot be resolved on this data:\n" + "\n".join(problems))
    out = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)
    out["trend_from"] = out["trend_from"].astype("Int64")
    return out


def score_municipalities(panel: pd.DataFrame, catalog: pd.DataFrame, rules: pd.DataFrame, *,
                         falling_past_green: str = "stagnating") -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(codebook, result)``: the resolved codebook and every municipality scored by SDSN's method.

    ``result`` has :data:`natsam_analysis.metrics.sdg.RESULT_COLUMNS` (``unit`` the municipality id)
    plus ``relative_colour`` (:func:`relative_colours`).
    """
    data = assessed_values(panel, catalog, rules["kpi"].astype(str))
    codebook = resolve_codebook(rules, catalog, data)
    result = sdg.score_units(codebook, data, falling_past_green=falling_past_green)
    return codebook, relative_colours(result, codebook)


def _relative(percentile: pd.Series) -> pd.Series:
    colour = np.where(percentile >= RELATIVE_GREEN, "green",
                      np.where(percentile < RELATIVE_RED, "red", "yellow"))
    return pd.Series(np.where(percentile.isna(), "grey", colour), index=percentile.index)


def relative_colours(result: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """``result`` with a ``relative_colour`` column: where each unit stands among all units.

    Per indicator (by the assessed value, in the better direction) and per goal (by the goal score):
    the best quartile green (percentile >= 75), the middle half yellow, the worst quartile red (below
    25), grey without a value. Percentiles are mid-rank, ties counted half
    (:func:`natsam_analysis.metrics.percentiles.percentile_ranks`). The index row gets none.
    """
    out = result.copy()
    out["relative_colour"] = None
    direction = dict(zip(codebook["indicator"], codebook["direction"]))
    for (level, code), rows in out.groupby(["level", "code"], sort=False):
        if level == "index":
            continue
        measure = rows["value"] if level == "indicator" else rows["score"]
        scores = direction_scores(measure.astype(float), direction[code]) if level == "indicator" else measure
        out.loc[rows.index, "relative_colour"] = _relative(percentile_ranks(scores.astype(float)))
    return out


def goal_overview(result: pd.DataFrame, units) -> pd.DataFrame:
    """The goals (rows in :data:`GOALS` order) x ``units`` (columns, in the given order): one row per
    unit and goal with score, colour, relative colour and trend."""
    goals = result[(result["level"] == "goal") & result["unit"].isin(list(units))].copy()
    goals["goal"] = goals["code"].astype(int)
    order = {u: i for i, u in enumerate(units)}
    goals = goals.sort_values(["unit", "goal"], key=lambda s: s.map(order) if s.name == "unit" else s)
    return goals[["unit", "goal", "score", "colour", "relative_colour", "trend"]].reset_index(drop=True)


def goal_indicators(result: pd.DataFrame, codebook: pd.DataFrame, unit: str, goal: int) -> pd.DataFrame:
    """A unit's indicators of one goal: value, year, score, colours and trend beside the bounds,
    thresholds and justification of each, and the scores of the green and red thresholds."""
    book = codebook[codebook["sdg"] == int(goal)]
    if book.empty:
        raise NatsamError(f"Goal {goal} has no indicators in the codebook (goals: "
                          f"{', '.join(str(g) for g in sorted(codebook['sdg'].unique()))}).")
    rows = result[(result["level"] == "indicator") & (result["unit"] == unit)]
    if rows.empty:
        raise NatsamError(f"No results for {unit!r}: use a municipality id of the scored data.")
    merged = book.merge(rows.drop(columns="level").rename(columns={"code": "indicator"}), on="indicator",
                        how="left").reset_index(drop=True)
    bounds = sdg.codebook_bounds(book[sdg.CODEBOOK_COLUMNS])
    merged["green_score"] = [sdg.indicator_score(bounds[k].green, bounds[k]) for k in merged["indicator"]]
    merged["red_score"] = [sdg.indicator_score(bounds[k].red, bounds[k]) for k in merged["indicator"]]
    return merged
