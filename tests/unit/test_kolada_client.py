"""The Kolada client against the fake Kolada API serving the real recorded payloads."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fakes.clock import FakeClock
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer, Response, Script
from refdata import reference_path

from natsam_analysis.errors import ValidationError
from natsam_analysis.sources.http import SourceError
from natsam_analysis.sources.kolada import (
    DATA_COLUMNS,
    EmptyResultWarning,
    KoladaClient,
    data_frame,
    estimated_requests,
    parse_years,
    plan_chunks,
    validate_date,
    validate_ids,
)

N00945 = "kolada_v3_2026-03-23_data_n00945_reconstructed.json"



@pytest.fixture(scope="module")
def kolada_dir() -> Path:
    return reference_path("kolada", N00945).parent


@pytest.fixture(scope="module")
def shared_fake(kolada_dir: Path) -> KoladaFake:
    """A fake that no test changes (reading the recordings once per module)."""
    return KoladaFake(kolada_dir)


def serve(handler):
    return FakeServer(handler)


def client_for(server: FakeServer, clock: FakeClock | None = None, **kw) -> KoladaClient:
    clock = clock or FakeClock()
    kw.setdefault("retries", 3)
    return KoladaClient(server.url + "/v3", rate=None, sleep=clock.sleep, clock=clock, **kw)


def data_paths(server: FakeServer) -> list[str]:
    return [p for p in server.paths() if p.startswith("/v3/data")]


# ------------------------------------------------------------------------------------------------ metadata


def test_all_kpis_come_in_two_pages_of_5000(shared_fake: KoladaFake, kolada_dir: Path) -> None:
    recorded = json.loads((kolada_dir / "kolada_v3_2026-03-23_kpi_values.json").read_text("utf-8"))
    with serve(shared_fake) as server:
        client = client_for(server)
        kpis = client.kpis()
        first, second = server.requests
    assert [k["id"] for k in kpis] == [k["id"] for k in recorded] and len(kpis) == 6099
    assert first.query == {"per_page": "5000"}
    assert second.query == {"per_page": "5000", "page": "2"}  # followed next_url
    assert client.api.requests_made == 2 and client.pages_read == 2


def test_kpis_by_more_than_25_ids_are_split(shared_fake: KoladaFake) -> None:
    ids = [k["id"] for k in shared_fake.kpis[:30]]
    with serve(shared_fake) as server:
        client = client_for(server)
        found = client.kpis(ids)
        assert [r.path.rsplit("/", 1)[1].count(",") + 1 for r in server.requests] == [15, 15]
    assert sorted(k["id"] for k in found) == sorted(ids)


def test_the_fake_rejects_more_than_25_values_in_a_segment(shared_fake: KoladaFake) -> None:
    ids = ",".join(k["id"] for k in shared_fake.kpis[:26])
    with serve(shared_fake) as server:
        client = client_for(server)
        with pytest.raises(SourceError) as info:
            client.api.get_json(f"kpi/{ids}")
    assert info.value.status == 400 and "at most 25" in str(info.value)


def test_kpi_title_search(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        found = client_for(server).kpis(title="bredband")
        assert server.requests[0].query["title"] == "bredband"
    assert found and all("bredband" in k["title"].casefold() for k in found)


def test_municipalities_by_type(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        client = client_for(server)
        kommuner = client.municipalities(type="K")
        regions = client.municipalities(type="L")
        lund = client.municipalities(["1281"])
    assert len(kommuner) == 290 and {m["type"] for m in kommuner} == {"K"}
    assert len(regions) == 22 and {"0000", "0001"} <= {m["id"] for m in regions}
    assert lund == [{"id": "1281", "title": "Lund", "type": "K"}]


def test_municipality_groups_with_members(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        (group,) = client_for(server).municipality_groups(["G92787"])
    assert group["title"] == "Storstäder (ovägt medel)"
    assert [(m["member_id"], m["member_title"]) for m in group["members"]] == [
        ("0180", "Stockholm"), ("1280", "Malmö"), ("1480", "Göteborg")]


def test_kpi_groups_and_ous(kolada_dir: Path) -> None:
    fake = KoladaFake(kolada_dir, kpi_groups=[{"id": "1", "title": "Bredband", "members": [
        {"member_id": "N07918", "member_title": "Bredband"}]}],
        ous=[{"id": "V15E144001301", "municipality": "1440", "title": "Skola A"},
             {"id": "V15E018000101", "municipality": "0180", "title": "Skola B"}])
    with serve(fake) as server:
        client = client_for(server)
        groups = client.kpi_groups(title="bred")
        ous = client.ous(municipality="0180")
        assert server.requests[-1].query == {"per_page": "5000", "municipality": "0180"}
    assert groups[0]["members"][0]["member_id"] == "N07918"
    assert [o["id"] for o in ous] == ["V15E018000101"]


# ------------------------------------------------------------------------------------------------ data


def test_data_returns_the_recorded_rows_exactly(kolada_dir: Path) -> None:
    recorded = json.loads((kolada_dir / N00945).read_text("utf-8"))
    fake = KoladaFake(kolada_dir, synthesise=False)
    with serve(fake) as server:
        base = server.url
        frame = client_for(server).data("N00945", ["0180", "1280", "1480"], "2000-2020")
        assert data_paths(server) == ["/v3/data/kpi/N00945/municipality/0180,1280,1480/year/"
                                      + ",".join(str(y) for y in range(2000, 2021))]
    assert list(frame.columns) == DATA_COLUMNS and len(frame) == len(recorded) == 63
    expected = {(r["municipality"], r["period"]): r["values"][0]["value"] for r in recorded}
    got = {(m, y): v for m, y, v in zip(frame["municipality_id"], frame["year"], frame["value"])}
    assert got == expected
    assert frame["municipality_id"].map(type).eq(str).all() and frame["year"].dtype == np.int64
    assert set(frame["municipality_id"]) == {"0180", "1280", "1480"}  # leading zero kept
    assert (frame["count"] == 1).all() and (frame["source"] == "kolada").all()
    provenance = frame.attrs["provenance"]
    assert provenance["source"] == "kolada" and provenance["query"]["kpis"] == ["N00945"]
    assert provenance["urls"] == [base + "/v3/data/kpi/N00945/municipality/0180,1280,1480/year/"
                                  + ",".join(str(y) for y in range(2000, 2021)) + "?per_page=5000"]


def test_null_values_keep_count_zero(kolada_dir: Path) -> None:
    fake = KoladaFake(kolada_dir, synthesise=False)
    with serve(fake) as server:
        frame = client_for(server).data("N00300", "0319", 2020)
    (row,) = frame.itertuples()
    assert np.isnan(row.value) and row.count == 0 and row.gender == "T"


def test_long_lists_are_split_and_combined_without_duplicates(shared_fake: KoladaFake) -> None:
    kpis = ["N01951", "N00945"] + [k["id"] for k in shared_fake.kpis if k["municipality_type"] == "K"][:28]
    munis = [m["id"] for m in shared_fake.municipalities if m["type"] == "K"][:60]
    with serve(shared_fake) as server:
        frame = client_for(server).data(kpis, munis, [2020, 2021])
        paths = data_paths(server)
        statuses_ok = all(len(seg.split(",")) <= 25 for p in paths for seg in p.split("/"))
    assert statuses_ok and len(paths) > 1
    assert not frame.duplicated(["municipality_id", "kpi", "year", "gender"]).any()
    expected = sum(len((shared_fake.row(k, m, y) or {}).get("values", []))
                   for k, m, y in itertools.product(kpis, munis, [2020, 2021]))
    assert len(frame) == expected > 0


def test_group_ids_give_unweighted_member_means(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        frame = client_for(server).data("N01951", ["G92787", "0180", "1280", "1480"], 2020)
    t = frame[frame["gender"] == "T"].set_index("municipality_id")
    assert t.loc["G92787", "count"] == 3
    assert t.loc["G92787", "value"] == pytest.approx(t.loc[["0180", "1280", "1480"], "value"].mean())


def test_from_date_returns_changes_and_deleted_rows(kolada_dir: Path) -> None:
    fake = KoladaFake(kolada_dir)
    fake.set_value("N01951", "0180", 2024, 999_999.0, changed="2026-11-02")
    fake.delete("N01951", "1480", 2023, changed="2026-11-03")
    with serve(fake) as server:
        client = client_for(server)
        changed = client.data("N01951", ["0180", "1480"], "2020-2024", from_date="2026-11-01", keep_deleted=True)
        assert server.requests[-1].query == {"per_page": "5000", "from_date": "2026-11-01"}
        dropped = client.data("N01951", ["0180", "1480"], "2020-2024", from_date="2026-11-01")
        current = client.data("N01951", ["0180", "1480"], "2020-2024")
    assert changed[["municipality_id", "year", "isdeleted"]].drop_duplicates().values.tolist() == [
        ["0180", 2024, False], ["1480", 2023, True]]
    assert changed.loc[(changed["municipality_id"] == "0180") & (changed["gender"] == "T"), "value"].item() == 999_999.0
    assert set(dropped["municipality_id"]) == {"0180"} and "isdeleted" not in dropped.columns
    assert not ((current["municipality_id"] == "1480") & (current["year"] == 2023)).any()


def test_ou_data(kolada_dir: Path) -> None:
    rows = [{"kpi": "N15033", "ou": "V15E144001301", "period": 2023,
             "values": [{"count": 1, "gender": "T", "status": "", "value": 12.5}]}]
    fake = KoladaFake(kolada_dir, ou_rows=rows)
    with serve(fake) as server:
        frame = client_for(server).ou_data("N15033", "V15E144001301", 2023)
        assert data_paths(server) == [] and server.paths() == ["/v3/oudata/kpi/N15033/ou/V15E144001301/year/2023"]
    assert frame[["ou_id", "kpi", "year", "value"]].values.tolist() == [["V15E144001301", "N15033", 2023, 12.5]]


def test_an_empty_result_warns(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        client = client_for(server)
        with pytest.warns(EmptyResultWarning, match="N99999.*retired or mistyped"):
            frame = client.data("N99999", "0180", "2020-2024")
    assert frame.empty and list(frame.columns) == DATA_COLUMNS and client.empty_queries == 1


def test_ids_are_checked_before_any_request(shared_fake: KoladaFake) -> None:
    with serve(shared_fake) as server:
        client = client_for(server)
        with pytest.raises(ValidationError) as info:
            client.data(["N01951", "n1951", "N019511"], ["180", "0180", "Stockholm"], "2020")
        with pytest.raises(ValidationError, match="two of"):
            client.data("N01951")
        assert server.requests == []
    message = str(info.value)
    assert "'n1951'" in message and "'N019511'" in message
    with pytest.raises(ValidationError) as info:
        validate_ids("municipality", ["180", "0180", "Stockholm", "G92787"])
    assert len(info.value.problems) == 2  # the group id is valid
    assert "'180'" in info.value.problems[0] and "'Stockholm'" in info.value.problems[1]


# ------------------------------------------------------------------------------------------------ paging


@pytest.mark.parametrize("last_link", ["absent", "null", "empty"])
def test_paging_stops_on_a_missing_null_or_empty_link(kolada_dir: Path, last_link: str) -> None:
    fake = KoladaFake(kolada_dir, last_link=last_link)
    with serve(fake) as server:
        client = client_for(server, per_page=7)
        frame = client.data("N01951", ["0180", "1480"], "2015-2024")  # 20 rows: 3 pages of 7
        assert [r.query.get("page") for r in server.requests] == [None, "2", "3"]
    assert len(frame[frame["gender"] == "T"]) == 20


def test_v2_next_page_is_followed(kolada_dir: Path) -> None:
    fake = KoladaFake(kolada_dir, style="v2")
    with serve(fake) as server:
        client = client_for(server, per_page=5)
        frame = client.data("N01951", "0180", "2015-2024")
        assert len(server.requests) == 2
    assert sorted(frame.loc[frame["gender"] == "T", "year"]) == list(range(2015, 2025))


def test_a_repeating_link_is_an_error_not_a_loop(kolada_dir: Path) -> None:
    fake = KoladaFake(kolada_dir, repeat_link=True)
    with serve(fake) as server:
        client = client_for(server, per_page=5)
        with pytest.raises(SourceError, match="points back to a page already read"):
            client.data("N01951", "0180", "2015-2024")
        assert len(server.requests) == 2


def test_a_page_without_values_is_a_clear_error(shared_fake: KoladaFake) -> None:
    with serve(Script(shared_fake).add("/v3/kpi", Response.json_body({"items": []}))) as server:
        with pytest.raises(SourceError, match="expected a Kolada page"):
            client_for(server).kpis()


# ------------------------------------------------------------------------------------------------ faults


def test_429_with_retry_after_is_retried(shared_fake: KoladaFake) -> None:
    clock = FakeClock()
    script = Script(shared_fake).add("/v3/data", Response.error(429, retry_after=4))
    with serve(script) as server:
        client = client_for(server, clock)
        frame = client.data("N01951", "0180", 2020)
        assert len(server.requests) == 2
    assert clock.sleeps == [4.0] and client.api.requests_made == 2 and len(frame) == 3


def test_500_then_success(shared_fake: KoladaFake) -> None:
    script = Script(shared_fake).add("/v3/data", Response.error(500))
    with serve(script) as server:
        client = client_for(server)
        assert len(client.data("N01951", "0180", 2020)) == 3
    assert client.api.requests_made == 2


def test_timeout_then_success(shared_fake: KoladaFake) -> None:
    script = Script(shared_fake).add("/v3/data", Response(body=b"{}", delay=0.5))
    with serve(script) as server:
        client = client_for(server, timeout=0.15)
        assert len(client.data("N01951", "0180", 2020)) == 3
    assert client.api.requests_made == 2


@pytest.mark.parametrize("fault, words", [
    (Response.html(503, "Kolada underhåll"), "HTML page"),
    (Response.html(200, "Kolada underhåll"), "HTML page"),
    (Response.truncated_json({"values": [{"kpi": "N01951"}] * 20}), "does not parse"),
])
def test_bad_answers_name_the_url(shared_fake: KoladaFake, fault: Response, words: str) -> None:
    script = Script(shared_fake).add("/v3/data", *[fault] * 4)
    with serve(script) as server:
        client = client_for(server)
        with pytest.raises(SourceError) as info:
            client.data("N01951", "0180", 2020)
    assert words in str(info.value) and "/v3/data/kpi/N01951/municipality/0180/year/2020?per_page=5000" in str(info.value)


# ------------------------------------------------------------------------------------------------ pure parts


def test_data_frame_rejects_rows_of_the_wrong_shape() -> None:
    good = {"kpi": "N01951", "municipality": "0180", "period": 2020,
            "values": [{"count": 1, "gender": "T", "status": "", "value": 1.0}]}
    cases = [
        ({**good, "municipality": 180}, "'municipality': 180"),
        ({**good, "period": "tjugo"}, "'period': 'tjugo'"),
        ({**good, "values": [{"count": 1, "gender": "F", "status": "", "value": 1.0}]}, "'gender': 'F'"),
        ({**good, "values": [{"count": 1, "gender": "T", "status": "", "value": "1,5"}]}, "'value': '1,5'"),
        ({**good, "values": [{"count": -1, "gender": "T", "status": "", "value": 1.0}]}, "'count': -1"),
    ]
    for row, words in cases:
        with pytest.raises(SourceError) as info:
            data_frame([good, row], url="http://x/v3/data/kpi/N01951")
        assert "http://x/v3/data/kpi/N01951: row 2" in str(info.value) and words in str(info.value)


def test_data_frame_drops_deleted_rows_unless_asked() -> None:
    rows = [{"kpi": "N01951", "municipality": "0180", "period": "2020", "isdeleted": True,
             "values": [{"count": 1, "gender": "T", "status": "", "value": 1.0}]},
            {"kpi": "N01951", "municipality": "1480", "period": 2020,
             "values": [{"count": 1, "gender": "K", "status": "x", "value": 2.0, "isdeleted": True},
                        {"count": 1, "gender": "M", "status": "", "value": 3}]}]
    assert data_frame(rows)[["municipality_id", "gender", "value"]].values.tolist() == [["1480", "M", 3.0]]
    kept = data_frame(rows, keep_deleted=True)
    assert kept["isdeleted"].tolist() == [True, True, False] and kept["year"].tolist() == [2020] * 3


def test_plan_for_the_benchmark_query_is_minimal_and_covers_everything() -> None:
    kpis = [f"N{i:05d}" for i in range(40)]
    munis = [f"{i:04d}" for i in range(1, 291)]
    years = list(range(2010, 2025))
    plan = plan_chunks(kpis, munis, years)
    assert all(len(c.kpis) <= 25 and len(c.units) <= 25 and len(c.years) <= 25 for c in plan)
    covered = [cell for c in plan for cell in itertools.product(c.kpis, c.units, c.years)]
    assert len(covered) == len(set(covered)) == 40 * 290 * 15  # every cell exactly once
    assert len(plan) == 38 and max(c.size for c in plan) <= 5000  # one page each
    naive = estimated_requests((40, 290, 15), (2, 12, 1), 5000)  # chunks of 25: two pages each
    assert naive == 48


def test_plan_without_expected_rows_uses_the_largest_segments() -> None:
    plan = plan_chunks([f"N{i:05d}" for i in range(40)], None, range(2010, 2027), expect_rows=False)
    assert [c.path.count(",") for c in plan] == [19 + 16, 19 + 16]
    assert plan[0].path.startswith("data/kpi/N00000,") and "/municipality/" not in plan[0].path


def test_parse_years_and_dates() -> None:
    assert parse_years("2015-2017, 2020") == [2015, 2016, 2017, 2020]
    assert parse_years(2024) == [2024] and parse_years(range(2020, 2022)) == [2020, 2021]
    with pytest.raises(ValidationError) as info:
        parse_years("2024-2015,20x0")
    assert "runs backwards" in str(info.value) and "'20x0'" in str(info.value)
    assert validate_date("2026-02-28") == "2026-02-28"
    for bad in ("2026-02-30", "28/2/2026", "2026-2-1"):
        with pytest.raises(ValidationError):
            validate_date(bad)


def test_frames_from_recorded_payloads_keep_ids_as_text(kolada_dir: Path) -> None:
    rows = json.loads((kolada_dir / "kolada_v3_2026-03-23_data_kld_data_reconstructed.json").read_text("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = data_frame(rows)
    assert len(frame) == len(rows) and set(frame["municipality_id"]) == {"0180", "1280", "1480"}
    assert frame.loc[(frame["kpi"] == "N03702") & (frame["municipality_id"] == "0180") & (frame["year"] == 2012),
                     "value"].item() == pytest.approx(777.735791)
    assert pd.api.types.is_integer_dtype(frame["year"])
