"""Schemas and validation of the tidy tables.

The indicator panel is the suite's central table: long and tidy, one row per observation.

==================  =======  ==========================================================
column              dtype    meaning
==================  =======  ==========================================================
``municipality_id`` str      4-character id with leading zeros ("0180"); never an int
``kpi``             str      Kolada KPI id (``^[NU]\\d{5}$``)
``year``            int      the period
``gender``          str      "T" (total), "K" (women) or "M" (men)
``value``           float    NaN allowed (missing value)
``status``          str      Kolada's status flag ("" when none)
``source``          str      where the row came from ("demo", "kolada", ...)
==================  =======  ==========================================================

Optional column, kept when present: ``count`` (Int64, <NA> allowed): Kolada's number of units behind
a value (1 for a municipality, the members that contributed for a group average, 0 when the value
is missing).

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"municipality_id": ["0180"], "kpi": ["N00999"], "year": [2024],
...                       "gender": ["T"], "value": [9.5], "status": [""], "source": ["demo"]})
>>> to_wide(validate_panel(panel), 2024).loc["0180", "N00999"]
np.float64(9.5)
"""

from __future__ import annotations


from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from natsam_analysis.errors import NatsamError, ValidationError

def read_csv_file(path: Path, what: str, **read_csv) -> pd.DataFrame:
    """``pd.read_csv(path, **read_csv)``, with a clear error naming ``what`` when the file is missing
    or is not CSV."""
    path = Path(path)
    if not path.is_file():
        raise NatsamError(f"{what} file {path} not found; give the path to a CSV file.")
    try:
        return pd.read_csv(path, **read_csv)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise NatsamError(f"{what} file {path} could not be read as CSV: {exc}") from None


PANEL_COLUMNS = ["municipality_id", "kpi", "year", "gender", "value", "status", "source"]
PANEL_KEY = ["municipality_id", "kpi", "year", "gender"]
#: Optional panel columns, validated and kept (in this order, after PANEL_COLUMNS) when present.
OPTIONAL_PANEL_COLUMNS = ["count"]
GENDERS = ("T", "K", "M")
# ASCII digits only: \d would also accept other scripts' digits ("١٨٠٠").
MUNICIPALITY_ID_PATTERN = r"^[0-9]{4}$"
KPI_ID_PATTERN = r"^[NU][0-9]{5}$"

_FIX_HINT = (
    "Correct these rows at their source (or drop them) and validate again. Ids must be read as text "
    "(e.g. pd.read_csv(..., dtype={'municipality_id': str})) so that leading zeros survive."
)


def _row_label(position: int, first_row: int) -> str:
    return f"row {position + first_row}"


def validate_panel(
    panel: pd.DataFrame,
    *,
    known_kpis: Iterable[str] | None = None,
    origin: str = "indicator panel",
    first_row: int = 1,
    max_problems: int = 200,
) -> pd.DataFrame:
    """Check an indicator panel and return it with canonical dtypes and column order.

    Every problem is collected and reported in one :class:`ValidationError`, each with its row
    (``first_row`` is the number given to the frame's first row: 2 for a CSV with a header line),
    column and offending value: missing columns, ids that are not 4-digit strings, malformed or
    unknown KPI ids (``known_kpis``), years that are not whole numbers, genders outside T/K/M,
    non-numeric values and duplicate keys (municipality_id, kpi, year, gender).

    Parameters
    ----------
    panel
        The table to check; it is not modified.
    known_kpis
        KPI ids accepted (e.g. ``load_catalog().index``); ``None`` accepts any well-formed id.
    origin
        What to call the table in messages, typically the file it came from.

    Examples
    --------
    >>> bad = pd.DataFrame({"municipality_id": [180], "kpi": ["N00999"], "year": [2024],
    ...                     "gender": ["X"], "value": [1.0], "status": [""], "source": ["demo"]})
    >>> validate_panel(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    natsam_analysis.errors.ValidationError: indicator panel: 2 problem(s) found
    ...
    """
    missing = [c for c in PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ValidationError(
            origin,
            [f"missing column(s): {', '.join(missing)} (the panel needs {', '.join(PANEL_COLUMNS)})"],
            hint="Rename or add the columns; see natsam_analysis.tables for the schema.",
        )
    optional = [c for c in OPTIONAL_PANEL_COLUMNS if c in panel.columns]
    df = panel[PANEL_COLUMNS + optional].reset_index(drop=True)
    problems: list[tuple[int, str]] = []

    def report(mask: np.ndarray | pd.Series, column: str, why: str, values: pd.Series | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        shown = df[column] if values is None else values
        for pos in np.flatnonzero(mask)[:max_problems]:
            value = shown.iloc[pos]
            value = value.item() if isinstance(value, np.generic) else value  # 180, not np.int64(180)
            problems.append((pos, f"{_row_label(pos, first_row)}, column {column!r}: {value!r} {why}"))

    # municipality_id: text of exactly four digits
    mid = df["municipality_id"]
    if pd.api.types.is_numeric_dtype(mid):
        report(np.ones(len(df)), "municipality_id",
               "is a number; municipality ids are 4-character strings with leading zeros (\"0180\")")
        mid_text = pd.Series([""] * len(df), dtype=object)
        mid_ok = np.zeros(len(df), dtype=bool)
    else:
        mid_text = mid.astype("string").fillna("")
        mid_ok = mid_text.str.fullmatch(MUNICIPALITY_ID_PATTERN).fillna(False).to_numpy(dtype=bool)
        report(~mid_ok, "municipality_id",
               "is not a 4-digit municipality id with leading zeros (e.g. \"0180\")")

    # kpi: well formed, and known when a catalog is given
    kpi_text = df["kpi"].astype("string").fillna("")
    well_formed = kpi_text.str.fullmatch(KPI_ID_PATTERN).fillna(False).to_numpy(dtype=bool)
    report(~well_formed, "kpi", "is not a Kolada KPI id (N or U followed by five digits)")
    if known_kpis is not None:
        known = set(known_kpis)
        report(well_formed & ~kpi_text.isin(known).to_numpy(dtype=bool), "kpi",
               "is not in the indicator catalog (add it to data/catalog/indicators.csv or drop the rows)")

    # year: whole number
    year_num = pd.to_numeric(df["year"], errors="coerce")
    bad_year = year_num.isna() | (year_num != np.floor(year_num)) | (year_num < 1900) | (year_num > 2100)
    report(bad_year, "year", "is not a year (a whole number such as 2024)")

    # gender
    gender_text = df["gender"].astype("string").fillna("")
    gender_ok = gender_text.isin(GENDERS).to_numpy(dtype=bool)
    report(~gender_ok, "gender", "is not T (total), K (women) or M (men)")

    # value: numeric or missing
    value_num = pd.to_numeric(df["value"], errors="coerce")
    non_numeric = value_num.isna() & df["value"].notna()
    if df["value"].dtype == object or pd.api.types.is_string_dtype(df["value"]):
        non_numeric &= df["value"].astype("string").str.strip().fillna("").ne("")
    report(non_numeric, "value", "is not a number (leave it empty for a missing value)")
    report(np.isinf(value_num.to_numpy(dtype=float, na_value=np.nan)), "value", "is infinite")

    # count (optional): a whole number >= 0, or missing
    if "count" in optional:
        count_num = pd.to_numeric(df["count"], errors="coerce")
        whole = count_num.notna() & (count_num >= 0) & (count_num == np.floor(count_num))
        report(df["count"].notna() & ~whole, "count", "is not a whole number >= 0 (leave it empty when unknown)")

    # source present
    report(df["source"].astype("string").fillna("").str.strip().eq("").to_numpy(dtype=bool), "source",
           "is empty; say where the row came from (e.g. \"kolada\")")

    # duplicate keys (only meaningful on rows whose key cells are valid: an invalid cell is reported
    # above, and rows whose ids were all unreadable, e.g. numbers, are not duplicates of each other)
    key = pd.DataFrame({"m": mid_text, "k": kpi_text, "y": year_num, "g": gender_text})
    valid_key = mid_ok & well_formed & ~bad_year.to_numpy(dtype=bool) & gender_ok
    dup = np.zeros(len(df), dtype=bool)
    dup[valid_key] = key[valid_key].duplicated(keep=False).to_numpy()
    if dup.any():
        first_pos = key[dup].groupby(["m", "k", "y", "g"], sort=False).ngroup()
        groups = pd.Series(np.flatnonzero(dup)).groupby(first_pos.to_numpy()).agg(list)
        for positions in groups.iloc[:max_problems]:
            rows = ", ".join(str(p + first_row) for p in positions)
            m, k, y, g = key.iloc[positions[0]]
            problems.append((positions[0], f"rows {rows}: duplicate key (municipality_id={m!r}, kpi={k!r}, "
                                           f"year={int(y)}, gender={g!r})"))

    if problems:
        problems.sort(key=lambda item: item[0])
        raise ValidationError(origin, [text for _, text in problems], hint=_FIX_HINT)

    out = pd.DataFrame({
        "municipality_id": mid_text.astype(str).to_numpy(),
        "kpi": kpi_text.astype(str).to_numpy(),
        "year": year_num.astype("int64").to_numpy(),
        "gender": gender_text.astype(str).to_numpy(),
        "value": value_num.astype("float64").to_numpy(),
        "status": df["status"].astype("string").fillna("").astype(str).to_numpy(),
        "source": df["source"].astype(str).to_numpy(),
    })
    if "count" in optional:
        out["count"] = pd.to_numeric(df["count"]).astype("Int64")  # same RangeIndex as out
    return out


def to_wide(panel: pd.DataFrame, year: int, gender: str = "T") -> pd.DataFrame:
    """One year of the panel as a municipalities x indicators table.

    Rows are ``municipality_id`` (sorted), columns KPI ids, cells the value (NaN where missing).

    Examples
    --------
    >>> panel = pd.DataFrame({"municipality_id": ["0180", "1480"], "kpi": ["N00999"] * 2,
    ...                       "year": [2024] * 2, "gender": ["T"] * 2, "value": [9.5, 8.0],
    ...                       "status": [""] * 2, "source": ["demo"] * 2})
    >>> to_wide(panel, 2024)["N00999"].tolist()
    [9.5, 8.0]
    """
    if gender not in GENDERS:
        raise ValidationError("to_wide", [f"gender {gender!r} is not one of {', '.join(GENDERS)}"])
    rows = panel[(panel["year"] == year) & (panel["gender"] == gender)]
    wide = rows.pivot(index="municipality_id", columns="kpi", values="value")
    wide.columns.name = None
    return wide.sort_index()


def years(panel: pd.DataFrame) -> list[int]:
    """The years present in a panel, ascending."""
    return sorted(int(y) for y in panel["year"].unique())


