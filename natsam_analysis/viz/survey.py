"""Figures of the capability survey: construct profiles as a heatmap and one construct per group with
its confidence intervals. Suppressed cells ("för få svar") are drawn as grey cells / grey labels with
that text and no number.

The builders take the already suppressed tables of :mod:`natsam_analysis.metrics.survey`; they compute
nothing.

Examples
--------
>>> from natsam_analysis.sources.survey import demo_survey
>>> from natsam_analysis.metrics.survey import construct_scores
>>> table = construct_scores(demo_survey(), by="gender", constructs="C1")
>>> fig = group_chart(table, "gender", note="Demodata")
>>> fig.data[0].type
'scatter'
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import label
from natsam_analysis.viz.theme import MUTED_TEXT, NATIONAL, NO_DATA, PALETTE, apply_theme, legend_above, wrap_label

#: Colour scale of the 1-5 means (colour-blind safe, light = low).
SCALE_COLOURS = [[0.0, "#F7FBFF"], [0.5, "#6BAED6"], [1.0, "#08306B"]]
SUPPRESSED_COLOUR = NO_DATA


def group_labels(table: pd.DataFrame, by: list[str], names: dict[str, str] | None = None,
                 categories: dict[str, str] | None = None) -> list[str]:
    """A readable label per row of a scores table: municipality names, category labels, joined by " · "."""
    names = names or {}
    categories = categories or {}
    out = []
    for values in table[by].itertuples(index=False, name=None):
        parts = []
        for dim, v in zip(by, values):
            parts.append(names.get(v, v) if dim == "municipality" else categories.get(v, v))
        out.append(" · ".join(map(str, parts)))
    return out


def profile_heatmap(table: pd.DataFrame, rows: list[str], construct_names: dict[str, str], *, note: str,
                    lang: str | None = None, title: str | None = None) -> go.Figure:
    """Groups (rows) x constructs (columns), each cell the mean 1-5 with its value written in it;
    suppressed cells grey with "för få svar".

    ``table`` is :func:`~natsam_analysis.metrics.survey.construct_scores` output; ``rows`` one label per
    row of ``table`` (e.g. from :func:`group_labels`).
    """
    data = table.assign(_row=rows)
    row_order = list(dict.fromkeys(rows))
    constructs = list(dict.fromkeys(data["construct"]))
    mean = data.pivot(index="_row", columns="construct", values="mean").reindex(index=row_order, columns=constructs)
    hidden = data.pivot(index="_row", columns="construct", values="suppressed").reindex(
        index=row_order, columns=constructs).fillna(True).astype(bool)
    too_few = label("survey_too_few", lang)
    x = [f"{c}" for c in constructs]
    hover_names = [construct_names.get(c, c) for c in constructs]
    text = [[too_few if hidden.iat[i, j] else f"{mean.iat[i, j]:.2f}".replace(".", "," if (lang or "sv") == "sv" else ".")
             for j in range(len(constructs))] for i in range(len(row_order))]
    custom = [[hover_names[j] for j in range(len(constructs))] for _ in row_order]
    z = mean.to_numpy(dtype=float)
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        z=np.where(hidden.to_numpy(), 1.0, np.nan), x=x, y=row_order, colorscale=[[0, SUPPRESSED_COLOUR], [1, SUPPRESSED_COLOUR]],
        showscale=False, text=[[too_few] * len(x) for _ in row_order], texttemplate="%{text}",
        textfont={"size": 9, "color": "#333"}, hoverinfo="skip", name=too_few, xgap=2, ygap=2))
    fig.add_trace(go.Heatmap(
        z=np.where(hidden.to_numpy(), np.nan, z), x=x, y=row_order, zmin=1, zmax=5, colorscale=SCALE_COLOURS,
        text=text, texttemplate="%{text}", textfont={"size": 11}, customdata=custom, xgap=2, ygap=2,
        colorbar={"title": {"text": "1–5"}, "thickness": 10, "len": 0.6},
        hovertemplate="%{y}<br>%{customdata}: %{text}<extra></extra>", name=label("survey_mean", lang)))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    fig.update_layout(height=max(320, 120 + 28 * len(row_order)))
    apply_theme(fig, note=note, lang=lang, title=title)
    return fig


def group_chart(table: pd.DataFrame, by: str | list[str], *, note: str, lang: str | None = None,
                title: str | None = None, rows: list[str] | None = None) -> go.Figure:
    """One construct per group: the mean (dot) with its confidence interval (bar), on the 1-5 scale;
    suppressed groups listed with "för få svar" and no dot.

    ``table`` holds one construct (filter :func:`~natsam_analysis.metrics.survey.construct_scores`).
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = rows if rows is not None else group_labels(table, by)
    too_few = label("survey_too_few", lang)
    shown = ~table["suppressed"].to_numpy()
    y = [wrap_label(r, 28, 2) for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=table["mean"].where(shown), y=y, mode="markers", marker={"size": 10, "color": PALETTE[0]},
        error_x={"type": "data", "symmetric": False, "array": (table["ci_high"] - table["mean"]).where(shown),
                 "arrayminus": (table["mean"] - table["ci_low"]).where(shown), "color": PALETTE[0], "thickness": 2},
        customdata=np.stack([table["n"].astype("float64").fillna(np.nan), table["ci_low"], table["ci_high"]], axis=1),
        hovertemplate=("%{y}: %{x:.2f} (95 %: %{customdata[1]:.2f}–%{customdata[2]:.2f}), n = %{customdata[0]:.0f}"
                       "<extra></extra>"),
        name=label("survey_ci", lang)))
    if (~shown).any():
        fig.add_trace(go.Scatter(
            x=[1.05] * int((~shown).sum()), y=[v for v, s in zip(y, shown) if not s], mode="markers+text",
            text=[too_few] * int((~shown).sum()), textposition="middle right",
            marker={"symbol": "line-ew-open", "size": 8, "color": NATIONAL}, textfont={"color": MUTED_TEXT},
            hoverinfo="skip", name=too_few))
    fig.update_xaxes(range=[1, 5], dtick=1, title={"text": label("survey_mean", lang)})
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=y)
    fig.update_layout(showlegend=True)
    apply_theme(fig, note=note, lang=lang, title=title)
    legend_above(fig)
    # room for every group's row (two-line labels included) below the title and legend
    fig.update_layout(height=fig.layout.margin.t + fig.layout.margin.b + 60 + 40 * len(rows))
    return fig


def title_text(main: str, sub: str | None = None) -> str:
    """A figure title (wrapped to fit a phone) with an optional smaller second line, both escaped."""
    return wrap_label(html.escape(main), 34, 3) + (f"<br><sub>{html.escape(sub)}</sub>" if sub else "")
