"""Uncertainty and sensitivity analysis of a composite index (COINr's ``get_sensitivity``, vectorised).

An index rests on choices that could reasonably have been made otherwise: how far outliers are
winsorised, how indicators are normalised and imputed, the weights, the aggregation formula. An
*uncertainty analysis* (UA) draws those choices at random many times, rebuilds the index for each draw
and reports how much each unit's rank moves; a *sensitivity analysis* (SA) also apportions that
movement between the choices with variance-based (Sobol) indices.

Method (as in COINr, Saisana, Saltelli & Tarantola 2005, doi:10.1111/j.1467-985X.2005.00350.x)
------------------------------------------------------------------------------------------------
* Each named assumption is one input factor, driven by a uniform number ``u`` in [0, 1): a discrete
  assumption with ``k`` alternatives takes alternative ``floor(u * k)``; weight noise picks one of a
  pool of pre-drawn noisy weight sets the same way (COINr's ``get_noisy_weights`` + a discrete choice).
  (COINr maps ``u`` with R's ``cut(u, k)``, whose equal bins span the sample's own range rather than
  [0, 1); for samples of any size the two mappings draw the alternatives with the same probabilities.)
* UA: ``n`` runs, ``u`` i.i.d. uniform. SA: the Saltelli design of ``n * (d + 2)`` runs in COINr's
  order: the base sample ``A`` (n runs), the independent sample ``B`` (n runs), then for each factor
  ``i = 1..d`` the matrix ``A_B^(i)`` (``A`` with column ``i`` taken from ``B``).
* Ranks: rank 1 = highest score, ties share the lowest rank, missing scores stay missing (R's
  ``rank(-x, ties.method = "min", na.last = "keep")``).
* Rank statistics per unit: nominal rank, mean, median, 5th and 95th percentile of the rank over the
  runs (R's quantile type 7 = numpy's "linear"); for SA over the ``A`` and ``B`` runs only, which are
  the i.i.d. part of the design.
* Output of the SA: the mean absolute rank shift of a run, ``y = mean_units |rank - nominal rank|``.
* Sobol indices (Saltelli et al. 2010, Computer Physics Communications 181, 259-270, table 2), with
  ``V = var(c(y_A, y_B))`` (sample variance, ``n - 1``):

  - first order (estimator (b), Saltelli 2010): ``S_i = mean_j[ y_B (y_ABi - y_A) ] / V``;
  - total effect (estimator (f), Jansen 1999): ``ST_i = mean_j[ (y_A - y_ABi)^2 ] / (2 V)``.

  These are the estimators COINr's ``SA_estimate`` uses. Jansen's first-order estimator
  ``S_i = (V - mean_j[(y_B - y_ABi)^2] / 2) / V`` is available with ``first_order="jansen"``.
* Confidence intervals: bootstrap of the ``n`` base rows (each row carries its ``y_A``, ``y_B`` and every
  ``y_ABi``; ``V`` is re-estimated on each resample, as in Archer, Saltelli & Sobol 1997), 5th and 95th
  percentiles of the replicates. COINr resamples each factor's terms separately with ``V`` fixed; both
  are percentile bootstraps of the same estimators and give intervals of the same width (checked
  against COINr's stored results in the tests), but random numbers differ between R and numpy, so
  the interval ends cannot agree to the digit.

Speed
-----
Rebuilding the whole index per run is what makes COINr slow. Here the data-affecting choices
(winsorisation, normalisation, imputation: a handful of combinations) each regenerate the index object
once; the weight and aggregation choices of every run then go through the engine's vectorised
:func:`~natsam_analysis.composite.steps.aggregate_array` in batches, and ranking is done in numpy.

Examples
--------
>>> import numpy as np
>>> X = saltelli_sample(4, 2, rng=np.random.default_rng(1))
>>> X.shape
(16, 2)
>>> bool((X[8:12, 1] == X[:4, 1]).all() and (X[8:12, 0] == X[4:8, 0]).all())
True
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from natsam_analysis.composite.coin import Coin
from natsam_analysis.composite.spec import check_step
from natsam_analysis.composite.steps import (
    AGGREGATE_METHODS,
    AggregationPlan,
    aggregate_array,
    rank_array,
)
from natsam_analysis.errors import NatsamError

__all__ = [
    "AggregationAlternatives",
    "StepAlternatives",
    "UncertaintyResult",
    "WeightNoise",
    "imputation_alternatives",
    "mean_abs_rank_shift",
    "monte_carlo",
    "normalisation_alternatives",
    "rank_columns",
    "rank_statistics",
    "regenerate_run",
    "saltelli_sample",
    "sobol_indices",
    "summarise_replicates",
    "winsorisation_limits",
]

RANK_STAT_COLUMNS = ["Nominal", "Mean", "Median", "Q5", "Q95"]
SENSITIVITY_COLUMNS = ["Variable", "Si", "STi", "Si_q5", "Si_q95", "STi_q5", "STi_q95"]

# --------------------------------------------------------------------------------------------------
# ranks and rank statistics


def rank_columns(scores: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Rank every column of a units x runs score matrix (:func:`~natsam_analysis.composite.steps.rank_array`).

    Examples
    --------
    >>> rank_columns(np.array([[3.0, 1.0], [5.0, np.nan], [3.0, 2.0]])).tolist()
    [[2.0, 2.0], [1.0, nan], [2.0, 1.0]]
    """
    return rank_array(scores)


def rank_statistics(ranks: np.ndarray, nominal_ranks: np.ndarray, units: Sequence[str]) -> pd.DataFrame:
    """Per unit: nominal rank, and mean, median, 5th and 95th percentile of the ranks over the runs.

    ``ranks`` is units x runs (NaN = no rank in that run, ignored); percentiles are R's type 7
    (numpy's default "linear"). Returns a frame indexed by ``uCode`` with columns
    ``Nominal, Mean, Median, Q5, Q95`` (COINr's ``RankStats``).

    Examples
    --------
    >>> r = np.array([[1.0, 2.0, 1.0, 1.0], [2.0, 1.0, 2.0, 2.0]])
    >>> rank_statistics(r, np.array([1, 2]), ["A", "B"]).loc["A"].tolist()
    [1.0, 1.25, 1.0, 1.0, 1.8499999999999996]
    """
    ranks = np.asarray(ranks, dtype=float)
    nominal_ranks = np.asarray(nominal_ranks, dtype=float)
    if ranks.ndim != 2 or ranks.shape[0] != len(units) or nominal_ranks.shape != (len(units),):
        raise NatsamError(
            f"rank_statistics: ranks must be units x runs ({len(units)} units) and nominal_ranks one per "
            f"unit; got ranks {ranks.shape} and nominal_ranks {nominal_ranks.shape}."
        )
    with np.errstate(all="ignore"), _quiet_nan_warnings():
        q5, median, q95 = np.nanquantile(ranks, [0.05, 0.5, 0.95], axis=1, method="linear")
        mean = np.nanmean(ranks, axis=1)
    index = pd.Index(list(units), name="uCode")
    return pd.DataFrame(
        {"Nominal": nominal_ranks, "Mean": mean, "Median": median, "Q5": q5, "Q95": q95}, index=index
    )


def mean_abs_rank_shift(ranks: np.ndarray, nominal_ranks: np.ndarray) -> np.ndarray:
    """For each run (column), the mean over units of ``|rank - nominal rank|`` (missing ranks ignored).

    This is the scalar output whose variance the Sobol indices decompose (COINr's ``y_AvDiffs``).

    Examples
    --------
    >>> mean_abs_rank_shift(np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 3.0]]), np.array([1.0, 2.0, 3.0])).tolist()
    [0.0, 0.6666666666666666]
    """
    ranks = np.asarray(ranks, dtype=float)
    nominal = np.asarray(nominal_ranks, dtype=float).reshape(-1, 1)
    with _quiet_nan_warnings():
        return np.nanmean(np.abs(ranks - nominal), axis=0)


# --------------------------------------------------------------------------------------------------
# design and Sobol estimators


def saltelli_sample(n: int, d: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """The Saltelli design on the unit hypercube: ``n * (d + 2)`` rows of ``d`` uniforms.

    Rows ``0..n-1`` are ``A``, ``n..2n-1`` are ``B``, and block ``i`` (rows ``(2 + i) n ..``) is
    ``A_B^(i)``: ``A`` with column ``i`` taken from ``B`` (COINr's ``SA_sample`` order).

    Examples
    --------
    >>> X = saltelli_sample(3, 2, rng=0)
    >>> X.shape, bool((X[6:9, 1] == X[0:3, 1]).all())
    ((12, 2), True)
    """
    if n < 2 or d < 1:
        raise NatsamError(f"saltelli_sample: need n >= 2 and d >= 1, got n={n}, d={d}.")
    rng = np.random.default_rng(rng)
    base = rng.random((n, 2 * d))
    a, b = base[:, :d], base[:, d:]
    blocks = [a, b]
    for i in range(d):
        abi = a.copy()
        abi[:, i] = b[:, i]
        blocks.append(abi)
    return np.vstack(blocks)


def _sobol_point(y_a: np.ndarray, y_b: np.ndarray, y_ab: np.ndarray, first_order: str) -> tuple[np.ndarray, np.ndarray]:
    """Si and STi from y_A, y_B (..., n) and y_AB (..., n, d); leading axes are bootstrap replicates."""
    n = y_a.shape[-1]
    both = np.concatenate([y_a, y_b], axis=-1)
    var = np.var(both, axis=-1, ddof=1)[..., None]
    y_a_, y_b_ = y_a[..., None], y_b[..., None]
    if first_order == "saltelli2010":
        v_i = np.mean(y_b_ * (y_ab - y_a_), axis=-2)
    else:  # jansen
        v_i = var - np.sum((y_b_ - y_ab) ** 2, axis=-2) / (2 * n)
    v_ti = np.sum((y_a_ - y_ab) ** 2, axis=-2) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return v_i / var, v_ti / var


def sobol_indices(
    y: np.ndarray,
    n: int,
    d: int,
    names: Sequence[str] | None = None,
    *,
    n_boot: int | None = 1000,
    rng: np.random.Generator | int | None = None,
    first_order: Literal["saltelli2010", "jansen"] = "saltelli2010",
) -> pd.DataFrame:
    """First-order and total Sobol indices from the outputs of a :func:`saltelli_sample` design.

    Parameters
    ----------
    y
        ``n * (d + 2)`` model outputs in design order (A, B, A_B^(1), ..., A_B^(d)).
    n, d
        Base sample size and number of factors.
    names
        Factor names (default ``V1..Vd``).
    n_boot
        Bootstrap replicates for the 5-95 % intervals (``None`` or 0: no intervals, NaN columns).
    rng
        Seed or Generator for the bootstrap.
    first_order
        ``"saltelli2010"`` (default; COINr's estimator) or ``"jansen"``.

    Returns
    -------
    DataFrame with columns ``Variable, Si, STi, Si_q5, Si_q95, STi_q5, STi_q95``.

    Examples
    --------
    >>> X = saltelli_sample(2000, 3, rng=1)
    >>> y = X[:, 0] + 2 * X[:, 1]          # variance shares 1/5, 4/5, 0
    >>> s = sobol_indices(y, 2000, 3, n_boot=None)
    >>> [round(v, 1) for v in s["STi"]]
    [0.2, 0.8, 0.0]
    """
    y = np.asarray(y, dtype=float).ravel()
    if y.size != n * (d + 2):
        raise NatsamError(
            f"sobol_indices: expected n * (d + 2) = {n} * {d + 2} = {n * (d + 2)} outputs, got {y.size}."
        )
    if first_order not in ("saltelli2010", "jansen"):
        raise NatsamError(f"sobol_indices: first_order must be 'saltelli2010' or 'jansen', not {first_order!r}.")
    if not np.isfinite(y).all():
        raise NatsamError(
            f"sobol_indices: {int((~np.isfinite(y)).sum())} of the {y.size} outputs are missing or infinite; "
            "every run of the design must produce a value (check the runs whose index could not be computed)."
        )
    names = [f"V{i + 1}" for i in range(d)] if names is None else list(names)
    if len(names) != d:
        raise NatsamError(f"sobol_indices: {len(names)} names given for {d} factors.")
    y_a, y_b = y[:n], y[n:2 * n]
    y_ab = y[2 * n:].reshape(d, n).T  # n x d
    si, sti = _sobol_point(y_a, y_b, y_ab, first_order)
    out = pd.DataFrame({"Variable": names, "Si": si, "STi": sti})
    if n_boot:
        rng = np.random.default_rng(rng)
        idx = rng.integers(0, n, size=(int(n_boot), n))
        bs_si, bs_sti = _sobol_point(y_a[idx], y_b[idx], y_ab[idx], first_order)
        with _quiet_nan_warnings():
            out["Si_q5"], out["Si_q95"] = np.nanquantile(bs_si, [0.05, 0.95], axis=0)
            out["STi_q5"], out["STi_q95"] = np.nanquantile(bs_sti, [0.05, 0.95], axis=0)
    else:
        for col in SENSITIVITY_COLUMNS[3:]:
            out[col] = np.nan
    return out[SENSITIVITY_COLUMNS]


# --------------------------------------------------------------------------------------------------
# results


@dataclass
class UncertaintyResult:
    """Outcome of an uncertainty (and sensitivity) analysis.

    Attributes
    ----------
    scores
        units x runs scores of the target (index ``uCode``, columns ``r_1 .. r_N``).
    ranks
        the same shape, ranks (1 = best; NaN where the score is missing).
    nominal
        index ``uCode``, columns ``Score, Rank``: the index as built.
    rank_stats
        index ``uCode``, columns ``Nominal, Mean, Median, Q5, Q95``.
    sensitivity
        ``Variable, Si, STi, Si_q5, Si_q95, STi_q5, STi_q95`` (SA only, else ``None``).
    design
        one row per run: the alternative each assumption took (labels; for weight noise the number of
        the weight set, a row of ``info["weight_sets"]``), for tracing a run back.
    analysis
        ``"UA"`` or ``"SA"``; ``n`` the base sample size.
    info
        ``data_builds`` (rebuilds of the coin), ``failed_runs``, ``weight_sets`` (the pool of noisy
        weights, codes as columns) and ``seconds`` (time spent rebuilding, aggregating, summarising).
    """

    scores: pd.DataFrame
    ranks: pd.DataFrame
    nominal: pd.DataFrame
    rank_stats: pd.DataFrame
    sensitivity: pd.DataFrame | None = None
    design: pd.DataFrame | None = None
    analysis: str = "UA"
    n: int = 0
    target: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rank_shift(self) -> pd.Series:
        """Mean absolute rank shift of each run against the nominal ranks (the SA output)."""
        y = mean_abs_rank_shift(self.ranks.to_numpy(), self.nominal["Rank"].to_numpy())
        return pd.Series(y, index=self.scores.columns, name="MeanAbsRankShift")


def _run_labels(n_runs: int) -> list[str]:
    return [f"r_{i + 1}" for i in range(n_runs)]


def _summarise(
    scores: np.ndarray,
    nominal_scores: np.ndarray,
    units: Sequence[str],
    *,
    analysis: str,
    n: int,
    names: Sequence[str] | None,
    n_boot: int | None,
    rng: np.random.Generator | int | None,
    first_order: str,
    design: pd.DataFrame | None = None,
    target: str | None = None,
    info: dict[str, Any] | None = None,
) -> UncertaintyResult:
    """Ranks, rank statistics and (for SA) Sobol indices from a units x runs score matrix."""
    units = list(units)
    ranks = rank_columns(scores)
    nominal_ranks = rank_columns(nominal_scores)[:, 0]
    iid = ranks if analysis == "UA" else ranks[:, : 2 * n]
    stats = rank_statistics(iid, nominal_ranks, units)
    sensitivity = None
    if analysis == "SA":
        d = scores.shape[1] // n - 2
        y = mean_abs_rank_shift(ranks, nominal_ranks)
        sensitivity = sobol_indices(y, n, d, names, n_boot=n_boot, rng=rng, first_order=first_order)
    index = pd.Index(units, name="uCode")
    columns = _run_labels(scores.shape[1])
    return UncertaintyResult(
        scores=pd.DataFrame(scores, index=index, columns=columns),
        ranks=pd.DataFrame(ranks, index=index, columns=columns),
        nominal=pd.DataFrame({"Score": nominal_scores, "Rank": nominal_ranks}, index=index),
        rank_stats=stats,
        sensitivity=sensitivity,
        design=design,
        analysis=analysis,
        n=n,
        target=target,
        info=dict(info or {}),
    )


def summarise_replicates(
    scores: pd.DataFrame,
    *,
    analysis: Literal["UA", "SA"] = "UA",
    n: int | None = None,
    names: Sequence[str] | None = None,
    nominal: str = "Nominal",
    n_boot: int | None = 1000,
    seed: int | np.random.Generator | None = None,
    first_order: Literal["saltelli2010", "jansen"] = "saltelli2010",
) -> UncertaintyResult:
    """Rank statistics and Sobol indices from replicate scores computed elsewhere (e.g. by COINr).

    Parameters
    ----------
    scores
        One row per unit (index = unit codes, or a ``uCode`` column), a ``nominal`` column with the
        index as built, and one column per run in run order (for SA: the Saltelli design order).
    analysis
        ``"UA"`` or ``"SA"``; for SA, ``n`` is the base sample size (the number of runs must be
        ``n * (d + 2)``) and ``names`` the factor names in design order.

    Examples
    --------
    >>> df = pd.DataFrame({"Nominal": [3.0, 2.0, 1.0], "r_1": [3.0, 1.0, 2.0], "r_2": [1.0, 2.0, 3.0]},
    ...                   index=["A", "B", "C"])
    >>> summarise_replicates(df).rank_stats["Mean"].tolist()
    [2.0, 2.5, 1.5]
    """
    frame = scores.set_index("uCode") if "uCode" in scores.columns else scores
    if nominal not in frame.columns:
        raise NatsamError(f"summarise_replicates: no column {nominal!r} with the nominal scores; columns are "
                          f"{list(frame.columns)[:5]}...")
    runs = frame.drop(columns=[nominal])
    values = runs.to_numpy(dtype=float)
    if analysis not in ("UA", "SA"):
        raise NatsamError(f"summarise_replicates: analysis must be 'UA' or 'SA', not {analysis!r}.")
    if analysis == "SA":
        if n is None or names is None:
            raise NatsamError("summarise_replicates: an SA needs the base sample size n and the factor names.")
        if values.shape[1] != n * (len(names) + 2):
            raise NatsamError(
                f"summarise_replicates: an SA with n={n} and {len(names)} factors has "
                f"{n * (len(names) + 2)} runs, but the table has {values.shape[1]} run columns."
            )
    else:
        n = values.shape[1]
    result = _summarise(
        values, frame[nominal].to_numpy(dtype=float), [str(u) for u in frame.index], analysis=analysis, n=n,
        names=names, n_boot=n_boot, rng=seed, first_order=first_order,
    )
    result.scores.columns = list(runs.columns)
    result.ranks.columns = list(runs.columns)
    return result


# --------------------------------------------------------------------------------------------------
# assumptions

#: Steps whose alternatives change the data fed to the aggregation (each combination = one rebuild).
DATA_STEPS = ("denominate", "screen", "impute", "treat", "normalise")


def _label(params: Mapping[str, Any]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(x) for x in v) + "]"
        return f"{v:g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k}={fmt(v)}" for k, v in params.items()) or "(default)"


@dataclass(frozen=True)
class StepAlternatives:
    """A discrete choice between parameter sets of one data-affecting step (impute, treat, normalise ...).

    Parameters
    ----------
    step
        The step name as in the coin's log (``"treat"``, ``"normalise"``, ``"impute"``, ...).
    alternatives
        Parameter mappings, drawn with equal probability. A value ``None`` removes that parameter. As in
        :meth:`Coin.regenerate`, an alternative applies to every logged step of that name.
    replace
        ``True``: an alternative replaces the step's logged parameters; ``False`` (default): it updates
        them (e.g. only ``winmax`` changes, ``overrides`` stay).
    labels
        Names of the alternatives for the design table (default: ``key=value`` text).

    Examples
    --------
    >>> StepAlternatives("treat", [{"winmax": 1}, {"winmax": 5}]).labels
    ('winmax=1', 'winmax=5')
    """

    step: str
    alternatives: Sequence[Mapping[str, Any]]
    replace: bool = False
    labels: Sequence[str] | None = None

    def __post_init__(self) -> None:
        alts = tuple(dict(a) for a in self.alternatives)
        if self.step not in DATA_STEPS:
            hint = " (use AggregationAlternatives and WeightNoise for the aggregation)" if self.step == "aggregate" else ""
            raise NatsamError(f"StepAlternatives: step {self.step!r} is not one of {', '.join(DATA_STEPS)}{hint}.")
        if not alts:
            raise NatsamError(f"StepAlternatives({self.step!r}): give at least one alternative.")
        labels = tuple(self.labels) if self.labels is not None else tuple(_label(a) for a in alts)
        if len(labels) != len(alts):
            raise NatsamError(f"StepAlternatives({self.step!r}): {len(labels)} labels for {len(alts)} alternatives.")
        object.__setattr__(self, "alternatives", alts)
        object.__setattr__(self, "labels", labels)

    @property
    def size(self) -> int:
        return len(self.alternatives)


@dataclass(frozen=True)
class AggregationAlternatives:
    """A discrete choice between aggregation methods (``"arithmetic"``, ``"geometric"``, or mappings
    such as ``{"method": "generalised", "p": 0.5}``), applied at every level.

    Examples
    --------
    >>> AggregationAlternatives(["arithmetic", "geometric"]).labels
    ('arithmetic', 'geometric')
    """

    alternatives: Sequence[str | Mapping[str, Any]]
    labels: Sequence[str] | None = None

    def __post_init__(self) -> None:
        alts = tuple({"method": a} if isinstance(a, str) else dict(a) for a in self.alternatives)
        if not alts:
            raise NatsamError("AggregationAlternatives: give at least one method.")
        for a in alts:
            unknown = set(a) - {"method", "p", "dat_thresh"}
            if unknown or a.get("method") not in AGGREGATE_METHODS:
                raise NatsamError(f"AggregationAlternatives: {a!r} must name a method of {', '.join(AGGREGATE_METHODS)}"
                                  " (and optionally p, dat_thresh).")
        labels = tuple(self.labels) if self.labels is not None else tuple(
            a["method"] if len(a) == 1 else _label(a) for a in alts)
        object.__setattr__(self, "alternatives", alts)
        object.__setattr__(self, "labels", labels)

    @property
    def size(self) -> int:
        return len(self.alternatives)


@dataclass(frozen=True)
class WeightNoise:
    """Uniform noise on the weights of whole levels: ``w * (1 + e)``, ``e ~ U(-x, x)`` per code.

    As in COINr (``get_noisy_weights``), ``n_sets`` noisy weight sets are drawn once and each run
    picks one of them, so the weights act as a single input factor of the sensitivity analysis.

    Parameters
    ----------
    noise
        Level -> half-width ``x`` (0.25 = +-25 % of the nominal weight).
    n_sets
        Size of the pool of noisy weight sets.

    Examples
    --------
    >>> WeightNoise({2: 0.25, 3: 0.25}).size
    1000
    """

    noise: Mapping[int, float]
    n_sets: int = 1000

    def __post_init__(self) -> None:
        noise = {int(k): float(v) for k, v in dict(self.noise).items()}
        if not noise or any(not 0 <= v < 1 for v in noise.values()):
            raise NatsamError(f"WeightNoise: noise={dict(self.noise)!r} must map levels to fractions in [0, 1), "
                              "e.g. {2: 0.25, 3: 0.25}.")
        if self.n_sets < 1:
            raise NatsamError(f"WeightNoise: n_sets={self.n_sets} must be at least 1.")
        object.__setattr__(self, "noise", noise)

    @property
    def size(self) -> int:
        return int(self.n_sets)


Assumption = StepAlternatives | AggregationAlternatives | WeightNoise


def winsorisation_limits(values: Iterable[int] = (1, 2, 3, 4, 5)) -> StepAlternatives:
    """Alternative winsorisation limits of the treatment (``winmax``; other treat settings kept).

    Examples
    --------
    >>> winsorisation_limits([1, 5]).alternatives
    ({'winmax': 1}, {'winmax': 5})
    """
    return StepAlternatives("treat", [{"winmax": int(v)} for v in values])


def normalisation_alternatives(*alternatives: Mapping[str, Any] | str) -> StepAlternatives:
    """Alternative normalisations; each replaces the logged normalise parameters.

    Examples
    --------
    >>> a = normalisation_alternatives({"method": "minmax", "range": [1, 100]},
    ...                                {"method": "zscore", "mean": 10, "sd": 2})
    >>> a.labels
    ('method=minmax, range=[1, 100]', 'method=zscore, mean=10, sd=2')
    """
    alts = [{"method": a} if isinstance(a, str) else dict(a) for a in alternatives]
    return StepAlternatives("normalise", alts, replace=True)


def imputation_alternatives(*alternatives: Mapping[str, Any] | str) -> StepAlternatives:
    """Alternative imputations (``"mean"``, ``{"method": "mean_group", "group": "EurAsia_group"}``, ...);
    each replaces the logged impute parameters.

    Examples
    --------
    >>> imputation_alternatives("mean", "median").labels
    ('method=mean', 'method=median')
    """
    alts = [{"method": a} if isinstance(a, str) else dict(a) for a in alternatives]
    return StepAlternatives("impute", alts, replace=True)


# --------------------------------------------------------------------------------------------------
# the Monte Carlo


def _pick(u: np.ndarray, k: int) -> np.ndarray:
    """Map uniforms in [0, 1) to ``0..k-1`` with equal probability."""
    return np.minimum((np.asarray(u) * k).astype(np.int64), k - 1)


def _working_copy(coin: Coin) -> Coin:
    """A shallow copy whose data sets, log and analysis can be replaced without touching ``coin``."""
    work = copy.copy(coin)
    work.data = dict(coin.data)
    work.log = list(coin.log)
    work.analysis = dict(coin.analysis)
    return work


def monte_carlo(
    coin: Coin,
    assumptions: Mapping[str, Assumption],
    n: int = 1000,
    *,
    analysis: Literal["UA", "SA"] = "UA",
    target: str | None = None,
    seed: int | np.random.Generator | None = None,
    n_boot: int | None = 1000,
    first_order: Literal["saltelli2010", "jansen"] = "saltelli2010",
    batch_size: int = 250,
    progress: bool = False,
) -> UncertaintyResult:
    """Uncertainty (and sensitivity) analysis of a built coin over named assumptions.

    Parameters
    ----------
    coin
        A coin built up to and including ``aggregate`` (its log is the nominal construction).
    assumptions
        Name -> :class:`StepAlternatives` (see :func:`winsorisation_limits`,
        :func:`normalisation_alternatives`, :func:`imputation_alternatives`),
        :class:`AggregationAlternatives` or :class:`WeightNoise`. Names label the factors.
    n
        UA: the number of runs. SA: the base sample size; the design has ``n * (d + 2)`` runs.
    analysis
        ``"UA"`` (rank statistics) or ``"SA"`` (also first-order and total Sobol indices of the mean
        absolute rank shift, with bootstrap intervals; needs at least two assumptions).
    target
        The aggregate whose scores and ranks are analysed (default: the top of the framework).
    seed
        Seed or ``numpy.random.Generator``: the same seed gives the same result.
    n_boot, first_order
        Passed to :func:`sobol_indices` (SA only).
    batch_size
        Runs aggregated per call of :func:`~natsam_analysis.composite.steps.aggregate_array` (memory).
    progress
        Show a tqdm progress bar (data rebuilds and aggregation batches).

    Returns
    -------
    UncertaintyResult

    Notes
    -----
    Each combination of data-affecting alternatives that the design uses rebuilds the coin once
    (replaying only the part of the log from the first changed step, up to the data set the
    aggregation reads); weights and aggregation are then varied for all runs at once. Ranks are over
    the units of the nominal index; a unit missing in a variant (e.g. screened out) has no rank in that
    run. The nominal weights are the ones the coin's aggregation used (``coin.weights``).

    Examples
    --------
    >>> res = monte_carlo(coin, {"Winmax": winsorisation_limits(),
    ...                          "Weights": WeightNoise({2: 0.25, 3: 0.25}),
    ...                          "Aggregation": AggregationAlternatives(["arithmetic", "geometric"])},
    ...                   n=200, seed=1)                                      # doctest: +SKIP
    >>> res.rank_stats.head()                                                 # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    if analysis not in ("UA", "SA"):
        raise NatsamError(f"monte_carlo: analysis must be 'UA' or 'SA', not {analysis!r}.")
    if not assumptions:
        raise NatsamError("monte_carlo: give at least one assumption to vary.")
    names = list(assumptions)
    factors = [assumptions[k] for k in names]
    for name, f in zip(names, factors):
        if not isinstance(f, (StepAlternatives, AggregationAlternatives, WeightNoise)):
            raise NatsamError(f"monte_carlo: assumption {name!r} is a {type(f).__name__}; use StepAlternatives, "
                              "AggregationAlternatives or WeightNoise (see winsorisation_limits() etc.).")
    for kind in (AggregationAlternatives, WeightNoise):
        if sum(isinstance(f, kind) for f in factors) > 1:
            raise NatsamError(f"monte_carlo: only one {kind.__name__} assumption is allowed.")
    d = len(factors)
    if analysis == "SA" and d < 2:
        raise NatsamError("monte_carlo: a sensitivity analysis needs at least two assumptions; use analysis='UA'.")
    n = int(n)
    if n < 2:
        raise NatsamError(f"monte_carlo: n={n} runs is too few (at least 2).")

    # ---- the nominal construction, from the log
    log = coin.log
    agg_pos = max((i for i, e in enumerate(log) if e["step"] == "aggregate"), default=None)
    if agg_pos is None or "aggregated" not in coin.data:
        raise NatsamError("monte_carlo: the coin has not been aggregated; build it (including the aggregate "
                          "step) before the uncertainty analysis.")
    agg_entry = log[agg_pos]
    fw = coin.framework
    plan = AggregationPlan.from_framework(fw)
    target = fw.top if target is None else target
    if target not in plan.aggregates:
        raise NatsamError(f"monte_carlo: target {target!r} is not an aggregate of the coin "
                          f"({', '.join(plan.aggregates)}).")
    t_col = plan.aggregates.index(target)
    nominal_agg = {k: v for k, v in agg_entry["params"].items() if k in ("method", "p", "dat_thresh")}
    nominal_agg.setdefault("method", "arithmetic")
    base_w = plan.weight_vector(coin.weights.reindex(plan.codes).dropna().to_dict())

    data_idx = [j for j, f in enumerate(factors) if isinstance(f, StepAlternatives)]
    positions: dict[int, int] = {}
    for j in data_idx:
        f = factors[j]
        where = [i for i, e in enumerate(log[:agg_pos]) if e["step"] == f.step]
        if not where:
            raise NatsamError(f"monte_carlo: assumption {names[j]!r} varies step {f.step!r}, which this coin's log "
                              f"does not have before its aggregation ({', '.join(e['step'] for e in log)}).")
        positions[j] = where[0]
        for a, label in zip(f.alternatives, f.labels):
            logged = log[where[0]]["params"]
            params = {k: v for k, v in ({**({} if f.replace else logged), **a}).items() if v is not None}
            problems = check_step(f.step, params)
            if problems:
                raise NatsamError(f"monte_carlo: assumption {names[j]!r}, alternative {label!r}: "
                                  + "; ".join(m for _, m in problems) + ".")
    replace_steps = [factors[j].step for j in data_idx if factors[j].replace]
    dup = sorted({s for s in replace_steps if replace_steps.count(s) > 1})
    if dup:
        raise NatsamError(f"monte_carlo: several assumptions replace the parameters of step(s) {', '.join(dup)}; "
                          "combine them into one StepAlternatives.")
    data_idx.sort(key=lambda j: positions[j])

    # ---- the design
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)) if analysis == "UA" else saltelli_sample(n, d, rng)
    n_runs = X.shape[0]
    choice = np.column_stack([_pick(X[:, j], f.size) for j, f in enumerate(factors)])
    w_j = next((j for j, f in enumerate(factors) if isinstance(f, WeightNoise)), None)
    a_j = next((j for j, f in enumerate(factors) if isinstance(f, AggregationAlternatives)), None)
    if w_j is not None:
        noise = factors[w_j].noise
        missing = [lv for lv in noise if lv not in fw.levels]
        if missing:
            raise NatsamError(f"monte_carlo: WeightNoise levels {missing} are not levels of the framework {fw.levels}.")
        level_of = np.array([fw.level_of(c) for c in plan.codes])
        half = np.array([noise.get(int(lv), 0.0) for lv in level_of])
        pool = base_w * (1.0 + (2.0 * rng.random((factors[w_j].size, len(plan.codes))) - 1.0) * half)
    agg_alts = factors[a_j].alternatives if a_j is not None else (nominal_agg,)

    # ---- data variants: one rebuild per combination of data-affecting choices
    units = coin.data["aggregated"].index
    agg_from = agg_entry["from"]
    data_key = choice[:, data_idx] if data_idx else np.zeros((n_runs, 0), dtype=np.int64)
    combos, combo_of_run = np.unique(data_key, axis=0, return_inverse=True)
    combo_of_run = combo_of_run.reshape(-1)
    agg_of_run = choice[:, a_j] if a_j is not None else np.zeros(n_runs, dtype=np.int64)
    groups: dict[tuple[int, int], np.ndarray] = {}
    for key in np.unique(np.column_stack([combo_of_run, agg_of_run]), axis=0):
        groups[(int(key[0]), int(key[1]))] = np.flatnonzero((combo_of_run == key[0]) & (agg_of_run == key[1]))
    n_batches = sum(-(-len(r) // batch_size) if w_j is not None else 1 for r in groups.values())
    bar = tqdm(total=len(combos) + n_batches, desc="Osäkerhetsanalys", disable=not progress, leave=False)

    clock = time.perf_counter()
    matrices: list[np.ndarray] = []
    work = _working_copy(coin)
    current: tuple[int, ...] | None = None
    for combo in combos:
        combo_t = tuple(int(c) for c in combo)
        if data_idx and combo_t != current:
            first = 0 if current is None else next(i for i, (a, b) in enumerate(zip(combo_t, current)) if a != b)
            start = positions[data_idx[first]]
            for i in range(start, agg_pos):
                entry = log[i]
                params = copy.deepcopy(entry["params"])
                for jj, c in zip(data_idx, combo_t):
                    f = factors[jj]
                    if f.step == entry["step"]:
                        params = {**({} if f.replace else params), **copy.deepcopy(f.alternatives[c])}
                params = {k: v for k, v in params.items() if v is not None}
                try:
                    work.run_step(entry["step"], from_=entry["from"], **params)
                except NatsamError as exc:
                    labels = ", ".join(f"{names[jj]}: {factors[jj].labels[c]}" for jj, c in zip(data_idx, combo_t))
                    raise NatsamError(f"monte_carlo: rebuilding the index with {labels} failed at step "
                                      f"{entry['step']!r}: {exc}") from exc
            current = combo_t
        frame = work.data[agg_from].reindex(units)
        matrices.append(frame[list(plan.indicators)].to_numpy(dtype=float))
        bar.update(1)

    seconds = {"rebuilds": time.perf_counter() - clock}
    clock = time.perf_counter()

    # ---- aggregate every run, in batches
    scores = np.full((len(units), n_runs), np.nan)
    for (ci, ai), runs in groups.items():
        params = {**nominal_agg, **agg_alts[ai]}
        method = params.pop("method")
        if w_j is None:
            out = aggregate_array(matrices[ci], plan, base_w, method, **params)[:, t_col]
            scores[:, runs] = out[:, None]
            bar.update(1)
            continue
        for b0 in range(0, len(runs), batch_size):
            sel = runs[b0:b0 + batch_size]
            out = aggregate_array(matrices[ci], plan, pool[choice[sel, w_j]], method, **params)[..., t_col]
            scores[:, sel] = out.T
            bar.update(1)
    bar.close()
    seconds["aggregation"] = time.perf_counter() - clock
    clock = time.perf_counter()

    # ---- the design table, and the summary
    design = pd.DataFrame(
        {name: (np.asarray(f.labels, dtype=object)[choice[:, j]] if not isinstance(f, WeightNoise)
                else choice[:, j]) for j, (name, f) in enumerate(zip(names, factors))},
        index=pd.Index(_run_labels(n_runs), name="run"),
    )
    if analysis == "SA":
        dead = np.isnan(scores).all(axis=0)
        if dead.any():
            bad = design[dead].drop_duplicates().head(3).to_dict("records")
            raise NatsamError(f"monte_carlo: {int(dead.sum())} runs gave no scores at all (e.g. {bad}); a Sobol "
                              "analysis needs every run. Check the combination (a geometric mean of negative "
                              "z-scores, for instance) or drop the alternative.")
    nominal_scores = coin.data["aggregated"][target].reindex(units).to_numpy(dtype=float)
    info: dict[str, Any] = {
        "data_builds": len(combos),
        "factors": {k: type(f).__name__ for k, f in zip(names, factors)},
        "failed_runs": int(np.isnan(scores).all(axis=0).sum()),
        "weight_sets": (pd.DataFrame(pool, columns=list(plan.codes)).rename_axis("set") if w_j is not None else None),
        "seconds": seconds,
    }
    result = _summarise(scores, nominal_scores, [str(u) for u in units], analysis=analysis, n=n, names=names,
                        n_boot=n_boot, rng=rng, first_order=first_order, design=design, target=target, info=info)
    seconds["summary"] = time.perf_counter() - clock
    return result


def regenerate_run(coin: Coin, assumptions: Mapping[str, Assumption], result: UncertaintyResult,
                   run: str | int) -> Coin:
    """Rebuild the index of one Monte Carlo run from scratch with :meth:`Coin.regenerate`.

    For tracing a run back ("what did the index look like in run r_17?") and as the straightforward
    (slow) way of computing a run, against which :func:`monte_carlo` is checked and benchmarked.

    Parameters
    ----------
    coin, assumptions
        As given to :func:`monte_carlo`.
    result
        Its result (the run's choices are in ``result.design``, the weight sets in ``result.info``).
    run
        Run label (``"r_17"``) or 0-based position.

    Examples
    --------
    >>> variant = regenerate_run(coin, assumptions, res, "r_17")            # doctest: +SKIP
    >>> variant.data["aggregated"]["Index"].equals(res.scores["r_17"])      # doctest: +SKIP
    True
    """
    design = result.design
    if design is None:
        raise NatsamError("regenerate_run: this result has no design table (it was not made by monte_carlo).")
    row = design.iloc[run] if isinstance(run, (int, np.integer)) else design.loc[run]
    changes: dict[str, dict[str, Any]] = {}
    weights: dict[str, float] | None = None
    agg: dict[str, Any] = {}
    for name, f in assumptions.items():
        if isinstance(f, WeightNoise):
            weights = result.info["weight_sets"].loc[int(row[name])].to_dict()
        elif isinstance(f, AggregationAlternatives):
            agg = dict(f.alternatives[f.labels.index(row[name])])
        else:
            alt = dict(f.alternatives[f.labels.index(row[name])])
            step = changes.setdefault(f.step, {})
            if f.replace:
                logged = next(e["params"] for e in coin.log if e["step"] == f.step)
                step.update({k: None for k in logged if k not in alt})
            step.update(alt)
    if weights is None:
        weights = coin.weights.dropna().to_dict()
    changes["aggregate"] = {**agg, "weights": weights}
    return coin.regenerate(changes)


class _quiet_nan_warnings:
    """Silence numpy's 'all-NaN slice' / 'mean of empty slice' warnings (a unit absent from every run)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)
