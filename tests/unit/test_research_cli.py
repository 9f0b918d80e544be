"""``natsam validate survey|barriers|cases FILE`` and ``natsam survey report FILE --by ...``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from natsam_analysis import config
from natsam_analysis.cli import EXIT_ERROR, EXIT_INVALID, main

EXAMPLES = config.PROJECT_ROOT / "data" / "examples"
VALID = [("survey", "enkat_exempel.csv"), ("survey", "enkat_exempel.xlsx"),
         ("barriers", "systemhinder_exempel.csv"), ("cases", "fall_exempel.csv")]


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folders`` with its size and modification time."""
    files = {}
    for folder in folders:
        for root, _, names in os.walk(folder):
            for name in names:
                path = Path(root) / name
                stat = path.stat()
                files[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return files


@pytest.mark.parametrize(("kind", "name"), VALID)
def test_the_example_exports_are_valid(capsys, data_dir, kind, name):
    before = snapshot(data_dir, EXAMPLES)
    status, out, err = run(capsys, "validate", kind, str(EXAMPLES / name))
    assert status == 0, err
    assert out.rstrip().endswith(f"{EXAMPLES / name}: valid.") and len(out.splitlines()) >= 3
    assert snapshot(data_dir, EXAMPLES) == before  # nothing written anywhere


def _corrupt_survey(path: Path) -> Path:
    frame = pd.read_csv(EXAMPLES / "enkat_exempel.csv", dtype=str, keep_default_na=False)
    frame.loc[2, "C1_1"] = "7"  # off the scale
    same_wave = frame.index[frame["wave"] == frame.loc[3, "wave"]]
    frame.loc[same_wave[2], "respondent_id"] = frame.loc[same_wave[1], "respondent_id"]  # a duplicate in a wave
    frame.loc[6, "municipality_id"] = "9999"  # no such municipality
    frame.to_csv(path, index=False)
    return path


def test_an_invalid_file_lists_every_problem_with_row_and_column(capsys, data_dir, tmp_path):
    bad = _corrupt_survey(tmp_path / "enkat.csv")
    before = snapshot(data_dir, tmp_path)
    status, out, err = run(capsys, "validate", "survey", str(bad))
    assert status == EXIT_INVALID and out == ""
    assert "3 problem(s) found" in err
    assert "data row 3, column 'C1_1'" in err and "'municipality_id'" in err and "'respondent_id'" in err
    assert err.rstrip().endswith("not valid; nothing was written.")
    assert snapshot(data_dir, tmp_path) == before


def test_every_problem_is_listed_even_beyond_fifty(capsys, data_dir, tmp_path):
    frame = pd.read_csv(EXAMPLES / "enkat_exempel.csv", dtype=str, keep_default_na=False)
    frame.loc[:79, "C2_1"] = "8"
    frame.to_csv(tmp_path / "enkat.csv", index=False)
    status, _, err = run(capsys, "validate", "survey", str(tmp_path / "enkat.csv"))
    assert status == EXIT_INVALID
    assert sum(1 for line in err.splitlines() if line.startswith("  - ")) == 80


@pytest.mark.parametrize("kind", ["barriers", "cases"])
def test_a_file_of_another_kind_is_refused(capsys, data_dir, kind):
    status, _, err = run(capsys, "validate", kind, str(EXAMPLES / "enkat_exempel.csv"))
    assert status == EXIT_INVALID and "problem(s) found" in err


def test_survey_report_suppresses_small_groups(capsys, data_dir, tmp_path):
    frame = pd.read_csv(EXAMPLES / "enkat_exempel.csv", dtype=str, keep_default_na=False)
    kiruna = frame.index[frame["municipality_id"] == "2584"]
    small = frame.drop(kiruna[4:])  # four respondents left in Kiruna
    small.to_csv(tmp_path / "enkat.csv", index=False)
    status, out, err = run(capsys, "survey", "report", str(tmp_path / "enkat.csv"), "--by", "municipality")
    assert status == 0, err
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    kiruna_row = next(line for key, line in rows.items() if "Kiruna" in key)
    assert "för få svar" in kiruna_row and not any(ch.isdigit() for ch in kiruna_row.replace("2584", ""))
    lund_row = next(line for key, line in rows.items() if "Lund" in key)
    assert "för få svar" not in lund_row
    status, out, _ = run(capsys, "survey", "report", str(tmp_path / "enkat.csv"), "--by", "gender", "--lang", "en")
    assert status == 0


def test_survey_report_never_shows_fewer_than_three(capsys, data_dir):
    status, _, err = run(capsys, "survey", "report", str(EXAMPLES / "enkat_exempel.csv"), "--min-group", "2")
    assert status == EXIT_ERROR and "never" in err and "3" in err
