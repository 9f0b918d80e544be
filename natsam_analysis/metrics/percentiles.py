"""Direction-aware percentiles: where a municipality stands in Sweden and among the six platforms.

An indicator's *score* makes "higher is better" true for every indicator: the value itself for
direction 1, minus the value for direction -1, and minus the distance to the target for direction 0
(closest to target is best). A percentile is the share of the reference municipalities with a lower
score, ties counted half (``scipy.stats.percentileofscore(kind="mean")``), so 100 is always best.

Examples
--------
>>> import pandas as pd
>>> s = pd.Series([1.0, 2.0, 3.0, 4.0], index=["a", "b", "c", "d"])
>>> percentile_ranks(direction_scores(s, direction=-1)).tolist()
[87.5, 62.5, 37.5, 12.5]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from natsam_analysis.errors import NatsamError


def direction_scores(values: pd.Series | pd.DataFrame, direction: int | None, target: float | None = None):
    """Turn values into scores where higher is always better (see the module docstring).

    ``direction`` None (a context variable) returns the values unchanged.
    """
    if direction is None or pd.isna(direction):
        return values
    direction = int(direction)
    if direction == 0:
        if target is None or pd.isna(target):
            raise NatsamError("direction 0 (closest to target) needs a target value.")
        return -(values - float(target)).abs()
    if direction not in (1, -1):
        raise NatsamError(f"direction must be 1, -1 or 0, not {direction!r}.")
    return values * direction


def percentile_ranks(scores: pd.Series | pd.DataFrame):
    """Percentile (0-100, mid-rank for ties) of each score among the non-missing scores of its column.

    Equal to ``percentileofscore(column, score, kind="mean")`` for every element; NaN stays NaN.
    """
    return (scores.rank(method="average") - 0.5) / scores.count() * 100


def percentile_against(score: float, reference: Iterable[float]) -> float:
    """Percentile of one score against a reference group (NaN when either is missing).

    The same number as ``scipy.stats.percentileofscore(reference, score, kind="mean")``.
    """
    ref = np.asarray([r for r in reference if not pd.isna(r)], dtype=float)
    if pd.isna(score) or ref.size == 0:
        return float("nan")
    return float(((ref < score).sum() + 0.5 * (ref == score).sum()) / ref.size * 100)


class KpiValues:
    """The non-missing values of a panel's ``kpis`` for one gender, grouped by indicator once, so that
    the per-indicator lookups of a municipality profile need no pass over the whole panel (and no
    pandas operation per lookup beyond building the small result).

    ``ids`` limits the rows to those municipalities.
    """

    def __init__(self, panel: pd.DataFrame, kpis: Iterable[str], gender: str = "T",
                 ids: Iterable[str] | None = None):
        keep = (panel["gender"] == gender) & panel["kpi"].isin(list(kpis)) & panel["value"].notna()
        if ids is not None:
            keep &= panel["municipality_id"].isin(list(ids))
        rows = panel.loc[keep, ["kpi", "municipality_id", "year", "value"]]
        self.ids = rows["municipality_id"].to_numpy(dtype=object)
        self.years = rows["year"].to_numpy()
        self.values = rows["value"].to_numpy(dtype=float)
        self.positions = {k: np.asarray(v) for k, v in rows.groupby("kpi", sort=False).indices.items()}

    def latest_for(self, kpi: str, municipality_id: str) -> tuple[int, pd.Series] | None:
        """``(year, values)``: the latest year in which ``municipality_id`` has a value of ``kpi`` and
        every municipality's value that year (indexed by id, in panel order); None without a value."""
        where = self.positions.get(kpi)
        if where is None:
            return None
        own = where[self.ids[where] == municipality_id]
        if own.size == 0:
            return None
        year = int(self.years[own].max())
        that_year = where[self.years[where] == year]
        return year, pd.Series(self.values[that_year], index=pd.Index(self.ids[that_year], name="municipality_id"),
                               name="value")


def municipality_profile(
    panel: pd.DataFrame,
    catalog: pd.DataFrame,
    municipality_id: str,
    kpis: Iterable[str],
    platforms: Iterable[str],
    gender: str = "T",
) -> pd.DataFrame:
    """One municipality's standing on each indicator, in Sweden and among the platforms.

    For each indicator the year is the latest one in which the municipality has a value; it is
    compared with every municipality that has a value that year (``pct_sweden``) and with the
    platform municipalities plus itself (``pct_platforms``; for a platform municipality, the six).

    Returns one row per indicator (in the order given) with ``kpi, year, value, national_median,
    pct_sweden, pct_platforms, n_reported``; indicators without a value for the municipality have
    NaN values and ``year`` <NA>.
    """
    platforms = list(platforms)
    kpis = list(kpis)  # iterated twice below: a generator would leave the second pass empty
    values = KpiValues(panel, kpis, gender)
    out = []
    for kpi in kpis:
        ind = catalog.loc[kpi]
        record = {"kpi": kpi, "year": pd.NA, "value": np.nan, "national_median": np.nan,
                  "pct_sweden": np.nan, "pct_platforms": np.nan, "n_reported": 0}
        found = values.latest_for(kpi, municipality_id)
        if found is not None:
            year, that_year = found
            scores = direction_scores(that_year, ind["direction"], ind["target"])
            group = scores[scores.index.isin(set(platforms) | {municipality_id})]
            record.update(
                year=year,
                value=float(that_year[municipality_id]),
                national_median=float(that_year.median()),
                pct_sweden=float(percentile_ranks(scores)[municipality_id]),
                pct_platforms=percentile_against(scores[municipality_id], group),
                n_reported=int(that_year.size),
            )
        out.append(record)
    result = pd.DataFrame(out, columns=["kpi", "year", "value", "national_median", "pct_sweden", "pct_platforms",
                                        "n_reported"])
    result["year"] = result["year"].astype("Int64")
    return result


def national_series(panel: pd.DataFrame, kpi: str, gender: str = "T") -> pd.DataFrame:
    """Median and quartiles of an indicator over all municipalities, per year.

    Columns ``year, median, q25, q75, n``.
    """
    rows = panel[(panel["kpi"] == kpi) & (panel["gender"] == gender) & panel["value"].notna()]
    grouped = rows.groupby("year")["value"]
    out = pd.DataFrame({
        "median": grouped.median(), "q25": grouped.quantile(0.25), "q75": grouped.quantile(0.75),
        "n": grouped.size(),
    })
    return out.reset_index()


def municipality_series(panel: pd.DataFrame, kpi: str, municipality_id: str, gender: str = "T") -> pd.DataFrame:
    """One municipality's values of an indicator over the years (``year, value``; missing kept as NaN)."""
    rows = panel[(panel["kpi"] == kpi) & (panel["gender"] == gender) & (panel["municipality_id"] == municipality_id)]
    return rows[["year", "value"]].sort_values("year").reset_index(drop=True)


def platform_percentiles(
    wide: pd.DataFrame, catalog: pd.DataFrame, platforms: Iterable[str]
) -> pd.DataFrame:
    """National percentile of each platform municipality on each scored indicator of a wide table.

    ``wide`` is municipalities x KPIs (one year, e.g. from :func:`natsam_analysis.tables.to_wide`).
    Returns a long frame ``kpi, municipality_id, value, percentile``.
    """
    platforms = list(platforms)
    records = []
    for kpi in wide.columns:
        if kpi not in catalog.index or pd.isna(catalog.loc[kpi, "direction"]):
            continue
        scores = direction_scores(wide[kpi].dropna(), catalog.loc[kpi, "direction"], catalog.loc[kpi, "target"])
        pct = percentile_ranks(scores)
        for mid in platforms:
            records.append({"kpi": kpi, "municipality_id": mid, "value": wide[kpi].get(mid, np.nan),
                            "percentile": pct.get(mid, np.nan)})
    return pd.DataFrame.from_records(records, columns=["kpi", "municipality_id", "value", "percentile"])
