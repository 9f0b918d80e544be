"""The innovation case register: validation, flat-file conventions, demo, example file and the OPSI export."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.metrics import portfolio
from natsam_analysis.sources import cases

MUNIS = {"0180", "1480", "1281", "1490", "2480", "2584", "0380", "1280", "0580", "1880", "1283", "0680", "2281",
         "2180"}


def minimal(**overrides) -> dict[str, str]:
    row = {"case_id": "C-1", "title": "Ett fall", "organisation": "Lunds kommun", "municipality_id": "1281",
           "platform": "lund", "organisation_type": "government", "level_of_government": "local",
           "short_explanation": "Kort.", "lifecycle_stages": "identifying_problems; generating_ideas",
           "facet_primary": "mission", "publication_level": "public", "consent_opsi_export": "ja"}
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def problems_of(tmp_path, rows, name="f.csv") -> list[str]:
    with pytest.raises(ValidationError) as info:
        cases.read_cases(write_csv(tmp_path / name, rows), known_municipalities=MUNIS)
    return info.value.problems


def test_a_minimal_file_reads_with_types_and_provenance(tmp_path):
    path = write_csv(tmp_path / "f.csv", [minimal(sdg_targets="11.6; 13.2; 5.a", partners="LU|academia|utvärdering; "
                                                  "Boenderåd|residents", outcome_kpis="N00945|60|75|68,5|K",
                                                  team_women_pct="60", team_men_pct="40", year_launched="2024",
                                                  start_date="2024-01-15")])
    frame = cases.read_cases(path, known_municipalities=MUNIS)
    assert list(frame.columns) == cases.COLUMNS
    row = frame.iloc[0]
    assert row["lifecycle_stages"] == ["identifying_problems", "generating_ideas"]
    assert row["sdg_targets"] == ["11.6", "13.2", "5.a"]
    assert row["partners"] == [{"name": "LU", "type": "academia", "contribution": "utvärdering"},
                               {"name": "Boenderåd", "type": "residents", "contribution": ""}]
    assert row["outcome_kpis"] == [{"kpi": "N00945", "baseline": 60.0, "target": 75.0, "latest": 68.5, "gender": "K"}]
    assert bool(row["consent_opsi_export"]) is True and row["year_launched"] == 2024
    assert row["start_date"] == pd.Timestamp("2024-01-15") and pd.isna(row["end_date"])
    assert frame.attrs["provenance"] == {"source": "file", "synthetic": False, "file": str(path), "rows": 1}


def test_xlsx_reads_like_csv(tmp_path):
    path = tmp_path / "f.xlsx"
    pd.DataFrame([minimal(sdg_targets="11.6")]).to_excel(path, index=False)
    frame = cases.read_cases(path, known_municipalities=MUNIS)
    assert frame.loc[0, "municipality_id"] == "1281" and frame.loc[0, "sdg_targets"] == ["11.6"]


def test_semicolon_separated_csv(tmp_path):
    path = tmp_path / "f.csv"
    pd.DataFrame([minimal(lifecycle_stages="implementation")]).to_csv(path, index=False, sep=";")
    assert cases.read_cases(path, known_municipalities=MUNIS).loc[0, "lifecycle_stages"] == ["implementation"]


def test_unknown_and_missing_required_columns_are_all_reported(tmp_path):
    row = minimal(colour="red")
    del row["title"], row["platform"]
    found = problems_of(tmp_path, [row])
    assert len(found) == 3
    assert any("'colour' is not a column" in p for p in found)
    assert any("required column 'title' is missing" in p for p in found)
    assert any("required column 'platform' is missing" in p for p in found)


@pytest.mark.parametrize("column, value, expected", [
    ("facet_primary", "radical", "use one of: enhancement, mission, adaptive, anticipatory"),
    ("lifecycle_stages", "implementation; launching", "'launching'"),
    ("organisation_type", "company", "government, NGO, academia, private, IO, independent"),
    ("short_explanation", "x" * 501, "501 characters is over the limit of 500"),
    ("overview", "x" * 5001, "over the limit of 5000"),
    ("year_launched", "20x4", "not a whole number"),
    ("year_launched", "1800", "outside the allowed range"),
    ("start_date", "2024-02-30", "not a date; write YYYY-MM-DD"),
    ("start_date", "15/01/2024", "not a date"),
    ("municipality_id", "9999", "not one of Sweden's 290 municipalities"),
    ("municipality_id", "180", "lost its leading zero"),
    ("sdg_targets", "11.6; 11.9; 18.1", "'11.9', '18.1' are not valid SDG targets"),
    ("sdg_targets", "eleven", "is not a valid SDG target"),
    ("outcome_kpis", "X12|1|2|3|T", "Kolada KPI id 'X12' is malformed"),
    ("outcome_kpis", "N00945|a|2|3|T", "baseline 'a' is not a number"),
    ("outcome_kpis", "N00945|1|2", "not 'kpi|baseline|target|latest|gender'"),
    ("outcome_kpis", "N00945|1|2|3|X", "gender 'X' is not T, K or M"),
    ("team_women_pct", "120", "outside the allowed range"),
    ("team_men_pct", "-5", "outside the allowed range"),
    ("consent_opsi_export", "kanske", "not yes/no"),
    ("partners", "Kommunen|government|stöd", "type 'government' is not allowed"),
    ("partners", "Kommunen", "not 'name|type|contribution'"),
    ("partners", "; ".join(f"Partner {i}|public|" + "x" * 40 for i in range(10)), "over the limit of 500"),
    ("barrier_ids", "SH-25-1", "malformed; write SH-YYYY-NNN"),
    ("case_id", "a b", "case id 'a b' is not valid"),
    ("title", "", "empty, but 'title' is required"),
    ("lifecycle_stages", "", "empty, but 'lifecycle_stages' is required"),
])
def test_each_cell_problem_names_row_column_and_what_to_do(tmp_path, column, value, expected):
    found = problems_of(tmp_path, [minimal(), minimal(**{"case_id": "C-2", column: value})])
    assert len(found) == 1, found
    assert f"row 2, column '{column}'" in found[0] and expected in found[0], found[0]


def test_cross_row_problems(tmp_path):
    rows = [minimal(), minimal(), minimal(case_id="C-3", team_women_pct="70", team_men_pct="40"),
            minimal(case_id="C-4", reused_from="C-99"), minimal(case_id="C-5", reused_from="external:Danmark"),
            minimal(case_id="C-6", start_date="2024-05-01", end_date="2024-01-01"),
            minimal(case_id="C-7", facet_secondary="mission")]
    found = problems_of(tmp_path, rows)
    assert len(found) == 5, found
    assert "row 2, column 'case_id': duplicate case id 'C-1' (also in row 1)" in found[0]
    assert any("row 3, columns 'team_women_pct' and 'team_men_pct': 70 + 40 = 110 %, over 100 %" in p for p in found)
    assert any("row 4, column 'reused_from': 'C-99' is not a case id in this file" in p for p in found)
    assert any("row 6, column 'end_date'" in p for p in found)
    assert any("row 7, column 'facet_secondary'" in p for p in found)


def test_every_problem_at_once(tmp_path):
    rows = [minimal(facet_primary="x", sdg_targets="99.1", municipality_id="0000"),
            minimal(case_id="C-2", year_launched="soon")]
    found = problems_of(tmp_path, rows)
    assert len(found) == 4
    assert all(str(tmp_path / "f.csv") in p for p in found)


def test_unreadable_files_raise_natsam_errors(tmp_path):
    with pytest.raises(NatsamError, match="not found"):
        cases.read_cases(tmp_path / "missing.csv")
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(NatsamError, match="unknown file type"):
        cases.read_cases(tmp_path / "a.json")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(NatsamError, match="empty"):
        cases.read_cases(tmp_path / "e.csv")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    with pytest.raises(NatsamError, match="Excel"):
        cases.read_cases(tmp_path / "b.xlsx")


def test_sdg_target_codes():
    assert len(cases.SDG_TARGETS) == 169
    assert {"11.6", "13.2", "5.5", "5.a", "17.19", "16.10"} <= cases.SDG_TARGETS
    assert not {"11.8", "17.a", "0.1", "13.4", "1.6"} & cases.SDG_TARGETS


def test_metrics_and_schema_share_vocabularies():
    assert portfolio.FACETS == cases.FACETS
    assert portfolio.LIFECYCLE_STAGES == cases.LIFECYCLE_STAGES
    assert portfolio.PLATFORMS == tuple(cases.PLATFORMS)


# ------------------------------------------------------------------ the demo and the example file

@pytest.fixture(scope="module")
def demo():
    return cases.demo_cases()


def test_demo_is_deterministic_labelled_and_plausible(demo):
    assert demo.attrs["provenance"]["synthetic"] is True and demo.attrs["provenance"]["source"] == "demo"
    assert len(demo) == 60 and demo["case_id"].is_unique
    assert set(demo["platform"]) == set(cases.PLATFORMS)
    assert demo["reused_from"].notna().sum() >= 5 and demo["barrier_ids"].map(len).gt(0).sum() >= 10
    assert all(b.startswith("SH-2025-") for bs in demo["barrier_ids"] for b in bs)
    pd.testing.assert_frame_equal(demo, cases.demo_cases())
    assert cases.load_cases().attrs["provenance"]["synthetic"] is True


def test_example_file_is_what_the_generator_writes_and_validates(tmp_path, data_dir, demo):
    written = cases.write_example(tmp_path / "fall_exempel.csv")
    assert written.read_bytes() == cases.EXAMPLE_PATH.read_bytes(), \
        "data/examples/fall_exempel.csv is stale: run python -m natsam_analysis.sources.cases"
    frame = cases.read_cases(cases.EXAMPLE_PATH)
    assert frame.attrs["provenance"]["synthetic"] is True
    for column in cases.COLUMNS:  # the flat file round-trips every value
        assert str(frame[column].tolist()) == str(demo[column].tolist()), column
    summary = cases.cases_summary(frame)
    assert summary.startswith("60 fall från") and "Demodata" in summary and len(summary.splitlines()) <= 5
    assert cases.cases_summary(frame, "en").startswith("60 cases from")


# ------------------------------------------------------------------ the OPSI export

def test_opsi_export_names_and_values(tmp_path, demo):
    out = cases.export_opsi(demo, tmp_path / "opsi.json", format="json")
    records = json.loads(out.read_text(encoding="utf-8"))
    exported = demo[demo["consent_opsi_export"] & (demo["publication_level"] == "public")]
    assert [r["case_id"] for r in records] == exported["case_id"].tolist()
    assert list(records[0]) == list(cases.OPSI_FIELDS)
    assert {"name_of_innovation", "short_and_simple_explanation", "executive_summary", "innovation_status",
            "results_impact", "lessons_to_share", "potential_to_be_replicated"} <= set(records[0])
    stages = {v: k for k, v in cases.OPSI_VALUE_LABELS["lifecycle_stages"].items()}
    sectors = {v: k for k, v in cases.OPSI_VALUE_LABELS["sectors"].items()}
    for record, (_, row) in zip(records, exported.iterrows()):
        assert record["name_of_innovation"] == row["title"]
        assert record["year_innovation_launched"] == row["year_launched"]
        assert record["short_and_simple_explanation"] == row["short_explanation"]
        assert [stages[s] for s in record["innovation_status"]] == row["lifecycle_stages"]
        assert [sectors[s] for s in record["organisation_primary_sectorfield"]] == row["sectors"]
        assert record["innovation_tags"] == row["tags"]
        assert len(record["collaboration_partnerships"]) <= 500
        assert "contact" not in record and "kontakt-" not in json.dumps(record)
    # CSV: the same records, lists joined with "; "
    flat = pd.read_csv(cases.export_opsi(demo, tmp_path / "opsi.csv"), dtype=str, keep_default_na=False)
    assert list(flat.columns) == list(cases.OPSI_FIELDS)
    for record, (_, line) in zip(records, flat.iterrows()):
        for key, value in record.items():
            text = "; ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
            assert line[key] == text, key


def test_export_all_and_bad_format(tmp_path, demo):
    out = cases.export_opsi(demo, tmp_path / "all.json", format="json", only_consented=False)
    assert len(json.loads(out.read_text())) == len(demo)
    with pytest.raises(NatsamError, match="csv' or 'json"):
        cases.export_opsi(demo, tmp_path / "x.xml", format="xml")
    assert not (tmp_path / "x.xml").exists()


def test_failing_export_leaves_the_existing_file_untouched(tmp_path, demo, monkeypatch):
    target = tmp_path / "opsi.csv"
    target.write_text("old contents", encoding="utf-8")

    def broken(records, **kwargs):
        raise OSError("disk full")

    original = cases.store.atomic_write_text

    def failing_write(path, text):
        def write(tmp):
            tmp.write_text(text[: len(text) // 2], encoding="utf-8")
            raise OSError("disk full")
        cases.store.atomic_write(path, write)

    monkeypatch.setattr(cases.store, "atomic_write_text", failing_write)
    with pytest.raises(OSError):
        cases.export_opsi(demo, target)
    assert target.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opsi.csv"]  # no temporary file left behind
    monkeypatch.setattr(cases.store, "atomic_write_text", original)
    broken_frame = demo.drop(columns=["title"])
    with pytest.raises(NatsamError, match="missing columns: title"):
        cases.export_opsi(broken_frame, target)
    assert target.read_text(encoding="utf-8") == "old contents"


# ------------------------------------------------------------------ corrupted files (hypothesis)

def _example_rows() -> list[list[str]]:
    frame = pd.read_csv(cases.EXAMPLE_PATH, dtype=str, keep_default_na=False)
    return [list(frame.columns)] + frame.head(4).values.tolist()


EXAMPLE = _example_rows()
cells = st.text(alphabet=string.printable + "åäöÅÄÖ;|", max_size=30)
#: What an Excel cell can hold (openpyxl refuses control characters).
xlsx_cells = st.text(alphabet=string.ascii_letters + string.digits + " .,;|-åäö", max_size=30)


def _check_only_natsam_errors(tmp_path: Path, name: str, data: bytes) -> None:
    folder = tmp_path / f"h{abs(hash((name, data))) % 10**8}"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    try:
        cases.read_cases(path, known_municipalities=MUNIS)
    except NatsamError:
        pass
    assert sorted(p.name for p in folder.iterdir()) == [name]  # nothing written beside it
    assert path.read_bytes() == data


def _csv(rows: list[list[str]]) -> bytes:
    return pd.DataFrame(rows[1:], columns=rows[0]).to_csv(index=False).encode("utf-8")


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes(tmp_path, data):
    _check_only_natsam_errors(tmp_path, "f.csv", data)
    _check_only_natsam_errors(tmp_path, "f.xlsx", data)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(_csv(EXAMPLE))))
def test_truncated(tmp_path, cut):
    _check_only_natsam_errors(tmp_path, "f.csv", _csv(EXAMPLE)[:cut])


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, len(EXAMPLE) - 1), st.integers(0, len(EXAMPLE[0]) - 1), cells),
                      max_size=8))
def test_random_cells_and_header(tmp_path, edits):
    rows = [list(r) for r in EXAMPLE]
    for i, j, value in edits:
        rows[i][j] = value
    if len(set(rows[0])) == len(rows[0]):
        _check_only_natsam_errors(tmp_path, "f.csv", _csv(rows))
    else:
        _check_only_natsam_errors(tmp_path, "f.csv", "\n".join(",".join(r) for r in rows).encode())


@SETTINGS
@given(order=st.permutations(range(len(EXAMPLE[0]))), drop=st.integers(0, len(EXAMPLE[0])))
def test_shuffled_and_dropped_columns(tmp_path, order, drop):
    rows = [[r[k] for k in order][:drop] for r in EXAMPLE]
    _check_only_natsam_errors(tmp_path, "f.csv", _csv(rows) if rows[0] else b"\n")


@SETTINGS
@given(values=st.lists(st.one_of(st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), xlsx_cells),
                       min_size=len(EXAMPLE[0]), max_size=len(EXAMPLE[0])))
def test_wrong_types_in_xlsx(tmp_path, values):
    folder = tmp_path / f"x{abs(hash(str(values))) % 10**8}"
    folder.mkdir(exist_ok=True)
    path = folder / "f.xlsx"
    pd.DataFrame([values], columns=EXAMPLE[0]).to_excel(path, index=False)
    try:
        cases.read_cases(path, known_municipalities=MUNIS)
    except NatsamError:
        pass
    assert sorted(p.name for p in folder.iterdir()) == ["f.xlsx"]


def test_xlsx_typed_cells_numbers_dates_and_booleans(tmp_path):
    import datetime

    row = {**minimal(), "year_launched": 2024, "team_women_pct": 60.5, "start_date": datetime.datetime(2024, 1, 15),
           "consent_opsi_export": True}
    path = tmp_path / "typed.xlsx"
    pd.DataFrame([row]).to_excel(path, index=False)
    frame = cases.read_cases(path, known_municipalities=MUNIS)
    assert frame.loc[0, "year_launched"] == 2024 and frame.loc[0, "team_women_pct"] == 60.5
    assert frame.loc[0, "start_date"] == pd.Timestamp("2024-01-15") and bool(frame.loc[0, "consent_opsi_export"])
    pd.DataFrame([{**row, "municipality_id": 180}]).to_excel(path, index=False)
    with pytest.raises(ValidationError, match="lost its leading zero"):
        cases.read_cases(path, known_municipalities=MUNIS)
