"""Scores of the capability survey, compared between groups, with small-cell suppression built in.

Pure functions on the frame of :func:`natsam_analysis.sources.survey.read_survey` (one row per respondent,
``attrs["instrument"]`` from the codebook). No I/O, no plotting.

Scoring
-------
* Reverse coding: ``6 - x`` for the items marked reverse (1-5 scale).
* "Vet ej / Ej relevant" (code 9) and blanks are *not answered*.
* A respondent's construct score is the mean of the answered items after reverse coding, when at least
  60 % of the construct's items are answered (the codebook's ``min_answered_share``); else missing.
* Optional 0-100 index: ``(mean - 1) * 25``.
* C12 is a profile: its four items are reported one by one (:func:`facet_profile`), never summed.

Group statistics
----------------
The mean of the respondents' scores in a group, with a t-based confidence interval
``mean ± t(1 - (1 - confidence)/2, n - 1) · sd / √n`` (sd with ddof 1), ``n`` the respondents with a
score. Differences (:func:`compare_groups`) use Welch's t interval.

Small-cell suppression (the guarantee)
--------------------------------------
No public function of this module returns a statistic of fewer than ``min_n`` respondents (default
:data:`MIN_GROUP_SIZE` = 5; a lower value may be asked for but never below :data:`MIN_GROUP_SIZE_FLOOR`
= 3, which raises):

1. *Primary*: a cell (group × construct) with fewer than ``min_n`` respondents with a score is
   suppressed: its n, mean, interval and index are missing and its ``note`` is "för få svar" /
   "too few responses".
2. *Complementary*: within every slice of a table along each of its grouping dimensions (and, for a
   one-dimensional table, the table itself, whose margin is the whole sample), a lone suppressed cell
   would be revealed by the total minus the others; so the smallest other cell is suppressed too,
   repeated until no slice has exactly one suppressed cell. Respondents with no value for a grouping
   variable form their own group ("uppgift saknas"), so they count in the slices as well.
3. Differences involving a suppressed cell are suppressed (:func:`compare_groups`).
4. Per-respondent scores are individual data: no public function returns them. They exist only inside
   this module (``_respondent_scores``); notebooks and dashboards get scores only through the
   aggregating functions here. ICC and reliability are whole-sample statistics and use only groups of at
   least ``min_n``.

The protection holds within one table and its margins (what :func:`construct_scores` and
:func:`survey_report` return); tables of arbitrary subsets chosen by a user could still be differenced,
so the dashboards offer fixed partitions only (a municipality's groups come from the
municipality × group table, not from a subset).

Examples
--------
>>> from natsam_analysis.sources.survey import demo_survey
>>> table = construct_scores(demo_survey(), by="gender", constructs=["C1"])
>>> table[["gender", "suppressed"]].values.tolist()
[['annan', False], ['kvinna', False], ['man', False], ['vill ej ange', False]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import label
# re-exported: the reliability measures live in their own module
from natsam_analysis.metrics.reliability import cronbach_alpha, item_rest_correlations, mcdonald_omega

__all__ = [
    "MIN_GROUP_SIZE", "MIN_GROUP_SIZE_FLOOR", "GROUPINGS", "reverse_code", "index_0_100", "check_min_n",
    "construct_scores", "facet_profile", "compare_groups", "survey_report", "reliability_by_construct",
    "icc_by", "cronbach_alpha", "mcdonald_omega", "item_rest_correlations",
]

#: The smallest group a statistic is shown for, unless a caller asks for another value.
MIN_GROUP_SIZE = 5
#: ``min_n`` may never be set lower than this.
MIN_GROUP_SIZE_FLOOR = 3
#: The groupings a report can use: name -> column of the survey frame.
GROUPINGS = {"municipality": "municipality_id", "role": "role", "gender": "gender", "wave": "wave"}
#: The label of respondents without a value for a grouping variable.
MISSING_GROUP = "uppgift saknas"
SCALE_MIN, SCALE_MAX = 1, 5


# ------------------------------------------------------------------------------------- value transforms
def _values(values: Any, what: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        raise NatsamError(f"{what} takes answers or scores (a number or an array), not a survey frame; "
                          "use construct_scores or survey_report for a survey.")
    try:
        return np.asarray(pd.array(np.atleast_1d(values), dtype="Float64").to_numpy(dtype="float64", na_value=np.nan))
    except (TypeError, ValueError):
        raise NatsamError(f"{what}: {values!r} is not numeric.") from None


def reverse_code(values: Any) -> np.ndarray:
    """``6 - x`` for answers on the 1-5 scale; anything else (9 = "Vet ej", blank) becomes NaN.

    Examples
    --------
    >>> reverse_code([1, 5, 9, None]).tolist()
    [5.0, 1.0, nan, nan]
    """
    x = _values(values, "reverse_code")
    on_scale = (x >= SCALE_MIN) & (x <= SCALE_MAX) & (x == np.round(x))
    return np.where(on_scale, SCALE_MIN + SCALE_MAX - x, np.nan)


def index_0_100(mean: Any) -> np.ndarray:
    """The 0-100 index of a 1-5 mean: ``(mean - 1) * 25``.

    Examples
    --------
    >>> index_0_100([1, 3, 5]).tolist()
    [0.0, 50.0, 100.0]
    """
    return (_values(mean, "index_0_100") - SCALE_MIN) * 25.0


def check_min_n(min_n: Any) -> int:
    """The group-size threshold, checked: an integer of at least :data:`MIN_GROUP_SIZE_FLOOR`.

    Examples
    --------
    >>> check_min_n(5)
    5
    """
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)):
        raise NatsamError(f"min_n={min_n!r} must be a whole number of respondents (default {MIN_GROUP_SIZE}).")
    if min_n < MIN_GROUP_SIZE_FLOOR:
        raise NatsamError(f"min_n={min_n} is too small: statistics are never shown for fewer than "
                          f"{MIN_GROUP_SIZE_FLOOR} respondents (default {MIN_GROUP_SIZE}).")
    return int(min_n)


# ------------------------------------------------------------------------------------- per respondent (private)
def _instrument(frame: pd.DataFrame) -> dict[str, Any]:
    if not isinstance(frame, pd.DataFrame):
        raise NatsamError("Give the survey frame of natsam_analysis.sources.survey.read_survey / load_survey.")
    inst = frame.attrs.get("instrument")
    if not inst:
        raise NatsamError("The frame carries no survey instrument (attrs['instrument']); read it with "
                          "natsam_analysis.sources.survey.read_survey or load_survey.")
    missing = [c for items in inst["constructs"].values() for c in items if c not in frame.columns]
    if missing:
        raise NatsamError(f"The survey frame lacks item columns {missing[:5]}{'...' if len(missing) > 5 else ''}.")
    return inst


def _items(frame: pd.DataFrame, codes: Sequence[str], reverse: set[str]) -> np.ndarray:
    x = frame[list(codes)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    x = np.where((x >= SCALE_MIN) & (x <= SCALE_MAX), x, np.nan)  # 9 = "Vet ej" -> not answered
    for j, code in enumerate(codes):
        if code in reverse:
            x[:, j] = SCALE_MIN + SCALE_MAX - x[:, j]
    return x


def _measures(inst: dict[str, Any], constructs: Sequence[str] | None, facets: bool) -> list[str]:
    summed = [c for c in inst["constructs"] if c not in inst["profile"]]
    if facets:
        available = [code for c in inst["profile"] for code in inst["constructs"][c]]
    else:
        available = summed
    if constructs is None:
        return available
    chosen = [constructs] if isinstance(constructs, str) else list(constructs)
    unknown = [c for c in chosen if c not in available]
    if unknown:
        raise NatsamError(f"Unknown {'C12 item' if facets else 'construct'}(s) {unknown}; choose from "
                          f"{', '.join(available)}.")
    return chosen


def _respondent_scores(frame: pd.DataFrame, measures: Sequence[str], facets: bool = False) -> pd.DataFrame:
    """Per-respondent scores (individual data: private, never returned by a public function)."""
    inst = _instrument(frame)
    reverse = set(inst["reverse"])
    out = {}
    for m in measures:
        if facets:
            out[m] = _items(frame, [m], reverse)[:, 0]
            continue
        codes = inst["constructs"][m]
        x = _items(frame, codes, reverse)
        answered = np.isfinite(x).sum(axis=1)
        with np.errstate(invalid="ignore"):
            mean = np.nansum(x, axis=1) / np.where(answered > 0, answered, 1)
        out[m] = np.where(answered >= inst["min_answered_share"] * len(codes) - 1e-9, mean, np.nan)
        out[m] = np.where(answered > 0, out[m], np.nan)
    return pd.DataFrame(out, index=frame.index)


# ------------------------------------------------------------------------------------- grouping
def _by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    unknown = [b for b in names if b not in GROUPINGS]
    if unknown or len(set(names)) != len(names):
        raise NatsamError(f"by={by!r}: group by one or more of {', '.join(GROUPINGS)} (each once).")
    return names


def _group_keys(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    keys = pd.DataFrame(index=frame.index)
    for name in names:
        keys[name] = frame[GROUPINGS[name]].astype("string").fillna(MISSING_GROUP).astype(str)
    return keys


def _complementary(table: pd.DataFrame, names: list[str], min_n: int) -> pd.Series:
    """Suppressed flags of one measure's cells: primary (n < min_n) then complementary until stable."""
    suppressed = (table["_n"] < min_n).to_numpy().copy()
    n = table["_n"].to_numpy()
    slices: list[np.ndarray] = []
    if not names:
        pass
    elif len(names) == 1:
        slices.append(np.arange(len(table)))
    else:
        for d in names:
            others = [o for o in names if o != d]
            for _, idx in table.groupby(others, sort=False).indices.items():
                slices.append(np.asarray(idx))
    changed = True
    while changed:
        changed = False
        for idx in slices:
            present = idx[n[idx] > 0]
            hidden = present[suppressed[present]]
            shown = present[~suppressed[present]]
            if len(hidden) == 1 and len(shown) > 0:
                smallest = shown[np.argmin(n[shown])]
                suppressed[smallest] = True
                changed = True
    return pd.Series(suppressed, index=table.index)


def _t_interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore", divide="ignore"):
        t = stats.t.ppf(1 - (1 - confidence) / 2, np.where(n > 1, n - 1, np.nan))
        half = t * sd / np.sqrt(n)
    return mean - half, mean + half


def _check_confidence(confidence: float) -> float:
    if not isinstance(confidence, (int, float)) or not 0.5 <= confidence < 1:
        raise NatsamError(f"confidence={confidence!r} must be a level such as 0.95 (between 0.5 and 1).")
    return float(confidence)


def _scores_table(frame: pd.DataFrame, by, measures_of, *, facets: bool, min_n: int, confidence: float,
                  lang: str | None) -> pd.DataFrame:
    min_n = check_min_n(min_n)
    confidence = _check_confidence(confidence)
    inst = _instrument(frame)
    names = _by(by)
    measures = _measures(inst, measures_of, facets)
    scores = _respondent_scores(frame, measures, facets)
    keys = _group_keys(frame, names)
    too_few = label("survey_too_few", lang)
    parts = []
    for m in measures:
        data = keys.copy()
        data["_score"] = scores[m]
        if names:
            grouped = data.groupby(names, sort=True)["_score"]
            agg = pd.DataFrame({"_n": grouped.count(), "_mean": grouped.mean(), "_sd": grouped.std(ddof=1)}).reset_index()
        else:
            s = data["_score"]
            agg = pd.DataFrame({"_n": [s.count()], "_mean": [s.mean()], "_sd": [s.std(ddof=1)]})
        agg["suppressed"] = _complementary(agg, names, min_n).to_numpy()
        low, high = _t_interval(agg["_mean"].to_numpy(), agg["_sd"].to_numpy(), agg["_n"].to_numpy(), confidence)
        shown = ~agg["suppressed"].to_numpy()
        part = agg[names].copy() if names else pd.DataFrame(index=agg.index)
        part["construct"] = m
        part["n"] = pd.array(np.where(shown, agg["_n"], None).tolist(), dtype="Int64")
        part["mean"] = np.where(shown, agg["_mean"], np.nan)
        part["ci_low"] = np.where(shown, low, np.nan)
        part["ci_high"] = np.where(shown, high, np.nan)
        part["index"] = np.where(shown, index_0_100(agg["_mean"].to_numpy()), np.nan)
        part["suppressed"] = ~shown
        part["note"] = np.where(shown, "", too_few)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out.attrs = {"provenance": dict(frame.attrs.get("provenance", {})), "min_n": min_n, "confidence": confidence,
                 "by": names}
    return out


# ------------------------------------------------------------------------------------- public statistics
def construct_scores(frame: pd.DataFrame, by: str | Sequence[str] | None = None, *,
                     constructs: str | Sequence[str] | None = None, min_n: int = MIN_GROUP_SIZE,
                     confidence: float = 0.95, lang: str | None = None) -> pd.DataFrame:
    """Construct scores per group, suppressed where a group is too small (see the module doc).

    Parameters
    ----------
    frame
        The survey (:func:`natsam_analysis.sources.survey.load_survey`).
    by
        None (the whole sample), or one or more of ``"municipality"``, ``"role"``, ``"gender"``, ``"wave"``.
    constructs
        Constructs to score (default C1-C11).
    min_n
        Smallest group shown (default 5; never below 3).
    confidence
        Level of the t interval (default 0.95).

    Returns
    -------
    pandas.DataFrame
        Long: the grouping columns (named as in ``by``; missing values as "uppgift saknas"),
        ``construct``, ``n``, ``mean``, ``ci_low``, ``ci_high``, ``index`` (0-100), ``suppressed``,
        ``note`` ("för få svar" when suppressed: then every number is missing).

    Examples
    --------
    >>> from natsam_analysis.sources.survey import demo_survey
    >>> t = construct_scores(demo_survey(), by=["municipality", "role"], constructs="C2")
    >>> t[(t["municipality"] == "2584") & (t["role"] == "politiker")]["note"].item()
    'för få svar'
    """
    return _scores_table(frame, by, constructs, facets=False, min_n=min_n, confidence=confidence, lang=lang)


def facet_profile(frame: pd.DataFrame, by: str | Sequence[str] | None = None, *, min_n: int = MIN_GROUP_SIZE,
                  confidence: float = 0.95, lang: str | None = None) -> pd.DataFrame:
    """C12, the facet orientation profile: each of its four items' mean per group (never summed), in the
    shape of :func:`construct_scores` (``construct`` holds the item code, C12_1 ... C12_4), suppressed alike."""
    return _scores_table(frame, by, None, facets=True, min_n=min_n, confidence=confidence, lang=lang)


def compare_groups(frame: pd.DataFrame, by: str, *, reference: str | None = None,
                   constructs: str | Sequence[str] | None = None, min_n: int = MIN_GROUP_SIZE,
                   confidence: float = 0.95, lang: str | None = None) -> pd.DataFrame:
    """Differences between each group and a reference group, with Welch t intervals.

    ``reference`` defaults to the largest group. A difference with a suppressed group (primary or
    complementary, as in :func:`construct_scores`) is itself suppressed.

    Returns
    -------
    pandas.DataFrame
        ``group``, ``reference``, ``construct``, ``difference`` (group minus reference), ``ci_low``,
        ``ci_high``, ``p_value`` (Welch), ``suppressed``, ``note``.

    Examples
    --------
    >>> from natsam_analysis.sources.survey import demo_survey
    >>> d = compare_groups(demo_survey(), "gender", reference="man", constructs="C10")
    >>> d.loc[d["group"] == "kvinna", "difference"].item() < 0
    True
    """
    if not isinstance(by, str):
        raise NatsamError("compare_groups: by must be one grouping (municipality, role, gender or wave).")
    table = construct_scores(frame, by, constructs=constructs, min_n=min_n, confidence=confidence, lang=lang)
    inst = _instrument(frame)
    measures = _measures(inst, constructs, False)
    scores = _respondent_scores(frame, measures)
    keys = _group_keys(frame, [by])[by]
    groups = list(table[by].unique())
    if reference is None:
        sizes = keys.value_counts()
        reference = str(sizes.index[0])
    if reference not in groups:
        raise NatsamError(f"compare_groups: reference {reference!r} is not a group of {by} ({', '.join(groups)}).")
    too_few = label("survey_too_few", lang)
    rows = []
    for m in measures:
        flags = table[table["construct"] == m].set_index(by)["suppressed"]
        ref = scores.loc[keys == reference, m].dropna().to_numpy()
        for g in groups:
            if g == reference:
                continue
            hidden = bool(flags.get(g, True) or flags.get(reference, True))
            row = {"group": g, "reference": reference, "construct": m, "difference": np.nan, "ci_low": np.nan,
                   "ci_high": np.nan, "p_value": np.nan, "suppressed": hidden, "note": too_few if hidden else ""}
            if not hidden:
                x = scores.loc[keys == g, m].dropna().to_numpy()
                va, vb = x.var(ddof=1) / len(x), ref.var(ddof=1) / len(ref)
                se = np.sqrt(va + vb)
                with np.errstate(invalid="ignore", divide="ignore"):
                    df = (va + vb) ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(ref) - 1))
                diff = x.mean() - ref.mean()
                t = stats.t.ppf(1 - (1 - confidence) / 2, df)
                row.update(difference=diff, ci_low=diff - t * se, ci_high=diff + t * se,
                           p_value=float(2 * stats.t.sf(abs(diff / se), df)) if se > 0 else np.nan)
            rows.append(row)
    out = pd.DataFrame(rows, columns=["group", "reference", "construct", "difference", "ci_low", "ci_high",
                                      "p_value", "suppressed", "note"])
    out.attrs = dict(table.attrs)
    return out


def _group_label(values: Sequence[str], names: list[str], lang: str | None, municipality_names: dict | None) -> str:
    parts = []
    for name, value in zip(names, values):
        if name == "municipality" and municipality_names and value in municipality_names:
            parts.append(f"{municipality_names[value]} ({value})")
        else:
            parts.append(str(value))
    return " · ".join(parts)


def survey_report(frame: pd.DataFrame, by: str | Sequence[str] | None = "municipality", *,
                  min_n: int = MIN_GROUP_SIZE, index: bool = False, decimals: int = 2, lang: str | None = None,
                  municipality_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Construct scores per group as a printable table: one row per group, one column per construct,
    each cell the mean (or the 0-100 index with ``index=True``) rounded to ``decimals``, or
    "för få svar" / "too few responses" for a suppressed cell; column ``n`` the group's respondents,
    shown only when none of the group's cells is suppressed. For ``natsam survey report FILE --by ...``.

    Examples
    --------
    >>> from natsam_analysis.sources.survey import demo_survey
    >>> report = survey_report(demo_survey(), by=["municipality", "role"])
    >>> report.loc["2584 · politiker", "C1"]
    'för få svar'
    """
    table = construct_scores(frame, by, min_n=min_n, lang=lang)
    names = table.attrs["by"]
    too_few = label("survey_too_few", lang)
    value = "index" if index else "mean"
    table = table.assign(_key=[_group_label(v, names, lang, municipality_names) for v in
                               (table[names].itertuples(index=False, name=None) if names else [()] * len(table))])
    if not names:
        table["_key"] = label("survey_all", lang)
    order = list(dict.fromkeys(table["_key"]))
    cells = table.assign(_cell=[too_few if s else round(float(v), decimals)
                                for s, v in zip(table["suppressed"], table[value])])
    wide = cells.pivot(index="_key", columns="construct", values="_cell").reindex(order)
    wide = wide[list(dict.fromkeys(table["construct"]))]
    keys = _group_keys(frame, names)
    if names:
        row_keys = [_group_label(r, names, lang, municipality_names) for r in keys.itertuples(index=False, name=None)]
    else:
        row_keys = [label("survey_all", lang)] * len(frame)
    sizes = pd.Series(row_keys, dtype=object).value_counts()
    any_hidden = table.groupby("_key")["suppressed"].any()
    n_col = [too_few if any_hidden[key] or sizes.get(key, 0) < min_n else int(sizes[key]) for key in order]
    wide.insert(0, "n", n_col)
    wide.index.name = label("survey_group", lang)
    wide.columns.name = None
    wide.attrs = {"provenance": dict(frame.attrs.get("provenance", {})), "min_n": min_n, "by": names,
                  "value": value}
    return wide.astype(object)


# ------------------------------------------------------------------------------------- whole-sample statistics
def reliability_by_construct(frame: pd.DataFrame, *, min_n: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Cronbach's alpha and McDonald's omega per construct (C1-C11) for the **whole sample** only (never
    per group), on the respondents who answered every item of the construct (reverse coded, "Vet ej" as
    missing). ``n`` is that number; a construct with fewer than ``min_n`` complete respondents gets no values.

    Examples
    --------
    >>> from natsam_analysis.sources.survey import demo_survey
    >>> rel = reliability_by_construct(demo_survey())
    >>> bool((rel["alpha"] > 0.7).all())
    True
    """
    min_n = check_min_n(min_n)
    inst = _instrument(frame)
    reverse = set(inst["reverse"])
    rows = []
    for c in _measures(inst, None, False):
        codes = inst["constructs"][c]
        items = pd.DataFrame(_items(frame, codes, reverse), columns=codes).dropna()
        n = len(items)
        alpha = omega = np.nan
        if n >= max(min_n, 3):
            alpha, omega = cronbach_alpha(items), mcdonald_omega(items)
        rows.append({"construct": c, "n": n, "n_items": len(codes), "alpha": alpha, "omega": omega})
    out = pd.DataFrame(rows)
    out.attrs = {"provenance": dict(frame.attrs.get("provenance", {})), "min_n": min_n}
    return out


def icc_by(frame: pd.DataFrame, by: str = "municipality", *, min_n: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """ICC(1) per construct: the share of the score variance between groups (one-way ANOVA,
    ``(MSB - MSW) / (MSB + (k0 - 1) MSW)``), on the groups with at least ``min_n`` scored respondents only.
    One number per construct for the whole sample (the guide for aggregating to unit level)."""
    min_n = check_min_n(min_n)
    names = _by(by)
    if len(names) != 1:
        raise NatsamError("icc_by: by must be one grouping.")
    inst = _instrument(frame)
    measures = _measures(inst, None, False)
    scores = _respondent_scores(frame, measures)
    keys = _group_keys(frame, names)[names[0]]
    rows = []
    for m in measures:
        data = pd.DataFrame({"g": keys, "s": scores[m]}).dropna()
        sizes = data.groupby("g")["s"].count()
        data = data[data["g"].isin(sizes[sizes >= min_n].index)]
        groups = data.groupby("g")["s"]
        k, total = groups.ngroups, len(data)
        icc = np.nan
        if k >= 2 and total > k:
            grand = data["s"].mean()
            msb = (groups.count() * (groups.mean() - grand) ** 2).sum() / (k - 1)
            msw = ((data["s"] - groups.transform("mean")) ** 2).sum() / (total - k)
            n_i = groups.count()
            k0 = (total - (n_i ** 2).sum() / total) / (k - 1)
            denominator = msb + (k0 - 1) * msw
            icc = float((msb - msw) / denominator) if denominator > 0 else np.nan
        rows.append({"construct": m, "groups": k, "n": total, "icc1": icc})
    return pd.DataFrame(rows)
