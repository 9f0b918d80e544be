"""The capability survey: the codebook, reading exports (every validation error), the demo and the examples."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.sources import survey
from natsam_analysis.sources.survey import (
    DONT_KNOW,
    EXAMPLE_FILES,
    EXAMPLES_DIR,
    demo_survey,
    example_export,
    load_instrument,
    load_survey,
    read_survey,
    survey_summary,
    write_example_exports,
)


@pytest.fixture(scope="module", autouse=True)
def geo(tmp_path_factory, geography_cache, data_dir_context):
    root = tmp_path_factory.mktemp("survey-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with data_dir_context(root):
        yield root


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    """A small valid export as text cells (60 respondents, partly as Swedish labels)."""
    return example_export(seed=3, n=60)


def write(table: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_csv(path, index=False)
    return path


def table_with_ids(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    return table.assign(respondent_id=[f"{prefix}{i}" for i in range(len(table))])


def problems_of(path: Path, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as info:
        read_survey(path, **kwargs)
    return info.value.problems


# ------------------------------------------------------------------ codebook
def test_codebook_has_the_constructs_items_scale_and_background():
    inst = load_instrument()
    assert [c["id"] for c in inst.constructs] == [f"C{i}" for i in range(1, 13)]
    assert len(inst.item_codes()) == 54 and len(inst.item_codes("short")) == 26
    assert {code for code, i in inst.items.items() if i["reverse"]} == {
        "C1_5", "C3_4", "C4_5", "C7_2", "C9_4", "C11_2", "C11_3", "C11_4"}
    assert inst.scale_labels[1]["sv"] == "Stämmer inte alls" and inst.scale_labels[5]["en"] == "Strongly agree"
    assert inst.dont_know["value"] == DONT_KNOW and inst.dont_know["label"]["sv"] == "Vet ej / Ej relevant"
    assert inst.summed_constructs() == [f"C{i}" for i in range(1, 12)]  # C12 is a profile
    roles = next(b for b in inst.background if b["id"] == "role")
    assert [c["code"] for c in roles["categories"]] == ["medarbetare", "första linjens chef", "högre chef", "politiker"]
    genders = next(b for b in inst.background if b["id"] == "gender")
    assert [c["code"] for c in genders["categories"]] == ["kvinna", "man", "annan", "vill ej ange"]


def test_a_broken_codebook_lists_every_problem(tmp_path):
    raw = yaml.safe_load(survey.INSTRUMENT_FILE.read_text(encoding="utf-8"))
    raw["constructs"][0]["items"][0]["reverse"] = "yes"
    raw["constructs"][1]["items"][1]["code"] = "C1_2"
    raw["scale"]["labels"].pop(3)
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_instrument(path)
    text = "\n".join(info.value.problems)
    assert "C1_1: 'reverse'" in text and "C1_2" in text and "scale.labels" in text


# ------------------------------------------------------------------ reading
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_valid_export_reads_with_labels_numbers_and_vet_ej(tmp_path, export, suffix):
    frame = read_survey(write(export, tmp_path / f"e{suffix}"))
    assert len(frame) == 60 and list(frame.columns[:9]) == list(survey.BACKGROUND)
    assert frame["municipality_id"].str.fullmatch(r"\d{4}").all()
    demo = demo_survey(seed=3, n=60)
    codes = load_instrument().item_codes()
    assert frame[codes].equals(demo[codes])  # labels and numbers give the same answers
    assert (frame[codes] == DONT_KNOW).any().any()
    assert frame.attrs["provenance"]["synthetic"] is True and frame.attrs["provenance"]["sha256"]  # DEMO- ids
    real = table_with_ids(export, "X")
    assert read_survey(write(real, tmp_path / f"r{suffix}")).attrs["provenance"]["source"] == "survey"
    assert frame.attrs["instrument"]["reverse"]


def test_headers_are_matched_without_case_space_or_alias_trouble(tmp_path, export):
    table = export.rename(columns={"C1_1": " c1_1 ", "municipality_id": "Kommun_id", "gender": "Kön", "wave": "VÅG"})
    frame = read_survey(write(table, tmp_path / "e.csv"))
    assert frame["C1_1"].notna().any() and set(frame["gender"].dropna()) <= {"kvinna", "man", "annan", "vill ej ange"}


def test_semicolon_csv_and_lost_leading_zeros(tmp_path, export):
    table = export.copy()
    table["municipality_id"] = table["municipality_id"].str.lstrip("0")
    path = tmp_path / "e.csv"
    table.to_csv(path, index=False, sep=";", encoding="cp1252", errors="replace")
    frame = read_survey(path)
    assert "0180" in set(frame["municipality_id"])


def test_unknown_and_missing_columns(tmp_path, export):
    table = export.drop(columns=["C3_2", "role"]).assign(extra="x")
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert any("'extra': unknown column" in p for p in problems)
    assert any("column 'C3_2': missing" in p for p in problems)
    assert any("column 'role': missing" in p for p in problems)


def test_a_column_given_twice(tmp_path, export):
    table = export.copy()
    table.insert(1, "Respondent", table["respondent_id"])
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert any("a second column for 'respondent_id'" in p for p in problems)


def test_values_off_the_scale_name_row_and_column(tmp_path, export):
    table = export.copy()
    table.loc[2, "C1_1"] = "6"
    table.loc[4, "C2_3"] = "Ganska bra"
    table.loc[5, "C5_1"] = "2.5"
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert any(p.startswith("e.csv, data row 3, column 'C1_1': value '6'") for p in problems)
    assert any("data row 5, column 'C2_3': value 'Ganska bra'" in p for p in problems)
    assert any("data row 6, column 'C5_1'" in p for p in problems)
    assert len(problems) == 3


def test_duplicate_and_blank_respondent_ids(tmp_path, export):
    table = export.copy()
    table.loc[7, ["respondent_id", "wave"]] = [table.loc[1, "respondent_id"], table.loc[1, "wave"]]
    table.loc[8, "respondent_id"] = ""
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert any("data row 8, column 'respondent_id'" in p and "duplicate" in p and "data row 2" in p for p in problems)
    assert any("data row 9, column 'respondent_id'" in p and "empty" in p for p in problems)


def test_the_same_id_in_two_waves_is_a_panel_not_a_duplicate(tmp_path, export):
    table = export.copy()
    other = "2026-H1" if table.loc[1, "wave"] == "2025-H1" else "2025-H1"
    table.loc[7, ["respondent_id", "wave"]] = [table.loc[1, "respondent_id"], other]
    assert len(read_survey(write(table, tmp_path / "e.csv"))) == 60


def test_unknown_municipality(tmp_path, export):
    table = export.copy()
    table.loc[0, "municipality_id"] = "9999"
    table.loc[1, "municipality_id"] = "Lund"
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert any("data row 1, column 'municipality_id': value '9999'" in p for p in problems)
    assert any("data row 2, column 'municipality_id': value 'Lund'" in p for p in problems)


@pytest.mark.parametrize("wave, expected", [("2025-h2", "2025-H2"), ("Våg 1", "våg 1"), ("wave 3", "wave 3"),
                                            ("2025-03-01", "2025-03-01")])
def test_wave_dates_and_labels(tmp_path, export, wave, expected):
    table = export.assign(wave=wave)
    table["respondent_id"] = [f"X{i}" for i in range(len(table))]
    assert set(read_survey(write(table, tmp_path / "e.csv"))["wave"]) == {expected}


def test_a_wave_that_is_neither_date_nor_label(tmp_path, export):
    table = export.copy()
    table.loc[0, "wave"] = "vår 2025"
    table.loc[1, "wave"] = "2025-13-40"
    table.loc[2, "wave"] = ""
    problems = problems_of(write(table, tmp_path / "e.csv"))
    for row, value in ((1, "vår 2025"), (2, "2025-13-40"), (3, "")):
        assert any(f"data row {row}, column 'wave': value {value!r} is not a wave" in p for p in problems)


def test_unknown_role_gender_years_and_yes_no(tmp_path, export):
    table = export.copy()
    table.loc[0, "role"] = "chef"
    table.loc[1, "gender"] = "x"
    table.loc[2, "years_in_organisation"] = "-3"
    table.loc[3, "platform_involvement"] = "kanske"
    problems = problems_of(write(table, tmp_path / "e.csv"))
    assert len(problems) == 4
    assert any("column 'role': value 'chef'" in p and "'politiker'" in p for p in problems)
    assert any("column 'gender': value 'x'" in p for p in problems)


def test_every_problem_is_reported_at_once_in_xlsx_too(tmp_path, export):
    table = export.copy()
    table.loc[0, "C1_1"] = "7"
    table.loc[1, "wave"] = "someday"
    table.loc[2, "municipality_id"] = "0000"
    problems = problems_of(write(table, tmp_path / "e.xlsx"))
    assert len(problems) == 3


def test_short_form(tmp_path, export):
    inst = load_instrument()
    table = export.drop(columns=[c for c in inst.item_codes() if c not in inst.item_codes("short")])
    path = write(table, tmp_path / "e.csv")
    assert any("missing" in p for p in problems_of(path))
    frame = read_survey(path, form="short")
    assert frame["C1_3"].isna().all() and frame["C1_1"].notna().any()


def test_unreadable_files_and_wrong_types(tmp_path):
    with pytest.raises(NatsamError, match="not found"):
        read_survey(tmp_path / "none.csv")
    (tmp_path / "e.json").write_text("{}")
    with pytest.raises(NatsamError, match="unknown file type"):
        read_survey(tmp_path / "e.json")
    (tmp_path / "e.xlsx").write_bytes(b"not a zip")
    with pytest.raises(NatsamError, match="could not be read as Excel"):
        read_survey(tmp_path / "e.xlsx")


def test_summary_lines(export, tmp_path):
    text = survey_summary(read_survey(write(table_with_ids(export, "R"), tmp_path / "e.csv")))
    assert "Källa: enkäten Kommunal innovationsförmåga (e.csv)" in text
    assert DEMO_NOTE["sv"] in survey_summary(read_survey(write(export, tmp_path / "d.csv")))
    assert "Svarande: 60" in text and "Vågor: 2 (2025-H1, 2026-H1)" in text and "Besvarade påståenden" in text
    assert DEMO_NOTE["sv"] in survey_summary(demo_survey(n=100))
    assert "Respondents: 100" in survey_summary(demo_survey(n=100), lang="en")


# ------------------------------------------------------------------ demo and examples
def test_demo_is_deterministic_synthetic_and_realistic():
    a, b = demo_survey(), demo_survey()
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 1500 and a.attrs["provenance"]["synthetic"] is True
    assert load_survey().attrs["provenance"]["source"] == "demo"
    assert set(a["municipality_id"]) == {"1281", "1480", "1490", "0180", "2480", "2584"}
    assert sorted(a["wave"].unique()) == ["2025-H1", "2026-H1"]
    kiruna_politicians = a[(a["municipality_id"] == "2584") & (a["role"] == "politiker")]
    assert len(kiruna_politicians) == 4
    codes = load_instrument().item_codes()
    items = a[codes]
    share_dk = (items == DONT_KNOW).sum().sum() / items.size
    share_blank = items.isna().sum().sum() / items.size
    assert 0.02 < share_dk < 0.1 and 0.02 < share_blank < 0.1


def test_example_files_validate_and_are_reproducible(tmp_path):
    for name in EXAMPLE_FILES:
        frame = read_survey(EXAMPLES_DIR / name)
        assert len(frame) == survey.EXAMPLE_N
    written = write_example_exports(tmp_path)
    assert (tmp_path / EXAMPLE_FILES[0]).read_bytes() == (EXAMPLES_DIR / EXAMPLE_FILES[0]).read_bytes()
    committed = openpyxl.load_workbook(EXAMPLES_DIR / EXAMPLE_FILES[1]).active
    fresh = openpyxl.load_workbook(written[1]).active
    assert list(committed.values) == list(fresh.values)
    text = (EXAMPLES_DIR / EXAMPLE_FILES[0]).read_text(encoding="utf-8")
    assert "Stämmer helt" in text and "Vet ej / Ej relevant" in text


# ------------------------------------------------------------------ corrupted files
def _valid_bytes(export: pd.DataFrame, suffix: str, folder: Path) -> bytes:
    return write(export.head(12), folder / f"valid{suffix}").read_bytes()


CELLS = st.one_of(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12), st.integers(-20, 20).map(str), st.sampled_from(["", "9", "Vet ej", "nan", "1e400"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), suffix=st.sampled_from([".csv", ".xlsx"]),
       how=st.sampled_from(["random", "truncate", "cells", "shuffle", "types"]))
def test_corrupted_files_only_raise_natsam_errors_and_write_nothing(tmp_path_factory, export, data, suffix, how):
    folder = tmp_path_factory.mktemp("corrupt")
    valid = _valid_bytes(export, suffix, folder)
    path = folder / f"bad{suffix}"
    if how == "random":
        path.write_bytes(data.draw(st.binary(max_size=400)))
    elif how == "truncate":
        path.write_bytes(valid[: int(data.draw(st.floats(0, 1)) * len(valid))])
    else:
        table = export.head(12).copy()
        if how == "cells":
            for _ in range(data.draw(st.integers(1, 6))):
                row = data.draw(st.integers(0, len(table) - 1))
                col = data.draw(st.sampled_from(list(table.columns)))
                table.loc[row, col] = data.draw(CELLS)
        elif how == "shuffle":
            order = data.draw(st.permutations(list(table.columns)))
            table = table[order]
            table.columns = data.draw(st.permutations(list(table.columns))) if data.draw(st.booleans()) else table.columns
        else:
            table = table.astype(object)
            col = data.draw(st.sampled_from(list(table.columns)))
            table[col] = data.draw(st.sampled_from([1.5, -1, True, 1e300, 0]))
        write(table, path)
    before = sorted(p.name for p in folder.iterdir())
    examples_before = sorted(p.name for p in EXAMPLES_DIR.iterdir())
    try:
        frame = read_survey(path)
    except NatsamError:
        pass
    else:
        assert isinstance(frame, pd.DataFrame)
        assert frame["municipality_id"].dropna().str.fullmatch(r"\d{4}").all()
        codes = load_instrument().item_codes()
        values = frame[codes].to_numpy(dtype="float64", na_value=np.nan)
        assert np.isin(values[np.isfinite(values)], [1, 2, 3, 4, 5, DONT_KNOW]).all()
    assert sorted(p.name for p in folder.iterdir()) == before
    assert sorted(p.name for p in EXAMPLES_DIR.iterdir()) == examples_before
