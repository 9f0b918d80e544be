"""Indexutforskaren (index explorer): the dashboard behind ``dashboards/indexutforskaren.ipynb``.

The published NATSAM index of innovation and transformation capacity (``data/indices/
innovationsformaga.yaml``) for all 290 municipalities, on a map and as a ranking with each
municipality's rank uncertainty. Viewers move a weight slider per pillar and choose the normalisation
and the aggregation; the map and the ranking follow at once. A variant is one spec: the sliders and
choices only change the published spec (:meth:`IndexutforskarenApp.variant_spec`), and the scores
shown are what :func:`~natsam_analysis.composite.build_index` gives for that spec - computed through
the engine's vectorised :func:`~natsam_analysis.composite.aggregate_array` on normalised matrices
kept from start-up (a normalisation change renormalises the treated data once; nothing else is
rebuilt). The current variant can be downloaded as its spec (YAML, rebuildable with ``natsam index
build``) and as a table (CSV).

The rank intervals come from a Monte Carlo uncertainty analysis of the published spec
(:func:`rank_uncertainty`, :mod:`natsam_analysis.composite.uncertainty`), run once and cached under
the data directory, keyed by the panel's sha256 and the spec.

Examples
--------
>>> app = IndexutforskarenApp()                         # doctest: +SKIP
>>> app.select(weights={"kompetens": 2}, aggregation="geometric")   # doctest: +SKIP
>>> app.ranking().head(3)                               # doctest: +SKIP
"""

from __future__ import annotations

import base64
import copy
import hashlib
import html
import json
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from natsam_analysis import catalog as catalog_mod
from natsam_analysis import config, geography, store
from natsam_analysis.composite import (
    AggregationPlan,
    Coin,
    aggregate_array,
    build_index,
    catalog_framework,
    load_spec,
    normalise,
    rank_scores,
)
from natsam_analysis.composite.published import (
    published_spec_path,
    uncertainty_assumptions,
)
from natsam_analysis.composite.spec import IndexSpec
from natsam_analysis.dashboard.base import DEFAULT_MUNICIPALITY, MunicipalityDashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import chart_with_table, fluid_layout, guarded, plain_title, table_html
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.panel import source_line
from natsam_analysis.viz import charts, maps

#: Municipalities at the top of the ranking chart (the platforms and the selected one are added).
TOP_N = 20
#: Normalisations offered (label key, step parameters). ``positive``: every value > 0, so the
#: geometric mean is defined.
NORMALISATIONS: dict[str, dict[str, Any]] = {
    "minmax": {"label": "norm_minmax", "params": {"method": "minmax", "range": [1, 100]}, "positive": True},
    "zscore": {"label": "norm_zscore", "params": {"method": "zscore", "mean": 0, "sd": 1}, "positive": False},
    "rank": {"label": "norm_rank", "params": {"method": "percentile", "scale": 100}, "positive": False},
}
#: Aggregations offered: method -> label key. The geometric mean needs a positive normalisation.
AGGREGATIONS: dict[str, str] = {"arithmetic": "agg_arithmetic", "geometric": "agg_geometric"}
NEEDS_POSITIVE = {"geometric"}
#: Weight slider range and step.
WEIGHT_MAX = 5.0
WEIGHT_STEP = 0.25
#: Monte Carlo runs and seed of the rank uncertainty shown for the published index.
UNCERTAINTY_RUNS = 200
UNCERTAINTY_SEED = 20260101
#: Bump when :func:`uncertainty_assumptions` or :func:`explorer_inputs` change (invalidates caches).
CACHE_VERSION = 1
RANK_STAT_COLUMNS = ["Nominal", "Mean", "Median", "Q5", "Q95"]
#: Keys of a spec step that are not the step's parameters.
STEP_KEYS = ("step", "from", "to")


# --------------------------------------------------------------------------------------------------
# rank uncertainty of the published index


def panel_fingerprint(panel: pd.DataFrame) -> str:
    """The panel's sha256 from its provenance, else a hash of its contents."""
    sha = panel.attrs.get("provenance", {}).get("sha256")
    if sha:
        return str(sha)
    values = pd.util.hash_pandas_object(panel, index=False).to_numpy()
    return hashlib.sha256(values.tobytes()).hexdigest()


def explorer_cache_path(spec: IndexSpec, panel: pd.DataFrame, n_runs: int, seed: int) -> Path:
    """Where :func:`explorer_inputs` caches its result for ``spec`` on ``panel`` (under the data directory)."""
    key = json.dumps({"panel": panel_fingerprint(panel), "spec": spec.to_dict(), "runs": int(n_runs),
                      "seed": int(seed), "version": CACHE_VERSION}, sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
    return config.cache_dir() / "indices" / f"explorer-{digest}.parquet"


def rank_uncertainty(coin: Coin, *, n_runs: int = UNCERTAINTY_RUNS, seed: int = UNCERTAINTY_SEED) -> pd.DataFrame:
    """Rank statistics of a built index over a Monte Carlo of :func:`uncertainty_assumptions`.

    Runs :func:`natsam_analysis.composite.uncertainty.monte_carlo` on ``coin`` (seeded) and keeps, per
    unit, the nominal rank and the mean, median, 5th and 95th percentile of its rank over the runs.

    Returns
    -------
    DataFrame indexed by unit code (``uCode``) with columns ``Nominal, Mean, Median, Q5, Q95``.

    Examples
    --------
    >>> stats = rank_uncertainty(build_index(published_spec_path()), n_runs=100)   # doctest: +SKIP
    >>> stats.loc["2584", ["Q5", "Q95"]].tolist()                                  # doctest: +SKIP
    [258.0, 266.0]
    """
    from natsam_analysis.composite.uncertainty import monte_carlo

    assumptions = uncertainty_assumptions(entry["step"] for entry in coin.log)
    result = monte_carlo(coin, assumptions, n=n_runs, seed=seed)
    stats = result.rank_stats[RANK_STAT_COLUMNS].copy()
    stats.index = stats.index.astype(str).rename("uCode")
    return stats


def explorer_inputs(spec: IndexSpec, panel: pd.DataFrame, *, n_runs: int = UNCERTAINTY_RUNS,
                    seed: int = UNCERTAINTY_SEED, cache: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the index explorer needs from a full build of ``spec`` on ``panel``, cached.

    Builds the index (:func:`~natsam_analysis.composite.build_index`) and runs its uncertainty analysis
    (:func:`rank_uncertainty`) once; the result is cached as one parquet file (written atomically)
    under ``<data dir>/cache/indices``, keyed by the panel's sha256, the spec, ``n_runs`` and ``seed``,
    so later starts read it instead of rebuilding.

    Returns
    -------
    (DataFrame, DataFrame)
        The data set the spec's ``normalise`` step reads (units x indicators, e.g. the treated data),
        and the rank statistics (:func:`rank_uncertainty`), both indexed by ``uCode``.
    """
    path = explorer_cache_path(spec, panel, n_runs, seed)
    if cache and path.exists():
        try:
            table = pd.read_parquet(path).set_index("uCode")
            data = table[[c for c in table.columns if c.startswith("data:")]]
            stats = table[[f"rank:{c}" for c in RANK_STAT_COLUMNS]]
            data.columns = [c[5:] for c in data.columns]
            stats.columns = RANK_STAT_COLUMNS
            return data, stats
        except (OSError, ValueError, KeyError):
            pass  # unreadable or from another version: built again and replaced
    coin = build_index(spec, panel=panel)
    position = max(i for i, entry in enumerate(spec.steps) if entry["step"] == "normalise")
    data = coin.data[coin.log[position]["from"]][coin.framework.indicators]
    stats = rank_uncertainty(coin, n_runs=n_runs, seed=seed)
    if cache:
        table = pd.concat([data.add_prefix("data:"), stats.add_prefix("rank:")], axis=1)
        table.index.name = "uCode"
        store.write_parquet(table.reset_index(), path)
    return data, stats


def published_ranking(panel: pd.DataFrame | None = None, *, spec: Any = None, n_runs: int = UNCERTAINTY_RUNS,
                      seed: int = UNCERTAINTY_SEED) -> pd.DataFrame:
    """The published index as the index explorer first shows it: every municipality's score, rank and
    pillar scores, with the rank's uncertainty interval.

    The scores are a build of the spec (:func:`~natsam_analysis.composite.build_index`); the interval
    comes from :func:`explorer_inputs`, so a current cache (``natsam serve`` and ``prepare_index``
    write it) means no Monte Carlo run.

    Returns
    -------
    DataFrame indexed by ``municipality_id``: ``name``, ``platform``, ``score``, ``rank``, one column per
    pillar, ``rank_low`` and ``rank_high`` (5th and 95th percentile of the rank over the runs) and
    ``rank_median``; ``attrs["index"]`` is the index's name and ``attrs["pillars"]`` its pillars.

    Examples
    --------
    >>> published_ranking().loc["1281", ["rank", "rank_low", "rank_high"]].tolist()   # doctest: +SKIP
    [199.0, 190.0, 212.0]
    """
    from natsam_analysis.panel import load_panel

    panel = load_panel() if panel is None else panel
    spec = load_spec(published_spec_path() if spec is None else spec)
    coin = build_index(spec, panel=panel)
    _, stats = explorer_inputs(spec, panel, n_runs=n_runs, seed=seed)
    top = coin.framework.top
    pillars = list(coin.framework.children(top))
    scores = coin.data["aggregated"]
    names = geography.municipality_names()
    table = pd.DataFrame({"name": [names.get(m, m) for m in scores.index],
                          "platform": [m in geography.PLATFORM_MUNICIPALITIES for m in scores.index]},
                         index=pd.Index(scores.index, name="municipality_id"))
    table["score"] = scores[top]
    table["rank"] = _ranks(scores[top])
    for pillar in pillars:
        table[pillar] = scores[pillar]
    table["rank_low"] = stats["Q5"].reindex(table.index)
    table["rank_high"] = stats["Q95"].reindex(table.index)
    table["rank_median"] = stats["Median"].reindex(table.index)
    table.attrs = {"index": spec.name, "pillars": pillars, "provenance": dict(panel.attrs.get("provenance", {}))}
    return table


# --------------------------------------------------------------------------------------------------
# downloads


def download_link(data: bytes, filename: str, mime: str, text: str, css_class: str) -> str:
    """An HTML link that downloads ``data`` as ``filename``, carried in a ``data:`` URI (no request)."""
    uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<a class="{css_class}" download="{html.escape(filename)}" href="{uri}" '
            f'style="margin-right:18px">&#x2193; {html.escape(text)}</a>')


# --------------------------------------------------------------------------------------------------
# the app


class IndexutforskarenApp(MunicipalityDashboard):
    """The index-explorer dashboard as an object: widgets, figures and a ``select`` method.

    Parameters
    ----------
    panel
        The indicator panel (default :func:`natsam_analysis.load_panel`).
    spec
        The published spec (a path, dict or ``IndexSpec``; default :func:`published_spec_path`).
    municipality_id, lang
        The initial selection (default Stockholm, Swedish).
    uncertainty_runs, seed
        Monte Carlo runs and seed of the rank uncertainty (cached; see :func:`rank_uncertainty`).
    """

    notebook = "indexutforskaren.ipynb"

    def __init__(self, panel: pd.DataFrame | None = None, *, spec: Any = None,
                 municipality_id: str = DEFAULT_MUNICIPALITY, lang: str | None = None,
                 uncertainty_runs: int = UNCERTAINTY_RUNS, seed: int = UNCERTAINTY_SEED):
        self._init_common(panel, municipality_id, lang)
        self.published = load_spec(published_spec_path() if spec is None else spec)

        self._norm_step = self._step("normalise")
        self._agg_step = self._step("aggregate")
        normalisation, aggregation = self._published_choices()
        self.normalise_input, self.uncertainty = explorer_inputs(self.published, self.panel,
                                                                 n_runs=uncertainty_runs, seed=seed)
        self.framework = catalog_framework(self.published)  # the framework build_index gives the coin
        self.plan = AggregationPlan.from_framework(self.framework)
        self.pillars = list(self.framework.children(self.framework.top))
        self.units = self.normalise_input.index
        self.n_units = len(self.units)
        weights = self.framework.weight.reindex(self.pillars).astype(float).to_dict()
        self.published_state = (weights, normalisation, aggregation)
        self.weights, self.normalisation, self.aggregation = copy.deepcopy(self.published_state)
        self._normalised: dict[str, np.ndarray] = {}
        self._published = self._scores()
        self._compute()
        self._build_widgets()
        self._build_figures()
        self._refresh_text()
        self._refresh_downloads()

    # ------------------------------------------------------------------ public
    @property
    def is_published(self) -> bool:
        """True while the weights and choices are those of the published spec."""
        return (self.weights, self.normalisation, self.aggregation) == self.published_state

    def select(self, *, weights: dict[str, float] | None = None, normalisation: str | None = None,
               aggregation: str | None = None, municipality_id: str | None = None, lang: str | None = None) -> None:
        """Change the variant (pillar weights, normalisation, aggregation), the municipality or the language.

        ``weights`` maps pillar ids to weights (others keep theirs). Everything is validated first: a
        bad argument raises :class:`~natsam_analysis.errors.NatsamError` and leaves the app as it was.
        Only what depends on the change is recomputed and redrawn.
        """
        new_lang = self.lang if lang is None else check_language(lang)
        new_mid = self.municipality_id if municipality_id is None else self._check_municipality(municipality_id)
        new_weights = dict(self.weights)
        for pillar, value in (weights or {}).items():
            new_weights[self._check_pillar(pillar)] = self._check_weight(pillar, value)
        new_norm = self.normalisation if normalisation is None else self._check_choice(
            normalisation, NORMALISATIONS, "normalisation")
        new_agg = self.aggregation if aggregation is None else self._check_choice(aggregation, AGGREGATIONS, "aggregation")
        if sum(new_weights.values()) <= 0:
            raise NatsamError(label("weights_all_zero", new_lang))
        if new_agg in NEEDS_POSITIVE and not NORMALISATIONS[new_norm]["positive"]:
            raise NatsamError(label("geometric_needs_positive", new_lang,
                                    normalisation=label(NORMALISATIONS[new_norm]["label"], new_lang)))
        variant_changed = (new_weights, new_norm, new_agg) != (self.weights, self.normalisation, self.aggregation)
        language_changed = new_lang != self.lang
        municipality_changed = new_mid != self.municipality_id
        if not (variant_changed or language_changed or municipality_changed):
            return
        self.weights, self.normalisation, self.aggregation = new_weights, new_norm, new_agg
        self.lang, self.municipality_id = new_lang, new_mid
        if variant_changed:
            self._compute()
        self._sync_widgets()
        self._refresh_text()
        if variant_changed or language_changed:
            self._refresh_downloads()
        self.chart.show(self.ranking_figure())  # the smaller figure first: the ranking appears sooner
        self.map.show(self.map_figure())
        self.ranking_table.value, self.map_table.value = self.ranking_table_html(), self.map_table_html()

    def reset(self) -> None:
        """Back to the published spec (weights, normalisation and aggregation)."""
        weights, normalisation, aggregation = self.published_state
        self.select(weights=weights, normalisation=normalisation, aggregation=aggregation)

    def variant_spec(self) -> IndexSpec:
        """The current variant as a spec: the published spec with the current weights and choices.

        Building it with :func:`~natsam_analysis.composite.build_index` gives the scores the
        dashboard shows.
        """
        raw = self.published.to_dict()
        framework = dict(raw.get("framework") or {})
        framework["weights"] = {**dict(framework.get("weights") or {}), **self.weights}
        raw["framework"] = framework
        norm_params, agg_params = self._step_params()
        steps = []
        for i, entry in enumerate(raw["steps"]):
            head = {k: entry[k] for k in STEP_KEYS if k in entry}
            if i == self._norm_step:
                entry = {**head, **norm_params}
            elif i == self._agg_step:
                entry = {**head, **agg_params}
            steps.append(entry)
        raw["steps"] = steps
        if not self.is_published:
            raw["description"] = label("variant_description", self.lang, name=self.published.name)
        return load_spec(raw)

    def ranking(self) -> pd.DataFrame:
        """The current variant's scores and ranks, with the published rank and its uncertainty interval.

        Indexed by municipality id: ``name``, ``platform``, ``score`` (the index), ``rank``, one column
        per pillar score, ``published_score``, ``published_rank``, ``rank_low`` and ``rank_high``
        (5th and 95th percentile of the published rank over the Monte Carlo runs).
        """
        return self._ranking.copy()

    def spec_yaml(self) -> str:
        """The current variant's spec as YAML (what the download link holds)."""
        kind = label("variant_published" if self.is_published else "variant_custom", self.lang)
        head = f"# {kind}: {self.published.name}\n# {source_line(self.provenance, self.lang, derived=True)}\n"
        return head + self.variant_spec().to_yaml()

    def results_csv(self) -> str:
        """The current variant's results as CSV text (UTF-8; the download link adds a BOM for Excel)."""
        table = self._ranking.rename(columns={"score": self.framework.top, "rank": f"Rank_{self.framework.top}"})
        table = table.reset_index()
        table["source"] = source_line(self.provenance, self.lang, derived=True)
        return table.to_csv(index=False, float_format="%.6g")

    # ------------------------------------------------------------------ computing
    def _step(self, name: str) -> int:
        where = [i for i, s in enumerate(self.published.steps) if s["step"] == name]
        if not where:
            raise NatsamError(f"{self.published.origin}: the spec has no {name!r} step; the index explorer needs "
                              "one normalise and one aggregate step.")
        return where[-1]

    def _published_choices(self) -> tuple[str, str]:
        """The published spec's normalisation and aggregation as dashboard options (or a clear error)."""
        norm = {k: v for k, v in self.published.steps[self._norm_step].items() if k not in STEP_KEYS}
        matches = [key for key, option in NORMALISATIONS.items() if option["params"] == norm]
        agg_step = self.published.steps[self._agg_step]
        agg = agg_step.get("method", "arithmetic")
        unsupported = sorted(set(agg_step) - {*STEP_KEYS, "method", "dat_thresh"})
        if unsupported:
            raise NatsamError(
                f"{self.published.origin}: step {self._agg_step + 1} (aggregate): the index explorer does not "
                f"support {', '.join(map(repr, unsupported))}; give weights under framework.weights instead.")
        if not matches or agg not in AGGREGATIONS:
            raise NatsamError(
                f"{self.published.origin}: the index explorer offers the normalisations "
                f"{[o['params'] for o in NORMALISATIONS.values()]} and the aggregations {list(AGGREGATIONS)}; "
                f"the spec uses {norm} and {agg!r}. Use one of them in the spec.")
        return matches[0], agg

    def _step_params(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The normalise and aggregate parameters of the current variant (used by the spec and the scores)."""
        norm = copy.deepcopy(NORMALISATIONS[self.normalisation]["params"])
        agg = {k: v for k, v in self.published.steps[self._agg_step].items() if k not in (*STEP_KEYS, "method")}
        return norm, {"method": self.aggregation, **agg}

    def _normalised_values(self, params: dict[str, Any]) -> np.ndarray:
        """The treated data normalised with ``params`` (units x indicators), computed once per choice."""
        key = json.dumps(params, sort_keys=True)
        if key not in self._normalised:
            frame = normalise(self.normalise_input, self.framework, **params)
            self._normalised[key] = frame[list(self.plan.indicators)].to_numpy(dtype=float)
        return self._normalised[key]

    def _scores(self) -> pd.DataFrame:
        """Every aggregate of the current variant (units x aggregates), by the engine's fast path."""
        norm_params, agg_params = self._step_params()
        values = self._normalised_values(norm_params)
        weights = self.plan.weight_vector(self.weights)
        method = agg_params.pop("method")
        agg = aggregate_array(values, self.plan, weights, method, **agg_params)
        return pd.DataFrame(agg, index=self.units, columns=list(self.plan.aggregates))

    def _compute(self) -> None:
        """Scores and ranks of the current variant, next to the published ones and their uncertainty."""
        scores = self._scores()
        top = self.framework.top
        table = pd.DataFrame({"name": [self.names.get(m, m) for m in self.units],
                              "platform": [m in geography.PLATFORM_MUNICIPALITIES for m in self.units]},
                             index=self.units)
        table["score"] = scores[top]
        table["rank"] = _ranks(scores[top])
        for pillar in self.pillars:
            table[pillar] = scores[pillar]
        table["published_score"] = self._published[top]
        table["published_rank"] = _ranks(self._published[top])
        table["rank_low"] = self.uncertainty["Q5"].reindex(self.units)
        table["rank_high"] = self.uncertainty["Q95"].reindex(self.units)
        table.index.name = "municipality_id"
        self._ranking = table

    # ------------------------------------------------------------------ checks
    def _check_pillar(self, pillar: str) -> str:
        if pillar not in self.pillars:
            raise NatsamError(f"Unknown pillar {pillar!r}; the index's pillars are {', '.join(self.pillars)}.")
        return pillar

    @staticmethod
    def _check_weight(pillar: str, value: Any) -> float:
        try:
            weight = float(value)
        except (TypeError, ValueError):
            weight = float("nan")
        if not (np.isfinite(weight) and 0 <= weight <= WEIGHT_MAX):
            raise NatsamError(f"Weight {value!r} for pillar {pillar!r} must be a number from 0 to {WEIGHT_MAX:g}.")
        return weight

    @staticmethod
    def _check_choice(value: str, options: dict, what: str) -> str:
        if value not in options:
            raise NatsamError(f"Unknown {what} {value!r}; choose one of {', '.join(options)}.")
        return value

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        self._build_common_widgets()
        self.summary = widgets.HTML()
        self.weights_heading = widgets.HTML()
        self.downloads = widgets.HTML()
        self.sliders: dict[str, widgets.FloatSlider] = {}
        self.shares: dict[str, widgets.HTML] = {}
        rows = []
        for pillar in self.pillars:
            slider = widgets.FloatSlider(
                value=self.weights[pillar], min=0.0, max=WEIGHT_MAX, step=WEIGHT_STEP, continuous_update=False,
                readout_format=".2f", style={"description_width": "200px"}, layout=fluid_layout("470px"))
            slider.add_class(f"natsam-weight-{pillar}")
            share = widgets.HTML(layout=widgets.Layout(width="56px", flex="0 0 56px"))
            self.sliders[pillar], self.shares[pillar] = slider, share
            rows.append(widgets.HBox([slider, share], layout=widgets.Layout(align_items="center", width="100%")))
        self.normalisation_choice = widgets.Dropdown(style={"description_width": "110px"}, layout=fluid_layout("400px"))
        self.aggregation_choice = widgets.Dropdown(style={"description_width": "110px"}, layout=fluid_layout("400px"))
        self.reset_button = widgets.Button(icon="undo", layout=fluid_layout("300px", margin="8px 0"))
        self.reset_button.add_class("natsam-reset")
        self._set_widget_labels()

        on = guarded(self.status, lambda: label("no_data", self.lang))
        self.language.observe(on(self._on_language), names="value")
        self.municipality.observe(on(self._on_municipality), names="value")
        for pillar, slider in self.sliders.items():
            slider.observe(on(lambda c, p=pillar: self._from_widget(weights={p: c["new"]})), names="value")
        self.normalisation_choice.observe(on(lambda c: self._from_widget(normalisation=c["new"])), names="value")
        self.aggregation_choice.observe(on(lambda c: self._from_widget(aggregation=c["new"])), names="value")
        self.reset_button.on_click(on(lambda _: self.reset()))
        self._weight_rows = rows

    def _from_widget(self, **change) -> None:
        """A viewer's change; programmatic updates (while syncing) are ignored, and a rejected choice
        puts the widgets back to the app's state before the message is shown."""
        if self._syncing:
            return
        try:
            self.select(**change)
        except NatsamError:
            self._sync_widgets()
            raise

    def _on_language(self, change) -> None:
        if change["new"] != self.lang:
            self.select(lang=change["new"])

    def _set_widget_labels(self) -> None:
        with self._syncing_widgets():
            lang = self.lang
            for pillar, slider in self.sliders.items():
                slider.description = catalog_mod.pillar_label(pillar, lang)
            self.normalisation_choice.options = [(label(o["label"], lang), k) for k, o in NORMALISATIONS.items()]
            self.normalisation_choice.value = self.normalisation
            self.normalisation_choice.description = label("normalisation", lang)
            self.aggregation_choice.options = [(label(key, lang), k) for k, key in AGGREGATIONS.items()]
            self.aggregation_choice.value = self.aggregation
            self.aggregation_choice.description = label("aggregation", lang)
            self.reset_button.description = label("reset_published", lang)
            self.municipality.placeholder = label("choose_municipality", lang)

    def _sync_widgets(self) -> None:
        with self._syncing_widgets():
            for pillar, slider in self.sliders.items():
                if slider.value != self.weights[pillar]:
                    slider.value = self.weights[pillar]
            self._sync_common_widgets()
        self._set_widget_labels()

    def _build_figures(self) -> None:
        self.map = FigureOutput(self.map_figure())
        self.chart = FigureOutput(self.ranking_figure())
        self.map_table = widgets.HTML(self.map_table_html())
        self.ranking_table = widgets.HTML(self.ranking_table_html())
        choices = widgets.VBox([self.weights_heading, *self._weight_rows, self.normalisation_choice,
                                self.aggregation_choice, self.reset_button, self.downloads],
                               layout=widgets.Layout(flex="0 1 560px", min_width="300px"))
        right = widgets.VBox([self.summary, self.map.widget, self.map_table],
                             layout=widgets.Layout(flex="1 1 420px", min_width="300px"))
        body = widgets.HBox([choices, right], layout=widgets.Layout(flex_flow="row wrap"))
        self._root = self._page([self.intro, self.municipality, self.status, body,
                                 chart_with_table(self.chart.widget, self.ranking_table)],
                                "natsam-indexutforskaren")

    # ------------------------------------------------------------------ figures
    def _note(self) -> str:
        return source_line(self.provenance, self.lang, derived=True)

    def _variant_label(self) -> str:
        return label("variant_published" if self.is_published else "variant_custom", self.lang)

    def map_figure(self):
        """The map of the current variant's index scores, the selected municipality outlined."""
        table = self._ranking
        return maps.municipality_map(
            table["score"], self.names, note=self._note(),
            title=label("index_map_title", self.lang, variant=self._variant_label()),
            colorbar_title=label("index_score", self.lang), highlight=self.municipality_id, direction=1,
            lang=self.lang, height=560, geojson=self.geojson,
        )

    def shown_municipalities(self) -> list[str]:
        """The ranking chart's rows: the top :data:`TOP_N`, the platforms and the selected municipality."""
        ranked = self._ranking["rank"].dropna().sort_values(kind="stable")
        top = ranked.index[:TOP_N].tolist()
        extra = [m for m in [*geography.PLATFORM_MUNICIPALITIES, self.municipality_id]
                 if m in self._ranking.index and m not in top]
        return top + list(dict.fromkeys(extra))

    def ranking_figure(self):
        """The ranking chart: top municipalities, platforms and the selected one, with rank intervals."""
        table = self._ranking.loc[self.shown_municipalities()].dropna(subset=["rank"])
        title = (f"{label('ranking_title', self.lang, variant=self._variant_label())}<br>"
                 f"<sub>{label('ranking_subtitle', self.lang, n=TOP_N)}</sub>")
        return charts.ranking_chart(table, note=self._note(), title=title, highlight=self.municipality_id,
                                    platforms=geography.PLATFORM_MUNICIPALITIES, n_units=self.n_units,
                                    lang=self.lang)

    # ------------------------------------------------------------------ table views
    def map_table_html(self) -> str:
        """The map as a table: every municipality's score, rank and rank interval, best first (it scrolls)."""
        table = charts.ranking_table(self._ranking, self.lang)
        return table_html(list(table.columns), table.to_numpy().tolist(), note=self._note(), max_height="420px",
                          caption=label("index_map_title", self.lang, variant=self._variant_label()))

    def ranking_table_html(self) -> str:
        """The ranking chart as a table: its municipalities with score, rank and rank interval."""
        table = charts.ranking_table(self._ranking.loc[self.shown_municipalities()].dropna(subset=["rank"]), self.lang)
        title = (f"{label('ranking_title', self.lang, variant=self._variant_label())}<br>"
                 f"{label('ranking_subtitle', self.lang, n=TOP_N)}")
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=plain_title(title), note=self._note())

    # ------------------------------------------------------------------ text
    def _number(self, value: float, decimals: int = 1) -> str:
        text = f"{value:.{decimals}f}"
        return text.replace(".", ",") if self.lang == "sv" else text

    def rank_text(self) -> str:
        """The selected municipality's rank in the variant and, with its interval, in the published index."""
        row = self._ranking.loc[self.municipality_id]
        name = row["name"]
        if pd.isna(row["rank"]):
            return label("no_rank", self.lang, name=name)
        text = label("rank_summary", self.lang, name=name, rank=int(row["rank"]), n=int(self._ranking["rank"].count()),
                     variant=self._variant_label())
        text += f" · {label('index_score', self.lang)} {self._number(row['score'])}"
        if pd.notna(row["published_rank"]) and pd.notna(row["rank_low"]):
            text += "<br>" + html.escape(label("rank_summary_published", self.lang, rank=int(row["published_rank"]),
                                               low=round(row["rank_low"]), high=round(row["rank_high"])))
        return text

    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = f"<p style='max-width:900px'>{html.escape(label('indexutforskaren_intro', lang))}</p>"
        self.weights_heading.value = f"<b>{html.escape(label('weights_heading', lang))}</b>"
        total = sum(self.weights.values())
        for pillar, share in self.shares.items():
            share.value = f"<span class='natsam-share'>{self._number(100 * self.weights[pillar] / total)} %</span>"
        self.summary.value = (f"<div class='natsam-rank' style='font-size:1.1em;margin:6px 0'>"
                              f"{self.rank_text()}</div>")

    def _refresh_downloads(self) -> None:
        stem = "innovationsformaga" + ("" if self.is_published else "-variant")
        yaml_link = download_link(self.spec_yaml().encode("utf-8"), f"{stem}.yaml", "application/x-yaml",
                                  label("download_spec", self.lang), "natsam-download-yaml")
        csv_link = download_link(self.results_csv().encode("utf-8-sig"), f"{stem}.csv", "text/csv",
                                 label("download_csv", self.lang), "natsam-download-csv")
        self.downloads.value = f"<div class='natsam-downloads' style='margin-top:8px'>{yaml_link}{csv_link}</div>"


def _ranks(scores: pd.Series) -> pd.Series:
    """Rank 1 = highest score, ties share the lowest rank, missing stays missing (the engine's ranks)."""
    return rank_scores(scores).astype("Float64").astype(float)
