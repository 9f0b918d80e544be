"""The index explorer: the published index, variants equal to build_index, reset, downloads, language.

The app runs on the demo panel in one data directory for the whole module, so the full build and the
Monte Carlo behind the rank intervals run once and every other app reads them from the cache (which
is itself under test). Outside a kernel IPython's ``display`` prints what it is given; the autouse
fixture records the MIME bundles instead.
"""

from __future__ import annotations

import base64
import html
import io
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from natsam_analysis import geography
from natsam_analysis.composite import build_index, load_spec
from natsam_analysis.dashboard import indexutforskaren as ix
from natsam_analysis.dashboard.indexutforskaren import IndexutforskarenApp
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import load_panel
from natsam_analysis.viz import charts, maps
from natsam_analysis.viz.theme import source_note

PLOTLY_MIME = "application/vnd.plotly.v1+json"
PLATFORMS = list(geography.PLATFORM_MUNICIPALITIES)


pytestmark = pytest.mark.usefixtures("shown")  # figures are captured, not printed


@pytest.fixture(scope="module")
def explorer_dir(tmp_path_factory, geography_cache, demo_store, data_dir_context):
    """One data directory (geography and the demo store) for the whole module."""
    root = tmp_path_factory.mktemp("explorer-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    shutil.copytree(demo_store[0], root / "demo")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def panel(explorer_dir) -> pd.DataFrame:
    return load_panel()


@pytest.fixture(scope="module")
def published_coin(panel):
    return build_index(ix.published_spec_path(), panel=panel)


@pytest.fixture
def app(panel) -> IndexutforskarenApp:
    return IndexutforskarenApp(panel)


def built_ranks(spec, panel) -> pd.Series:
    """Ranks of the top aggregate of ``spec`` built from scratch by the engine."""
    coin = build_index(spec, panel=panel)
    top = coin.framework.top
    return coin.results().set_index("uCode")[f"Rank_{top}"].astype(float)


def app_ranks(app: IndexutforskarenApp) -> pd.Series:
    return app.ranking()["rank"]


def chart_order(app: IndexutforskarenApp) -> tuple[str, ...]:
    """The municipalities of the ranking chart, best first."""
    return tuple(app.chart.figure.layout.yaxis.categoryarray)


def decoded_link(app: IndexutforskarenApp, css_class: str) -> tuple[str, bytes]:
    """(file name, content) of a download link in the dashboard."""
    match = re.search(rf'<a class="{css_class}" download="([^"]+)" href="data:[^;]+;base64,([^"]+)"',
                      app.downloads.value)
    assert match, app.downloads.value[:300]
    return html.unescape(match.group(1)), base64.b64decode(match.group(2))


def note_of(fig) -> str:
    assert len([a for a in fig.layout.annotations if a.name == "source-note"]) == 1
    return source_note(fig)


# --------------------------------------------------------------------------------------------------
# the published index


def test_spec_builds_all_290_municipalities_from_the_catalogs_pillars(published_coin):
    fw = published_coin.framework
    from natsam_analysis import catalog as catalog_mod

    assert fw.aggregates[2] == catalog_mod.scored_pillars() and len(fw.aggregates[2]) == 8
    catalog = catalog_mod.load_catalog()
    scored = catalog.index[catalog["pillar"] != catalog_mod.CONTEXT_PILLAR].tolist()
    assert fw.top == "Index" and fw.indicators == scored and len(scored) == 44
    results = published_coin.results()
    assert len(results) == 290 and results["Index"].notna().all()
    assert sorted(results["Rank_Index"].astype(int)) == list(range(1, 291))  # no ties on continuous scores
    assert results["Index"].between(1, 100).all()  # min-max [1, 100] and a weighted mean of them
    # the election indicators come from the last election year, the others from the latest year
    years = published_coin.years
    assert years["N05401"] == 2022 and years["N01982"] == max(years.values())


def test_app_shows_the_published_index(app, published_coin, shown):
    assert app.is_published and app.n_units == 290
    assert app.pillars == published_coin.framework.aggregates[2]
    ranking = app.ranking()
    expected = published_coin.results().set_index("uCode")
    assert list(ranking.index) == list(expected.index)
    np.testing.assert_allclose(ranking["score"], expected["Index"], rtol=1e-12)
    assert (ranking["rank"] == expected["Rank_Index"].astype(float)).all()
    assert (ranking["rank"] == ranking["published_rank"]).all()
    for pillar in app.pillars:
        np.testing.assert_allclose(ranking[pillar], expected[pillar], rtol=1e-12)
    assert ranking.loc[PLATFORMS, "platform"].all() and ranking["platform"].sum() == 6
    # the initial widgets and figures
    assert "natsam-indexutforskaren" in app.widget._dom_classes
    assert [s.value for s in app.sliders.values()] == [1.0] * 8
    assert app.sliders["kompetens"].description == "Kompetens"
    assert app.normalisation_choice.value == "minmax" and app.aggregation_choice.value == "arithmetic"
    assert app.status.value == ""
    assert len(shown) == 2 and all(list(b) == [PLOTLY_MIME] for b in shown)
    assert all(b[PLOTLY_MIME]["config"]["topojsonURL"].startswith("data:") for b in shown)


def test_rank_intervals_come_from_the_monte_carlo_of_the_published_spec(app):
    ranking = app.ranking()
    low, high = ranking["rank_low"], ranking["rank_high"]
    assert low.notna().all() and high.notna().all()
    assert (low >= 1).all() and (high <= 290).all() and (low <= high).all()
    assert (high - low).max() > 5  # the choices do move ranks
    assert (app.uncertainty["Nominal"] == ranking["published_rank"]).all()
    # the nominal rank mostly lies inside its interval
    inside = (ranking["published_rank"] >= low) & (ranking["published_rank"] <= high)
    assert inside.mean() > 0.8


def test_map_and_ranking_chart(app):
    m = app.map.figure
    assert [t.name for t in m.data] == ["base", "data", "outline", "marker"]
    assert len(m.data[maps.DATA].locations) == 290
    assert tuple(m.data[maps.OUTLINE].locations) == ("0180",)
    assert m.layout.title.text == "Innovationsförmåga, publicerat index"
    fig = app.chart.figure
    ranking = app.ranking().sort_values("rank")
    labels = list(fig.layout.yaxis.categoryarray)
    assert labels[:ix.TOP_N] == [f"{int(r)}. {n}" for r, n in zip(ranking["rank"][:ix.TOP_N], ranking["name"])]
    groups = {t.legendgroup: list(t.y) for t in fig.data if t.type == "bar"}
    assert groups["selected"] == [f"{int(ranking.loc['0180', 'rank'])}. Stockholm"]
    assert {lab.split(". ", 1)[1] for lab in groups["platform"]} == {
        geography.PLATFORM_MUNICIPALITIES[m] for m in PLATFORMS if m != "0180"}
    assert fig.layout.title.text.startswith("Rangordning, publicerat index")
    rank_text = app.summary.value
    assert "Stockholm: rang" in rank_text and "osäkerhetsintervall" in rank_text


def test_demo_note_on_every_figure_and_the_banner(app):
    assert DEMO_NOTE["sv"] in app.note.value and "#FFF4D6" in app.note.value
    assert note_of(app.map.figure) == DEMO_NOTE["sv"] and note_of(app.chart.figure) == DEMO_NOTE["sv"]


@pytest.mark.parametrize("change, match", [
    ({"steps": [{"step": "normalise", "method": "bounded"}, {"step": "aggregate"}]}, "offers the normalisations"),
    ({"steps": [{"step": "normalise", "method": "minmax", "range": [1, 100]},
                {"step": "aggregate", "method": "harmonic"}]}, "the aggregations"),
    ({"steps": [{"step": "normalise", "method": "minmax", "range": [1, 100]},
                {"step": "aggregate", "weights": "equal"}]}, "step 2 \\(aggregate\\).*'weights'.*framework.weights"),
    ({"steps": [{"step": "normalise", "method": "minmax", "range": [1, 100]}]}, "no 'aggregate' step"),
])
def test_specs_the_explorer_cannot_vary_are_rejected_clearly(panel, change, match):
    spec = {**load_spec(ix.published_spec_path()).to_dict(), **change}
    with pytest.raises(NatsamError, match=match):
        IndexutforskarenApp(panel, spec=spec, uncertainty_runs=5)


def test_kolada_panel_is_credited_as_derived(panel):
    kolada = panel.copy()
    kolada.attrs = {"provenance": {"source": "kolada", "fetched_at": "2026-03-23T10:00:00+00:00",
                                   "sha256": panel.attrs["provenance"]["sha256"]}}
    app = IndexutforskarenApp(kolada)
    assert "Beräknat från Kolada (hämtad 2026-03-23)" in app.note.value and "Demodata" not in app.note.value
    assert note_of(app.chart.figure) == "Beräknat från Kolada (hämtad 2026-03-23)"
    assert "Beräknat från Kolada" in app.spec_yaml().splitlines()[1]


# --------------------------------------------------------------------------------------------------
# variants equal what build_index gives for the variant's spec


def test_weight_change_changes_the_ranking_and_equals_build_index(app, panel, shown):
    before = app_ranks(app)
    order_before = chart_order(app)
    n_shown = len(shown)
    app.select(weights={"kompetens": 4.0})
    after = app_ranks(app)
    assert not app.is_published
    assert (after != before).sum() > 100  # most municipalities move
    assert chart_order(app) != order_before  # the chart shows the new ranking
    assert len(shown) == n_shown + 2  # map and chart redrawn
    spec = app.variant_spec()
    assert spec.framework["weights"]["kompetens"] == 4.0
    pd.testing.assert_series_equal(after, built_ranks(spec, panel), check_names=False)


@pytest.mark.parametrize("normalisation, aggregation, weights", [
    ("zscore", "arithmetic", {"social": 0.0, "klimat_stad": 2.5}),
    ("rank", "arithmetic", {}),
    ("minmax", "geometric", {"delaktighet": 3.0}),
])
def test_normalisation_and_aggregation_variants_equal_build_index(app, panel, normalisation, aggregation, weights):
    app.select(weights=weights, normalisation=normalisation, aggregation=aggregation)
    spec = app.variant_spec()
    coin = build_index(spec, panel=panel)
    expected = coin.results().set_index("uCode")
    np.testing.assert_allclose(app.ranking()["score"], expected["Index"], rtol=1e-10)
    pd.testing.assert_series_equal(app_ranks(app), expected["Rank_Index"].astype(float), check_names=False)
    assert app.ranking()["rank"].notna().all()


def test_reset_restores_the_published_ranking(app):
    published = app_ranks(app)
    order = chart_order(app)
    app.select(weights={"naringslivsdynamik": 0.0, "social": 5.0}, normalisation="rank")
    assert not app_ranks(app).equals(published)
    app.reset_button.click()
    assert app.is_published
    pd.testing.assert_series_equal(app_ranks(app), published)
    assert chart_order(app) == order
    assert [s.value for s in app.sliders.values()] == [1.0] * 8
    assert app.normalisation_choice.value == "minmax"
    assert app.map.figure.layout.title.text == "Innovationsförmåga, publicerat index"


def test_slider_and_dropdown_callbacks(app):
    before = app_ranks(app)
    app.sliders["digital_service"].value = 3.0
    assert app.weights["digital_service"] == 3.0 and not app_ranks(app).equals(before)
    assert "30,0 %" in app.shares["digital_service"].value  # 3 / (3 + 7)
    assert "10,0 %" in app.shares["kompetens"].value
    assert "egen variant" in app.summary.value
    app.normalisation_choice.value = "zscore"
    assert app.normalisation == "zscore"
    app.aggregation_choice.value = "arithmetic"
    assert app.status.value == ""


def test_rejected_choices_leave_the_app_and_the_widgets_as_they_were(app, shown):
    app.select(normalisation="zscore")
    state = (dict(app.weights), app.normalisation, app.aggregation)
    n_shown = len(shown)
    with pytest.raises(NatsamError, match="Geometriskt medelvärde kräver positiva värden"):
        app.select(aggregation="geometric")
    with pytest.raises(NatsamError, match="Minst ett område"):
        app.select(weights={p: 0 for p in app.pillars})
    for kwargs, match in [({"weights": {"nope": 1}}, "Unknown pillar 'nope'"),
                          ({"weights": {"social": -1}}, "must be a number from 0 to 5"),
                          ({"normalisation": "log"}, "Unknown normalisation 'log'"),
                          ({"municipality_id": "9999"}, "Okänd kommun: 9999"),
                          ({"lang": "de"}, "Unsupported language 'de'")]:
        with pytest.raises(NatsamError, match=match):
            app.select(**kwargs)
    assert (dict(app.weights), app.normalisation, app.aggregation) == state and len(shown) == n_shown
    # through the widget: a short message, and the dropdown goes back
    app.aggregation_choice.value = "geometric"
    assert "natsam-error" in app.status.value and "positiva värden" in app.status.value
    assert app.aggregation_choice.value == "arithmetic" and app.aggregation == "arithmetic"


def test_municipality_picker_shows_rank_and_interval(app, shown):
    downloads = app.downloads.value
    app.municipality.value = "Kiruna (2584)"
    row = app.ranking().loc["2584"]
    text = app.summary.value
    assert f"Kiruna: rang {int(row['rank'])} av 290 (publicerat index)" in text
    assert f"osäkerhetsintervall {round(row['rank_low'])}–{round(row['rank_high'])}" in text
    assert tuple(app.map.figure.data[maps.OUTLINE].locations) == ("2584",)
    selected = [t for t in app.chart.figure.data if t.type == "bar" and t.legendgroup == "selected"]
    assert list(selected[0].y) == [f"{int(row['rank'])}. Kiruna"]
    assert app.downloads.value is downloads or app.downloads.value == downloads  # the variant did not change
    app.municipality.value = "Kir"  # half-typed text is not a choice
    assert app.municipality_id == "2584" and app.status.value == ""


def test_select_without_change_redraws_nothing(app, shown):
    n_shown = len(shown)
    app.select(weights={"kompetens": 1.0}, normalisation="minmax", municipality_id="0180", lang="sv")
    assert len(shown) == n_shown


# --------------------------------------------------------------------------------------------------
# downloads


def test_yaml_download_rebuilds_the_same_ranking(app, panel):
    app.select(weights={"jamstalldhet": 0.0, "organisation": 2.0}, aggregation="geometric")
    name, content = decoded_link(app, "natsam-download-yaml")
    assert name == "innovationsformaga-variant.yaml"
    text = content.decode("utf-8")
    assert text.startswith("# egen variant: Innovationsförmåga\n# Demodata")
    spec = load_spec(yaml.safe_load(text))
    assert spec.framework["weights"]["jamstalldhet"] == 0.0
    assert next(s for s in spec.steps if s["step"] == "aggregate")["method"] == "geometric"
    pd.testing.assert_series_equal(built_ranks(spec, panel), app_ranks(app), check_names=False)


def test_csv_download_holds_the_current_ranking(app):
    app.select(weights={"klimat_stad": 5.0})
    name, content = decoded_link(app, "natsam-download-csv")
    assert name == "innovationsformaga-variant.csv"
    assert content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads å, ä, ö right
    table = pd.read_csv(io.BytesIO(content), dtype={"municipality_id": str}, encoding="utf-8-sig")
    assert len(table) == 290 and table["municipality_id"].str.fullmatch(r"\d{4}").all()
    table = table.set_index("municipality_id")
    ranking = app.ranking()
    assert (table["Rank_Index"] == ranking["rank"]).all()
    np.testing.assert_allclose(table["Index"], ranking["score"], rtol=1e-5)
    assert table.loc["2584", "name"] == "Kiruna" and bool(table.loc["2584", "platform"])
    assert set(app.pillars) <= set(table.columns) and {"rank_low", "rank_high", "published_rank"} <= set(table.columns)
    assert (table["source"] == DEMO_NOTE["sv"]).all()


def test_published_download_is_the_published_spec(app, panel):
    name, content = decoded_link(app, "natsam-download-yaml")
    assert name == "innovationsformaga.yaml"
    spec = load_spec(yaml.safe_load(content.decode("utf-8")))
    published = load_spec(ix.published_spec_path())
    assert spec.steps == published.steps and spec.framework == published.framework


# --------------------------------------------------------------------------------------------------
# language


def test_language_toggle(app):
    app.select(weights={"social": 2.0})
    ranks = app_ranks(app)
    app.language.value = "en"
    assert app.lang == "en"
    assert "Index explorer" in app.title.value and DEMO_NOTE["en"] in app.note.value
    assert app.sliders["social"].description == "Social sustainability"
    assert app.normalisation_choice.description == "Normalisation"
    assert dict(app.aggregation_choice.options)["Geometric mean"] == "geometric"
    assert app.reset_button.description == "Reset to the published index"
    assert app.map.figure.layout.title.text == "Innovation capacity, own variant"
    assert app.chart.figure.layout.title.text.startswith("Ranking, own variant")
    assert app.chart.figure.layout.xaxis2.title.text == "Rank (1 = best)"
    assert "Stockholm: rank" in app.summary.value and "Download results (CSV)" in app.downloads.value
    assert note_of(app.map.figure) == DEMO_NOTE["en"] and app.map.figure.layout.separators == ".,"
    assert "22.2 %" in app.shares["social"].value  # 2 / (2 + 7), English decimal point
    pd.testing.assert_series_equal(app_ranks(app), ranks)  # the variant survives
    app.language.value = "sv"
    assert app.sliders["social"].description == "Social hållbarhet" and "22,2 %" in app.shares["social"].value
    assert app.chart.figure.layout.title.text.startswith("Rangordning, egen variant")


# --------------------------------------------------------------------------------------------------
# the cache of the full build and the Monte Carlo


def test_explorer_inputs_are_cached_per_panel_and_spec(panel, monkeypatch, explorer_dir):
    spec = load_spec(ix.published_spec_path())
    data, stats = ix.explorer_inputs(spec, panel)  # cached by the apps above
    path = ix.explorer_cache_path(spec, panel, ix.UNCERTAINTY_RUNS, ix.UNCERTAINTY_SEED)
    assert path.exists() and path.parent == explorer_dir / "cache" / "indices"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temporary files left

    def no_build(*args, **kwargs):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(ix, "build_index", no_build)
    again_data, again_stats = ix.explorer_inputs(spec, panel)
    pd.testing.assert_frame_equal(again_data, data)
    pd.testing.assert_frame_equal(again_stats, stats)
    assert list(stats.columns) == ix.RANK_STAT_COLUMNS and len(stats) == 290
    # another spec, another panel or another seed: another cache entry
    other = load_spec({**spec.to_dict(), "steps": [*spec.steps[:-1], {"step": "aggregate", "method": "geometric"}]})
    assert ix.explorer_cache_path(other, panel, 200, 1) != path
    assert ix.explorer_cache_path(spec, panel, 200, 2) != path
    changed = panel.copy()
    changed.attrs = {"provenance": {**panel.attrs["provenance"], "sha256": "0" * 64}}
    assert ix.explorer_cache_path(spec, changed, ix.UNCERTAINTY_RUNS, ix.UNCERTAINTY_SEED) != path


def test_rank_uncertainty_is_seeded(published_coin):
    a = ix.rank_uncertainty(published_coin, n_runs=30, seed=7)
    b = ix.rank_uncertainty(published_coin, n_runs=30, seed=7)
    c = ix.rank_uncertainty(published_coin, n_runs=30, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a["Mean"].equals(c["Mean"])
    expected = published_coin.results().set_index("uCode")["Rank_Index"].astype(float)
    assert (a["Nominal"] == expected).all()


def test_unreadable_cache_is_rebuilt(panel, tmp_path, data_dir_context, geography_cache, demo_store):
    root = tmp_path / "data"
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root):
        spec = load_spec(ix.published_spec_path())
        path = ix.explorer_cache_path(spec, panel, 20, 3)
        path.parent.mkdir(parents=True)
        path.write_bytes(b"not parquet")
        data, stats = ix.explorer_inputs(spec, panel, n_runs=20, seed=3)
        assert len(data) == 290 and stats["Q5"].notna().all()
        assert pd.read_parquet(path).shape[0] == 290  # replaced by a good file


# --------------------------------------------------------------------------------------------------
# the figure builder


def test_ranking_chart_orders_groups_and_intervals():
    table = pd.DataFrame({
        "name": ["Lund", "Umeå", "Ydre", "Kiruna"], "score": [40.0, 70.0, 80.0, 10.0], "rank": [3, 2, 1, 4],
        "rank_low": [2.0, 1.0, 1.0, np.nan], "rank_high": [5.0, 3.0, 2.0, np.nan], "published_rank": [3, 1, 2, 4],
    }, index=["1281", "2480", "0512", "2584"])
    fig = charts.ranking_chart(table, note="Demodata", title="T", highlight="2584", platforms={"1281", "2480", "2584"},
                               n_units=290, lang="en")
    assert list(fig.layout.yaxis.categoryarray) == ["1. Ydre", "2. Umeå", "3. Lund", "4. Kiruna"]
    bars = {t.legendgroup: (t.name, list(t.y), list(t.x)) for t in fig.data if t.type == "bar"}
    assert bars == {"other": ("Other municipalities", ["1. Ydre"], [80.0]),
                    "platform": ("Platform municipality", ["2. Umeå", "3. Lund"], [70.0, 40.0]),
                    "selected": ("Selected municipality", ["4. Kiruna"], [10.0])}
    (interval,) = [t for t in fig.data if t.legendgroup == "interval"]
    assert list(interval.x) == [1.0, 2.0, None, 1.0, 3.0, None, 2.0, 5.0, None]  # Kiruna has none
    (published,) = [t for t in fig.data if t.legendgroup == "published"]
    assert list(published.x) == [2, 1, 3, 4]
    assert fig.layout.xaxis2.tickvals[0] == 1 and fig.layout.xaxis2.tickvals[-1] == 290
    assert note_of(fig) == "Demodata" and fig.layout.height == charts.ranking_height(4)


def test_ranking_chart_without_uncertainty():
    table = pd.DataFrame({"name": ["A", "B"], "score": [2.0, 1.0], "rank": [1, 2]}, index=["0114", "0115"])
    fig = charts.ranking_chart(table, note="x", n_units=2)
    assert [t.legendgroup for t in fig.data] == ["other", "rank"]
    assert fig.layout.xaxis2.tickvals == (1, 2)
