"""The Kommunprofil dashboard as an object: selection, every municipality, language, notes, callbacks.

Outside a notebook kernel, IPython's ``display`` prints what it is given; the autouse fixture below
records the MIME bundles instead (each map is over a megabyte of JSON), so the tests can also check
what the dashboard sends to the browser.
"""

from __future__ import annotations

import html
import shutil

import pandas as pd
import pytest

from natsam_analysis import catalog as catalog_mod
from natsam_analysis import geography, store
from natsam_analysis.dashboard.kommunprofil import DEFAULT_MUNICIPALITY, TITLE_WIDTH, KommunprofilApp
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.metrics.coverage import latest_year
from natsam_analysis.viz import maps
from natsam_analysis.viz.theme import source_note, wrap_label

PLOTLY_MIME = "application/vnd.plotly.v1+json"
KOLADA_PROVENANCE = {"source": "kolada", "fetched_at": "2026-03-23T10:00:00+00:00"}


pytestmark = pytest.mark.usefixtures("shown")  # figures are captured, not printed


@pytest.fixture
def demo_in_data_dir(data_dir, demo_store):
    """``data_dir`` with the session's demo store copied in (what ``ensure_demo`` would generate there)."""
    shutil.copytree(demo_store[0], data_dir / "demo")
    return data_dir


@pytest.fixture
def app(demo_in_data_dir) -> KommunprofilApp:
    return KommunprofilApp()


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return catalog_mod.load_catalog()


def percentile_title(app: KommunprofilApp) -> str:
    return app.percentiles.figure.layout.title.text


def bars(app: KommunprofilApp):
    return app.percentiles.figure.data[0]


def note_of(fig) -> str:
    assert len([a for a in fig.layout.annotations if a.name == "source-note"]) == 1
    return source_note(fig)


# --------------------------------------------------------------------------------------------------
# building


def test_app_builds_on_the_demo_generated_in_the_data_dir(data_dir):
    app = KommunprofilApp()
    assert store.has_table(data_dir / "demo", "panel")  # generated under NATSAM_DATA_DIR
    assert app.provenance["source"] == "demo" and app.provenance["synthetic"] is True
    assert app.municipality_id == DEFAULT_MUNICIPALITY == "0180"
    assert app.pillar == app.pillars[0] and app.indicator == catalog_mod.indicators_of(app.pillar)[0]
    assert app.lang == "sv"
    assert app.n_units == 290 and len(app.names) == 290
    assert "natsam-kommunprofil" in app.widget._dom_classes
    assert app.municipality.value == "Stockholm (0180)"
    assert app.pillar_choice.value == app.pillar and app.indicator_choice.value == app.indicator
    assert app.language.value == "sv"
    assert app.status.value == ""


def test_initial_figures_are_consistent(app, shown):
    m = app.map.figure
    assert [t.name for t in m.data] == ["base", "data", "outline", "marker"]
    assert tuple(m.data[maps.OUTLINE].locations) == ("0180",)
    assert len(m.data[maps.BASE].locations) + len(m.data[maps.DATA].locations) == 290
    assert percentile_title(app) == "Stockholm: percentil per indikator<br><sub>Kompetens</sub>"
    assert app.series.figure.data[-1].name == "Stockholm"
    assert len(bars(app).y) == len(catalog_mod.indicators_of(app.pillar))
    # the three figures went out as plotly MIME bundles with the offline map config
    assert len(shown) == 3 and all(list(b) == [PLOTLY_MIME] for b in shown)
    assert all(b[PLOTLY_MIME]["config"]["topojsonURL"].startswith("data:") for b in shown)


def test_app_can_start_on_any_selection(demo_in_data_dir, catalog):
    kpi = catalog_mod.indicators_of("social", catalog)[2]
    app = KommunprofilApp(municipality_id="2584", pillar="social", indicator=kpi, lang="en")
    assert (app.municipality_id, app.pillar, app.indicator, app.lang) == ("2584", "social", kpi, "en")
    assert app.pillar_choice.value == "social" and app.indicator_choice.value == kpi
    assert app.language.value == "en" and app.municipality.value == "Kiruna (2584)"
    assert percentile_title(app) == "Kiruna: percentile by indicator<br><sub>Social sustainability</sub>"


@pytest.mark.parametrize("kwargs, match", [
    ({"municipality_id": "9999"}, "Okänd kommun: 9999"),
    ({"municipality_id": "180"}, "Okänd kommun: 180"),
    ({"pillar": "nope"}, "Unknown pillar 'nope'; choose one of kompetens, "),
    ({"pillar": "context"}, "Unknown pillar 'context'"),
    ({"indicator": "N99999"}, "Unknown indicator 'N99999'; it is not in the catalog"),
    ({"indicator": "N01951"}, "Indicator 'N01951' is not in pillar 'kompetens'"),
    ({"lang": "de"}, "Unsupported language 'de'"),
])
def test_constructor_rejects_unknown_selection(demo_in_data_dir, kwargs, match):
    with pytest.raises(NatsamError, match=match):
        KommunprofilApp(**kwargs)


# --------------------------------------------------------------------------------------------------
# every municipality


def test_select_works_for_every_municipality(app, geo_tables):
    munis = geo_tables["municipalities"]
    assert len(munis) == 290
    problems = []
    for mid, name in zip(munis["municipality_id"], munis["name"]):
        app.select(municipality_id=mid)
        outline = app.map.figure.data[maps.OUTLINE]
        checks = {
            "state": app.municipality_id == mid,
            "outline": outline.name == "outline" and tuple(outline.locations) == (mid,),
            "outline feature": [f["id"] for f in outline.geojson["features"]] == [mid],
            "marker": tuple(app.map.figure.data[maps.MARKER].text) == (name,),
            "percentile title": percentile_title(app).startswith(f"{name}: "),
            "series": app.series.figure.data[-1].name == name,
            "picker": app.municipality.value == f"{name} ({mid})",
            "header": f"{html.escape(name)}</span> ({mid})" in app.header.value,
            "status": app.status.value == "",
        }
        problems += [f"{mid} {name}: {what}" for what, ok in checks.items() if not ok]
    assert not problems, "\n".join(problems[:20])


# --------------------------------------------------------------------------------------------------
# pillar, indicator and language


def test_pillar_switch_changes_the_bars_to_the_pillars_indicators(app, catalog):
    for pillar in app.pillars:
        app.select(pillar=pillar)
        kpis = catalog_mod.indicators_of(pillar, catalog)
        assert app.pillar == pillar and app.indicator == kpis[0]
        assert len(bars(app).y) == len(kpis), pillar
        assert percentile_title(app).endswith(f"<sub>{catalog_mod.pillar_label(pillar, 'sv')}</sub>")
        assert [value for _, value in app.indicator_choice.options] == kpis
        assert app.pillar_choice.value == pillar and app.indicator_choice.value == kpis[0]


def test_pillar_switch_keeps_a_given_indicator(app, catalog):
    kpi = catalog_mod.indicators_of("social", catalog)[2]
    app.select(pillar="social", indicator=kpi)
    assert app.indicator == kpi and app.indicator_choice.value == kpi
    assert app.series.figure.layout.title.text.startswith(catalog.loc[kpi, "title_sv"])


def test_indicator_switch_changes_the_map_title(app, catalog):
    first, second = catalog_mod.indicators_of(app.pillar, catalog)[:2]
    before = app.map.figure.layout.title.text
    app.select(indicator=second)
    after = app.map.figure.layout.title.text
    assert after != before
    year = latest_year(app.panel, second, 290)
    assert after == f"{wrap_label(catalog.loc[second, 'title_sv'], TITLE_WIDTH, 2)}, {year}"
    assert all(len(line) <= TITLE_WIDTH for line in after.split("<br>")[:-1])  # fits a phone
    assert app.series.figure.layout.title.text.startswith(wrap_label(catalog.loc[second, "title_sv"], TITLE_WIDTH, 2))
    assert app.indicator_choice.value == second
    assert tuple(app.map.figure.data[maps.OUTLINE].locations) == (app.municipality_id,)


def test_language_switch_to_english_and_back(app, catalog):
    app.select(municipality_id="2584", pillar="social")
    kpi = app.indicator
    app.select(lang="en")
    assert app.lang == "en" and app.language.value == "en"
    assert percentile_title(app) == "Kiruna: percentile by indicator<br><sub>Social sustainability</sub>"
    assert app.percentiles.figure.layout.xaxis.title.text == "Percentile (100 = best)"
    assert bars(app).name == "Percentile in Sweden"
    assert app.map.figure.layout.title.text.startswith(wrap_label(catalog.loc[kpi, "title_en"], TITLE_WIDTH, 2))
    assert "Kiruna compared with Sweden" in app.series.figure.layout.title.text
    assert app.series.figure.layout.xaxis.title.text == "Year"
    assert app.map.figure.layout.separators == ".,"
    assert "Municipality profile" in app.title.value and "County" in app.header.value
    assert app.pillar_choice.description == "Pillar"
    assert dict(app.pillar_choice.options)["Social sustainability"] == "social"
    assert [text for text, _ in app.indicator_choice.options][0] == catalog.loc[kpi, "title_en"]
    assert DEMO_NOTE["en"] in app.note.value and note_of(app.map.figure) == DEMO_NOTE["en"]
    # the selection survives the language switch
    assert (app.municipality_id, app.pillar, app.indicator) == ("2584", "social", kpi)

    app.select(lang="sv")
    assert percentile_title(app) == "Kiruna: percentil per indikator<br><sub>Social hållbarhet</sub>"
    assert app.percentiles.figure.layout.xaxis.title.text == "Percentil (100 = bäst)"
    assert app.series.figure.layout.xaxis.title.text == "År"
    assert app.map.figure.layout.separators == ", "
    assert "Kommunprofil" in app.title.value and app.pillar_choice.description == "Område"
    assert note_of(app.map.figure) == DEMO_NOTE["sv"]
    assert (app.municipality_id, app.pillar, app.indicator) == ("2584", "social", kpi)


@pytest.mark.parametrize("kwargs, match", [
    ({"municipality_id": "9999"}, "Okänd kommun: 9999"),
    ({"pillar": "nope"}, "Unknown pillar 'nope'; choose one of kompetens, naringslivsdynamik"),
    ({"indicator": "N99999"}, "Unknown indicator 'N99999'; it is not in the catalog"),
    ({"indicator": "N01951"}, "Indicator 'N01951' is not in pillar 'kompetens'; choose one of N01982"),
    ({"municipality_id": "2584", "pillar": "nope"}, "Unknown pillar 'nope'"),
    ({"pillar": "social", "indicator": "N01982"}, "Indicator 'N01982' is not in pillar 'social'"),
    ({"lang": "fi"}, "Unsupported language 'fi'"),
])
def test_select_rejects_unknown_choices_and_leaves_the_app_as_it_was(app, shown, kwargs, match):
    before = (app.municipality_id, app.pillar, app.indicator, app.lang)
    n_shown = len(shown)
    with pytest.raises(NatsamError, match=match):
        app.select(**kwargs)
    assert (app.municipality_id, app.pillar, app.indicator, app.lang) == before
    assert len(shown) == n_shown  # nothing redrawn
    app.select(municipality_id="2584")  # and the app still works
    assert percentile_title(app).startswith("Kiruna: ")


def test_unknown_municipality_message_in_english(demo_in_data_dir):
    app = KommunprofilApp(lang="en")
    with pytest.raises(NatsamError, match="Unknown municipality: 0000"):
        app.select(municipality_id="0000")


# --------------------------------------------------------------------------------------------------
# notes


def test_demo_panel_shows_the_demo_note(app):
    assert DEMO_NOTE["sv"] in app.note.value
    assert "natsam-note" in app.note.value and "#FFF4D6" in app.note.value  # highlighted as demo
    for fig in (app.map.figure, app.percentiles.figure, app.series.figure):
        assert note_of(fig) == DEMO_NOTE["sv"]


def test_kolada_panel_shows_the_kolada_source(data_dir, demo_panel):
    panel = demo_panel.copy()
    panel.attrs = {"provenance": dict(KOLADA_PROVENANCE)}
    app = KommunprofilApp(panel)
    assert "Källa: Kolada (hämtad 2026-03-23)" in app.note.value
    assert "Demodata" not in app.note.value and "#FFF4D6" not in app.note.value
    assert note_of(app.map.figure) == "Källa: Kolada (hämtad 2026-03-23)"  # unmodified values
    assert note_of(app.percentiles.figure) == "Beräknat från Kolada (hämtad 2026-03-23)"  # derived
    assert note_of(app.series.figure) == "Beräknat från Kolada (hämtad 2026-03-23)"
    app.select(lang="en")
    assert "Source: Kolada (fetched 2026-03-23)" in app.note.value
    assert note_of(app.percentiles.figure) == "Calculated from Kolada (fetched 2026-03-23)"
    assert demo_panel.attrs.get("provenance", {}).get("source") != "kolada"  # the shared fixture untouched


# --------------------------------------------------------------------------------------------------
# widget callbacks


def test_municipality_picker_callback(app):
    app.municipality.value = "Kiruna (2584)"
    assert app.municipality_id == "2584"
    assert tuple(app.map.figure.data[maps.OUTLINE].locations) == ("2584",)
    assert percentile_title(app).startswith("Kiruna: ")
    assert app.status.value == ""
    app.municipality.value = "Kir"  # half-typed text is not a choice
    assert app.municipality_id == "2584" and app.status.value == ""


def test_municipality_options_list_the_platforms_first(app):
    options = list(app.municipality.options)
    assert len(options) == 290
    assert options[:6] == [f"{name} ({mid})" for mid, name in geography.PLATFORM_MUNICIPALITIES.items()]


def test_pillar_dropdown_callback(app, catalog):
    app.pillar_choice.value = "social"
    kpis = catalog_mod.indicators_of("social", catalog)
    assert app.pillar == "social" and app.indicator == kpis[0]
    assert len(bars(app).y) == len(kpis)
    assert percentile_title(app).endswith("<sub>Social hållbarhet</sub>")


def test_indicator_dropdown_callback(app, catalog):
    second = catalog_mod.indicators_of(app.pillar, catalog)[1]
    app.indicator_choice.value = second
    assert app.indicator == second
    assert app.map.figure.layout.title.text.startswith(wrap_label(catalog.loc[second, "title_sv"], TITLE_WIDTH, 2))


def test_language_toggle_callback_keeps_the_selection(app, catalog):
    kpi = catalog_mod.indicators_of("social", catalog)[3]
    app.pillar_choice.value = "social"
    app.indicator_choice.value = kpi
    app.language.value = "en"
    assert app.lang == "en"
    assert (app.pillar, app.indicator) == ("social", kpi)
    assert percentile_title(app) == "Stockholm: percentile by indicator<br><sub>Social sustainability</sub>"
    app.language.value = "sv"
    assert app.lang == "sv" and (app.pillar, app.indicator) == ("social", kpi)
    assert app.pillar_choice.value == "social" and app.indicator_choice.value == kpi
    assert app.status.value == ""


def test_callback_failure_is_shown_as_a_short_message(app, monkeypatch):
    def broken():
        raise RuntimeError("internal detail that viewers must not see")

    monkeypatch.setattr(app, "map_figure", broken)
    app.municipality.value = "Kiruna (2584)"  # must not raise
    assert "natsam-error" in app.status.value
    assert "Uppgift saknas" in app.status.value
    assert "internal detail" not in app.status.value and "Traceback" not in app.status.value


def test_callback_natsam_error_shows_its_message_and_success_clears_it(app):
    def unavailable():
        raise NatsamError("Kolada svarar inte <just nu>")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app, "map_figure", unavailable)
        app.pillar_choice.value = "social"
        assert "Kolada svarar inte &lt;just nu&gt;" in app.status.value  # escaped
    app.municipality.value = "Umeå (2480)"
    assert app.status.value == ""
    assert tuple(app.map.figure.data[maps.OUTLINE].locations) == ("2480",)


def test_indicator_missing_from_the_panel_shows_an_empty_map(data_dir, demo_store):
    """Fetched data may lack a catalog indicator entirely: the dashboard says so instead of failing."""
    from natsam_analysis.dashboard import KommunprofilApp
    from natsam_analysis.panel import load_panel

    panel = load_panel(source="demo")
    panel = panel[panel["kpi"] != "N01721"].copy()
    panel.attrs["provenance"] = {"source": "kolada", "fetched_at": "2026-03-23T10:00:00+00:00"}
    app = KommunprofilApp(panel, pillar="kompetens", indicator="N01721")
    assert app.map.figure.layout.title.text.endswith("uppgift saknas")
    assert len(app.map.figure.data[1].locations) == 0
    profile = app.profile().set_index("kpi")
    assert profile.loc["N01721", "pct_sweden"] != profile.loc["N01721", "pct_sweden"]  # NaN
    assert "Källa: Kolada (hämtad 2026-03-23)" in app.note.value


def test_select_redraws_only_what_changed(app):
    percentiles, series, map_fig = app.percentiles.figure, app.series.figure, app.map.figure
    second = catalog_mod.indicators_of(app.pillar)[1]
    app.select(indicator=second)
    assert app.percentiles.figure is percentiles  # same pillar, same municipality: not redrawn
    assert app.map.figure is not map_fig and app.series.figure is not series
    map_fig = app.map.figure
    app.select(indicator=second)  # no change at all: nothing redrawn
    assert app.map.figure is map_fig
    app.select(municipality_id="2584")
    assert app.percentiles.figure is not percentiles and app.map.figure is not map_fig
