"""Time to the first plot of each dashboard against the first output of an empty notebook.

Also the time until every chart of a dashboard is drawn (each plot with marks in it), or "never"
when one is still missing 30 s after the first plot (a chart that fails to render).

The dashboards (Kommunprofil, Indexutforskaren) and the empty notebook are served by one Voila server started exactly as ``natsam serve`` starts it; each is
opened several times in a fresh browser context (alternating, so drift in the machine's load hits
both), and the medians are compared. Target: ratio <= 1.5.

    .venv/bin/python benchmarks/dashboard_render.py [--runs 5]

Needs Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from natsam_analysis import config
from natsam_analysis.serve import VoilaServer, free_port, prepare_data, prepare_index

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EMPTY_MARKER = "Tom anteckningsbok"
TIMEOUT = 120_000
EMPTY = "empty notebook, first output"
#: dashboard notebook -> what its first plot looks like in the page
DASHBOARDS = {
    "kommunprofil": ".js-plotly-plot .barlayer .point, .js-plotly-plot .choroplethlayer path",
    "indexutforskaren": ".js-plotly-plot .barlayer .point, .js-plotly-plot .choroplethlayer path",
}
#: dashboard notebook -> how many charts it draws
FIGURES = {"kommunprofil": 3, "indexutforskaren": 2}
MARKS = ".barlayer .point, .scatterlayer .js-line, .scatterlayer .point, .choroplethlayer path"
ALL_DRAWN_TIMEOUT = 30_000  # ms after the first plot


def all_drawn_script(n_figures: int) -> str:
    """A page function true once ``n_figures`` plots are on the page, each with drawn marks."""
    return (f"() => {{ const plots = Array.from(document.querySelectorAll('.js-plotly-plot')); "
            f"return plots.length >= {n_figures} && plots.every(gd => gd.querySelector('{MARKS}')); }}")


def write_empty_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"print({EMPTY_MARKER!r})")]
    nbformat.write(nb, path)


def time_page(browser, url: str, selector: str, n_figures: int = 0) -> tuple[float, float | None]:
    """Seconds to the first match of ``selector`` and (with ``n_figures``) until every chart is
    drawn, ``None`` when that did not happen within 30 s of the first plot."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_selector(selector, timeout=TIMEOUT, state="visible")
    first = time.perf_counter() - start
    every: float | None = None
    if n_figures:
        try:
            page.wait_for_function(all_drawn_script(n_figures), timeout=ALL_DRAWN_TIMEOUT)
            every = time.perf_counter() - start
        except PlaywrightTimeout:
            every = None
    context.close()
    return first, every


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="page loads per notebook (default 5)")
    args = parser.parse_args(argv)

    prepare_data()
    prepare_index()  # as natsam serve does: the index explorer's first start reads its cache
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in DASHBOARDS:
            shutil.copy(config.dashboards_dir() / f"{name}.ipynb", root / f"{name}.ipynb")
        write_empty_notebook(root / "tom.ipynb")
        with VoilaServer(root, port=free_port(), log_path=root / "voila.log") as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            cases = {EMPTY: (server.url("tom.ipynb"), f"text={EMPTY_MARKER}", 0)}
            cases.update({f"{name}, first plot": (server.url(f"{name}.ipynb"), selector, FIGURES[name])
                          for name, selector in DASHBOARDS.items()})
            # one warm-up each (first kernel start, browser caches), not counted
            for url, selector, n_figures in cases.values():
                time_page(browser, url, selector, n_figures)
            times: dict[str, list[float]] = {name: [] for name in cases}
            every: dict[str, list[float | None]] = {name: [] for name in DASHBOARDS}
            for _ in range(args.runs):
                for name, (url, selector, n_figures) in cases.items():
                    first, all_drawn = time_page(browser, url, selector, n_figures)
                    times[name].append(first)
                    if n_figures:
                        every[name.removesuffix(", first plot")].append(all_drawn)
            browser.close()

    medians = {name: statistics.median(values) for name, values in times.items()}
    width = max(map(len, medians))
    for name, values in times.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:<{width}}  median {medians[name]:6.2f} s   runs: {runs}")
    for name, values in every.items():
        drawn = [v for v in values if v is not None]
        runs = ", ".join("never" if v is None else f"{v:.2f}" for v in values)
        median = f"{statistics.median(drawn):6.2f} s" if len(drawn) == len(values) else "   never"
        print(f"{name + ', every chart':<{width}}  median {median}   runs: {runs}")
    for name in DASHBOARDS:
        ratio = medians[f"{name}, first plot"] / medians[EMPTY]
        print(f"ratio ({name} / empty notebook): {ratio:.2f}   target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
