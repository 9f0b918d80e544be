"""How fast every dashboard answers: first plot against an empty notebook, redraws, kernel memory.

Every notebook in ``dashboards/`` and an empty notebook (one ``print``) are served by one Voila
server started exactly as ``natsam serve`` starts it (``--pool-size`` ready kernels per notebook).
Each page is opened ``--runs`` times in a fresh browser context at 1280x800, alternating between the
pages so that drift in the machine's load hits all of them, and always on an idle server (the
benchmark waits until the server's processes are quiet, so that a kernel being made ready for the
next viewer does not compete with the browser on the same machine). Reported, as medians:

- **first plot**: seconds from the request until a figure has drawn marks (the empty notebook: its
  printed line; a dashboard: the first figure of its preview, ``natsam_analysis.dashboard.preview``),
  each dashboard's ratio to the empty notebook and the worst ratio (target <= 1.5); also the time
  until the live widgets have replaced the preview and every figure of the dashboard is drawn;
- **breakdown** of a page load, in ms from the request: server (first byte), page transfer (last
  byte), front end loaded (load event), plotly.js ready (and its evaluation time), the preview shown
  and its figure drawn, the live first figure drawn, the live widgets shown, first plot; and what a kernel does before a viewer can see anything - kernel start, imports and
  app construction, measured in a fresh kernel (with ready kernels this is done before the viewer
  arrives);
- **redraws**: seconds from a change - the municipality, each drop-down (pillar, normalisation, ...),
  the first slider (a weight), the language - to the last figure redrawn (target <= 0.5);
- **kernel memory per viewer**: unique and resident memory of the kernel that serves one page, and
  what the ready kernels hold.

    .venv/bin/python benchmarks/dashboard_render.py [--runs 5] [--pool-size 1] [--only NAME ...]

Needs Debian's Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import KernelManager
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from natsam_analysis import config
from natsam_analysis.serve import DEFAULT_POOL_SIZE, VoilaServer, free_port, prepare_data, prepare_index

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}
EMPTY = "empty notebook"
EMPTY_MARKER = "Tom anteckningsbok"
TIMEOUT = 120_000  # ms
ALL_DRAWN_TIMEOUT = 30_000  # ms after the first plot
#: Drawn marks of every trace type the dashboards' plotly.js holds, inside a plot, and on the page.
MARK = (".barlayer .point, .scatterlayer .js-line, .scatterlayer .point, .choroplethlayer path, .boxlayer .box, "
        ".hm image, .pielayer .slice, .sankey .sankey-node, .funnellayer .point, .sunburstlayer .slice, "
        ".treemaplayer .slice")
MARKS = ", ".join(f".js-plotly-plot {mark}" for mark in MARK.split(", "))
#: Seconds without a new draw after which a redraw counts as finished.
QUIET = 1.0
REDRAW_TIMEOUT = 20.0
#: Seconds to wait for the server to have its kernels (a page's own and every ready kernel).
SETTLE_TIMEOUT = 60.0
#: The municipality chosen in the redraw test (another one if the dashboard starts on it).
OTHER_MUNICIPALITIES = ("Kiruna (2584)", "Lund (1281)")

# Recorded in every page from its start: when widgets first appear, when marks are first drawn, and
# every completed plotly.js draw (plotly_afterplot) of every figure. The page is looked at once per
# animation frame after a change, in the frame's callback: what is found there is painted in that
# frame. (Looking at every change cost a dashboard about 0.15 s more than an empty page.)
PAGE_PROBE = """
(() => {
  const probe = window.__natsamBench = {marks: {}, draws: []};
  const mark = (name) => { if (!(name in probe.marks)) probe.marks[name] = performance.now(); };
  const visible = (e) => e && e.checkVisibility();
  let queued = false;
  const check = () => {
    queued = false;
    if (!('widgets' in probe.marks) && visible(document.querySelector('.jupyter-widgets'))) mark('widgets');
    if (!('first_plot' in probe.marks) && Array.from(document.querySelectorAll(%(marks)s)).some(visible)) mark('first_plot');
    if (!('empty' in probe.marks) && Array.from(document.querySelectorAll('.jp-OutputArea-output'))
          .some(e => visible(e) && e.textContent.includes(%(empty)s))) mark('empty');
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (!gd.__natsamBench && gd.on) {
        gd.__natsamBench = true;
        gd.on('plotly_afterplot', () => probe.draws.push(performance.now()));
      }
    }
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(check); }
  }).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
})();
""" % {"marks": repr(MARKS), "empty": repr(EMPTY_MARKER)}

TIMELINE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const bundle = performance.getEntriesByType('resource').find(r => r.name.includes('plotly-natsam'));
  const ready = performance.getEntriesByName('natsam-plotly-ready')[0];
  const m = window.__natsamBench.marks;
  const draw = performance.getEntriesByName('natsam-figure-draw')[0];
  const preview = performance.getEntriesByName('natsam-preview-draw')[0];
  const shown = performance.getEntriesByName('natsam-preview-shown')[0];
  const live = performance.getEntriesByName('natsam-live')[0];
  return {server: nav.responseStart, transfer: nav.responseEnd, front_end: nav.loadEventEnd,
          widgets: live ? live.startTime : m.widgets ?? null, plotly_ready: ready ? ready.startTime : null,
          plotly_eval: ready && bundle ? ready.startTime - bundle.responseEnd : null,
          preview_shown: shown ? shown.startTime : null, preview_start: preview ? preview.startTime : null, preview: preview ? preview.duration : null,
          draw_start: draw ? draw.startTime : null, draw: draw ? draw.duration : null,
          first_plot: m.first_plot ?? m.empty ?? null};
}"""
TIMELINE_STEPS = [("server", "server (first byte)"), ("transfer", "page transfer (last byte)"),
                  ("front_end", "front end loaded"), ("plotly_ready", "plotly.js ready"),
                  ("plotly_eval", "  of which plotly.js evaluation"),
                  ("preview_shown", "preview shown (the front end shows the output)"),
                  ("preview_start", "preview's figure: drawing starts"), ("preview", "  and takes"),
                  ("draw_start", "live first figure: drawing starts"), ("draw", "  and takes"),
                  ("widgets", "live widgets shown (preview replaced)"),
                  ("first_plot", "first plot / first output")]


def write_empty_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"print({EMPTY_MARKER!r})")]
    nbformat.write(nb, path)


def median(values: list[float | None]) -> float | None:
    """The median of the values, ``None`` if any is missing (something never happened)."""
    if not values or any(v is None for v in values):
        return None
    return statistics.median(values)


def fmt(value: float | None, unit: str = "s", digits: int = 2) -> str:
    return "never" if value is None else f"{value:.{digits}f} {unit}".rstrip()


# ------------------------------------------------------------------------------------- the server
def server_processes(server: VoilaServer) -> list[psutil.Process]:
    root = psutil.Process(server._process.pid)
    return [root, *root.children(recursive=True)]


def settle(server: VoilaServer, kernels: int, *, threshold: float = 10.0, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait until the server is idle: it runs ``kernels`` kernels (every ready kernel, the one that
    replaces the kernel the last page took included, and those of the pages still open), and none of
    its processes (Voila and its kernels) is above ``threshold`` % of a core for two windows of 0.25 s
    in a row (or ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(kernel_processes(server)) != kernels:
        time.sleep(0.1)
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        procs = server_processes(server)
        for proc in procs:
            try:
                proc.cpu_percent(None)
            except psutil.Error:
                pass
        time.sleep(0.25)
        busiest = 0.0
        for proc in procs:
            try:
                busiest = max(busiest, proc.cpu_percent(None))
            except psutil.Error:
                pass
        quiet = quiet + 1 if busiest < threshold else 0


def kernel_memory(server: VoilaServer, kernel_id: str | None) -> tuple[float, float] | None:
    """(USS, RSS) in MB of the kernel process with ``kernel_id``."""
    if not kernel_id:
        return None
    for proc in server_processes(server):
        try:
            if any(kernel_id in part for part in proc.cmdline()):
                info = proc.memory_full_info()
                return info.uss / 2**20, info.rss / 2**20
        except psutil.Error:
            continue
    return None


def kernel_processes(server: VoilaServer) -> list[psutil.Process]:
    out = []
    for proc in server_processes(server):
        try:
            if "ipykernel_launcher" in " ".join(proc.cmdline()):
                out.append(proc)
        except psutil.Error:
            continue
    return out


# --------------------------------------------------------------------------------------- the page
def page_kernel_id(page) -> str | None:
    names = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)")
    for name in names:
        match = re.search(r"/api/kernels/([0-9a-f-]{36})", name)
        if match:
            return match.group(1)
    return None


def open_page(browser, url: str, *, dashboard: bool):
    """Open ``url`` in a fresh context; return (context, page, seconds to first plot or output,
    seconds until every figure is drawn or None)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.add_init_script(PAGE_PROBE)
    start = time.perf_counter()
    page.goto(url, timeout=TIMEOUT)
    page.wait_for_selector(MARKS if dashboard else f"text={EMPTY_MARKER}", timeout=TIMEOUT, state="visible")
    first = time.perf_counter() - start
    every = None
    if dashboard:
        try:
            # the live widgets replaced the preview, and every figure of the page has drawn marks
            page.wait_for_function(
                """(marks) => { const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
                   const views = document.querySelectorAll('.natsam-figure');
                   return performance.getEntriesByName('natsam-live').length > 0
                          && plots.length > 0 && plots.length >= views.length
                          && plots.every(gd => gd.querySelector(marks)); }""",
                arg=MARK, timeout=ALL_DRAWN_TIMEOUT)
            every = time.perf_counter() - start
        except PlaywrightTimeout:
            every = None
    # the page tells the server it has drawn: the successor of its ready kernel starts now
    try:
        page.wait_for_function("() => window.natsamPageDrawn === true", timeout=ALL_DRAWN_TIMEOUT)
    except PlaywrightTimeout:
        print(f"\n  {url}: the page never reported that it had drawn", flush=True)
    return context, page, first, every


def wait_for_redraw(page, since: float) -> float | None:
    """Seconds from ``since`` (page clock, ms) to the last draw, once no draw has come for QUIET s."""
    deadline = time.monotonic() + REDRAW_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        draws = [t for t in page.evaluate("window.__natsamBench.draws") if t > since]
        now = page.evaluate("performance.now()")
        if draws and now - max(draws) >= QUIET * 1000:
            return (max(draws) - since) / 1000
        last = max(draws) if draws else last
        time.sleep(0.1)
    return None if last is None else (last - since) / 1000


def changes(page) -> list[tuple[str, Callable[[], None], Callable[[], None]]]:
    """The changes a viewer can make on this page, found by their widgets: (name, do it, undo it)."""
    found: list[tuple[str, Callable[[], None], Callable[[], None]]] = []
    combo = page.locator(".widget-text input[list]")  # a Combobox: a text field with a list
    if combo.count():
        field = combo.first
        current = field.input_value()
        choice = next(m for m in OTHER_MUNICIPALITIES if m != current)

        def municipality(value: str = choice) -> None:
            field.fill(value)
            field.press("Enter")
        found.append(("municipality", municipality, lambda: municipality(current)))
    selects = page.locator(".widget-dropdown")
    for i in range(selects.count()):
        box = selects.nth(i)
        select = box.locator("select")
        n = select.locator("option").count()
        if n < 2 or not select.is_visible() or not select.is_enabled():
            continue
        name = (box.locator("label").inner_text() or f"drop-down {i + 1}").strip().lower()
        now = select.evaluate("s => s.selectedIndex")
        found.append((name, lambda select=select, index=(now + 1) % n: select.select_option(index=index),
                      lambda select=select, index=now: select.select_option(index=index)))
    slider = page.locator(".widget-slider .widget-readout")
    if slider.count():
        readout = slider.first
        value = float(readout.inner_text().replace(",", ".") or 0)

        def weight(new: float = value + 1) -> None:
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(f"{new:.2f}")
            page.keyboard.press("Enter")
        found.append(("slider", weight, lambda: weight(value)))
    english = page.locator(".widget-toggle-buttons button", has_text="English")
    if english.count():
        swedish = page.locator(".widget-toggle-buttons button", has_text="Svenska")
        found.append(("language", lambda: english.first.click(), lambda: swedish.first.click()))
    return found


# ------------------------------------------------------------------------------ in a fresh kernel
def kernel_steps(notebook: Path) -> dict[str, float]:
    """Seconds to start a kernel, run the notebook's imports, and run its cells (the app)."""
    cells = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    imports = []
    for source in cells:
        tree = ast.parse(source)
        imports += [ast.get_source_segment(source, node) for node in tree.body
                    if isinstance(node, ast.Import | ast.ImportFrom)]
    env = {**os.environ, "VOILA_PREHEAT": "False"}  # as Voila starts a kernel
    # IPC sockets in a folder of their own: the kernel is on this machine (over TCP each kernel warns
    # that its connection is not encrypted)
    sockets = tempfile.TemporaryDirectory(prefix="natsam-kernel-")
    manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets.name) / "kernel"))
    start = time.perf_counter()
    manager.start_kernel(cwd=str(notebook.parent), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        steps = {"kernel start": time.perf_counter() - start}
        for name, code in [("imports", "\n".join(imports)), ("app construction", "\n\n".join(cells))]:
            start = time.perf_counter()
            reply = client.execute_interactive(code, timeout=300, output_hook=lambda msg: None)
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{notebook.name}: {reply['content'].get('ename')}: {reply['content'].get('evalue')}")
            steps[name] = time.perf_counter() - start
        return steps
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        sockets.cleanup()


# ------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="page loads per notebook (default 5)")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE,
                        help="ready kernels per notebook, as natsam serve --pool-size (default %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="only these dashboards (notebook names without .ipynb)")
    args = parser.parse_args(argv)

    notebooks = sorted(config.dashboards_dir().glob("*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.stem in args.only]
    names = [nb.stem for nb in notebooks]
    prepare_data()
    prepare_index()  # as natsam serve does: the index explorer's first start reads its cache

    print(f"Dashboards: {', '.join(names)}; {args.runs} runs; {args.pool_size} ready kernel(s) per notebook", flush=True)
    steps = {}
    for nb in notebooks:  # before the server starts: nothing else runs meanwhile
        runs = [kernel_steps(nb) for _ in range(3)]
        steps[nb.stem] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}

    first: dict[str, list[float | None]] = {name: [] for name in [EMPTY, *names]}
    wall: dict[str, list[float]] = {name: [] for name in [EMPTY, *names]}
    every: dict[str, list[float | None]] = {name: [] for name in names}
    timeline: dict[str, list[dict]] = {name: [] for name in [EMPTY, *names]}
    redraws: dict[str, dict[str, list[float | None]]] = {name: {} for name in names}
    memory: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for nb in notebooks:
            shutil.copy(nb, root / nb.name)
        write_empty_notebook(root / "tom.ipynb")
        with VoilaServer(root, port=free_port(), log_path=root / "voila.log", pool_size=args.pool_size) as server, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            urls = {EMPTY: server.url("tom.ipynb"), **{name: server.url(f"{name}.ipynb") for name in names}}
            ready = args.pool_size * len(urls)  # ready kernels, one pool per notebook
            for run in range(args.runs + 1):  # the first round warms up (browser caches) and is not counted
                for name, url in urls.items():
                    settle(server, ready)
                    context, page, t_first, t_every = open_page(browser, url, dashboard=name != EMPTY)
                    if run:
                        marks = page.evaluate(TIMELINE)
                        timeline[name].append(marks)
                        first[name].append(None if marks["first_plot"] is None else marks["first_plot"] / 1000)
                        wall[name].append(t_first)
                    if name != EMPTY:
                        if run:
                            every[name].append(t_every)
                            mem = kernel_memory(server, page_kernel_id(page))
                            if mem:
                                memory[name].append(mem)
                            for change, do, undo in changes(page):
                                settle(server, ready + 1)  # with this page's kernel
                                since = page.evaluate("performance.now()")
                                do()
                                redraws[name].setdefault(change, []).append(wait_for_redraw(page, since))
                                since = page.evaluate("performance.now()")
                                undo()  # back to the page's first state, not timed
                                wait_for_redraw(page, since)
                    page.close(run_before_unload=True)  # as a viewer closes the tab: Voila shuts the kernel down
                    time.sleep(0.3)  # (the page's shutdown request goes out as it closes)
                    context.close()
                    print(".", end="", flush=True)
            settle(server, ready)
            pool = [(p.memory_full_info().uss / 2**20) for p in kernel_processes(server)]
            browser.close()
    print()
    report(names, first, wall, every, timeline, steps, redraws, memory, (pool, ready), args)
    return 0


def report(names, first, wall, every, timeline, steps, redraws, memory, pool, args) -> None:
    width = max(len(n) for n in [EMPTY, *names]) + 2
    base = median(first[EMPTY])
    print(f"\nFirst plot (median of {args.runs}, 1280x800, idle server, {args.pool_size} ready kernel(s) per notebook)")
    print("  s from the request to the frame that shows it (page clock); in brackets as the benchmark saw it")
    print(f"  {EMPTY:<{width}}{fmt(base)}  ({fmt(median(wall[EMPTY]))})  first output")
    ratios = {}
    for name in names:
        t = median(first[name])
        ratios[name] = t / base
        print(f"  {name:<{width}}{fmt(t)}  ({fmt(median(wall[name]))})  ratio {ratios[name]:.2f}   "
              f"every figure drawn: {fmt(median(every[name]))}")
    worst = max(ratios, key=ratios.get)
    print(f"  worst ratio: {ratios[worst]:.2f} ({worst})   target <= 1.5: {'met' if ratios[worst] <= 1.5 else 'NOT met'}")

    print("\nBreakdown of a page load, ms from the request (median)")
    header = "".join(f"{n[:16]:>18}" for n in [EMPTY, *names])
    print(f"  {'':<34}{header}")
    for key, label in TIMELINE_STEPS:
        cells = []
        for name in [EMPTY, *names]:
            value = median([t[key] for t in timeline[name]])
            cells.append(f"{'-' if value is None else f'{value:.0f}':>18}")
        print(f"  {label:<34}{''.join(cells)}")
    ready = "done before the viewer arrives" if args.pool_size else "the viewer waits for it"
    print(f"\nIn a fresh kernel, s (median of 3; {ready})")
    keys = list(next(iter(steps.values())))
    print(f"  {'':<{width}}" + "".join(f"{k:>18}" for k in keys))
    for name in names:
        print(f"  {name:<{width}}" + "".join(f"{steps[name][k]:>18.2f}" for k in keys))

    print(f"\nRedraws, s from the change to the last figure redrawn (median of {args.runs}; target <= 0.5)")
    slowest = (None, 0.0)
    for name in names:
        for change, values in redraws[name].items():
            t = median(values)
            flag = "" if t is not None and t <= 0.5 else "   NOT met"
            print(f"  {name:<{width}}{change:<28}{fmt(t)}{flag}")
            if t is None or t > slowest[1]:
                slowest = ((name, change), float("inf") if t is None else t)
    if slowest[0]:
        print(f"  slowest: {fmt(slowest[1])} ({slowest[0][0]}, {slowest[0][1]})   target <= 0.5: "
              f"{'met' if slowest[1] <= 0.5 else 'NOT met'}")

    print("\nKernel memory per viewer, MB (median; unique / resident)")
    for name in names:
        if memory[name]:
            uss = statistics.median(m[0] for m in memory[name])
            rss = statistics.median(m[1] for m in memory[name])
            print(f"  {name:<{width}}{uss:.0f} / {rss:.0f}")
    kernels, ready = pool
    if kernels:
        print(f"  kernels at the end: {len(kernels)} ({ready} ready; a closed page's kernel is shut down), "
              f"{sum(kernels):.0f} MB unique in all")


if __name__ == "__main__":
    sys.exit(main())
