"""Figures of the innovation case portfolio: facets per platform, the lifecycle funnel, global goals,
Vinnova's gender-equality steps and reuse between municipalities.

The builders draw the tables of :mod:`natsam_analysis.metrics.portfolio` as they are; every figure
carries the source note (the demo note for the synthetic demo).

Examples
--------
>>> import pandas as pd
>>> from natsam_analysis.metrics import portfolio
>>> funnel = pd.DataFrame({"stage": portfolio.LIFECYCLE_STAGES, "reached": [6, 5, 4, 3, 2, 1]})
>>> [int(n) for n in funnel_chart(funnel, note="Demodata").data[0].x]
[6, 5, 4, 3, 2, 1]
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from natsam_analysis.i18n import label
from natsam_analysis.metrics.portfolio import FACETS, GENDER_STEPS, NATSAM_GOALS
from natsam_analysis.sources.cases import platform_label
from natsam_analysis.viz.theme import HIGHLIGHT, NATIONAL, PALETTE, apply_theme, legend_above

#: Colour of each facet (Okabe & Ito).
FACET_COLOURS = dict(zip(FACETS, (PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3])))
STEP_COLOURS = dict(zip(GENDER_STEPS, (PALETTE[0], PALETTE[1], PALETTE[2])))


def _title(key: str, lang: str | None, sub: str | None = None) -> str:
    return label(key, lang) + (f"<br><sub>{label(sub, lang)}</sub>" if sub else "")


def facet_chart(distribution: pd.DataFrame, *, note: str, role: str = "primary", lang: str | None = None,
                title: str | None = None) -> go.Figure:
    """Stacked bars: each platform's cases by facet (share of its cases), one colour per facet."""
    rows = distribution[distribution["role"] == role]
    platforms = list(dict.fromkeys(rows["platform"]))
    names = [platform_label(p, lang) for p in platforms]
    fig = go.Figure()
    for facet in FACETS:
        own = rows[rows["facet"] == facet].set_index("platform").reindex(platforms)
        fig.add_trace(go.Bar(
            y=names, x=own["share"] * 100, orientation="h", name=label(f"cases_facet_{facet}", lang),
            marker_color=FACET_COLOURS[facet], customdata=own["cases"].fillna(0).astype(int),
            hovertemplate="%{y}: %{x:.0f} % (%{customdata})<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="stack", height=140 + 36 * len(platforms), legend={"traceorder": "normal"},
                      xaxis={"title": {"text": label("cases_share", lang) + " (%)"}, "range": [0, 100]},
                      yaxis={"autorange": "reversed"})
    apply_theme(fig, note=note, lang=lang, title=title or _title("cases_facets_title", lang, "cases_facets_sub"))
    return legend_above(fig)


def funnel_chart(funnel: pd.DataFrame, *, note: str, lang: str | None = None, title: str | None = None) -> go.Figure:
    """The lifecycle funnel: cases that have reached each stage, first stage on top (horizontal bars,
    labelled with the number of cases and their share of all cases)."""
    stages = [label(f"cases_stage_{s}", lang) for s in funnel["stage"]]
    shares = funnel["share_reached"] if "share_reached" in funnel.columns else funnel["reached"] / max(funnel["reached"].max(), 1)
    text = [f"{n} ({s * 100:.0f} %)" for n, s in zip(funnel["reached"], shares)]
    fig = go.Figure(go.Bar(
        y=stages, x=funnel["reached"], orientation="h", marker={"color": PALETTE[0]}, text=text,
        textposition="auto", name=label("cases_reached", lang),
        hovertemplate=f"%{{y}}: %{{x}} {label('cases_cases', lang).lower()}<extra></extra>"))
    fig.update_layout(height=380, showlegend=False, yaxis={"autorange": "reversed"},
                      xaxis={"title": {"text": label("cases_reached", lang) + " (" + label("cases_cases", lang).lower() + ")"}})
    return apply_theme(fig, note=note, lang=lang, title=title or _title("cases_funnel_title", lang))


def sdg_chart(coverage: pd.DataFrame, *, note: str, lang: str | None = None, title: str | None = None) -> go.Figure:
    """Cases per global goal (primary goal or any of its targets), NATSAM's seven goals highlighted."""
    fig = go.Figure()
    for natsam, colour, name in ((True, HIGHLIGHT, label("cases_sdg_natsam", lang)),
                                 (False, NATIONAL, label("cases_sdg_goal", lang))):
        own = coverage[coverage["natsam"] == natsam]
        fig.add_trace(go.Bar(
            x=[str(g) for g in own["goal"]], y=own["any_cases"], name=name, marker_color=colour,
            customdata=own[["primary_cases", "target_cases"]].to_numpy(),
            hovertemplate=(f"{label('cases_sdg_goal', lang)} %{{x}}: %{{y}}<br>"
                           f"{label('cases_sdg_primary', lang)}: %{{customdata[0]}}<br>"
                           f"{label('cases_sdg_targets', lang)}: %{{customdata[1]}}<extra></extra>")))
    fig.update_layout(height=380, barmode="overlay",
                      xaxis={"title": {"text": label("cases_sdg_goal", lang)}, "type": "category",
                             "categoryorder": "array", "categoryarray": [str(g) for g in range(1, 18)]},
                      yaxis={"title": {"text": label("cases_cases", lang)}})
    apply_theme(fig, note=note, lang=lang, title=title or _title("cases_sdg_title", lang, "cases_sdg_sub"))
    return legend_above(fig)


def sdg_target_heatmap(targets: pd.DataFrame, *, note: str, lang: str | None = None) -> go.Figure:
    """Cases per platform and SDG target; targets of NATSAM's goals marked with ★."""
    order = list(dict.fromkeys(targets["target"]))
    platforms = list(dict.fromkeys(targets["platform"]))
    z = targets.pivot(index="platform", columns="target", values="cases").reindex(index=platforms, columns=order)
    x = [f"{t}★" if int(t.split(".")[0]) in NATSAM_GOALS else t for t in order]
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=x, y=[platform_label(p, lang) for p in platforms],
                               colorscale="Blues", text=z.to_numpy(), texttemplate="%{text}",
                               hovertemplate="%{y}, %{x}: %{z}<extra></extra>",
                               colorbar={"title": {"text": label("cases_cases", lang)}}))
    fig.update_layout(height=180 + 32 * len(platforms), xaxis={"type": "category",
                                                             "title": {"text": label("cases_sdg_target", lang)}},
                      yaxis={"autorange": "reversed"})
    return apply_theme(fig, note=note, lang=lang, title=_title("cases_sdg_heatmap_title", lang, "cases_sdg_sub"))


def gender_chart(steps: pd.DataFrame, *, note: str, lang: str | None = None, title: str | None = None) -> go.Figure:
    """Vinnova's three steps: per platform the share of cases taking each step (grouped bars)."""
    platforms = list(dict.fromkeys(steps["platform"]))
    names = [platform_label(p, lang) for p in platforms]
    fig = go.Figure()
    for step in GENDER_STEPS:
        own = steps[steps["step"] == step].set_index("platform").reindex(platforms)
        fig.add_trace(go.Bar(
            y=names, x=own["share"] * 100, orientation="h", name=label(f"cases_step_{step}", lang),
            marker_color=STEP_COLOURS[step], customdata=own[["yes", "known"]].to_numpy(),
            hovertemplate="%{y}: %{x:.0f} % (%{customdata[0]} / %{customdata[1]})<extra>%{fullData.name}</extra>"))
    fig.update_layout(barmode="group", height=160 + 60 * len(platforms),
                      xaxis={"title": {"text": label("cases_share", lang) + " (%)"}, "range": [0, 100]},
                      yaxis={"autorange": "reversed"})
    apply_theme(fig, note=note, lang=lang, title=title or _title("cases_gender_title", lang, "cases_gender_sub"))
    return legend_above(fig)


def reuse_sankey(flows: pd.DataFrame, names: Mapping[str, str], *, note: str, lang: str | None = None) -> go.Figure:
    """Reuse between municipalities as a Sankey diagram (from the left, to the right)."""
    sources = list(dict.fromkeys(flows["from_municipality_id"]))
    targets = list(dict.fromkeys(flows["to_municipality_id"]))
    nodes = [f"{names.get(m, m)} ({label('cases_reuse_from', lang).lower()})" for m in sources] + \
            [f"{names.get(m, m)} ({label('cases_reuse_to', lang).lower()})" for m in targets]
    fig = go.Figure(go.Sankey(
        node={"label": nodes, "color": [PALETTE[0]] * len(sources) + [PALETTE[1]] * len(targets), "pad": 12},
        link={"source": [sources.index(m) for m in flows["from_municipality_id"]],
              "target": [len(sources) + targets.index(m) for m in flows["to_municipality_id"]],
              "value": flows["cases"].tolist()}))
    fig.update_layout(height=120 + 28 * max(len(sources), len(targets), 1))
    return apply_theme(fig, note=note, lang=lang, title=_title("cases_reuse_title", lang))
