"""Figures of a composite index's audit and uncertainty: correlations, rank intervals, Sobol indices, variants.

The builders take the tables of :mod:`natsam_analysis.composite.audit` and
:mod:`natsam_analysis.composite.uncertainty` as they are and only draw them.

Examples
--------
>>> import pandas as pd
>>> stats = pd.DataFrame({"Nominal": [1, 2, 3], "Q5": [1, 1, 2], "Q95": [2, 4, 3]}, index=["a", "b", "c"])
>>> fig = rank_interval_chart(stats, {"a": "A", "b": "B", "c": "C"}, note="Demodata", platforms={"b"})
>>> [t.name for t in fig.data]
['Övriga', 'Plattformskommunerna']
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import label
from natsam_analysis.viz.theme import DIVERGING, NATIONAL, PALETTE, apply_theme, shorten


def correlation_heatmap(corr: pd.DataFrame, titles: Mapping[str, str], *, note: str, title: str | None = None,
                        lang: str | None = None) -> go.Figure:
    """Heatmap of a correlation matrix (codes on both axes, -1 to 1, diverging colours).

    ``titles`` maps codes to the names shown (shortened); the value is printed in each cell.
    """
    names = [shorten(titles.get(c, c), 32) for c in corr.columns]
    rows = [shorten(titles.get(c, c), 32) for c in corr.index]
    z = corr.to_numpy(dtype=float)
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=rows, zmin=-1, zmax=1, colorscale=DIVERGING,
        text=np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.2f}")(np.nan_to_num(z))),
        texttemplate="%{text}", colorbar={"title": {"text": "r"}},
        hovertemplate="%{y} – %{x}: %{z:.2f}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(380, 34 * len(rows) + 160))
    return apply_theme(fig, note=note, lang=lang, title=title)


def rank_interval_chart(rank_stats: pd.DataFrame, names: Mapping[str, str], *, note: str,
                        platforms: Collection[str] = (), title: str | None = None,
                        lang: str | None = None) -> go.Figure:
    """Every unit's nominal rank (x) with its 5-95 % rank interval over the Monte Carlo runs (vertical lines).

    ``rank_stats`` is indexed by unit code with at least ``Nominal``, ``Q5`` and ``Q95`` (e.g.
    :attr:`~natsam_analysis.composite.uncertainty.UncertaintyResult.rank_stats`). Platform
    municipalities are drawn in colour with their names, all others in grey.
    """
    stats = rank_stats.sort_values("Nominal")
    platforms = set(platforms)
    fig = go.Figure()
    for group, colour, members in (
        (label("others", lang), NATIONAL, [u for u in stats.index if u not in platforms]),
        (label("platforms", lang), PALETTE[0], [u for u in stats.index if u in platforms]),
    ):
        if not members:
            continue
        part = stats.loc[members]
        x = np.repeat(part["Nominal"].to_numpy(float), 3)
        y = np.column_stack([part["Q5"], part["Q95"], np.full(len(part), np.nan)]).ravel()
        is_platform = colour != NATIONAL
        fig.add_scatter(
            x=x, y=y, mode="lines", name=group, legendgroup=group,
            line={"color": colour, "width": 3 if is_platform else 1.5},
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=part["Nominal"], y=part["Nominal"], mode="markers+text" if is_platform else "markers",
            text=[names.get(u, u) for u in part.index] if is_platform else None,
            textposition="middle right", showlegend=False, legendgroup=group,
            marker={"color": colour, "size": 9 if is_platform else 4},
            customdata=np.column_stack([[names.get(u, u) for u in part.index], part["Q5"], part["Q95"]]),
            hovertemplate=(f"<b>%{{customdata[0]}}</b><br>{label('rank', lang)}: %{{x}}<br>"
                           f"{label('rank_interval', lang)}: %{{customdata[1]:.0f}}–%{{customdata[2]:.0f}}"
                           "<extra></extra>"),
        )
    n = int(stats["Nominal"].max()) if len(stats) else 1
    fig.update_xaxes(title=label("nominal_rank", lang), range=[0, n + 1])
    fig.update_yaxes(title=label("rank_interval_axis", lang), range=[n + 1, 0])
    fig.update_layout(height=560, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return apply_theme(fig, note=note, lang=lang, title=title)


def sensitivity_chart(sensitivity: pd.DataFrame, *, note: str, title: str | None = None,
                      lang: str | None = None) -> go.Figure:
    """First-order and total Sobol indices per assumption, with their bootstrap intervals.

    ``sensitivity`` has the columns of
    :attr:`~natsam_analysis.composite.uncertainty.UncertaintyResult.sensitivity`:
    ``Variable, Si, STi, Si_q5, Si_q95, STi_q5, STi_q95``.
    """
    fig = go.Figure()
    for column, name, colour in (("Si", label("first_order", lang), PALETTE[0]),
                                 ("STi", label("total_effect", lang), PALETTE[1])):
        values = sensitivity[column]
        fig.add_bar(
            x=sensitivity["Variable"], y=values, name=name, marker_color=colour,
            error_y={"type": "data", "symmetric": False,
                     "array": (sensitivity[f"{column}_q95"] - values).clip(lower=0),
                     "arrayminus": (values - sensitivity[f"{column}_q5"]).clip(lower=0)},
            hovertemplate=f"%{{x}}<br>{name}: %{{y:.2f}}<extra></extra>",
        )
    fig.update_yaxes(title=label("sobol_axis", lang), rangemode="tozero")
    fig.update_layout(barmode="group", height=420, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return apply_theme(fig, note=note, lang=lang, title=title)


def variant_scatter(rank_a: pd.Series, rank_b: pd.Series, names: Mapping[str, str], *, note: str,
                    axis_titles: tuple[str, str], platforms: Collection[str] = (), title: str | None = None,
                    lang: str | None = None) -> go.Figure:
    """Ranks of the same units under two index variants (x: ``rank_a``, y: ``rank_b``), with the diagonal."""
    both = pd.concat({"a": rank_a, "b": rank_b}, axis=1).dropna()
    platforms = set(platforms)
    is_platform = both.index.isin(list(platforms))
    fig = go.Figure()
    n = float(both.max().max()) if len(both) else 1.0
    fig.add_scatter(x=[1, n], y=[1, n], mode="lines", line={"color": NATIONAL, "dash": "dot", "width": 1},
                    hoverinfo="skip", showlegend=False)
    for mask, group, colour, size in ((~is_platform, label("others", lang), NATIONAL, 5),
                                      (is_platform, label("platforms", lang), PALETTE[0], 10)):
        part = both[mask]
        fig.add_scatter(
            x=part["a"], y=part["b"], mode="markers+text" if colour != NATIONAL else "markers", name=group,
            text=[names.get(u, u) for u in part.index] if colour != NATIONAL else None,
            textposition="top center", marker={"color": colour, "size": size, "opacity": 0.8},
            customdata=[names.get(u, u) for u in part.index],
            hovertemplate="<b>%{customdata}</b><br>%{x} → %{y}<extra></extra>",
        )
    fig.update_xaxes(title=axis_titles[0], range=[n + 1, 0])
    fig.update_yaxes(title=axis_titles[1], range=[n + 1, 0], scaleanchor="x")
    fig.update_layout(height=560, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return apply_theme(fig, note=note, lang=lang, title=title)
