"""The gender lens: gaps between women and men, who has the worse outcome, and a gender-equality sub-index.

Kolada splits many indicators by gender (``K`` kvinnor, ``M`` män, ``T`` totalt). For every scored,
gendered indicator of the catalog this module compares women with men, municipality by municipality:

* ``gap = K - M`` and ``ratio = K / M`` (NaN when M is 0 or missing), in the indicator's own unit;
* ``gap_std``, the **standardised gap**: ``(K - M) / spread``, where ``spread`` is the standard deviation
  (ddof 1) of the indicator's total values (``T``) across all municipalities in the same year (the
  midpoints ``(K + M) / 2`` when the panel has no ``T`` values for that indicator and year). A
  ``gap_std`` of 0.5 means that the gap between women and men in the municipality is half as large as
  the typical difference between municipalities. Unlike the gap relative to the total (``(K - M) / T``)
  it does not depend on where the scale starts: it works the same for shares near 0 %, indices,
  days and two-sided (target) indicators, and does not blow up for small rates. It makes gaps of
  different units comparable, so they can be ranked (:func:`largest_gaps`);
* ``reading``: which group has the worse outcome given the indicator's direction (1 higher is
  better, -1 lower is better, 0 closest to ``target`` is best): ``"women_worse"``, ``"men_worse"`` or
  ``"no_difference"`` (equal values, or equally far from the target), <NA> when K or M is missing.
  ``reading_label`` is the same in words, from :mod:`natsam_analysis.i18n` ("kvinnor har sämre
  utfall" / "women have worse outcomes", ...).

Which indicators: scored (a direction in the catalog) and gendered ones. Context variables have no
direction, so no outcome is better or worse. Counts (a ``unit`` in :data:`COUNT_UNITS`, e.g. the
population K/M) are skipped too: K - M of a count measures how large the two groups are, not whose
outcome is worse. (In the current catalog the one gendered count, N01951, is also a context variable.)

Which year: for each municipality and indicator the latest year in which both K and M have a value
(when no year has both, the latest year with a K or M row, which then has a missing gap); with
``year`` given, that year.

The sub-index (:func:`gender_subindex`) is built with the project's composite engine from the
spec ``data/indices/jamstalldhet.yaml`` (the reasons behind each step are in ``data/indices/README.md``).

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"municipality_id": ["0180"] * 2 + ["1480"] * 2, "kpi": "N02267", "year": 2024,
...                       "gender": ["K", "M"] * 2, "value": [80.0, 82.0, 79.0, 79.0]})
>>> catalog = pd.DataFrame({"direction": [1], "target": [float("nan")], "gendered": [True], "unit": ["%"]},
...                        index=pd.Index(["N02267"], name="kpi"))
>>> gender_gaps(panel, catalog, lang="en")[["municipality_id", "gap", "reading_label"]].values.tolist()
[['0180', -2.0, 'women have worse outcomes'], ['1480', 0.0, 'no difference']]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis import config
from natsam_analysis.composite.coin import Coin
from natsam_analysis.composite.framework import Framework
from natsam_analysis.composite.spec import load_spec
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.i18n import check_language, label

#: The readings of a gap, in display order (keys of the labels ``gender_<reading>`` in i18n).
READINGS = ("women_worse", "men_worse", "no_difference")
#: Units of count indicators (numbers of people or things): their K - M is not an outcome gap.
COUNT_UNITS = frozenset({"residents", "persons", "people", "count", "number", "antal", "invånare", "personer"})
#: The catalog pillar whose indicators (already gender-equality measures) join the sub-index.
EQUALITY_PILLAR = "jamstalldhet"
#: Codes of the sub-index's aggregates: the gap measures, the pillar indicators and the top.
GAPS_CODE = "konsskillnader"
TOP_CODE = "Index"
#: Prefix of the sub-index's gap measures (``gap_N01982`` = |standardised gap| of N01982).
GAP_PREFIX = "gap_"
#: The committed spec of the sub-index, relative to the project root.
GENDER_SPEC = Path("data") / "indices" / "jamstalldhet.yaml"

GAP_COLUMNS = ["municipality_id", "kpi", "year", "women", "men", "gap", "ratio", "spread", "gap_std",
               "reading", "reading_label"]
_PANEL_COLUMNS = ("municipality_id", "kpi", "year", "gender", "value")
_CATALOG_COLUMNS = ("direction", "target", "gendered")
_KEY = ["municipality_id", "kpi", "year"]


def gender_spec_path() -> Path:
    """The committed spec of the gender-equality sub-index (``data/indices/jamstalldhet.yaml``)."""
    return config.PROJECT_ROOT / GENDER_SPEC


# --------------------------------------------------------------------------------------------------
# validation


def _check_columns(frame: Any, needed: Iterable[str], what: str, hint: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(what, [f"expected a pandas DataFrame, got {type(frame).__name__}"], hint=hint)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValidationError(what, [f"missing column(s): {', '.join(missing)}"], hint=hint)


def _check_inputs(panel: pd.DataFrame, catalog: pd.DataFrame) -> None:
    _check_columns(panel, _PANEL_COLUMNS, "indicator panel",
                   "Pass the tidy panel from natsam_analysis.panel.load_panel().")
    _check_columns(catalog, _CATALOG_COLUMNS, "indicator catalog",
                   "Pass the catalog from natsam_analysis.catalog.load_catalog() (indexed by kpi).")


def _is_count(catalog: pd.DataFrame, kpi: str) -> bool:
    return "unit" in catalog.columns and str(catalog.at[kpi, "unit"]).strip().lower() in COUNT_UNITS


def gap_indicators(catalog: pd.DataFrame) -> list[str]:
    """The catalog's indicators a gender gap is read for: gendered, scored (a direction) and not counts.

    In catalog order.

    Examples
    --------
    >>> cat = pd.DataFrame({"direction": pd.array([1, None, -1], dtype="Int64"), "target": float("nan"),
    ...                     "gendered": [True, True, False], "unit": ["%", "residents", "%"]},
    ...                    index=pd.Index(["N02267", "N01951", "N66080"], name="kpi"))
    >>> gap_indicators(cat)
    ['N02267']
    """
    _check_columns(catalog, _CATALOG_COLUMNS, "indicator catalog",
                   "Pass the catalog from natsam_analysis.catalog.load_catalog() (indexed by kpi).")
    gendered = catalog["gendered"].fillna(False).astype(bool)
    scored = catalog["direction"].notna()
    return [k for k in catalog.index[gendered & scored] if not _is_count(catalog, k)]


def _select_kpis(panel: pd.DataFrame, catalog: pd.DataFrame, kpis: Iterable[str] | None) -> list[str]:
    """The indicators to read, checked: every problem in one error."""
    problems: list[str] = []
    has_gender = {g: set(panel.loc[panel["gender"] == g, "kpi"].astype(str).unique()) for g in ("K", "M", "T")}
    reported: set[str] = set()
    if kpis is None:
        chosen = [k for k in gap_indicators(catalog) if any(k in rows for rows in has_gender.values())]
    else:
        chosen = [kpis] if isinstance(kpis, str) else list(kpis)
        for k in chosen:
            if k not in catalog.index:
                problems.append(f"kpi {k!r}: not in the indicator catalog (data/catalog/indicators.csv); "
                                "check the id")
            elif not bool(catalog.at[k, "gendered"]):
                problems.append(f"kpi {k!r}: not split by gender in the catalog (gendered = false), so it has "
                                "no values for women and men; leave it out")
            elif pd.isna(catalog.at[k, "direction"]):
                problems.append(f"kpi {k!r}: a context variable (no direction), so neither group's outcome is "
                                "better or worse; leave it out")
            elif _is_count(catalog, k):
                problems.append(f"kpi {k!r}: a count ({catalog.at[k, 'unit']}); its K - M measures the size of "
                                "the groups, not an outcome gap; leave it out")
            else:
                continue
            reported.add(k)
    for k in chosen:
        if k in reported:
            continue
        if int(catalog.at[k, "direction"]) == 0 and pd.isna(catalog.at[k, "target"]):
            problems.append(f"kpi {k!r}: direction 0 (closest to target) but no target in the catalog; add it")
        absent = [g for g in ("K", "M") if k not in has_gender[g]]
        if absent:
            what = " and ".join({"K": "women (K)", "M": "men (M)"}[g] for g in absent)
            problems.append(f"kpi {k!r}: the panel has no rows for {what}; fetch the indicator with its "
                            "gender split (Kolada's gender K and M)")
    if problems:
        raise ValidationError("gender gaps", problems,
                              hint="Choose gendered, scored catalog indicators whose K and M values are in the panel.")
    if not chosen:
        raise NatsamError("gender gaps: the panel has no rows for any gendered, scored indicator of the catalog "
                          f"({', '.join(gap_indicators(catalog)) or 'none in the catalog'}); load a panel "
                          "with Kolada's gender split (K and M).")
    return chosen


# --------------------------------------------------------------------------------------------------
# gaps


def _reading_codes(women: np.ndarray, men: np.ndarray, direction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per row the reading (women_worse, men_worse, no_difference, or None), from direction-aware scores."""
    two_sided = direction == 0
    score_w = np.where(two_sided, -np.abs(women - target), women * direction)
    score_m = np.where(two_sided, -np.abs(men - target), men * direction)
    out = np.full(len(score_w), None, dtype=object)
    present = ~(np.isnan(score_w) | np.isnan(score_m))
    same = present & np.isclose(score_w, score_m, rtol=1e-9, atol=1e-12)
    out[present & ~same & (score_w < score_m)] = "women_worse"
    out[present & ~same & (score_w > score_m)] = "men_worse"
    out[same] = "no_difference"
    return out


def reading_labels(readings: pd.Series, lang: str | None = None) -> pd.Series:
    """The readings (``"women_worse"``, ...) in words, in ``lang``; missing readings stay <NA>.

    Examples
    --------
    >>> reading_labels(pd.Series(["men_worse", None]), "sv").tolist()
    ['män har sämre utfall', <NA>]
    """
    lang = check_language(lang)
    words = {r: label(f"gender_{r}", lang) for r in READINGS}
    return readings.map(words).astype("string")


def _all_gaps(panel: pd.DataFrame, catalog: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """Every (municipality, kpi, year) with a K or M row: women, men, gap, ratio, spread, gap_std."""
    rows = panel[panel["kpi"].isin(kpis)]
    km = rows[rows["gender"].isin(["K", "M"])].drop_duplicates(subset=[*_KEY, "gender"], keep="first")
    wide = (km.set_index([*_KEY, "gender"])["value"].astype(float).unstack("gender")
            .reindex(columns=["K", "M"]).reset_index())
    wide.columns.name = None
    wide = wide.rename(columns={"K": "women", "M": "men"})
    wide["municipality_id"] = wide["municipality_id"].astype(str)
    wide["kpi"] = wide["kpi"].astype(str)
    wide["year"] = wide["year"].astype("int64")
    wide["gap"] = wide["women"] - wide["men"]
    men = wide["men"].where(wide["men"] != 0)
    wide["ratio"] = wide["women"] / men
    # spread across municipalities: sd of T per kpi and year, else of the midpoints (K + M) / 2
    totals = rows[(rows["gender"] == "T") & rows["value"].notna()]
    spread_t = totals.groupby([totals["kpi"].astype(str), totals["year"].astype("int64")])["value"].std(ddof=1)
    midpoints = wide.assign(mid=(wide["women"] + wide["men"]) / 2).dropna(subset=["mid"])
    spread_mid = midpoints.groupby(["kpi", "year"])["mid"].std(ddof=1)
    spread = spread_t.combine_first(spread_mid) if len(spread_t) else spread_mid
    spread = spread.where(spread > 0)
    spread.index = spread.index.set_names(["kpi", "year"])
    wide = wide.merge(spread.rename("spread").reset_index(), on=["kpi", "year"], how="left")
    wide["gap_std"] = wide["gap"] / wide["spread"]
    direction = wide["kpi"].map(catalog["direction"].astype("Float64")).astype(float).to_numpy()
    target = wide["kpi"].map(catalog["target"].astype(float)).to_numpy(dtype=float)
    wide["reading"] = pd.array(_reading_codes(wide["women"].to_numpy(float), wide["men"].to_numpy(float),
                                              direction, target), dtype="string")
    return wide


def _order(frame: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    position = {k: i for i, k in enumerate(kpis)}
    out = frame.assign(_k=frame["kpi"].map(position)).sort_values(["_k", "municipality_id", "year"], kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)


def gender_gaps(panel: pd.DataFrame, catalog: pd.DataFrame, year: int | None = None,
                kpis: Iterable[str] | None = None, lang: str | None = None) -> pd.DataFrame:
    """Women's and men's values, their gap and ratio, the standardised gap and who has the worse outcome.

    See the module docstring for the definitions (``gap``, ``ratio``, ``spread``, ``gap_std``,
    ``reading``) and the choice of indicators and year.

    Parameters
    ----------
    panel
        The tidy indicator panel (``municipality_id, kpi, year, gender, value``).
    catalog
        The indicator catalog indexed by kpi, with ``direction``, ``target``, ``gendered`` (and
        ``unit``, to recognise counts).
    year
        The year to compare; None (default) = per municipality and indicator the latest year in which
        both women and men have a value.
    kpis
        The indicators; None (default) = every gendered, scored, non-count catalog indicator with
        rows in the panel (:func:`gap_indicators`).
    lang
        Language of ``reading_label`` ("sv" or "en"; default ``NATSAM_LANG``, i.e. Swedish).

    Returns
    -------
    pandas.DataFrame
        One row per municipality and indicator (indicators in catalog order): :data:`GAP_COLUMNS`.
        ``attrs["provenance"]`` is the panel's.

    Raises
    ------
    ValidationError
        For missing columns, an unknown, non-gendered, context or count indicator among ``kpis``, or
        an indicator without K or M rows in the panel (every problem at once).
    NatsamError
        When ``year`` is given and no chosen indicator has a K or M value in it.

    Examples
    --------
    >>> from natsam_analysis import load_panel                         # doctest: +SKIP
    >>> from natsam_analysis.catalog import load_catalog               # doctest: +SKIP
    >>> gaps = gender_gaps(load_panel(), load_catalog())               # doctest: +SKIP
    >>> gaps.query("municipality_id == '0180' and kpi == 'N02267'")    # doctest: +SKIP
    """
    _check_inputs(panel, catalog)
    lang = check_language(lang)
    if year is not None and (isinstance(year, bool) or not isinstance(year, (int, np.integer))):
        raise NatsamError(f"gender_gaps: year={year!r} must be a whole year such as 2024, or None for the latest.")
    chosen = _select_kpis(panel, catalog, kpis)
    table = _all_gaps(panel, catalog, chosen)
    if year is not None:
        picked = table[table["year"] == int(year)]
        if picked.empty:
            years = sorted(table.loc[table["gap"].notna(), "year"].unique().tolist())
            raise NatsamError(f"gender_gaps: no values for women and men in {year} for "
                              f"{', '.join(chosen)}; years with values: "
                              f"{', '.join(map(str, years)) or 'none'}.")
    else:
        both = table["gap"].notna()
        picked = (table.assign(_both=both).sort_values(["municipality_id", "kpi", "_both", "year"], kind="stable")
                  .groupby(["municipality_id", "kpi"], sort=False).tail(1).drop(columns="_both"))
    out = _order(picked, chosen)
    out["reading_label"] = reading_labels(out["reading"], lang)
    out = out[GAP_COLUMNS]
    out.attrs["provenance"] = dict(panel.attrs.get("provenance", {}))
    return out


def largest_gaps(gaps: pd.DataFrame, municipality_id: str, n: int = 5) -> pd.DataFrame:
    """A municipality's ``n`` largest gaps between women and men, by the size of the standardised gap.

    Rows of :func:`gender_gaps` for ``municipality_id`` with a standardised gap, ordered by
    ``|gap_std|`` (largest first; ties by kpi), at most ``n``.

    Raises
    ------
    NatsamError
        When ``n`` is not a whole number >= 1 or the municipality has no row in ``gaps``.

    Examples
    --------
    >>> gaps = pd.DataFrame({"municipality_id": ["0180"] * 3, "kpi": ["a", "b", "c"],
    ...                      "gap_std": [0.2, -0.9, 0.5]})
    >>> largest_gaps(gaps, "0180", n=2)["kpi"].tolist()
    ['b', 'c']
    """
    _check_columns(gaps, ("municipality_id", "kpi", "gap_std"), "gender gaps",
                   "Pass the table from natsam_analysis.metrics.gender.gender_gaps().")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise NatsamError(f"largest_gaps: n={n!r} must be a whole number >= 1.")
    own = gaps[gaps["municipality_id"] == municipality_id]
    if own.empty:
        raise NatsamError(f"largest_gaps: municipality {municipality_id!r} has no row in the gaps table; give a "
                          "4-character municipality id such as '0180' that the panel covers.")
    own = own[own["gap_std"].notna()]
    ordered = own.assign(_size=own["gap_std"].abs()).sort_values(["_size", "kpi"], ascending=[False, True],
                                                                  kind="stable")
    out = ordered.drop(columns="_size").head(int(n)).reset_index(drop=True)
    out.attrs = dict(gaps.attrs)
    return out


def reading_distribution(gaps: pd.DataFrame) -> pd.DataFrame:
    """How many municipalities have each reading, per indicator.

    Returns a long frame ``kpi, reading, n, share`` with a row for every indicator and every reading
    in :data:`READINGS` (``n`` 0 when none); ``share`` (0-1) is out of the municipalities with a
    reading for that indicator (missing readings are left out). Indicators keep their order in ``gaps``.

    Examples
    --------
    >>> gaps = pd.DataFrame({"kpi": ["a", "a", "a", "a"],
    ...                      "reading": ["women_worse", "women_worse", "men_worse", None]})
    >>> reading_distribution(gaps)[["reading", "n", "share"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['women_worse', 2, 0.6666666666666666], ['men_worse', 1, 0.3333333333333333],
     ['no_difference', 0, 0.0]]
    """
    _check_columns(gaps, ("kpi", "reading"), "gender gaps",
                   "Pass the table from natsam_analysis.metrics.gender.gender_gaps().")
    kpis = list(dict.fromkeys(gaps["kpi"]))
    counts = gaps.dropna(subset=["reading"]).groupby(["kpi", "reading"]).size()
    index = pd.MultiIndex.from_product([kpis, list(READINGS)], names=["kpi", "reading"])
    n = counts.reindex(index, fill_value=0).astype("int64")
    totals = n.groupby(level="kpi").transform("sum")
    share = (n / totals.where(totals > 0)).fillna(0.0)
    out = pd.DataFrame({"n": n, "share": share}).reset_index()
    out.attrs = dict(gaps.attrs)
    return out


# --------------------------------------------------------------------------------------------------
# the sub-index


@dataclass
class GenderSubindex:
    """The gender-equality sub-index: scores and ranks, and the coin that made them (for auditing).

    Attributes
    ----------
    scores
        One row per municipality, best first: ``municipality_id``, ``score`` (the index, 1-100 with
        the committed spec), ``rank`` (1 = best), ``gap_score`` (the gender gaps' aggregate),
        ``pillar_score`` (the jämställdhet pillar's aggregate).
    coin
        The :class:`~natsam_analysis.composite.Coin`: every data set (``coin.data``), the log of steps
        (``coin.log``), the year used per measure (``coin.years``) and the framework.
    """

    scores: pd.DataFrame
    coin: Coin


def gap_measures(panel: pd.DataFrame, catalog: pd.DataFrame, kpis: Iterable[str] | None = None) -> pd.DataFrame:
    """The sub-index's gap measures as panel rows: ``|gap_std|`` of every indicator, every year.

    A long frame in the panel's shape (``municipality_id, kpi, year, gender, value``) with ``kpi``
    ``gap_<kpi>`` and gender ``T``, one row per municipality, indicator and year with a K or M row
    (the value missing when the gap is). Smaller is better (direction -1 in the sub-index).

    Examples
    --------
    >>> panel = pd.DataFrame({"municipality_id": ["1", "1", "2", "2"], "kpi": "N02267", "year": 2024,
    ...                       "gender": ["K", "M", "K", "M"], "value": [80.0, 82.0, 79.0, 79.0]})
    >>> cat = pd.DataFrame({"direction": [1], "target": [float("nan")], "gendered": [True]},
    ...                    index=pd.Index(["N02267"], name="kpi"))
    >>> gap_measures(panel, cat).round(3)[["municipality_id", "kpi", "value"]].values.tolist()
    [['1', 'gap_N02267', 1.414], ['2', 'gap_N02267', 0.0]]
    """
    _check_inputs(panel, catalog)
    chosen = _select_kpis(panel, catalog, kpis)
    table = _order(_all_gaps(panel, catalog, chosen), chosen)
    return pd.DataFrame({"municipality_id": table["municipality_id"], "kpi": GAP_PREFIX + table["kpi"],
                         "year": table["year"], "gender": "T", "value": table["gap_std"].abs()})


def subindex_framework(catalog: pd.DataFrame, gap_kpis: Iterable[str], pillar_kpis: Iterable[str],
                       lang: str | None = None) -> Framework:
    """The sub-index's hierarchy: gap measures -> ``konsskillnader``; pillar indicators -> the pillar;
    both -> ``Index``.

    Gap measures (``gap_<kpi>``) have direction -1 (a smaller gap is better); the pillar indicators
    keep their catalog direction and target. Every weight is 1 (the spec's aggregate step may
    change them). Names come from the catalog titles and :mod:`natsam_analysis.i18n` in ``lang``.

    Examples
    --------
    >>> cat = pd.DataFrame({"direction": pd.array([1, 0], dtype="Int64"), "target": [float("nan"), 50.0],
    ...                     "title_sv": ["Sysselsättning", "Kvinnor i fullmäktige"]},
    ...                    index=pd.Index(["N02267", "N05815"], name="kpi"))
    >>> fw = subindex_framework(cat, ["N02267"], ["N05815"])
    >>> fw.indicators, fw.children("Index")
    (['gap_N02267', 'N05815'], ['konsskillnader', 'jamstalldhet'])
    """
    lang = check_language(lang)
    gap_kpis, pillar_kpis = list(gap_kpis), list(pillar_kpis)
    if not gap_kpis and not pillar_kpis:
        raise NatsamError("gender sub-index: no gap measures and no jämställdhet indicators to combine.")
    title_col = f"title_{lang}"

    def title(k: str) -> str:
        return str(catalog.at[k, title_col]) if title_col in catalog.columns else k

    rows: list[dict[str, Any]] = []
    for k in gap_kpis:
        rows.append({"Level": 1, "iCode": GAP_PREFIX + k, "iName": label("gender_gap_measure", lang, title=title(k)),
                     "Direction": -1, "Weight": 1.0, "Unit": "sd", "Parent": GAPS_CODE, "Type": "Indicator"})
    for k in pillar_kpis:
        target = catalog.at[k, "target"]
        rows.append({"Level": 1, "iCode": k, "iName": title(k), "Direction": int(catalog.at[k, "direction"]),
                     "Weight": 1.0, "Unit": str(catalog.at[k, "unit"]) if "unit" in catalog.columns else "",
                     "Target": float(target) if pd.notna(target) else np.nan, "Parent": EQUALITY_PILLAR,
                     "Type": "Indicator"})
    if gap_kpis:
        rows.append({"Level": 2, "iCode": GAPS_CODE, "iName": label("gender_gaps_aggregate", lang), "Direction": 1,
                     "Weight": 1.0, "Parent": TOP_CODE, "Type": "Aggregate"})
    if pillar_kpis:
        rows.append({"Level": 2, "iCode": EQUALITY_PILLAR, "iName": label("gender_pillar_aggregate", lang),
                     "Direction": 1, "Weight": 1.0, "Parent": TOP_CODE, "Type": "Aggregate"})
    rows.append({"Level": 3, "iCode": TOP_CODE, "iName": label("gender_subindex", lang), "Direction": 1,
                 "Weight": 1.0, "Parent": None, "Type": "Aggregate"})
    return Framework.from_imeta(pd.DataFrame(rows), origin="gender sub-index (framework from the catalog)")


def gender_subindex(panel: pd.DataFrame, catalog: pd.DataFrame, spec: Any, year: int | None = None,
                    kpis: Iterable[str] | None = None, lang: str | None = None) -> GenderSubindex:
    """A gender-equality sub-index for every municipality, built with the composite engine.

    It combines two parts, weighted as the spec says (equally in ``data/indices/jamstalldhet.yaml``):

    * the **gender gaps**: for each gendered, scored indicator the absolute standardised gap
      ``|gap_std|`` (:func:`gap_measures`; smaller = better, so direction -1);
    * the catalog's **jämställdhet pillar** (total values of its scored indicators, e.g. women's
      income relative to men's, women in the council: direction and target from the catalog).

    The coin is made with :meth:`Coin.from_panel <natsam_analysis.composite.Coin.from_panel>` from the
    gap measures (every year, so the ``impute: latest`` step can use earlier years) and the pillar's
    panel rows; each measure is taken at ``year`` or else its latest year with data. Then the spec's
    steps run and are logged (committed spec: own value up to two years back, outlier treatment,
    min-max [1, 100], arithmetic means).

    Parameters
    ----------
    spec
        An index spec (a dict or an ``IndexSpec``, e.g. ``load_spec(gender_spec_path())``, the
        committed ``data/indices/jamstalldhet.yaml``) without ``framework``/``indicators`` (the
        framework is :func:`subindex_framework`). A path is refused: metrics read no files.
    year, kpis
        As in :func:`gender_gaps` (``kpis``: the gendered indicators whose gaps count).
    lang
        Language of the names in the coin's framework.

    Returns
    -------
    GenderSubindex
        ``scores`` (one row per municipality of the panel, best first) and ``coin``.

    Examples
    --------
    >>> spec = load_spec(gender_spec_path())                            # doctest: +SKIP
    >>> result = gender_subindex(load_panel(), load_catalog(), spec)    # doctest: +SKIP
    >>> result.scores.head(3)                                           # doctest: +SKIP
    >>> [e["step"] for e in result.coin.log]                            # doctest: +SKIP
    ['impute', 'treat', 'normalise', 'aggregate']
    """
    _check_inputs(panel, catalog)
    _check_columns(catalog, ("pillar",), "indicator catalog",
                   "Pass the catalog from natsam_analysis.catalog.load_catalog() (it names each indicator's pillar).")
    lang = check_language(lang)
    if isinstance(spec, (str, Path)):
        raise NatsamError(f"gender_subindex: spec={str(spec)!r} is a file; metrics read no files. Load it "
                          "first: gender_subindex(panel, catalog, load_spec(path)) with "
                          "natsam_analysis.composite.load_spec.")
    sp = load_spec(spec)
    if sp.uses_panel:
        raise NatsamError(f"{sp.origin}: the gender sub-index makes its own framework (gap measures and the "
                          f"{EQUALITY_PILLAR} pillar); remove the spec's 'framework' and 'indicators' keys.")
    measures = gap_measures(panel, catalog, kpis)
    gap_kpis = [k[len(GAP_PREFIX):] for k in dict.fromkeys(measures["kpi"])]
    in_pillar = (catalog["pillar"] == EQUALITY_PILLAR) & catalog["direction"].notna()
    with_values = set(panel.loc[(panel["gender"] == "T") & panel["value"].notna(), "kpi"].astype(str))
    pillar_kpis = [k for k in catalog.index[in_pillar] if k in with_values]
    pillar_rows = panel.loc[(panel["gender"] == "T") & panel["kpi"].isin(pillar_kpis), list(_PANEL_COLUMNS)]
    # one empty row per municipality, so that every municipality of the panel gets a row in the coin
    units = panel["municipality_id"].astype(str).unique()
    first = GAP_PREFIX + gap_kpis[0] if gap_kpis else (pillar_kpis[0] if pillar_kpis else "")
    placeholders = pd.DataFrame({"municipality_id": units, "kpi": first, "year": int(panel["year"].max()),
                                 "gender": "T", "value": np.nan})
    sub_panel = pd.concat([measures, pillar_rows, placeholders], ignore_index=True)
    sub_panel = sub_panel.drop_duplicates(subset=[*_KEY, "gender"], keep="first")
    sub_panel.attrs["provenance"] = dict(panel.attrs.get("provenance", {}))
    fw = subindex_framework(catalog, gap_kpis, pillar_kpis, lang)
    coin = Coin.from_panel(sub_panel, fw, year=year)
    coin.name = sp.name
    coin.build(sp)
    return GenderSubindex(scores=subindex_scores(coin), coin=coin)


def subindex_scores(coin: Coin) -> pd.DataFrame:
    """The scores table of a gender sub-index coin (see :class:`GenderSubindex`), best first.

    Works on a regenerated variant too (``subindex_scores(result.coin.regenerate({...}))``).
    """
    results = coin.results()
    columns: Mapping[str, str] = {"uCode": "municipality_id", TOP_CODE: "score", f"Rank_{TOP_CODE}": "rank",
                                  GAPS_CODE: "gap_score", EQUALITY_PILLAR: "pillar_score"}
    out = results.reindex(columns=list(columns)).rename(columns=columns)
    out["rank"] = out["rank"].astype("Int64")
    out = out.sort_values(["rank", "municipality_id"], kind="stable", na_position="last").reset_index(drop=True)
    out.attrs["provenance"] = dict(coin.provenance)
    return out
