"""Figures of similar municipalities: peers and their distances, the position among peers, clusters.

The builders draw the results of :mod:`natsam_analysis.metrics.peers` as they are.

Examples
--------
>>> import pandas as pd
>>> peers = pd.DataFrame({"rank": [1, 2], "distance": [0.4, 0.9]},
...                      index=pd.Index(["1286", "1291"], name="municipality_id"))
>>> fig = peer_distance_chart(peers, {"1286": "Ystad", "1291": "Simrishamn"}, note="Demodata")
>>> list(fig.data[0].y)
['Ystad', 'Simrishamn']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from natsam_analysis import geography
from natsam_analysis.i18n import label
from natsam_analysis.viz.charts import percentile_height
from natsam_analysis.viz.maps import _LINE, SWEDEN_GEO, base_trace, highlight_traces
from natsam_analysis.viz.theme import MUTED_TEXT, NATIONAL, PALETTE, apply_theme, legend_above, wrap_label



def _number(value: object) -> str:
    return "–" if pd.isna(value) else f"{float(value):.4g}"


def peer_distance_chart(
    peers: pd.DataFrame, names: Mapping[str, str], *, note: str, title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Horizontal bars of each peer's distance, the nearest at the top.

    ``peers`` comes from :func:`natsam_analysis.metrics.peers.similar_municipalities` (index
    ``municipality_id``, columns ``rank``, ``distance``).
    """
    ordered = peers.sort_values("rank")
    y = [names.get(mid, mid) for mid in ordered.index]
    fig = go.Figure(go.Bar(
        x=ordered["distance"].to_numpy(dtype=float), y=y, orientation="h", marker_color=PALETTE[0],
        customdata=ordered["rank"].to_numpy(), name=label("peer_distance", lang),
        hovertemplate="<b>%{y}</b> (%{customdata})<br>" + label("peer_distance", lang) + ": %{x:.2f}<extra></extra>",
    ))
    fig.update_xaxes(title=label("peer_distance", lang), rangemode="tozero")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(320, 160 + 28 * len(ordered)), showlegend=False, bargap=0.3)
    return apply_theme(fig, note=note, lang=lang, title=title)


def peer_position_chart(
    position: pd.DataFrame, titles: Mapping[str, str], *, note: str, title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Bars of the municipality's percentile among its peers per indicator (100 = best).

    ``position`` comes from :func:`natsam_analysis.metrics.peers.peer_position`; the hover shows the
    value, the peers' median, the year and how many peers have a value.
    """
    y = [wrap_label(titles.get(k, k)) for k in position["kpi"]]
    custom = [[titles.get(k, k), _number(v), _number(m), "" if pd.isna(yr) else str(int(yr)), int(n)]
              for k, v, m, yr, n in zip(position["kpi"], position["value"], position["peer_median"],
                                         position["year"], position["n_peers"])]
    hover = ("<b>%{customdata[0]}</b> (%{customdata[3]})<br>" + label("peer_percentile", lang) + ": %{x:.0f}<br>"
             + label("value", lang) + ": %{customdata[1]}<br>" + label("peer_median", lang)
             + ": %{customdata[2]} (n = %{customdata[4]})<extra></extra>")
    fig = go.Figure(go.Bar(x=position["pct_peers"].to_numpy(dtype=float), y=y, orientation="h",
                           marker_color=PALETTE[0], customdata=custom, hovertemplate=hover,
                           name=label("peer_percentile", lang)))
    missing = position["pct_peers"].isna().to_numpy()
    fig.add_scatter(x=[1] * int(missing.sum()), y=[lab for lab, m in zip(y, missing) if m], mode="text",
                    text=[label("no_data", lang)] * int(missing.sum()), textposition="middle right",
                    textfont={"color": MUTED_TEXT}, showlegend=False, hoverinfo="skip", name="no-data")
    fig.add_vline(x=50, line={"color": NATIONAL, "dash": "dot", "width": 1})
    fig.update_xaxes(range=[0, 103], title=label("peer_percentile_axis", lang), tickvals=[0, 25, 50, 75, 100])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=percentile_height(len(position)), showlegend=False, bargap=0.35)
    return apply_theme(fig, note=note, lang=lang, title=title)


def silhouette_chart(
    scores: Mapping[str, pd.Series], best: Mapping[str, int], *, note: str, title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """The silhouette score over k, one line per clustering method, its best k ringed.

    ``scores`` maps a method's label to its scores (index ``k``; ``KChoice.scores`` of
    :func:`natsam_analysis.metrics.peers.choose_k`), ``best`` the same labels to their best k.
    """
    fig = go.Figure()
    for i, (name, series) in enumerate(scores.items()):
        colour = PALETTE[i % len(PALETTE)]
        fig.add_scatter(x=list(series.index), y=series.to_numpy(dtype=float), mode="lines+markers", name=name,
                        line={"color": colour, "width": 2}, marker={"size": 7},
                        hovertemplate=f"<b>{name}</b><br>k = %{{x}}: %{{y:.3f}}<extra></extra>")
        k = best.get(name)
        if k is not None and k in series.index:
            fig.add_scatter(x=[k], y=[float(series[k])], mode="markers", showlegend=False, hoverinfo="skip",
                            name=f"{name} best", marker={"size": 16, "color": "rgba(0,0,0,0)",
                                                          "line": {"color": colour, "width": 2.5}})
    fig.update_xaxes(title=label("n_clusters", lang), dtick=1)
    fig.update_yaxes(title=label("silhouette", lang))
    fig.update_layout(height=440)
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def cluster_map(
    clusters: pd.Series, names: Mapping[str, str], *, note: str, title: str | None = None,
    highlight: str | None = None, lang: str | None = None, height: int = 620,
    geojson: dict | str | None = None,
) -> go.Figure:
    """The municipalities coloured by cluster (one colour and legend entry per cluster).

    ``clusters`` (1..k, index ``municipality_id``) comes from
    :func:`natsam_analysis.metrics.peers.kmeans_clusters` or ``ward_clusters``; municipalities without a
    cluster are grey. ``highlight`` outlines one municipality and labels it.
    """
    geojson = geography.municipality_geojson_url() if geojson is None else geojson
    traces = [base_trace(names, geojson, lang, without=clusters.dropna().index)]
    for i, number in enumerate(sorted(clusters.dropna().unique())):
        members = clusters.index[clusters == number].tolist()
        colour = PALETTE[i % len(PALETTE)]
        name = f"{label('cluster', lang)} {int(number)} (n = {len(members)})"
        traces.append(go.Choropleth(
            geojson=geojson, locations=members, z=np.ones(len(members)), text=[names.get(m, m) for m in members],
            colorscale=[[0, colour], [1, colour]], showscale=False, marker={"line": _LINE}, name=name,
            showlegend=True, hovertemplate="<b>%{text}</b><br>" + name + "<extra></extra>",
        ))
    if highlight:
        traces += highlight_traces(highlight, names)
    fig = go.Figure(traces)
    fig.update_geos(**SWEDEN_GEO)
    fig.update_layout(height=height, dragmode=False, legend={"x": 0, "y": 1, "xanchor": "left", "yanchor": "top"})
    return apply_theme(fig, note=note, lang=lang, title=title)


def peer_distance_table(peers: pd.DataFrame, names: Mapping[str, str], lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`peer_distance_chart`: each peer's name and distance, nearest first."""
    ordered = peers.sort_values("rank")
    return pd.DataFrame({label("municipality", lang): [names.get(m, m) for m in ordered.index],
                         label("peer_distance", lang): [f"{d:.2f}" for d in ordered["distance"]]})


def peer_position_table(position: pd.DataFrame, titles: Mapping[str, str], lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`peer_position_chart`: per indicator the year, the municipality's value,
    the peers' median, its percentile among them and how many peers have a value."""
    rows = [[titles.get(r.kpi, r.kpi), "–" if pd.isna(r.year) else str(int(r.year)), _number(r.value),
             _number(r.peer_median), "–" if pd.isna(r.pct_peers) else f"{r.pct_peers:.0f}", str(int(r.n_peers))]
            for r in position.itertuples()]
    header = [label(k, lang) for k in ("indicator", "year", "value", "peer_median", "peer_percentile", "peer_n")]
    return pd.DataFrame(rows, columns=header)
