"""SDSN's published 2022 database (Sustainable Development Report for Benin and its region) recomputed
from its own codebook and values by ``natsam_analysis.metrics.sdg``.

The workbook (``../shared/reference/sdsn/Database-Benin-Regional-2022.xlsx``) holds the codebook
(bounds, thresholds, trend periods), each unit's latest values with SDSN's scores, colours and trend
arrows, the goal scores and colours, the index, and the series the trends were computed from.
Three codebook rows are series used only for another indicator's trend (modelled stunting, wasting
and family planning): they have no value of their own in the database and are left out of scoring.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from refdata import reference_path

from natsam_analysis.metrics.sdg import score_units

WORKBOOK = ("sdsn", "Database-Benin-Regional-2022.xlsx")
ARROWS = {"↑": "on_track", "➚": "moderately_improving", "→": "stagnating", "↓": "decreasing"}
COLOURS = {"green", "yellow", "orange", "red"}


def _trend_start(row) -> float:
    match = re.match(r"(\d{4})", str(row["Période pour tendance"]))
    return float(match.group(1)) if row["Tendance"] == "yes" and match else math.nan


@pytest.fixture(scope="module")
def workbook():
    sheets = pd.read_excel(reference_path(*WORKBOOK),
                           sheet_name=["Benin Codebook", "Base complète", "Séries pour tendances"])
    book, database, series = sheets["Benin Codebook"], sheets["Base complète"], sheets["Séries pour tendances"]
    database = database[database["id"].notna()]
    book = book[book["IndCode"].isin(database.columns)]
    codebook = pd.DataFrame({
        "indicator": book["IndCode"], "sdg": book["ODD"].astype(int),
        "direction": book["direction"].map({"ascending": 1, "descending": -1}),
        "optimum": book["valeur cible"], "green": book["seuil verte"], "red": book["seuil rouge"],
        "lower_bound": book["limite inférieure"], "trend_from": [_trend_start(r) for _, r in book.iterrows()],
    }).reset_index(drop=True)
    indicators = list(codebook["indicator"])
    # every observation: the series for the trends, then each unit's latest value and its year
    long = series.melt(id_vars=["id", "year"], value_vars=[k for k in indicators if k in series.columns],
                       var_name="indicator").dropna(subset=["value"])
    latest = [(row["id"], k, row[f"year_{k}"], row[k]) for _, row in database.iterrows() for k in indicators
              if pd.notna(row[k])]
    data = pd.concat([long.rename(columns={"id": "unit"})[["unit", "indicator", "year", "value"]],
                      pd.DataFrame(latest, columns=["unit", "indicator", "year", "value"])])
    data = data.astype({"year": int, "value": float}).drop_duplicates(["unit", "indicator", "year"], keep="last")
    result = score_units(codebook, data, falling_past_green="on_track")
    return database, indicators, result


def test_every_indicator_score_is_reproduced(workbook):
    database, indicators, result = workbook
    ours = result[result["level"] == "indicator"].set_index(["unit", "code"])["score"]
    compared = 0
    for _, row in database.iterrows():
        for k in indicators:
            if pd.notna(row.get(f"n_{k}")):
                assert ours[(row["id"], k)] == pytest.approx(row[f"n_{k}"], abs=1e-9), (row["id"], k)
                compared += 1
    assert compared > 1200


def test_indicator_colours_agree_at_least_99_percent(workbook):
    database, indicators, result = workbook
    ours = result[result["level"] == "indicator"].set_index(["unit", "code"])["colour"]
    pairs = [(ours[(row["id"], k)], row[f"col_{k}"]) for _, row in database.iterrows() for k in indicators
             if row.get(f"col_{k}") in COLOURS]
    agree = sum(a == b for a, b in pairs) / len(pairs)
    assert len(pairs) > 1300 and agree >= 0.99, agree


def test_every_goal_score_is_reproduced_and_goal_colours_agree(workbook):
    database, _, result = workbook
    goals = result[result["level"] == "goal"].set_index(["unit", "code"])
    scores = colours = agree = 0
    for _, row in database.iterrows():
        for goal in range(1, 18):
            if pd.notna(row[f"goal{goal}"]):
                assert goals.loc[(row["id"], str(goal)), "score"] == pytest.approx(row[f"goal{goal}"], abs=1e-9)
                scores += 1
            if isinstance(row[f"dash_sdg{goal}"], str):
                colours += 1
                agree += goals.loc[(row["id"], str(goal)), "colour"] == row[f"dash_sdg{goal}"]
    assert scores > 200 and colours > 250
    assert agree / colours >= 0.99, agree / colours


def test_trends_with_the_2022_rule(workbook):
    """Measured: 897 of 987 arrows (90.9 %). The rest: a start value up to a year before the trend
    period (SDSN's 'closest available value'), and arrows SDSN shows as stagnating for falling scores."""
    database, indicators, result = workbook
    ours = result[result["level"] == "indicator"].set_index(["unit", "code"])["trend"]
    pairs = [(ours[(row["id"], k)], ARROWS[row[f"arrow_n_{k}"]]) for _, row in database.iterrows()
             for k in indicators if row.get(f"arrow_n_{k}") in ARROWS]
    agree = sum(a == b for a, b in pairs) / len(pairs)
    assert len(pairs) > 950 and agree >= 0.90, agree
