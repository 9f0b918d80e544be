"""Similar municipalities: peers by structure, clusters, SKR's groups and the position among peers.

Municipal officials compare themselves with municipalities that are like them, not with the whole
country (or with Stockholm). "Like them" is measured on a few *structural variables*, things a
municipality can hardly change in the short run (:data:`STRUCTURAL_VARIABLES`): population and
population density (both on a log scale), the urban-rural type of its FA region, the degree of
urbanisation, the share aged 65+, median earned income and the share with post-secondary education.

Method
------
* **Scaling.** Every variable is standardised over all municipalities in the table (mean 0, standard
  deviation 1; scikit-learn's ``StandardScaler``), so that a variable counted in kronor does not
  outweigh one counted in per cent. Distances are Euclidean on the standardised variables.
* **Missing values.** ``missing="median"`` (the default) fills a missing value with the variable's
  median over the municipalities, so that every municipality gets peers; which values were filled is
  recorded in ``attrs["imputed"]``. ``missing="drop"`` leaves out the municipalities with a missing
  value instead (they get no peers and are no one's peer).
* **Peers.** :func:`similar_municipalities` returns the ``k`` nearest neighbours (default 10,
  scikit-learn's ``NearestNeighbors``), never the municipality itself; ties in distance are broken by
  municipality id, so the answer does not depend on row order.
* **Clusters.** :func:`kmeans_clusters` and :func:`ward_clusters` split the municipalities into ``k``
  groups; :func:`choose_k` compares k by the silhouette score. Clusters are numbered 1..k by size,
  largest first.
* **Position.** :func:`peer_position` gives the municipality's direction-aware percentile within the
  group of itself and its peers (the percentiles of :mod:`natsam_analysis.metrics.percentiles`), and
  the peers' median.

Every result records what it was computed from (variables, k, missing-value rule) in ``attrs``, so a
notebook or dashboard can show it.

Examples
--------
>>> import pandas as pd
>>> variables = pd.DataFrame({"size": [1.0, 1.1, 5.0, 5.2], "age": [20.0, 21.0, 20.5, 30.0]},
...                          index=pd.Index(["0001", "0002", "0003", "0004"], name="municipality_id"))
>>> similar_municipalities(variables, "0001", k=1).index.tolist()
['0002']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from natsam_analysis.errors import DataNotAvailableError, NatsamError
from natsam_analysis.i18n import label
from natsam_analysis.metrics.percentiles import KpiValues, direction_scores, percentile_against

MISSING_RULES = ("median", "drop")
CLUSTER_METHODS = ("kmeans", "ward")
DEFAULT_K = 10
#: k-means settings: a fixed seed and several starts make the clusters reproducible.
KMEANS_RANDOM_STATE = 0
KMEANS_N_INIT = 10
PEER_POSITION_COLUMNS = ["kpi", "year", "value", "peer_median", "pct_peers", "n_peers"]


@dataclass(frozen=True)
class StructuralVariable:
    """One structural variable: where its values come from and how they are transformed.

    Exactly one of ``kpi`` (a Kolada KPI in the indicator panel; the latest year with a value is used
    for each municipality) and ``column`` (a column of :func:`natsam_analysis.geography.municipalities`)
    is set. ``log`` takes the base-10 logarithm (values <= 0 become missing). The label is
    ``label(f"peers_var_{name}")`` in :mod:`natsam_analysis.i18n`.
    """

    name: str
    kpi: str | None = None
    column: str | None = None
    log: bool = False

    @property
    def source(self) -> str:
        """Where the values come from: the KPI id, or ``geography.<column>``."""
        return self.kpi if self.kpi is not None else f"geography.{self.column}"

    def label(self, lang: str | None = None) -> str:
        """The variable's Swedish (default) or English label."""
        return label(f"peers_var_{self.name}", lang)


#: The default structural variables, in display order (name -> definition).
STRUCTURAL_VARIABLES: dict[str, StructuralVariable] = {v.name: v for v in (
    StructuralVariable("log_population", kpi="N01951", log=True),
    StructuralVariable("log_density", kpi="N02937", log=True),
    StructuralVariable("urban_rural", column="ur6"),
    StructuralVariable("urbanisation", kpi="N00954"),
    StructuralVariable("share_65_plus", kpi="N01960"),
    StructuralVariable("median_income", kpi="N00906"),
    StructuralVariable("post_secondary", kpi="N01982"),
)}


def structural_labels(names: Iterable[str] | None = None, lang: str | None = None) -> dict[str, str]:
    """Labels of structural variables (default: all of :data:`STRUCTURAL_VARIABLES`), by name.

    Examples
    --------
    >>> structural_labels(["log_population"], "en")
    {'log_population': 'Population (log10)'}
    """
    names = list(STRUCTURAL_VARIABLES) if names is None else list(names)
    return {name: _variable(name).label(lang) for name in names}


def _variable(name: str) -> StructuralVariable:
    try:
        return STRUCTURAL_VARIABLES[name]
    except KeyError:
        raise NatsamError(f"Unknown structural variable {name!r}; use one of "
                          f"{', '.join(STRUCTURAL_VARIABLES)}.") from None


def structural_variables(
    panel: pd.DataFrame,
    municipalities: pd.DataFrame,
    variables: Iterable[str] | None = None,
    *,
    gender: str = "T",
) -> pd.DataFrame:
    """The structural variables of every municipality, each at its latest year with a value.

    Parameters
    ----------
    panel
        The tidy indicator panel (``municipality_id, kpi, year, gender, value``).
    municipalities
        :func:`natsam_analysis.geography.municipalities` (``municipality_id`` and the columns the
        variables read, e.g. ``ur6``); it sets the rows: one per municipality, in id order.
    variables
        Names from :data:`STRUCTURAL_VARIABLES` (default: all of them, in that order).
    gender
        Which of the panel's rows to use ("T" = total).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``municipality_id``, one column per variable, NaN where a municipality has no value.
        ``attrs``: ``variables`` (names), ``sources`` (name -> KPI or geography column) and ``years``
        (name -> [first, last] year used over the municipalities; None for geography columns).

    Raises
    ------
    DataNotAvailableError
        When the panel holds no value at all of a KPI that a variable needs.

    Examples
    --------
    >>> from natsam_analysis import geography, load_panel            # doctest: +SKIP
    >>> table = structural_variables(load_panel(), geography.municipalities())  # doctest: +SKIP
    >>> table.shape                                                   # doctest: +SKIP
    (290, 7)
    """
    names = list(STRUCTURAL_VARIABLES) if variables is None else list(variables)
    if isinstance(variables, str) or not names:
        raise NatsamError("structural_variables: give a list of variable names, e.g. "
                          f"{list(STRUCTURAL_VARIABLES)[:2]}, or None for all.")
    if len(set(names)) != len(names):
        raise NatsamError(f"structural_variables: variables named twice in {names}.")
    defs = [_variable(name) for name in names]
    _require_columns(panel, ["municipality_id", "kpi", "year", "gender", "value"], "panel")
    needed = ["municipality_id", *(v.column for v in defs if v.column is not None)]
    _require_columns(municipalities, needed, "municipalities")

    ids = pd.Index(sorted(municipalities["municipality_id"].astype(str)), name="municipality_id")
    kpis = [v.kpi for v in defs if v.kpi is not None]
    rows = panel[panel["kpi"].isin(kpis) & (panel["gender"] == gender) & panel["value"].notna()]
    absent = [v for v in defs if v.kpi is not None and not (rows["kpi"] == v.kpi).any()]
    if absent:
        listed = ", ".join(f"{v.kpi} ({v.name})" for v in absent)
        raise DataNotAvailableError(
            f"The panel has no values (gender {gender!r}) of {listed}. Fetch them with "
            f"`natsam fetch --kpi {','.join(v.kpi for v in absent)}` (or `natsam fetch --catalog`), or leave "
            "the variables out with variables=[...].")
    latest = rows.sort_values("year").groupby(["kpi", "municipality_id"], sort=False).tail(1)

    out = pd.DataFrame(index=ids)
    years: dict[str, list[int] | None] = {}
    by_id = municipalities.assign(municipality_id=municipalities["municipality_id"].astype(str)) \
        .set_index("municipality_id")
    for v in defs:
        if v.kpi is not None:
            this = latest[latest["kpi"] == v.kpi].set_index("municipality_id")
            this = this[this.index.isin(ids)]
            values = this["value"].astype(float).reindex(ids)
            years[v.name] = [int(this["year"].min()), int(this["year"].max())] if len(this) else None
        else:
            values = pd.to_numeric(by_id[v.column], errors="coerce").astype(float).reindex(ids)
            years[v.name] = None
        if v.log:
            values = np.log10(values.where(values > 0))
        out[v.name] = values
    out.attrs = {"variables": names, "sources": {v.name: v.source for v in defs}, "years": years,
                 "gender": gender}
    return out


# --------------------------------------------------------------------------------------------------
# validation and the standardised design matrix shared by peers and clusters


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise NatsamError(f"{what} must be a pandas DataFrame, not {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise NatsamError(f"{what} lacks column(s) {', '.join(missing)} "
                          f"(it has: {', '.join(map(str, frame.columns))}).")


def _check_id(municipality_id: object, known: pd.Index, what: str) -> str:
    if not isinstance(municipality_id, str):
        raise NatsamError(f"municipality_id must be a 4-character string such as '1281', not "
                          f"{municipality_id!r} ({type(municipality_id).__name__}).")
    if municipality_id not in known:
        raise NatsamError(f"Unknown municipality id {municipality_id!r}: it is not in {what} "
                          "(ids are 4-character strings with leading zeros, e.g. '0180').")
    return municipality_id


def _check_k(k: object, low: int, high: int, what: str) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise NatsamError(f"k must be a whole number from {low} to {high} ({what}), not {k!r}.")
    if not low <= int(k) <= high:
        raise NatsamError(f"k must be from {low} to {high} ({what}), not {int(k)}.")
    return int(k)


@dataclass(frozen=True)
class _Design:
    """The variables ready for distances: filled, standardised, with a record of what was done."""

    ids: pd.Index
    scaled: np.ndarray
    columns: list[str]
    missing: str
    imputed: dict[str, list[str]]
    dropped: list[str]

    def attrs(self) -> dict:
        return {"variables": list(self.columns), "missing": self.missing, "scaling": "standard",
                "imputed": {k: list(v) for k, v in self.imputed.items()}, "dropped": list(self.dropped)}


def _design(variables: pd.DataFrame, columns: Iterable[str] | None, missing: str) -> _Design:
    from sklearn.preprocessing import StandardScaler

    if not isinstance(variables, pd.DataFrame):
        raise NatsamError(f"variables must be a DataFrame (municipalities x variables, e.g. from "
                          f"structural_variables), not {type(variables).__name__}.")
    if missing not in MISSING_RULES:
        raise NatsamError(f"missing={missing!r} is not one of {', '.join(map(repr, MISSING_RULES))}: 'median' fills "
                          "a missing value with the variable's median, 'drop' leaves the municipality out.")
    cols = list(variables.columns) if columns is None else list(columns)
    if isinstance(columns, str) or not cols:
        raise NatsamError("columns must be a non-empty list of variable names (or None for every column).")
    unknown = [c for c in cols if c not in variables.columns]
    if unknown:
        raise NatsamError(f"Variable(s) {unknown} are not columns of the table (it has: "
                          f"{', '.join(map(str, variables.columns))}).")
    if variables.index.has_duplicates:
        twice = sorted(set(variables.index[variables.index.duplicated()]))
        raise NatsamError(f"The variables table has municipality ids {twice[:10]} more than once; give one row each.")
    frame = variables[cols]
    not_numeric = [c for c in cols if not pd.api.types.is_numeric_dtype(frame[c]) or
                   pd.api.types.is_bool_dtype(frame[c])]
    if not_numeric:
        raise NatsamError(f"Variable(s) {not_numeric} are not numeric; code them as numbers first.")
    frame = frame.astype(float)
    infinite = [c for c in cols if np.isinf(frame[c].to_numpy()).any()]
    if infinite:
        raise NatsamError(f"Variable(s) {infinite} hold infinite values (a log of 0?); make them missing (NaN).")
    empty = [c for c in cols if frame[c].isna().all()]
    if empty:
        raise NatsamError(f"Variable(s) {empty} have no values at all; leave them out with columns=[...].")

    imputed: dict[str, list[str]] = {}
    dropped: list[str] = []
    if missing == "median":
        for c in cols:
            gaps = frame.index[frame[c].isna()]
            if len(gaps):
                imputed[c] = [str(i) for i in gaps]
        frame = frame.fillna(frame.median())
    else:
        keep = frame.notna().all(axis=1)
        dropped = [str(i) for i in frame.index[~keep]]
        frame = frame[keep]
    if len(frame) < 3:
        raise NatsamError(f"Only {len(frame)} municipalities have every variable; at least 3 are needed "
                          "(use missing='median' to fill gaps).")
    scaled = StandardScaler().fit_transform(frame.to_numpy())
    return _Design(frame.index.astype(str), scaled, cols, missing, imputed, dropped)


# --------------------------------------------------------------------------------------------------
# peers


def _neighbour_order(design: _Design, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``rows``: every unit's position and distance, nearest first, ties by id."""
    from sklearn.neighbors import NearestNeighbors

    n = len(design.ids)
    nn = NearestNeighbors(n_neighbors=n).fit(design.scaled)
    distances, positions = nn.kneighbors(design.scaled[rows])
    ids = design.ids.to_numpy()
    for r in range(len(rows)):  # a stable order whatever the search did with equal distances
        order = np.lexsort((ids[positions[r]], distances[r]))
        positions[r], distances[r] = positions[r][order], distances[r][order]
    return positions, distances


def similar_municipalities(
    variables: pd.DataFrame,
    municipality_id: str,
    k: int = DEFAULT_K,
    *,
    columns: Iterable[str] | None = None,
    missing: str = "median",
) -> pd.DataFrame:
    """The ``k`` municipalities most similar to ``municipality_id`` on the standardised variables.

    Parameters
    ----------
    variables
        Municipalities (index ``municipality_id``) x numeric variables, e.g. :func:`structural_variables`.
    municipality_id
        The municipality to find peers for ("1281").
    k
        Number of peers, 1 to the number of other municipalities in the table (289 for all 290).
    columns
        The variables to use (default: every column).
    missing
        "median" (fill a gap with the variable's median) or "drop" (leave out municipalities with gaps).

    Returns
    -------
    pandas.DataFrame
        The ``k`` peers, nearest first, indexed by ``municipality_id``, with ``rank`` (1 = nearest) and
        ``distance`` (Euclidean, in standard deviations). Never includes ``municipality_id`` itself.
        ``attrs``: ``municipality_id``, ``k``, ``variables``, ``missing``, ``scaling``, ``imputed``
        (variable -> ids whose value was filled), ``dropped``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"income": [300_000.0, 310_000.0, 400_000.0], "age": [20.0, 30.0, 20.0]},
    ...                      index=["0001", "0002", "0003"])
    >>> similar_municipalities(table, "0001", k=2)["rank"].tolist()
    [1, 2]
    """
    design = _design(variables, columns, missing)
    if municipality_id not in design.ids and missing == "drop" and municipality_id in variables.index:
        gaps = [c for c in design.columns if pd.isna(variables.at[municipality_id, c])]
        raise NatsamError(f"Municipality {municipality_id!r} lacks {gaps} and was left out (missing='drop'); "
                          "use missing='median' or fewer columns.")
    _check_id(municipality_id, design.ids, "the variables table")
    n_other = len(design.ids) - 1
    k = _check_k(k, 1, n_other, f"the other municipalities in the table: {n_other}")
    row = int(design.ids.get_loc(municipality_id))
    positions, distances = _neighbour_order(design, np.array([row]))
    keep = positions[0] != row
    peers = pd.DataFrame({
        "rank": np.arange(1, k + 1),
        "distance": distances[0][keep][:k],
    }, index=pd.Index(design.ids[positions[0][keep][:k]], name="municipality_id"))
    peers.attrs = {"municipality_id": municipality_id, "k": k, **design.attrs()}
    return peers


def peer_table(
    variables: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    columns: Iterable[str] | None = None,
    missing: str = "median",
) -> pd.DataFrame:
    """:func:`similar_municipalities` for every municipality at once (one fit).

    Returns a long frame ``municipality_id, peer_id, rank, distance`` (k rows per municipality, in id
    order, nearest peer first) with the same ``attrs`` as :func:`similar_municipalities` but
    ``municipality_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [0.0, 1.0, 5.0]}, index=["0001", "0002", "0003"])
    >>> peer_table(table, k=1)["peer_id"].tolist()
    ['0002', '0001', '0002']
    """
    design = _design(variables, columns, missing)
    n_other = len(design.ids) - 1
    k = _check_k(k, 1, n_other, f"the other municipalities in the table: {n_other}")
    rows = np.arange(len(design.ids))
    positions, distances = _neighbour_order(design, rows)
    keep = positions != rows[:, None]
    peer_pos = positions[keep].reshape(len(rows), n_other)[:, :k]
    peer_dist = distances[keep].reshape(len(rows), n_other)[:, :k]
    table = pd.DataFrame({
        "municipality_id": np.repeat(design.ids.to_numpy(), k),
        "peer_id": design.ids.to_numpy()[peer_pos.ravel()],
        "rank": np.tile(np.arange(1, k + 1), len(rows)),
        "distance": peer_dist.ravel(),
    })
    table.attrs = {"k": k, **design.attrs()}
    return table


# --------------------------------------------------------------------------------------------------
# clusters


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster numbers 1..k, the largest cluster first (equal sizes: the one met first in row order)."""
    values, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first[i]))
    mapping = {values[i]: number for number, i in enumerate(order, start=1)}
    return np.array([mapping[v] for v in labels], dtype=int)


def _cluster_labels(design: _Design, method: str, k: int, random_state: int, n_init: int) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering, KMeans

    if method == "kmeans":
        model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    else:
        model = AgglomerativeClustering(n_clusters=k, linkage="ward")
    return _relabel_by_size(model.fit_predict(design.scaled))


def _check_cluster_k(k: object, design: _Design) -> int:
    n = len(design.ids)
    return _check_k(k, 2, n - 1, f"a silhouette needs 2 to n - 1 clusters; n = {n} municipalities")


def _clusters(variables, k, method, columns, missing, random_state, n_init) -> pd.Series:
    from sklearn.metrics import silhouette_score

    design = _design(variables, columns, missing)
    k = _check_cluster_k(k, design)
    labels = _cluster_labels(design, method, k, random_state, n_init)
    clusters = pd.Series(labels, index=pd.Index(design.ids, name="municipality_id"), name="cluster")
    clusters.attrs = {"method": method, "k": k, "silhouette": float(silhouette_score(design.scaled, labels)),
                      **design.attrs()}
    if method == "kmeans":
        clusters.attrs.update(random_state=random_state, n_init=n_init)
    return clusters


def kmeans_clusters(
    variables: pd.DataFrame,
    k: int,
    *,
    columns: Iterable[str] | None = None,
    missing: str = "median",
    random_state: int = KMEANS_RANDOM_STATE,
    n_init: int = KMEANS_N_INIT,
) -> pd.Series:
    """k-means clusters of the municipalities on the standardised variables.

    Parameters
    ----------
    variables, columns, missing
        As in :func:`similar_municipalities`.
    k
        Number of clusters, 2 to the number of municipalities minus one.
    random_state, n_init
        scikit-learn's ``KMeans`` seed and number of starts (fixed, so the clusters are reproducible).

    Returns
    -------
    pandas.Series
        ``cluster`` (1..k, largest cluster first) indexed by ``municipality_id``. ``attrs``: ``method``,
        ``k``, ``silhouette`` and the settings (``variables``, ``missing``, ``imputed``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [0.0, 0.1, 0.2, 9.0, 9.1]}, index=["a", "b", "c", "d", "e"])
    >>> kmeans_clusters(table, 2).tolist()
    [1, 1, 1, 2, 2]
    """
    return _clusters(variables, k, "kmeans", columns, missing, random_state, n_init)


def ward_clusters(
    variables: pd.DataFrame,
    k: int,
    *,
    columns: Iterable[str] | None = None,
    missing: str = "median",
) -> pd.Series:
    """Hierarchical clusters (Ward's linkage) of the municipalities on the standardised variables.

    The same parameters and result as :func:`kmeans_clusters` (deterministic: no seed).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [0.0, 0.1, 9.0, 9.1, 9.2]}, index=["a", "b", "c", "d", "e"])
    >>> ward_clusters(table, 2).tolist()
    [2, 2, 1, 1, 1]
    """
    return _clusters(variables, k, "ward", columns, missing, KMEANS_RANDOM_STATE, KMEANS_N_INIT)


@dataclass(frozen=True)
class KChoice:
    """The silhouette score of each number of clusters tried, and the best one (see :func:`choose_k`)."""

    method: str
    scores: pd.Series
    best_k: int

    @property
    def best_score(self) -> float:
        return float(self.scores[self.best_k])


def choose_k(
    variables: pd.DataFrame,
    ks: Iterable[int] = range(2, 11),
    method: str = "kmeans",
    *,
    columns: Iterable[str] | None = None,
    missing: str = "median",
    random_state: int = KMEANS_RANDOM_STATE,
    n_init: int = KMEANS_N_INIT,
) -> KChoice:
    """The silhouette score (scikit-learn's ``silhouette_score``, Euclidean) of each k, and the best k.

    The silhouette of a municipality compares its mean distance to its own cluster with that to the
    nearest other cluster (-1 to 1; higher = better separated); the score is the mean over all
    municipalities. The best k has the highest score (on a tie, the first of them in ``ks``).

    Parameters
    ----------
    variables, columns, missing
        As in :func:`similar_municipalities`.
    ks
        The numbers of clusters to try (each 2 to n - 1).
    method
        "kmeans" (:func:`kmeans_clusters`) or "ward" (:func:`ward_clusters`).
    random_state, n_init
        For k-means (ignored by Ward).

    Returns
    -------
    KChoice
        ``method``, ``scores`` (Series ``silhouette`` indexed by ``k``, in the order given) and ``best_k``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.1, 9.0, 9.1]}, index=list("abcdef"))
    >>> choose_k(table, ks=[2, 3, 4]).best_k
    3
    """
    from sklearn.metrics import silhouette_score

    if method not in CLUSTER_METHODS:
        raise NatsamError(f"method={method!r} is not one of {', '.join(map(repr, CLUSTER_METHODS))}.")
    design = _design(variables, columns, missing)
    ks = [ks] if isinstance(ks, (int, np.integer)) else list(ks)
    if not ks:
        raise NatsamError("ks is empty: give the numbers of clusters to try, e.g. range(2, 11).")
    ks = [_check_cluster_k(k, design) for k in ks]
    if len(set(ks)) != len(ks):
        raise NatsamError(f"ks names a number of clusters twice: {ks}.")
    scores = pd.Series(
        [float(silhouette_score(design.scaled, _cluster_labels(design, method, k, random_state, n_init)))
         for k in ks],
        index=pd.Index(ks, name="k"), name="silhouette",
    )
    best = int(scores.idxmax())  # the first of equal maxima, in the order of ks
    scores.attrs = design.attrs()
    return KChoice(method=method, scores=scores, best_k=best)


def cluster_summary(variables: pd.DataFrame, clusters: pd.Series) -> pd.DataFrame:
    """Size and median of each variable per cluster (rows 1..k), for describing the clusters.

    Medians are of the values as given (before filling gaps or scaling).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"x": [1.0, 3.0, 10.0]}, index=["a", "b", "c"])
    >>> cluster_summary(table, pd.Series([1, 1, 2], index=["a", "b", "c"])).to_dict("list")
    {'n': [2, 1], 'x': [2.0, 10.0]}
    """
    unknown = clusters.index.difference(variables.index)
    if len(unknown):
        raise NatsamError(f"clusters name municipalities not in the variables table: {list(unknown[:10])}.")
    rows = variables.loc[clusters.index]
    grouped = rows.groupby(clusters.to_numpy())
    summary = pd.concat([grouped.size().rename("n"), grouped.median()], axis=1)
    summary.index.name = "cluster"
    return summary


# --------------------------------------------------------------------------------------------------
# SKR's municipality groups


def skr_peers(municipalities: pd.DataFrame, municipality_id: str) -> pd.DataFrame:
    """The other municipalities in the same SKR municipality group (kommungrupp) as ``municipality_id``.

    Parameters
    ----------
    municipalities
        :func:`natsam_analysis.geography.municipalities`, whose ``skr_group_id``/``skr_group_name``
        are filled once Kolada's municipality groups have been fetched.
    municipality_id
        The municipality ("1281").

    Returns
    -------
    pandas.DataFrame
        Indexed by ``municipality_id`` (in id order, without the municipality itself): ``name``,
        ``skr_group_id``, ``skr_group_name``. ``attrs``: ``municipality_id``, ``skr_group_id``,
        ``skr_group_name``.

    Raises
    ------
    DataNotAvailableError
        When the groups have not been fetched (``natsam fetch --groups``) or the municipality has none.

    Examples
    --------
    >>> from natsam_analysis import geography                                # doctest: +SKIP
    >>> skr_peers(geography.municipalities(), "1281").attrs["skr_group_name"]  # doctest: +SKIP
    'Större städer'
    """
    _require_columns(municipalities, ["municipality_id", "name"], "municipalities")
    ids = pd.Index(municipalities["municipality_id"].astype(str))
    _check_id(municipality_id, ids, "the municipalities table")
    fetch = ("Fetch Kolada's municipality groups with `natsam fetch --groups`; "
             "geography.municipalities() then carries skr_group_id and skr_group_name.")
    if "skr_group_id" not in municipalities.columns or municipalities["skr_group_id"].isna().all():
        raise DataNotAvailableError(
            f"SKR's municipality groups (kommungruppsindelning) are not in the local store. {fetch}")
    table = municipalities.assign(municipality_id=ids).set_index("municipality_id")
    group = table.at[municipality_id, "skr_group_id"]
    if pd.isna(group):
        raise DataNotAvailableError(f"Municipality {municipality_id!r} has no SKR group in the fetched groups. {fetch}")
    members = table[(table["skr_group_id"] == group) & (table.index != municipality_id)]
    members = members[["name", "skr_group_id", "skr_group_name"]].sort_index()
    members.attrs = {"municipality_id": municipality_id, "skr_group_id": str(group),
                     "skr_group_name": str(table.at[municipality_id, "skr_group_name"])}
    return members


# --------------------------------------------------------------------------------------------------
# position among peers


def _peer_ids(peers: pd.DataFrame | Iterable[str]) -> list[str]:
    if isinstance(peers, pd.DataFrame):
        ids = peers["municipality_id"] if "municipality_id" in peers.columns else peers.index
    elif isinstance(peers, str):
        raise NatsamError(f"peers must be several municipality ids (or a frame from similar_municipalities), "
                          f"not the single string {peers!r}.")
    else:
        ids = peers
    ids = list(dict.fromkeys(ids))
    wrong = [i for i in ids if not isinstance(i, str)]
    if wrong:
        raise NatsamError(f"peers must be municipality ids as strings such as '1281', not {wrong[:5]}.")
    return ids


def peer_position(
    panel: pd.DataFrame,
    catalog: pd.DataFrame,
    municipality_id: str,
    peers: pd.DataFrame | Iterable[str],
    kpis: Iterable[str] | None = None,
    *,
    gender: str = "T",
) -> pd.DataFrame:
    """The municipality's direction-aware percentile within its peer group, indicator by indicator.

    For each indicator the year is the latest one in which the municipality has a value. Its score
    (:func:`~natsam_analysis.metrics.percentiles.direction_scores`: higher is better) is placed among
    the scores of the group made of itself and the peers with a value that year
    (:func:`~natsam_analysis.metrics.percentiles.percentile_against`, ties counted half, as the national
    percentiles count the municipality among all municipalities): 100 is best. ``peer_median`` is the
    median of the peers' values, without the municipality.

    Parameters
    ----------
    panel
        The tidy indicator panel.
    catalog
        The indicator catalog (:func:`natsam_analysis.catalog.load_catalog`; ``direction``, ``target``).
    municipality_id
        The municipality ("1281").
    peers
        Its peers: a frame from :func:`similar_municipalities` or :func:`skr_peers` (their index), or
        municipality ids. The municipality itself is left out if listed.
    kpis
        Indicators to include (default: every scored indicator of the catalog that is in the panel,
        in catalog order). A context indicator (no direction) is ranked by its value.
    gender
        Which rows of the panel to use ("T" = total).

    Returns
    -------
    pandas.DataFrame
        One row per indicator: ``kpi, year, value, peer_median, pct_peers, n_peers`` (peers with a value
        that year); NaN (year <NA>) where the municipality has no value. ``attrs``: ``municipality_id``,
        ``peers``.

    Examples
    --------
    >>> from natsam_analysis import geography, load_panel                      # doctest: +SKIP
    >>> from natsam_analysis.catalog import load_catalog                        # doctest: +SKIP
    >>> panel = load_panel()                                                    # doctest: +SKIP
    >>> variables = structural_variables(panel, geography.municipalities())  # doctest: +SKIP
    >>> peers = similar_municipalities(variables, "1281")                     # doctest: +SKIP
    >>> peer_position(panel, load_catalog(), "1281", peers).columns.tolist()   # doctest: +SKIP
    ['kpi', 'year', 'value', 'peer_median', 'pct_peers', 'n_peers']
    """
    _require_columns(panel, ["municipality_id", "kpi", "year", "gender", "value"], "panel")
    _require_columns(catalog, ["direction", "target"], "catalog")
    if not isinstance(municipality_id, str):
        _check_id(municipality_id, pd.Index([]), "the panel")
    if not (panel["municipality_id"] == municipality_id).any():
        raise NatsamError(f"Unknown municipality id {municipality_id!r}: the panel has no rows for it "
                          "(ids are 4-character strings with leading zeros, e.g. '0180').")
    peer_ids = [p for p in _peer_ids(peers) if p != municipality_id]
    if not peer_ids:
        raise NatsamError(f"No peers given for {municipality_id!r} (other than itself).")
    if kpis is None:
        scored = catalog.index[catalog["direction"].notna()]
        present = set(panel["kpi"].unique())  # once: a set per indicator took seconds on a full panel
        kpis = [k for k in scored if k in present]
    else:
        kpis = [kpis] if isinstance(kpis, str) else list(kpis)
        unknown = [k for k in kpis if k not in catalog.index]
        if unknown:
            raise NatsamError(f"KPI(s) {unknown} are not in the indicator catalog (data/catalog/indicators.csv).")

    group_ids = {municipality_id, *peer_ids}
    values = KpiValues(panel, kpis, gender, ids=group_ids)
    records = []
    for kpi in kpis:
        record = {"kpi": kpi, "year": pd.NA, "value": np.nan, "peer_median": np.nan, "pct_peers": np.nan,
                  "n_peers": 0}
        found = values.latest_for(kpi, municipality_id)
        if found is not None:
            year, that_year = found
            that_year = that_year[~that_year.index.duplicated(keep="last")]
            peer_values = that_year.drop(municipality_id)
            scores = direction_scores(that_year, catalog.at[kpi, "direction"], catalog.at[kpi, "target"])
            record.update(
                year=year,
                value=float(that_year[municipality_id]),
                peer_median=float(peer_values.median()) if len(peer_values) else np.nan,
                pct_peers=percentile_against(scores[municipality_id], scores) if len(peer_values) else np.nan,
                n_peers=int(len(peer_values)),
            )
        records.append(record)
    result = pd.DataFrame(records, columns=PEER_POSITION_COLUMNS)
    result["year"] = result["year"].astype("Int64")
    result.attrs = {"municipality_id": municipality_id, "peers": peer_ids}
    return result
