"""The system-barrier register: reading, every validation error, the demo and the example export."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsam_analysis import barrier_schema as schema
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.sources import barriers as sb

KNOWN = ("0180", "1480", "1281", "1490", "2480", "2584", "1280", "0380")
HEADER = ("barrier_id,title_sv,raised_by_platform,raised_by_municipality,date_raised,date_validated,date_resolved,"
          "barrier_type,legal_area,level_of_origin,municipal_mandate,severity,status")
GOOD = "SH-1,Hinder,Lund,1281;1280,2024-01-10,2024-02-01,,legal;procurement,PBL,nationell,partial,3,analysed"


def write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ValidationError) as info:
        sb.read_barriers(path, known_municipalities=KNOWN)
    return info.value.problems


def test_a_minimal_barriers_only_csv_is_a_register(tmp_path):
    reg = sb.read_barriers(write(tmp_path, "r.csv", HEADER, GOOD), known_municipalities=KNOWN)
    b = reg.barriers.iloc[0]
    assert b["barrier_type"] == ("legal", "procurement") and b["raised_by_municipality"] == ("1281", "1280")
    assert b["severity"] == 3 and b["date_raised"] == pd.Timestamp("2024-01-10")
    assert len(reg.events) == 0 and len(reg.links) == 0
    assert reg.provenance["source"] == "file" and not reg.synthetic
    assert reg.barriers.attrs["provenance"]["file"] == "r.csv"


@pytest.mark.parametrize("line, expected", [
    (GOOD.replace(",Lund,", ",Malmö,"), ["row 2: column 'raised_by_platform': 'Malmö' is not an allowed value "
                                          "(allowed: Lund, Göteborg, Borås, Stockholm, Umeå, Kiruna, other)"]),
    (GOOD.replace("legal;procurement", "legal;magic"), ["row 2: column 'barrier_type': 'magic' is not an allowed"]),
    (GOOD.replace(",3,", ",7,"), ["row 2: column 'severity': '7' is outside the severity scale 1-5"]),
    (GOOD.replace(",3,", ",high,"), ["row 2: column 'severity': 'high' is not a whole number"]),
    (GOOD.replace("2024-01-10", "10/01/2024"), ["row 2: column 'date_raised': '10/01/2024' is not a date"]),
    (GOOD.replace("2024-01-10", "2024-02-30"), ["row 2: column 'date_raised': '2024-02-30' is not a date"]),
    (GOOD.replace("2024-02-01", "2023-12-01"), ["row 2: column 'date_validated': 2023-12-01 is before date_raised"]),
    (GOOD.replace("1281;1280", "1281;9999"), ["row 2: column 'raised_by_municipality': '9999' is not a Swedish"]),
    (GOOD.replace("1281;1280", "1281;180"), ["row 2: column 'raised_by_municipality': '180' is not a 4-digit"]),
    (GOOD.replace(",analysed", ",done"), ["row 2: column 'status': 'done' is not an allowed value"]),
    (GOOD.replace("2024-02-01,,", ",,"), ["row 2: column 'date_validated': empty, but status 'analysed'"]),
    (GOOD.replace(",analysed", ",resolved"), ["row 2: column 'date_resolved': empty, but status is 'resolved'"]),
    (GOOD.replace("2024-02-01,,", "2024-02-01,2024-03-01,"), ["row 2: column 'date_resolved': 2024-03-01 given, but "
                                                             "status 'analysed' is not an outcome"]),
    (GOOD.replace(",Hinder,", ",,"), ["row 2: column 'title_sv': '' is empty"]),
])
def test_each_cell_error_is_reported_with_its_row_column_and_value(tmp_path, line, expected):
    problems = problems_of(write(tmp_path, "r.csv", HEADER, line))
    assert len(problems) == len(expected)
    for p, e in zip(problems, expected):
        assert p.startswith(f"r.csv, {e}"), p


def test_resolved_before_validated_is_reported(tmp_path):
    line = GOOD.replace("2024-02-01,,", "2024-02-01,2024-01-20,").replace(",analysed", ",resolved")
    assert problems_of(write(tmp_path, "r.csv", HEADER, line)) == [
        "r.csv, row 2: column 'date_resolved': 2024-01-20 is before date_validated 2024-02-01; "
        "a barrier is resolved after it is validated"]


def test_columns_unknown_missing_and_every_problem_at_once(tmp_path):
    header = HEADER.replace(",severity", ",colour").replace("status", "status,colour2")
    line = GOOD.replace(",Lund,", ",Malmö,") + ",x"
    problems = problems_of(write(tmp_path, "r.csv", header, line, GOOD.replace("SH-1", "SH-2") + ",y"))
    assert any("header: column 'colour' is not in the schema of the barriers (allowed: barrier_id," in p
               for p in problems)
    assert any("header: missing required column(s): severity" in p for p in problems)
    assert any("row 2: column 'raised_by_platform'" in p for p in problems)


def test_duplicate_ids(tmp_path):
    assert problems_of(write(tmp_path, "r.csv", HEADER, GOOD, GOOD)) == [
        "r.csv, row 2: rows 2, 3, column 'barrier_id': duplicate id 'SH-1'"]


EVENTS = "event_id,barrier_id,date,type,status"


def test_events_and_links_beside_the_csv(tmp_path):
    path = write(tmp_path, "r.csv", HEADER, GOOD, GOOD.replace("SH-1", "SH-2"))
    write(tmp_path, "r_handelser.csv", EVENTS, "E1,SH-1,2024-02-01,decision,validated",
          "E2,SH-1,2024-03-01,meeting,analysed", "E3,SH-2,2024-02-01,decision,validated",
          "E4,SH-2,2024-02-05,letter,", "E5,SH-2,2024-02-10,meeting,analysed")
    write(tmp_path, "r_kopplingar.csv", "barrier_id,related_barrier_id,relation", "SH-2,SH-1,causes")
    reg = sb.read_barriers(path, known_municipalities=KNOWN)
    assert len(reg.events) == 5 and reg.links["relation"].tolist() == ["causes"]


def test_event_and_link_errors(tmp_path):
    path = write(tmp_path, "r.csv", HEADER, GOOD)
    write(tmp_path, "r_handelser.csv", EVENTS,
          "E1,SH-1,2024-02-01,decision,validated",
          "E2,SH-1,2024-03-01,meeting,in_dialogue",      # skips analysed
          "E3,SH-9,2024-03-01,meeting,",                 # unknown barrier
          "E4,SH-1,2023-03-01,call,")                    # before raised, unknown type
    write(tmp_path, "r_kopplingar.csv", "barrier_id,related_barrier_id,relation", "SH-1,SH-7,causes",
          "SH-1,SH-1,related", "SH-1,SH-1,blocks")
    problems = problems_of(path)
    assert ("r.csv, row 2: column 'status': 'analysed', but barrier SH-1's event history ends in 'in_dialogue'; "
            "correct one of them") in problems
    assert ("r_handelser.csv, row 3: column 'status': 'validated' -> 'in_dialogue' is not a step of the workflow "
            "for barrier SH-1 (from 'validated': analysed, parked, withdrawn)") in problems
    assert "r_handelser.csv, row 4: column 'barrier_id': 'SH-9' is not a barrier of the register" in problems
    assert any(p.startswith("r_handelser.csv, row 5: column 'type': 'call' is not an allowed value (allowed: meeting")
               for p in problems)
    assert "r_handelser.csv, row 5: column 'date': 2023-03-01 is before barrier SH-1 was raised (2024-01-10)" in problems
    assert "r_kopplingar.csv, row 2: column 'related_barrier_id': 'SH-7' is not a barrier of the register" in problems
    assert "r_kopplingar.csv, row 3: column 'related_barrier_id': 'SH-1' links the barrier to itself" in problems
    assert any(p.startswith("r_kopplingar.csv, row 4: column 'relation': 'blocks' is not an allowed value")
               for p in problems)


def test_a_final_status_allows_no_further_change(tmp_path):
    line = GOOD.replace(",analysed", ",validated")
    path = write(tmp_path, "r.csv", HEADER, line)
    write(tmp_path, "r_handelser.csv", EVENTS, "E1,SH-1,2024-02-01,decision,withdrawn",
          "E2,SH-1,2024-03-01,decision,validated")
    assert ("r_handelser.csv, row 3: column 'status': 'withdrawn' -> 'validated' is not a step of the workflow for "
            "barrier SH-1 (from 'withdrawn': none, it is final)") in problems_of(path)


def test_dialogverkstad_sessions_must_be_events_of_the_barrier(tmp_path):
    header = HEADER + ",dialogverkstad_sessions"
    path = write(tmp_path, "r.csv", header, GOOD + ",E1;E9", GOOD.replace("SH-1", "SH-2") + ",")
    write(tmp_path, "r_handelser.csv", EVENTS, "E1,SH-2,2024-02-01,meeting,")
    problems = problems_of(path)
    assert "r.csv, row 2: column 'dialogverkstad_sessions': event 'E1' belongs to barrier 'SH-2'" in problems
    assert "r.csv, row 2: column 'dialogverkstad_sessions': 'E9' is not an event of the register" in problems


def test_xlsx_round_trip_and_sheet_errors(tmp_path):
    reg = sb.demo_register()
    path = tmp_path / "r.xlsx"
    sb.write_barriers(reg, path)
    back = sb.read_barriers(path, known_municipalities=sb._OTHER_MUNICIPALITIES)
    pd.testing.assert_frame_equal(back.barriers, reg.barriers, check_dtype=False)
    assert len(back.events) == len(reg.events) and len(back.links) == len(reg.links)
    with pd.ExcelWriter(tmp_path / "bad.xlsx") as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="Blad1", index=False)
    with pytest.raises(ValidationError) as info:
        sb.read_barriers(tmp_path / "bad.xlsx", known_municipalities=KNOWN)
    assert info.value.problems == [
        "bad.xlsx: sheet 'Blad1' is not part of a register (sheets: hinder, händelser, kopplingar); remove or rename it",
        "bad.xlsx: no sheet 'hinder' with the barriers"]


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(NatsamError, match="not found"):
        sb.read_barriers(tmp_path / "nope.csv")
    (tmp_path / "r.json").write_text("{}")
    with pytest.raises(NatsamError, match="unknown file type"):
        sb.read_barriers(tmp_path / "r.json")


def test_the_demo_is_deterministic_synthetic_and_valid():
    a, b = sb.demo_register(), sb.demo_register()
    pd.testing.assert_frame_equal(a.barriers, b.barriers)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert len(a.barriers) == 40 and a.synthetic and a.provenance["source"] == "demo"
    assert set(a.barriers["raised_by_platform"]) >= {"Lund", "Göteborg", "Borås", "Stockholm", "Umeå", "Kiruna"}
    assert a.barriers["status"].nunique() >= 6 and len(a.events) > 40
    assert (a.events["date"] <= pd.Timestamp(sb.DEMO_AS_OF)).all()
    assert sb.load_barriers().synthetic


def test_the_example_export_validates_and_is_reproducible(tmp_path, data_dir):
    reg = sb.read_barriers(sb.EXAMPLE_PATH)  # against the 290 municipalities of the geography
    assert len(reg.barriers) == 40 and reg.synthetic
    fresh = sb.write_example_export(tmp_path / "x.csv")
    assert fresh.read_bytes() == sb.EXAMPLE_PATH.read_bytes(), \
        "data/examples/systemhinder_exempel.csv is stale: run natsam_analysis.sources.barriers.write_example_export()"
    assert "Systemhinderregister: 40 hinder" in sb.barriers_summary(reg)


# ------------------------------------------------------------------ corrupted files
def _example_lines() -> list[str]:
    return sb.EXAMPLE_PATH.read_text(encoding="utf-8").splitlines()


def _check_only_natsam_errors(path: Path) -> None:
    before = sorted(p.name for p in path.parent.iterdir())
    try:
        sb.read_barriers(path, known_municipalities=KNOWN + sb._OTHER_MUNICIPALITIES)
    except NatsamError:
        pass
    assert sorted(p.name for p in path.parent.iterdir()) == before  # nothing written


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes_only_raise_natsam_errors(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("rnd") / f"r{suffix}"
    path.write_bytes(data)
    _check_only_natsam_errors(path)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=20000))
def test_truncated_files_only_raise_natsam_errors(tmp_path_factory, cut):
    folder = tmp_path_factory.mktemp("cut")
    path = folder / "r.csv"
    path.write_bytes(sb.EXAMPLE_PATH.read_bytes()[:cut])
    _check_only_natsam_errors(path)


@SETTINGS
@given(data=st.data())
def test_shuffled_columns_and_random_cells_only_raise_natsam_errors(tmp_path_factory, data):
    df = pd.read_csv(sb.EXAMPLE_PATH, dtype=str, keep_default_na=False)
    cols = data.draw(st.permutations(list(df.columns)))
    df = df[cols]
    for _ in range(data.draw(st.integers(0, 6))):
        r = data.draw(st.integers(0, len(df) - 1))
        c = data.draw(st.sampled_from(list(df.columns)))
        df.iloc[r, df.columns.get_loc(c)] = data.draw(st.one_of(
            st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.sampled_from(["", "2024-13-01", "-1", "1e400", "nan", "SH-2023-001", ";;"])))
    if data.draw(st.booleans()):
        df = df.drop(columns=data.draw(st.sampled_from(list(df.columns))))
    folder = tmp_path_factory.mktemp("cells")
    path = folder / data.draw(st.sampled_from(["r.csv", "r.xlsx"]))
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_excel(path, sheet_name="hinder", index=False)
    _check_only_natsam_errors(path)
