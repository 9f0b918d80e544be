"""The dashboards' figures drawn by plotly.js itself, at every width from a phone's to a desktop's.

A figure that plotly.js cannot lay out at some width fails only in the browser ("Something went
wrong with axis scaling" when margins leave an axis a negative length). Each figure is drawn with
the plotly.js that ships with plotly (the renderer Voila serves bundles the same release) into a
plain page, at widths where a dashboard column can end up, and must draw with room for its plot.
"""

from __future__ import annotations

from pathlib import Path

import plotly
import pytest

from natsam_analysis.viz.theme import mimebundle

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Widths (px) a figure can get: a phone column, half a tablet, half and all of a desktop.
WIDTHS = (280, 320, 356, 420, 571, 686, 1000, 1246)


@pytest.fixture(scope="module")
def dashboard_figures():
    from natsam_analysis.dashboard import KommunprofilApp
    from natsam_analysis.dashboard.indexutforskaren import IndexutforskarenApp

    profile = KommunprofilApp()
    explorer = IndexutforskarenApp()
    figures = {
        "kommunprofil.percentiles": profile.percentile_figure(),
        "kommunprofil.series": profile.series_figure(),
        "kommunprofil.map": profile.map_figure(),
        "indexutforskaren.ranking": explorer.ranking_figure(),
        "indexutforskaren.map": explorer.map_figure(),
    }
    profile.select(municipality_id="2584", pillar=profile.pillars[-1], lang="en")  # other labels, English
    figures["kommunprofil.percentiles.en"] = profile.percentile_figure()
    return {name: mimebundle(fig)["application/vnd.plotly.v1+json"] for name, fig in figures.items()}


@pytest.fixture(scope="module")
def plotly_page(browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_content("<html><body style='margin:0'><div id='host'></div></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    yield page
    page.close()


def test_every_figure_draws_at_every_width(dashboard_figures, plotly_page):
    failures = []
    for name, payload in dashboard_figures.items():
        for width in WIDTHS:
            result = plotly_page.evaluate("""async ([payload, width]) => {
                const host = document.getElementById('host');
                host.innerHTML = '';
                const gd = document.createElement('div');
                gd.style.width = width + 'px';
                host.appendChild(gd);
                try {
                    await Plotly.newPlot(gd, payload.data, payload.layout, payload.config);
                } catch (error) {
                    return {error: String(error)};
                }
                return {width: gd._fullLayout.width, plot: gd._fullLayout._size.w,
                        marks: gd.querySelectorAll('.point, .js-line, path.choroplethlocation').length};
            }""", [payload, width])
            if "error" in result or result["plot"] <= 0 or result["marks"] == 0:
                failures.append((name, width, result))
    assert failures == []
