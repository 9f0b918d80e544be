"""Agenda 2030 figures: the goals as a grid of status colours with trend arrows, and a goal's indicators.

The status colours are SDSN's (green, yellow, orange, red, grey) drawn from the Okabe-Ito palette, so
they stay apart for colour-blind viewers; every cell and bar also says its status and trend in words
on hover, and the arrows carry the trend without colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import check_language, label
from natsam_analysis.viz.theme import NATIONAL, apply_theme, legend_above, wrap_label

#: SDSN's status colours in colour-blind-safe shades (Okabe-Ito), worst last.
STATUS_COLOURS = {"green": "#009E73", "yellow": "#F0E442", "orange": "#E69F00", "red": "#D55E00",
                  "grey": "#BBBBBB"}
#: The score and trend written on a status colour (at least 4.9:1 on each of them).
STATUS_TEXT = "#111111"
STATUS_ORDER = ("green", "yellow", "orange", "red", "grey")
#: SDSN's trend arrows.
TREND_ARROWS = {"on_track": "↑", "moderately_improving": "➚", "stagnating": "→", "decreasing": "↓"}


def trend_arrow(trend) -> str:
    """The arrow of a trend (empty without one)."""
    return TREND_ARROWS.get(trend, "") if isinstance(trend, str) else ""


def status_label(colour: str, lang: str | None = None, *, relative: bool = False) -> str:
    """What a status colour means, in words (absolute: SDSN's wording; relative: the quartile)."""
    return label(f"sdg_{'relative' if relative else 'status'}_{colour}", lang)


def trend_label(trend, lang: str | None = None) -> str:
    """A trend in words ("" without one)."""
    return label(f"sdg_trend_{trend}", lang) if isinstance(trend, str) and trend else ""


def goal_label(goal: int, lang: str | None = None, *, short: bool = False) -> str:
    """'Mål 5 Jämställdhet' (``short``: 'Mål 5')."""
    number = label("sdg_goal", lang, goal=goal)
    return number if short else f"{number} {label(f'sdg_{goal}', lang)}"


def _discrete_scale() -> list[list]:
    """A colour scale mapping 0..4 onto the five status colours in :data:`STATUS_ORDER`."""
    n = len(STATUS_ORDER)
    scale = []
    for i, colour in enumerate(STATUS_ORDER):
        scale += [[i / n, STATUS_COLOURS[colour]], [(i + 1) / n, STATUS_COLOURS[colour]]]
    return scale


def goal_grid(overview: pd.DataFrame, names: Mapping[str, str], units: Sequence[str], *, note: str,
              relative: bool = False, title: str | None = None, lang: str | None = None,
              groups: Mapping[str, str] | None = None) -> go.Figure:
    """The goals (columns) x ``units`` (rows, in order) as status colours with the score and trend arrow.

    ``overview`` comes from :func:`natsam_analysis.metrics.agenda2030.goal_overview`; ``relative``
    colours by the quartile among all municipalities instead of SDSN's thresholds; ``groups`` maps a
    unit to a short tag shown after its name (e.g. "likvärdig", "plattform").
    """
    colour_col = "relative_colour" if relative else "colour"
    goals = sorted(overview["goal"].unique())
    cell = overview.set_index(["unit", "goal"])
    rows = [f"{names.get(u, u)}" + (f" <sub>{groups[u]}</sub>" if groups and groups.get(u) else "") for u in units]
    z, text, custom = [], [], []
    for unit in units:
        z_row, t_row, c_row = [], [], []
        for goal in goals:
            rec = cell.loc[(unit, goal)] if (unit, goal) in cell.index else None
            colour = rec[colour_col] if rec is not None and isinstance(rec[colour_col], str) else "grey"
            score = rec["score"] if rec is not None else float("nan")
            arrow = trend_arrow(rec["trend"]) if rec is not None else ""
            z_row.append(STATUS_ORDER.index(colour) + 0.5)
            t_row.append(f"{score:.0f} {arrow}".strip() if pd.notna(score) else "–")
            c_row.append([names.get(unit, unit), goal_label(goal, lang), status_label(colour, lang, relative=relative),
                          trend_label(rec["trend"], lang) if rec is not None else "",
                          "–" if pd.isna(score) else f"{score:.1f}"])
        z.append(z_row), text.append(t_row), custom.append(c_row)
    hover = ("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<br>"
             + label("sdg_score", lang) + ": %{customdata[4]}<br>" + label("sdg_trend", lang)
             + ": %{customdata[3]}<extra></extra>")
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(g) for g in goals], y=rows, text=text, texttemplate="%{text}",
        textfont={"size": 13, "color": STATUS_TEXT}, customdata=custom, hovertemplate=hover,
        colorscale=_discrete_scale(), zmin=0, zmax=len(STATUS_ORDER), showscale=False, xgap=3, ygap=3,
        name="goals",
    ))
    fig.update_yaxes(autorange="reversed", showgrid=False)
    # The goal numbers under the grid, never turned: seven columns fit a phone's width.
    fig.update_xaxes(showgrid=False, type="category", tickangle=0, title=label("sdg_goal_axis", lang))
    fig.update_layout(height=goal_grid_height(len(units)))
    apply_theme(fig, note=note, lang=lang, title=title)
    _status_legend(fig, relative=relative, lang=lang)
    return legend_above(fig)


def goal_grid_height(n_units: int) -> int:
    """Pixel height of a goal grid with ``n_units`` rows."""
    return 230 + 40 * n_units


def _status_legend(fig: go.Figure, *, relative: bool, lang) -> None:
    """Legend entries for the status colours (invisible points, so the legend explains the cells)."""
    colours = ("green", "yellow", "red", "grey") if relative else STATUS_ORDER
    for colour in colours:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=status_label(colour, lang, relative=relative),
                        marker={"symbol": "square", "size": 12, "color": STATUS_COLOURS[colour]},
                        hoverinfo="skip", showlegend=True)


def goal_indicator_chart(indicators: pd.DataFrame, titles: Mapping[str, str], *, note: str,
                         relative: bool = False, title: str | None = None, lang: str | None = None) -> go.Figure:
    """A unit's indicators of one goal: the 0-100 score as a bar in its status colour, the value and
    trend arrow beside it, and the green and red thresholds as marks on the same scale.

    ``indicators`` comes from :func:`natsam_analysis.metrics.agenda2030.goal_indicators`.
    """
    colour_col = "relative_colour" if relative else "colour"
    y = [wrap_label(titles.get(k, k), 30, 3) for k in indicators["indicator"]]
    colours = [c if isinstance(c, str) else "grey" for c in indicators[colour_col]]
    text = []
    for value, trend in zip(indicators["value"], indicators["trend"]):
        text.append("–" if pd.isna(value) else f"{value:.4g} {trend_arrow(trend)}".strip())
    custom = [[titles.get(k, k), status_label(c, lang, relative=relative), trend_label(t, lang),
               "–" if pd.isna(v) else f"{v:.4g}", "–" if pd.isna(yr) else str(int(yr))]
              for k, c, t, v, yr in zip(indicators["indicator"], colours, indicators["trend"], indicators["value"],
                                        indicators["year"])]
    hover = ("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + label("value", lang) + ": %{customdata[3]} "
             "(%{customdata[4]})<br>" + label("sdg_score", lang) + ": %{x:.0f}<br>" + label("sdg_trend", lang)
             + ": %{customdata[2]}<extra></extra>")
    fig = go.Figure()
    fig.add_bar(x=indicators["score"].fillna(0), y=y, orientation="h", text=text, textposition="outside",
                marker={"color": [STATUS_COLOURS[c] for c in colours], "line": {"color": "#555", "width": 0.5}},
                customdata=custom, hovertemplate=hover, name=label("sdg_score", lang), showlegend=False)
    if not relative:
        fig.add_scatter(x=indicators["green_score"], y=y, mode="markers", name=label("sdg_green_threshold", lang),
                        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#1B5E20"}},
                        hoverinfo="skip")
        fig.add_scatter(x=indicators["red_score"], y=y, mode="markers", name=label("sdg_red_threshold", lang),
                        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": NATIONAL}},
                        hoverinfo="skip")
    fig.update_xaxes(range=[0, 125], tickvals=[0, 25, 50, 75, 100], title=label("sdg_score_axis", lang))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(360, 220 + 64 * len(indicators)), bargap=0.35)
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


# --------------------------------------------------------------------------------------------------
# the figures' table views (what a screen reader or a printout gets: the same numbers in words)


def _number(value) -> str:
    return "–" if pd.isna(value) else f"{value:.4g}"


def _status(colour, lang, relative: bool) -> str:
    return status_label(colour if isinstance(colour, str) else "grey", lang, relative=relative)


def _trend_text(trend, lang) -> str:
    return f"{trend_arrow(trend)} {trend_label(trend, lang)}".strip() or "–"


def goal_status_table(overview: pd.DataFrame, lang: str | None = None, *, relative: bool = False) -> pd.DataFrame:
    """One unit's goals in words: goal, status, score and trend (a row of :func:`goal_grid` as a table).

    ``overview`` holds one unit's rows of :func:`natsam_analysis.metrics.agenda2030.goal_overview`.
    """
    colour = "relative_colour" if relative else "colour"
    rows = [[goal_label(r.goal, lang), _status(getattr(r, colour), lang, relative),
             "–" if pd.isna(r.score) else f"{r.score:.0f}", _trend_text(r.trend, lang)]
            for r in overview.itertuples()]
    header = [label(k, lang) for k in ("sdg_goal_header", "sdg_status", "sdg_score", "sdg_trend")]
    return pd.DataFrame(rows, columns=header)


def indicator_titles(titles: Mapping[str, str], codebook: pd.DataFrame, lang: str | None = None) -> dict[str, str]:
    """Indicator titles for the goal figures: one assessed by its distance from a target says so."""
    out = dict(titles)
    for r in codebook.dropna(subset=["target"]).itertuples():
        out[r.indicator] = f"{out.get(r.indicator, r.indicator)} ({label('sdg_distance_from', lang, target=f'{r.target:g}')})"
    return out


def goal_indicator_table(indicators: pd.DataFrame, titles: Mapping[str, str], lang: str | None = None, *,
                         relative: bool = False) -> pd.DataFrame:
    """A goal's indicators in words (the table view of :func:`goal_indicator_chart`): value, year,
    status, trend, optimum, thresholds, lower bound and the justification of the thresholds."""
    colour = "relative_colour" if relative else "colour"
    rows = [[titles.get(r.indicator, r.indicator), _number(r.value), "–" if pd.isna(r.year) else str(int(r.year)),
             _status(getattr(r, colour), lang, relative), _trend_text(r.trend, lang), _number(r.optimum),
             _number(r.green), _number(r.red), _number(r.lower_bound), getattr(r, f"justification_{check_language(lang)}")]
            for r in indicators.itertuples()]
    header = [label(k, lang) for k in ("indicator", "value", "year", "sdg_status", "sdg_trend", "sdg_optimum",
                                        "sdg_green_threshold", "sdg_red_threshold", "sdg_lower_bound",
                                        "sdg_justification")]
    return pd.DataFrame(rows, columns=header)


def grid_rows(municipality_id: str, peers: Sequence[str], platforms: Sequence[str],
              lang: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The rows of a municipality's :func:`goal_grid` and their tags: the municipality, its similar
    municipalities (those that are not platforms), then the platform municipalities.

    Returns ``(units, groups)`` for :func:`goal_grid`'s ``units`` and ``groups``.

    Examples
    --------
    >>> grid_rows("1281", ["1280", "0180"], ["0180", "1281"], "en")
    (['1281', '1280', '0180'], {'1280': 'similar', '0180': 'platform', '1281': 'chosen'})
    """
    others = [m for m in platforms if m != municipality_id]
    similar = [m for m in peers if m not in others and m != municipality_id]
    groups = {m: label("sdg_tag_peer", lang) for m in similar}
    groups.update({m: label("sdg_tag_platform", lang) for m in platforms})
    groups[municipality_id] = label("sdg_tag_chosen", lang)
    return [municipality_id, *similar, *others], groups
