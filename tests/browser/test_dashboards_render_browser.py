"""Every dashboard draws every chart, on a desktop and on a phone, with no error anywhere.

For each notebook in ``dashboards/`` and each screen (1280x800 and 390x844): every plotly figure on
the page has drawn marks (bars, lines or markers, map paths), no output shows "Javascript Error",
nothing is written to stderr, no console or page error occurs, no request leaves the machine, and
the page is no wider than the screen (nothing to scroll sideways on a phone). The figures are drawn
by the dashboards' partial plotly.js (the version of the plotly package, the trace types of
``TRACE_TYPES``), each once, and jupyterlab-plotly's bundle is not loaded.
"""

from __future__ import annotations

import plotly.offline
import pytest
from conftest import DESKTOP, PHONE

from natsam_analysis import config
from natsam_analysis.dashboard.figure import TRACE_TYPES

PLOT = ".js-plotly-plot"
TIMEOUT = 90_000  # ms: kernel start plus first execution on a slow CI machine
#: dashboard -> (its root element, how many figures it shows, how many of them are maps)
DASHBOARDS = {
    "kommunprofil.ipynb": (".natsam-kommunprofil", 3, 1),
    "indexutforskaren.ipynb": (".natsam-indexutforskaren", 2, 1),
    "agenda2030.ipynb": (".natsam-agenda2030", 3, 0),
    "enkat.ipynb": (".natsam-enkat", 2, 0),
    "portfolj.ipynb": (".natsam-portfolj", 4, 0),
    "systemhinder.ipynb": (".natsam-systemhinder", 6, 0),
}
#: What counts as a drawn mark in a plot: bars, line paths, scatter points, map areas, heatmap cells.
MARKS = (".barlayer .point path, .scatterlayer .js-line, .scatterlayer .point, "
         ".choroplethlayer path.choroplethlocation, .scattergeolayer .point, .heatmaplayer .hm image")


def test_every_dashboard_is_covered():
    """A new dashboard must be added to DASHBOARDS (and so to the rendering checks)."""
    assert sorted(p.name for p in config.dashboards_dir().glob("*.ipynb")) == sorted(DASHBOARDS)


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
@pytest.mark.parametrize("notebook", sorted(DASHBOARDS))
def test_dashboard_draws_every_chart(page, voila, notebook):
    root, n_figures, n_maps = DASHBOARDS[notebook]
    page.goto(voila.url(notebook), timeout=TIMEOUT)
    page.wait_for_selector(root, timeout=TIMEOUT)
    # every figure drawn with marks (an output that failed to render shows no plot at all)
    page.wait_for_function(
        f"""() => {{
            const plots = Array.from(document.querySelectorAll('{PLOT}'));
            return plots.length >= {n_figures} && plots.every(gd => gd.querySelectorAll('{MARKS}').length > 0);
        }}""", timeout=TIMEOUT)
    figures = page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd => {{
        const size = gd._fullLayout._size;
        const frame = gd.getBoundingClientRect();
        const box = el => {{ const r = el.getBoundingClientRect();
            return {{left: r.left - frame.left, right: r.right - frame.left, top: r.top - frame.top,
                     bottom: r.bottom - frame.top}}; }};
        const title = gd.querySelector('.gtitle'), legend = gd.querySelector('.legend');
        return {{marks: gd.querySelectorAll('{MARKS}').length, width: gd._fullLayout.width,
                 plotWidth: size.w, plotHeight: size.h, traces: gd._fullData.map(t => t.type),
                 texts: Array.from(gd.querySelectorAll('.gtitle, .annotation, .legend')).map(box),
                 title: title && box(title), legend: legend && box(legend)}};
    }})""")
    assert len(figures) == n_figures
    for fig in figures:
        assert fig["marks"] > 0, fig
        assert fig["plotWidth"] > 0 and fig["plotHeight"] > 0, fig  # room left for the plot itself
        assert fig["width"] <= page.viewport_size["width"], fig  # no figure wider than the screen
        # title, source note and legend are inside the figure, and the legend is below the title
        assert all(t["left"] >= -1 and t["right"] <= fig["width"] + 1 for t in fig["texts"]), fig
        if fig["title"] and fig["legend"]:
            assert fig["title"]["bottom"] <= fig["legend"]["top"], fig
    maps = [f for f in figures if "choropleth" in f["traces"]]
    assert len(maps) == n_maps and all(m["marks"] >= 290 for m in maps)  # every municipality on a map
    # drawn by the template's partial plotly.js, each figure once; jupyterlab-plotly is not loaded
    drawn = page.evaluate("""() => ({
        version: window.Plotly && window.Plotly.version,
        traces: window.Plotly ? Object.keys(window.Plotly.PlotSchema.get().traces).sort() : [],
        draws: Array.from(document.querySelectorAll('.natsam-figure')).map(el => el.dataset.draws),
        scripts: performance.getEntriesByType('resource').map(r => r.name)})""")
    assert drawn["version"] == plotly.offline.get_plotlyjs_version()
    assert drawn["traces"] == sorted(TRACE_TYPES)
    assert drawn["draws"] == ["1"] * n_figures, drawn["draws"]
    assert any(name.endswith("/plotly-natsam.min.js") for name in drawn["scripts"])
    assert not any("jupyterlab-plotly" in name for name in drawn["scripts"])
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the screen"
    page.assert_clean()


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_long_indicator_names_stay_readable_on_a_phone(page, voila):
    """Long indicator titles become wrapped, shortened tick labels; the hover shows the full title."""
    page.goto(voila.url("kommunprofil.ipynb"), timeout=TIMEOUT)
    page.wait_for_selector(f"{PLOT} .barlayer .point", timeout=TIMEOUT)
    bars = page.evaluate(f"""() => {{
        const gd = Array.from(document.querySelectorAll('{PLOT}')).find(g => g._fullData.some(t => t.type === 'bar'));
        const bar = gd._fullData.find(t => t.type === 'bar');
        return {{labels: Array.from(bar.y), full: Array.from(bar.customdata).map(c => c[0]),
                 plotWidth: gd._fullLayout._size.w, width: gd._fullLayout.width}};
    }}""")
    for shown, full in zip(bars["labels"], bars["full"]):
        lines = shown.split("<br>")
        assert len(lines) <= 3 and all(len(line) <= 26 for line in lines), shown
        assert shown.replace("<br>", " ").rstrip("…").strip() in full or shown.endswith("…")
    assert any(len(full) > 26 for full in bars["full"])  # the check above had long titles to wrap
    assert bars["plotWidth"] >= 0.3 * bars["width"]  # the bars keep a third of the figure or more
    page.hover(f"{PLOT} .barlayer .point", force=True)  # plotly's drag layer takes the mouse and hovers
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    hover = page.evaluate("() => document.querySelector('.hoverlayer .hovertext').textContent")
    assert any(hover.startswith(full) for full in bars["full"]), hover
    page.assert_clean()
