"""The portfolio dashboard (natsam_analysis.dashboard.portfolj) on the synthetic demo register."""

from __future__ import annotations

import pytest

from natsam_analysis.dashboard.figure import TRACE_TYPES
from natsam_analysis.dashboard.portfolj import PortfoljApp
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.metrics import portfolio
from natsam_analysis.sources import cases as cases_mod
from natsam_analysis.viz.theme import source_note

pytestmark = pytest.mark.usefixtures("shown")


@pytest.fixture(scope="module")
def demo(geography_cache, data_dir_context):
    with data_dir_context(geography_cache.parent.parent):
        yield cases_mod.demo_cases()


@pytest.fixture
def app(demo, data_dir):
    return PortfoljApp(demo, lang="sv")


def figures(app):
    return (app.facets.figure, app.funnel.figure, app.sdgs.figure, app.gender.figure)


def test_builds_with_every_chart_a_table_and_the_demo_note(app, demo):
    assert "natsam-portfolj" in app.widget._dom_classes
    assert {t.type for f in figures(app) for t in f.data} <= TRACE_TYPES
    for fig in figures(app):
        assert source_note(fig) == DEMO_NOTE["sv"]
    for table in (app.facet_table, app.funnel_table, app.sdg_table, app.gender_table, app.detail):
        assert "<table" in table.value and "<caption" in table.value and DEMO_NOTE["sv"] in table.value
    assert DEMO_NOTE["sv"] in app.note.value
    assert len(app.case_choice.options) == len(demo)
    funnel = app.funnel.figure.data[0]
    assert list(funnel.x) == portfolio.lifecycle_funnel(demo)["reached"].tolist()


def test_platform_narrows_funnel_goals_and_list(app, demo):
    app.select(platform="lund")
    lund = demo[demo["platform"] == "lund"]
    assert [v for _, v in app.case_choice.options] == sorted(lund["case_id"])
    assert list(app.funnel.figure.data[0].x) == portfolio.lifecycle_funnel(lund)["reached"].tolist()
    bars = {t.name: dict(zip(t.x, t.y)) for t in app.sdgs.figure.data}
    expected = portfolio.sdg_coverage(lund).set_index("goal")["any_cases"]
    for values in bars.values():
        for goal, n in values.items():
            assert n == expected[int(goal)]
    assert app.case_id in set(lund["case_id"])
    assert "Lund" in app.funnel_table.value


def test_case_detail_shows_its_fields_but_not_the_contact(app, demo):
    case = demo.iloc[5]
    app.select(case_id=case["case_id"])
    assert app.case_choice.value == case["case_id"]
    fields = dict(app.case_fields())
    assert fields["title"] == case["title"] and fields["municipality_id"] == case["municipality_id"]
    assert "contact" not in fields and "kontakt-" not in app.detail.value
    assert case["title"] in app.detail.value


def test_english_and_bad_choices(app):
    app.select(lang="en")
    assert "Facets per platform" in app.facets.figure.layout.title.text
    assert source_note(app.facets.figure) == DEMO_NOTE["en"]
    app.language.value = "sv"
    assert app.lang == "sv"
    with pytest.raises(NatsamError):
        app.select(platform="atlantis")
    with pytest.raises(NatsamError):
        app.select(case_id="NOPE")
    assert app.platform == "all"
    app.platform_choice.value = "kiruna"  # the widget drives select
    assert app.platform == "kiruna"


def test_tables_hold_the_numbers_of_the_charts(app, demo):
    lund = demo[demo["platform"] == "lund"]
    missions = int((lund["facet_primary"] == "mission").sum())
    secondary = int((lund["facet_secondary"] == "mission").sum())
    assert f"{missions} ({missions / len(lund) * 100:.0f} %) / {secondary}" in app.facet_table.value
    done = demo["gender_analysis_done"].dropna()
    assert f"{int(done.sum())} / {len(done)} ({done.mean() * 100:.0f} %)" in app.gender_table.value
