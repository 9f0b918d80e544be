"""The survey dashboard as an object: profiles by platform and wave, a construct per group, suppression
visible in charts and tables, the table views, the language."""

from __future__ import annotations

import shutil

import pytest

from natsam_analysis.dashboard.enkat import EnkatApp
from natsam_analysis.dashboard.figure import TRACE_TYPES
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.metrics import survey as metrics
from natsam_analysis.viz.theme import source_note

pytestmark = pytest.mark.usefixtures("shown")


@pytest.fixture(scope="module")
def built(tmp_path_factory, geography_cache, data_dir_context):
    root = tmp_path_factory.mktemp("enkat-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root):
        yield EnkatApp()


@pytest.fixture
def app(built) -> EnkatApp:
    built.select(by="municipality", construct="C1", municipality_id="all", lang="sv")
    return built


def test_builds_with_the_profile_by_platform_and_wave(app):
    assert "natsam-enkat" in app.widget._dom_classes
    heat = [t for t in app.profile.figure.data if t.type == "heatmap"]
    assert list(heat[-1].x) == [f"C{i}" for i in range(1, 12)]
    assert len(heat[-1].y) == 12 and heat[-1].y[0] == "Stockholm · 2025-H1" and heat[-1].y[-1] == "Kiruna · 2026-H1"
    assert {t.type for f in (app.profile.figure, app.groups.figure) for t in f.data} <= TRACE_TYPES
    assert app.municipality_choice.disabled


def test_a_construct_per_group_with_intervals(app):
    app.select(by="gender", construct="C10")
    dots = app.groups.figure.data[0]
    table = metrics.construct_scores(app.frame, "gender", constructs="C10").set_index("gender")
    assert list(dots.y) == ["Kvinna", "Man", "Annan", "Vill ej ange"]
    assert dots.x[0] == pytest.approx(table.loc["kvinna", "mean"])
    assert dots.error_x.array[0] == pytest.approx(table.loc["kvinna", "ci_high"] - table.loc["kvinna", "mean"])
    assert "C10 Jämställdhet" in app.groups.figure.layout.title.text
    assert app.construct_choice.value == "C10" and app.by_choice.value == "gender"


def test_small_groups_read_too_few_in_chart_and_table(app):
    app.select(by="role", municipality_id="2584", construct="C2")
    scores = app.group_scores()
    assert scores.set_index("role").loc["politiker", "suppressed"]
    assert scores["suppressed"].sum() >= 2  # and the group that would reveal it
    hidden = app.groups.figure.data[1]
    assert set(hidden.text) == {"för få svar"} and len(hidden.y) == scores["suppressed"].sum()
    assert "Politiker</td><td>för få svar" in app.group_table_view.value
    assert not app.municipality_choice.disabled
    # the municipality's groups come from the municipality x role table, not from a subset
    full = metrics.construct_scores(app.frame, ["municipality", "role"], constructs="C2")
    kiruna = full[full["municipality"] == "2584"].set_index("role")["suppressed"]
    assert scores.set_index("role")["suppressed"].to_dict() == kiruna.to_dict()


def test_every_chart_has_a_table_with_the_demo_note(app):
    for view in (app.profile_table_view, app.group_table_view):
        assert "<table" in view.value and "<caption" in view.value and DEMO_NOTE["sv"] in view.value
    for fig in (app.profile.figure, app.groups.figure):
        assert source_note(fig) == DEMO_NOTE["sv"]
    assert "Stockholm · 2025-H1" in app.profile_table_view.value
    assert DEMO_NOTE["sv"] in app.note.value


def test_english_and_back(app):
    app.select(lang="en", by="role", municipality_id="2584")
    assert "too few responses" in app.group_table_view.value and "Politician" in app.group_table_view.value
    assert "Construct profile" in app.profile.figure.layout.title.text
    assert app.by_choice.options[0][0] == "Municipality"
    app.language.value = "sv"  # the widget drives select
    assert app.lang == "sv" and "för få svar" in app.group_table_view.value


def test_widgets_drive_the_selection(app):
    app.by_choice.value = "wave"
    assert app.by == "wave" and app.group_scores()["wave"].tolist() == ["2025-H1", "2026-H1"]
    app.construct_choice.value = "C4"
    assert app.construct == "C4"


def test_bad_choices_leave_the_app_as_it_was(app):
    for bad in ({"by": "age"}, {"construct": "C12"}, {"municipality_id": "9999"}, {"lang": "de"}):
        with pytest.raises(NatsamError):
            app.select(**bad)
    assert (app.by, app.construct, app.municipality_id, app.lang) == ("municipality", "C1", "all", "sv")
