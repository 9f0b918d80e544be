"""Figures of the gender lens: gaps between women and men, who has the worse outcome, the sub-index ranking.

The builders draw the tables of :mod:`natsam_analysis.metrics.gender` as they are. Colours of the
readings: orange where women have worse outcomes, blue where men have, grey for no difference
(Okabe & Ito, colour-blind safe).

Examples
--------
>>> import pandas as pd
>>> dist = pd.DataFrame({"kpi": ["N02267"] * 3, "reading": ["women_worse", "men_worse", "no_difference"],
...                      "n": [200, 80, 10], "share": [200 / 290, 80 / 290, 10 / 290]})
>>> fig = reading_distribution_chart(dist, {"N02267": "Sysselsättningsgrad"}, note="Demodata")
>>> [t.name for t in fig.data]
['kvinnor har sämre utfall', 'män har sämre utfall', 'ingen skillnad']
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import label
from natsam_analysis.metrics.gender import READINGS
from natsam_analysis.viz.charts import ranking_chart
from natsam_analysis.viz.theme import NATIONAL, PALETTE, apply_theme, legend_above, shorten, wrap_label

#: Colour of each reading.
READING_COLOURS = {"women_worse": PALETTE[1], "men_worse": PALETTE[0], "no_difference": NATIONAL}


def _number(value: object) -> str:
    return "–" if pd.isna(value) else f"{float(value):.4g}"


def _hover_rows(rows: pd.DataFrame, titles: Mapping[str, str], lang: str | None) -> tuple[list, str]:
    """customdata and hovertemplate showing the indicator, year, women, men, gap and reading."""
    reading = rows["reading_label"] if "reading_label" in rows.columns else rows["reading"]
    custom = [[titles.get(k, k), "" if pd.isna(y) else str(int(y)), _number(w), _number(m), _number(g),
               "" if pd.isna(r) else str(r)]
              for k, y, w, m, g, r in zip(rows["kpi"], rows["year"], rows["women"], rows["men"], rows["gap"], reading)]
    template = ("<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
                f"{label('women', lang)}: %{{customdata[2]}}<br>{label('men', lang)}: %{{customdata[3]}}<br>"
                f"{label('gender_gap', lang)}: %{{customdata[4]}}<br>"
                f"{label('gender_gap_std', lang)}: %{{x:.2f}}<br>%{{customdata[5]}}")
    return custom, template


def gap_strip_chart(gaps: pd.DataFrame, titles: Mapping[str, str], names: Mapping[str, str], *, note: str,
                    title: str | None = None, lang: str | None = None) -> go.Figure:
    """The standardised gap (women − men) of several municipalities on every indicator, one colour each.

    ``gaps`` holds rows of :func:`~natsam_analysis.metrics.gender.gender_gaps`; one trace is drawn per
    municipality in ``names`` (id -> name, in that order; ids without rows are skipped). Points left
    of the line at 0 are indicators where women have lower values than men (not necessarily worse:
    the hover says who has the worse outcome).

    Examples
    --------
    >>> gaps = pd.DataFrame({"municipality_id": ["0180", "2584"], "kpi": ["N02267"] * 2, "year": [2024] * 2,
    ...                      "women": [80.0, 78.0], "men": [82.0, 77.0], "gap": [-2.0, 1.0],
    ...                      "gap_std": [-0.5, 0.25], "reading_label": ["kvinnor har sämre utfall", "män har sämre utfall"]})
    >>> fig = gap_strip_chart(gaps, {"N02267": "Sysselsättning"}, {"0180": "Stockholm", "2584": "Kiruna"}, note="Demodata")
    >>> [t.name for t in fig.data], fig.data[0].x.tolist()
    (['Stockholm', 'Kiruna'], [-0.5])
    """
    fig = go.Figure()
    order = list(dict.fromkeys(gaps["kpi"]))
    y_labels = {k: shorten(titles.get(k, k), 50) for k in order}
    for i, (mid, name) in enumerate(names.items()):
        rows = gaps[gaps["municipality_id"] == mid]
        if rows.empty:
            continue
        custom, template = _hover_rows(rows, titles, lang)
        fig.add_scatter(x=rows["gap_std"], y=[y_labels[k] for k in rows["kpi"]], mode="markers", name=name,
                        marker={"size": 10, "color": PALETTE[i % len(PALETTE)], "opacity": 0.85},
                        customdata=custom, hovertemplate=f"<b>{name}</b><br>{template}<extra></extra>")
    fig.add_vline(x=0, line={"color": NATIONAL, "dash": "dot", "width": 1})
    fig.update_xaxes(title=label("gender_gap_std_axis", lang), zeroline=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[y_labels[k] for k in order])
    fig.update_layout(height=max(400, 28 * len(order) + 160))
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def largest_gaps_chart(largest: pd.DataFrame, titles: Mapping[str, str], *, note: str, title: str | None = None,
                       lang: str | None = None) -> go.Figure:
    """A municipality's largest gaps (rows of :func:`~natsam_analysis.metrics.gender.largest_gaps`) as bars.

    Each bar is the standardised gap (women − men), coloured by who has the worse outcome; the
    largest gap is at the top. One trace per reading, named by its label.

    Examples
    --------
    >>> largest = pd.DataFrame({"kpi": ["a", "b"], "year": [2024, 2024], "women": [5.0, 80.0], "men": [4.0, 82.0],
    ...                         "gap": [1.0, -2.0], "gap_std": [0.9, -0.4], "reading": ["women_worse", "women_worse"]})
    >>> fig = largest_gaps_chart(largest, {"a": "A", "b": "B"}, note="Demodata", lang="en")
    >>> [t.name for t in fig.data], list(fig.layout.yaxis.categoryarray)
    (['women have worse outcomes'], ['A', 'B'])
    """
    y = [wrap_label(titles.get(k, k)) for k in largest["kpi"]]
    fig = go.Figure()
    for reading in READINGS:
        mask = (largest["reading"] == reading).fillna(False).to_numpy(dtype=bool)
        if not mask.any():
            continue
        rows = largest[mask]
        custom, template = _hover_rows(rows.assign(reading_label=label(f"gender_{reading}", lang)), titles, lang)
        fig.add_bar(x=rows["gap_std"], y=[lab for lab, m in zip(y, mask) if m], orientation="h",
                    name=label(f"gender_{reading}", lang), marker_color=READING_COLOURS[reading],
                    customdata=custom, hovertemplate=f"{template}<extra></extra>")
    fig.add_vline(x=0, line={"color": NATIONAL, "width": 1})
    fig.update_xaxes(title=label("gender_gap_std_axis", lang), zeroline=False)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=y)
    fig.update_layout(height=max(380, 240 + 56 * len(largest)), barmode="overlay", bargap=0.35)
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def reading_distribution_chart(distribution: pd.DataFrame, titles: Mapping[str, str], *, note: str,
                               title: str | None = None, lang: str | None = None) -> go.Figure:
    """Per indicator, the share of municipalities where women / men have the worse outcome (stacked bars).

    ``distribution`` is the long frame of :func:`~natsam_analysis.metrics.gender.reading_distribution`.
    """
    order = list(dict.fromkeys(distribution["kpi"]))
    y_labels = {k: shorten(titles.get(k, k), 50) for k in order}
    fig = go.Figure()
    for reading in READINGS:
        rows = distribution[distribution["reading"] == reading]
        name = label(f"gender_{reading}", lang)
        fig.add_bar(x=rows["share"] * 100, y=[y_labels[k] for k in rows["kpi"]], orientation="h", name=name,
                    marker_color=READING_COLOURS[reading], customdata=rows["n"],
                    hovertemplate=f"%{{y}}<br>{name}: %{{x:.0f}} % (%{{customdata}})<extra></extra>")
    fig.update_xaxes(title=label("gender_share_axis", lang), range=[0, 100], dtick=25)
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[y_labels[k] for k in order])
    fig.update_layout(barmode="stack", height=max(400, 28 * len(order) + 180), bargap=0.3)
    apply_theme(fig, note=note, lang=lang, title=title)
    return legend_above(fig)


def subindex_ranking_chart(scores: pd.DataFrame, names: Mapping[str, str], *, note: str, top: int = 15,
                           platforms: Collection[str] = (), highlight: str | None = None,
                           title: str | None = None, lang: str | None = None) -> go.Figure:
    """The sub-index ranking: the ``top`` best municipalities, the platform municipalities and ``highlight``.

    ``scores`` is :attr:`GenderSubindex.scores <natsam_analysis.metrics.gender.GenderSubindex>`; drawn
    with :func:`natsam_analysis.viz.charts.ranking_chart`.

    Examples
    --------
    >>> scores = pd.DataFrame({"municipality_id": ["0861", "0180", "2584"], "score": [66.0, 50.0, 40.0],
    ...                        "rank": [1, 2, 3]})
    >>> fig = subindex_ranking_chart(scores, {"0861": "Mönsterås", "0180": "Stockholm", "2584": "Kiruna"},
    ...                              note="Demodata", top=1, platforms={"0180"})
    >>> list(fig.layout.yaxis.categoryarray)
    ['1. Mönsterås', '2. Stockholm']
    """
    ranked = scores.dropna(subset=["rank"])
    wanted = (set(platforms) | {highlight}) & set(ranked["municipality_id"])
    shown = set(ranked.nsmallest(top, "rank")["municipality_id"]) | wanted
    table = ranked[ranked["municipality_id"].isin(shown)].set_index("municipality_id")
    table = table.assign(name=[names.get(m, m) for m in table.index], rank=table["rank"].astype(int))
    return ranking_chart(table[["name", "score", "rank"]], note=note, title=title, highlight=highlight,
                         platforms=platforms, n_units=len(ranked), score_title=label("gender_subindex", lang),
                         lang=lang)


def gap_table(gaps: pd.DataFrame, titles: Mapping[str, str], lang: str | None = None) -> pd.DataFrame:
    """Gaps in words (the table view of :func:`largest_gaps_chart`): indicator, year, women, men, gap,
    ratio and who has the worse outcome, one row per row of ``gaps`` (from
    :func:`~natsam_analysis.metrics.gender.gender_gaps` or ``largest_gaps``)."""
    rows = [[titles.get(r.kpi, r.kpi), str(int(r.year)), _number(r.women), _number(r.men), _number(r.gap),
             _number(r.ratio), label(f"gender_{r.reading}", lang) if isinstance(r.reading, str) else "–"]
            for r in gaps.itertuples()]
    header = [label(k, lang) for k in ("indicator", "year", "women", "men", "gender_gap", "gender_ratio",
                                        "gender_reading")]
    return pd.DataFrame(rows, columns=header)
