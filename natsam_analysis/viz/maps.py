"""Choropleth maps of Sweden's municipalities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from natsam_analysis import geography
from natsam_analysis.i18n import label
from natsam_analysis.viz.theme import DIVERGING, HIGHLIGHT, NO_DATA, SEQUENTIAL, apply_theme

#: Sweden in a transverse Mercator centred on 16°E (close to SWEREF 99 TM's look).
SWEDEN_GEO = {
    "visible": False,
    "projection": {"type": "transverse mercator", "rotation": {"lon": 16}},
    "lataxis": {"range": [55.2, 69.2]},
    "lonaxis": {"range": [10.8, 24.3]},
    "bgcolor": "rgba(0,0,0,0)",
}
BASE, DATA, OUTLINE, MARKER = 0, 1, 2, 3  # trace order of municipality_map
_LINE = {"color": "white", "width": 0.4}


def _colour_settings(direction, target, values: pd.Series) -> dict:
    has_direction = direction is not None and not pd.isna(direction)
    if has_direction and int(direction) == 0 and target is not None and not pd.isna(target):
        spread = float(np.nanmax(np.abs(values.to_numpy(dtype=float) - target))) if values.notna().any() else 1.0
        return {"colorscale": DIVERGING, "zmid": float(target), "zmin": target - spread, "zmax": target + spread}
    return {"colorscale": SEQUENTIAL, "reversescale": bool(has_direction and int(direction) == -1)}


def municipality_map(
    values: pd.Series,
    names: dict[str, str],
    *,
    note: str,
    title: str | None = None,
    colorbar_title: str = "",
    highlight: str | None = None,
    direction=None,
    target=None,
    lang: str | None = None,
    height: int = 620,
    geojson: dict | str | None = None,
) -> go.Figure:
    """A choropleth of ``values`` (indexed by municipality id) over all 290 municipalities.

    Municipalities without a value are drawn in light grey ("Uppgift saknas"; only they: a
    municipality drawn twice would double the map's cost in the browser); ``highlight`` outlines
    one municipality and marks it with a labelled point (small municipalities stay visible). The colour
    scale runs so that darker is better when ``direction`` is -1 and diverges around ``target`` when
    ``direction`` is 0. ``geojson`` defaults to :func:`natsam_analysis.geography.municipality_geojson_url`.
    Traces: 0 base, 1 data, 2 outline, 3 marker.
    """
    geojson = geography.municipality_geojson_url() if geojson is None else geojson
    shown = values.dropna()
    traces = [
        base_trace(names, geojson, lang, without=shown.index),
        go.Choropleth(
            geojson=geojson, locations=shown.index.tolist(), z=shown.to_numpy(dtype=float),
            text=[names.get(m, m) for m in shown.index], marker={"line": _LINE}, name="data",
            hovertemplate="<b>%{text}</b><br>%{z:.4~g}<extra></extra>",
            colorbar={"title": {"text": colorbar_title, "side": "right"}, "thickness": 14, "len": 0.75},
            **_colour_settings(direction, target, shown),
        ),
    ]
    if highlight:
        traces += highlight_traces(highlight, names)
    fig = go.Figure(traces)
    fig.update_geos(**SWEDEN_GEO)
    fig.update_layout(height=height, dragmode=False, showlegend=False)
    return apply_theme(fig, note=note, lang=lang, title=title)


def map_table(values: pd.Series, names: Mapping[str, str], lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`municipality_map`: every municipality of ``names`` with its value,
    highest first, those without a value last."""
    shown = values.reindex(list(names)).sort_values(ascending=False, na_position="last", kind="stable")
    return pd.DataFrame({label("municipality", lang): [names[m] for m in shown.index],
                         label("value", lang): ["–" if pd.isna(v) else f"{float(v):.4g}" for v in shown]})


def base_trace(names: Mapping[str, str], geojson: dict | str, lang: str | None = None, *,
               without: Iterable[str] = ()) -> go.Choropleth:
    """The municipalities of ``names`` other than ``without`` (those drawn by another trace) in light
    grey, "Uppgift saknas" on hover: the map's background."""
    drawn = set(without)
    ids = [m for m in names if m not in drawn]
    return go.Choropleth(
        geojson=geojson, locations=ids, z=np.zeros(len(ids)), text=[names[m] for m in ids],
        colorscale=[[0, NO_DATA], [1, NO_DATA]], showscale=False, marker={"line": _LINE}, name="base",
        hovertemplate="<b>%{text}</b><br>" + label("no_data", lang) + "<extra></extra>", showlegend=False,
    )


def highlight_traces(municipality_id: str, names: Mapping[str, str]) -> list:
    """An outline of one municipality and a labelled point on it (small municipalities stay visible)."""
    point = geography.municipalities().set_index("municipality_id").loc[municipality_id, ["point_lon", "point_lat"]]
    return [
        go.Choropleth(
            geojson=geography.municipality_feature(municipality_id), locations=[municipality_id], z=[1],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False, name="outline",
            marker={"line": {"color": HIGHLIGHT, "width": 3}}, hoverinfo="skip", showlegend=False,
        ),
        go.Scattergeo(
            lon=[point["point_lon"]], lat=[point["point_lat"]], mode="markers+text", name="marker",
            text=[names.get(municipality_id, municipality_id)], textposition="middle left", showlegend=False,
            marker={"size": 11, "color": HIGHLIGHT, "line": {"color": "white", "width": 1.5}},
            textfont={"size": 13, "color": "#222"}, hoverinfo="skip",
        ),
    ]


def county_map(
    values: pd.Series,
    names: Mapping[str, str],
    county_id: str,
    *,
    note: str,
    title: str | None = None,
    colorbar_title: str = "",
    highlight: str | None = None,
    direction=None,
    target=None,
    lang: str | None = None,
    height: int = 520,
) -> go.Figure:
    """:func:`municipality_map` of one county's municipalities, zoomed to the county.

    The figure carries only that county's boundaries (:func:`natsam_analysis.geography.county_geojson`),
    a twentieth of the country's on average: small enough for a page per municipality.
    """
    ids = geography.municipalities().query("county_id == @county_id")["municipality_id"].tolist()
    fig = municipality_map(
        values.reindex(ids), {m: names.get(m, m) for m in ids}, note=note, title=title,
        colorbar_title=colorbar_title, highlight=highlight, direction=direction, target=target, lang=lang,
        height=height, geojson=geography.county_geojson(county_id),
    )
    # Zoomed to the county's boundaries; plotly.js fits the view only in an unrotated projection, and
    # Mercator keeps a county's shape (it is conformal) at any Swedish latitude.
    fig.layout.geo = {**{k: v for k, v in SWEDEN_GEO.items() if k not in ("lataxis", "lonaxis")},
                      "projection": {"type": "mercator"}, "fitbounds": "locations"}
    return fig
