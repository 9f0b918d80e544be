"""Figures of the system-barrier register (plotly builders; the numbers come from
:mod:`natsam_analysis.metrics.barriers`).

Every builder takes the table it draws, the source ``note`` and ``lang``, and draws only trace
types the dashboards' plotly.js holds (bar, heatmap, scatter, sankey).

Examples
--------
>>> import pandas as pd
>>> funnel = pd.DataFrame({"stage": ["identified", "validated"], "barriers": [4, 2], "share": [1, .5]})
>>> funnel_chart(funnel, note="Demodata").data[0].type
'bar'
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.barrier_schema import value_label
from natsam_analysis.i18n import label
from natsam_analysis.viz.theme import NATIONAL, PALETTE, SEQUENTIAL, apply_theme, legend_above, wrap_label

KIND_COLOURS = {"case": PALETTE[3], "barrier": PALETTE[0], "actor": PALETTE[1], "pathway": PALETTE[2]}


def _title(key: str, lang: str | None, sub: str | None = None, **fields) -> str:
    text = html.escape(label(key, lang, **fields))
    return f"{text}<br><sub>{html.escape(sub)}</sub>" if sub else text


def funnel_chart(funnel: pd.DataFrame, *, note: str, lang: str | None = None) -> go.Figure:
    """The status funnel as horizontal bars (first stage on top), count and share on each bar."""
    names = [label(f"barriers_stage_{s}", lang) for s in funnel["stage"]]
    text = [f"{n} ({s:.0%})" for n, s in zip(funnel["barriers"], funnel["share"])]
    fig = go.Figure(go.Bar(x=funnel["barriers"], y=names, orientation="h", text=text, textposition="auto",
                           marker_color=PALETTE[0], hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=label("barriers_count", lang), rangemode="tozero")
    return apply_theme(fig, note=note, lang=lang,
                       title=_title("barriers_funnel_title", lang, label("barriers_funnel_sub", lang)))


def counts_chart(counts: pd.DataFrame, column: str, *, note: str, lang: str | None = None) -> go.Figure:
    """Barriers per value of one field (from :func:`~natsam_analysis.metrics.barriers.counts_by`)."""
    names = [_value(column, v, lang) for v in counts[column]]
    fig = go.Figure(go.Bar(x=counts["barriers"], y=[wrap_label(n, 28, 2) for n in names], orientation="h",
                           marker_color=PALETTE[0], hovertext=names, hovertemplate="%{hovertext}: %{x}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title=label("barriers_count", lang), rangemode="tozero")
    field = label(f"barriers_field_{column}", lang).lower()
    return apply_theme(fig, note=note, lang=lang, title=_title("barriers_counts_title", lang, field=field))


def _value(column: str, value, lang: str | None) -> str:
    try:
        return value_label(column, str(value), lang)
    except Exception:  # noqa: BLE001 - a value without a label (free text, a number) is shown as it is
        return str(value)


def heatmap(table: pd.DataFrame, *, note: str, lang: str | None = None, title_key: str,
            rows: str, columns: str) -> go.Figure:
    """A cross-table (rows x columns of counts) as a heatmap with the counts written in the cells."""
    z = table.to_numpy(dtype=float)
    y = [wrap_label(_value(rows, r, lang), 24, 2) for r in table.index]
    x = [_value(columns, c, lang) for c in table.columns]
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale=SEQUENTIAL, reversescale=True, zmin=0,
                               text=table.to_numpy().astype(str), texttemplate="%{text}",
                               colorbar={"title": {"text": label("barriers_count", lang)}, "thickness": 12},
                               hovertemplate="%{y} · %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title=label(f"barriers_field_{rows}", lang))
    fig.update_xaxes(title=label(f"barriers_field_{columns}", lang), type="category")
    return apply_theme(fig, note=note, lang=lang, title=_title(title_key, lang))


def days_open_chart(days: pd.DataFrame, titles: dict[str, str], *, note: str, lang: str | None = None) -> go.Figure:
    """Days each barrier has been (or was) open: bars, closed barriers in a second colour."""
    days = days.dropna(subset=["days_open"])
    fig = go.Figure()
    for closed, colour, key in ((False, PALETTE[5], "barriers_still_open"), (True, PALETTE[2], "barriers_closed")):
        part = days[days["closed"] == closed]
        fig.add_trace(go.Bar(x=part["days_open"], y=part["barrier_id"], orientation="h", marker_color=colour,
                             name=label(key, lang), hovertext=[titles.get(b, b) for b in part["barrier_id"]],
                             hovertemplate="%{y}: %{x:.0f} d<br>%{hovertext}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=days["barrier_id"].tolist())
    fig.update_xaxes(title=label("barriers_days_open", lang), rangemode="tozero")
    fig.update_layout(height=max(320, 140 + 16 * len(days)))
    return legend_above(apply_theme(fig, note=note, lang=lang, title=_title("barriers_days_title", lang)))


def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, note: str, lang: str | None = None) -> go.Figure:
    """The network of cases, barriers, actors and pathways in four columns: edges as lines, nodes as
    markers sized by degree."""
    column = {"case": 0, "barrier": 1, "actor": 2, "pathway": 3}
    pos = {}
    for kind, part in nodes.groupby("kind", sort=False):
        n = len(part)
        for i, node in enumerate(part["node"]):
            pos[node] = (column[kind], 1 - (i + 0.5) / n)
    xs, ys = [], []
    for s, t in zip(edges["source"], edges["target"]):
        if s in pos and t in pos:
            xs += [pos[s][0], pos[t][0], None]
            ys += [pos[s][1], pos[t][1], None]
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", line={"width": 0.6, "color": "#B0B0B0"},
                               hoverinfo="skip", showlegend=False))
    for kind in column:
        part = nodes[nodes["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in part["node"]], y=[pos[n][1] for n in part["node"]], mode="markers",
            name=label(f"barriers_node_{kind}", lang),
            marker={"size": 6 + 2 * np.sqrt(part["degree"].to_numpy()), "color": KIND_COLOURS[kind]},
            hovertext=[_value("pathway", x, lang) if kind == "pathway" else x for x in part["name"]],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(range=[-0.3, 3.3], tickvals=list(column.values()), showgrid=False, zeroline=False,
                     ticktext=[wrap_label(label(f"barriers_node_{k}", lang), 10, 2) for k in column])
    fig.update_yaxes(visible=False, range=[-0.02, 1.02])
    fig.update_layout(height=560)
    return legend_above(apply_theme(fig, note=note, lang=lang, title=_title("barriers_network_title", lang)))


def sankey_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, note: str, lang: str | None = None) -> go.Figure:
    """Barrier -> responsible actor -> pathway flows (cases left out) as a sankey diagram."""
    edges = edges[edges["kind"].isin(["barrier-actor", "actor-pathway"])]
    keep = nodes[nodes["node"].isin(set(edges["source"]) | set(edges["target"]))].reset_index(drop=True)
    index = {n: i for i, n in enumerate(keep["node"])}
    names = [_value("pathway", n, lang) if k == "pathway" else n for n, k in zip(keep["name"], keep["kind"])]
    fig = go.Figure(go.Sankey(
        node={"label": names, "color": [KIND_COLOURS[k] for k in keep["kind"]], "pad": 6, "thickness": 12},
        link={"source": [index[s] for s in edges["source"]], "target": [index[t] for t in edges["target"]],
              "value": edges["weight"].tolist(), "color": "rgba(127,127,127,0.3)"}))
    fig.update_layout(height=max(480, 14 * len(keep)))
    return apply_theme(fig, note=note, lang=lang, title=_title("barriers_sankey_title", lang))


def timeline_chart(history: pd.DataFrame, barrier_id: str, *, note: str, lang: str | None = None,
                   raised: pd.Timestamp | None = None) -> go.Figure:
    """One barrier's events on a time axis, one row per event type; status changes are labelled; the
    day it was raised (``raised``) as a first point."""
    fig = go.Figure()
    if raised is not None and pd.notna(raised):
        first = value_label("status", "identified", lang)
        fig.add_trace(go.Scatter(x=[raised], y=[first], mode="markers+text", text=[first], textposition="top right",
                                 marker={"size": 12, "color": NATIONAL, "symbol": "diamond"}, showlegend=False,
                                 hovertemplate="%{x|%Y-%m-%d}<extra></extra>"))
    for i, kind in enumerate(dict.fromkeys(history["type"])):
        part = history[history["type"] == kind]
        text = [value_label("status", s, lang) if s else "" for s in part["status"]]
        # labels alternate above and below the points, so that close events do not write over each other
        # (and to the left of the last, so that its label stays inside a phone's narrow plot)
        last = history["date"].max()
        where = [("top " if j % 2 == 0 else "bottom ") + ("left" if d == last else "center")
                 for j, d in enumerate(part["date"])]
        fig.add_trace(go.Scatter(
            x=part["date"], y=[value_label("event_type", kind, lang)] * len(part), mode="markers+text",
            text=text, textposition=where, marker={"size": 12, "color": PALETTE[i % len(PALETTE)]},
            name=value_label("event_type", kind, lang), hovertext=part["summary"],
            hovertemplate="%{x|%Y-%m-%d}: %{hovertext}<extra></extra>", showlegend=False))
    rows = len(set(history["type"])) + (raised is not None and pd.notna(raised))
    fig.update_yaxes(type="category", range=[-0.8, rows - 0.2])
    fig.update_xaxes(range=_padded_dates([raised, *history["date"]]))
    fig.update_layout(height=220 + 50 * rows)
    return apply_theme(fig, note=note, lang=lang, title=_title("barriers_timeline_title", lang, barrier=barrier_id))


def _padded_dates(dates) -> list | None:
    """An x range around ``dates`` with a month on either side (room for the labels at the ends)."""
    days = pd.to_datetime(pd.Series([d for d in dates if d is not None and pd.notna(d)]))
    if days.empty:
        return None
    return [days.min() - pd.Timedelta(days=45), days.max() + pd.Timedelta(days=45)]
