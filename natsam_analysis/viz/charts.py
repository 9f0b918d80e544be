"""Charts: percentile profiles, time series against the nation, coverage, distributions."""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import label
from natsam_analysis.viz.theme import (
    BAND, HIGHLIGHT, MUTED_TEXT, NATIONAL, PALETTE, apply_theme, legend_above, shorten, wrap_label,
)


def percentile_chart(
    profile: pd.DataFrame, titles: Mapping[str, str], *, note: str, title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Horizontal bars of a municipality's percentile in Sweden per indicator, with a marker for its
    percentile among the platform municipalities. ``profile`` comes from
    :func:`natsam_analysis.metrics.percentiles.municipality_profile`.
    """
    fig = go.Figure()
    _percentile_traces(fig, profile, titles, lang)
    fig.add_vline(x=50, line={"color": NATIONAL, "dash": "dot", "width": 1})
    fig.update_xaxes(range=[0, 103], title=label("percentile_axis", lang), tickvals=[0, 25, 50, 75, 100])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=percentile_height(len(profile)), barmode="overlay", bargap=0.35)
    apply_theme(fig, note=note, lang=lang, title=title)
    # The legend is placed relative to the plot area ("paper"). Referenced to the container instead,
    # plotly.js (4.x) reserves the legend's whole width as left margin beside the y-axis labels,
    # which leaves the x axis a negative length on any figure narrower than about 1000 px and
    # fails the plot with "Something went wrong with axis scaling".
    return legend_above(fig)


def percentile_height(n_indicators: int) -> int:
    """Pixel height of a percentile chart with ``n_indicators`` bars (room for three-line labels)."""
    return max(380, 240 + 56 * n_indicators)


def _percentile_traces(fig: go.Figure, profile: pd.DataFrame, titles: Mapping[str, str], lang) -> None:
    y = [wrap_label(titles.get(k, k)) for k in profile["kpi"]]
    full = [titles.get(k, k) for k in profile["kpi"]]
    years = ["" if pd.isna(v) else str(v) for v in profile["year"]]
    custom = [[t, None if pd.isna(v) else float(v), yr] for t, v, yr in zip(full, profile["value"], years)]
    hover = "<b>%{customdata[0]}</b><br>%{x:.0f}<br>" + label("value", lang) + ": %{customdata[1]:.4~g} (%{customdata[2]})<extra></extra>"
    fig.add_bar(x=profile["pct_sweden"], y=y, orientation="h", name=label("percentile_sweden", lang),
                marker_color=PALETTE[0], customdata=custom, hovertemplate=hover)
    fig.add_scatter(x=profile["pct_platforms"], y=y, mode="markers", name=label("percentile_platforms", lang),
                    marker={"symbol": "diamond", "size": 12, "color": PALETTE[1], "line": {"color": "white", "width": 1}},
                    customdata=custom, hovertemplate=hover)
    missing = profile["pct_sweden"].isna().to_numpy()
    fig.add_scatter(x=[1] * int(missing.sum()), y=[lab for lab, m in zip(y, missing) if m], mode="text",
                    text=[label("no_data", lang)] * int(missing.sum()), textposition="middle right",
                    textfont={"color": MUTED_TEXT}, showlegend=False, hoverinfo="skip", name="no-data")


def series_chart(
    municipality: pd.DataFrame, national: pd.DataFrame, *, name: str, note: str, unit: str = "",
    title: str | None = None, lang: str | None = None,
) -> go.Figure:
    """A municipality's time series against the national median and the middle half of municipalities.

    ``municipality`` has ``year, value``; ``national`` has ``year, median, q25, q75`` (see
    :func:`natsam_analysis.metrics.percentiles.national_series`).
    """
    fig = go.Figure(_series_traces(municipality, national, name=name, lang=lang))
    fig.update_xaxes(title=label("year", lang), dtick=1)
    fig.update_yaxes(title=unit)
    fig.update_layout(height=500, hovermode="x unified")
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def _series_traces(municipality: pd.DataFrame, national: pd.DataFrame, *, name: str, lang=None) -> list[go.Scatter]:
    """Quartile band (two traces), national median, municipality."""
    return [
        go.Scatter(x=national["year"], y=national["q75"], mode="lines", line={"width": 0}, showlegend=False,
                   hoverinfo="skip", name="q75"),
        go.Scatter(x=national["year"], y=national["q25"], mode="lines", line={"width": 0}, fill="tonexty",
                   fillcolor=BAND, name=label("national_range", lang), hoverinfo="skip"),
        go.Scatter(x=national["year"], y=national["median"], mode="lines", name=label("national_median", lang),
                   line={"color": NATIONAL, "dash": "dash", "width": 2}, hovertemplate="%{y:.4~g}"),
        go.Scatter(x=municipality["year"], y=municipality["value"], mode="lines+markers", name=name,
                   line={"color": HIGHLIGHT, "width": 3}, marker={"size": 7}, connectgaps=False,
                   hovertemplate="%{y:.4~g}"),
    ]


def series_table(municipality: pd.DataFrame, national: pd.DataFrame, *, name: str,
                 lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`series_chart`: per year the municipality's value, the national median
    and the middle half of municipalities (inputs as for the chart), latest year first."""
    own = municipality.set_index("year")["value"]
    rows = national.set_index("year").join(own.rename("value"), how="outer").sort_index(ascending=False)
    return pd.DataFrame({
        label("year", lang): [str(int(y)) for y in rows.index],
        name: [_number(v) for v in rows["value"]],
        label("national_median", lang): [_number(v) for v in rows["median"]],
        label("national_range", lang): ["–" if pd.isna(a) else f"{_number(a)}–{_number(b)}"
                                        for a, b in zip(rows["q25"], rows["q75"])],
    })


def coverage_heatmap(cov: pd.DataFrame, titles: Mapping[str, str], *, note: str, lang: str | None = None) -> go.Figure:
    """Heatmap of the share of municipalities with a value, indicator (rows) by year (columns)."""
    y = [f"{k} {shorten(titles.get(k, k), 45)}" for k in cov.index]
    fig = go.Figure(go.Heatmap(
        z=cov.to_numpy() * 100, x=[str(c) for c in cov.columns], y=y, zmin=0, zmax=100, colorscale="Blues",
        colorbar={"title": {"text": "%"}}, hovertemplate="%{y}<br>%{x}: %{z:.0f} %<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(400, 22 * len(cov) + 120))
    return apply_theme(fig, note=note, lang=lang, title=label("coverage_title", lang))


def platform_strip_chart(
    pct: pd.DataFrame, titles: Mapping[str, str], names: Mapping[str, str], *, note: str,
    title: str | None = None, lang: str | None = None,
) -> go.Figure:
    """Each platform municipality's national percentile on every indicator, one colour each.

    ``pct`` is the long frame of :func:`natsam_analysis.metrics.percentiles.platform_percentiles`.
    """
    fig = go.Figure()
    order = list(dict.fromkeys(pct["kpi"]))
    y_labels = {k: shorten(titles.get(k, k), 50) for k in order}
    for i, (mid, rows) in enumerate(pct.groupby("municipality_id", sort=False)):
        fig.add_scatter(x=rows["percentile"], y=[y_labels[k] for k in rows["kpi"]], mode="markers",
                        name=names.get(mid, mid), marker={"size": 10, "color": PALETTE[i % len(PALETTE)], "opacity": 0.85},
                        hovertemplate=f"<b>{names.get(mid, mid)}</b><br>%{{y}}: %{{x:.0f}}<extra></extra>")
    fig.add_vrect(x0=25, x1=75, fillcolor=BAND, line_width=0, layer="below")
    fig.add_vline(x=50, line={"color": NATIONAL, "dash": "dot", "width": 1})
    fig.update_xaxes(range=[0, 100], title=label("distribution_axis", lang), dtick=25)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[y_labels[k] for k in order])
    fig.update_layout(height=max(400, 24 * len(order) + 140), legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return apply_theme(fig, note=note, lang=lang, title=title)


def distribution_chart(
    values: pd.Series, highlights: Mapping[str, str], *, note: str, unit: str = "", title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """The national distribution of one indicator (all municipalities) with named municipalities marked."""
    shown = values.dropna()
    fig = go.Figure(go.Violin(x=shown.to_numpy(), name=label("sweden", lang), orientation="h", points="all",
                              jitter=0.4, pointpos=0, marker={"size": 4, "color": NATIONAL, "opacity": 0.5},
                              line={"color": NATIONAL}, fillcolor=BAND, hoverinfo="x", side="both", box_visible=True))
    colours = {mid: PALETTE[i % len(PALETTE)] for i, mid in enumerate(highlights)}
    marked = sorted((mid for mid in highlights if mid in shown.index), key=lambda mid: shown[mid])
    for rank, mid in enumerate(marked):  # labels alternate above and below so neighbours stay legible
        fig.add_scatter(x=[shown[mid]], y=[label("sweden", lang)], mode="markers+text", name=highlights[mid],
                        text=[highlights[mid]], textposition="top center" if rank % 2 == 0 else "bottom center",
                        marker={"size": 13, "color": colours[mid], "line": {"color": "white", "width": 1}})
    fig.update_xaxes(title=unit)
    fig.update_layout(height=360, showlegend=False)
    return apply_theme(fig, note=note, lang=lang, title=title)


#: Groups of :func:`ranking_chart`'s bars, drawn in this order (the selected municipality on top).
RANKING_GROUPS = ("other", "platform", "selected")
#: Colour of each group of :func:`ranking_chart`.
RANKING_COLOURS = {"other": NATIONAL, "platform": PALETTE[0], "selected": HIGHLIGHT}


def ranking_chart(
    ranking: pd.DataFrame, *, note: str, title: str | None = None, highlight: str | None = None,
    platforms: Collection[str] = (), n_units: int | None = None, score_title: str | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Municipalities ranked by an index: score bars on the left, rank and its uncertainty on the right.

    Parameters
    ----------
    ranking
        Indexed by municipality id, one row per municipality shown, with columns ``name``, ``score``
        and ``rank`` (1 = best) and optionally ``rank_low``/``rank_high`` (the rank's uncertainty
        interval) and ``published_rank`` (the rank in the published index). Rows are drawn by rank.
    highlight
        The selected municipality (drawn in the highlight colour).
    platforms
        The platform municipalities (drawn in blue, all others grey).
    n_units
        Number of ranked municipalities (the rank axis runs from 1 to ``n_units``).

    The y-axis labels read "12. Umeå"; ``layout.yaxis.categoryarray`` holds them best first.
    Bar traces carry ``legendgroup`` "other", "platform" or "selected"; the right-hand panel has
    the traces "interval" (lines), "published" (open circles) and "rank" (dots).

    Examples
    --------
    >>> table = pd.DataFrame({"name": ["Lund", "Umeå"], "score": [71.5, 64.0], "rank": [1, 2],
    ...                       "rank_low": [1, 1], "rank_high": [3, 5]}, index=["1281", "2480"])
    >>> fig = ranking_chart(table, note="Demodata", platforms={"1281"}, n_units=290)
    >>> list(fig.layout.yaxis.categoryarray)
    ['1. Lund', '2. Umeå']
    """
    table = ranking.sort_values(["rank", "name"], kind="stable")
    labels = [f"{int(r)}. {n}" for r, n in zip(table["rank"], table["name"])]
    label_of = dict(zip(table.index, labels))
    platforms = set(platforms)
    group = pd.Series(["platform" if m in platforms else "other" for m in table.index], index=table.index)
    if highlight in group.index:
        group[highlight] = "selected"
    has_interval = {"rank_low", "rank_high"} <= set(table.columns) and table["rank_low"].notna().any()
    has_published = "published_rank" in table.columns and table["published_rank"].notna().any()

    def interval_text(mid) -> str:
        row = table.loc[mid]
        parts = [f"{label('rank', lang)}: {int(row['rank'])}"]
        if has_published and pd.notna(row["published_rank"]):
            parts.append(f"{label('published_rank', lang)}: {int(row['published_rank'])}")
        if has_interval and pd.notna(row["rank_low"]):
            parts.append(f"{label('rank_interval', lang)}: {int(row['rank_low'])}–{int(row['rank_high'])}")
        return "<br>".join(parts)

    custom = {mid: [table.at[mid, "name"], interval_text(mid)] for mid in table.index}
    hover = "<b>%{customdata[0]}</b><br>" + label("index_score", lang) + ": %{x:.1f}<br>%{customdata[1]}<extra></extra>"
    colours = RANKING_COLOURS
    names = {"other": label("other_municipalities", lang), "platform": label("platform_municipality", lang),
             "selected": label("selected_municipality", lang)}
    fig = go.Figure()
    for key in RANKING_GROUPS:
        ids = group.index[group == key]
        if len(ids) == 0:
            continue
        fig.add_bar(x=table.loc[ids, "score"], y=[label_of[m] for m in ids], orientation="h", name=names[key],
                    legendgroup=key, marker_color=colours[key], customdata=[custom[m] for m in ids],
                    hovertemplate=hover, xaxis="x", yaxis="y")
    if has_interval:
        xs: list = []
        ys: list = []
        for mid in table.index[table["rank_low"].notna()]:
            xs += [table.at[mid, "rank_low"], table.at[mid, "rank_high"], None]
            ys += [label_of[mid], label_of[mid], None]
        fig.add_scatter(x=xs, y=ys, mode="lines", name=label("rank_interval", lang), legendgroup="interval",
                        line={"color": PALETTE[4], "width": 5}, hoverinfo="skip", xaxis="x2", yaxis="y")
    if has_published:
        shown = table["published_rank"].notna()
        fig.add_scatter(x=table.loc[shown, "published_rank"], y=[label_of[m] for m in table.index[shown]],
                        mode="markers", name=label("published_rank", lang), legendgroup="published",
                        marker={"symbol": "circle-open", "size": 10, "color": "#222", "line": {"width": 1.5}},
                        customdata=[custom[m] for m in table.index[shown]], xaxis="x2", yaxis="y",
                        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>")
    fig.add_scatter(x=table["rank"], y=labels, mode="markers", name=label("rank", lang), legendgroup="rank",
                    showlegend=False, marker={"size": 8, "color": [colours[g] for g in group], "line": {"color": "white", "width": 1}},
                    customdata=[custom[m] for m in table.index], xaxis="x2", yaxis="y",
                    hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>")
    top = n_units if n_units else int(max(table["rank"].max(), table.get("rank_high", table["rank"]).max()))
    fig.update_layout(
        barmode="overlay", bargap=0.25, height=ranking_height(len(table)),
        xaxis={"domain": [0, 0.52], "title": {"text": score_title or label("index_score", lang)}, "rangemode": "tozero"},
        xaxis2={"domain": [0.58, 1], "anchor": "y", "range": [1 - 0.03 * top, top * 1.03],
                "tickvals": _rank_ticks(top), "title": {"text": label("rank_axis", lang)},
                "gridcolor": "#EBEBEB", "zeroline": False},
        yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed", "automargin": True},
        legend={"traceorder": "normal"},
    )
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def _rank_ticks(top: int) -> list[int]:
    """Rank-axis ticks: 1, round steps, and the last rank (a step too close to it is dropped)."""
    step = 50 if top > 150 else 25 if top > 60 else 10 if top > 20 else 5
    ticks = [1, *range(step, top, step)]
    if len(ticks) > 1 and top - ticks[-1] < step / 3:
        ticks.pop()
    return ticks + [top] if top > 1 else [1]


def ranking_height(n_rows: int) -> int:
    """Pixel height of a ranking chart with ``n_rows`` municipalities."""
    return max(460, 300 + 22 * n_rows)


# --------------------------------------------------------------------------------------------------
# the figures' table views


def _number(value) -> str:
    return "–" if pd.isna(value) else f"{float(value):.4g}"


def _whole(value) -> str:
    return "–" if pd.isna(value) else f"{float(value):.0f}"


def profile_table(profile: pd.DataFrame, titles: Mapping[str, str], lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`percentile_chart`: per indicator its year, value, the national median and
    the municipality's percentiles in Sweden and among the platforms (``profile`` as for the chart)."""
    rows = [[titles.get(r.kpi, r.kpi), "–" if pd.isna(r.year) else str(int(r.year)), _number(r.value),
             _number(r.national_median), _whole(r.pct_sweden), _whole(r.pct_platforms)]
            for r in profile.itertuples()]
    header = [label(k, lang) for k in ("indicator", "year", "value", "national_median", "percentile_sweden",
                                        "percentile_platforms")]
    return pd.DataFrame(rows, columns=header)


def ranking_table(ranking: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The table view of :func:`ranking_chart`: municipality, index score, rank and its uncertainty
    interval, best first (``ranking`` as for the chart)."""
    table = ranking.sort_values(["rank", "name"], kind="stable")
    has_interval = {"rank_low", "rank_high"} <= set(table.columns)
    rows = [[r.name, f"{r.score:.1f}" if pd.notna(r.score) else "–", _whole(r.rank),
             f"{r.rank_low:.0f}–{r.rank_high:.0f}" if has_interval and pd.notna(r.rank_low) else "–"]
            for r in table.itertuples()]
    header = [label(k, lang) for k in ("municipality", "index_score", "rank", "rank_interval")]
    return pd.DataFrame(rows, columns=header)
