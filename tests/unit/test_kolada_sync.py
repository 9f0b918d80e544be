"""Fetching Kolada into the store: fill, no-op rerun, update, resume, faults leave the store unchanged.

The fake Kolada API (tests/fakes/kolada_fake.py) stands in for api.kolada.se; it serves the real
recorded payloads and, for a realistic catalog fetch, synthetic values where nothing was recorded.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fakes.clock import FakeClock
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer, Response, Script
from refdata import reference_path

from natsam_analysis import catalog, geography, store, stored
from natsam_analysis.errors import DataNotAvailableError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.metrics.coverage import coverage_summary
from natsam_analysis.panel import load_panel
from natsam_analysis.sources import sync
from natsam_analysis.sources.http import SourceError
from natsam_analysis.sources.kolada import EmptyResultWarning, KoladaClient, plan_chunks
from natsam_analysis.stored import has_fetched_panel, kolada_store
from natsam_analysis.viz.theme import source_note

TODAY = date(2026, 11, 29)  # the fake's "today": decides the latest published year
RETRIES = 2



def make_client(server: FakeServer, clock: FakeClock | None = None, **kw) -> KoladaClient:
    clock = clock or FakeClock()
    kw.setdefault("retries", RETRIES)
    return KoladaClient(server.url + "/v3", sleep=clock.sleep, clock=clock, **kw)  # rate 5/s on the fake clock


def data_requests(server: FakeServer) -> list:
    return [r for r in server.requests if r.path.startswith("/v3/data")]


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file of a store folder (work areas excluded)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and sync.WORK not in p.relative_to(folder).parts}


@pytest.fixture(scope="module")
def kolada_dir() -> Path:
    return reference_path("kolada", "kolada_v3_2026-03-23_kpi_values.json").parent


@pytest.fixture(scope="module")
def module_fake(kolada_dir: Path) -> KoladaFake:
    return KoladaFake(kolada_dir)


@pytest.fixture
def fake(module_fake: KoladaFake):
    """The module's fake, with the changes a test makes undone afterwards."""
    yield module_fake
    module_fake.reset()


@pytest.fixture(scope="module")
def catalog_fetch(tmp_path_factory, geography_cache, data_dir_context, module_fake):
    """`fetch_catalog` run once against the fake: (data dir, summaries, requests, plan)."""
    root = tmp_path_factory.mktemp("kolada-catalog")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root), FakeServer(module_fake) as server:
        summaries = sync.fetch_catalog(client=make_client(server), progress=False, today=TODAY)
        requests = list(server.requests)
        plan = store.read_manifest(kolada_store())[stored.PANEL_TABLE]["query"]
    return root, summaries, requests, plan


@pytest.fixture
def fetched(data_dir: Path, catalog_fetch) -> Path:
    """``data_dir`` holding the fetched catalog store (a copy); returns the store folder."""
    shutil.copytree(catalog_fetch[0] / "cache" / "kolada", data_dir / "cache" / "kolada")
    return data_dir / "cache" / "kolada"


# ------------------------------------------------------------------------------------------------ catalog fetch


def test_catalog_fetch_fills_the_store(catalog_fetch, module_fake: KoladaFake, data_dir_context) -> None:
    root, (kpi_summary, data_summary), requests, query = catalog_fetch
    cat = catalog.load_catalog()
    assert query["kpis"] == sorted(cat.index) and len(query["municipalities"]) == 290
    assert query["years"] == list(range(2010, 2027))  # 2026: some catalog KPIs have published it by TODAY
    plan = plan_chunks(cat.index.tolist(), query["municipalities"], query["years"])
    data = [r for r in requests if r.path.startswith("/v3/data")]
    assert [r.path for r in requests[:3]] == ["/v3/kpi", "/v3/kpi", "/v3/municipality"]
    # every chunk of the plan and nothing else; a chunk of more rows than a page holds takes more pages
    assert sorted(set(r.path for r in data)) == sorted("/v3/" + c.path for c in plan)
    assert all(len(seg.split(",")) <= 25 for r in data for seg in r.path.split("/"))
    assert all(r.query.get("per_page") == "5000" for r in data)
    assert kpi_summary.status == "fetched" and kpi_summary.rows == 6099
    assert data_summary.status == "fetched" and kpi_summary.requests + data_summary.requests == len(requests)
    assert (data_summary.kpis, data_summary.municipalities, data_summary.years) == (len(cat), 290, (2010, 2026))

    folder = root / "cache" / "kolada"
    manifest = store.read_manifest(folder)
    entry = manifest[stored.PANEL_TABLE]
    assert entry["sha256"] == store.sha256_file(folder / entry["file"])
    assert entry["source"] == "kolada" and entry["synthetic"] is False and entry["fetched_at"]
    assert entry["urls"] and all(u.startswith("http://127.0.0.1:") for u in entry["urls"])
    assert len(entry["urls"]) == len(data) and entry["rows"] == data_summary.stored_rows  # one per page
    assert not (folder / sync.WORK).exists() or not any((folder / sync.WORK).iterdir())
    with data_dir_context(root):
        panel = load_panel()
        assert load_panel(source="kolada").attrs["provenance"]["sha256"] == entry["sha256"]
    assert panel.attrs["provenance"]["source"] == "kolada"
    assert set(panel["kpi"]) == set(cat.index) and panel["municipality_id"].nunique() == 290
    assert panel["count"].dtype == "Int64"
    # every row is what the fake serves, recorded values included
    expected = sum(len((module_fake.row(k, m, y) or {}).get("values", []))
                   for k in cat.index for m in query["municipalities"] for y in query["years"])
    assert len(panel) == expected
    stockholm = panel.set_index(["municipality_id", "kpi", "year", "gender"])
    assert stockholm.loc[("0180", "N03702", 2012, "T"), "value"] == pytest.approx(777.735791)  # recorded GRP


def test_a_second_identical_run_is_a_no_op(fetched: Path, fake: KoladaFake) -> None:
    before = snapshot(fetched)
    fetched_at = store.read_manifest(fetched)[stored.PANEL_TABLE]["fetched_at"][:10]
    with FakeServer(fake) as server:
        (summary,) = sync.fetch_catalog(client=make_client(server), progress=False, today=TODAY)
        requests = list(server.requests)
    assert summary.status == "up to date" and summary.changed_rows == 0
    assert snapshot(fetched) == before  # not a byte changed, manifest included
    # what it takes to know nothing changed: 2 requests (40 KPIs in two segments, every year, no
    # municipality segment, from_date = the day of the last fetch); no metadata request
    assert len(requests) == 2 and all(r.path.startswith("/v3/data/kpi/") for r in requests)
    assert all("/municipality/" not in r.path and r.query["from_date"] == fetched_at for r in requests)


def test_a_rerun_merges_what_changed_and_what_was_deleted(fetched: Path, fake: KoladaFake) -> None:
    old = store.read_table(fetched, stored.PANEL_TABLE)
    today = date.today().isoformat()
    fake.set_value("N01951", "0180", 2024, 1_000_000.0, changed=today)
    fake.delete("N01951", "1480", 2020, changed=today)
    with FakeServer(fake) as server:
        (summary,) = sync.fetch_catalog(client=make_client(server), progress=False, today=TODAY)
        assert len(server.requests) == 2
    new = store.read_table(fetched, stored.PANEL_TABLE)
    key = ["municipality_id", "kpi", "year", "gender"]
    assert summary.status == "updated" and summary.rows == 3  # 0180 2024: K, M (unchanged) and T
    gone = old[(old["kpi"] == "N01951") & (old["municipality_id"] == "1480") & (old["year"] == 2020)]
    assert summary.changed_rows == 1 + len(gone) and len(gone) == 3
    assert len(new) == len(old) - 3
    assert new.set_index(key).loc[("0180", "N01951", 2024, "T"), "value"] == 1_000_000.0
    merged = old.merge(new, on=key, suffixes=("_old", "_new"))
    changed = merged[merged["value_old"].ne(merged["value_new"]) & merged["value_old"].notna()]
    assert changed[key].values.tolist() == [["0180", "N01951", 2024, "T"]]
    assert new.attrs["provenance"]["mode"] == "check"


def test_full_refetch_replaces_the_scope(data_dir: Path, fake: KoladaFake) -> None:
    def fetch(**kw):
        with FakeServer(fake) as server:
            summary = sync.fetch_data(["N00999"], ["2584", "0180"], "2015-2016", client=make_client(server),
                                      progress=False, **kw)
            return summary, [r.query.get("from_date") for r in server.requests]

    def value() -> float:
        panel = load_panel(source="kolada").set_index(["municipality_id", "kpi", "year", "gender"])
        return panel.loc[("2584", "N00999", 2015, "T"), "value"]

    first, _ = fetch()
    fake.set_value("N00999", "2584", 2015, 12.5, changed="2026-01-01")  # a change dated before the fetch
    check, from_dates = fetch()
    assert check.status == "up to date" and from_dates == [first.fetched_at[:10]] and value() != 12.5
    full, from_dates = fetch(full=True)
    assert full.status == "fetched" and from_dates == [None] and value() == 12.5


def test_since_asks_only_for_changes(fetched: Path, fake: KoladaFake) -> None:
    fake.set_value("N00945", "0180", 2020, 41.0, changed="2026-06-01")
    with FakeServer(fake) as server:
        summary = sync.fetch_data(["N00945"], ["0180", "1480"], "2000-2020", since="2026-05-01",
                                  client=make_client(server), progress=False, today=TODAY)
        (request,) = server.requests
    assert request.query == {"per_page": "5000", "from_date": "2026-05-01"}
    assert request.path == "/v3/data/kpi/N00945/municipality/0180,1480/year/" + ",".join(map(str, range(2000, 2021)))
    panel = store.read_table(fetched, stored.PANEL_TABLE).set_index(["municipality_id", "kpi", "year", "gender"])
    assert summary.status == "updated" and summary.rows == 1
    assert panel.loc[("0180", "N00945", 2020, "T"), "value"] == 41.0


# ------------------------------------------------------------------------------------------------ resume


RESUME_KPIS = catalog.load_catalog().index[:30].tolist()
RESUME_UNITS = [f"{i:04d}" for i in (114, 115, 117, 120, 123, 125, 126, 127, 128, 136, 138, 139, 140, 160, 162, 163,
                                      180, 181, 182, 183, 184, 186, 187, 188, 191, 192, 305, 319, 330, 331, 360, 380,
                                      381, 382, 428, 461, 480, 481, 482, 483, 484, 486, 488, 509, 512, 513, 560, 561,
                                      562, 563, 580, 581, 582, 583, 584, 586, 604, 617, 642, 643)]


def test_an_interrupted_fetch_resumes_with_the_remaining_chunks(data_dir: Path, fake: KoladaFake) -> None:
    plan = plan_chunks(RESUME_KPIS, RESUME_UNITS, list(range(2015, 2025)))
    assert len(plan) >= 6
    k = 3
    script = Script(fake).after(k, "/v3/data", *[Response.error(500)] * (RETRIES + 1))
    with FakeServer(script) as server:
        with pytest.raises(SourceError) as info:
            sync.fetch_data(RESUME_KPIS, RESUME_UNITS, "2015-2024", client=make_client(server), progress=False)
        assert len(data_requests(server)) == k + RETRIES + 1
        message = str(info.value)
        assert f"{k} of {len(plan)} chunks" in message and "run the same command again" in message
        assert "The store was not changed" in message and not has_fetched_panel()
        server.clear()
        # the same command again, once the fault has passed
        summary = sync.fetch_data(RESUME_KPIS, RESUME_UNITS, "2015-2024", client=make_client(server), progress=False)
        paths = [r.path for r in data_requests(server)]
    assert paths == ["/v3/" + c.path for c in plan[k:]]  # only the chunks not done before
    assert summary.status == "fetched" and summary.chunks == len(plan) and summary.chunks_resumed == k
    assert not any((kolada_store() / sync.WORK).iterdir())  # the work area is gone once merged
    resumed = load_panel(source="kolada")
    assert len(resumed.attrs["provenance"]["urls"]) == len(plan)
    # the same data as an uninterrupted fetch
    shutil.rmtree(kolada_store())
    with FakeServer(fake) as server:
        sync.fetch_data(RESUME_KPIS, RESUME_UNITS, "2015-2024", client=make_client(server), progress=False)
    pd.testing.assert_frame_equal(resumed, load_panel(source="kolada"))


def test_work_from_another_base_url_is_not_resumed(data_dir: Path, fake: KoladaFake) -> None:
    script = Script(fake).after(2, "/v3/data", Response.html(200))
    with FakeServer(script) as server, pytest.raises(SourceError):
        sync.fetch_data(RESUME_KPIS, RESUME_UNITS, "2015-2024", client=make_client(server), progress=False)
    with FakeServer(fake) as other:  # another port: another API as far as the plan knows
        summary = sync.fetch_data(RESUME_KPIS, RESUME_UNITS, "2015-2024", client=make_client(other), progress=False)
        assert len(data_requests(other)) == summary.chunks and summary.chunks_resumed == 0


# ------------------------------------------------------------------------------------------------ faults


#: The client's read timeout in the timeout tests, and how long a slow answer takes: a normal answer
#: (a data chunk of 25 indicators) must come well within the timeout on a loaded CI machine.
TIMEOUT = 2.0
SLOW = 3.0
FAULTS = {
    "html": [Response.html(200, "Kolada: planerat underhåll")],
    "truncated-json": [Response.truncated_json({"count": 2, "values": [{"kpi": "N01951"}] * 40}, keep=0.6)],
    "429-forever": [Response.error(429, retry_after=3)] * (RETRIES + 1),
    "500-forever": [Response.error(500)] * (RETRIES + 1),
    "timeout": [Response(body=b"{}", delay=SLOW)] * (RETRIES + 1),
}


@pytest.mark.parametrize("after", [0, 1], ids=["first-chunk", "second-chunk"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_fetch_leaves_the_store_exactly_as_it_was(fetched: Path, fake: KoladaFake, fault: str,
                                                           after: int) -> None:
    before = snapshot(fetched)
    manifest_before = (fetched / store.MANIFEST).read_bytes()
    clock = FakeClock()
    script = Script(fake).after(after, "/v3/data", *FAULTS[fault])
    with FakeServer(script) as server:
        client = make_client(server, clock, timeout=TIMEOUT if fault == "timeout" else 30)
        with pytest.raises(SourceError) as info:
            sync.fetch_data(catalog.load_catalog().index, full=True, client=client, progress=False, today=TODAY)
        assert script.pending() == 0 and len(data_requests(server)) == after + len(FAULTS[fault])
    assert snapshot(fetched) == before and (fetched / store.MANIFEST).read_bytes() == manifest_before
    assert "/v3/data/kpi/" in str(info.value) and "The store was not changed" in str(info.value)
    if fault == "429-forever":
        assert [s for s in clock.sleeps if s == 3.0] == [3.0] * RETRIES  # Retry-After honoured each time


@pytest.mark.parametrize("fault, retried", [
    (Response.error(429, retry_after=3), 3.0),
    (Response.error(503), 0.5),
    (Response(body=b"{}", delay=SLOW), 0.5),
    (Response(body=b'{"values": [' + b" " * 4000 + b"]}", cut_after=50), 0.5),
], ids=["429-retry-after", "503", "timeout", "cut-off-body"])
def test_a_passing_fault_is_retried_and_the_fetch_succeeds(data_dir: Path, fake: KoladaFake,
                                                           fault: Response, retried: float) -> None:
    clock = FakeClock()
    script = Script(fake).add("/v3/data", fault)
    with FakeServer(script) as server:
        client = make_client(server, clock, timeout=TIMEOUT)
        summary = sync.fetch_data(["N01951", "N00945"], ["0180", "1480", "2584"], "2000-2024", client=client,
                                  progress=False)
        assert len(data_requests(server)) == summary.chunks + 1 and summary.requests == summary.chunks + 1
    assert summary.status == "fetched" and retried in clock.sleeps
    panel = load_panel(source="kolada")
    assert set(panel["municipality_id"]) == {"0180", "1480", "2584"}


def test_offline_reads_the_store_only(fetched: Path, fake: KoladaFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATSAM_OFFLINE", "1")
    before = snapshot(fetched)
    with FakeServer(fake) as server:
        (summary,) = sync.fetch_catalog(client=make_client(server), progress=False)
        groups = sync.fetch_groups(client=make_client(server))
        assert server.requests == []
    assert summary.status == "offline" and groups.status == "offline"
    assert "NATSAM_OFFLINE is set: nothing fetched" in summary.message and "panel (" in summary.message
    assert snapshot(fetched) == before and load_panel().attrs["provenance"]["source"] == "kolada"


def test_no_network_reads_the_store_only(fetched: Path, fake: KoladaFake) -> None:
    with FakeServer(fake) as server:
        url = server.url
    client = KoladaClient(url + "/v3", rate=None, retries=0)
    before = snapshot(fetched)
    summary = sync.fetch_data(["N01951"], ["0180"], "2020", client=client, progress=False, full=True)
    assert summary.status == "offline" and "could not be reached" in summary.message
    assert snapshot(fetched) == before


# ------------------------------------------------------------------------------------------------ empty results


def test_empty_queries_warn_and_are_counted(data_dir: Path, fake: KoladaFake) -> None:
    with FakeServer(fake) as server:
        with pytest.warns(EmptyResultWarning, match="N99999"):
            summary = sync.fetch_data(["N99999"], ["0180"], "2020-2021", client=make_client(server), progress=False)
        with pytest.warns(EmptyResultWarning, match="N99998"):
            both = sync.fetch_data(["N99998", "N01951"], ["0180"], "2020-2021", client=make_client(server),
                                   progress=False)
    assert summary.empty_queries == 1 and summary.kpis_without_rows == ["N99999"] and summary.rows == 0
    assert both.kpis_without_rows == ["N99998"] and both.rows == 6
    assert "no rows for: N99998" in "\n".join(both.lines())


# ------------------------------------------------------------------------------------------------ groups, catalogue


def test_groups_give_the_geography_skr_classification(data_dir: Path, fake: KoladaFake) -> None:
    assert geography.municipalities()["skr_group_name"].isna().all()
    with FakeServer(fake) as server:
        summary = sync.fetch_groups(client=make_client(server))
        assert [r.path for r in server.requests] == ["/v3/municipality", "/v3/municipality_groups"]
    assert summary.status == "fetched" and "covers 290 municipalities" in summary.message
    munis = geography.municipalities().set_index("municipality_id")
    assert munis["skr_group_name"].notna().all() and munis["skr_group_id"].isin(stored.SKR_GROUP_IDS).all()
    assert munis.loc[["0180", "1280", "1480"], "skr_group_name"].tolist() == ["Storstäder"] * 3
    assert munis.loc["0180", "skr_group_id"] == "G92787"
    assert munis["skr_group_name"].nunique() == 9
    groups = store.read_table(kolada_store(), stored.GROUPS_TABLE)
    assert groups["group_id"].nunique() == 3630 - sum(1 for g in fake.groups if not g["members"])
    before = snapshot(kolada_store())
    with FakeServer(fake) as server:
        again = sync.fetch_groups(client=make_client(server))
    assert again.status == "up to date" and snapshot(kolada_store()) == before


def test_kpi_search_needs_the_catalogue_then_finds_words(data_dir: Path, fake: KoladaFake) -> None:
    with pytest.raises(DataNotAvailableError, match="natsam fetch --kpi-catalogue"):
        catalog.search_kpis("bredband")
    with FakeServer(fake) as server:
        sync.fetch_kpi_catalogue(client=make_client(server))
    found = catalog.search_kpis("Bredband")
    expected = {k["id"] for k in fake.kpis
                if "bredband" in (k["title"] + " " + (k.get("description") or "")).casefold()}
    assert set(found["kpi"]) == expected and len(expected) == 19
    assert found["in_catalog"].any() and found.loc[found["kpi"] == "N07918", "in_catalog"].item()
    title_first = found["title"].str.casefold().str.contains("bredband")
    assert title_first.iloc[: title_first.sum()].all()  # title matches first
    both = catalog.search_kpis("bredband 1 gbit")
    assert len(both) < len(found) and all("gbit" in t.casefold() or "gbit" in d.casefold()
                                          for t, d in zip(both["title"], both["description"]))
    assert catalog.search_kpis("ÄLDREOMSORG").shape[0] == catalog.search_kpis("äldreomsorg").shape[0] > 0


def test_group_ids_go_to_their_own_table(data_dir: Path, fake: KoladaFake) -> None:
    with FakeServer(fake) as server:
        sync.fetch_data(["N01951"], ["0180", "G92787"], "2019-2020", client=make_client(server), progress=False)
    panel = load_panel(source="kolada")
    groups = store.read_table(kolada_store(), stored.GROUP_VALUES_TABLE)
    assert set(panel["municipality_id"]) == {"0180"} and set(groups["municipality_id"]) == {"G92787"}
    assert (groups["count"] == 3).all() and len(groups) == 6


def test_a_group_only_fetch_makes_no_empty_panel(data_dir: Path, fake: KoladaFake) -> None:
    with FakeServer(fake) as server:
        first = sync.fetch_data(["N01951"], ["G92787"], "2019-2020", client=make_client(server), progress=False)
        again = sync.fetch_data(["N01951"], ["G92787"], "2019-2020", client=make_client(server), progress=False)
        assert server.requests[-1].query.get("from_date") == first.fetched_at[:10]  # an update check
    assert first.status == "fetched" and again.status == "up to date"
    assert not has_fetched_panel() and load_panel().attrs["provenance"]["source"] == "demo"
    assert len(store.read_table(kolada_store(), stored.GROUP_VALUES_TABLE)) == 6


# ------------------------------------------------------------------------------------------------ for the notebooks


def test_provenance_and_coverage_tables(fetched: Path) -> None:
    prov = sync.provenance_table()
    kolada = prov[prov["store"] == "kolada"].set_index("table")
    assert {"panel", "kpis", "municipalities"} <= set(kolada.index)
    manifest = store.read_manifest(fetched)
    assert kolada.loc["panel", "sha256"] == manifest["panel"]["sha256"]
    assert kolada.loc["panel", "rows"] == manifest["panel"]["rows"] and kolada.loc["panel", "source"] == "kolada"
    assert '"kpis"' in kolada.loc["panel", "query"] and kolada.loc["panel", "urls"] > 0
    cov = coverage_summary(load_panel(source="kolada"))
    assert cov["kpi_year"].shape == (len(catalog.load_catalog()), 17) and len(cov["municipality"]) == 290
    for frame in cov.values():
        values = frame.to_numpy(dtype=float)
        assert ((values >= 0) & (values <= 1)).all()
    assert cov["kpi_year"].loc["N03702", 2012] > 0.9


def test_kommunprofil_shows_fetched_values_credited_to_kolada(fetched: Path) -> None:
    from natsam_analysis.dashboard.kommunprofil import KommunprofilApp

    app = KommunprofilApp()
    fetched_on = store.read_manifest(fetched)["panel"]["fetched_at"][:10]
    assert app.provenance["source"] == "kolada"
    assert f"Källa: Kolada (hämtad {fetched_on})" in app.note.value
    assert DEMO_NOTE["sv"] not in app.note.value and "#FFF4D6" not in app.note.value  # no demo banner
    fig = app.map_figure()
    assert source_note(fig) == f"Källa: Kolada (hämtad {fetched_on})"
    panel = load_panel()
    shown = dict(zip(fig.data[1].locations, fig.data[1].z))
    year = int(fig.layout.title.text.rsplit(", ", 1)[1][:4])
    rows = panel[(panel["kpi"] == app.indicator) & (panel["gender"] == "T") & (panel["year"] == year)]
    expected = rows.set_index("municipality_id")["value"].dropna()
    assert len(expected) > 250 and all(np.isclose(shown[m], v) for m, v in expected.items())
