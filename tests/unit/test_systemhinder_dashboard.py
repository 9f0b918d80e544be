"""The system-barrier dashboard as an object: filters, the chosen barrier, tables, language."""

from __future__ import annotations

import pytest

from natsam_analysis.dashboard.figure import TRACE_TYPES
from natsam_analysis.dashboard.systemhinder import SystemhinderApp
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.sources.barriers import demo_register
from natsam_analysis.viz.theme import source_note

pytestmark = pytest.mark.usefixtures("shown")  # figures are captured, not printed


@pytest.fixture
def app() -> SystemhinderApp:
    return SystemhinderApp(demo_register())


def figures(app):
    return [app.funnel, app.heat, app.mandate, app.days, app.network, app.timeline]


def test_builds_with_every_barrier_and_the_demo_note(app):
    assert len(app.barriers()) == 40 and app.lang == "sv"
    assert "natsam-systemhinder" in app.widget._dom_classes
    assert DEMO_NOTE["sv"] in app.note.value
    for place in figures(app):
        assert {t.type for t in place.figure.data} <= TRACE_TYPES
        assert source_note(place.figure).replace("<br>", " ") == DEMO_NOTE["sv"]
    assert app.funnel.figure.data[0].x[0] == 40
    for table in (app.funnel_table, app.heat_table, app.mandate_table, app.days_table, app.network_table,
                  app.history_table):
        assert "<table" in table.value and "Demodata" in table.value


def test_filters_narrow_every_chart_and_keep_a_matching_barrier(app):
    app.select(platform="Umeå")
    chosen = app.barriers()
    assert set(chosen["raised_by_platform"]) == {"Umeå"} and 0 < len(chosen) < 40
    assert app.funnel.figure.data[0].x[0] == len(chosen)
    assert app.barrier_id in set(chosen["barrier_id"])
    assert app.choices["platform"].value == "Umeå"
    app.select(status="in_dialogue")
    assert set(app.barriers()["status"]) <= {"in_dialogue"}
    app.select(platform="", status="", legal_area="PBL")
    assert all("PBL" in v for v in app.barriers()["legal_area"])
    assert f"Antal hinder: {len(app.barriers())}" in app.summary.value


def test_no_match_says_so(app):
    app.select(platform="Kiruna", legal_area="LSS", barrier_type="market", status="resolved")
    assert len(app.barriers()) == 0 and "Inga hinder" in app.summary.value


def test_choosing_a_barrier_shows_its_history(app):
    reg = app.register
    with_events = reg.events["barrier_id"].value_counts().index[0]
    app.select(barrier_id=with_events)
    n = int((reg.events["barrier_id"] == with_events).sum())
    assert app.history_table.value.count("<tr>") == n + 1
    assert with_events in app.detail.value
    assert sum(len(t.x) for t in app.timeline.figure.data) == n + 1  # the events and the day it was raised


def test_language_and_bad_choices(app):
    app.select(lang="en")
    assert "System barriers" in app.title.value and DEMO_NOTE["en"] in app.note.value
    assert app.choices["status"].options[0] == ("All", "")
    with pytest.raises(NatsamError, match="Unknown platform"):
        app.select(platform="Malmö")
    with pytest.raises(NatsamError, match="Unknown barrier"):
        app.select(barrier_id="SH-1900-001")
    app.choices["platform"].value = "Lund"  # through the widget, as a viewer would
    assert app.filters["platform"] == "Lund"


def test_select_redraws_only_what_changed(app):
    timeline, funnel = app.timeline.figure, app.funnel.figure
    keep = app.barrier_id
    platform = app.register.barriers.set_index("barrier_id").at[keep, "raised_by_platform"]
    app.select(platform=platform)  # the chosen barrier still matches: its detail is not redrawn
    assert app.barrier_id == keep and app.timeline.figure is timeline
    assert app.funnel.figure is not funnel
    funnel = app.funnel.figure
    other = next(b for b in app.barriers()["barrier_id"] if b != keep)
    app.select(barrier_id=other)  # another barrier: only its detail
    assert app.timeline.figure is not timeline and app.funnel.figure is funnel
    timeline = app.timeline.figure
    app.select(lang="en")  # the language: everything
    assert app.timeline.figure is not timeline and app.funnel.figure is not funnel
