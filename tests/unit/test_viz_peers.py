"""Figures of similar municipalities (viz.peers): source note, language, what each trace shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from natsam_analysis import geography
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.viz import peers as charts
from natsam_analysis.viz import theme

NAMES = {"1281": "Lund", "1286": "Ystad", "1291": "Simrishamn", "0180": "Stockholm"}
PEERS = pd.DataFrame({"rank": [2, 1, 3], "distance": [0.9, 0.4, 1.3]},
                     index=pd.Index(["1291", "1286", "0180"], name="municipality_id"))
POSITION = pd.DataFrame({"kpi": ["N00001", "N00002"], "year": pd.array([2024, None], dtype="Int64"),
                         "value": [5.0, np.nan], "peer_median": [4.0, np.nan], "pct_peers": [62.5, np.nan],
                         "n_peers": [10, 0]})
SCORES = {"k-medelvärde": pd.Series([0.40, 0.34, 0.29], index=pd.Index([2, 3, 4], name="k")),
          "Ward": pd.Series([0.30, 0.37, 0.20], index=pd.Index([2, 3, 4], name="k"))}


def _clusters() -> pd.Series:
    ids = geography.municipalities()["municipality_id"]
    return pd.Series(np.where(ids.str.startswith("0"), 2, 1), index=ids.to_numpy())


def _builders():
    return {
        "distance": lambda note, lang=None: charts.peer_distance_chart(PEERS, NAMES, note=note, lang=lang, title="T"),
        "position": lambda note, lang=None: charts.peer_position_chart(POSITION, {"N00001": "Ett"}, note=note,
                                                                      lang=lang),
        "silhouette": lambda note, lang=None: charts.silhouette_chart(SCORES, {"k-medelvärde": 2, "Ward": 3},
                                                                      note=note, lang=lang),
        "cluster_map": lambda note, lang=None: charts.cluster_map(_clusters(), geography.municipality_names(),
                                                                  note=note, highlight="1281", lang=lang),
    }


@pytest.mark.parametrize("builder", ["distance", "position", "silhouette", "cluster_map"])
def test_every_builder_shows_the_source_note_and_the_language_format(builder, data_dir):
    build = _builders()[builder]
    fig = build(DEMO_NOTE["sv"])
    assert isinstance(fig, go.Figure) and theme.source_note(fig) == DEMO_NOTE["sv"]
    assert build("n", lang="sv").layout.separators == ", " and build("n", lang="en").layout.separators == ".,"


def test_peer_distance_chart_puts_the_nearest_first():
    fig = charts.peer_distance_chart(PEERS, NAMES, note="n")
    assert list(fig.data[0].y) == ["Ystad", "Simrishamn", "Stockholm"]
    assert list(fig.data[0].x) == [0.4, 0.9, 1.3]


def test_peer_position_chart_marks_indicators_without_data():
    fig = charts.peer_position_chart(POSITION, {"N00001": "Ett"}, note="n", lang="en")
    assert list(fig.data[0].x)[0] == 62.5
    assert fig.data[1].text == ("No data",) and fig.data[1].y == ("N00002",)
    assert fig.layout.xaxis.title.text == "Percentile among the similar municipalities (100 = best)"


def test_silhouette_chart_rings_each_methods_best_k():
    fig = charts.silhouette_chart(SCORES, {"k-medelvärde": 2, "Ward": 3}, note="n")
    rings = {t.name: (t.x[0], t.y[0]) for t in fig.data if t.name.endswith(" best")}
    assert rings == {"k-medelvärde best": (2, 0.40), "Ward best": (3, 0.37)}


def test_cluster_map_has_one_legend_entry_per_cluster(data_dir):
    clusters = _clusters()
    fig = charts.cluster_map(clusters, geography.municipality_names(), note="n", highlight="1281")
    legend = [t for t in fig.data if t.showlegend]
    assert [t.name for t in legend] == [f"Kluster {c} (n = {(clusters == c).sum()})" for c in (1, 2)]
    assert sum(len(t.locations) for t in legend) == 290
    assert len(fig.data[0].locations) == 0, "every municipality has a cluster: none drawn twice"
    assert fig.data[-1].text == ("Lund",)
