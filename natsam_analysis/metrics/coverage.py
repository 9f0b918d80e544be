"""Data coverage of the indicator panel."""

from __future__ import annotations

import pandas as pd


def coverage(panel: pd.DataFrame, n_units: int, gender: str = "T") -> pd.DataFrame:
    """Share of ``n_units`` municipalities with a (non-missing) value, per indicator and year.

    Absent rows and rows with a missing value both count as missing. Returns a kpi x year frame of
    shares between 0 and 1 (0 where an indicator has no row at all in a year of the panel).

    Examples
    --------
    >>> panel = pd.DataFrame({"municipality_id": ["0180", "1480"], "kpi": ["N00999"] * 2,
    ...                       "year": [2024, 2024], "gender": ["T"] * 2, "value": [1.0, None]})
    >>> coverage(panel, n_units=4).loc["N00999", 2024]
    np.float64(0.25)
    """
    rows = panel[(panel["gender"] == gender) & panel["value"].notna()]
    counts = rows.groupby(["kpi", "year"])["municipality_id"].nunique().unstack("year")
    all_years = sorted(panel["year"].unique())
    counts = counts.reindex(index=sorted(panel["kpi"].unique()), columns=all_years).fillna(0)
    counts.columns.name = "year"
    return counts / n_units


def latest_year(panel: pd.DataFrame, kpi: str, n_units: int, min_coverage: float = 0.5, gender: str = "T") -> int | None:
    """Latest year in which at least ``min_coverage`` of the municipalities have a value of ``kpi``.

    Falls back to the latest year with any value; ``None`` when the indicator has no value at all.
    """
    rows = panel[(panel["kpi"] == kpi) & (panel["gender"] == gender) & panel["value"].notna()]
    if rows.empty:
        return None
    share = rows.groupby("year")["municipality_id"].nunique() / n_units
    good = share[share >= min_coverage]
    return int(good.index.max() if not good.empty else share.index.max())
