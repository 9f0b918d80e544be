"""SCB PxWebApi 2 client: selection syntax, resolution, splitting, JSON-stat 2 -> tidy, and the
whole fetch against a local fake serving the real recorded payloads (tests/fakes/scb_fake.py).

The generic path is tested on the recorded TAB6471 payloads (population per month by county, age and
sex). The population-by-municipality example reads TAB638, which was not recorded: its test serves a
payload built here in the same JSON-stat 2 shape, with the real region list of the recorded TAB6471
metadata and synthetic values (see ``build_tab638``).
"""

from __future__ import annotations

import json
import math
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import requests
from fakes.clock import FakeClock
from fakes.scb_fake import AGES_10, COUNTIES, RECORDED_SELECTION, ScbFake
from fakes.server import Response
from hypothesis import given, settings
from hypothesis import strategies as st
from refdata import reference_path

from natsam_analysis import store
from natsam_analysis.errors import DataNotAvailableError, NatsamError, ValidationError
from natsam_analysis.sources import scb
from natsam_analysis.sources.http import SourceError


def scb_dir() -> Path:
    return reference_path("scb", "scb_v2_config.json").parent


def recorded(name: str) -> dict:
    return json.loads(reference_path("scb", name).read_text(encoding="utf-8"))


@pytest.fixture
def metadata() -> scb.TableMetadata:
    return scb.parse_metadata(recorded("scb_v2_TAB6471_metadata.json"), "TAB6471")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client_for(fake: ScbFake, clock: FakeClock, **kw) -> scb.ApiClient:
    kw.setdefault("retries", 3)
    kw.setdefault("timeout", 5.0)
    return scb.make_client(fake.url, sleep=clock.sleep, clock=clock, **kw)


def body_selection(request) -> dict[str, list[str]]:
    return {s["variableCode"]: s["valueCodes"] for s in request.json()["selection"]}


# --------------------------------------------------------------------------------------------------
# parse_selection


def test_parse_selection_splits_codes_and_keeps_expressions_whole() -> None:
    parsed = scb.parse_selection(["Region=0180, 1480", "Tid=2020-2024", "Alder=RANGE(20,64),TOP(2,1)",
                                  "Region=1281,0180", "Kon=*"])
    assert parsed == {"Region": ["0180", "1480", "1281"], "Tid": ["2020-2024"],
                      "Alder": ["RANGE(20,64)", "TOP(2,1)"], "Kon": ["*"]}
    assert scb.parse_selection("Tid=2025M01-2025M06") == {"Tid": ["2025M01-2025M06"]}
    assert scb.parse_selection(["Alder=0-9,100+"]) == {"Alder": ["0-9", "100+"]}  # codes, not ranges


def test_parse_selection_names_every_bad_item() -> None:
    items = ["Region0180", "=0180", "Tid=", "Tid=2024-2020", "Tid=2020-2025M03", "Alder=TOP(0)",
             "Region=01*80", "Alder=RANGE(1)", "Region=0180,,1480", "Kon=*"]
    with pytest.raises(ValidationError) as info:
        scb.parse_selection(items)
    problems = info.value.problems
    assert len(problems) == 9
    text = str(info.value)
    for fragment in ["'Region0180': no '='", "'=0180'", "'Tid=': no value codes", "runs backwards; write 2020-2024",
                     "mixes period kinds", "TOP(n) or TOP(n,offset)", "'*' may only stand alone",
                     "RANGE(first,last)", "an empty value code"]:
        assert fragment in text, fragment


# --------------------------------------------------------------------------------------------------
# metadata and resolution against the recorded TAB6471 metadata


def test_parse_metadata_of_recorded_table(metadata: scb.TableMetadata) -> None:
    assert metadata.codes == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert metadata.label.startswith("Folkmängden per månad efter region, ålder och kön")
    region, alder, kon, contents, tid = metadata.variables
    assert (len(region.values), len(alder.values), len(kon.values), len(tid.values)) == (312, 134, 3, 16)
    assert region.elimination and kon.elimination and not alder.elimination and not tid.elimination
    assert tid.is_time and contents.is_contents and metadata.time_variable is tid
    assert region.value_labels["0180"] == "Stockholm" and region.values[:3] == ("00", "01", "0114")
    assert "vs_CKM03Kommun" in region.codelists
    assert metadata.units == {"000007SF": {"base": "antal", "decimals": 0}}
    assert not tid.labels_useful() and region.labels_useful()
    with pytest.raises(ValidationError, match="no variable 'Age'; its variables are Region, Alder"):
        metadata.variable("Age")


def test_resolve_selection_expressions(metadata: scb.TableMetadata) -> None:
    def one(var: str, *tokens: str) -> list[str]:
        return scb.resolve_selection(metadata, {var: list(tokens)})[metadata.variable(var).code]

    municipalities = one("region", "????")
    assert len(municipalities) == 290 and all(len(m) == 4 and m.isdigit() for m in municipalities)
    assert municipalities[0] == "0114" and municipalities[-1] == "2584"
    assert one("Tid", "2025-2025") == [f"2025M{m:02d}" for m in range(1, 13)]  # a year range on months
    assert one("Tid", "2025M11-2026M02") == ["2025M11", "2025M12", "2026M01", "2026M02"]
    assert one("Tid", "top(3)") == ["2026M02", "2026M03", "2026M04"]  # latest periods, ascending
    assert one("Tid", "BOTTOM(2)") == ["2025M01", "2025M02"]
    assert one("Tid", "TOP(2,1)") == ["2026M02", "2026M03"]
    assert one("Tid", "2026*") == ["2026M01", "2026M02", "2026M03", "2026M04"]
    assert one("Alder", "0-9") == ["0-9"]  # a code with a dash is the code
    assert one("Alder", "RANGE(10,12)") == ["10", "10-14", "10-19", "11", "12"]  # in the table's order
    assert one("Alder", "TOP(2)") == ["0", "TotSA"] and one("Alder", "bottom(1)") == ["100+5"]
    assert one("Alder", "FROM(100+)") == ["100+", "100+10", "100+5"]
    assert one("Region", "TO(0114)") == ["00", "01", "0114"]
    assert one("Region", "01*") == ["01"] + [m for m in municipalities if m.startswith("01")]
    assert one("Region", "*80") == [m for m in municipalities if m.endswith("80")]
    assert one("Kon", "totsa", "2", "TotSa") == ["TotSa", "2"]  # case-insensitive, once, table order


def test_resolve_selection_leaves_eliminable_variables_to_the_api(metadata: scb.TableMetadata) -> None:
    resolved = scb.resolve_selection(metadata, {"Region": ["0180"]})
    assert list(resolved) == ["Region", "Alder", "ContentsCode", "Tid"]  # Kon eliminated, order kept
    assert len(resolved["Alder"]) == 134 and len(resolved["Tid"]) == 16
    assert scb.count_cells(resolved) == 1 * 134 * 1 * 16


def test_resolve_selection_lists_every_problem(metadata: scb.TableMetadata) -> None:
    with pytest.raises(ValidationError) as info:
        scb.resolve_selection(metadata, {"Age": ["1"], "Region": ["9999", "2020-2021"], "Tid": ["2030-2031"],
                                         "Kon": ["3*"], "Alder": []})
    text = str(info.value)
    assert len(info.value.problems) == 6
    assert "'Age' is not a variable of TAB6471" in text
    assert "Region=9999: '9999' is not a value of Region (values 00, 01, 0114" in text
    assert "a range A-B applies only to the time variable" in text
    assert "Tid=2030-2031: '2030-2031' matches no value of Tid" in text
    assert "Kon=3*: '3*' matches no value of Kon" in text
    assert "Alder: no value codes given" in text
    with pytest.raises(ValidationError, match=r"'2024M05' is not a value of Tid \(periods 2025M01..2026M04\)"):
        scb.resolve_selection(metadata, {"Tid": ["2024M05"]})


# --------------------------------------------------------------------------------------------------
# splitting


def test_split_selection_cuts_the_largest_variable_evenly() -> None:
    sel = {"Region": [f"{i:04d}" for i in range(290)], "ContentsCode": ["BE0101N1"], "Tid": ["2023", "2024"]}
    assert scb.split_selection(sel, 1000) == [sel]
    chunks = scb.split_selection(sel, 150)
    assert [len(c["Region"]) for c in chunks] == [73, 73, 73, 71]
    assert [c["Region"][0] for c in chunks] == ["0000", "0073", "0146", "0219"]
    assert all(c["Tid"] == ["2023", "2024"] for c in chunks)
    # one value of the largest variable still too many: split the next one as well
    big = {"A": list("abcdef"), "B": list("0123"), "C": list("xyz")}
    chunks = scb.split_selection(big, 2)
    assert len(chunks) == 6 * 4 * 2 and all(scb.count_cells(c) <= 2 for c in chunks)
    with pytest.raises(NatsamError, match="max_cells=0"):
        scb.split_selection(big, 0)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=4), max_cells=st.integers(1, 200))
def test_split_selection_covers_every_cell_once_within_the_limit(sizes: list[int], max_cells: int) -> None:
    sel = {f"V{i}": [f"{i}-{j}" for j in range(n)] for i, n in enumerate(sizes)}
    chunks = scb.split_selection(sel, max_cells)
    cells = [cell for chunk in chunks for cell in product(*chunk.values())]
    assert sorted(cells) == sorted(product(*sel.values()))  # every cell, once
    assert all(scb.count_cells(c) <= max_cells for c in chunks)
    if math.prod(sizes) <= max_cells:
        assert chunks == [sel]
    assert all(list(c) == list(sel) for c in chunks)
    if math.prod(sizes) // max(sizes) <= max_cells:  # one cut suffices: as few requests as possible
        per = max_cells // (math.prod(sizes) // max(sizes))
        assert len(chunks) == math.ceil(max(sizes) / per)


# --------------------------------------------------------------------------------------------------
# JSON-stat 2 -> tidy frame


def test_recorded_tab6471_data_to_tidy_frame() -> None:
    frame = scb.jsonstat2_to_frame(recorded("scb_v2_TAB6471_data.json"))
    assert len(frame) == 21 * 11 * 3 * 1 * 4 == 2772
    assert list(frame.columns) == ["Region", "Region_label", "Alder", "Alder_label", "Kon", "Kon_label",
                                   "ContentsCode", "ContentsCode_label", "Tid", "value"]
    assert frame["value"].dtype == np.float64 and frame["value"].notna().all()

    def cell(region: str, age: str, sex: str, month: str) -> float:
        hit = frame[(frame.Region == region) & (frame.Alder == age) & (frame.Kon == sex) & (frame.Tid == month)]
        assert len(hit) == 1
        return float(hit["value"].iloc[0])

    # Read by hand from the JSON: value[k] with k = ((region*11 + age)*3 + sex)*4 + month (row-major).
    assert cell("01", "0-9", "TotSa", "2026M01") == 245284  # value[0]
    assert cell("14", "20-29", "2", "2026M03") == 101494  # value[1486]: Västra Götaland, kvinnor 20-29 år
    assert cell("09", "100+10", "TotSa", "2026M01") == 25  # value[1044]: Gotland, 100+ år
    assert cell("25", "100+10", "2", "2026M04") == 54  # value[2771], the last cell
    first = frame.iloc[0]
    assert (first.Region_label, first.Alder_label, first.Kon_label) == ("Stockholms län", "0-9 år",
                                                                      "totalt, samtliga män och kvinnor")
    assert frame.loc[1486, ["Region", "Region_label", "Kon_label", "Tid"]].tolist() == [
        "14", "Västra Götalands län", "kvinnor", "2026M03"]
    assert sorted(set(frame.Region)) == COUNTIES  # codes stay strings with their leading zero


def test_jsonstat2_status_forms_sparse_values_and_errors() -> None:
    def dataset(**kw) -> dict:
        base = {"class": "dataset", "id": ["Region", "Tid"], "size": [2, 2],
                "dimension": {"Region": {"category": {"index": {"0114": 0, "0180": 1}}},
                              "Tid": {"category": {"index": ["2024", "2025"]}}},
                "value": [1, None, 3.5, 4]}
        base.update(kw)
        return base

    frame = scb.jsonstat2_to_frame(dataset(status={"1": "..", "3": "p"}))
    assert frame["value"].isna().tolist() == [False, True, False, False]
    assert frame["status"].fillna("-").tolist() == ["-", "..", "-", "p"]  # missing status is NA
    assert list(frame.columns) == ["Region", "Tid", "value", "status"]  # no _label: labels are codes
    assert scb.jsonstat2_to_frame(dataset(status="..")).status.tolist() == [".."] * 4
    listed = scb.jsonstat2_to_frame(dataset(status=["", "..", None, "e"])).status
    assert listed.fillna("-").tolist() == ["-", "..", "-", "e"]
    sparse = scb.jsonstat2_to_frame(dataset(value={"0": 7, "3": 9}))
    assert sparse["value"].tolist()[0] == 7 and np.isnan(sparse["value"].tolist()[1])
    with pytest.raises(SourceError, match=r"http://x/data: 3 values for 4 cells \(2 x 2\)"):
        scb.parse_jsonstat2(dataset(value=[1, 2, 3]), where="http://x/data")
    with pytest.raises(SourceError, match="cell 1 has value 'n/a'"):
        scb.parse_jsonstat2(dataset(value=[1, "n/a", 3, 4]), where="http://x/data")
    with pytest.raises(SourceError, match="not a JSON-stat 2 dataset"):
        scb.parse_jsonstat2({"error": "nope"}, where="http://x/data")


def test_merge_cubes_refuses_overlap_and_gaps() -> None:
    def cube(regions: list[str]) -> scb.Cube:
        return scb.parse_jsonstat2({"class": "dataset", "id": ["Region"], "size": [len(regions)],
                                    "dimension": {"Region": {"category": {"index": regions}}},
                                    "value": list(range(len(regions)))})

    merged = scb.merge_cubes([cube(["01", "03"]), cube(["04"])], order={"Region": ["01", "03", "04"]})
    assert merged.values.tolist() == [0.0, 1.0, 0.0]
    with pytest.raises(NatsamError, match="covered 2 times"):
        scb.merge_cubes([cube(["01", "03"]), cube(["03"])], order={"Region": ["01", "03"]})
    with pytest.raises(NatsamError, match="covered 0 times"):
        scb.merge_cubes([cube(["01"]), cube(["03"])], order={"Region": ["01", "03", "04"]})


# --------------------------------------------------------------------------------------------------
# the whole fetch against the fake API


def test_fetch_table_recorded_payload_end_to_end(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        client = client_for(fake, clock)
        frame = scb.fetch_table("TAB6471", RECORDED_SELECTION, client=client)
        (request,) = fake.data_requests()
        url = fake.url
    expected = scb.jsonstat2_to_frame(recorded("scb_v2_TAB6471_data.json"))
    pd.testing.assert_frame_equal(frame, expected)
    assert client.rate == 3.0  # maxCallsPerTimeWindow 3 / timeWindow 1 in the recorded /config
    assert [r.path for r in fake.requests] == ["/api/v2/config", "/api/v2/tables/TAB6471/metadata",
                                               "/api/v2/tables/TAB6471/data"]
    assert request.method == "POST" and request.query == {"lang": "sv", "outputFormat": "json-stat2"}
    assert body_selection(request) == {"Region": COUNTIES, "Alder": AGES_10, "Kon": ["TotSa", "1", "2"],
                                       "ContentsCode": ["000007SF"],
                                       "Tid": ["2026M01", "2026M02", "2026M03", "2026M04"]}
    prov = frame.attrs["provenance"]
    assert prov["source"] == "scb" and prov["credit"] == "Källa: SCB" and prov["table_id"] == "TAB6471"
    assert prov["title"].startswith("Folkmängden per månad") and prov["requests"] == 1
    assert prov["url"] == f"{url}/tables/TAB6471/data?lang=sv&outputFormat=json-stat2"
    assert prov["query"]["selection"]["Tid"] == ["2026M01-2026M04"] and prov["eliminated"] == []
    assert prov["units"] == {"000007SF": {"base": "antal", "decimals": 0}}
    assert prov["fetched_at"].endswith("+00:00")
    json.dumps(prov)  # the provenance goes into the store's JSON manifest


def test_fetch_table_splits_under_max_data_cells_and_combines(clock: FakeClock) -> None:
    with ScbFake(scb_dir(), max_data_cells=500) as fake:
        # the fake does refuse a selection over the limit, as the real API does
        answer = requests.post(f"{fake.url}/tables/TAB6471/data", params={"outputFormat": "json-stat2"},
                               json={"selection": [{"variableCode": "Region", "valueCodes": ["*"]},
                                                   {"variableCode": "Alder", "valueCodes": AGES_10},
                                                   {"variableCode": "ContentsCode", "valueCodes": ["*"]},
                                                   {"variableCode": "Tid", "valueCodes": ["*"]}]}, timeout=5)
        assert answer.status_code == 403 and answer.json()["title"] == "Too many cells selected"
        fake.too_large.clear()
        fake.cells_requested.clear()
        fake.server.clear()

        client = client_for(fake, clock)
        split = scb.fetch_table("TAB6471", RECORDED_SELECTION, client=client, progress=True)
        data_requests = fake.data_requests()
    assert fake.too_large == [] and max(fake.cells_requested) <= 500
    assert len(data_requests) == 7 and fake.cells_requested == [3 * 11 * 3 * 4] * 7  # Region cut in 7
    sent = [body_selection(r)["Region"] for r in data_requests]
    assert [code for codes in sent for code in codes] == COUNTIES
    assert split.attrs["provenance"]["requests"] == 7 and split.attrs["provenance"]["max_data_cells"] == 500
    with ScbFake(scb_dir()) as fake:
        whole = scb.fetch_table("TAB6471", RECORDED_SELECTION, client=client_for(fake, clock))
        assert len(fake.data_requests()) == 1
    pd.testing.assert_frame_equal(split, whole)


def test_fetch_table_waits_for_retry_after_on_429(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        fake.script.add("/api/v2/tables/TAB6471/data", Response.error(429, retry_after=7),
                        Response.error(503))
        client = client_for(fake, clock)
        frame = scb.fetch_table("TAB6471", RECORDED_SELECTION, client=client)
        assert len(fake.data_requests()) == 3 and fake.script.pending() == 0
    assert len(frame) == 2772 and frame["value"].iloc[0] == 245284
    assert 7 in clock.sleeps  # waited what Retry-After asked for
    assert client.requests_made == 5  # config, metadata, data x 3


def test_fetch_table_bad_selection_fails_before_any_data_request(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        with pytest.raises(ValidationError, match="Region=0000: '0000' is not a value of Region"):
            scb.fetch_table("TAB6471", {"Region": ["0000"]}, client=client_for(fake, clock))
        assert fake.data_requests() == []
        with pytest.raises(ValidationError, match="'TAB 6471' is not a table id"):
            scb.fetch_table("TAB 6471", client=client_for(fake, clock))
        with pytest.raises(SourceError, match=r"tables/TAB1/metadata\?lang=sv: HTTP 404"):
            scb.fetch_table("TAB1", client=client_for(fake, clock))


def test_fetch_table_explains_a_refused_selection(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        fake.script.add("/api/v2/tables/TAB6471/data",
                        Response.json_body({"title": "Too many cells selected", "status": 403}, status=403))
        with pytest.raises(SourceError) as info:
            scb.fetch_table("TAB6471", RECORDED_SELECTION, client=client_for(fake, clock))
    assert info.value.status == 403
    assert "HTTP 403" in str(info.value) and "2772 cells, the API allows 150000" in str(info.value)


def test_api_settings_requires_max_data_cells(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        fake.script.add("/api/v2/config", Response.json_body({"apiVersion": "2.0"}))
        client = client_for(fake, clock)
        with pytest.raises(SourceError, match=r"/api/v2/config: the configuration has no maxDataCells"):
            scb.api_settings(client)
        settings_ = scb.api_settings(client)
    assert settings_.max_data_cells == 150000 and settings_.rate == 3.0 and client.rate == 3.0
    assert settings_.license.startswith("https://creativecommons.org")


def test_search_tables_and_table_metadata(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        client = client_for(fake, clock)
        found = scb.search_tables("befolkning", client=client, past_days=30)
        listing = scb.search_tables(client=client)
        meta = scb.table_metadata("TAB6471", client=client)
        search_request = fake.requests[0]
    assert search_request.query == {"lang": "sv", "pageSize": "100", "query": "befolkning", "pastDays": "30",
                                    "pageNumber": "1"}
    assert len(found) == 10 and "TAB6473" in found["id"].tolist()
    row = found.set_index("id").loc["TAB6473"]
    assert row.first_period == "2025M01" and row.time_unit == "Monthly"
    assert len(listing) == 20 and listing["id"].iloc[0] == "TAB4707"
    assert listing["variables"].iloc[0] == "sektor; kön; tabellinnehåll; månad"
    assert meta.codes == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert meta.url.endswith("/api/v2/tables/TAB6471/metadata?lang=sv")


# --------------------------------------------------------------------------------------------------
# the store


def test_fetch_to_store_offline_and_malformed_json(data_dir: Path, clock: FakeClock,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = data_dir / "cache" / "scb"
    with ScbFake(scb_dir()) as fake:
        entry = scb.fetch_to_store("TAB6471", RECORDED_SELECTION, client=client_for(fake, clock), progress=False)
        assert entry["file"] == f"TAB6471.{entry['sha256'][:12]}.parquet" and entry["rows"] == 2772
        assert entry["source"] == "scb"
        assert store.read_manifest(folder)["TAB6471"] == entry
        stored = scb.read_stored("TAB6471")
        assert stored["Region"].iloc[0] == "01" and stored["Region"].map(len).eq(2).all()
        pd.testing.assert_frame_equal(stored, scb.jsonstat2_to_frame(recorded("scb_v2_TAB6471_data.json")))

        # a damaged answer: a clear error naming the URL, and the stored table stays as it was
        before = (folder / entry["file"]).read_bytes(), (folder / "manifest.json").read_text()
        fake.script.add("/api/v2/tables/TAB6471/data",
                        Response.truncated_json(recorded("scb_v2_TAB6471_data.json"), keep=0.4))
        with pytest.raises(SourceError) as info:
            scb.fetch_to_store("TAB6471", RECORDED_SELECTION, client=client_for(fake, clock), progress=False)
        assert f"{fake.url}/tables/TAB6471/data?lang=sv&outputFormat=json-stat2" in str(info.value)
        assert "does not parse" in str(info.value)
        assert ((folder / entry["file"]).read_bytes(), (folder / "manifest.json").read_text()) == before
        assert sorted(p.name for p in folder.iterdir()) == [store.LOCK_FILE, entry["file"], "manifest.json"]

        # offline: the store only, and it says so
        monkeypatch.setenv("NATSAM_OFFLINE", "1")
        sent = len(fake.requests)
        again = scb.fetch_to_store("TAB6471", RECORDED_SELECTION)
        assert again["offline"] is True and "NATSAM_OFFLINE is set: nothing fetched" in again["message"]
        assert {k: v for k, v in again.items() if k not in ("offline", "message")} == entry
        assert scb.fetch_to_store("TAB6471")["sha256"] == entry["sha256"]
        with pytest.raises(DataNotAvailableError, match="was fetched with the selection"):
            scb.fetch_to_store("TAB6471", ["Region=01", "Alder=0-9", "Kon=*", "Tid=2026M01"])
        with pytest.raises(DataNotAvailableError, match="TAB638 is not in the local store.*natsam fetch --scb TAB638"):
            scb.fetch_to_store("TAB638")
        assert len(fake.requests) == sent  # nothing was sent while offline


def test_fetch_to_store_uses_natsam_scb_url(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ScbFake(scb_dir()) as fake:
        monkeypatch.setenv("NATSAM_SCB_URL", fake.url + "/")
        entry = scb.fetch_to_store("TAB6471", ["Region=01,03", "Alder=0-9", "Kon=TotSa", "Tid=2026M04"],
                                   progress=False)
        assert len(fake.data_requests()) == 1
        assert entry["rows"] == 2 and entry["url"].startswith(fake.url + "/tables/TAB6471/data")
    assert scb.read_stored("TAB6471")["value"].tolist()[0] == 251635  # value[3]: Stockholms län, 0-9, 2026M04


# --------------------------------------------------------------------------------------------------
# population by municipality


def build_tab638(years: list[int]) -> tuple[dict, dict, dict[tuple[str, int], float]]:
    """A TAB638-shaped payload (metadata, data) with the real region list of the recorded TAB6471
    metadata and **synthetic** values, plus the population each municipality and year must come to.

    TAB638 ("Folkmängden efter region, civilstånd, ålder och kön. År 1968-2024") was not recorded; the
    shape follows the real table: Region, Civilstand, Alder, Kon (all eliminable), ContentsCode
    (BE0101N1 folkmängd, BE0101N2 folkökning) and Tid (years). Ålder is cut to three values to keep
    the cube small. One cell (Knivsta 0330, first year, unmarried, age 0, men) is missing (null).
    """
    region = recorded("scb_v2_TAB6471_metadata.json")["dimension"]["Region"]
    regions = list(region["category"]["index"])
    dims = {
        "Region": (regions, region["category"]["label"], True),
        "Civilstand": (["OG", "G", "SK", "ÄNKL"], {"OG": "ogifta", "G": "gifta", "SK": "skilda",
                                                   "ÄNKL": "änkor/änklingar"}, True),
        "Alder": (["0", "50", "100+"], {"0": "0 år", "50": "50 år", "100+": "100+ år"}, True),
        "Kon": (["1", "2"], {"1": "män", "2": "kvinnor"}, True),
        "ContentsCode": (["BE0101N1", "BE0101N2"], {"BE0101N1": "Folkmängd", "BE0101N2": "Folkökning"}, False),
        "Tid": ([str(y) for y in years], {str(y): str(y) for y in years}, False),
    }

    def dimension(name: str) -> dict:
        codes, labels, elimination = dims[name]
        dim = {"label": name.lower(), "category": {"index": {c: i for i, c in enumerate(codes)},
                                                   "label": {c: labels[c] for c in codes}},
               "extension": {"elimination": elimination}}
        if name == "ContentsCode":
            dim["category"]["unit"] = {c: {"base": "antal", "decimals": 0} for c in codes}
        return dim

    head = {"version": "2.0", "class": "dataset", "source": "SCB", "updated": "2025-02-21T07:00:00Z",
            "label": "Folkmängden efter region, civilstånd, ålder och kön. År 1968-2024",
            "note": ["Uppgifterna avser förhållandena den 31 december för resp. år."],
            "role": {"time": ["Tid"], "metric": ["ContentsCode"]}, "id": list(dims),
            "size": [len(dims[d][0]) for d in dims], "dimension": {d: dimension(d) for d in dims},
            "extension": {"px": {"tableid": "TAB638", "matrix": "BefolkningNy"}}}
    values, expected = [], {}
    for (r, code), (c, _), (a, _), (k, _), (n, _), (t, year) in product(
            enumerate(regions), *(enumerate(dims[d][0]) for d in ["Civilstand", "Alder", "Kon", "ContentsCode"]),
            enumerate(years)):
        missing = code == "0330" and t == 0 and (c, a, k, n) == (0, 0, 0, 0)
        value = None if missing else (1000 + 7 * r + 3 * c + 11 * a + 5 * k + 13 * t if n == 0 else 2 + k)
        values.append(value)
        if n == 0 and len(code) == 4:
            total = expected.get((code, year), 0.0)
            expected[(code, year)] = math.nan if value is None else total + value
    return {**head, "value": []}, {**head, "value": values}, expected


def test_population_by_municipality_from_built_tab638(clock: FakeClock, geo_tables: dict) -> None:
    years = [2020, 2021, 2022, 2023, 2024]
    meta, data, expected = build_tab638(years)
    with ScbFake(scb_dir(), max_data_cells=500, extra_tables={"TAB638": (meta, data)}) as fake:
        pop = scb.population_by_municipality(years, client=client_for(fake, clock))
        sent = [body_selection(r) for r in fake.data_requests("TAB638")]
    assert list(pop.columns) == ["municipality_id", "year", "value"] and len(pop) == 290 * 5
    assert set(pop.municipality_id) == set(geo_tables["municipalities"]["municipality_id"])
    assert pop.municipality_id.map(lambda m: isinstance(m, str) and len(m) == 4).all()
    assert pop["year"].dtype == np.int64 and pop["value"].dtype == np.float64
    assert pop.iloc[0].tolist() == ["0114", 2020, expected[("0114", 2020)]]
    got = {(m, y): v for m, y, v in pop.itertuples(index=False)}
    assert got.keys() == expected.keys()
    assert all(v == expected[key] or (np.isnan(v) and np.isnan(expected[key])) for key, v in got.items())
    # by hand: Lund (region position 128) in 2023 (t=3), summed over 4 x 3 x 2 cells
    lund = 24 * (1000 + 7 * 128 + 13 * 3) + 3 * 6 * (0 + 1 + 2 + 3) + 11 * 8 * (0 + 1 + 2) + 5 * 12 * (0 + 1)
    assert meta["dimension"]["Region"]["category"]["index"]["1281"] == 128 and got[("1281", 2023)] == lund
    assert np.isnan(got[("0330", 2020)]) and not np.isnan(got[("0330", 2021)])
    # Region=???? resolved to the 290 municipalities, split in 3 requests under maxDataCells;
    # civil status, age and sex left out so that the API totals them
    assert len(sent) == 3 and sum(len(s["Region"]) for s in sent) == 290
    assert all(set(s) == {"Region", "ContentsCode", "Tid"} and s["ContentsCode"] == ["BE0101N1"] for s in sent)
    assert sent[0]["Tid"] == ["2020", "2021", "2022", "2023", "2024"]
    prov = pop.attrs["provenance"]
    assert prov["table_id"] == "TAB638" and "31 December" in prov["derived"] and prov["requests"] == 3
    assert prov["eliminated"] == ["Civilstand", "Alder", "Kon"]


def test_population_recipe_for_tab6471_fits_the_recorded_metadata(metadata: scb.TableMetadata) -> None:
    resolved = scb.resolve_selection(metadata, scb.population_selection(None, "TAB6471"))
    assert resolved["Tid"] == ["2025M12"] and resolved["Alder"] == ["TotSA"] and resolved["Kon"] == ["TotSa"]
    assert resolved["ContentsCode"] == ["000007SF"] and len(resolved["Region"]) == 290
    assert scb.population_selection([2024, 2023, 2024]) == {"Region": ["????"], "ContentsCode": ["BE0101N1"],
                                                            "Tid": ["2023", "2024"]}
    with pytest.raises(ValidationError, match="whole years like 2024"):
        scb.population_selection(["2024"])
    with pytest.raises(NatsamError, match="no recipe for table 'TAB1'"):
        scb.population_selection(None, "TAB1")


def test_population_by_municipality_refuses_an_unexpected_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    odd = pd.DataFrame({"Region": ["01", "0180", "0180"], "ContentsCode": ["BE0101N1"] * 3,
                        "Tid": ["2024M01", "2024", "2024"], "value": [1.0, 2.0, 3.0]})
    odd.attrs["provenance"] = {"source": "scb"}
    monkeypatch.setattr(scb, "fetch_table", lambda *a, **k: odd)
    with pytest.raises(ValidationError) as info:
        scb.population_by_municipality([2024])
    assert info.value.problems == ["Region '01' is not a 4-digit municipality code",
                                   "Tid '2024M01' is not a year",
                                   "municipality 0180 has more than one value for 2024"]


def test_fake_answers_get_and_eliminates_like_the_api() -> None:
    with ScbFake(scb_dir()) as fake:
        params = {"lang": "sv", "outputFormat": "json-stat2", "valueCodes[Region]": "01,03",
                  "valueCodes[alder]": "0-9", "valueCodes[ContentsCode]": "*", "valueCodes[Tid]": "2026M01"}
        answer = requests.get(f"{fake.url}/tables/TAB6471/data", params=params, timeout=5)
        missing = requests.get(f"{fake.url}/tables/TAB6471/data", params={"valueCodes[Region]": "01"}, timeout=5)
    frame = scb.jsonstat2_to_frame(answer.json())
    # Kon left out: eliminated by its elimination value code TotSa, so the dimension is gone
    assert list(frame.columns[:4]) == ["Region", "Region_label", "Alder", "Alder_label"] and "Kon" not in frame
    assert frame["value"].tolist() == [245284.0, 38987.0]  # value[0] and value[132] of the recording
    assert missing.status_code == 400 and missing.json()["title"] == "Missing selection for mandatory variable"


# --------------------------------------------------------------------------------------------------
# code lists


def test_codelist_reads_the_recorded_aggregation(clock: FakeClock) -> None:
    with ScbFake(scb_dir()) as fake:
        ages = scb.codelist("agg_Ålder10årJ", client=client_for(fake, clock))
        (request,) = fake.requests
    assert request.path == "/api/v2/codeLists/agg_Ålder10årJ" and request.query == {"lang": "sv"}
    assert ages["code"].tolist() == ["-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79",
                                     "80-89", "90-99", "100+"]
    assert ages.loc[0, "label"] == "0-9 år" and sorted(ages.loc[0, "value_map"], key=int) == [str(a) for a in range(10)]
    assert ages.attrs["codelist"]["type"] == "Aggregation" and ages.attrs["codelist"]["elimination"] is False
    assert scb.parse_codelists(["alder=agg_Ålder10årJ"]) == {"alder": "agg_Ålder10årJ"}
    with pytest.raises(ValidationError, match="give one code list per variable"):
        scb.parse_codelists(["Alder=agg_a,agg_b"])


def build_single_ages() -> tuple[dict, dict]:
    """A small table with single years of age whose metadata offers the recorded agg_Ålder10årJ.

    Synthetic values: a cell is 100 x (region position) + age (100 for 100+), so every 10-year
    group's sum can be checked by hand.
    """
    ages = [str(a) for a in range(100)] + ["100+"]
    regions = {"0180": "Stockholm", "1281": "Lund"}
    head = {"version": "2.0", "class": "dataset", "label": "Test: folkmängd efter region och ålder (syntetisk)",
            "source": "SCB", "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
            "id": ["Region", "Alder", "ContentsCode", "Tid"], "size": [2, 101, 1, 1],
            "dimension": {
                "Region": {"label": "region", "category": {"index": {c: i for i, c in enumerate(regions)},
                                                           "label": regions}, "extension": {"elimination": True}},
                "Alder": {"label": "ålder", "category": {"index": {a: i for i, a in enumerate(ages)},
                                                         "label": {a: f"{a} år" for a in ages}},
                          "extension": {"elimination": True, "codelists": [
                              {"id": "agg_Ålder10årJ", "label": "10-årsklasser", "type": "Aggregation"}]}},
                "ContentsCode": {"label": "tabellinnehåll", "category": {"index": {"BE0101N1": 0},
                                                                         "label": {"BE0101N1": "Folkmängd"}}},
                "Tid": {"label": "år", "category": {"index": {"2024": 0}, "label": {"2024": "2024"}}}}}
    values = [100 * r + (100 if a == "100+" else int(a)) for r in range(2) for a in ages]
    return {**head, "value": []}, {**head, "value": values}


def test_fetch_table_with_an_aggregation_code_list(clock: FakeClock, metadata: scb.TableMetadata) -> None:
    meta, data = build_single_ages()
    with ScbFake(scb_dir(), extra_tables={"TAB9001": (meta, data)}) as fake:
        client = client_for(fake, clock)
        frame = scb.fetch_table("TAB9001", ["Alder=*"], codelists={"alder": "agg_Ålder10årJ"}, client=client)
        top = scb.fetch_table("TAB9001", ["Alder=TOP(2)", "Region=1281"], codelists={"Alder": "agg_Ålder10årJ"},
                              client=client)
        (first, _) = [body_selection(r) for r in fake.data_requests("TAB9001")]
        (body, _) = [r.json()["selection"] for r in fake.data_requests("TAB9001")]
        with pytest.raises(ValidationError, match=r"'vs_Nope' is not a code list of Alder in TAB9001 \(its code "
                                                  r"lists: agg_Ålder10årJ\)"):
            scb.fetch_table("TAB9001", codelists={"Alder": "vs_Nope"}, client=client)
        with pytest.raises(ValidationError, match="its code lists: vs_CKM01AlderTot, vs_CKM021år"):
            scb.fetch_table("TAB6471", codelists={"Alder": "agg_Ålder10årJ"}, client=client)
    assert first["Alder"][:2] == ["-9", "10-19"] and len(first["Alder"]) == 11 and "Region" not in first
    assert {"variableCode": "Alder", "codeList": "agg_Ålder10årJ"}.items() <= body[0].items()
    # Region left out: summed by the API over Stockholm (position 0) and Lund (position 1)
    by_group = frame.set_index("Alder")["value"]
    assert by_group["-9"] == 2 * sum(range(10)) + 100 * 10  # ages 0-9 in both regions
    assert by_group["100+"] == 100 + 200 and len(by_group) == 11
    assert frame.loc[frame.Alder == "20-29", "Alder_label"].item() == "20-29 år"
    assert top["Alder"].tolist() == ["-9", "10-19"]
    assert top["value"].tolist() == [10 * 100 + 45, 10 * 100 + 145]  # Lund: 100 + age, summed by group
    assert top.attrs["provenance"]["query"]["codelists"] == {"Alder": "agg_Ålder10årJ"}


def test_natsam_fetch_scb_end_to_end_against_the_fake(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`natsam fetch --scb TABLE --select ...` through the real client, with NATSAM_SCB_URL at the fake."""
    from natsam_analysis.cli import main

    with ScbFake(scb_dir()) as fake:
        monkeypatch.setenv("NATSAM_SCB_URL", fake.url)
        status = main(["fetch", "--scb", "TAB6471", "--no-progress", "--select", *RECORDED_SELECTION])
        out, err = capsys.readouterr()
        assert status == 0, err
        assert len(fake.data_requests()) == 1 and not fake.too_large
    stored = scb.read_stored("TAB6471")
    assert len(stored) == 2772 and stored.attrs["provenance"]["source"] == "scb"
    assert "TAB6471" in out and "2772" in out.replace("\u202f", "").replace(",", "").replace(" ", "")


def test_unreachable_scb_falls_back_to_the_stored_table(data_dir: Path, clock: FakeClock) -> None:
    unreachable = scb.make_client("http://natsam-test.invalid/api/v2", sleep=clock.sleep, clock=clock)
    with pytest.raises(SourceError, match="does not resolve"):  # nothing stored yet: the network error itself
        scb.fetch_to_store("TAB6471", RECORDED_SELECTION, client=unreachable, progress=False)
    with ScbFake(scb_dir()) as fake:
        stored = scb.fetch_to_store("TAB6471", RECORDED_SELECTION, client=client_for(fake, clock), progress=False)
    entry = scb.fetch_to_store("TAB6471", RECORDED_SELECTION, client=unreachable, progress=False)
    assert entry["offline"] is True and entry["sha256"] == stored["sha256"]
    assert entry["message"].startswith("SCB could not be reached") and "nothing fetched" in entry["message"]
