"""Figures written to files for reports: PNG at print resolution, SVG and PDF as vector graphics.

The viz builders draw; this module writes what they draw. plotly's kaleido renders the figures in a
headless Chromium (Debian's ``chromium`` or Google Chrome), started once for any number of figures,
and entirely offline: plotly.js comes from the plotly package, MathJax is off, geo maps get the
suite's inline topojson (:data:`natsam_analysis.viz.theme.OFFLINE_TOPOJSON_URL`) and the browser
resolves no host name, so nothing is fetched from anywhere.

Examples
--------
>>> from natsam_analysis.viz import save_figure, save_figures
>>> save_figure(fig, "figurer/karta.png")                        # doctest: +SKIP
>>> save_figures([(fig, "figurer/karta.svg"), (fig, "figurer/karta.pdf")])  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.graph_objects as go

from natsam_analysis.errors import NatsamError
from natsam_analysis.store import atomic_write
from natsam_analysis.viz.theme import NOTE_NAME, OFFLINE_TOPOJSON_URL

#: The file types a figure can be saved as (by the path's suffix).
FORMATS = (".png", ".svg", ".pdf")
#: Layout size (CSS px) of a figure that sets no width or height of its own.
DEFAULT_WIDTH = 900
DEFAULT_HEIGHT = 560
#: PNG pixels per layout pixel: 900 px become 1800 px, 300 dpi at 6 inches (15.2 cm).
PNG_SCALE = 2
#: Seconds one figure may take to render before the export fails.
RENDER_TIMEOUT = 90

#: Space (px) kept below the source note, and plotly.js's line height per font size.
_NOTE_PAD = 8
_LINE_SPACING = 1.3
#: Chromium switches: no background requests to Google's services, and no host name resolved at all.
_CHROMIUM_FLAGS = ("--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND")


def save_figure(
    fig: go.Figure, path: str | Path, *, width: int | None = None, height: int | None = None,
    scale: float | None = None,
) -> Path:
    """Write ``fig`` to ``path`` as PNG, SVG or PDF (by the suffix), at print resolution.

    The figure is laid out at ``width`` x ``height`` CSS pixels: by default its own layout size, or
    900 x 560 when it sets none (the size the suite's charts are designed for). A PNG gets ``scale``
    = 2 pixels per layout pixel: 1800 px across, which is 300 dpi at 6 inches (15.2 cm), about the
    text width of an A4 report (16 cm: 286 dpi). SVG and PDF are vector graphics drawn at scale 1
    (a PDF page of 900 x 560 px is 675 x 420 pt, 0.75 pt per pixel) and scale without loss;
    ``scale`` given explicitly applies to every format.

    The source note stays under the plot: the bottom margin is raised, in the written copy only,
    to fit all of the note's lines. The file is written to a temporary file in the same folder and
    renamed (parent folders are created), so a failed export leaves no file behind. To write many
    figures, use :func:`save_figures`, which starts the browser once.

    Parameters
    ----------
    fig
        A figure from the suite's viz builders (any plotly figure works).
    path
        Where to write it; the suffix (``.png``, ``.svg`` or ``.pdf``) chooses the format.
    width, height
        Layout size in CSS pixels (defaults: the figure's own, else 900 x 560).
    scale
        Pixels per layout pixel (defaults: 2 for PNG, 1 for SVG and PDF).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    NatsamError
        For an unknown suffix, a missing browser or a figure that fails to render.

    Examples
    --------
    >>> save_figure(fig, "figurer/fordelning.pdf")  # doctest: +SKIP
    PosixPath('figurer/fordelning.pdf')
    """
    return save_figures([(fig, path)], width=width, height=height, scale=scale, progress=False)[0]


def save_figures(
    items: Iterable[tuple[go.Figure, str | Path]], *, width: int | None = None, height: int | None = None,
    scale: float | None = None, progress: bool = True,
) -> list[Path]:
    """Write many figures, each to its path, with one browser started for all of them.

    Each ``(fig, path)`` is written as :func:`save_figure` writes it (format from the suffix, print
    resolution, atomically). A list is checked whole before anything is written; a generator is
    consumed lazily (a figure at a time in memory). The figures are written in order: when one
    fails, those before it are written and complete, it and those after it are not.

    Parameters
    ----------
    items
        Pairs of a figure and the path to write it to (the same figure may come with several paths).
    width, height, scale
        As for :func:`save_figure`, for every figure.
    progress
        Show a tqdm progress bar.

    Returns
    -------
    list of Path
        The files written, in order.

    Examples
    --------
    >>> save_figures([(fig, "ut/karta.png"), (fig, "ut/karta.svg")])  # doctest: +SKIP
    [PosixPath('ut/karta.png'), PosixPath('ut/karta.svg')]
    """
    _check_size(width=width, height=height, scale=scale)
    total = None
    if isinstance(items, Collection):
        items = list(items)
        total = len(items)
        for _, path in items:
            _format(path)
        if not items:
            return []
    browser = chromium_path()
    if browser is None:
        raise NatsamError(
            "Saving a figure as PNG, SVG or PDF needs Chromium or Google Chrome, and neither was found: "
            "install Debian's chromium (apt-get install chromium) or Chrome, or set BROWSER_PATH to "
            "the browser's executable.")
    jobs = (_Job.make(fig, path, width, height, scale) for fig, path in items)
    return _run_in_thread(lambda stop: _export(jobs, browser, total=total, progress=progress, stop=stop))


def chromium_path() -> str | None:
    """The Chromium or Chrome that figures are rendered with (as kaleido finds it), or ``None``.

    A Chrome downloaded with ``kaleido_get_chrome`` first, then ``BROWSER_PATH``, then the browsers
    on ``PATH`` (Debian's ``/usr/bin/chromium``).
    """
    from choreographer.browsers.chromium import Chromium

    path = Chromium.find_browser(skip_local=False)
    return path if path and Path(path).is_file() else None


# --------------------------------------------------------------------------------------------------
# one figure


@dataclass(frozen=True)
class _Job:
    """One figure to write: plotly.js's figure (a dict), the path and kaleido's layout options."""

    figure: dict
    path: Path
    opts: dict

    @classmethod
    def make(cls, fig: go.Figure, path: str | Path, width, height, scale) -> _Job:
        fmt = _format(path)
        figure = fig.to_dict()
        layout = figure.setdefault("layout", {})
        _make_room_for_note(layout)
        opts = {
            "format": fmt,
            "width": width or layout.get("width") or DEFAULT_WIDTH,
            "height": height or layout.get("height") or DEFAULT_HEIGHT,
            "scale": scale or (PNG_SCALE if fmt == "png" else 1),
        }
        return cls(figure, Path(path), opts)


def _format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise NatsamError(
            f"Cannot save a figure as {str(path)!r}: unknown file type {Path(path).suffix or '(no suffix)'!r}; "
            f"use one of {', '.join(FORMATS)}.")
    return suffix[1:]


def _check_size(**values) -> None:
    for name, value in values.items():
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise NatsamError(f"save_figure: {name} must be a positive number of pixels, not {value!r}.")


def _make_room_for_note(layout: dict) -> None:
    """Raise ``layout``'s bottom margin so that the source note under the plot fits in the figure.

    The note hangs ``yshift`` pixels below the plot area; with two or three lines it would reach
    past the theme's margin and lose its last line's descenders (or more) at the figure's edge.
    """
    for note in layout.get("annotations", ()):
        if note.get("name") != NOTE_NAME:
            continue
        lines = str(note.get("text", "")).count("<br>") + 1
        size = note.get("font", {}).get("size", 12)
        frame = note.get("borderpad", 1) + note.get("borderwidth", 1)
        needed = math.ceil(-note.get("yshift", 0) + lines * _LINE_SPACING * size + 2 * frame + _NOTE_PAD)
        margin = layout.setdefault("margin", {})
        margin["b"] = max(margin.get("b", 80), needed)


# --------------------------------------------------------------------------------------------------
# the browser


def _run_in_thread(work):
    """Run the coroutine ``work(stop)`` in its own thread and event loop (a notebook's loop is busy).

    Ctrl-C sets ``stop``: the figure being written is finished, the rest are not written.
    """
    stop = threading.Event()
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = asyncio.run(work(stop))
        except BaseException as exc:  # handed to the calling thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="figure-export")
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        stop.set()
        thread.join()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


async def _export(jobs: Iterable[_Job], browser: str, *, total, progress: bool, stop: threading.Event) -> list[Path]:
    import kaleido
    from choreographer.errors import BrowserFailedError
    from tqdm.auto import tqdm

    written: list[Path] = []
    try:
        async with kaleido.Kaleido(path=browser, browser_cls=_offline_chromium(), page_generator=_page(),
                                   timeout=RENDER_TIMEOUT) as k:
            with tqdm(total=total, desc="Figurer", unit="figur", disable=not progress, leave=False) as bar:
                for job in jobs:
                    if stop.is_set():
                        break
                    try:
                        data = await k.calc_fig(job.figure, opts=job.opts, topojson=OFFLINE_TOPOJSON_URL)
                    except Exception as exc:  # kaleido's render errors and its timeout
                        reason = f"no image after {RENDER_TIMEOUT} s" if isinstance(exc, TimeoutError) else str(exc)
                        raise NatsamError(f"Could not save the figure as {str(job.path)!r}: "
                                          f"{reason.rstrip('.')}.") from exc
                    atomic_write(job.path, lambda tmp, data=data: tmp.write_bytes(data))
                    written.append(job.path)
                    bar.update(1)
    except BrowserFailedError as exc:
        raise NatsamError(f"The browser {browser} did not start, so no figure was saved: {exc}. Check that it "
                          "runs (e.g. reinstall Debian's chromium: apt-get install chromium).") from exc
    return written


def _offline_chromium():
    """choreographer's Chromium without a proxy and with :data:`_CHROMIUM_FLAGS`."""
    from choreographer.browsers.chromium import Chromium

    class OfflineChromium(Chromium):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.proxy_server = None  # nothing is fetched, so no proxy is needed

        def get_cli(self):
            return [*super().get_cli(), *_CHROMIUM_FLAGS]

    return OfflineChromium


def _page():
    """kaleido's page: plotly.js from the plotly package, no MathJax, a PDF page without margins.

    Chrome prints a PDF with margins of 0.1 inch by default; the figure is shrunk to fit the
    width and then loses its bottom edge (the source note) unless the page has no margin.
    """
    import kaleido

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not plotly_js.is_file():
        raise NatsamError(f"plotly.js is missing from the plotly package ({plotly_js}): reinstall plotly "
                          "(make, or pip install --force-reinstall plotly in the environment).")

    class Page(kaleido.PageGenerator):
        header = kaleido.PageGenerator.header.replace(
            '<style id="head-style"></style>',
            '<style>@page { margin: 0; }</style>\n        <style id="head-style"></style>')

    return Page(plotly=(plotly_js.as_uri(), "utf-8"), mathjax=False)
