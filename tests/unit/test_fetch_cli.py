"""`natsam fetch` and `natsam kpi search` end to end, with the fake Kolada API as NATSAM_KOLADA_URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from refdata import reference_path
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer, Response, Script

from natsam_analysis import catalog, store
from natsam_analysis.cli import main
from natsam_analysis.panel import load_panel
from natsam_analysis.sources import scb
from natsam_analysis.stored import kolada_store

FAST = ["--rate", "0", "--no-progress"]  # no rate limit against the local fake


@pytest.fixture(scope="module")
def module_fake() -> KoladaFake:
    return KoladaFake(reference_path("kolada", "kolada_v3_2026-03-23_kpi_values.json").parent)


@pytest.fixture
def kolada(module_fake: KoladaFake, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """The fake Kolada API serving at NATSAM_KOLADA_URL, for one test with its own data dir."""
    with FakeServer(module_fake) as server:
        monkeypatch.setenv("NATSAM_KOLADA_URL", server.url + "/v3")
        yield server
    module_fake.reset()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_fetch_catalog_then_a_second_run_is_a_no_op(kolada: FakeServer, capsys) -> None:
    status, out, err = run(capsys, "fetch", "--catalog", *FAST)
    assert status == 0, err
    assert "Kolada KPI catalogue: fetched" in out and "Kolada catalog: fetched" in out
    kpis = len(catalog.load_catalog())
    assert f"KPIs: {kpis}   municipalities: 290   years: 2010-2026" in out and "empty queries: 0" in out
    entry = store.read_manifest(kolada_store())["panel"]
    assert f"rows stored: {entry['rows']}" in out
    assert load_panel().attrs["provenance"]["source"] == "kolada"
    sha = entry["sha256"]
    kolada.clear()
    status, out, err = run(capsys, "fetch", "--catalog", *FAST)
    assert status == 0 and "Kolada catalog: up to date" in out and "changed in the store: 0" in out
    assert len(kolada.requests) == 2 and store.read_manifest(kolada_store())["panel"]["sha256"] == sha


def test_fetch_kpis_for_some_municipalities_and_years(kolada: FakeServer, capsys) -> None:
    status, out, err = run(capsys, "fetch", "--kpi", "N01951,N00999", "--municipality", "0180,1480",
                           "--years", "2015-2024", *FAST)
    assert status == 0, err
    assert "Kolada data: fetched" in out and "KPIs: 2   municipalities: 2   years: 2015-2024" in out
    assert [r.path for r in kolada.requests] == [
        "/v3/data/kpi/N01951,N00999/municipality/0180,1480/year/" + ",".join(map(str, range(2015, 2025)))]
    panel = load_panel()
    assert set(panel["municipality_id"]) == {"0180", "1480"} and sorted(panel["year"].unique()) == list(range(2015, 2025))
    assert f"rows received: {len(panel)}" in out


def test_an_unknown_kpi_warns_and_is_counted(kolada: FakeServer, capsys) -> None:
    status, out, err = run(capsys, "fetch", "--kpi", "N99999,N01951", "--municipality", "0180", "--years", "2020", *FAST)
    assert status == 0
    assert "no rows for: N99999" in out
    assert "warning: Kolada returned no rows for KPI N99999" in err and "retired or mistyped" in err


def test_fetch_groups_adds_skr_groups(kolada: FakeServer, capsys) -> None:
    from natsam_analysis import geography

    status, out, _ = run(capsys, "fetch", "--groups", *FAST)
    assert status == 0 and "SKR's classification covers 290 municipalities" in out
    # as recorded in Kolada's group G92788 "Mindre stad/tätort (ovägt medel)"
    assert geography.municipalities().set_index("municipality_id").loc["2584", "skr_group_name"] == "Mindre stad/tätort"


def test_kpi_search_before_and_after_fetching_the_catalogue(kolada: FakeServer, capsys) -> None:
    status, _, err = run(capsys, "kpi", "search", "bredband")
    assert status == 2 and "natsam fetch --kpi-catalogue" in err and "Traceback" not in err
    assert run(capsys, "fetch", "--kpi-catalogue", *FAST)[0] == 0
    status, out, _ = run(capsys, "kpi", "search", "bredband")
    assert status == 0
    assert "N07918" in out and "19 KPIs mention 'bredband'" in out
    line = next(x for x in out.splitlines() if x.startswith("N07918"))
    assert line.endswith(" *")  # in the project's catalog
    status, out, _ = run(capsys, "kpi", "search", "--limit", "3", "bredband")
    assert len([x for x in out.splitlines() if x[:1] in "NU" and x[1:6].isdigit()]) == 3 and "(showing 3)" in out
    assert "No KPI in the catalogue mentions" in run(capsys, "kpi", "search", "xyzzyq")[1]


def test_an_interrupted_fetch_continues_when_run_again(kolada: FakeServer, module_fake: KoladaFake, capsys) -> None:
    args = ["fetch", "--kpi", ",".join(f"N0{i}" for i in ("1951", "0999", "0945", "1982", "1721")), "--municipality",
            ",".join(f"{i:04d}" for i in range(114, 140)) + ",0180,1480,1280", "--years", "2000-2024", *FAST]
    kolada.handler = Script(module_fake).after(1, "/v3/data", Response.html(503, "Bad Gateway"), Response.html(200))
    status, out, err = run(capsys, *args)
    assert status == 2 and "run the same command again" in err and "The store was not changed" in err
    assert not store.has_table(kolada_store(), "panel")
    status, out, err = run(capsys, *args)
    assert status == 0 and "(1 resumed)" in out


def test_offline_fetch_says_so_and_sends_nothing(kolada: FakeServer, capsys, monkeypatch) -> None:
    monkeypatch.setenv("NATSAM_OFFLINE", "1")
    status, out, _ = run(capsys, "fetch", "--catalog", "--groups", *FAST)
    assert status == 0 and kolada.requests == []
    assert "Kolada catalog: offline (NATSAM_OFFLINE is set: nothing fetched; the store holds no Kolada data yet)" in out
    assert "Kolada municipality groups: offline" in out


@pytest.mark.parametrize("args, words", [
    (["fetch"], "say what to fetch"),
    (["fetch", "--municipality", "0180"], "go with --kpi"),
    (["fetch", "--select", "Tid=2024"], "goes with --scb"),
    (["fetch", "--kpi", "N1951", "--municipality", "180"], "'N1951'"),
    (["fetch", "--kpi", "N01951", "--years", "2024-2015"], "runs backwards"),
])
def test_bad_arguments_are_one_clear_message(kolada: FakeServer, capsys, args: list[str], words: str) -> None:
    status, _, err = run(capsys, *args, *FAST)
    assert status == 2 and words in err and "Traceback" not in err and kolada.requests == []


def test_fetch_scb_is_wired_to_the_scb_client(data_dir: Path, capsys, monkeypatch) -> None:
    calls = []

    def fetch_to_store(table_id, selection, *, progress=True):
        calls.append((table_id, selection, progress))
        return {"rows": 870, "fetched_at": "2026-11-29T10:00:00+00:00", "sha256": "ab" * 32}

    monkeypatch.setattr(scb, "fetch_to_store", fetch_to_store)
    status, out, err = run(capsys, "fetch", "--scb", "TAB638", "--select", "Region=0180,1480", "Tid=2020-2024",
                           "--no-progress")
    assert status == 0, err
    assert calls == [("TAB638", scb.parse_selection(["Region=0180,1480", "Tid=2020-2024"]), False)]
    assert "SCB TAB638: 870 rows stored" in out
    calls.clear()
    assert run(capsys, "fetch", "--scb", "TAB638")[0] == 0 and calls == [("TAB638", None, True)]
