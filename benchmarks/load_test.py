"""Many viewers at once: first-plot times, busy pages and server memory under a burst of viewers.

One Voila server is started exactly as ``natsam serve`` starts it (ready kernels, the kernel limit,
culling); once its ready kernels have run their dashboards, ``--viewers`` headless Chromium pages
(one browser, one context each, 1280x800) ask for a dashboard: all at the same moment, or one after
the other over ``--ramp`` seconds; spread round-robin over every dashboard in ``dashboards/``, or all
on ``serve.START_DASHBOARD`` (``--start-only``). For each viewer the benchmark records the seconds
from its request until the page has arrived (the server's part: at once from a ready kernel, else
a kernel started and the dashboard run), until the first figure has drawn marks (in the dashboard's
preview, ``natsam_analysis.dashboard.preview``) and until the live widgets have replaced the preview,
or that it got the busy page (HTTP 503). Meanwhile the memory of the server's processes (Voila and every kernel) is
sampled every second. Then the pages are closed as viewers close tabs, and the benchmark waits for
their kernels to be shut down.

Printed: median / p90 / max page, first plot and live widgets, the number of busy pages, page and console
errors, memory before and at the peak (resident, summed over the processes; and unique, which does
not count shared pages twice) and per added kernel, and whether the server still answers, logged
no traceback and shut the closed pages' kernels down. Exit status 1 if a page failed or crashed.

    .venv/bin/python benchmarks/load_test.py [--viewers 20] [--max-kernels N] [--ramp SECONDS]
                                             [--start-only] [--pool-size 1] [--log FILE]

Needs Debian's Chromium at /usr/bin/chromium. The browser runs on the server's machine: its pages'
front ends compete with the kernels for the processors, so the first-plot times are an upper bound
for a server whose viewers browse from their own computers.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from dashboard_render import CHROMIUM_ARGS, MARKS, VIEWPORT, kernel_processes, server_processes
from playwright.async_api import async_playwright

from natsam_analysis import config
from natsam_analysis.serve import (
    DEFAULT_POOL_SIZE,
    START_DASHBOARD,
    VoilaServer,
    default_max_kernels,
    free_port,
    prepare_data,
    prepare_index,
    ready_kernels,
)

TIMEOUT = 300_000  # ms for one viewer's first plot
BUSY = "Många använder instrumentpanelerna just nu"


@dataclass
class Viewer:
    notebook: str
    first_plot: float | None = None  # s from the request, as the viewer waits (the preview's plot)
    live: float | None = None  # s from the request until the live widgets replaced the preview
    page_received: float | None = None  # s from the request to the page's last byte (the server's part)
    busy: bool = False
    status: int | None = None
    failure: str | None = None
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    kernel_id: str | None = None


class MemorySampler(threading.Thread):
    """Samples the server's processes every ``interval`` s: (time, kernels, MB resident, MB unique).

    Resident memory is cheap to read and read every time; unique memory (which reads every process's
    memory map, a few ms each) every ``unique_every``-th time, so that sampling does not compete with
    the server for the processors.
    """

    def __init__(self, server: VoilaServer, interval: float = 1.0, unique_every: int = 10) -> None:
        super().__init__(daemon=True)
        self.server, self.interval, self.unique_every = server, interval, unique_every
        self.samples: list[tuple[float, int, float, float]] = []
        self.running = True
        self.start_time = time.monotonic()

    def sample(self, unique: bool = True) -> tuple[float, int, float, float]:
        rss = uss = 0.0
        kernels = 0
        for proc in server_processes(self.server):
            try:
                if unique:
                    info = proc.memory_full_info()
                    uss += info.uss / 2**20
                else:
                    info = proc.memory_info()
                rss += info.rss / 2**20
                kernels += "ipykernel_launcher" in " ".join(proc.cmdline())
            except psutil.Error:
                continue
        if not unique:
            uss = self.samples[-1][3] if self.samples else float("nan")
        return time.monotonic() - self.start_time, kernels, rss, uss

    def run(self) -> None:
        count = 0
        while self.running:
            self.samples.append(self.sample(unique=count % self.unique_every == 0))
            count += 1
            time.sleep(self.interval)


async def view(browser, url: str, viewer: Viewer) -> tuple:
    """Open ``url`` as one viewer; fill in ``viewer``; return (context, page) to close later."""
    context = await browser.new_context(viewport=VIEWPORT, locale="sv-SE")
    page = await context.new_page()
    page.on("pageerror", lambda exc: viewer.page_errors.append(str(exc)))
    page.on("console", lambda msg: viewer.console_errors.append(msg.text) if msg.type == "error" else None)
    start = time.perf_counter()
    try:
        response = await page.goto(url, timeout=TIMEOUT)
        viewer.status = response.status if response else None
        if viewer.status == 503:
            viewer.busy = BUSY in await page.inner_text("h1")
            viewer.page_received = time.perf_counter() - start
            return context, page
        viewer.page_received = await page.evaluate(
            "performance.getEntriesByType('navigation')[0].responseEnd / 1000")
        await page.wait_for_selector(MARKS, timeout=TIMEOUT, state="visible")
        viewer.first_plot = time.perf_counter() - start
        await page.wait_for_function("performance.getEntriesByName('natsam-live').length > 0", timeout=TIMEOUT)
        viewer.live = time.perf_counter() - start
        viewer.kernel_id = await page.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    except Exception as exc:  # a timeout or a crashed page: reported, not raised
        viewer.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return context, page


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def answers(server: VoilaServer) -> bool:
    """Whether the server still answers (its list of dashboards, which starts no kernel)."""
    try:
        with urllib.request.urlopen(f"http://{server.host}:{server.port}/voila/tree", timeout=30) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(server: VoilaServer, ready: int, timeout: float = 600.0) -> None:
    """Wait until the ``ready`` kernels run and have run their dashboards: their memory has stopped
    growing (for 5 s; CPU use says nothing on a machine that others keep busy)."""
    start, last, steady = time.monotonic(), 0.0, 0
    while time.monotonic() - start < timeout and steady < 5:
        kernels = kernel_processes(server)
        total = 0.0
        for proc in kernels:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        steady = steady + 1 if len(kernels) >= ready and abs(total - last) < 0.01 * total else 0
        last = total
        time.sleep(1)


def running_kernels(server: VoilaServer) -> set[str]:
    """Ids of the kernels the server runs (from their connection files' names)."""
    ids = set()
    for proc in kernel_processes(server):
        try:
            ids.update(part.split("kernel-")[-1].removesuffix(".json") for part in proc.cmdline()
                       if part.endswith(".json") and "kernel-" in part)
        except psutil.Error:
            continue
    return ids


def wait_until_shut_down(server: VoilaServer, kernel_ids: set[str], timeout: float) -> float | None:
    """Seconds until none of ``kernel_ids`` runs (None: not within ``timeout``)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not kernel_ids & running_kernels(server):
            return time.monotonic() - start
        time.sleep(0.25)
    return None


async def burst(server: VoilaServer, viewers: list[Viewer], ramp: float) -> None:
    """Every viewer opens a page, all at once (``ramp`` 0) or one after the other over ``ramp`` seconds;
    once every page has its plot (or has failed), the pages are closed."""
    async def arrive(i: int, viewer: Viewer):
        await asyncio.sleep(ramp * i / max(1, len(viewers) - 1))
        return await view(browser, server.url(viewer.notebook), viewer)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        opened = await asyncio.gather(*(arrive(i, v) for i, v in enumerate(viewers)))
        for context, page in opened:  # as viewers close their tabs: each page asks for its kernel's shutdown
            await page.close(run_before_unload=True)
        await asyncio.sleep(1.0)
        for context, _ in opened:
            await context.close()
        await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=20, help="pages opened at once (default %(default)s)")
    parser.add_argument("--max-kernels", type=int, default=None, metavar="N",
                        help="as natsam serve --max-kernels (default: its default on this machine)")
    parser.add_argument("--pool-size", type=int, default=DEFAULT_POOL_SIZE,
                        help="ready kernels per dashboard, as natsam serve --pool-size (default %(default)s)")
    parser.add_argument("--start-only", action="store_true", help=f"every viewer on {START_DASHBOARD}")
    parser.add_argument("--ramp", type=float, default=0.0, metavar="SECONDS",
                        help="viewers arrive one after the other over this many seconds (default 0: all at once)")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE", help="keep Voila's log in FILE")
    args = parser.parse_args(argv)

    folder = config.dashboards_dir()
    notebooks = [START_DASHBOARD] if args.start_only else sorted(p.name for p in folder.glob("*.ipynb"))
    ready = ready_kernels(folder, args.pool_size)
    limit = default_max_kernels(ready) if args.max_kernels is None else args.max_kernels
    viewers = [Viewer(notebooks[i % len(notebooks)]) for i in range(args.viewers)]
    prepare_data()
    prepare_index()
    print(f"{args.viewers} viewers on {', '.join(n.removesuffix('.ipynb') for n in notebooks)}; "
          f"limit {limit or 'none'} viewers' kernels (--max-kernels); {ready} ready kernels "
          f"({args.pool_size} per dashboard)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "voila.log"
        with VoilaServer(folder, port=free_port(), log_path=log, pool_size=args.pool_size, max_kernels=limit) as server:
            wait_until_ready(server, ready)
            sampler = MemorySampler(server)
            sampler.start()
            idle = sampler.sample()
            started = time.monotonic()
            asyncio.run(burst(server, viewers, args.ramp))
            took = time.monotonic() - started
            freed = wait_until_shut_down(server, {v.kernel_id for v in viewers if v.kernel_id}, 120)
            sampler.running = False
            sampler.join()
            alive = psutil.Process(server.pid).is_running() and answers(server)
            text = log.read_text(encoding="utf-8", errors="replace")
            tracebacks = text.count("Traceback")
            if args.log:
                args.log.write_text(text, encoding="utf-8")
    report(args, viewers, sampler.samples, idle, took, freed, alive, tracebacks)
    crashed = any(v.failure or v.page_errors for v in viewers) or not alive or freed is None
    return 1 if crashed else 0


def report(args, viewers, samples, idle, took, freed, alive, tracebacks) -> None:
    plotted = [v.first_plot for v in viewers if v.first_plot is not None]
    busy = [v for v in viewers if v.busy]
    arrival = f"arriving over {args.ramp:.0f} s" if args.ramp else "all requests at once"
    print(f"\nFirst plot, s from the request ({args.viewers} viewers, {arrival}; 1280x800)")
    if plotted:
        print(f"  viewers with a plot: {len(plotted)}   median {statistics.median(plotted):.1f}   "
              f"p90 {percentile(plotted, 0.9):.1f}   max {max(plotted):.1f}")
    live = [v.live for v in viewers if v.live is not None]
    if live:
        print(f"  live widgets (the preview replaced): median {statistics.median(live):.1f}   "
              f"p90 {percentile(live, 0.9):.1f}   max {max(live):.1f}")
    received = [v.page_received for v in viewers if v.page_received is not None and not v.busy]
    if received:
        print(f"  page received (the server's part: a ready kernel's page, or a kernel started and the "
              f"dashboard run): median {statistics.median(received):.1f}   p90 {percentile(received, 0.9):.1f}   "
              f"max {max(received):.1f}")
    print(f"  busy page (503):     {len(busy)}"
          + (f", within {max(v.page_received for v in busy):.1f} s" if busy else ""))
    print("  each viewer, s: page received / first plot / live widgets")
    for notebook in sorted({v.notebook for v in viewers}):
        mine = sorted((v for v in viewers if v.notebook == notebook and v.live is not None),
                      key=lambda v: v.first_plot)
        shown = "  ".join(f"{v.page_received:.1f}/{v.first_plot:.1f}/{v.live:.1f}" for v in mine)
        n_busy = sum(v.busy for v in viewers if v.notebook == notebook)
        print(f"    {notebook.removesuffix('.ipynb'):<18}{shown}" + (f"   busy: {n_busy}" if n_busy else ""))
    for v in viewers:
        if v.failure:
            print(f"  FAILED {v.notebook}: {v.failure}")
        for error in v.page_errors[:2]:
            print(f"  page error on {v.notebook}{' (busy page)' if v.busy else ''}: {error[:160]}")
    errors = sum(len(v.page_errors) for v in viewers)
    console = [e for v in viewers for e in v.console_errors if "status of 503" not in e]
    print(f"  page errors: {errors}   console errors (besides the 503s): {len(console)}"
          + (f" e.g. {console[0][:100]!r}" if console else ""))

    peak = max(samples, key=lambda s: s[2])
    peak_unique = max(s[3] for s in samples)
    most = max(s[1] for s in samples)
    print("\nServer memory (Voila and its kernels), MB")
    print(f"  before the viewers: {idle[2]:.0f} resident, {idle[3]:.0f} unique, {idle[1]} kernels (ready)")
    print(f"  peak:               {peak[2]:.0f} resident (at {peak[0]:.0f} s), {peak_unique:.0f} unique, "
          f"{most} kernels")
    if most > idle[1]:
        print(f"  per added kernel:   about {(peak[2] - idle[2]) / (most - idle[1]):.0f} resident, "
              f"{(peak_unique - idle[3]) / (most - idle[1]):.0f} unique")
    print("  over time (s: kernels, MB resident):  "
          + "  ".join(f"{s[0]:.0f}: {s[1]}, {s[2]:.0f}" for s in samples[::max(1, len(samples) // 12)]))

    print("\nAfterwards")
    print(f"  the burst took {took:.0f} s (every page loaded, then closed)")
    print(f"  closed pages' kernels shut down: {'yes, within %.0f s' % freed if freed is not None else 'NO'}")
    print(f"  server still answers: {'yes' if alive else 'NO'}   tracebacks in its log: {tracebacks}")


if __name__ == "__main__":
    sys.exit(main())
