"""Statistical audit of a composite index: indicator statistics, correlations, reliability, PCA, removal.

The checks follow the JRC/OECD Handbook on constructing composite indicators and COINr's analysis
functions (``get_stats``, ``get_corr``/``get_corr_flags``, ``get_cronbach``, ``get_PCA``,
``remove_elements``). Everything here is a pure function of a units x codes table (indexed by unit
code, one column per indicator/aggregate code) and the index's :class:`Framework`; the results are
long, tidy tables with the codes as ids, ready for a notebook table or a figure builder.

Flags
-----
* statistics: low availability (share of units with a value ``< t_avail``), many zeros, few unique
  values, and possible outliers when ``|skewness| > t_skew`` and ``kurtosis > t_kurt`` (the same
  bias-corrected sample skewness and excess kurtosis the treatment step tests, imported from
  :mod:`~natsam_analysis.composite.steps`);
* correlations: ``"negative"`` below -0.4, ``"weak"`` below 0.3, ``"redundant"`` above 0.9 (pairs of
  indicators in the same group), otherwise ``"ok"``.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 9], "c": [4.0, 3, 2, 2]})
>>> round(cronbach_alpha(df[["a", "b"]]), 4)
0.8402
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from natsam_analysis.composite.coin import Coin
from natsam_analysis.composite.framework import Framework
from natsam_analysis.composite.steps import (
    AggregationPlan,
    aggregate_array,
    rank_scores,
    skew_kurt,
)
from natsam_analysis.errors import NatsamError

__all__ = [
    "CORRELATION_THRESHOLDS",
    "CoinAudit",
    "GroupPCA",
    "RemovalImpact",
    "audit_coin",
    "correlation_flag",
    "correlations_with_aggregates",
    "cronbach_alpha",
    "group_cronbach",
    "group_pca",
    "indicator_statistics",
    "removal_impact",
    "within_group_correlations",
]

#: Correlation flag thresholds: below ``negative`` -> "negative", below ``weak`` -> "weak", above
#: ``redundant`` -> "redundant" (the last only for pairs that may double-count: same-group indicators).
CORRELATION_THRESHOLDS: dict[str, float] = {"negative": -0.4, "weak": 0.3, "redundant": 0.9}

CorrMethod = Literal["pearson", "spearman", "kendall"]


def _columns(data: pd.DataFrame, codes: Sequence[str], what: str) -> pd.DataFrame:
    """The numeric columns ``codes`` of ``data`` (clear error naming the missing ones)."""
    missing = [c for c in codes if c not in data.columns]
    if missing:
        raise NatsamError(
            f"{what}: the data has no column(s) {', '.join(map(repr, missing[:10]))}"
            f"{' ...' if len(missing) > 10 else ''}; pass the data set that holds them (for aggregates: the "
            "aggregated data set)."
        )
    return data[list(codes)].apply(pd.to_numeric, errors="coerce").astype(float)


def correlation_flag(value: float, *, same_group: bool = False,
                     thresholds: Mapping[str, float] | None = None) -> str:
    """Flag one correlation: "negative", "weak", "redundant" (same-group pairs only) or "ok".

    Examples
    --------
    >>> [correlation_flag(r, same_group=True) for r in (-0.5, 0.1, 0.5, 0.95)]
    ['negative', 'weak', 'ok', 'redundant']
    >>> correlation_flag(0.95)
    'ok'
    """
    t = {**CORRELATION_THRESHOLDS, **dict(thresholds or {})}
    if value is None or not np.isfinite(value):
        return "missing"
    if value < t["negative"]:
        return "negative"
    if value < t["weak"]:
        return "weak"
    if same_group and value > t["redundant"]:
        return "redundant"
    return "ok"


# --------------------------------------------------------------------------------------------------
# indicator statistics


def indicator_statistics(
    data: pd.DataFrame,
    codes: Sequence[str] | None = None,
    *,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unique: float = 0.5,
) -> pd.DataFrame:
    """Descriptive statistics and flags for each indicator (COINr's ``get_stats``).

    Parameters
    ----------
    data
        units x indicators (index = unit codes).
    codes
        Columns to describe (default: every numeric column).
    t_skew, t_kurt
        Outlier flag ``"OUT"`` when ``|Skew| > t_skew`` and ``Kurt > t_kurt``; ``Skew`` and ``Kurt`` are
        the bias-corrected sample skewness and excess kurtosis used by the treatment step.
    t_avail
        Flag ``"LOW"`` when the share of units with a value is below this.
    t_zero, t_unique
        Flag ``"LOW"`` when the share of non-zero / of distinct values among the available ones is below.

    Returns
    -------
    DataFrame indexed by ``iCode``: ``Min, Max, Mean, Median, Std, Skew, Kurt, N_Avail, N_NonZero,
    N_Unique, N_Same, Frc_Avail, Frc_NonZero, Frc_Unique, Frc_Same, Flag_Avail, Flag_NonZero,
    Flag_Unique, Flag_SkewKurt`` (flags are ``"ok"``, ``"LOW"`` or ``"OUT"``).

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2, 3, None], "y": [0.0, 0, 0, 5]})
    >>> st = indicator_statistics(df)
    >>> st["Frc_Avail"].tolist(), st["Flag_NonZero"].tolist()
    ([0.75, 1.0], ['ok', 'LOW'])
    """
    if codes is None:
        codes = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    frame = _columns(data, codes, "indicator_statistics")
    n = len(frame)
    rows = []
    for code in frame.columns:
        x = frame[code].to_numpy()
        avail = x[~np.isnan(x)]
        n_avail = avail.size
        n_nonzero = int(np.count_nonzero(avail))
        uniq, counts = np.unique(avail, return_counts=True)
        n_same = int(counts.max()) if counts.size else 0
        sk, kt = skew_kurt(avail)
        share = 1.0 / n_avail if n_avail else np.nan  # fractions of the available values
        rows.append({
            "iCode": code,
            "Min": avail.min() if n_avail else np.nan,
            "Max": avail.max() if n_avail else np.nan,
            "Mean": avail.mean() if n_avail else np.nan,
            "Median": np.median(avail) if n_avail else np.nan,
            "Std": avail.std(ddof=1) if n_avail > 1 else np.nan,
            "Skew": sk,
            "Kurt": kt,
            "N_Avail": n_avail,
            "N_NonZero": n_nonzero,
            "N_Unique": int(uniq.size),
            "N_Same": n_same,
            "Frc_Avail": n_avail / n if n else np.nan,
            "Frc_NonZero": n_nonzero * share,
            "Frc_Unique": uniq.size * share,
            "Frc_Same": n_same * share,
            "Flag_Avail": "ok" if n and n_avail / n >= t_avail else "LOW",
            "Flag_NonZero": "ok" if n_avail and n_nonzero / n_avail >= t_zero else "LOW",
            "Flag_Unique": "ok" if n_avail and uniq.size / n_avail >= t_unique else "LOW",
            "Flag_SkewKurt": "OUT" if (abs(sk) > t_skew and kt > t_kurt) else "ok",
        })
    return pd.DataFrame(rows).set_index("iCode")


# --------------------------------------------------------------------------------------------------
# correlations


def _corr(frame: pd.DataFrame, method: CorrMethod) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairwise-complete correlation matrix and the number of pairs behind each entry."""
    mask = frame.notna().astype(float)
    pairs = mask.T @ mask
    return frame.corr(method=method, min_periods=3), pairs


def correlations_with_aggregates(
    data: pd.DataFrame,
    framework: Framework,
    *,
    method: CorrMethod = "pearson",
    thresholds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Correlation of every indicator and aggregate with every aggregate on the levels above it.

    Each row is one pair, with ``Relation`` ``"parent"`` (the direct parent), ``"ancestor"`` (a higher
    aggregate that contains it) or ``"other"`` (an aggregate it does not belong to). A component that
    correlates weakly or negatively with its own parent or ancestors contributes little to them or
    pulls against them. ``data`` is the aggregated data set (indicators and aggregates).

    Returns
    -------
    DataFrame with columns ``iCode, Level, Aggregate, AggLevel, Relation, Correlation, N, Flag``.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4], "c": [4.0, 3, 2, 1]})
    >>> df["P"], df["Q"] = (df.a + df.b) / 2, df.c
    >>> df["Index"] = (df.P + df.Q) / 2
    >>> t = correlations_with_aggregates(df, fw)
    >>> t[(t.iCode == "c") & (t.Aggregate == "P")][["Relation", "Flag"]].values.tolist()
    [['other', 'negative']]
    """
    codes = framework.codes
    frame = _columns(data, codes, "correlations_with_aggregates")
    corr, pairs = _corr(frame, method)
    ancestors: dict[str, list[str]] = {}
    for code in codes:
        chain, cur = [], code
        while cur in framework.parent:
            cur = framework.parent[cur]
            chain.append(cur)
        ancestors[code] = chain
    rows = []
    for code in codes:
        level = framework.level_of(code)
        for agg_level, aggs in framework.aggregates.items():
            if agg_level <= level:
                continue
            for agg in aggs:
                chain = ancestors[code]
                relation = "parent" if chain and chain[0] == agg else ("ancestor" if agg in chain else "other")
                r = float(corr.loc[code, agg])
                rows.append({"iCode": code, "Level": level, "Aggregate": agg, "AggLevel": agg_level,
                             "Relation": relation, "Correlation": r, "N": int(pairs.loc[code, agg]),
                             "Flag": correlation_flag(r, thresholds=thresholds)})
    return pd.DataFrame(rows, columns=["iCode", "Level", "Aggregate", "AggLevel", "Relation", "Correlation",
                                       "N", "Flag"])


def within_group_correlations(
    data: pd.DataFrame,
    framework: Framework,
    *,
    level: int = 1,
    method: CorrMethod = "pearson",
    thresholds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Correlations between components of the same parent (each pair once), flagged.

    Within a group, a pair above 0.9 may count the same thing twice (``"redundant"``); pairs that are
    negative or weak pull the group's score in different directions (COINr's ``get_corr_flags``).

    Parameters
    ----------
    level
        Level of the components (1 = indicators within pillars, 2 = pillars within sub-indices, ...).

    Returns
    -------
    DataFrame with columns ``Group, Code1, Code2, Correlation, N, Flag`` (pairs in framework order).

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.1, 2, 3, 4.2], "c": [4.0, 3, 2, 1]})
    >>> within_group_correlations(df, fw)[["Group", "Code1", "Code2", "Flag"]].values.tolist()
    [['P', 'a', 'b', 'redundant']]
    """
    if level not in framework.levels or level == framework.levels[-1]:
        raise NatsamError(f"within_group_correlations: level must be one of {framework.levels[:-1]}, not {level}.")
    parents = framework.aggregates[level + 1]
    codes = [c for p in parents for c in framework.children(p)]
    corr, pairs = _corr(_columns(data, codes, "within_group_correlations"), method)
    rows = []
    for parent in parents:
        kids = framework.children(parent)
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                r = float(corr.loc[a, b])
                rows.append({"Group": parent, "Code1": a, "Code2": b, "Correlation": r, "N": int(pairs.loc[a, b]),
                             "Flag": correlation_flag(r, same_group=True, thresholds=thresholds)})
    return pd.DataFrame(rows, columns=["Group", "Code1", "Code2", "Correlation", "N", "Flag"])


# --------------------------------------------------------------------------------------------------
# reliability and dimensionality


def cronbach_alpha(data: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``data`` (covariances from pairwise-complete observations).

    ``alpha = k^2 * mean(off-diagonal covariances) / sum(all covariances)``, which for complete data is
    the textbook ``k / (k - 1) * (1 - sum(item variances) / variance(sum of items))`` (COINr's
    ``get_cronbach``). NaN with fewer than two columns.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 9]})
    >>> round(cronbach_alpha(df), 4)
    0.8402
    """
    frame = data.apply(pd.to_numeric, errors="coerce").astype(float)
    k = frame.shape[1]
    if k < 2:
        return float("nan")
    cov = frame.cov(min_periods=2).to_numpy()
    total = np.nansum(cov)
    off = (total - np.nansum(np.diag(cov))) / (k * (k - 1))
    return float(k * k * off / total) if total else float("nan")


def group_cronbach(data: pd.DataFrame, framework: Framework, *, level: int = 1) -> pd.DataFrame:
    """Cronbach's alpha of the components (at ``level``) of every aggregate one level above.

    Returns a frame with columns ``Group, Level, N_Components, Alpha`` (groups with one component have
    NaN: reliability needs at least two).

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 9], "c": [1.0, 0, 1, 0]})
    >>> group_cronbach(df, fw)["Alpha"].round(4).tolist()
    [0.8402, nan]
    """
    if level not in framework.levels or level == framework.levels[-1]:
        raise NatsamError(f"group_cronbach: level must be one of {framework.levels[:-1]}, not {level}.")
    rows = []
    for parent in framework.aggregates[level + 1]:
        kids = framework.children(parent)
        alpha = cronbach_alpha(_columns(data, kids, "group_cronbach"))
        rows.append({"Group": parent, "Level": level + 1, "N_Components": len(kids), "Alpha": alpha})
    return pd.DataFrame(rows, columns=["Group", "Level", "N_Components", "Alpha"])


@dataclass(frozen=True)
class GroupPCA:
    """PCA of the components of each group.

    Attributes
    ----------
    summary
        One row per group: ``Group, Level, N_Components, N_Units, VarExplained_PC1`` (share of the total
        variance of the standardised components carried by the first principal component) and
        ``VarExplained`` (the shares of all components, a list).
    loadings
        ``Group, iCode, Loading_PC1``: the first eigenvector of the correlation matrix (unit length,
        oriented so that its loadings sum to a positive number).
    """

    summary: pd.DataFrame
    loadings: pd.DataFrame


def group_pca(data: pd.DataFrame, framework: Framework, *, level: int = 1) -> GroupPCA:
    """Principal component analysis of the components of each group (COINr's ``get_PCA`` by groups).

    Components are centred and scaled to unit variance (PCA of the correlation matrix, like R's
    ``prcomp(scale = TRUE)``) on the units with every component present. One dominant first component
    (a large ``VarExplained_PC1``, loadings of one sign) supports summarising the group by one number.

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c", "d"]}})
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8], "c": [1.0, 0, 1, 0], "d": [0.0, 1, 1, 0]})
    >>> res = group_pca(df, fw)
    >>> res.summary.set_index("Group")["VarExplained_PC1"].round(3).tolist()
    [1.0, 0.5]
    """
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    if level not in framework.levels or level == framework.levels[-1]:
        raise NatsamError(f"group_pca: level must be one of {framework.levels[:-1]}, not {level}.")
    summary, loadings = [], []
    for parent in framework.aggregates[level + 1]:
        kids = framework.children(parent)
        frame = _columns(data, kids, "group_pca").dropna()
        row = {"Group": parent, "Level": level + 1, "N_Components": len(kids), "N_Units": len(frame),
               "VarExplained_PC1": np.nan, "VarExplained": []}
        usable = len(kids) >= 2 and len(frame) >= 3 and (frame.std(ddof=1) > 0).all()
        if usable:
            z = StandardScaler().fit_transform(frame.to_numpy())
            pca = PCA(svd_solver="full").fit(z)
            vec = pca.components_[0]
            if vec.sum() < 0:
                vec = -vec
            row["VarExplained_PC1"] = float(pca.explained_variance_ratio_[0])
            row["VarExplained"] = [float(v) for v in pca.explained_variance_ratio_]
        else:
            vec = np.full(len(kids), np.nan)
        summary.append(row)
        loadings += [{"Group": parent, "iCode": k, "Loading_PC1": float(v)} for k, v in zip(kids, vec)]
    return GroupPCA(
        summary=pd.DataFrame(summary, columns=["Group", "Level", "N_Components", "N_Units", "VarExplained_PC1",
                                               "VarExplained"]),
        loadings=pd.DataFrame(loadings, columns=["Group", "iCode", "Loading_PC1"]),
    )


# --------------------------------------------------------------------------------------------------
# removal impact


@dataclass(frozen=True)
class RemovalImpact:
    """What happens to the ranking when each component is left out.

    Attributes
    ----------
    summary
        One row per removed component: ``iCode, Level, Parent, MeanAbsRankChange, MaxAbsRankChange``
        (over units, of the target's rank), sorted as in the framework.
    rank_changes
        units x removed components: nominal rank minus the rank without the component (positive =
        the unit moves up when the component is dropped).
    scores
        units x (``Nominal`` + removed components): the target's scores.
    """

    summary: pd.DataFrame
    rank_changes: pd.DataFrame
    scores: pd.DataFrame


def removal_impact(
    data: pd.DataFrame,
    framework: Framework,
    *,
    level: int = 1,
    method: str = "arithmetic",
    weights: Mapping[str, float] | pd.Series | None = None,
    target: str | None = None,
    **params: float,
) -> RemovalImpact:
    """Mean absolute rank change of the target when each component at ``level`` is removed.

    "Removed" means weight 0 (COINr's ``remove_elements``): the component's siblings share its
    parent's weight, and an aggregate whose only component is removed drops out of the level above.
    All variants are aggregated at once with the engine's vectorised
    :func:`~natsam_analysis.composite.steps.aggregate_array`.

    Parameters
    ----------
    data
        The normalised indicators (units x indicators), as fed to the aggregation.
    level
        1 removes each indicator in turn, 2 each aggregate of level 2, and so on (below the top).
    method, weights, params
        The aggregation as in :func:`~natsam_analysis.composite.steps.aggregate` (``weights``: the
        weights used, default the framework's; ``params``: e.g. ``p`` for the generalised mean).
    target
        The aggregate whose ranks are compared (default: the top, e.g. ``Index``).

    Examples
    --------
    >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}})
    >>> df = pd.DataFrame({"a": [90.0, 10, 50], "b": [10.0, 90, 50], "c": [50.0, 50, 60]},
    ...                   index=pd.Index(["x", "y", "z"], name="uCode"))
    >>> res = removal_impact(df, fw, level=1)
    >>> res.summary.set_index("iCode")["MeanAbsRankChange"].round(3).to_dict()
    {'a': 1.0, 'b': 1.0, 'c': 0.667}
    """
    if level not in framework.levels or level == framework.levels[-1]:
        raise NatsamError(f"removal_impact: level must be one of {framework.levels[:-1]}, not {level}.")
    plan = AggregationPlan.from_framework(framework)
    target = framework.top if target is None else target
    if target not in plan.aggregates:
        raise NatsamError(f"removal_impact: target {target!r} is not an aggregate ({', '.join(plan.aggregates)}).")
    components = framework.indicators if level == 1 else framework.aggregates[level]
    values = _columns(data, framework.indicators, "removal_impact").to_numpy()
    base = plan.weight_vector(None if weights is None else pd.Series(weights, dtype=float).to_dict())
    w = np.tile(base, (len(components) + 1, 1))
    pos = {c: i for i, c in enumerate(plan.codes)}
    for k, code in enumerate(components, start=1):
        w[k, pos[code]] = 0.0
    out = aggregate_array(values, plan, w, method, **params)[..., plan.aggregates.index(target)]  # (K+1, units)
    scores = pd.DataFrame(out.T, index=data.index, columns=["Nominal", *components])
    ranks = rank_scores(scores).astype(float)
    changes = ranks[components].rsub(ranks["Nominal"], axis=0)
    summary = pd.DataFrame({
        "iCode": components,
        "Level": level,
        "Parent": [framework.parent.get(c, "") for c in components],
        "MeanAbsRankChange": changes.abs().mean().to_numpy(),
        "MaxAbsRankChange": changes.abs().max().to_numpy(),
    })
    return RemovalImpact(summary=summary, rank_changes=changes, scores=scores)


# --------------------------------------------------------------------------------------------------
# everything at once, from a coin


@dataclass(frozen=True)
class CoinAudit:
    """Every audit table of a built coin (see :func:`audit_coin`)."""

    statistics: pd.DataFrame
    correlations: pd.DataFrame
    within_group: pd.DataFrame
    cronbach: pd.DataFrame
    pca: GroupPCA
    removal: pd.DataFrame


def audit_coin(coin: Coin, *, statistics_dataset: str = "raw", method: CorrMethod = "pearson") -> CoinAudit:
    """Run every audit on a coin built up to its aggregation.

    * ``statistics``: :func:`indicator_statistics` of ``statistics_dataset`` (default ``raw``);
    * ``correlations``: :func:`correlations_with_aggregates` on the aggregated data set;
    * ``within_group``: :func:`within_group_correlations` at every level below the top (indicators from
      the data set the aggregation read, aggregates from the aggregated one), with a ``Level`` column;
    * ``cronbach`` and ``pca``: per group at every level (the same data sets);
    * ``removal``: :func:`removal_impact` summaries at every level below the top, with the coin's
      aggregation method, its parameters and the weights it used.

    Examples
    --------
    >>> report = audit_coin(coin)                                  # doctest: +SKIP
    >>> report.removal.sort_values("MeanAbsRankChange").tail(3)    # doctest: +SKIP
    """
    agg_pos = max((i for i, e in enumerate(coin.log) if e["step"] == "aggregate"), default=None)
    if agg_pos is None or "aggregated" not in coin.data:
        raise NatsamError("audit_coin: the coin has not been aggregated yet; build it up to the aggregate step.")
    if statistics_dataset not in coin.data:
        raise NatsamError(f"audit_coin: no data set {statistics_dataset!r} in the coin (available: "
                          f"{', '.join(coin.data)}).")
    fw = coin.framework
    entry = coin.log[agg_pos]
    fed = coin.data[entry["from"]]
    aggregated = coin.data["aggregated"]
    both = pd.concat([fed[fw.indicators], aggregated[[c for c in fw.codes if c not in fw.indicators]]], axis=1)
    levels = fw.levels[:-1]
    params = {k: v for k, v in entry["params"].items() if k in ("method", "p", "dat_thresh")}
    within = pd.concat([within_group_correlations(both, fw, level=lv, method=method).assign(Level=lv)
                        for lv in levels], ignore_index=True)
    pcas = [group_pca(both, fw, level=lv) for lv in levels]
    removal = pd.concat([removal_impact(fed, fw, level=lv, weights=coin.weights, **params).summary
                         for lv in levels], ignore_index=True)
    return CoinAudit(
        statistics=indicator_statistics(coin.data[statistics_dataset], [c for c in fw.indicators
                                                                        if c in coin.data[statistics_dataset]]),
        correlations=correlations_with_aggregates(both, fw, method=method),
        within_group=within,
        cronbach=pd.concat([group_cronbach(both, fw, level=lv) for lv in levels], ignore_index=True),
        pca=GroupPCA(summary=pd.concat([g.summary for g in pcas], ignore_index=True),
                     loadings=pd.concat([g.loadings for g in pcas], ignore_index=True)),
        removal=removal,
    )


def compare_variants(coin: Coin, variant: Coin, code: str | None = None) -> tuple[pd.DataFrame, float]:
    """How a methodological variant moves the units: ranks of ``code`` (default the top aggregate) in both.

    Returns a frame indexed by unit with ``Rank`` (in ``coin``), ``VariantRank`` and ``Shift``
    (variant minus ``coin``; negative = the variant ranks the unit higher), sorted by the size of the
    shift, largest first; and Spearman's rank correlation of the two rankings.

    Examples
    --------
    >>> table, rho = compare_variants(coin, coin.regenerate({"aggregate": {"method": "geometric"}}))  # doctest: +SKIP
    """
    code = code or coin.framework.top
    for which, c in (("coin", coin), ("variant", variant)):
        if "aggregated" not in c.data or code not in c.data["aggregated"]:
            raise NatsamError(f"compare_variants: the {which} has no aggregated {code!r}; build it up to the "
                              "aggregate step first.")
    rank = rank_scores(coin.data["aggregated"][code]).astype(float)
    other = rank_scores(variant.data["aggregated"][code]).astype(float).reindex(rank.index)
    table = pd.DataFrame({"Rank": rank, "VariantRank": other, "Shift": other - rank})
    table = table.loc[table["Shift"].abs().sort_values(ascending=False, kind="stable").index]
    rho = float(table["Rank"].corr(table["VariantRank"], method="spearman"))
    return table, rho
