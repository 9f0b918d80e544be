"""Figures of the gender lens (natsam_analysis.viz.gender): traces, order, colours, source notes, language."""

from __future__ import annotations

import pandas as pd
import pytest

from natsam_analysis.metrics.gender import gender_gaps, largest_gaps, reading_distribution
from natsam_analysis.viz.gender import (
    READING_COLOURS, gap_strip_chart, largest_gaps_chart, reading_distribution_chart, subindex_ranking_chart,
)
from natsam_analysis.viz.theme import source_note

NOTE = "Demodata – syntetiska värden, inte officiell statistik"
TITLES = {"N00001": "Högre är bättre", "N00002": "Lägre är bättre"}
NAMES = {"A": "Alfa", "B": "Beta", "C": "Gamma"}


@pytest.fixture(autouse=True)
def swedish(monkeypatch):
    monkeypatch.delenv("NATSAM_LANG", raising=False)


@pytest.fixture
def gaps() -> pd.DataFrame:
    rows = []
    for kpi in TITLES:
        for mid, women, men in (("A", 60.0, 50.0), ("B", 40.0, 50.0), ("C", 50.0, 50.0)):
            rows += [(mid, kpi, 2024, "K", women), (mid, kpi, 2024, "M", men),
                     (mid, kpi, 2024, "T", (women + men) / 2)]
    panel = pd.DataFrame(rows, columns=["municipality_id", "kpi", "year", "gender", "value"])
    catalog = pd.DataFrame({"direction": pd.array([1, -1], dtype="Int64"), "target": [float("nan")] * 2,
                            "gendered": [True, True], "unit": ["%", "%"]}, index=pd.Index(list(TITLES), name="kpi"))
    return gender_gaps(panel, catalog)


def test_strip_chart_one_trace_per_municipality_in_the_given_order(gaps):
    fig = gap_strip_chart(gaps, TITLES, {"C": "Gamma", "A": "Alfa", "X": "Saknas"}, note=NOTE)
    assert [t.name for t in fig.data] == ["Gamma", "Alfa"]          # X has no rows: no trace
    assert fig.data[1].x.tolist() == [2.0, 2.0]                      # A: gap 10 / sd(55, 45, 50) = 5 on both
    assert list(fig.layout.yaxis.categoryarray) == list(TITLES.values())
    assert "män har sämre utfall" in fig.data[1].customdata[0][5]
    assert source_note(fig) == NOTE


def test_largest_gaps_chart_colours_bars_by_reading(gaps):
    top = largest_gaps(gaps, "A", n=2)   # N00001: men worse (higher is better); N00002: women worse
    fig = largest_gaps_chart(top, TITLES, note=NOTE, lang="en")
    assert [t.name for t in fig.data] == ["women have worse outcomes", "men have worse outcomes"]
    assert [t.marker.color for t in fig.data] == [READING_COLOURS["women_worse"], READING_COLOURS["men_worse"]]
    assert list(fig.layout.yaxis.categoryarray) == [TITLES[k] for k in top["kpi"]]
    assert fig.layout.separators == ".,"


def test_reading_distribution_chart_stacks_shares_in_percent(gaps):
    fig = reading_distribution_chart(reading_distribution(gaps), TITLES, note=NOTE, title="Vem?")
    assert [t.name for t in fig.data] == ["kvinnor har sämre utfall", "män har sämre utfall", "ingen skillnad"]
    assert fig.layout.barmode == "stack"
    assert all(list(t.x) == pytest.approx([100 / 3, 100 / 3]) for t in fig.data)
    assert fig.layout.title.text == "Vem?" and source_note(fig) == NOTE


def test_subindex_ranking_chart_shows_the_top_the_platforms_and_the_selected():
    scores = pd.DataFrame({"municipality_id": ["A", "B", "C", "D"], "score": [90.0, 80.0, 70.0, float("nan")],
                           "rank": pd.array([1, 2, 3, pd.NA], dtype="Int64")})
    fig = subindex_ranking_chart(scores, {"A": "Alfa", "B": "Beta", "C": "Gamma"}, note=NOTE, top=1,
                                 platforms={"C"}, highlight="B")
    assert list(fig.layout.yaxis.categoryarray) == ["1. Alfa", "2. Beta", "3. Gamma"]
    assert fig.layout.xaxis2.range[1] == pytest.approx(3 * 1.03)   # three ranked municipalities
    assert source_note(fig) == NOTE
