"""Analyses of the system-barrier register on small hand-built registers, with hand-computed answers."""

from __future__ import annotations

import pandas as pd
import pytest

from natsam_analysis.metrics import barriers as m
from natsam_analysis.sources.barriers import demo_register
from natsam_analysis.viz import barriers as viz
from natsam_analysis.viz.theme import source_note
from natsam_analysis.dashboard.figure import TRACE_TYPES

T = pd.Timestamp


@pytest.fixture
def barriers() -> pd.DataFrame:
    return pd.DataFrame({
        "barrier_id": ["A", "B", "C", "D"],
        "title_sv": ["a", "b", "c", "d"],
        "status": ["resolved", "parked", "identified", "withdrawn"],
        "date_raised": [T("2024-01-01"), T("2024-01-01"), T("2024-06-01"), T("2024-01-01")],
        "date_validated": [T("2024-01-10"), T("2024-02-01"), pd.NaT, pd.NaT],
        "date_resolved": [T("2024-03-01"), pd.NaT, pd.NaT, pd.NaT],
        "raised_by_platform": ["Lund", "Lund", "Umeå", "other"],
        "raised_by_municipality": [("1281", "1280"), ("1281",), ("2480", "1281", "0180"), ()],
        "legal_area": [("PBL", "MB"), ("PBL",), (), ("KL",)],
        "barrier_type": [("legal",), ("legal", "financial"), ("market",), ("legal",)],
        "level_of_origin": ["nationell", "nationell", "EU", "lokal"],
        "municipal_mandate": ["none", "partial", "none", "full"],
        "severity": pd.array([5, 3, 5, 1], dtype="Int64"),
        "example_case_ids": [("F1",), ("F1", "F2"), (), ()],
        "responsible_actor": ["Boverket", "Boverket", "SKR", ""],
        "pathway": ["guidance", "guidance", "none", ""],
    })


@pytest.fixture
def events() -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": ["e1", "e2", "e3", "e4"], "barrier_id": ["B", "B", "B", "D"],
        "date": [T("2024-02-01"), T("2024-03-01"), T("2024-04-01"), T("2024-02-01")],
        "type": ["decision", "meeting", "meeting", "decision"],
        "status": ["validated", "analysed", "parked", "withdrawn"]})


def test_funnel_counts_the_furthest_stage_from_status_history_and_dates(barriers, events):
    # A resolved -> closed (5); B parked after analysed -> 2; C identified -> 0; D withdrawn at once -> 0
    funnel = m.status_funnel(barriers, events)
    assert funnel["stage"].tolist() == ["identified", "validated", "analysed", "in_dialogue", "proposal_submitted",
                                        "closed"]
    assert funnel["barriers"].tolist() == [4, 2, 2, 1, 1, 1]
    assert funnel["share"].tolist() == [1.0, 0.5, 0.5, 0.25, 0.25, 0.25]
    # without events B is still validated (it has a validation date), not analysed
    assert m.status_funnel(barriers)["barriers"].tolist() == [4, 2, 1, 1, 1, 1]


def test_counts_explode_multi_choice_fields(barriers):
    legal = m.counts_by(barriers, "legal_area").set_index("legal_area")["barriers"]
    assert legal["PBL"] == 2 and legal["MB"] == 1 and legal["KL"] == 1 and legal.sum() == 4
    types = m.counts_by(barriers, "barrier_type").set_index("barrier_type")["barriers"]
    assert (types["legal"], types["financial"], types["market"], types["procurement"]) == (3, 1, 1, 0)
    assert m.counts_by(barriers, "level_of_origin").set_index("level_of_origin")["barriers"].to_dict() == {
        "lokal": 1, "regional": 0, "nationell": 2, "EU": 1, "internationell": 0}
    platforms = m.counts_by(barriers, "raised_by_platform").set_index("raised_by_platform")["barriers"]
    assert (platforms["Lund"], platforms["Umeå"], platforms["other"], platforms["Kiruna"]) == (2, 1, 1, 0)
    assert m.status_counts(barriers).set_index("status").loc[["resolved", "parked", "in_dialogue"], "barriers"].tolist() \
        == [1, 1, 0]


def test_cross_tables(barriers):
    heat = m.legal_area_by_platform(barriers)
    assert heat.loc["PBL", "Lund"] == 2 and heat.loc["MB", "Lund"] == 1 and heat.loc["KL", "other"] == 1
    assert heat.to_numpy().sum() == 4 and heat.shape == (15, 7)
    ms = m.mandate_severity(barriers)
    assert ms.index.tolist() == ["full", "partial", "none"] and ms.columns.tolist() == [1, 2, 3, 4, 5]
    assert (ms.loc["none", 5], ms.loc["partial", 3], ms.loc["full", 1]) == (2, 1, 1) and ms.to_numpy().sum() == 4


def test_days_open(barriers):
    days = m.days_open(barriers, "2024-12-31").set_index("barrier_id")
    assert days.loc["A", "days_open"] == 60 and days.loc["A", "closed"]           # 2024-01-01 -> 2024-03-01
    assert days.loc["B", "days_open"] == 365 and not days.loc["B", "closed"]      # leap year, to as_of
    assert days.loc["C", "days_open"] == 213
    assert pd.isna(days.loc["D", "days_open"])                                    # withdrawn: no end
    assert m.days_open(barriers, "2024-12-31")["barrier_id"].tolist() == ["B", "C", "A", "D"]


def test_shared_barriers_filters_and_history(barriers, events):
    shared = m.shared_barriers(barriers)
    assert shared["barrier_id"].tolist() == ["C", "A"] and shared["n_municipalities"].tolist() == [3, 2]
    assert m.filter_barriers(barriers, platform="Lund", legal_area="MB")["barrier_id"].tolist() == ["A"]
    assert m.filter_barriers(barriers, barrier_type="legal", status="")["barrier_id"].tolist() == ["A", "B", "D"]
    assert m.barrier_history(events, "B")["event_id"].tolist() == ["e1", "e2", "e3"]


def test_network(barriers):
    nodes, edges = m.network(barriers)
    assert set(nodes["kind"]) == {"case", "barrier", "actor", "pathway"}
    assert nodes.set_index("node").loc["case:F1", "degree"] == 2
    e = edges.set_index(["source", "target"])["weight"]
    assert e[("actor:Boverket", "pathway:guidance")] == 2        # two barriers through Boverket to guidance
    assert e[("case:F2", "barrier:B")] == 1
    assert "barrier:D" in set(nodes["node"])                      # a barrier without actor is still a node
    assert len(edges) == 3 + 3 + 2                               # cases-barrier, barrier-actor, actor-pathway


def test_figures_use_dashboard_traces_and_carry_the_demo_note():
    reg = demo_register()
    b, note = reg.barriers, "Demodata – syntetiska värden, inte officiell statistik"
    nodes, edges = m.network(b)
    figs = [viz.funnel_chart(m.status_funnel(b, reg.events), note=note),
            viz.counts_chart(m.counts_by(b, "barrier_type"), "barrier_type", note=note, lang="en"),
            viz.heatmap(m.mandate_severity(b), note=note, title_key="barriers_mandate_title",
                        rows="municipal_mandate", columns="severity"),
            viz.days_open_chart(m.days_open(b, "2026-11-30"), {}, note=note),
            viz.network_chart(nodes, edges, note=note), viz.sankey_chart(nodes, edges, note=note),
            viz.timeline_chart(m.barrier_history(reg.events, b["barrier_id"].iloc[0]), b["barrier_id"].iloc[0],
                               note=note, raised=b["date_raised"].iloc[0])]
    for fig in figs:
        assert {t.type for t in fig.data} <= TRACE_TYPES
        assert source_note(fig) == note
