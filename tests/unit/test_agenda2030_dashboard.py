"""The Agenda 2030 dashboard as an object: the goal grid, a goal's indicators, the views, tables, language."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from natsam_analysis import catalog as catalog_mod
from natsam_analysis import geography
from natsam_analysis.dashboard.agenda2030 import Agenda2030App
from natsam_analysis.dashboard.figure import TRACE_TYPES
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.metrics import agenda2030, peers
from natsam_analysis.panel import load_panel
from natsam_analysis.viz.sdg import STATUS_COLOURS, TREND_ARROWS
from natsam_analysis.viz.theme import source_note

pytestmark = pytest.mark.usefixtures("shown")  # figures are captured, not printed


@pytest.fixture(scope="module")
def agenda_dir(tmp_path_factory, geography_cache, demo_store, data_dir_context):
    root = tmp_path_factory.mktemp("agenda-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    shutil.copytree(demo_store[0], root / "demo")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def panel(agenda_dir) -> pd.DataFrame:
    return load_panel()


@pytest.fixture(scope="module")
def scored(panel):
    return agenda2030.score_municipalities(panel, catalog_mod.load_catalog(), catalog_mod.load_agenda2030())


@pytest.fixture(scope="module")
def built(panel) -> Agenda2030App:
    return Agenda2030App(panel)


@pytest.fixture
def app(built) -> Agenda2030App:
    """The module's app, back at its initial selection (building one takes seconds)."""
    built.select(municipality_id="0180", goal=1, view="absolute", lang="sv")
    return built


def grid(app: Agenda2030App):
    return app.grid.figure.data[0]


def test_builds_with_the_municipality_first_then_its_peers_and_the_platforms(app):
    assert app.municipality_id == "0180" and app.goal == 1 and app.view == "absolute" and app.lang == "sv"
    units = app.units()
    assert units[0] == "0180"
    assert set(geography.PLATFORM_MUNICIPALITIES) - {"0180"} <= set(units)
    assert set(app.peers()) <= set(units) and len(app.peers()) == 5 and "0180" not in app.peers()
    assert len(units) == len(set(units))
    heat = grid(app)
    assert list(heat.x) == [str(g) for g in agenda2030.GOALS]
    assert len(heat.y) == len(units) and heat.y[0].startswith("Stockholm")
    assert "natsam-agenda2030" in app.widget._dom_classes
    assert {t.type for f in (app.grid.figure, app.indicators.figure, app.gender.figure) for t in f.data} <= TRACE_TYPES


def test_grid_cells_show_the_goal_score_and_trend_arrow(app, scored):
    _, result = scored
    own = result[(result["unit"] == "0180") & (result["level"] == "goal")].set_index("code")
    cells = grid(app).text[0]
    for goal, cell in zip(agenda2030.GOALS, cells):
        rec = own.loc[str(goal)]
        assert cell.startswith(f"{rec['score']:.0f}")
        if isinstance(rec["trend"], str):
            assert cell.endswith(TREND_ARROWS[rec["trend"]])
    colours = {STATUS_COLOURS[c] for c in own["colour"]}
    assert colours <= {c for _, c in grid(app).colorscale}


def test_relative_view_recolours_by_quartile(app, scored):
    _, result = scored
    absolute = list(grid(app).z[0])
    app.select(view="relative")
    assert app.view_choice.value == "relative"
    relative = list(grid(app).z[0])
    own = result[(result["unit"] == "0180") & (result["level"] == "goal")]
    expected_rel = [["green", "yellow", "orange", "red", "grey"].index(c) + 0.5 for c in own["relative_colour"]]
    assert relative == expected_rel
    assert "orange" not in set(own["relative_colour"])  # quartiles: green, yellow, red
    assert absolute != relative or set(own["colour"]) <= {"green", "yellow", "red"}
    assert "Jämfört med andra kommuner" in app.grid.figure.layout.title.text
    assert "Bästa fjärdedelen" in app.grid_table.value or "Sämsta fjärdedelen" in app.grid_table.value \
        or "Mittersta hälften" in app.grid_table.value


def test_goal_choice_shows_its_indicators_with_bounds_and_justification(app, scored):
    codebook, _ = scored
    app.select(municipality_id="1281", goal=5)
    bars = app.indicators.figure.data[0]
    assert len(bars.y) == (codebook["sdg"] == 5).sum()
    assert "avstånd från 50 %" in app.indicator_table.value  # two-sided shares are assessed by distance
    assert "40-60 %" in app.indicator_table.value  # the justification travels with the numbers
    assert app.header.value.count("Lund") == 1
    assert app.goal_choice.value == 5


def test_every_chart_has_a_table_with_the_demo_note(app):
    for table in (app.grid_table, app.indicator_table, app.gender_table):
        assert "<table" in table.value and "<caption" in table.value and DEMO_NOTE["sv"] in table.value
    for fig in (app.grid.figure, app.indicators.figure, app.gender.figure):
        assert source_note(fig) == DEMO_NOTE["sv"]


def test_english_and_back(app):
    app.select(lang="en")
    assert grid(app).hovertemplate and app.grid.figure.layout.xaxis.title.text == "Global goal"
    assert "Status of the seven goals" in app.grid.figure.layout.title.text
    assert app.goal_choice.options[0][0] == "Goal 1 No poverty"
    app.language.value = "sv"  # the widget drives select
    assert app.lang == "sv" and app.grid.figure.layout.xaxis.title.text == "Globalt mål"


def test_bad_choices_leave_the_app_as_it_was(app):
    with pytest.raises(NatsamError, match="välj ett av 1, 3, 4, 5, 11, 13, 16"):
        app.select(goal=2)
    with pytest.raises(NatsamError):
        app.select(view="sideways")
    with pytest.raises(NatsamError):
        app.select(municipality_id="9999")
    assert (app.goal, app.view, app.municipality_id) == (1, "absolute", "0180")


def test_any_of_the_290_municipalities(app):
    for mid in ("2584", "0114", "1480"):  # Kiruna, Upplands Väsby, Göteborg
        app.select(municipality_id=mid)
        assert grid(app).y[0].startswith(app.names[mid])
        assert app.status.value == ""


def test_peers_are_the_nearest_on_structure_and_the_note_names_variables_and_k(app, panel):
    variables = peers.structural_variables(panel, geography.municipalities())
    expected = peers.similar_municipalities(variables, "0180", k=5).index.tolist()
    assert app.peers() == expected
    note = app.peer_note.value
    assert "k = 5" in note and "Folkmängd (log10)" in note
    assert all(app.names[m] in note for m in expected)
    tags = [y for y in grid(app).y if "liknande" in y]
    assert len(tags) == len([m for m in expected if m not in geography.PLATFORM_MUNICIPALITIES])


def test_gender_gaps_of_the_gendered_goal_indicators(app, scored):
    codebook, _ = scored
    gaps = app.gender_gaps()
    assert set(gaps["kpi"]) <= set(codebook["indicator"]) and len(gaps) >= 3
    assert (gaps["gap"] - (gaps["women"] - gaps["men"])).abs().max() < 1e-9
    assert list(gaps["gap_std"].abs()) == sorted(gaps["gap_std"].abs(), reverse=True)
    bars = [t for t in app.gender.figure.data if t.type == "bar"]
    assert sum(len(t.x) for t in bars) == len(gaps)
    assert "Kvinnor" in app.gender_table.value and DEMO_NOTE["sv"] in app.gender_table.value
    app.select(municipality_id="2584")
    assert app.gender_gaps()["municipality_id"].eq("2584").all()


def test_results_are_computed_once_per_choice_and_only_the_latest_kept(app, monkeypatch):
    from natsam_analysis.dashboard import base

    first = app.goal_indicators()
    assert app.goal_indicators() is first  # the figure and its table share one computation
    app.select(municipality_id="1281")
    assert app.goal_indicators() is not first and not app.goal_indicators().equals(first)
    app.select(municipality_id="0180")
    assert app.goal_indicators() is first  # back to an earlier choice: at once
    monkeypatch.setattr(base, "MEMO_SIZE", 2)
    for mid in ("2418", "2421", "2422"):  # not chosen elsewhere in this module: each adds a result
        app.select(municipality_id=mid)
    assert len(app._memo_values) == 2
    app.select(municipality_id="0180")
    assert app.goal_indicators() is not first and app.goal_indicators().equals(first)
