"""The published NATSAM index: where its spec lives and which construction choices its uncertainty varies.

One place for what the research notebook (``notebooks/03_innovationsindex.ipynb``) and the index
explorer dashboard both need, so that the rank intervals they show come from the same analysis.
The reasons behind each choice are in ``data/indices/README.md``.

Examples
--------
>>> published_spec_path().name
'innovationsformaga.yaml'
>>> list(uncertainty_assumptions())
['Imputering', 'Winsorisering', 'Normalisering', 'Vikter', 'Aggregering']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from natsam_analysis import config

#: The published index of innovation and transformation capacity, relative to the project root.
PUBLISHED_SPEC = Path("data") / "indices" / "innovationsformaga.yaml"


def published_spec_path() -> Path:
    """The published spec of the NATSAM index (``data/indices/innovationsformaga.yaml``)."""
    return config.PROJECT_ROOT / PUBLISHED_SPEC


def uncertainty_assumptions(steps: Iterable[str] | None = None) -> dict[str, Any]:
    """The construction choices varied in the uncertainty analysis of the published index.

    Imputation (the municipality's own value up to two years back / no imputation / the county
    median), winsorisation limit (3-7 points), normalisation (min-max [1, 100] / z-scores with mean 10
    and sd 2, COINr's pair), weights (+-25 % noise on indicator and pillar weights) and aggregation
    (arithmetic / geometric mean). Keys are the Swedish names shown in tables and figures. With
    ``steps`` (the step names of a spec), choices of steps the spec does not have are left out.

    Examples
    --------
    >>> list(uncertainty_assumptions(["normalise", "aggregate"]))
    ['Normalisering', 'Vikter', 'Aggregering']
    """
    from natsam_analysis.composite import uncertainty as ua

    assumptions = {
        "Imputering": ua.imputation_alternatives(
            {"method": "latest", "max_age": 2}, {"method": "latest", "max_age": 0},
            {"method": "median_group", "group": "county_group"}),
        "Winsorisering": ua.winsorisation_limits((3, 4, 5, 6, 7)),
        "Normalisering": ua.normalisation_alternatives(
            {"method": "minmax", "range": [1, 100]}, {"method": "zscore", "mean": 10, "sd": 2}),
        "Vikter": ua.WeightNoise({1: 0.25, 2: 0.25}),
        "Aggregering": ua.AggregationAlternatives(["arithmetic", "geometric"]),
    }
    if steps is not None:
        present = set(steps)
        assumptions = {name: a for name, a in assumptions.items()
                       if not isinstance(a, ua.StepAlternatives) or a.step in present}
    return assumptions
