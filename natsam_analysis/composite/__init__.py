"""Composite indicators: the OECD/JRC handbook method in COINr's conventions.

* :mod:`~natsam_analysis.composite.framework` - the hierarchy (:class:`Framework`, from iMeta);
* :mod:`~natsam_analysis.composite.steps` - pure step functions (denominate, screen, impute, treat,
  normalise, aggregate), the fast aggregation path and weights;
* :mod:`~natsam_analysis.composite.spec` - YAML index specs and the steps they may name (parameters,
  data sets), validated up front;
* :mod:`~natsam_analysis.composite.coin` - :class:`Coin`: every data set plus the log of steps;
* :mod:`~natsam_analysis.composite.build` - :func:`build_index`: a spec built on iData/iMeta or the panel.

Each imports only the ones listed before it.

Examples
--------
>>> from natsam_analysis.composite import Framework, Coin, load_spec   # doctest: +SKIP
>>> coin = build_index("data/indices/coinr_example.yaml", idata=idata, imeta=imeta)  # doctest: +SKIP
"""

from natsam_analysis.composite.build import build_index
from natsam_analysis.composite.coin import Coin
from natsam_analysis.composite.framework import Framework
from natsam_analysis.composite.spec import (
    DATASETS,
    STEP_OUTPUT,
    IndexSpec,
    catalog_framework,
    load_spec,
)
from natsam_analysis.composite.steps import (
    AggregationPlan,
    aggregate,
    aggregate_array,
    denominate,
    effective_weights,
    equal_weights,
    fill_from_history,
    impute,
    normalise,
    pca_weights,
    rank_array,
    rank_scores,
    screen,
    skew_kurt,
    treat,
)

__all__ = [
    "DATASETS", "STEP_OUTPUT", "AggregationPlan", "Coin", "Framework", "IndexSpec", "aggregate",
    "aggregate_array", "build_index", "catalog_framework", "denominate", "effective_weights",
    "equal_weights", "fill_from_history", "impute", "load_spec", "normalise", "pca_weights",
    "rank_array", "rank_scores", "screen", "skew_kurt", "treat",
]
