"""One look for every figure: colour-blind-safe palette, fonts, Swedish number format, source notes.

Examples
--------
>>> import plotly.graph_objects as go
>>> fig = apply_theme(go.Figure(), note="Demodata – syntetiska värden, inte officiell statistik")
>>> source_note(fig)
'Demodata – syntetiska värden, inte officiell statistik'
"""

from __future__ import annotations

import json
import textwrap
import urllib.parse

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from natsam_analysis.i18n import check_language

#: Okabe & Ito's colour-blind-safe qualitative palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: Colours for the six platform municipalities, in PLATFORM_MUNICIPALITIES order.
PLATFORM_COLOURS = PALETTE[:6]
HIGHLIGHT = "#D55E00"
#: The grey of the national reference and of "other municipalities". Not lighter: at #7F7F7F the
#: palette's bluish green looked the same grey with deuteranopia (CIEDE2000 8.2, now at least 11.5).
NATIONAL = "#707070"
BAND = "rgba(127, 127, 127, 0.18)"
NO_DATA = "#E6E6E6"
#: Text colours: labels and titles, and the muted text of source notes and "no data" marks. Both keep
#: WCAG AA's 4.5:1 on white (15.9:1 and 7.5:1); a lighter grey such as NATIONAL (4.0:1) is not for text.
TEXT = "#222222"
MUTED_TEXT = "#555555"
SEQUENTIAL = "Viridis"
DIVERGING = "BrBG"
FONT = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"

#: plotly.js fetches a world topojson for every geo map, even with the basemap hidden; an empty
#: inline topology keeps maps working offline and every request on the dashboard's own server.
_EMPTY_TOPOLOGY = '{"type":"Topology","objects":{},"arcs":[]}'
OFFLINE_TOPOJSON_URL = "data:application/json," + urllib.parse.quote(_EMPTY_TOPOLOGY) + "#/"
PLOTLY_CONFIG = {"displaylogo": False, "topojsonURL": OFFLINE_TOPOJSON_URL, "responsive": True}


#: The narrowest plot area (px) that automatic margins may leave (plotly's ``minreducedwidth``):
#: on a phone, long axis labels are cut rather than squeezing the bars away.
MIN_PLOT_WIDTH = 120

#: Pixels above a figure's title (room for the row of plotly's buttons), per title line, per legend row.
TITLE_TOP = 40
TITLE_LINE = 21
LEGEND_ROW = 20
#: The name of a figure's source-note annotation.
NOTE_NAME = "source-note"
#: Characters per line of a figure's source note (longer notes are wrapped).
NOTE_WIDTH = 34

TEMPLATE = "natsam"
_GRID = "#EBEBEB"
_AXIS = {"gridcolor": _GRID, "linecolor": _GRID, "zerolinecolor": _GRID, "ticks": "", "automargin": True,
         "title": {"standoff": 12}}
# A small template (plotly_white's look) instead of plotly_white itself: its per-trace defaults make
# every figure several times slower to build, and loading it costs a dashboard's start-up.
pio.templates[TEMPLATE] = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "xaxis": _AXIS, "yaxis": _AXIS,
    "hoverlabel": {"align": "left"}, "legend": {"bgcolor": "rgba(255,255,255,0)"},
    "colorway": PALETTE, "geo": {"bgcolor": "white"},
})


def figure_payload(fig: go.Figure, config: dict | None = None) -> dict:
    """What plotly.js draws: the figure's ``data`` and ``layout`` (not copied) and the suite's ``config``."""
    payload = fig.to_plotly_json()
    return {"data": payload["data"], "layout": payload["layout"],
            "config": dict(PLOTLY_CONFIG if config is None else config)}


def figure_json(fig: go.Figure, config: dict | None = None) -> str:
    """:func:`figure_payload` as JSON text, numeric arrays encoded as plotly's typed arrays.

    What both :func:`mimebundle` and the dashboards' figure widget send to the browser.
    """
    return pio.json.to_json_plotly(figure_payload(fig, config))


def mimebundle(fig: go.Figure, config: dict | None = None) -> dict:
    """The figure as plotly's MIME bundle (what ``fig.show()`` sends), with the suite's plot config.

    Built without importing plotly's renderer machinery, which pulls in nbformat and jsonschema and
    costs a dashboard seconds at start-up.
    """
    return {"application/vnd.plotly.v1+json": json.loads(figure_json(fig, config))}


def show(fig: go.Figure) -> None:
    """Display a figure in a notebook as plotly's MIME bundle with the suite's config (offline maps)."""
    from IPython.display import display

    display(mimebundle(fig), raw=True)


def separators(lang: str | None = None) -> str:
    """plotly's ``separators``: decimal comma and space for thousands in Swedish, "." and "," in English."""
    return ", " if check_language(lang) == "sv" else ".,"


def apply_theme(fig: go.Figure, *, note: str, lang: str | None = None, title: str | None = None) -> go.Figure:
    """Style ``fig`` in the suite's theme and add the visible source note under the plot.

    The title sits at the top left, below the row of plotly's buttons, and the top margin is made
    as tall as its lines need. Its height does not depend on the figure's width, so a legend put
    between title and plot with :func:`legend_above` never runs into it, on a phone either.
    """
    top = TITLE_TOP + TITLE_LINE * (title.count("<br>") + 1) + 6 if title is not None else 20
    props = {
        "template": TEMPLATE, "font": {"family": FONT, "size": 13, "color": TEXT}, "separators": separators(lang),
        "colorway": PALETTE, "margin": {"l": 10, "r": 10, "t": top, "b": 90}, "hoverlabel": {"font": {"family": FONT}},
        "minreducedwidth": MIN_PLOT_WIDTH,
    }
    if title is not None:
        props["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16},
                          "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": TITLE_TOP}}
    update_layout(fig, props)
    set_note(fig, note)
    return fig


def update_layout(fig: go.Figure, props: dict) -> go.Figure:
    """``fig.update_layout(props)``, about four times faster.

    plotly's update goes through its relayout machinery for every nested key (a title alone took
    8 ms, a themed figure 20 ms, which a dashboard pays on every redraw of every figure). Here a
    property the layout does not have yet is set in one step, and one it has is merged key by key,
    as plotly merges. For values and dictionaries; a list (annotations, shapes) replaces the old one,
    which plotly's update would merge element by element.
    """
    _merge(fig.layout, props)
    return fig


def _merge(obj, props: dict) -> None:
    for key, value in props.items():
        current = obj[key]
        if isinstance(value, dict) and hasattr(current, "to_plotly_json") and current.to_plotly_json():
            _merge(current, value)
        else:
            obj[key] = value


def legend_above(fig: go.Figure) -> go.Figure:
    """Put ``fig``'s legend between its title and the plot, one entry per row, and make room for it.

    One entry per row, so the legend is as tall on a phone as on a desktop (a horizontal legend
    wraps into more rows on a narrow screen and would run into the title). Call after
    :func:`apply_theme`.
    """
    entries = sum(1 for trace in fig.data if trace.showlegend is not False)
    update_layout(fig, {"legend": {"orientation": "v", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom",
                                   "xref": "paper", "yref": "paper", "tracegroupgap": 0},
                        "margin": {"t": fig.layout.margin.t + LEGEND_ROW * entries + 10}})
    return fig


def set_note(fig: go.Figure, note: str) -> None:
    """Put (or replace) the source note at the bottom right of ``fig``'s plot area."""
    text = wrap_label(note, NOTE_WIDTH, 3) if len(note) > NOTE_WIDTH else note
    notes = _note_annotations(fig)
    if notes:
        notes[0].text = text
        return
    # Right-aligned under the plot, in lines of at most NOTE_WIDTH characters: long axis labels on
    # the left leave the plot area narrow on a phone, and a one-line note starting there would run
    # off the figure's right edge.
    # Appended as a dictionary: add_annotation validates the whole list again.
    fig.layout.annotations = [*fig.layout.annotations, {
        "name": NOTE_NAME, "text": text, "xref": "paper", "yref": "paper", "x": 1, "y": 0, "xanchor": "right",
        "yanchor": "top", "yshift": -62, "showarrow": False, "align": "right",
        "font": {"size": 11, "color": MUTED_TEXT}}]


def source_note(fig: go.Figure) -> str | None:
    """The source note of ``fig`` as one line (``None`` when it has none).

    Examples
    --------
    >>> source_note(apply_theme(go.Figure(), note="Demodata – syntetiska värden, inte officiell statistik"))
    'Demodata – syntetiska värden, inte officiell statistik'
    """
    notes = _note_annotations(fig)
    return notes[0].text.replace("<br>", " ") if notes else None


def _note_annotations(fig: go.Figure) -> list:
    return [a for a in fig.layout.annotations if a.name == NOTE_NAME]


def shorten(text: str, width: int = 55) -> str:
    """Cut a long indicator title to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip(" ,-") + "…"


def wrap_label(text: str, width: int = 26, max_lines: int = 3) -> str:
    """A category label for a narrow axis: ``text`` broken into lines of at most ``width``
    characters (at spaces, with ``<br>``), at most ``max_lines`` lines, the last one shortened.

    Long indicator titles as tick labels take half a phone's width; wrapped, the plot keeps room
    for its bars. Charts put the full title in the hover text.

    Examples
    --------
    >>> wrap_label("Invånare 25-64 år med eftergymnasial utbildning, andel (%)")
    'Invånare 25-64 år med<br>eftergymnasial utbildning,<br>andel (%)'
    >>> wrap_label("Andel elever i årskurs 9 som är behöriga till yrkesprogram", 20, 2)
    'Andel elever i<br>årskurs 9 som är be…'
    """
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    if len(lines) > max_lines:
        rest = " ".join(lines[max_lines - 1:])
        lines = lines[: max_lines - 1] + [shorten(rest, width)]
    return "<br>".join(lines)


def captioned(table: pd.DataFrame, note: str, precision: int = 1, *, index: bool = True):
    """A table for display in a notebook, with the source note as its visible caption
    (``index=False``: without the row labels, e.g. for a figure's table view)."""
    from pandas.io.formats.style import Styler

    # no id per cell: nothing styles single cells, and the ids would double the table's HTML
    styler = Styler(table, cell_ids=False).set_caption(note).format(precision=precision, thousands=" ", decimal=",")
    return styler if index else styler.hide(axis="index")
