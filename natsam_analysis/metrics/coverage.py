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


def coverage_summary(panel: pd.DataFrame, n_units: int | None = None, gender: str = "T") -> dict[str, pd.DataFrame]:
    """How complete a panel is, by KPI and year, by KPI, by year and by municipality.

    Returns ``{"kpi_year": ..., "kpi": ..., "year": ..., "municipality": ...}``: :func:`coverage`
    (the share of the ``n_units`` municipalities, default those in the panel, with a non-missing
    ``gender`` value per KPI and year), its mean per KPI and per year, and per municipality the share
    of the panel's (KPI, year) cells that have a value.

    Examples
    --------
    >>> panel = pd.DataFrame({"municipality_id": ["0180", "1480", "0180"], "kpi": ["N00999"] * 3,
    ...                       "year": [2023, 2023, 2024], "gender": ["T"] * 3, "value": [1.0, 2.0, None]})
    >>> coverage_summary(panel)["municipality"]["coverage"].tolist()
    [0.5, 0.5]
    """
    n_units = n_units or int(panel["municipality_id"].nunique())
    by_kpi_year = coverage(panel, n_units, gender=gender)
    rows = panel[(panel["gender"] == gender) & panel["value"].notna()]
    cells = max(1, len(by_kpi_year.index) * len(by_kpi_year.columns))
    per_unit = rows.groupby("municipality_id")[["kpi", "year"]].apply(lambda g: len(g.drop_duplicates())) / cells
    return {
        "kpi_year": by_kpi_year,
        "kpi": by_kpi_year.mean(axis=1).rename("coverage").to_frame(),
        "year": by_kpi_year.mean(axis=0).rename("coverage").to_frame(),
        "municipality": per_unit.rename("coverage").sort_index().to_frame(),
    }


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
