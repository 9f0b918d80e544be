"""Every dashboard draws every chart, on a desktop and on a phone, with no error anywhere.

For each notebook in ``dashboards/`` and each screen (1280x800 and 390x844): every plotly figure on
the page has drawn marks (bars, lines or markers, map paths), no output shows "Javascript Error",
nothing is written to stderr, no console or page error occurs, no request leaves the machine, and
the page is no wider than the screen (nothing to scroll sideways on a phone). Before the widgets,
an inert preview shows the first screen, its first figure drawn, laid out exactly as the live
dashboard that replaces it (``natsam_analysis.dashboard.preview``); a page that cannot load plotly.js
shows the live dashboard, its figures asking to reload. The figures are drawn
by the dashboards' partial plotly.js (the version of the plotly package, the trace types of
``TRACE_TYPES``), each once, and neither jupyterlab-plotly's bundle nor MathJax (which Voila would
load for LaTeX the dashboards do not show) is loaded. Every dashboard has the
site's header (its title, the link back to the start page, the language toggle, the source or demo
note; compact on a phone) and footer.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import plotly.offline
import pytest
from conftest import DESKTOP, MARKS, PHONE, PLOT, wait_until_drawn, wait_until_live
from jupyter_core.paths import jupyter_path

from natsam_analysis import config
from natsam_analysis.dashboard import site
from natsam_analysis.dashboard.figure import NOT_LOADED, TRACE_TYPES
from natsam_analysis.i18n import DEMO_NOTE, label
from natsam_analysis.panel import is_synthetic
from natsam_analysis.serve import start_page_url

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
#: The header's most height on a phone (px of 844): the charts start on the first screen.
PHONE_HEADER_MAX = 200


@cache
def mathjax_files() -> set[str]:
    """The files of Voila's front end that hold MathJax 3 itself (loaded on the first typesetting)."""
    front_end = next(Path(p) for p in jupyter_path("voila", "templates", "base", "static") if Path(p, "voila.js").exists())
    files = {f.name for f in front_end.glob("*.js") if "AbstractOutputJax" in f.read_text(errors="replace")}
    assert files, f"no MathJax in {front_end}: Voila's build has changed, update this check"
    return files


def test_every_dashboard_is_covered():
    """A new dashboard must be added to DASHBOARDS (and so to the rendering checks)."""
    assert sorted(p.name for p in config.dashboards_dir().glob("*.ipynb")) == sorted(DASHBOARDS)


#: What a dashboard's preview (natsam-preview.js) shows once its figure is drawn: where its figures,
#: heading, fields and buttons are, how many marks its figure has, and whether it is inert.
PREVIEW_PROBE = """
new PerformanceObserver((entries, observer) => {
  if (!entries.getEntriesByName('natsam-preview-draw').length) return;
  observer.disconnect();
  const preview = document.querySelector('.natsam-preview');
  window.__natsamPreview = {inert: preview.inert, marks: preview.querySelectorAll('%(marks)s').length,
                            places: (%(places)s)(preview)};
}).observe({type: 'measure', buffered: true});
"""
#: The places that the preview and the live dashboard must have alike (x, y, width, height in px).
PLACES = """(root) => Object.fromEntries(Object.entries({
    figures: '.natsam-preview-figure, .natsam-figure', heading: 'h1',
    fields: 'select, input.widget-input, .widget-toggle-button, .widget-button, .noUi-handle'})
  .map(([name, selector]) => [name, Array.from(root.querySelectorAll(selector)).map(e => {
    const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height].map(Math.round); })]))"""


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
@pytest.mark.parametrize("notebook", sorted(DASHBOARDS))
def test_dashboard_draws_every_chart(page, voila, notebook):
    root, n_figures, n_maps = DASHBOARDS[notebook]
    page.add_init_script(PREVIEW_PROBE % {"marks": MARKS, "places": PLACES})
    page.goto(voila.url(notebook), timeout=TIMEOUT)
    wait_until_live(page, root, TIMEOUT)
    wait_until_drawn(page, n_figures, TIMEOUT)
    # Before the widgets, an inert preview showed the first screen with the first figure drawn,
    # laid out exactly like the live dashboard that replaced it (nothing moves when it comes).
    preview = page.evaluate("() => window.__natsamPreview")
    assert preview is not None, "no preview was drawn before the live dashboard"
    assert preview["inert"] and preview["marks"] > 0, preview
    live = page.evaluate(f"() => ({PLACES})(document.querySelector('{root}'))")
    assert len(preview["places"]["figures"]) == n_figures
    for name, places in preview["places"].items():
        assert len(places) == len(live[name]), (name, places, live[name])
        for shown, final in zip(places, live[name]):
            assert all(abs(a - b) <= 1 for a, b in zip(shown, final)), (name, shown, final)
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
        scripts: performance.getEntriesByType('resource').map(r => r.name),
        noLatex: performance.getEntriesByName('natsam-no-latex').length})""")
    assert drawn["version"] == plotly.offline.get_plotlyjs_version()
    assert drawn["traces"] == sorted(TRACE_TYPES)
    assert drawn["draws"] == ["1"] * n_figures, drawn["draws"]
    assert any(name.endswith("/plotly-natsam.min.js") for name in drawn["scripts"])
    assert not any("jupyterlab-plotly" in name for name in drawn["scripts"])
    # the template's natsam-no-latex.js replaced the LaTeX typesetter, so MathJax was not loaded
    assert drawn["noLatex"] == 1
    assert not mathjax_files() & {name.rsplit("/", 1)[-1] for name in drawn["scripts"]}
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the screen"
    _assert_site_header_and_footer(page, voila, notebook)
    page.assert_clean()


def _assert_site_header_and_footer(page, voila, notebook: str) -> None:
    """The site's header (first in the dashboard) and footer (last), as the registry describes the dashboard."""
    entry = site.dashboard_entry(notebook)
    root = DASHBOARDS[notebook][0]
    parts = page.evaluate(f"""() => {{
        const root = document.querySelector('{root}'), header = root.querySelector('.natsam-site-header');
        const footer = root.querySelector('.natsam-site-footer'), home = header.querySelector('a.natsam-home');
        const blocks = Array.from(root.children);
        return {{title: header.querySelector('h1').innerText.trim(), home: home.href, homeText: home.innerText,
                 toggle: Array.from(header.querySelectorAll('button')).map(b => b.innerText.trim()),
                 note: header.querySelector('.natsam-note').innerText, height: header.getBoundingClientRect().height,
                 first: blocks[0].contains(header), last: blocks[blocks.length - 1].contains(footer),
                 footer: footer.innerText, about: footer.querySelector('a').href,
                 headings: document.querySelectorAll('h1').length}};
    }}""")
    assert parts["first"] and parts["last"], parts
    assert parts["title"] == entry.title("sv") and parts["headings"] == 1
    assert parts["home"] == start_page_url(voila.host, voila.port)
    assert label("site_all_dashboards", "sv") in parts["homeText"]
    assert parts["toggle"] == ["Svenska", "English"]
    assert parts["about"] == start_page_url(voila.host, voila.port) + f"#{site.ABOUT_ID}"
    assert "natsam-analysis" in parts["footer"] and "Licens: MIT" in parts["footer"]
    demo = is_synthetic(site.served_provenance(entry.data))
    assert (DEMO_NOTE["sv"] in parts["note"]) == demo and (DEMO_NOTE["sv"] in parts["footer"]) == demo
    if page.viewport_size["width"] < 600:
        assert parts["height"] <= PHONE_HEADER_MAX, f"the header takes {parts['height']} px of a phone's screen"


@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["phone"])
def test_long_indicator_names_stay_readable_on_a_phone(page, voila):
    """Long indicator titles become wrapped, shortened tick labels; the hover shows the full title."""
    page.goto(voila.url("kommunprofil.ipynb"), timeout=TIMEOUT)
    wait_until_live(page, DASHBOARDS["kommunprofil.ipynb"][0], TIMEOUT)
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


def test_without_plotly_the_live_dashboard_says_so_instead_of_its_preview(page, voila):
    """If the page cannot load plotly.js, neither the preview nor the live figures can draw: the
    preview gives way to the live dashboard, whose figures ask the viewer to reload the page."""
    page.route("**/plotly-natsam.min.js", lambda route: route.abort())
    root, n_figures, _ = DASHBOARDS["kommunprofil.ipynb"]
    page.goto(voila.url("kommunprofil.ipynb"), timeout=TIMEOUT)
    wait_until_live(page, root, TIMEOUT)
    page.wait_for_function(f"() => document.querySelectorAll('.natsam-figure[data-error]').length === {n_figures}",
                           timeout=TIMEOUT)
    assert page.locator(".natsam-figure").all_inner_texts() == [NOT_LOADED] * n_figures
    assert page.locator(".natsam-preview").count() == 0 and page.locator(PLOT).count() == 0
    assert page.locator(f"{root} select").first.is_enabled()  # the controls are the live ones
