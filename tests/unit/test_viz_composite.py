"""Figures of the index audit and uncertainty (natsam_analysis.viz.composite) and the published index."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from natsam_analysis.composite import load_spec
from natsam_analysis.composite import uncertainty as ua
from natsam_analysis.composite.published import published_spec_path, uncertainty_assumptions
from natsam_analysis.viz import composite as figures
from natsam_analysis.viz.theme import source_note

NOTE = "Demodata – syntetiska värden, inte officiell statistik"
NAMES = {"a": "Alfa", "b": "Beta", "c": "Gamma", "d": "Delta"}


def _note(fig) -> str:
    return source_note(fig) or ""


def test_rank_interval_chart_draws_every_interval_and_names_the_platforms():
    stats = pd.DataFrame({"Nominal": [1, 2, 3, 4], "Q5": [1, 1, 2, 3], "Q95": [2, 4, 3, 4]}, index=list("abcd"))
    fig = figures.rank_interval_chart(stats, NAMES, note=NOTE, platforms={"b", "d"})
    others, other_points, platforms, platform_points = fig.data
    # one vertical segment per unit: (x, Q5), (x, Q95), gap
    assert list(others.x) == [1, 1, 1, 3, 3, 3]
    assert [v for v in others.y if not np.isnan(v)] == [1, 2, 2, 3]
    assert [v for v in platforms.y if not np.isnan(v)] == [1, 4, 3, 4]
    assert list(platform_points.text) == ["Beta", "Delta"]
    assert other_points.text is None
    assert NOTE in _note(fig)
    assert tuple(fig.layout.yaxis.range) == (5, 0)  # rank 1 at the top


def test_sensitivity_chart_error_bars_span_the_bootstrap_interval():
    sens = pd.DataFrame({"Variable": ["Vikter", "Aggregering"], "Si": [0.1, 0.5], "STi": [0.2, 0.7],
                         "Si_q5": [0.0, 0.4], "Si_q95": [0.3, 0.55], "STi_q5": [0.15, 0.6], "STi_q95": [0.25, 0.9]})
    fig = figures.sensitivity_chart(sens, note=NOTE, lang="en")
    si, sti = fig.data
    assert list(si.x) == ["Vikter", "Aggregering"] and si.name == "First-order effect (Si)"
    np.testing.assert_allclose(si.error_y.array, [0.2, 0.05])
    np.testing.assert_allclose(si.error_y.arrayminus, [0.1, 0.1])
    np.testing.assert_allclose(sti.error_y.array, [0.05, 0.2])
    assert NOTE in _note(fig)


def test_correlation_heatmap_prints_each_coefficient_and_leaves_missing_cells_blank():
    corr = pd.DataFrame([[1.0, -0.45], [-0.45, np.nan]], index=["x", "Index"], columns=["x", "Index"])
    fig = figures.correlation_heatmap(corr, {"x": "Kompetens"}, note=NOTE)
    heat = fig.data[0]
    assert list(heat.x) == ["Kompetens", "Index"]
    assert heat.text.tolist() == [["1.00", "-0.45"], ["-0.45", ""]]
    assert (heat.zmin, heat.zmax) == (-1, 1)


def test_variant_scatter_keeps_units_ranked_in_both_variants_only():
    a = pd.Series({"a": 1, "b": 2, "c": 3, "d": 4})
    b = pd.Series({"a": 2, "b": 1, "c": 3})
    fig = figures.variant_scatter(a, b, NAMES, note=NOTE, axis_titles=("A", "B"), platforms={"b"})
    diagonal, others, platforms = fig.data
    assert list(others.x) == [1, 3] and list(others.y) == [2, 3]
    assert list(platforms.text) == ["Beta"]
    assert fig.layout.xaxis.title.text == "A" and fig.layout.yaxis.title.text == "B"


def test_published_spec_and_its_uncertainty_assumptions():
    spec = load_spec(published_spec_path())
    assert spec.name == "Innovationsförmåga"
    assumptions = uncertainty_assumptions()
    assert list(assumptions) == ["Imputering", "Winsorisering", "Normalisering", "Vikter", "Aggregering"]
    assert isinstance(assumptions["Vikter"], ua.WeightNoise)
    # only the choices of steps a spec has are varied
    assert list(uncertainty_assumptions(["treat", "aggregate"])) == ["Winsorisering", "Vikter", "Aggregering"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_label_of_the_figures_exists_in_both_languages(lang):
    stats = pd.DataFrame({"Nominal": [1, 2], "Q5": [1, 1], "Q95": [2, 2]}, index=["a", "b"])
    fig = figures.rank_interval_chart(stats, NAMES, note=NOTE, platforms={"a"}, lang=lang)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert "{" not in fig.layout.xaxis.title.text
