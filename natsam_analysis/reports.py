"""Municipality reports and the static site (``natsam export``).

A report is the notebook ``notebooks/rapporter/kommunrapport.ipynb`` run for one municipality
(parameters ``municipality`` and ``lang``) and exported without its code by
:mod:`natsam_analysis.notebooks`: one self-contained HTML page (plotly.js inlined once, nothing
loaded from elsewhere) with the demo or source note on every figure and a table under every chart.

* :func:`export_report` writes one report, and every figure of it as PNG and SVG in a folder beside
  the page (``lund.html`` and ``lund-figurer/01-....png``), linked from the page;
* :func:`export_platforms` does so for the six platform municipalities (one kernel, one browser);
* :func:`export_site` writes a static site: a start page listing the municipalities (searchable,
  the six platforms first, Swedish with English one click away) and a page per municipality that
  loads plotly.js and the style sheet once from ``assets/``. Pages are run ``jobs`` at a time, each
  worker with one kernel for all its municipalities (:class:`NotebookKernel`).

Inside the kernel the report reads :func:`report_inputs`: everything a report compares a
municipality with (the panel, Agenda 2030 scores of all municipalities, structural variables, gender
gaps, the published index with its rank uncertainty from the index explorer's cache), computed once
per kernel and panel, so that the second and later reports of a kernel only do the municipality's own
part.

Examples
--------
>>> export_report("1281", "lund.html")                  # doctest: +SKIP
ReportResult(municipality_id='1281', name='Lund', html=PosixPath('lund.html'), ...)
>>> export_site("build/site", municipalities=["1281", "0180", "2584"])   # doctest: +SKIP
"""

from __future__ import annotations

import html
import os
import queue
import re
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pandas as pd

from natsam_analysis import config, geography
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label

#: Figure file types written beside a report.
IMAGE_FORMATS = ("png", "svg")
#: The folder of a report's figure files: ``<page name><FIGURES_SUFFIX>`` beside the page.
FIGURES_SUFFIX = "-figurer"
#: Where ``natsam export --platforms`` writes by default.
DEFAULT_PLATFORMS_OUT = Path("build") / "rapporter"
#: A site's folders: the municipality pages and the shared files.
SITE_PAGES = "kommuner"
SITE_ASSETS = "assets"
#: Seconds a report's cell may take (the first run of a kernel builds the shared inputs).
CELL_TIMEOUT = 600


def report_notebook() -> Path:
    """The report notebook: ``notebooks/rapporter/kommunrapport.ipynb``."""
    return config.notebooks_dir() / "rapporter" / "kommunrapport.ipynb"


# --------------------------------------------------------------------------------------------------
# what every report compares with (used inside the kernel)


@dataclass(frozen=True)
class ReportInputs:
    """Everything a municipality report compares the municipality with, computed once per panel.

    ``municipalities`` is :func:`natsam_analysis.geography.municipalities` indexed by id;
    ``codebook``/``sdg_result`` are :func:`natsam_analysis.metrics.agenda2030.score_municipalities`;
    ``structure`` the structural variables of :mod:`natsam_analysis.metrics.peers`; ``gaps`` the gender
    gaps of every gendered indicator (:func:`natsam_analysis.metrics.gender.gender_gaps`); ``ranking``
    the published index with each rank's uncertainty interval
    (:func:`natsam_analysis.dashboard.indexutforskaren.published_ranking`). Treat them as read-only:
    a kernel running many reports shares them.
    """

    panel: pd.DataFrame
    provenance: dict
    catalog: pd.DataFrame
    municipalities: pd.DataFrame
    names: dict[str, str]
    codebook: pd.DataFrame
    sdg_result: pd.DataFrame
    structure: pd.DataFrame
    gaps: pd.DataFrame
    ranking: pd.DataFrame


_inputs: dict[str, ReportInputs] = {}
_inputs_lock = threading.Lock()


def report_inputs(panel: pd.DataFrame | None = None) -> ReportInputs:
    """The :class:`ReportInputs` of ``panel`` (default :func:`natsam_analysis.load_panel`), built on the
    first call and kept for later calls on the same panel (by its sha256): a kernel that runs the
    report for many municipalities computes them once.

    Examples
    --------
    >>> data = report_inputs()                        # doctest: +SKIP
    >>> data.ranking.loc["1281", ["rank", "rank_low", "rank_high"]].tolist()   # doctest: +SKIP
    [199.0, 189.95, 212.2]
    """
    from natsam_analysis.catalog import load_agenda2030, load_catalog
    from natsam_analysis.dashboard.indexutforskaren import panel_fingerprint, published_ranking
    from natsam_analysis.metrics import agenda2030, gender, peers
    from natsam_analysis.panel import load_panel

    panel = load_panel() if panel is None else panel
    key = panel_fingerprint(panel)
    with _inputs_lock:
        if key in _inputs:
            return _inputs[key]
        catalog = load_catalog()
        municipalities = geography.municipalities()
        codebook, sdg_result = agenda2030.score_municipalities(panel, catalog, load_agenda2030())
        # The reports read the panel many times; without attrs, pandas has no provenance to deep-copy
        # into every intermediate frame (it is kept in ``provenance``).
        bare = panel.copy(deep=False)
        bare.attrs = {}
        inputs = ReportInputs(
            panel=bare, provenance=dict(panel.attrs.get("provenance", {})), catalog=catalog,
            municipalities=municipalities.set_index("municipality_id"), names=geography.municipality_names(),
            codebook=codebook, sdg_result=sdg_result,
            structure=peers.structural_variables(panel, municipalities),
            gaps=gender.gender_gaps(panel, catalog), ranking=published_ranking(panel),
        )
        _inputs.clear()  # one panel at a time: a new fetch replaces the old inputs
        _inputs[key] = inputs
        return inputs


# --------------------------------------------------------------------------------------------------
# names


def slug(text: str, max_length: int = 60) -> str:
    """``text`` as a file name: ASCII letters and digits, words joined by ``-`` ("Upplands Väsby" ->
    "upplands-vasby"), at most ``max_length`` characters (cut at a word).

    Examples
    --------
    >>> slug("Malung-Sälen"), slug("Lund: percentil per indikator<br><sub>Kompetens</sub>")
    ('malung-salen', 'lund-percentil-per-indikator-kompetens')
    """
    text = re.sub(r"<[^>]+>", " ", str(text))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        if len(out) + len(word) + (1 if out else 0) > max_length:
            break
        out = f"{out}-{word}" if out else word
    return out or "figur"


def report_stem(municipality_id: str) -> str:
    """A municipality's report file name without suffix: its name as a :func:`slug` ("goteborg"), with
    its code where two names make the same slug (Håbo and Habo: "habo-0305", "habo-0643").

    Examples
    --------
    >>> report_stem("1480"), report_stem("0305")
    ('goteborg', 'habo-0305')
    """
    return _stems(tuple(geography.municipality_names().items()))[municipality_id]


@lru_cache(maxsize=2)
def _stems(names: tuple[tuple[str, str], ...]) -> dict[str, str]:
    stems = {mid: slug(name) for mid, name in names}
    counts = Counter(stems.values())
    return {mid: stem if counts[stem] == 1 else f"{stem}-{mid}" for mid, stem in stems.items()}


def figures_folder(page: Path) -> Path:
    """The folder of a report's figure files, beside the page: ``lund.html`` -> ``lund-figurer``."""
    return page.with_name(page.stem + FIGURES_SUFFIX)


def figure_stems(figures: Sequence[Mapping], municipality_name: str = "") -> list[str]:
    """File names (without suffix) of a report's figures: number and title, ``01-percentil-per-indikator-kompetens``.

    The municipality's name at the start of a title is left out (the folder already says it).
    """
    prefix = slug(municipality_name) if municipality_name else ""
    stems = []
    for number, figure in enumerate(figures, start=1):
        title = figure.get("layout", {}).get("title", {})
        name = slug(title.get("text", "") if isinstance(title, Mapping) else str(title))
        if prefix and name.startswith(prefix + "-"):
            name = name[len(prefix) + 1:]
        stems.append(f"{number:02d}-{name}")
    return stems


# --------------------------------------------------------------------------------------------------
# running the notebook


class NotebookKernel:
    """One kernel that runs notebook after notebook, each from a cleared namespace.

    Starting a kernel and importing the library take seconds; a kernel kept for many runs of the
    same notebook pays that once, and the library's caches in the kernel (:func:`report_inputs`)
    carry over. Before each run the kernel's namespace is cleared (``%reset -f``), so a run sees
    only what its own cells define. Use as a context manager; the kernel talks over Unix sockets in
    a private folder and is shut down on exit.

    Examples
    --------
    >>> with NotebookKernel(report_notebook().parent) as kernel:          # doctest: +SKIP
    ...     lund = kernel.run(report_notebook(), {"municipality": "1281"})
    ...     kiruna = kernel.run(report_notebook(), {"municipality": "2584"})
    """

    RESET = "get_ipython().run_line_magic('reset', '-f')"

    def __init__(self, cwd: str | Path, *, timeout: int = CELL_TIMEOUT):
        self.cwd = Path(cwd)
        self.timeout = timeout
        self._client = None
        self._sockets: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> NotebookKernel:
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient

        self._sockets = tempfile.TemporaryDirectory(prefix="natsam-kernel-")
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(self._sockets.name, "kernel"))
        # Given a kernel manager, the client leaves the kernel running after each run (cleanup_kc is
        # False unless the client owns the manager); __exit__ shuts it down.
        self._client = NotebookClient(nbformat.v4.new_notebook(), km=manager, timeout=self.timeout,
                                      resources={"metadata": {"path": str(self.cwd)}})
        return self

    def run(self, path: str | Path, parameters: Mapping[str, Any] | None = None) -> nbformat.NotebookNode:
        """Run the notebook at ``path`` with ``parameters`` injected; return it with its outputs.

        Raises a ``NatsamError`` naming the notebook, the parameters, the cell and the error when a
        cell fails (the kernel stays usable for the next run).
        """
        from natsam_analysis.notebooks import inject_parameters
        from nbclient.exceptions import CellExecutionError

        if self._client is None:
            raise NatsamError("NotebookKernel.run: use the kernel in a with block.")
        path = Path(path)
        try:
            nb = nbformat.read(path, as_version=4)
        except FileNotFoundError:
            raise NatsamError(f"{path}: no such notebook.") from None
        inject_parameters(nb, parameters, path.name)
        nb.cells.insert(0, nbformat.v4.new_code_cell(self.RESET))
        self._client.nb = nb
        try:
            self._client.execute()
        except CellExecutionError:
            del nb.cells[0]
            _raise_cell_error(path, nb, parameters)
        del nb.cells[0]
        return nb

    def __exit__(self, *exc_info) -> None:
        client, self._client = self._client, None
        try:
            if client is not None:
                if client.kc is not None:
                    client.kc.stop_channels()
                if client.km is not None and client.km.has_kernel:
                    client.km.shutdown_kernel(now=True)
        finally:
            if self._sockets is not None:
                self._sockets.cleanup()
                self._sockets = None


def _raise_cell_error(path: Path, nb: nbformat.NotebookNode, parameters: Mapping[str, Any] | None) -> None:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                given = ", ".join(f"{k}={v!r}" for k, v in (parameters or {}).items())
                raise NatsamError(f"{path} ({given}): cell {index + 1} failed with {output.get('ename')}: "
                                  f"{output.get('evalue')}. Run the notebook with these parameters in JupyterLab "
                                  "(make lab) to see the whole traceback.")
    raise NatsamError(f"{path}: a cell failed or timed out.")


# --------------------------------------------------------------------------------------------------
# writing reports


@dataclass(frozen=True)
class ReportResult:
    """One written report: the municipality, the page, its figure files and size."""

    municipality_id: str
    name: str
    html: Path
    figures: int
    images: tuple[Path, ...]
    bytes: int
    plotly: str
    seconds: float


@dataclass
class _Run:
    """A report run in a kernel, waiting to be written."""

    municipality_id: str
    page: Path
    nb: nbformat.NotebookNode
    seconds: float
    images: list[Path] = field(default_factory=list)


def resolve_municipalities(values: Iterable[str]) -> list[str]:
    """Municipality ids for ``values`` (ids or names, see :func:`geography.resolve_municipality`), in
    order and without repeats; a ``NatsamError`` lists every unknown one with suggestions."""
    ids, problems = [], []
    for value in values:
        try:
            ids.append(geography.resolve_municipality(value))
        except NatsamError as exc:
            problems.append(str(exc))
    if problems:
        raise NatsamError("\n".join(problems))
    return list(dict.fromkeys(ids))


def _parameters(municipality_id: str, lang: str) -> dict[str, str]:
    return {"municipality": municipality_id, "lang": lang}


def _title(municipality_id: str, lang: str) -> str:
    return label("report_title", lang, name=geography.municipality_names()[municipality_id])


def _figures(nb: nbformat.NotebookNode) -> list[dict]:
    from natsam_analysis.notebooks import figure_outputs

    return figure_outputs(nb)


def _write_images(runs: Sequence[_Run], progress: bool) -> None:
    """Every figure of every run as PNG and SVG (one browser for all), linked from its output."""
    import plotly.graph_objects as go

    from natsam_analysis.notebooks import FIGURE_MIME, FILES_KEY
    from natsam_analysis.viz.files import save_figures

    items = []
    for run in runs:
        folder = figures_folder(run.page)
        name = geography.municipality_names()[run.municipality_id]
        outputs = [o for cell in run.nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
                   if FIGURE_MIME in o.get("data", {})]
        stems = figure_stems([o["data"][FIGURE_MIME] for o in outputs], name)
        for output, stem in zip(outputs, stems):
            payload = output["data"][FIGURE_MIME]
            figure = go.Figure({"data": payload.get("data", []), "layout": payload.get("layout", {})})
            links = []
            for fmt in IMAGE_FORMATS:
                path = folder / f"{stem}.{fmt}"
                items.append((figure, path))
                run.images.append(path)
                links.append({"href": f"{quote(folder.name)}/{quote(path.name)}", "label": fmt.upper()})
            output.setdefault("metadata", {})[FILES_KEY] = links
    save_figures(items, progress=progress)
    for run in runs:  # figure files of an earlier export that this one no longer has
        folder = figures_folder(run.page)
        keep = set(run.images)
        for old in folder.glob("*"):
            if old.suffix.lstrip(".") in IMAGE_FORMATS and old not in keep:
                old.unlink()


def _write_page(run: _Run, lang: str, note: str, *, assets: str | None = None, home: tuple[str, str] | None = None,
                start: float | None = None) -> ReportResult:
    """Render a run as its page (``note``: the banner's source line if no figure gives one) and write it."""
    from natsam_analysis.notebooks import to_html
    from natsam_analysis.store import atomic_write_text

    name = geography.municipality_names()[run.municipality_id]
    page, which = to_html(run.nb, title=_title(run.municipality_id, lang), lang=lang, exclude_input=True,
                          fallback_note=note, assets=assets, home=home)
    atomic_write_text(run.page, page)
    seconds = run.seconds + (time.perf_counter() - start if start is not None else 0.0)
    return ReportResult(run.municipality_id, name, run.page, len(_figures(run.nb)), tuple(run.images),
                        len(page.encode("utf-8")), which, seconds)


def _provenance() -> dict:
    """The provenance of the panel the reports are built on (the pages' banner, the site's notes)."""
    from natsam_analysis.panel import load_panel

    return dict(load_panel().attrs.get("provenance", {}))


def _note(lang: str) -> str:
    from natsam_analysis.panel import source_line

    return source_line(_provenance(), lang)


def export_report(municipality: str, out: str | Path | None = None, *, lang: str | None = None,
                  images: bool = True, progress: bool = False) -> ReportResult:
    """Run the report for one municipality and write it to ``out`` (default ``<name>.html``).

    Every figure is also written as PNG and SVG to ``<out stem>-figurer/`` (unless ``images`` is
    false) and linked under its figure. The page and each image are written atomically; figure files
    an earlier export left in that folder and this one does not write are removed.

    Parameters
    ----------
    municipality
        A municipality id ("1281") or name ("Lund"); an unknown one raises a ``NatsamError`` with
        suggestions.
    out
        The HTML file to write.
    lang
        ``"sv"`` (default) or ``"en"``.
    """
    return export_reports([municipality], out_dir=None, out=out, lang=lang, images=images, progress=progress)[0]


def export_platforms(out_dir: str | Path = DEFAULT_PLATFORMS_OUT, *, lang: str | None = None, images: bool = True,
                     progress: bool = True) -> list[ReportResult]:
    """:func:`export_report` for the six platform municipalities, into ``out_dir`` (one kernel for all
    six, one browser for all their figures)."""
    return export_reports(list(geography.PLATFORM_MUNICIPALITIES), out_dir=out_dir, lang=lang, images=images,
                          progress=progress)


def export_reports(municipalities: Sequence[str], out_dir: str | Path | None, *, out: str | Path | None = None,
                   lang: str | None = None, images: bool = True, progress: bool = True) -> list[ReportResult]:
    """Run the report for each of ``municipalities`` in one kernel and write ``<out_dir>/<name>.html``
    (``out`` instead for a single municipality), each with its figure files (see :func:`export_report`).

    The pages are written only once every report has run and every figure file is written.
    """
    from tqdm.auto import tqdm

    lang = check_language(lang)
    ids = resolve_municipalities(municipalities)
    if out is not None and len(ids) != 1:
        raise NatsamError("export_reports: out names one file; give out_dir for several municipalities.")
    folder = Path(out_dir) if out_dir is not None else Path(".")
    pages = {m: Path(out) if out is not None else folder / f"{report_stem(m)}.html" for m in ids}
    for page in pages.values():
        if page.suffix.lower() not in (".html", ".htm"):
            raise NatsamError(f"{page}: a report is an HTML page; give a file name ending in .html.")
        if page.exists() and page.is_dir():
            raise NatsamError(f"{page} is a folder; give the report's file name, e.g. {page / 'rapport.html'}.")
    notebook = report_notebook()
    runs: list[_Run] = []
    with NotebookKernel(notebook.parent) as kernel, \
            tqdm(total=len(ids), desc="Rapporter", unit="rapport", disable=not progress) as bar:
        for mid in ids:
            start = time.perf_counter()
            nb = kernel.run(notebook, _parameters(mid, lang))
            runs.append(_Run(mid, pages[mid], nb, time.perf_counter() - start))
            bar.update()
    if images:
        _write_images(runs, progress)
    note = _note(lang)
    return [_write_page(run, lang, note) for run in runs]


# --------------------------------------------------------------------------------------------------
# the static site


@dataclass(frozen=True)
class SiteResult:
    """A written static site: its folder, the pages, the files and the time it took."""

    folder: Path
    pages: tuple[ReportResult, ...]
    bytes: int
    files: int
    seconds: float

    @property
    def index(self) -> Path:
        return self.folder / "index.html"


def site_page(folder: Path, municipality_id: str) -> Path:
    """Where a municipality's page of a site is: ``<folder>/kommuner/<name>.html``."""
    return Path(folder) / SITE_PAGES / f"{report_stem(municipality_id)}.html"


def export_site(folder: str | Path, *, municipalities: Iterable[str] | None = None, lang: str | None = None,
                jobs: int = 2, progress: bool = True) -> SiteResult:
    """Write a static site to ``folder``: ``index.html``, ``kommuner/<name>.html`` per municipality and
    the shared ``assets/`` (plotly.js and the style sheet, loaded by relative URLs).

    Any static web server can host the folder, and the pages work opened from disk (``file://``)
    too: every link is relative and names a file. ``municipalities`` limits the site (default: all
    290, the platforms first). ``jobs`` workers run the reports, each with one kernel for all its
    municipalities. A report that fails does not stop the others; afterwards a ``NatsamError`` lists
    the failures (the pages written stay, and the start page lists them).

    Examples
    --------
    >>> site = export_site("build/site")          # doctest: +SKIP
    >>> site.index, len(site.pages), site.bytes    # doctest: +SKIP
    """
    from tqdm.auto import tqdm

    from natsam_analysis.notebooks import write_assets
    from natsam_analysis.store import atomic_write_text

    start = time.perf_counter()
    lang = check_language(lang)
    order = geography.platform_first_order()
    ids = resolve_municipalities(municipalities) if municipalities is not None else order
    ids = sorted(ids, key=order.index)
    if not ids:
        raise NatsamError("export_site: no municipalities to export.")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NatsamError(f"{folder} is a file; give a folder for the site.")
    notebook = report_notebook()
    home = ("../index.html", label("site_back", lang))
    note = _note(lang)
    todo: queue.Queue[str] = queue.Queue()
    for mid in ids:
        todo.put(mid)
    results: dict[str, ReportResult] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def worker(bar) -> None:
        with NotebookKernel(notebook.parent) as kernel:
            while True:
                try:
                    mid = todo.get_nowait()
                except queue.Empty:
                    return
                began = time.perf_counter()
                try:
                    nb = kernel.run(notebook, _parameters(mid, lang))
                    run = _Run(mid, site_page(folder, mid), nb, 0.0)
                    result = _write_page(run, lang, note, assets=f"../{SITE_ASSETS}/", home=home, start=began)
                    with lock:
                        results[mid] = result
                except NatsamError as exc:
                    with lock:
                        failures.append(str(exc))
                with lock:
                    bar.update()

    with tqdm(total=len(ids), desc="Kommunsidor", unit="sida", disable=not progress) as bar, \
            ThreadPoolExecutor(max_workers=max(1, min(jobs, len(ids)))) as pool:
        for future in [pool.submit(worker, bar) for _ in range(max(1, min(jobs, len(ids))))]:
            future.result()
    pages = [results[m] for m in ids if m in results]
    write_assets(folder / SITE_ASSETS, {r.plotly for r in pages})
    atomic_write_text(folder / "index.html", site_index_html(pages, _provenance(), lang=lang))
    if failures:
        raise NatsamError(f"{len(failures)} of {len(ids)} municipality pages failed:\n" + "\n".join(failures))
    files = [p for p in folder.rglob("*") if p.is_file()]
    return SiteResult(folder, tuple(pages), sum(p.stat().st_size for p in files), len(files),
                      time.perf_counter() - start)


def site_index_html(pages: Sequence[ReportResult], provenance: Mapping[str, Any], *, lang: str = "sv") -> str:
    """The site's start page: the platform municipalities as cards, then a searchable list of every
    municipality with its county (the platforms first), in Swedish and English
    (:func:`natsam_analysis.dashboard.site.start_page_html`)."""
    from natsam_analysis.dashboard.site import Card, bilingual, start_page_html, texts
    from natsam_analysis.panel import is_synthetic, source_line

    provenance = dict(provenance)
    geo = geography.municipalities().set_index("municipality_id")
    languages = config.LANGUAGES

    def href(result: ReportResult) -> str:
        return f"{SITE_PAGES}/{quote(result.html.name)}"

    cards = []
    for result in pages:
        row = geo.loc[result.municipality_id]
        if not row["platform"]:
            continue
        cards.append(Card(
            href=href(result), title={code: result.name for code in languages},
            description={code: f"{row['county_name']} · {label('platform_municipality', code)}" for code in languages}))
    items = []
    for result in pages:
        row = geo.loc[result.municipality_id]
        search = f"{result.name} {row['county_name']} {result.municipality_id}"
        tag = f' <span class="tag">{bilingual(texts("sdg_tag_platform"))}</span>' if row["platform"] else ""
        items.append(f'<li data-search="{html.escape(search)}"><a href="{html.escape(href(result))}">'
                     f'{html.escape(result.name)}</a>{tag} <span class="county">{html.escape(row["county_name"])}</span></li>')
    listing = f"""<section id="kommuner" aria-labelledby="kommuner-heading">
<h2 id="kommuner-heading">{bilingual(texts("site_all_heading"))} ({len(pages)})</h2>
<p class="search"><label for="natsam-search">{bilingual(texts("site_search"))}</label>
<input id="natsam-search" type="search" autocomplete="off" spellcheck="false"></p>
<ul class="municipality-list" id="natsam-municipalities">
{chr(10).join(items)}
</ul>
<p id="natsam-no-match" hidden>{bilingual(texts("site_no_match"))}</p>
</section>
<style>
.search{{margin:0 0 12px}}.search label{{display:block;font-weight:600;margin-bottom:4px}}
#natsam-search{{font:inherit;width:100%;max-width:420px;padding:6px 10px;border:2px solid #0b4f8a;border-radius:4px}}
.municipality-list{{list-style:none;margin:0;padding:0;columns:3 16em;column-gap:24px}}
.municipality-list li{{break-inside:avoid;padding:3px 0;border-bottom:1px solid #e1e6eb}}
.municipality-list .county{{color:#555;font-size:.9rem}}
.municipality-list .tag{{font-size:.8rem;background:#e8f1f8;border-radius:3px;padding:0 4px}}
</style>
<script>
(function () {{
  var input = document.getElementById("natsam-search");
  var items = document.querySelectorAll("#natsam-municipalities li");
  var none = document.getElementById("natsam-no-match");
  function plain(text) {{ return text.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase(); }}
  items.forEach(function (li) {{ li.setAttribute("data-plain", plain(li.getAttribute("data-search"))); }});
  input.addEventListener("input", function () {{
    var words = plain(input.value).split(/\\s+/).filter(Boolean), shown = 0;
    items.forEach(function (li) {{
      var text = li.getAttribute("data-plain");
      var match = words.every(function (w) {{ return text.indexOf(w) >= 0; }});
      li.hidden = !match;
      if (match) {{ shown++; }}
    }});
    none.hidden = shown > 0;
  }});
}})();
</script>"""
    demo = is_synthetic(provenance)
    return start_page_html(
        cards, lang=lang, heading=texts("site_reports_title"), intro=texts("site_reports_intro"),
        cards_heading=texts("site_platforms_heading"),
        notice={code: source_line(provenance, code) for code in languages} if demo else None,
        source={code: source_line(provenance, code) for code in languages}, extra_html=listing,
        about=texts("site_reports_about"))
