"""``natsam sdg score``: any units' data scored by a codebook, bad files reported row by row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from natsam_analysis.cli import main
from natsam_analysis.metrics.sdg import RESULT_COLUMNS

CODEBOOK = """indicator,sdg,direction,optimum,green,red,lower_bound,trend_from
a,1,1,100,80,50,0,2015
b,1,-1,0,10,20,40,
c,3,1,10,8,5,0,2015
"""
DATA = """unit,indicator,year,value
Lund,a,2015,95
Lund,a,2020,85
Lund,b,2020,15
Lund,c,2019,9
Kiruna,a,2020,
Kiruna,a,2019,90
"""


def _write(folder: Path, codebook: str = CODEBOOK, data: str = DATA) -> tuple[Path, Path, Path]:
    (folder / "codebook.csv").write_text(codebook, encoding="utf-8")
    (folder / "data.csv").write_text(data, encoding="utf-8")
    return folder / "codebook.csv", folder / "data.csv", folder / "result.csv"


def _run(codebook: Path, data: Path, out: Path, *extra: str) -> int:
    return main(["sdg", "score", "--codebook", str(codebook), "--data", str(data), "--out", str(out), *extra])


def _fails(tmp_path: Path, capsys: pytest.CaptureFixture[str], **files: str) -> str:
    """Run on the files; assert a clean error (status 2) and no result file; return the message."""
    codebook, data, out = _write(tmp_path, **files)
    assert _run(codebook, data, out) == 2
    assert not out.exists()
    return capsys.readouterr().err


def test_scores_any_units_and_writes_the_result(tmp_path, capsys):
    codebook, data, out = _write(tmp_path)
    assert _run(codebook, data, out) == 0
    assert "Scored 2 unit(s) on 3 indicator(s)" in capsys.readouterr().out
    result = pd.read_csv(out, dtype={"code": str})
    assert list(result.columns) == RESULT_COLUMNS
    lund = result[result["unit"] == "Lund"].set_index(["level", "code"])
    assert lund.loc[("indicator", "a"), "value"] == 85 and lund.loc[("indicator", "a"), "year"] == 2020
    assert lund.loc[("indicator", "a"), "colour"] == "green"
    assert lund.loc[("indicator", "a"), "trend"] == "stagnating"  # falling past green
    assert lund.loc[("goal", "1"), "score"] == pytest.approx((85 + 62.5) / 2)
    assert lund.loc[("index", "index"), "score"] == pytest.approx(((85 + 62.5) / 2 + 90) / 2)
    kiruna = result[result["unit"] == "Kiruna"].set_index(["level", "code"])
    assert kiruna.loc[("indicator", "a"), "year"] == 2019  # the empty 2020 value is no observation
    assert kiruna.loc[("indicator", "c"), "colour"] == "grey"


def test_the_2022_rule_for_falling_indicators_past_green(tmp_path):
    codebook, data, out = _write(tmp_path)
    assert _run(codebook, data, out, "--falling-past-green", "on_track") == 0
    result = pd.read_csv(out).set_index(["unit", "level", "code"])
    assert result.loc[("Lund", "indicator", "a"), "trend"] == "on_track"


#: Umeå's indicator a starts a year before its trend start (2015): 35 in 2014, 50 in 2020
DATA_FROM_2014 = DATA + "Umeå,a,2014,35\nUmeå,a,2020,50\n"


def _trends(tmp_path: Path, *extra: str) -> dict[tuple[str, str, str], str | None]:
    """Run on DATA_FROM_2014 with ``extra`` arguments; every row's trend (None without one)."""
    codebook, data, out = _write(tmp_path, data=DATA_FROM_2014)
    assert _run(codebook, data, out, *extra) == 0
    result = pd.read_csv(out, dtype={"code": str})
    return {(u, lv, c): t if isinstance(t, str) else None
            for u, lv, c, t in zip(result["unit"], result["level"], result["code"], result["trend"])}


def test_goals_get_a_trend_from_three_quarters_of_their_indicators(tmp_path):
    trends = _trends(tmp_path)
    # goal 1 has a trend on a only, one of its two indicators: none by default; c has one observation
    assert trends[("Lund", "goal", "1")] is None and trends[("Lund", "goal", "3")] is None
    trends = _trends(tmp_path, "--min-trend-share", "0.5")
    assert trends[("Lund", "goal", "1")] == "stagnating"  # a falls past green: stagnating (1.5)


def test_the_2022_edition_applies_its_trend_options(tmp_path, capsys):
    trends = _trends(tmp_path, "--edition", "2022")
    assert "Trend options: falling_past_green on_track, start_tolerance 1, min_trend_share 0" in capsys.readouterr().out
    assert trends[("Lund", "indicator", "a")] == "on_track"  # falling past green
    # from 2014 (a year early): 2.5 a year against 2.81 required
    assert trends[("Umeå", "indicator", "a")] == "moderately_improving"
    assert trends[("Umeå", "goal", "1")] == "moderately_improving"  # a goal trend from one indicator of two
    assert trends[("Lund", "goal", "1")] == "on_track"
    assert _trends(tmp_path)[("Umeå", "indicator", "a")] is None  # no start year without the edition


def test_trend_options_given_override_the_editions(tmp_path):
    trends = _trends(tmp_path, "--edition", "2022", "--falling-past-green", "stagnating", "--start-tolerance", "0")
    assert trends[("Lund", "indicator", "a")] == "stagnating"
    assert trends[("Umeå", "indicator", "a")] is None and trends[("Umeå", "goal", "1")] is None
    assert trends[("Lund", "goal", "1")] == "stagnating"  # the edition's goal rule still holds
    trends = _trends(tmp_path, "--start-tolerance", "1")
    assert trends[("Umeå", "indicator", "a")] == "moderately_improving" and trends[("Umeå", "goal", "1")] is None


@pytest.mark.parametrize("bad", [["--start-tolerance", "-1"], ["--start-tolerance", "one"],
                                 ["--min-trend-share", "1.5"], ["--min-trend-share", "most"], ["--edition", "2019"]])
def test_bad_trend_options_are_refused(tmp_path, capsys, bad):
    codebook, data, out = _write(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        _run(codebook, data, out, *bad)
    assert exit_.value.code == 2 and not out.exists()
    assert bad[0] in capsys.readouterr().err


def test_a_bad_codebook_is_reported_row_by_row_and_nothing_is_written(tmp_path, capsys):
    err = _fails(tmp_path, capsys, codebook=CODEBOOK + "a,19,2,x,80,50,0,20x\nd,4,1,0,80,50,100,\n")
    for text in ("codebook.csv: 6 problem(s)", "row 5, column 'indicator': 'a' is already on row 2",
                 "row 5, column 'sdg': '19' is not a goal number", "row 5, column 'direction': '2'",
                 "row 5, column 'optimum': 'x' is not a number", "row 5, column 'trend_from': '20x'",
                 "row 6 (d): the optimum (0) must lie above the lower bound (100)"):
        assert text in err


def test_a_missing_column_names_the_columns_a_file_needs(tmp_path, capsys):
    err = _fails(tmp_path, capsys, data="unit,indicator,value\nLund,a,3\n")
    assert "column 'year' is missing" in err and "unit,indicator,year,value" in err


def test_bad_data_is_reported_row_by_row(tmp_path, capsys):
    err = _fails(tmp_path, capsys,
                 data=DATA + "Lund,zz,2020,1\n,a,2020,1\nLund,a,twenty,1\nLund,a,2021,high\nLund,a,2020,3\n")
    for text in ("row 8, column 'indicator': 'zz' is not in the codebook", "row 9, column 'unit': empty",
                 "row 10, column 'year': 'twenty' is not a year", "row 11, column 'value': 'high' is not a number",
                 "row 12: Lund, a, 2020 is already on row 3"):
        assert text in err


def test_a_missing_file_is_a_clean_error(tmp_path, capsys):
    assert _run(tmp_path / "nowhere.csv", tmp_path / "data.csv", tmp_path / "out.csv") == 2
    assert "codebook file" in capsys.readouterr().err
