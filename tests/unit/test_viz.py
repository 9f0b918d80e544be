"""Figure builders and the theme: every figure carries its source note; maps, colour scales, MIME bundle."""

from __future__ import annotations

import json
import shutil
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from natsam_analysis import geography
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.viz import charts, maps, theme

KOLADA_NOTE = "Källa: Kolada (hämtad 2026-03-23)"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
VIRIDIS = go.Choropleth(colorscale=theme.SEQUENTIAL).colorscale
BRBG = go.Choropleth(colorscale=theme.DIVERGING).colorscale


@pytest.fixture(scope="module")
def geo_dir(tmp_path_factory, geography_cache: Path, data_dir_context) -> Iterator[Path]:
    """A data directory (with the session's geography) for the whole module: maps read the geography."""
    root = tmp_path_factory.mktemp("viz-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def munis(geo_dir) -> pd.DataFrame:
    return geography.municipalities().set_index("municipality_id")


@pytest.fixture(scope="module")
def names(munis) -> dict[str, str]:
    return munis["name"].to_dict()


@pytest.fixture(scope="module")
def map_values(munis) -> pd.Series:
    """A value for every municipality but every seventh (NaN)."""
    values = pd.Series(np.linspace(10.0, 90.0, len(munis)), index=munis.index)
    values.iloc[::7] = np.nan
    return values


def note_annotations(fig: go.Figure) -> list:
    return [a for a in fig.layout.annotations if a.name == "source-note"]


# --------------------------------------------------------------------------------------------------
# every builder shows the source note


def _profile() -> pd.DataFrame:
    return pd.DataFrame({"kpi": ["N00001", "N00002", "N00003"], "year": pd.array([2024, 2023, None], dtype="Int64"),
                         "value": [12.5, 3.0, np.nan], "national_median": [10.0, 4.0, np.nan],
                         "pct_sweden": [80.0, 35.5, np.nan], "pct_platforms": [75.0, 50.0, np.nan],
                         "n_reported": [290, 288, 0]})


TITLES = {"N00001": "Nystartade företag", "N00002": "Sjukfrånvaro", "N00003": "Valdeltagande"}


def _build_map(note, names, map_values, lang=None):
    return maps.municipality_map(map_values, names, note=note, highlight="2584", lang=lang)


def _build_percentile(note, names, map_values, lang=None):
    return charts.percentile_chart(_profile(), TITLES, note=note, title="Kiruna", lang=lang)


def _build_series(note, names, map_values, lang=None):
    own = pd.DataFrame({"year": [2021, 2022, 2023], "value": [1.0, np.nan, 3.0]})
    national = pd.DataFrame({"year": [2021, 2022, 2023], "median": [2.0, 2.0, 2.5], "q25": [1.0, 1.5, 2.0],
                             "q75": [3.0, 3.5, 4.0], "n": [290, 290, 289]})
    return charts.series_chart(own, national, name="Kiruna", note=note, unit="%", title="T", lang=lang)


def _build_coverage(note, names, map_values, lang=None):
    cov = pd.DataFrame([[1.0, 0.5], [0.0, 0.25]], index=["N00001", "N00002"], columns=[2023, 2024])
    return charts.coverage_heatmap(cov, TITLES, note=note, lang=lang)


def _build_strip(note, names, map_values, lang=None):
    pct = pd.DataFrame({"kpi": ["N00001", "N00001", "N00002", "N00002"], "municipality_id": ["0180", "2584"] * 2,
                        "value": [1.0, 2.0, 3.0, 4.0], "percentile": [10.0, 90.0, 50.0, np.nan]})
    return charts.platform_strip_chart(pct, TITLES, names, note=note, title="T", lang=lang)


def _build_distribution(note, names, map_values, lang=None):
    return charts.distribution_chart(map_values, {"0180": "Stockholm", "2584": "Kiruna"}, note=note, unit="%", lang=lang)


BUILDERS: dict[str, Callable] = {
    "municipality_map": _build_map, "percentile_chart": _build_percentile, "series_chart": _build_series,
    "coverage_heatmap": _build_coverage, "platform_strip_chart": _build_strip,
    "distribution_chart": _build_distribution,
}


@pytest.mark.parametrize("note", [KOLADA_NOTE, DEMO_NOTE["sv"], DEMO_NOTE["en"]])
@pytest.mark.parametrize("builder", list(BUILDERS))
def test_every_builder_returns_a_figure_with_the_source_note(builder, note, names, map_values):
    fig = BUILDERS[builder](note, names, map_values)
    assert isinstance(fig, go.Figure)
    notes = note_annotations(fig)
    assert len(notes) == 1
    assert theme.source_note(fig) == note
    assert all(len(line) <= theme.NOTE_WIDTH for line in notes[0].text.split("<br>"))  # narrow enough for a phone
    # visible under the plot, in paper coordinates
    assert (notes[0].xref, notes[0].yref, notes[0].y, notes[0].yanchor) == ("paper", "paper", 0, "top")
    assert notes[0].showarrow is False
    assert fig.layout.template.layout.paper_bgcolor == "white"  # the suite's theme is applied


@pytest.mark.parametrize("builder", list(BUILDERS))
def test_every_builder_uses_the_language_number_format(builder, names, map_values):
    assert BUILDERS[builder]("n", names, map_values, lang="sv").layout.separators == ", "
    assert BUILDERS[builder]("n", names, map_values, lang="en").layout.separators == ".,"


def test_set_note_replaces_instead_of_adding():
    fig = theme.apply_theme(go.Figure(), note="first")
    theme.apply_theme(fig, note=DEMO_NOTE["sv"])
    theme.set_note(fig, KOLADA_NOTE)
    assert [a.text for a in note_annotations(fig)] == [KOLADA_NOTE]


def test_apply_theme_title_and_margins():
    with_title = theme.apply_theme(go.Figure(), note="n", title="Rubrik")
    assert with_title.layout.title.text == "Rubrik"
    assert (with_title.layout.title.yref, with_title.layout.title.yanchor) == ("container", "top")
    two_lines = theme.apply_theme(go.Figure(), note="n", title="Rubrik<br><sub>underrubrik</sub>")
    # the top margin grows with the title's lines, and not at all without a title
    assert two_lines.layout.margin.t - with_title.layout.margin.t == theme.TITLE_LINE
    assert with_title.layout.margin.t > theme.TITLE_TOP + theme.TITLE_LINE
    assert theme.apply_theme(go.Figure(), note="n").layout.margin.t < theme.TITLE_TOP


@pytest.mark.parametrize("props", [
    {"height": 400, "legend": {"x": 0}},  # properties the layout does not have yet: set
    {"title": {"text": "Rubrik", "font": {"size": 16}}, "margin": {"t": 99}, "font": {"color": "#222222"}},  # ones it has: merged
    {"title": "Bara text", "separators": ".,"},  # a compound property given as text replaces it
])
def test_update_layout_equals_plotlys(props):
    def start():
        fig = go.Figure(go.Bar(y=[1]))
        fig.layout.margin = {"l": 5, "t": 10}
        fig.layout.font = {"size": 11}
        fig.layout.title = {"text": "Förra", "x": 0.5}
        return fig
    assert theme.update_layout(start(), props).to_plotly_json() == start().update_layout(props).to_plotly_json()


def test_legend_above_makes_a_row_of_room_per_entry():
    fig = go.Figure([go.Scatter(y=[1], name="a"), go.Scatter(y=[2], name="b"),
                     go.Scatter(y=[3], name="hidden", showlegend=False)])
    theme.apply_theme(fig, note="n", title="Rubrik")
    top = fig.layout.margin.t
    theme.legend_above(fig)
    assert fig.layout.margin.t == top + 2 * theme.LEGEND_ROW + 10
    assert (fig.layout.legend.orientation, fig.layout.legend.yanchor, fig.layout.legend.xref) == ("v", "bottom", "paper")


# --------------------------------------------------------------------------------------------------
# the map


def test_map_traces_base_has_the_municipalities_without_values_data_the_others(names, map_values):
    fig = maps.municipality_map(map_values, names, note="n")
    assert len(fig.data) == 2  # no highlight: no outline, no marker
    base, data = fig.data[maps.BASE], fig.data[maps.DATA]
    assert (base.name, data.name) == ("base", "data")
    shown = map_values.dropna()
    assert 0 < len(shown) < 290
    # each municipality drawn once: grey without a value, coloured with one
    assert set(base.locations) == set(names) - set(shown.index)
    assert len(base.locations) + len(shown) == 290
    assert list(base.text) == [names[m] for m in base.locations]
    assert list(data.locations) == shown.index.tolist()
    np.testing.assert_array_equal(np.asarray(data.z, dtype=float), shown.to_numpy())
    assert list(data.text) == [names[m] for m in shown.index]
    assert base.showscale is False


def test_map_uses_the_geojson_data_url_by_default(names, map_values):
    fig = maps.municipality_map(map_values, names, note="n")
    url = geography.municipality_geojson_url()
    assert url.startswith("data:application/json;base64,")
    assert fig.data[maps.BASE].geojson == url and fig.data[maps.DATA].geojson == url
    custom = {"type": "FeatureCollection", "features": []}
    assert maps.municipality_map(map_values, names, note="n", geojson=custom).data[maps.BASE].geojson == custom


@pytest.mark.parametrize("mid", ["2584", "0180", "0114", "1281"])
def test_map_highlight_outlines_one_feature_and_marks_its_point(mid, names, munis, map_values):
    fig = maps.municipality_map(map_values, names, note="n", highlight=mid)
    assert len(fig.data) == 4
    outline, marker = fig.data[maps.OUTLINE], fig.data[maps.MARKER]
    assert outline.name == "outline" and tuple(outline.locations) == (mid,)
    features = outline.geojson["features"]
    assert len(features) == 1 and features[0]["id"] == mid
    assert outline.marker.line.color == theme.HIGHLIGHT
    assert isinstance(marker, go.Scattergeo) and marker.name == "marker"
    assert marker.lon == (pytest.approx(munis.loc[mid, "point_lon"]),)
    assert marker.lat == (pytest.approx(munis.loc[mid, "point_lat"]),)
    assert tuple(marker.text) == (names[mid],)


def test_map_highlight_of_an_unknown_municipality_is_an_error(names, map_values):
    with pytest.raises((NatsamError, KeyError)):
        maps.municipality_map(map_values, names, note="n", highlight="9999")


@pytest.mark.parametrize("direction, reverse", [(1, False), (-1, True), (None, False)])
def test_map_sequential_scale_reversed_when_lower_is_better(direction, reverse, names, map_values):
    data = maps.municipality_map(map_values, names, note="n", direction=direction).data[maps.DATA]
    assert data.colorscale == VIRIDIS
    assert bool(data.reversescale) is reverse
    assert data.zmid is None


def test_map_closest_to_target_diverges_around_the_target(names, map_values):
    data = maps.municipality_map(map_values, names, note="n", direction=0, target=50.0).data[maps.DATA]
    assert data.colorscale == BRBG
    assert data.zmid == 50.0
    spread = float(np.nanmax(np.abs(map_values.to_numpy() - 50.0)))
    assert data.zmin == pytest.approx(50.0 - spread) and data.zmax == pytest.approx(50.0 + spread)
    assert data.zmin <= map_values.min() and data.zmax >= map_values.max()
    assert not data.reversescale


def test_map_title_language_and_hover(names, map_values):
    fig = maps.municipality_map(map_values, names, note="n", title="Elbilar, 2024", lang="en")
    assert fig.layout.title.text == "Elbilar, 2024"
    assert "No data" in fig.data[maps.BASE].hovertemplate
    assert "Uppgift saknas" in maps.municipality_map(map_values, names, note="n", lang="sv").data[maps.BASE].hovertemplate
    assert fig.layout.geo.visible is False


# --------------------------------------------------------------------------------------------------
# charts (beyond the note)


def test_percentile_chart_bars_and_platform_markers():
    fig = charts.percentile_chart(_profile(), TITLES, note="n", lang="en")
    bars, markers = fig.data[:2]
    assert isinstance(bars, go.Bar) and bars.orientation == "h"
    assert list(bars.y) == [TITLES[k] for k in ["N00001", "N00002", "N00003"]]
    np.testing.assert_array_equal(np.asarray(bars.x, dtype=float), [80.0, 35.5, np.nan])
    np.testing.assert_array_equal(np.asarray(markers.x, dtype=float), [75.0, 50.0, np.nan])
    assert bars.name == "Percentile in Sweden"
    assert fig.layout.xaxis.title.text == "Percentile (100 = best)"
    assert fig.layout.height == charts.percentile_height(3)
    # the indicator without a value says so
    no_data = [t for t in fig.data if t.name == "no-data"]
    assert len(no_data) == 1 and list(no_data[0].y) == ["Valdeltagande"] and list(no_data[0].text) == ["No data"]


def test_series_chart_ends_with_the_municipality():
    fig = _build_series("n", {}, None, lang="sv")
    assert [t.name for t in fig.data][1:] == ["Mittersta hälften av kommunerna (25–75 %)", "Rikets median", "Kiruna"]
    assert fig.data[-1].connectgaps is False
    assert fig.layout.xaxis.title.text == "År"


def test_strip_chart_one_trace_per_platform_with_names(names):
    fig = _build_strip("n", names, None)
    assert [t.name for t in fig.data] == ["Stockholm", "Kiruna"]


def test_distribution_chart_marks_only_municipalities_with_a_value(names, map_values):
    missing = map_values.index[map_values.isna()][0]
    fig = charts.distribution_chart(map_values, {"2584": "Kiruna", missing: "Saknas"}, note="n")
    assert [t.name for t in fig.data[1:]] == (["Kiruna"] if not np.isnan(map_values["2584"]) else [])
    assert len(fig.data[0].x) == map_values.notna().sum()


# --------------------------------------------------------------------------------------------------
# theme helpers


def test_mimebundle_is_plotly_json_with_offline_topojson(names, map_values):
    fig = maps.municipality_map(map_values, names, note=DEMO_NOTE["sv"], highlight="2584")
    bundle = theme.mimebundle(fig)
    assert list(bundle) == [PLOTLY_MIME]
    payload = bundle[PLOTLY_MIME]
    assert set(payload) >= {"data", "layout", "config"}
    config = payload["config"]
    url = config["topojsonURL"]
    assert url.startswith("data:") and "http" not in url
    assert "http" not in json.dumps(config) and "http" not in json.dumps(payload["layout"])
    topology = json.loads(urllib.parse.unquote(url.split(",", 1)[1].split("#", 1)[0]))
    assert topology["type"] == "Topology"
    assert config["displaylogo"] is False
    text = json.dumps(bundle)  # serialisable as it is
    assert json.loads(text)[PLOTLY_MIME]["layout"]["annotations"][0]["text"].replace("<br>", " ") == DEMO_NOTE["sv"]
    assert len(payload["data"]) == 4


def test_mimebundle_config_is_a_copy_and_can_be_overridden():
    bundle = theme.mimebundle(go.Figure())
    bundle[PLOTLY_MIME]["config"]["displaylogo"] = True
    assert theme.PLOTLY_CONFIG["displaylogo"] is False
    assert theme.mimebundle(go.Figure(), config={"responsive": False})[PLOTLY_MIME]["config"] == {"responsive": False}


def test_separators_by_language(monkeypatch):
    assert theme.separators("sv") == ", "
    assert theme.separators("en") == ".,"
    monkeypatch.setenv("NATSAM_LANG", "en")
    assert theme.separators() == ".,"
    monkeypatch.delenv("NATSAM_LANG")
    assert theme.separators() == ", "
    with pytest.raises(NatsamError, match="Unsupported language"):
        theme.separators("de")


@pytest.mark.parametrize("text, width, expected", [
    ("Kort titel", 55, "Kort titel"),
    ("x" * 55, 55, "x" * 55),                       # exactly the width: unchanged
    ("x" * 56, 55, "x" * 54 + "…"),
    ("abc, def", 5, "abc…"),                         # trailing comma and space dropped before the ellipsis
    ("ab - cdef", 6, "ab…"),
])
def test_shorten(text, width, expected):
    assert theme.shorten(text, width) == expected


def test_shorten_never_exceeds_the_width():
    title = "Hushåll med tillgång till eller möjlighet att ansluta till bredband om minst 1 Gbit/s, andel (%)"
    for width in range(5, len(title) + 2):
        short = theme.shorten(title, width)
        assert len(short) <= width
        assert short == title if len(title) <= width else short.endswith("…")


@pytest.mark.parametrize("width, max_lines", [(26, 3), (20, 2), (12, 4)])
def test_wrap_label_keeps_lines_short_and_the_words_in_order(width, max_lines):
    title = "Hushåll med tillgång till eller möjlighet att ansluta till bredband om minst 1 Gbit/s, andel (%)"
    lines = theme.wrap_label(title, width, max_lines).split("<br>")
    assert len(lines) == max_lines and all(len(line) <= width for line in lines)
    assert lines[-1].endswith("…")
    assert title.startswith(" ".join(lines)[:-1].rstrip(" ,-"))


def test_wrap_label_leaves_short_titles_alone():
    assert theme.wrap_label("Kort titel") == "Kort titel"
    assert theme.wrap_label("Invånare 25-64 år med eftergymnasial utbildning, andel (%)") == (
        "Invånare 25-64 år med<br>eftergymnasial utbildning,<br>andel (%)")


def test_percentile_chart_legend_reserves_no_width_beside_the_labels():
    """A container-referenced legend makes plotly.js reserve its width as left margin (axis-scaling error)."""
    profile = pd.DataFrame({"kpi": ["N1", "N2"], "pct_sweden": [10.0, 90.0], "pct_platforms": [20.0, 80.0],
                            "value": [1.0, 2.0], "year": [2024, 2024]})
    fig = charts.percentile_chart(profile, {"N1": "En mycket lång indikatortitel " * 3, "N2": "Kort"}, note="n")
    assert fig.layout.legend.xref in (None, "paper") and fig.layout.legend.yref in (None, "paper")
    assert fig.layout.minreducedwidth == theme.MIN_PLOT_WIDTH
    assert all(len(line) <= 26 for label in fig.data[0].y for line in label.split("<br>"))


def test_palette_is_the_okabe_ito_colours():
    assert len(theme.PALETTE) == 8 and len(set(theme.PALETTE)) == 8
    assert theme.PLATFORM_COLOURS == theme.PALETTE[:6]
