"""The indicator catalog: the shipped file, its agreement with Kolada, and precise errors on bad input."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from natsam_analysis import catalog, config
from natsam_analysis.catalog import CATALOG_COLUMNS, read_catalog, read_pillars
from natsam_analysis.errors import ValidationError

SHIPPED = config.catalog_dir() / "indicators.csv"
SHIPPED_PILLARS = config.catalog_dir() / "pillars.csv"
ASCII_KPI = re.compile(r"[NU][0-9]{5}")


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return catalog.load_catalog()


@pytest.fixture(scope="module")
def pillars() -> pd.DataFrame:
    return catalog.load_pillars()


# -------------------------------------------------------------------------------------------------
# the shipped catalog


def test_shipped_catalog_has_49_indicators_with_unique_kolada_ids(cat):
    assert len(cat) == 49
    assert cat.index.name == "kpi"
    assert cat.index.is_unique
    bad = [k for k in cat.index if not ASCII_KPI.fullmatch(k)]
    assert not bad


def test_shipped_catalog_columns_and_dtypes(cat):
    assert list(cat.columns) == CATALOG_COLUMNS[1:]
    assert str(cat["direction"].dtype) == "Int64"
    assert str(cat["sdg"].dtype) == "Int64"
    assert cat["gendered"].dtype == bool
    for col in ("target", "plausible_low", "plausible_high"):
        assert cat[col].dtype == float, col
    for col in ("title_sv", "title_en", "unit"):
        assert cat[col].str.strip().ne("").all(), col


def test_shipped_pillars_are_known_and_used(cat, pillars):
    assert set(cat["pillar"]) <= set(pillars.index)
    assert set(cat["pillar"]) == set(pillars.index), "every pillar has at least one indicator"
    counts = cat["pillar"].value_counts()
    for pillar in catalog.scored_pillars():
        assert counts[pillar] >= 3, pillar
    assert pillars["order"].tolist() == sorted(pillars["order"])
    assert pillars.index[-1] == catalog.CONTEXT_PILLAR


def test_shipped_directions(cat):
    context = cat["pillar"] == catalog.CONTEXT_PILLAR
    assert cat.loc[context, "direction"].isna().all()
    scored = cat.loc[~context, "direction"]
    assert scored.notna().all()
    assert set(scored.astype(int)) <= {1, -1, 0}
    assert {1, -1, 0} <= set(scored.astype(int)), "the catalog uses all three directions"
    closest = cat[cat["direction"].eq(0).fillna(False)]
    assert len(closest) >= 1
    assert closest["target"].notna().all()
    assert cat.loc["N05815", "target"] == 50  # women in the council: parity is best


def test_shipped_ranges_and_sdgs(cat):
    assert (cat["plausible_low"] < cat["plausible_high"]).all()
    context = cat["pillar"] == catalog.CONTEXT_PILLAR
    sdg = cat.loc[~context, "sdg"]
    assert sdg.notna().all() and sdg.between(1, 17).all()
    assert set(cat["municipality_type"]) <= {"A", "K", "L"}
    percent = cat["unit"] == "%"
    assert (cat.loc[percent, "plausible_low"] >= -100).all() and (cat.loc[percent, "plausible_high"] <= 100).all()


def test_catalog_helpers(cat):
    assert catalog.indicator_title("N00999", "sv") == "Nystartade företag, antal/1000 inv, 16-64 år"
    assert catalog.indicator_title("N00999", "en") == "New businesses per 1000 residents aged 16-64"
    assert catalog.indicator_title("N99999", "en") == "N99999"
    assert catalog.indicators_of("kompetens") == cat.index[cat["pillar"] == "kompetens"].tolist()
    assert catalog.indicators_of("kompetens")[0] == "N01982"
    assert catalog.indicators_of("context") == ["N01951", "N02937", "N00954", "N01960", "N00906"]
    assert catalog.pillar_label("kompetens", "sv") == "Kompetens"
    assert catalog.pillar_label("kompetens", "en") == "Skills"
    scored = catalog.scored_pillars()
    assert catalog.CONTEXT_PILLAR not in scored and len(scored) == 8
    assert scored[0] == "kompetens"


def test_load_catalog_returns_a_copy():
    first = catalog.load_catalog()
    first.loc["N00999", "title_sv"] = "ändrad"
    assert catalog.load_catalog().loc["N00999", "title_sv"] == "Nystartade företag, antal/1000 inv, 16-64 år"


# -------------------------------------------------------------------------------------------------
# reference: every KPI is a real Kolada KPI with the same title and properties


def test_catalog_matches_kolada(reference_file, cat):
    rows = json.loads(reference_file("kolada", "kolada_v3_2026-03-23_kpi_values.json").read_text("utf-8"))
    kolada = {r["id"]: r for r in rows}
    assert len(kolada) > 6000
    missing = [k for k in cat.index if k not in kolada]
    assert not missing, f"not Kolada KPIs: {missing}"
    problems = []
    for kpi, ind in cat.iterrows():
        ref = kolada[kpi]
        if ind["title_sv"] != ref["title"]:
            problems.append(f"{kpi} title: {ind['title_sv']!r} != Kolada {ref['title']!r}")
        if bool(ind["gendered"]) != ref["is_divided_by_gender"]:
            problems.append(f"{kpi} gendered: {ind['gendered']} != Kolada {ref['is_divided_by_gender']}")
        if ind["municipality_type"] != ref["municipality_type"]:
            problems.append(f"{kpi} municipality_type: {ind['municipality_type']} != {ref['municipality_type']}")
    assert not problems, "\n".join(problems)


# -------------------------------------------------------------------------------------------------
# bad input: every problem named with file, line and column


def _shipped_rows() -> list[dict[str, str]]:
    with open(SHIPPED, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or CATALOG_COLUMNS
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def broken(tmp_path) -> Callable[[Callable[[list[dict[str, str]]], None]], Path]:
    """Write a copy of the shipped catalog after ``edit(rows)``; row i of the list is on line i + 2."""

    def make(edit: Callable[[list[dict[str, str]]], None]) -> Path:
        rows = _shipped_rows()
        edit(rows)
        return _write(tmp_path / "indicators.csv", rows)

    return make


def _problems(path: Path) -> tuple[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        read_catalog(path)
    message = str(info.value)
    assert str(path) in message, "the message names the file"
    assert info.value.what == str(path)
    return message, info.value.problems


def test_unmodified_copy_loads_like_the_shipped_catalog(broken, cat):
    path = broken(lambda rows: None)
    pd.testing.assert_frame_equal(read_catalog(path), cat)


def test_bad_kpi_id(broken):
    path = broken(lambda rows: rows[2].update(kpi="N1746"))
    message, problems = _problems(path)
    assert problems == [
        "line 4, column 'kpi': 'N1746' is not a Kolada KPI id (N or U followed by five digits, e.g. N00999)"
    ]
    assert "line 4, column 'kpi': 'N1746'" in message


@pytest.mark.parametrize("kpi", ["n01982", "X01982", "N019821", "N 1982", "N٠١٩٨٢", ""])
def test_malformed_kpi_ids(broken, kpi):
    path = broken(lambda rows: rows[0].update(kpi=kpi))
    _, problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"line 2, column 'kpi': {kpi!r} ")


def test_duplicate_kpi_id(broken):
    def edit(rows):
        rows[4]["kpi"] = rows[0]["kpi"]

    _, problems = _problems(broken(edit))
    assert problems == ["line 6, column 'kpi': 'N01982' is listed twice (also on line 2)"]


def test_unknown_pillar(broken):
    _, problems = _problems(broken(lambda rows: rows[7].update(pillar="innovation")))
    assert len(problems) == 1
    assert problems[0].startswith("line 9, column 'pillar': 'innovation' is not a pillar in pillars.csv")
    assert "kompetens" in problems[0], "the message lists the valid pillars"


def test_direction_out_of_range(broken):
    _, problems = _problems(broken(lambda rows: rows[9].update(direction="2")))
    assert len(problems) == 1
    assert problems[0].startswith("line 11, column 'direction': '2' must be 1")


def test_empty_direction_outside_context(broken):
    _, problems = _problems(broken(lambda rows: rows[3].update(direction="")))
    assert problems == ["line 5, column 'direction': '' may be empty only for the 'context' pillar"]


def test_direction_zero_needs_a_target(broken):
    _, problems = _problems(broken(lambda rows: rows[10].update(direction="0", target="")))
    assert len(problems) == 1
    assert problems[0].startswith("line 12, column 'target': ''")
    assert "required when direction is 0" in problems[0]


def test_non_numeric_target(broken):
    _, problems = _problems(broken(lambda rows: rows[0].update(target="half")))
    assert problems == ["line 2, column 'target': 'half' is not a number"]


def test_gendered_must_be_true_or_false(broken):
    _, problems = _problems(broken(lambda rows: rows[11].update(gendered="yes")))
    assert problems == ["line 13, column 'gendered': 'yes' must be true or false"]


@pytest.mark.parametrize(("low", "high"), [("50", "50"), ("90", "40")])
def test_low_must_be_below_high(broken, low, high):
    _, problems = _problems(broken(lambda rows: rows[12].update(plausible_low=low, plausible_high=high)))
    assert len(problems) == 1
    assert problems[0].startswith("line 14: plausible_low")
    assert "plausible_high" in problems[0] and "must be below" in problems[0]


def test_non_numeric_range(broken):
    _, problems = _problems(broken(lambda rows: rows[13].update(plausible_low="abc", plausible_high="inf")))
    assert problems == [
        "line 15, column 'plausible_low': 'abc' is not a number",
        "line 15, column 'plausible_high': 'inf' is not a number",
    ]


@pytest.mark.parametrize("sdg", ["18", "0", "x", "4.0", "²"])
def test_sdg_must_be_a_goal_number(broken, sdg):
    _, problems = _problems(broken(lambda rows: rows[1].update(sdg=sdg)))
    assert len(problems) == 1
    assert problems[0].startswith(f"line 3, column 'sdg': {sdg!r} must be an Agenda 2030 goal number")


def test_bad_municipality_type_and_empty_title(broken):
    def edit(rows):
        rows[5]["municipality_type"] = "X"
        rows[5]["title_en"] = "  "

    _, problems = _problems(broken(edit))
    assert problems == [
        "line 7, column 'title_en': '  ' is empty",
        "line 7, column 'municipality_type': 'X' must be A (all), K (municipalities) or L (regions)",
    ]


def test_every_problem_is_reported_at_once(broken):
    def edit(rows):
        rows[0]["kpi"] = "bad"
        rows[19]["pillar"] = "nope"
        rows[20]["gendered"] = "TRUE"
        rows[39]["plausible_low"] = "2000000"

    path = broken(edit)
    message, problems = _problems(path)
    assert [p.split(",")[0].split(":")[0] for p in problems] == ["line 2", "line 21", "line 22", "line 41"]
    assert message.startswith(f"{path}: 4 problem(s) found")
    assert message.count("\n  - ") == 4
    assert "Fix these cells" in message


def test_missing_column(tmp_path):
    rows = _shipped_rows()
    columns = [c for c in CATALOG_COLUMNS if c != "unit"]
    path = _write(tmp_path / "indicators.csv", rows, columns)
    message, problems = _problems(path)
    assert problems == ["missing column(s): unit"]
    assert "The header must name" in message


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere" / "indicators.csv"
    message, problems = _problems(path)
    assert problems == ["file not found"]
    assert "git checkout" in message


# -------------------------------------------------------------------------------------------------
# pillars


def _pillar_rows() -> list[dict[str, str]]:
    with open(SHIPPED_PILLARS, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_bad_pillars(tmp_path):
    rows = _pillar_rows()
    rows[1]["order"] = "two"
    rows[3]["label_en"] = ""
    rows[5]["pillar"] = rows[0]["pillar"]
    path = _write(tmp_path / "pillars.csv", rows, catalog.PILLAR_COLUMNS)
    with pytest.raises(ValidationError) as info:
        read_pillars(path)
    assert str(path) in str(info.value)
    assert info.value.problems == [
        "line 3, column 'order': 'two' is not a whole number",
        "line 5, column 'label_en': empty",
        "column 'pillar': 'kompetens' appears more than once",
    ]


def test_catalog_rejects_pillars_missing_from_the_pillar_table(tmp_path):
    rows = [r for r in _pillar_rows() if r["pillar"] != "social"]
    pillar_path = _write(tmp_path / "pillars.csv", rows, catalog.PILLAR_COLUMNS)
    with pytest.raises(ValidationError) as info:
        read_catalog(SHIPPED, pillars=read_pillars(pillar_path))
    social_lines = [i + 2 for i, r in enumerate(_shipped_rows()) if r["pillar"] == "social"]
    assert len(info.value.problems) == len(social_lines) == 9
    assert [int(p.split(",")[0].removeprefix("line ")) for p in info.value.problems] == social_lines
