"""Reading an SDG codebook and observations from CSV, scoring them, writing the result (``natsam sdg score``).

CODEBOOK.csv: ``indicator,sdg,direction,optimum,green,red,lower_bound,trend_from`` (direction 1 or
-1; ``trend_from`` a year or empty). DATA.csv: ``unit,indicator,year,value``, one row per
observation. The result, ``unit,level,code,value,year,score,colour,trend``, is described in
:func:`natsam_analysis.metrics.sdg.score_units`. Every problem of a file is reported at once, with
its row (the line in the file) and column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from natsam_analysis.errors import ValidationError
from natsam_analysis.metrics.sdg import CODEBOOK_COLUMNS, DATA_COLUMNS, Bounds, score_units
from natsam_analysis.store import atomic_write
from natsam_analysis.tables import read_csv_file

NUMBERS = ["optimum", "green", "red", "lower_bound"]


def _read(path: Path, what: str, columns: list[str]) -> pd.DataFrame:
    table = read_csv_file(path, what, dtype=str, keep_default_na=False, skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValidationError(str(path), [f"column {c!r} is missing" for c in missing],
                              hint=f"A {what} file has the columns {','.join(columns)}.")
    return table[columns].apply(lambda col: col.str.strip())


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_codebook(path: Path) -> pd.DataFrame:
    """The codebook at ``path``, checked (see the module doc); raises :class:`ValidationError`."""
    table = _read(path, "codebook", CODEBOOK_COLUMNS)
    problems = []
    seen: dict[str, int] = {}
    rows = []
    for i, row in table.iterrows():
        line = i + 2
        where = f"row {line}"
        if not row["indicator"]:
            problems.append(f"{where}, column 'indicator': empty; give the indicator's id")
        elif row["indicator"] in seen:
            problems.append(f"{where}, column 'indicator': {row['indicator']!r} is already on row {seen[row['indicator']]}")
        seen.setdefault(row["indicator"], line)
        sdg = _number(row["sdg"])
        if sdg is None or sdg != int(sdg) or not 1 <= sdg <= 17:
            problems.append(f"{where}, column 'sdg': {row['sdg']!r} is not a goal number from 1 to 17")
        if row["direction"] not in ("1", "-1"):
            problems.append(f"{where}, column 'direction': {row['direction']!r}; use 1 (higher is better) "
                            "or -1 (lower is better)")
        numbers = {c: _number(row[c]) for c in NUMBERS}
        problems += [f"{where}, column {c!r}: {row[c]!r} is not a number" for c, v in numbers.items() if v is None]
        trend_from = None
        if row["trend_from"]:
            year = _number(row["trend_from"])
            if year is None or year != int(year) or not 1900 <= year <= 2100:
                problems.append(f"{where}, column 'trend_from': {row['trend_from']!r} is not a year (or leave it empty)")
            else:
                trend_from = int(year)
        if row["direction"] in ("1", "-1") and None not in numbers.values():
            bounds = Bounds(int(row["direction"]), *(numbers[c] for c in NUMBERS), trend_from)
            problems += [f"{where} ({row['indicator']}): {p}" for p in bounds.problems()]
        rows.append((row["indicator"], sdg, row["direction"], *numbers.values(), trend_from))
    if problems:
        raise ValidationError(str(path), problems, hint="Fix these rows of the codebook and run again.")
    out = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)
    return out.astype({"sdg": int, "direction": int})


def read_observations(path: Path, indicators: set[str]) -> pd.DataFrame:
    """The observations at ``path`` for the codebook's ``indicators``; rows with an empty value are
    left out. Raises :class:`ValidationError` listing every problem."""
    table = _read(path, "data", DATA_COLUMNS)
    problems = []
    seen: dict[tuple[str, str, str], int] = {}
    keep = []
    for i, row in table.iterrows():
        where = f"row {i + 2}"
        if not row["unit"]:
            problems.append(f"{where}, column 'unit': empty; give the unit's name or id")
        if row["indicator"] not in indicators:
            problems.append(f"{where}, column 'indicator': {row['indicator']!r} is not in the codebook")
        year = _number(row["year"])
        if year is None or year != int(year):
            problems.append(f"{where}, column 'year': {row['year']!r} is not a year")
        value = _number(row["value"]) if row["value"] else None
        if row["value"] and value is None:
            problems.append(f"{where}, column 'value': {row['value']!r} is not a number")
        key = (row["unit"], row["indicator"], row["year"])
        if key in seen:
            problems.append(f"{where}: {row['unit']}, {row['indicator']}, {row['year']} is already on row {seen[key]}")
        seen.setdefault(key, i + 2)
        if value is not None:
            keep.append(i)
    if problems:
        raise ValidationError(str(path), problems, hint="Fix these rows of the data and run again.")
    out = table.loc[keep]
    return out.assign(year=out["year"].astype(float).astype(int), value=out["value"].astype(float))


def score_files(codebook: Path, data: Path, out: Path, **options) -> pd.DataFrame:
    """Score ``data`` by ``codebook`` and write the result to ``out`` (CSV, written whole or not at all).

    ``options`` are the trend options of :func:`natsam_analysis.metrics.sdg.score_units`
    (``falling_past_green``, ``start_tolerance``, ``min_trend_share``; e.g. ``**SDSN_2022``).
    """
    book = read_codebook(codebook)
    observations = read_observations(data, set(book["indicator"]))
    result = score_units(book, observations, **options)
    atomic_write(Path(out), lambda tmp: result.to_csv(tmp, index=False))
    return result
