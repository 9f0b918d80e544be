"""Reliability of a survey construct: Cronbach's alpha, McDonald's omega total and item-rest correlations.

Every function takes one construct's items as a DataFrame: one row per respondent, one column per
item, answers already reverse-coded (items marked (R) turned around before they get here) and "Vet ej /
Ej relevant" already missing. The numbers agree with R's **psych** package (William Revelle, *psych:
Procedures for Psychological, Psychometric, and Personality Research*, Northwestern University,
https://CRAN.R-project.org/package=psych, GPL >= 2), checked against reference values that
``tools/r/psych_reference.R`` computed with psych 2.2.9 on public data sets shipped with psych/psychTools
(``tests/fixtures/psych_reference``): alpha and item-rest to 1e-6 and omega within 0.01 are required;
on those data sets all three agree to about 1e-15, and on a tiny made-up scale with a loading above 1
(where the minres fit ends on a bound) omega agrees to 2e-4.

Complete cases
--------------
A respondent with any missing item is left out of every statistic here (listwise deletion), so all
statistics of a construct rest on the same people. :func:`complete_items` returns the rows used and
records how many were left out in ``attrs`` (``n_rows``, ``n_complete``, ``n_dropped``);
:func:`reliability_summary` reports the counts beside the statistics and :func:`item_rest_correlations`
carries them in ``attrs``. (psych's ``alpha`` itself defaults to pairwise covariances; the reference
values are psych run on the complete cases, ``na.omit(x)``.)

Formulas
--------
With *k* items, covariance matrix :math:`C` and correlation matrix :math:`R` of the complete cases:

* **Cronbach's alpha** (raw, covariance based; psych ``alpha()$total$raw_alpha``):
  :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\sum_{ij} C_{ij}}\\right)`
  (Cronbach 1951).
* **Item-rest correlation** (psych ``r.drop``): the Pearson correlation of item *i* with the sum of the
  other items, :math:`r_{i,rest} = \\frac{\\sum_{j \\ne i} C_{ij}}{\\sqrt{C_{ii}\\,\\sum_{j,l \\ne i} C_{jl}}}`.
* **McDonald's omega total** from a one-factor model (psych
  ``omega(x, nfactors = 1, fm = "minres")$omega.tot``; McDonald 1999, Revelle & Zinbarg 2009). One factor
  is fitted to :math:`R` by *minres* exactly as psych's ``fa(R, 1, fm = "minres")`` fits it: the
  uniquenesses :math:`\\psi` minimise the sum of squared off-diagonal residuals
  :math:`\\sum_{i<j} (R_{ij} - \\lambda_i\\lambda_j)^2`, where :math:`\\lambda` is the first eigenvector of
  :math:`R` with :math:`1 - \\psi` on its diagonal, scaled by the root of its eigenvalue; started from
  :math:`\\psi = 1 - \\text{SMC}` and bounded to :math:`[0.005, 1]`, with psych's gradient and R's
  ``optim`` L-BFGS-B settings (scipy's L-BFGS-B; see :func:`_minres_one_factor`). Then
  :math:`u_i = 1 - \\lambda_i^2` and, as psych computes it,

  .. math:: \\omega_t = \\frac{\\sum_{ij} R_{ij} - \\sum_i u_i}{\\sum_{ij} R_{ij}}

  i.e. the denominator is the *observed* total variance of the standardised items. (The textbook form
  :math:`(\\sum\\lambda)^2 / ((\\sum\\lambda)^2 + \\sum u)` puts the *model-implied* total there instead;
  the two agree when one factor fits the correlations, and differ by the sum of the off-diagonal
  residuals otherwise.) A loading above 1 (a Heywood case, a negative :math:`u_i`) is kept, as psych
  keeps it. Like psych (``flip = TRUE``) an item loading negatively is reflected before the
  sums; a negative loading (and a negative item-rest correlation) usually means an item that should
  have been reverse-coded.

Validation
----------
At least 2 items, unique column names, numeric columns, finite values, at least 3 complete rows and no
item without variance among them; anything else raises :class:`~natsam_analysis.errors.ValidationError`
(a :class:`~natsam_analysis.errors.NatsamError`) listing every problem at once.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika* 16, 297-334.
McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
Revelle, W. and Zinbarg, R. E. (2009). Coefficients alpha, beta, omega and the glb. *Psychometrika* 74, 145-154.
Revelle, W. (2022). *psych: Procedures for Psychological, Psychometric, and Personality Research*,
R package version 2.2.9.

Examples
--------
>>> import pandas as pd
>>> items = pd.DataFrame({"q1": [3, 3, 3, 2, 3, 1, 3, 5], "q2": [2, 3, 1, 1, 1, 2, 2, 5],
...                       "q3": [3, 3, 1, 2, 3, 2, 2, 4], "q4": [2, 3, 4, 1, 3, 3, 3, 4]})
>>> round(cronbach_alpha(items), 4), round(mcdonald_omega(items), 4)
(0.808, 0.8232)
>>> item_rest_correlations(items).round(3).tolist()
[0.751, 0.787, 0.612, 0.405]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from natsam_analysis.errors import ValidationError

MIN_ITEMS = 2
MIN_COMPLETE_ROWS = 3
#: psych's bounds on the uniquenesses in its minres fit (``optim(..., lower = 0.005, upper = 1)``).
UNIQUENESS_BOUNDS = (0.005, 1.0)
#: psych's scaling of the uniquenesses for the optimiser (``control = list(parscale = rep(0.01, ...))``).
PARSCALE = 0.01
WHAT = "reliability items"
HINT = ("Pass one construct's items as a DataFrame: one row per respondent, one numeric column per item, "
        "reverse-coded items already turned around and 'Vet ej / Ej relevant' as missing.")


def _problems(items: pd.DataFrame) -> list[str]:
    """Every problem with the items table itself (before complete cases are taken)."""
    problems = []
    if items.shape[1] < MIN_ITEMS:
        problems.append(f"{items.shape[1]} item column(s) ({list(map(str, items.columns))}); a construct "
                        f"needs at least {MIN_ITEMS} items")
    duplicated = items.columns[items.columns.duplicated()].unique()
    for name in duplicated:
        problems.append(f"column {name!r} appears more than once; give every item its own name")
    for position, name in enumerate(items.columns):
        column = items.iloc[:, position]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            bad = column.dropna()
            example = f", e.g. {bad.iloc[0]!r} in row {int(np.flatnonzero(column.notna())[0]) + 1}" if len(bad) else ""
            problems.append(f"column {name!r} is not numeric (dtype {column.dtype}{example}); "
                            "code the answers as numbers (1-5) and missing answers as empty")
            continue
        values = column.to_numpy(dtype=float, na_value=np.nan)
        for row in np.flatnonzero(np.isinf(values))[:5]:
            problems.append(f"row {row + 1} (1-based data row), column {name!r}: value {values[row]:g} is "
                            "not finite; use a number on the response scale or leave it empty")
    return problems


def complete_items(items: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``items`` with every item answered, as floats, after validating the items.

    ``attrs`` records ``n_rows`` (rows given), ``n_complete`` (rows kept) and ``n_dropped`` (rows left
    out because at least one item is missing).

    Raises
    ------
    ValidationError
        Fewer than 2 items, duplicate or non-numeric columns, infinite values, fewer than 3 complete
        rows, or an item with no variance among the complete rows (every problem listed at once).

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, None, 4], "b": [2, 1, 3, 4]})
    >>> used = complete_items(items)
    >>> len(used), used.attrs["n_dropped"]
    (3, 1)
    """
    if not isinstance(items, pd.DataFrame):
        raise ValidationError(WHAT, [f"expected a pandas DataFrame of items, got {type(items).__name__}"],
                              hint=HINT)
    problems = _problems(items)
    if problems:
        raise ValidationError(WHAT, problems, hint=HINT)
    values = items.astype(float)
    complete = values.dropna(how="any")
    n_rows, n_complete = len(values), len(complete)
    if n_complete < MIN_COMPLETE_ROWS:
        problems.append(f"only {n_complete} of {n_rows} row(s) answer every item; at least "
                        f"{MIN_COMPLETE_ROWS} complete rows are needed (rows with any missing item are left out)")
    else:
        for name in complete.columns:
            column = complete[name]
            if column.nunique() < 2:
                problems.append(f"column {name!r} has the same value ({float(column.iloc[0]):g}) in all {n_complete} "
                                "complete rows; an item without variance says nothing about reliability, "
                                "leave it out of the construct")
    if problems:
        raise ValidationError(WHAT, problems, hint=HINT)
    complete = complete.copy()
    complete.attrs = {"n_rows": n_rows, "n_complete": n_complete, "n_dropped": n_rows - n_complete}
    return complete


def _covariance(complete: pd.DataFrame) -> np.ndarray:
    return np.cov(complete.to_numpy(), rowvar=False, ddof=1)


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha from the item covariances (psych's ``raw_alpha``), on the complete rows.

    Examples
    --------
    >>> cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]}))
    1.0
    """
    complete = complete_items(items)
    cov = _covariance(complete)
    k = cov.shape[0]
    total = cov.sum()
    if total <= 0:
        raise ValidationError(WHAT, [f"the sum of the items has no variance (sum of covariances {total:.6g}); "
                                     "alpha is undefined - check that reverse-coded items were turned around"],
                              hint=HINT)
    return float(k / (k - 1) * (1.0 - np.trace(cov) / total))


def item_rest_correlations(items: pd.DataFrame) -> pd.Series:
    """Each item's correlation with the sum of the other items (psych's ``r.drop``), in column order.

    The Series is indexed by item; ``attrs`` holds ``n_rows``, ``n_complete`` and ``n_dropped``.

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 1, 4, 3], "c": [1, 3, 2, 4]})
    >>> item_rest_correlations(items).round(4).tolist()
    [0.9899, 0.3162, 0.4472]
    """
    complete = complete_items(items)
    cov = _covariance(complete)
    column_sums = cov.sum(axis=0)
    total = cov.sum()
    variances = np.diag(cov)
    rest_variance = total - 2.0 * column_sums + variances
    problems = [f"column {name!r}: the sum of the other items has no variance; its item-rest correlation is "
                "undefined - check the reverse coding" for name, v in zip(complete.columns, rest_variance)
                if v <= 1e-12 * max(total, 1.0)]
    if problems:
        raise ValidationError(WHAT, problems, hint=HINT)
    values = (column_sums - variances) / np.sqrt(variances * rest_variance)
    result = pd.Series(values, index=complete.columns.copy(), name="item_rest_r", dtype=float)
    result.attrs = dict(complete.attrs)
    return result


def _smc(corr: np.ndarray) -> np.ndarray:
    """Squared multiple correlations of each item with the others, clipped to [0, 1]."""
    try:
        inverse = np.linalg.inv(corr)
    except np.linalg.LinAlgError:
        inverse = np.linalg.pinv(corr)
    with np.errstate(divide="ignore", invalid="ignore"):
        smc = 1.0 - 1.0 / np.diag(inverse)
    return np.clip(np.nan_to_num(smc, nan=1.0), 0.0, 1.0)


def _first_factor(reduced: np.ndarray) -> np.ndarray:
    """The loadings of the first principal axis of a reduced correlation matrix."""
    eigenvalues, eigenvectors = np.linalg.eigh(reduced)
    return eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1], 0.0))


def _minres_one_factor(corr: np.ndarray) -> np.ndarray:
    """One-factor minres loadings of a correlation matrix, fitted the way psych 2.2.9's ``fa`` fits them.

    psych's ``fit.residuals`` (the sum of squared off-diagonal residuals of the first principal axis of
    ``R`` with ``1 - psi`` on the diagonal) is minimised over the uniquenesses ``psi`` with psych's
    gradient ``FAgr.minres`` (the diagonal of ``loadings loadings' + diag(psi) - R``), from psych's start
    ``1 - SMC``, by L-BFGS-B as R's ``optim`` runs it for psych: bounds [0.005, 1], ``parscale = 0.01``,
    R's default tolerance ``factr = 1e7`` (relative reduction ``1e7 * machine epsilon``), 5 corrections
    and at most 100 iterations.
    """
    k = corr.shape[0]
    lower = np.tril_indices(k, -1)
    eps = np.finfo(float).eps

    def objective(scaled: np.ndarray) -> tuple[float, np.ndarray]:
        psi = scaled * PARSCALE
        reduced = corr.copy()
        np.fill_diagonal(reduced, 1.0 - psi)
        eigenvalues, eigenvectors = np.linalg.eigh(reduced)
        first = eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1], 100 * eps))
        error = float(np.sum((reduced - np.outer(first, first))[lower] ** 2))
        loadings = eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1], 0.0))
        gradient = loadings**2 + psi - np.diag(corr)
        return error, gradient * PARSCALE

    start = 1.0 - _smc(corr)
    bounds = [(UNIQUENESS_BOUNDS[0] / PARSCALE, UNIQUENESS_BOUNDS[1] / PARSCALE)] * k
    fit = minimize(objective, np.clip(start, *UNIQUENESS_BOUNDS) / PARSCALE, jac=True, method="L-BFGS-B",
                   bounds=bounds, options={"ftol": 1e7 * eps, "gtol": 0.0, "maxcor": 5, "maxiter": 100})
    loadings = _first_factor(corr - np.diag(fit.x * PARSCALE))
    return -loadings if loadings.sum() < 0 else loadings


def one_factor_loadings(items: pd.DataFrame) -> pd.Series:
    """The standardised loadings of a one-factor minres model of the items' correlations (complete rows).

    The model :func:`mcdonald_omega` uses (psych ``fa(r, 1, fm = "minres")``); signs are chosen so the
    loadings sum to a positive number. ``attrs`` holds ``n_rows``, ``n_complete`` and ``n_dropped``.

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [3, 3, 3, 2, 3, 1, 3, 5], "q2": [2, 3, 1, 1, 1, 2, 2, 5],
    ...                       "q3": [3, 3, 1, 2, 3, 2, 2, 4], "q4": [2, 3, 4, 1, 3, 3, 3, 4]})
    >>> one_factor_loadings(items).round(3).tolist()
    [0.819, 0.925, 0.716, 0.426]
    """
    complete = complete_items(items)
    corr = np.corrcoef(complete.to_numpy(), rowvar=False)
    result = pd.Series(_minres_one_factor(corr), index=complete.columns.copy(), name="loading", dtype=float)
    result.attrs = dict(complete.attrs)
    return result


def mcdonald_omega(items: pd.DataFrame) -> float:
    """McDonald's omega total from one minres factor, as psych's ``omega(x, nfactors = 1)$omega.tot``.

    ``(sum(R) - sum(1 - loading**2)) / sum(R)`` on the correlation matrix ``R`` of the complete rows, items
    with a negative loading reflected first (see the module docstring).

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [3, 3, 3, 2, 3, 1, 3, 5], "q2": [2, 3, 1, 1, 1, 2, 2, 5],
    ...                       "q3": [3, 3, 1, 2, 3, 2, 2, 4], "q4": [2, 3, 4, 1, 3, 3, 3, 4]})
    >>> round(mcdonald_omega(items), 4)
    0.8232
    """
    complete = complete_items(items)
    corr = np.corrcoef(complete.to_numpy(), rowvar=False)
    loadings = _minres_one_factor(corr)
    key = np.where(loadings < 0, -1.0, 1.0)
    reflected = corr * np.outer(key, key)
    total = reflected.sum()
    uniqueness = np.sum(1.0 - loadings**2)
    return float((total - uniqueness) / total)


def reliability_summary(items: pd.DataFrame) -> pd.Series:
    """Alpha, omega total and the complete-case counts of one construct, as one Series.

    Index: ``n_items``, ``n_rows``, ``n_complete``, ``n_dropped``, ``alpha``, ``omega_total``,
    ``min_item_rest`` (the lowest item-rest correlation) and ``min_item_rest_item`` (its item).

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [3, 3, 3, 2, 3, 1, 3, 5, 4], "q2": [2, 3, 1, 1, 1, 2, 2, 5, None],
    ...                       "q3": [3, 3, 1, 2, 3, 2, 2, 4, 3], "q4": [2, 3, 4, 1, 3, 3, 3, 4, 3]})
    >>> summary = reliability_summary(items)
    >>> int(summary["n_dropped"]), round(summary["alpha"], 3), summary["min_item_rest_item"]
    (1, 0.808, 'q4')
    """
    complete = complete_items(items)
    rest = item_rest_correlations(complete)
    return pd.Series({
        "n_items": complete.shape[1],
        "n_rows": complete.attrs["n_rows"],
        "n_complete": complete.attrs["n_complete"],
        "n_dropped": complete.attrs["n_dropped"],
        "alpha": cronbach_alpha(complete),
        "omega_total": mcdonald_omega(complete),
        "min_item_rest": float(rest.min()),
        "min_item_rest_item": rest.idxmin(),
    }, dtype=object, name="reliability")
