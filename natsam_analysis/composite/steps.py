"""The construction steps of a composite indicator, as pure functions (no I/O, inputs never modified).

Each step takes a units x indicators table (a DataFrame indexed by unit code ``uCode``, one float
column per indicator code) and returns a new one. The methods follow the OECD/JRC *Handbook on
Constructing Composite Indicators* (2008) and the JRC's COINr package:

* :func:`denominate` - divide indicators by a denominator (population, GDP, area, ...);
* :func:`screen` - drop units with too little data;
* :func:`impute` - fill missing values (mean, median, group mean/median; panel history in
  :func:`fill_from_history`);
* :func:`treat` - outliers: COINr's skewness/kurtosis rule with winsorisation and a log fallback;
* :func:`normalise` - min-max, z-score, rank, percentile rank, distance to target, goalposts, bounded;
* :func:`aggregate` - weighted arithmetic, geometric, harmonic, generalised mean or Copeland, level by
  level, with a fast array path (:class:`AggregationPlan`, :func:`aggregate_array`) for reweighting
  and Monte Carlo;
* weights: :func:`equal_weights`, :func:`pca_weights`, :func:`effective_weights`; :func:`rank_scores`.

Examples
--------
>>> import pandas as pd
>>> from natsam_analysis.composite.framework import Framework
>>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}}, directions={"b": -1})
>>> raw = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [30.0, 20.0, 10.0], "c": [5.0, 5.5, 7.0]},
...                    index=pd.Index(["x", "y", "z"], name="uCode"))
>>> norm = normalise(raw, fw, method="minmax", range=(0, 100))
>>> agg = aggregate(norm, fw, method="arithmetic")
>>> agg["Index"].round(2).tolist()
[0.0, 37.5, 100.0]
>>> rank_scores(agg["Index"]).tolist()
[3, 2, 1]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis.composite.framework import Framework
from natsam_analysis.errors import NatsamError
from natsam_analysis.metrics.percentiles import direction_scores

IMPUTE_METHODS = ("mean", "median", "mean_group", "median_group")
HISTORY_METHODS = ("latest", "interpolate")
TREAT_METHODS = ("default", "none", "winsorise", "log")
NORMALISE_METHODS = ("minmax", "zscore", "rank", "percentile", "target", "goalposts", "bounded")
AGGREGATE_METHODS = ("arithmetic", "geometric", "harmonic", "generalised", "copeland")


def _indicator_frame(data: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise NatsamError(f"{what}: the data lack the indicator column(s) {', '.join(missing)}; "
                          "check that the data set and the framework (iMeta) name the same codes.")
    return data.loc[:, list(columns)].astype(float)


# ==================================================================================================
# denominate, screen, impute


def denominate(data: pd.DataFrame, denominators: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Divide each indicator by the denominator named in the framework's ``Denominator`` column.

    Indicators without a denominator are copied. A zero denominator gives a missing value (NaN).

    Parameters
    ----------
    data
        Units x indicators.
    denominators
        Units x denominator columns (e.g. ``Population``), indexed like ``data``.
    framework
        Names each indicator's denominator.

    Examples
    --------
    >>> fw = Framework.from_imeta(pd.DataFrame({"Level": [1, 1, 2, None], "iCode": ["a", "b", "Index", "Pop"],
    ...     "Denominator": ["Pop", None, None, None], "Parent": ["Index", "Index", None, None],
    ...     "Type": ["Indicator", "Indicator", "Aggregate", "Denominator"]}))
    >>> d = denominate(pd.DataFrame({"a": [10.0], "b": [3.0]}), pd.DataFrame({"Pop": [4.0]}), fw)
    >>> d.iloc[0].tolist()
    [2.5, 3.0]
    """
    out = data.copy()
    for code, den in framework.denominator.items():
        if not den or code not in out.columns:
            continue
        if den not in denominators.columns:
            raise NatsamError(f"denominate: indicator {code!r} is to be divided by {den!r}, but the data have no "
                              f"denominator column {den!r}; add it to iData or clear the indicator's "
                              "Denominator cell in iMeta.")
        divisor = denominators[den].reindex(out.index).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = out[code].astype(float) / divisor
        out[code] = values.where(np.isfinite(values))
    return out


def screen(data: pd.DataFrame, threshold: float = 0.9, *,
           columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Keep the units with at least ``threshold`` (a share, 0-1) of their indicators present.

    Returns the kept rows and the list of removed unit codes (in data order).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, None, None]}, index=["x", "y", "z"])
    >>> kept, removed = screen(df, threshold=0.5)
    >>> kept.index.tolist(), removed
    (['x', 'z'], ['y'])
    """
    if not 0 <= threshold <= 1:
        raise NatsamError(f"screen: threshold={threshold!r} must be a share between 0 and 1 (e.g. 0.9).")
    cols = list(columns) if columns is not None else list(data.columns)
    share = data[cols].notna().mean(axis=1) if cols else pd.Series(1.0, index=data.index)
    keep = share >= threshold - 1e-12
    return data.loc[keep].copy(), data.index[~keep].tolist()


def impute(data: pd.DataFrame, method: str = "mean", groups: pd.Series | None = None) -> pd.DataFrame:
    """Fill missing values of each indicator (column).

    Parameters
    ----------
    method
        ``"mean"``/``"median"``: the indicator's mean/median over all units. ``"mean_group"``/
        ``"median_group"``: over the units of the same group (``groups``); a cell stays missing when
        its unit has no group or no unit of its group has a value.
    groups
        Group label per unit (indexed like ``data``), for the group methods.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, None, 5.0, 7.0]}, index=list("wxyz"))
    >>> impute(df, "mean")["a"].tolist()
    [1.0, 4.333333333333333, 5.0, 7.0]
    >>> impute(df, "mean_group", groups=pd.Series(["g", "g", "h", "h"], index=list("wxyz")))["a"].tolist()
    [1.0, 1.0, 5.0, 7.0]
    """
    if method not in IMPUTE_METHODS:
        raise NatsamError(f"impute: method={method!r} is not one of {', '.join(IMPUTE_METHODS)} "
                          f"(panel history: {', '.join(HISTORY_METHODS)}).")
    values = data.astype(float)
    stat = "mean" if method.startswith("mean") else "median"
    if method.endswith("_group"):
        if groups is None:
            raise NatsamError(f"impute: method={method!r} needs a group column (e.g. group: EurAsia_group).")
        labels = pd.Series(groups).reindex(values.index)
        fill = values.groupby(labels.to_numpy(), dropna=True).transform(stat)
        fill.index = values.index
    else:
        fill = pd.DataFrame(np.broadcast_to(getattr(values, stat)().to_numpy(), values.shape),
                            index=values.index, columns=values.columns)
    return values.fillna(fill)


def fill_from_history(data: pd.DataFrame, history: pd.DataFrame, years: Mapping[str, int],
                      method: str = "latest", max_age: int | None = None) -> pd.DataFrame:
    """Fill missing values from the same unit's other years (panel data).

    Parameters
    ----------
    history
        Units x (indicator, year) table: a column MultiIndex of indicator code and year.
    years
        The year each indicator's value is taken from (``Coin.years``).
    method
        ``"latest"``: the most recent earlier value (at most ``max_age`` years older when given).
        ``"interpolate"``: linear interpolation in time between the nearest earlier and later values;
        never extrapolates (a value before the first or after the last observation stays missing).

    Examples
    --------
    >>> hist = pd.DataFrame([[1.0, None, 3.0]], index=["x"],
    ...                     columns=pd.MultiIndex.from_tuples([("a", 2020), ("a", 2021), ("a", 2022)]))
    >>> now = pd.DataFrame({"a": [None]}, index=["x"])
    >>> fill_from_history(now, hist, {"a": 2021}, "latest")["a"].tolist()
    [1.0]
    >>> fill_from_history(now, hist, {"a": 2021}, "interpolate")["a"].tolist()
    [2.0]
    """
    if method not in HISTORY_METHODS:
        raise NatsamError(f"impute: method={method!r} is not one of {', '.join(HISTORY_METHODS)}.")
    out = data.astype(float)
    for code in out.columns:
        if code not in history.columns.get_level_values(0) or code not in years:
            continue
        series = history[code].reindex(out.index).astype(float)
        series = series.reindex(columns=sorted(series.columns))
        year = int(years[code])
        if method == "latest":
            earlier = series.loc[:, [y for y in series.columns if y <= year]]
            if max_age is not None:
                earlier = earlier.loc[:, [y for y in earlier.columns if y >= year - max_age]]
            if earlier.empty:
                continue
            candidate = earlier.ffill(axis=1).iloc[:, -1]
        else:
            cols = list(series.columns)
            if year not in cols:
                series[year] = np.nan
                series = series.reindex(columns=sorted(series.columns))
            candidate = series.T.interpolate(method="index", limit_area="inside").T[year]
        out[code] = out[code].fillna(candidate)
    return out


# ==================================================================================================
# outlier treatment


def skew_kurt(x: np.ndarray) -> tuple[float, float]:
    """Bias-corrected sample skewness and excess kurtosis (as Excel's SKEW/KURT, R e1071 type 2).

    Missing values are ignored; fewer than four values give NaN.

    Examples
    --------
    >>> s, k = skew_kurt(np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]))
    >>> round(s, 4), round(k, 4)
    (3.0632, 9.7414)
    """
    v = np.asarray(x, dtype=float)
    v = v[~np.isnan(v)]
    n = v.size
    if n < 4:
        return math.nan, math.nan
    d = v - v.mean()
    d2 = d * d
    m2 = d2.mean()
    if m2 <= 1e-28 * max(1.0, float(np.abs(v).max())) ** 2:  # constant: undefined
        return math.nan, math.nan
    g1 = (d2 * d).mean() / m2**1.5
    g2 = (d2 * d2).mean() / m2**2 - 3.0
    # the bias corrections of scipy.stats.skew/kurtosis(bias=False), i.e. Excel's SKEW and KURT
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return float(skew), float(kurt)


def _fails(sk: float, kt: float, skew_thresh: float, kurt_thresh: float) -> bool:
    return bool(abs(sk) > skew_thresh and kt > kurt_thresh)  # NaN compares False: passes


def _winsorise(x: np.ndarray, winmax: int, skew_thresh: float, kurt_thresh: float, code: str,
               force: bool = False) -> tuple[np.ndarray, int]:
    """COINr's winsorisation loop; returns the new values and the number of iterations."""
    x = x.copy()
    present = ~np.isnan(x)
    sk, kt = skew_kurt(x)
    winz = 0
    while (force or _fails(sk, kt, skew_thresh, kurt_thresh)) and winz < winmax:
        pick = np.max if not sk < 0 else np.min  # skewness >= 0 (or undefined): high outliers
        at = present & (x == pick(x[present]))
        rest = x[present & ~at]
        if rest.size == 0:
            break
        x[at] = pick(rest)  # every unit at the extreme moves to the next value inwards
        winz += 1
        if np.unique(x[present]).size < 2:
            raise NatsamError(f"treat: winsorising indicator {code!r} further would leave fewer than two distinct "
                              "values; give it a lower winmax or another treatment in overrides "
                              f"(e.g. overrides: {{{code}: log}} or {{{code}: none}}).")
        sk, kt = skew_kurt(x)
    return x, winz


def log_ct(x: np.ndarray) -> np.ndarray:
    """COIN Tool log transform: ``log(x - min + 0.01 * (max - min))`` (defined for any sign).

    Examples
    --------
    >>> log_ct(np.array([0.0, 1.0, 100.0])).round(3).tolist()
    [0.0, 0.693, 4.615]
    """
    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x - lo + 0.01 * (hi - lo))


def _treat_spec(spec: Any, defaults: dict[str, Any], code: str) -> dict[str, Any]:
    out = dict(defaults)
    out["force"] = False
    out["source"] = "default"
    if isinstance(spec, str):
        out["method"] = spec
        out["source"] = "override"
    elif isinstance(spec, Mapping):
        unknown = set(spec) - {"method", "winmax", "skew_thresh", "kurt_thresh", "force"}
        if unknown:
            raise NatsamError(f"treat: overrides for {code!r} has unknown key(s) {', '.join(sorted(unknown))}; "
                              "allowed: method, winmax, skew_thresh, kurt_thresh, force.")
        out.update(spec)
        out["source"] = "override"
    elif spec is not None:
        raise NatsamError(f"treat: overrides for {code!r} must be a method name or a mapping, not {spec!r}.")
    if out["method"] not in TREAT_METHODS:
        raise NatsamError(f"treat: method {out['method']!r} (indicator {code!r}) is not one of "
                          f"{', '.join(TREAT_METHODS)}.")
    return out


def treat(data: pd.DataFrame, winmax: int = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5,
          method: str = "default", overrides: Mapping[str, Any] | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat outliers indicator by indicator (COINr's default treatment).

    An indicator *fails* when ``|skewness| > skew_thresh`` **and** ``kurtosis > kurt_thresh``
    (bias-corrected sample skewness and excess kurtosis, as Excel computes them).

    ``method``:

    * ``"default"``: while it fails and fewer than ``winmax`` iterations were made, set the current
      maximum (if skewness >= 0, else the minimum) to the next value inwards - all units that share
      the extreme value at once, counting one iteration - and re-test. If it still fails after
      ``winmax`` iterations, undo the winsorisation and apply ``log(x - min + 0.01*(max - min))``
      (:func:`log_ct`) to the original values instead.
    * ``"winsorise"``: the winsorisation alone (no log fallback).
    * ``"log"``: :func:`log_ct` for the indicators that fail, no winsorisation.
    * ``"none"``: no treatment.

    ``overrides`` maps an indicator code to a method name or a mapping with ``method``, ``winmax``,
    ``skew_thresh``, ``kurt_thresh`` and ``force`` (``force: true`` treats without testing: exactly
    ``winmax`` points winsorised, or the log applied).

    Returns
    -------
    (treated, summary)
        ``summary`` has one row per indicator: ``iCode``, ``Low``/``High`` (points winsorised at
        each end), ``TreatSpec``, ``Treatment`` (as COINr's TreatSummary), and the skewness and
        kurtosis before and after.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100.0]})
    >>> treated, summary = treat(df, winmax=5)
    >>> float(treated["a"].max()), summary.loc[0, "Treatment"]
    (30.0, 'Winsorised 1 points')
    """
    if method not in TREAT_METHODS:
        raise NatsamError(f"treat: method={method!r} is not one of {', '.join(TREAT_METHODS)}.")
    overrides = dict(overrides or {})
    unknown = [c for c in overrides if c not in data.columns]
    if unknown:
        raise NatsamError(f"treat: overrides name indicator(s) not in the data: {', '.join(map(str, unknown))}.")
    defaults = {"method": method, "winmax": winmax, "skew_thresh": skew_thresh, "kurt_thresh": kurt_thresh}
    out = data.astype(float)
    rows = []
    for code in out.columns:
        spec = _treat_spec(overrides.get(code), defaults, code)
        wmax = spec["winmax"]
        if wmax is None or int(wmax) != wmax or wmax < 0:
            raise NatsamError(f"treat: winmax={wmax!r} (indicator {code!r}) must be a whole number >= 0.")
        wmax, ts, tk, force = int(wmax), float(spec["skew_thresh"]), float(spec["kurt_thresh"]), bool(spec["force"])
        x = out[code].to_numpy(dtype=float)
        sk0, kt0 = skew_kurt(x)
        y, low, high = x, 0, 0
        prefix = "Forced " if force else ("Default" if spec["source"] == "default" else "Override")
        if spec["method"] == "none":
            tspec, treatment = "None", "None"
        elif spec["method"] == "log":
            tspec = "Forced log" if force else f"{prefix if prefix != 'Default' else 'Default'}, log"
            if force or _fails(sk0, kt0, ts, tk):
                y, treatment = log_ct(x), "CTLog"
            else:
                treatment = "None"
        else:
            w, winz = _winsorise(x, wmax, ts, tk, code, force=force)
            sk1, kt1 = skew_kurt(w)
            label = "Default" if spec["method"] == "default" and spec["source"] == "default" else (
                "Forced Win" if force else ("Win only" if spec["method"] == "winsorise" else "Override"))
            tspec = f"{label}, winmax = {wmax}"
            if spec["method"] == "default" and not force and winz >= wmax and _fails(sk1, kt1, ts, tk):
                y, treatment = log_ct(x), "CTLog (exceeded winmax)"
            else:
                y = w
                changed = ~np.isnan(x) & (w != x)
                high = int((changed & (w < x)).sum())
                low = int((changed & (w > x)).sum())
                treatment = f"Winsorised {winz} points" if winz > 0 else "None"
        out[code] = y
        sk1, kt1 = skew_kurt(y)
        rows.append({"iCode": code, "Low": low, "High": high, "TreatSpec": tspec, "Treatment": treatment,
                     "SkewBefore": sk0, "KurtBefore": kt0, "SkewAfter": sk1, "KurtAfter": kt1})
    return out, pd.DataFrame(rows)


# ==================================================================================================
# normalisation


def _range(value: Any, what: str = "range") -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise NatsamError(f"normalise: {what}={value!r} must be two numbers [low, high], e.g. [0, 100].") from None
    if not lo < hi:
        raise NatsamError(f"normalise: {what}={value!r} needs low < high.")
    return lo, hi


def _minmax(s: np.ndarray, lo: float, hi: float) -> np.ndarray:
    mn, mx = np.nanmin(s), np.nanmax(s)
    if mx == mn:  # a constant indicator does not discriminate: the middle of the range
        return np.where(np.isnan(s), np.nan, (lo + hi) / 2)
    return (s - mn) / (mx - mn) * (hi - lo) + lo


def _normalise_column(x: np.ndarray, code: str, direction: int, target: float, method: str,
                      params: Mapping[str, Any]) -> np.ndarray:
    if np.isnan(x).all():
        return x.copy()
    tgt = None if target is None or math.isnan(target) else float(target)
    if method in ("minmax", "zscore", "rank", "percentile"):
        s = np.asarray(direction_scores(pd.Series(x), direction, tgt), dtype=float)
        if method == "minmax":
            lo, hi = _range(params.get("range", (0, 100)))
            return _minmax(s, lo, hi)
        if method == "zscore":
            mean, sd = float(params.get("mean", 0.0)), float(params.get("sd", 1.0))
            spread = np.nanstd(s, ddof=1) if np.sum(~np.isnan(s)) > 1 else 0.0
            if spread == 0:
                return np.where(np.isnan(s), np.nan, mean)
            return (s - np.nanmean(s)) / spread * sd + mean
        ranks = pd.Series(s).rank(method="min", ascending=True).to_numpy()
        if method == "rank":
            return ranks
        n = np.sum(~np.isnan(s))
        scale = float(params.get("scale", 100.0))
        return (ranks - 1) / (n - 1) * scale if n > 1 else np.where(np.isnan(s), np.nan, scale)
    scale = float(params.get("scale", 100.0))
    if method == "target":
        if tgt is None:
            raise NatsamError(f"normalise: method 'target' needs a Target for indicator {code!r}; add it to iMeta.")
        mn, mx = np.nanmin(x), np.nanmax(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            if direction == 1:
                y = (x - mn) / (tgt - mn)
            elif direction == -1:
                y = (mx - x) / (mx - tgt)
            else:
                dist = np.abs(x - tgt)
                y = 1 - dist / np.nanmax(dist)
        if params.get("cap", True):
            y = np.minimum(y, 1.0)
        return y * scale
    if method == "goalposts":
        posts = params.get("goalposts") or {}
        if code not in posts:
            raise NatsamError(f"normalise: method 'goalposts' needs goalposts for indicator {code!r} "
                              f"(goalposts: {{{code}: [low, high]}}).")
        lo, hi = _range(posts[code], f"goalposts[{code}]")
        if direction == 1:
            y = (x - lo) / (hi - lo)
        elif direction == -1:
            y = (hi - x) / (hi - lo)
        else:
            if tgt is None:
                raise NatsamError(f"normalise: two-sided indicator {code!r} needs a Target.")
            y = 1 - np.abs(x - tgt) / max(tgt - lo, hi - tgt)
        if params.get("truncate", True):
            y = np.clip(y, 0.0, 1.0)
        return y * scale
    if method == "bounded":
        p = float(params.get("percentile", 2.5))
        if not 0 <= p < 50:
            raise NatsamError(f"normalise: percentile={p} must be between 0 and 50 (e.g. 2.5).")
        if direction == 0:
            if tgt is None:
                raise NatsamError(f"normalise: two-sided indicator {code!r} needs a Target.")
            dist = np.abs(x - tgt)
            worst = np.nanpercentile(dist, 100 - p)
            y = (worst - dist) / worst if worst > 0 else np.where(np.isnan(dist), np.nan, 1.0)
        else:
            worst = np.nanpercentile(x, p if direction == 1 else 100 - p)
            best = tgt if tgt is not None else np.nanpercentile(x, 100 - p if direction == 1 else p)
            if best == worst:
                y = np.where(np.isnan(x), np.nan, 0.5)
            else:
                y = (x - worst) / (best - worst)
        return np.clip(y, 0.0, 1.0) * scale
    raise NatsamError(f"normalise: method={method!r} is not one of {', '.join(NORMALISE_METHODS)}.")


def normalise(data: pd.DataFrame, framework: Framework, method: str = "minmax",
              overrides: Mapping[str, Mapping[str, Any]] | None = None, **params: Any) -> pd.DataFrame:
    """Bring every indicator onto a common scale where higher is better.

    The framework's Direction is applied: 1 keeps the order, -1 reverses it, 0 (two-sided) scores
    the distance to the Target so that the value closest to the target is best.

    Methods and their parameters:

    * ``minmax`` - ``range=[low, high]`` (default ``[0, 100]``); a constant indicator gets the middle.
    * ``zscore`` - ``mean`` (0), ``sd`` (1): ``(x - mean(x)) / sd(x) * sd + mean`` (sample sd).
    * ``rank`` - rank among units, 1 = worst; ties share the lowest rank.
    * ``percentile`` - percent rank ``(rank - 1) / (n - 1) * scale`` (``scale`` 100).
    * ``target`` - distance to target: ``(x - min) / (target - min)`` (direction -1:
      ``(max - x) / (max - target)``; 0: ``1 - |x - target| / max|x - target|``), capped at 1 unless
      ``cap: false``, times ``scale`` (100).
    * ``goalposts`` - ``goalposts={code: [low, high]}``: ``(x - low) / (high - low)`` (reversed for -1;
      for 0 ``1 - |x - target| / max(target - low, high - target)``), truncated to [0, 1] unless
      ``truncate: false``, times ``scale``.
    * ``bounded`` - SDSN-style: the worst bound is the ``percentile`` (2.5) of the data, the best bound
      the Target (the opposite percentile when there is none); values are clipped to [0, 1] times
      ``scale``. Two-sided indicators: the distance to the target, the worst bound at its
      (100 - percentile) percentile.

    ``overrides`` maps indicator codes to ``{method: ..., <params>}`` for those indicators only.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"]}}, directions={"b": 0}, targets={"b": 50})
    >>> df = pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [30.0, 50.0, 60.0]})
    >>> normalise(df, fw, "minmax")["b"].tolist()
    [0.0, 100.0, 50.0]
    """
    if method not in NORMALISE_METHODS:
        raise NatsamError(f"normalise: method={method!r} is not one of {', '.join(NORMALISE_METHODS)}.")
    overrides = dict(overrides or {})
    unknown = [c for c in overrides if c not in framework.indicators]
    if unknown:
        raise NatsamError(f"normalise: overrides name code(s) that are not indicators: {', '.join(unknown)}.")
    codes = [c for c in framework.indicators if c in data.columns]
    out = _indicator_frame(data, codes, "normalise")
    for code in codes:
        col_method, col_params = method, dict(params)
        if code in overrides:
            extra = dict(overrides[code])
            col_method = extra.pop("method", method)
            col_params.update(extra)
        out[code] = _normalise_column(out[code].to_numpy(dtype=float), code, int(framework.direction[code]),
                                      float(framework.target[code]), col_method, col_params)
    return out


# ==================================================================================================
# weights


def equal_weights(framework: Framework) -> pd.Series:
    """Weight 1 for every code (equal weights within each parent).

    Examples
    --------
    >>> equal_weights(Framework.from_hierarchy({"Index": {"P": ["a"]}})).tolist()
    [1.0, 1.0, 1.0]
    """
    return pd.Series(1.0, index=framework.codes, name="Weight")


def _as_weight_series(framework: Framework, weights: Mapping[str, float] | pd.Series | None) -> pd.Series:
    base = framework.weight.reindex(framework.codes).astype(float)
    if weights is None:
        return base
    w = pd.Series(weights, dtype=float)
    unknown = [c for c in w.index if c not in base.index]
    if unknown:
        raise NatsamError(f"weights: unknown code(s) {', '.join(map(str, unknown))}; codes are "
                          f"{', '.join(framework.codes)}.")
    bad = [f"{c}={v}" for c, v in w.items() if not (math.isfinite(v) and v >= 0)]
    if bad:
        raise NatsamError(f"weights: {', '.join(bad)} - weights must be finite numbers >= 0.")
    base.loc[w.index] = w.to_numpy()
    return base


def effective_weights(framework: Framework, weights: Mapping[str, float] | pd.Series | None = None) -> pd.Series:
    """Each indicator's share of the top aggregate: the product of its normalised weights on the path up.

    Weights are relative within each parent; the result sums to 1 (when no parent has only zero weights).

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> effective_weights(fw).tolist()
    [0.25, 0.25, 0.5]
    """
    w = _as_weight_series(framework, weights)
    share = pd.Series(1.0, index=framework.codes)
    for level in reversed(framework.levels[:-1]):
        codes = framework.indicators if level == 1 else framework.aggregates[level]
        for code in codes:
            siblings = framework.children(framework.parent[code])
            total = w[siblings].sum()
            share[code] = share[framework.parent[code]] * (w[code] / total if total > 0 else 0.0)
    return share[framework.indicators].rename("effective_weight")


def pca_weights(data: pd.DataFrame, framework: Framework, levels: Sequence[int] | None = None) -> pd.Series:
    """Weights from principal component analysis, per aggregation group (OECD/JRC handbook).

    For each aggregate at the given levels (default: every level), the first principal component of
    its children (standardised, units with all children present) is computed with scikit-learn; the
    children's weights are the squared loadings (they sum to 1, and do not depend on the component's
    sign). Children of higher levels are scored by aggregating the data with the weights found so far
    (arithmetic mean). An aggregate with a single child, or too few complete units, keeps its weights.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"]}})
    >>> rng = np.random.default_rng(0); z = rng.normal(size=50)
    >>> df = pd.DataFrame({"a": z + rng.normal(scale=0.1, size=50), "b": z})
    >>> w = pca_weights(df, fw, levels=[2])
    >>> round(float(w["a"] + w["b"]), 6), bool(abs(w["a"] - 0.5) < 0.01)
    (1.0, True)
    """
    from sklearn.decomposition import PCA

    w = _as_weight_series(framework, None)
    wanted = list(framework.levels[1:]) if levels is None else [int(lv) for lv in levels]
    bad = [lv for lv in wanted if lv not in framework.levels[1:]]
    if bad:
        raise NatsamError(f"weights: PCA levels {bad} are not aggregate levels ({framework.levels[1:]}).")
    for level in framework.levels[1:]:
        if level not in wanted:
            continue
        scored = data if level == 2 else aggregate(data, framework, "arithmetic", weights=w)
        for parent in framework.aggregates[level]:
            kids = framework.children(parent)
            block = scored[kids].astype(float).dropna()
            sd = block.std(ddof=1)
            if len(kids) < 2 or len(block) <= len(kids) or (sd == 0).any():
                continue
            z = (block - block.mean()) / sd
            load = PCA(n_components=1).fit(z.to_numpy()).components_[0]
            sq = load**2
            w.loc[kids] = sq / sq.sum()
    return w.rename("Weight")


# ==================================================================================================
# aggregation: the plan and the fast array path


@dataclass(frozen=True)
class _LevelPlan:
    level: int
    child_start: int
    child_stop: int
    parent_start: int  # position in the all-codes array
    parent_stop: int
    membership: np.ndarray  # (n_children, n_parents) 0/1
    n_children: np.ndarray  # (n_parents,)
    groups: tuple[tuple[int, ...], ...]  # per parent, child positions relative to child_start


@dataclass(frozen=True)
class AggregationPlan:
    """Precomputed aggregation structure of a framework for :func:`aggregate_array`.

    Codes are laid out level by level (``codes``: indicators first, then each aggregate level), so the
    children of a level are a contiguous block; per level a 0/1 membership matrix maps children to
    parents. Weight vectors for :func:`aggregate_array` follow ``codes`` (the top's weight is unused).

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> plan = AggregationPlan.from_framework(fw)
    >>> plan.codes, plan.aggregates
    (('a', 'b', 'c', 'P', 'Q', 'Index'), ('P', 'Q', 'Index'))
    >>> plan.weight_vector({"a": 3.0}).tolist()
    [3.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """

    codes: tuple[str, ...]
    indicators: tuple[str, ...]
    aggregates: tuple[str, ...]
    levels: tuple[_LevelPlan, ...]
    default_weights: np.ndarray

    @classmethod
    def from_framework(cls, framework: Framework) -> AggregationPlan:
        """Build the plan (do it once; reuse it for every re-aggregation)."""
        codes = list(framework.codes)
        pos = {c: i for i, c in enumerate(codes)}
        plans = []
        prev = framework.indicators
        for level in framework.levels[1:]:
            parents = framework.aggregates[level]
            c0, p0 = pos[prev[0]], pos[parents[0]]
            member = np.zeros((len(prev), len(parents)))
            groups = []
            for j, parent in enumerate(parents):
                kids = [pos[k] - c0 for k in framework.children(parent)]
                member[kids, j] = 1.0
                groups.append(tuple(kids))
            plans.append(_LevelPlan(level, c0, c0 + len(prev), p0, p0 + len(parents), member,
                                    member.sum(axis=0), tuple(groups)))
            prev = parents
        weights = framework.weight.reindex(codes).to_numpy(dtype=float)
        return cls(tuple(codes), tuple(framework.indicators), tuple(codes[len(framework.indicators):]),
                   tuple(plans), weights)

    def weight_vector(self, weights: Mapping[str, float] | pd.Series | None = None) -> np.ndarray:
        """The default (metadata) weights as an array over ``codes``, with ``weights`` replacing some."""
        out = self.default_weights.copy()
        if weights is not None:
            index = {c: i for i, c in enumerate(self.codes)}
            for code, value in dict(weights).items():
                if code not in index:
                    raise NatsamError(f"weights: unknown code {code!r}; codes are {', '.join(self.codes)}.")
                out[index[code]] = float(value)
        return out


def _copeland_level(xc: np.ndarray, w: np.ndarray, groups: tuple[tuple[int, ...], ...]) -> np.ndarray:
    """Copeland scores per parent: xc [..., units, children], w [..., children]."""
    out = np.empty(xc.shape[:-1] + (len(groups),))
    for j, kids in enumerate(groups):
        x = xc[..., list(kids)]                             # [..., u, k]
        wk = np.broadcast_to(w[..., list(kids)], x.shape[:-2] + (len(kids),))[..., None, None, :]
        a, b = x[..., :, None, :], x[..., None, :, :]      # [..., u, 1, k], [..., 1, u, k]
        valid = ~(np.isnan(a) | np.isnan(b))
        with np.errstate(invalid="ignore"):
            gt = (a > b) & valid
            eq = (a == b) & valid
        tot = np.sum(wk * valid, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            om = (np.sum(wk * gt, axis=-1) + 0.5 * np.sum(wk * eq, axis=-1)) / tot
        score = np.sign(np.where(tot > 0, om - 0.5, 0.0))
        n = score.shape[-1]
        score[..., np.arange(n), np.arange(n)] = 0.0
        s = score.sum(axis=-1)
        has_any = ~np.all(np.isnan(x), axis=-1)
        out[..., j] = np.where(has_any, s, np.nan)
    return out


def aggregate_array(values: np.ndarray, plan: AggregationPlan, weights: np.ndarray | None = None,
                    method: str = "arithmetic", *, dat_thresh: float | None = None,
                    p: float | None = None) -> np.ndarray:
    """Aggregate indicator values level by level with plain numpy (the fast path).

    Parameters
    ----------
    values
        Array ``[..., units, n_indicators]`` in ``plan.indicators`` order (NaN = missing). Leading axes
        (e.g. Monte Carlo runs) are vectorised over.
    plan
        From :meth:`AggregationPlan.from_framework`.
    weights
        Array ``[..., n_codes]`` over ``plan.codes`` (default: the metadata weights); leading axes
        broadcast against those of ``values``. Weights are relative within each parent and rescaled
        over the children present for each unit.
    method
        ``arithmetic``, ``geometric``, ``harmonic``, ``generalised`` (power mean with exponent ``p``;
        p=1 arithmetic, p=-1 harmonic; ``p=0`` is taken as the geometric mean) or ``copeland``.
        Geometric, harmonic and generalised means with p <= 0 give 0 when a child with positive
        weight is 0 (their limit) and NaN when one is negative; :func:`aggregate` rejects negative
        values up front instead.
    dat_thresh
        A parent is NaN when the share of its children present is below this (0-1).

    Returns
    -------
    numpy.ndarray
        ``[..., units, n_aggregates]`` in ``plan.aggregates`` order.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> plan = AggregationPlan.from_framework(fw)
    >>> x = np.array([[20.0, 40.0, 60.0], [10.0, np.nan, 50.0]])
    >>> aggregate_array(x, plan).tolist()
    [[30.0, 60.0, 45.0], [10.0, 50.0, 30.0]]
    """
    if method not in AGGREGATE_METHODS:
        raise NatsamError(f"aggregate: method={method!r} is not one of {', '.join(AGGREGATE_METHODS)}.")
    x = np.asarray(values, dtype=float)
    n_ind = len(plan.indicators)
    if x.shape[-1] != n_ind:
        raise NatsamError(f"aggregate_array: values have {x.shape[-1]} indicator columns, the plan {n_ind}.")
    w = plan.default_weights if weights is None else np.asarray(weights, dtype=float)
    if w.shape[-1] != len(plan.codes):
        raise NatsamError(f"aggregate_array: weights have {w.shape[-1]} entries, the plan has {len(plan.codes)} codes.")
    if method == "generalised":
        if p is None:
            raise NatsamError("aggregate: method 'generalised' needs the exponent p (e.g. p: 0.5).")
        if p == 0:
            method = "geometric"
        elif p == 1:
            method = "arithmetic"
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-1])
    out = np.empty(lead + (x.shape[-2], len(plan.aggregates)))
    current = x  # children of the level being aggregated (level 1: the indicators, never copied per run)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for lv in plan.levels:
            wc = w[..., lv.child_start:lv.child_stop]
            present = ~np.isnan(current)
            if method == "copeland":
                res = _copeland_level(current, wc, lv.groups)
            else:
                wm = lv.membership * wc[..., :, None]            # [..., children, parents]
                den = present.astype(float) @ wm
                if method == "arithmetic":
                    res = np.where(present, current, 0.0) @ wm / den
                else:
                    pos = present & (current > 0)
                    safe = np.where(pos, current, 1.0)
                    if method == "geometric":
                        res = np.exp(np.where(pos, np.log(safe), 0.0) @ wm / den)
                    elif method == "harmonic":
                        res = den / (np.where(pos, 1.0 / safe, 0.0) @ wm)
                    else:  # generalised power mean
                        res = (np.where(pos, np.power(safe, p), 0.0) @ wm / den) ** (1.0 / p)
                    if method != "generalised" or p < 0:  # a zero child: the mean's limit is 0
                        res = np.where((np.where(present & (current == 0), 1.0, 0.0) @ wm) > 0, 0.0, res)
                    res = np.where((np.where(present & (current < 0), 1.0, 0.0) @ wm) > 0, np.nan, res)
                res = np.where(den > 0, res, np.nan)
            if dat_thresh is not None:
                share = present.astype(float) @ lv.membership / lv.n_children
                res = np.where(share >= dat_thresh - 1e-12, res, np.nan)
            a = lv.parent_start - n_ind
            out[..., a:a + res.shape[-1]] = res
            current = res
    return out


def aggregate(data: pd.DataFrame, framework: Framework, method: str = "arithmetic",
              weights: Mapping[str, float] | pd.Series | None = None, dat_thresh: float | None = None,
              **params: Any) -> pd.DataFrame:
    """Aggregate indicators level by level up to the top of the framework.

    Each aggregate is the weighted mean (or Copeland score) of its children; for every unit the
    weights are rescaled over the children it has values for. ``dat_thresh`` (0-1) leaves an
    aggregate missing when the unit has less than that share of its children.

    Geometric and harmonic means (and the generalised mean with ``p`` other than 1) need values >= 0:
    negative values raise an error (normalise to e.g. min-max [1, 100] first); a child equal to 0 gives
    its parent 0 (the mathematical limit), which is usually not wanted - the message of the error and
    the handbook both suggest a range starting above 0.

    Returns the indicators followed by every aggregate column, level by level.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> df = pd.DataFrame({"a": [20.0, 10.0], "b": [40.0, None], "c": [60.0, 50.0]})
    >>> aggregate(df, fw)[["P", "Q", "Index"]].to_numpy().tolist()
    [[30.0, 60.0, 45.0], [10.0, 50.0, 30.0]]
    >>> aggregate(df, fw, dat_thresh=0.6)["P"].tolist()
    [30.0, nan]
    """
    if method not in AGGREGATE_METHODS:
        raise NatsamError(f"aggregate: method={method!r} is not one of {', '.join(AGGREGATE_METHODS)}.")
    unknown = set(params) - {"p"}
    if unknown:
        raise NatsamError(f"aggregate: unknown parameter(s) {', '.join(sorted(unknown))} (allowed: p).")
    if dat_thresh is not None and not 0 <= dat_thresh <= 1:
        raise NatsamError(f"aggregate: dat_thresh={dat_thresh!r} must be a share between 0 and 1.")
    p = params.get("p")
    values = _indicator_frame(data, framework.indicators, "aggregate")
    needs_positive = method in ("geometric", "harmonic") or (method == "generalised" and p not in (None, 1))
    if needs_positive:
        neg = values.lt(0).any()
        if neg.any():
            raise NatsamError(f"aggregate: the {method} mean needs values >= 0, but indicator(s) "
                              f"{', '.join(map(repr, neg[neg].index))} have negative values; normalise to a positive "
                              "range first (e.g. normalise: minmax with range [1, 100]).")
    plan = AggregationPlan.from_framework(framework)
    w = plan.weight_vector(_as_weight_series(framework, weights))
    agg = aggregate_array(values.to_numpy(), plan, w, method, dat_thresh=dat_thresh, p=p)
    out = values.copy()
    for j, code in enumerate(plan.aggregates):
        out[code] = agg[:, j]
    return out


def rank_array(scores: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Rank every column of a units x runs score array: 1 = highest, ties share the lowest rank.

    Missing scores get a missing rank and do not count (R's ``rank(-x, ties.method = "min",
    na.last = "keep")``, COINr's ``rank_df``). A 1-d array is one column. Returns floats (NaN where
    the score is NaN). The one ranking of the package: :func:`rank_scores` and the Monte Carlo use it.

    Examples
    --------
    >>> rank_array(np.array([[3.0, 1.0], [5.0, np.nan], [3.0, 2.0]])).tolist()
    [[2.0, 2.0], [1.0, nan], [2.0, 1.0]]
    """
    from scipy.stats import rankdata  # imported here: scipy.stats is slow to import (dashboards start faster)

    values = np.asarray(scores, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.size == 0:
        return values.copy()
    return rankdata(-values, method="min", axis=0, nan_policy="omit").astype(float)


def rank_scores(scores: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Rank units by score: 1 = best (highest); ties share the lowest rank; missing stays missing.

    Examples
    --------
    >>> rank_scores(pd.Series([50.0, 70.0, 50.0, None, 10.0])).tolist()
    [2, 1, 2, <NA>, 4]
    """
    ranks = rank_array(scores)
    if isinstance(scores, pd.Series):
        return pd.Series(ranks[:, 0], index=scores.index, name=scores.name).astype("Int64")
    return pd.DataFrame(ranks, index=scores.index, columns=scores.columns).astype("Int64")
