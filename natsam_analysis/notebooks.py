"""Run notebooks and export them as self-contained HTML pages whose figures draw with no network.

A notebook's figures are plotly MIME bundles (:func:`natsam_analysis.viz.theme.show`), which only a
live Jupyter with the plotly extension draws. The export here renders them with the ``natsam``
nbconvert template (``natsam_analysis/share/nbconvert/templates/natsam``): JupyterLab's look, with
plotly.js inlined once in the page and every figure drawn from its JSON, and nothing loaded from a
CDN. Which plotly.js is inlined is chosen per page: the dashboards' partial bundle (1.8 MB) when it
holds every trace type of the page's figures, else the full plotly.js of the plotly package (4.8 MB).
A banner under the title gives the sources of the figures, or the demo note.

``make notebooks`` (``natsam notebooks``) runs every research notebook on the current data and
writes the pages to ``build/notebooks/``; the static reports of ``natsam export`` go the same way,
with parameters (:func:`inject_parameters`) and without the code.

Examples
--------
>>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('lang = "sv"', metadata={"tags": ["parameters"]})])
>>> inject_parameters(nb, {"lang": "en"}, "demo.ipynb").cells[1].source
"# Parametrar för den här körningen\\nlang = 'en'"
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import os
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from natsam_analysis import __version__, config
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE, check_language, label
from natsam_analysis.store import atomic_write_text
from natsam_analysis.viz.theme import NOTE_NAME

#: The MIME type of a plotly figure in a notebook's outputs.
FIGURE_MIME = "application/vnd.plotly.v1+json"
#: Where the ``natsam`` nbconvert template lives (an ``extra_template_basedirs`` entry).
TEMPLATES = Path(__file__).resolve().parent / "share" / "nbconvert" / "templates"
TEMPLATE = "natsam"
#: The tag of the cell that holds a notebook's parameters, and of the cell that overrides them.
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
#: Seconds a single cell may run before the export gives up.
CELL_TIMEOUT = 900
DEFAULT_OUT = Path("build") / "notebooks"
#: Cells with this tag are left out of the exported page (e.g. a note for the notebook's readers).
REMOVE_TAG = "remove-cell"
#: The shared files of pages exported with ``assets`` (:func:`to_html`, :func:`write_assets`).
ASSET_FILES = {"partial": "plotly-natsam.min.js", "full": "plotly.min.js", "css": "natsam-notebook.css"}
#: An output's metadata key listing files of a figure to link under it: ``[{"href": ..., "label": ...}]``.
FILES_KEY = "natsam_files"


@dataclass(frozen=True)
class ExportResult:
    """One exported page: where it is, how many figures it holds, its size and which plotly.js."""

    notebook: Path
    html: Path
    title: str
    figures: int
    bytes: int
    plotly: str
    seconds: float


def figure_outputs(nb: nbformat.NotebookNode) -> list[dict]:
    """The plotly figures among ``nb``'s outputs, in order (their JSON: data, layout, config)."""
    return [output["data"][FIGURE_MIME] for cell in nb.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if FIGURE_MIME in output.get("data", {})]


def source_notes(figures: Iterable[Mapping]) -> list[str]:
    """The distinct source notes (annotation ``source-note``) of ``figures``, each on one line."""
    notes: list[str] = []
    for figure in figures:
        for annotation in figure.get("layout", {}).get("annotations", []):
            if annotation.get("name") == NOTE_NAME:
                text = " ".join(str(annotation.get("text", "")).replace("<br>", " ").split())
                if text and text not in notes:
                    notes.append(text)
    return notes


def is_demo(notes: Iterable[str]) -> bool:
    """True when any of ``notes`` is (or contains) the demo note, in either language."""
    return any(demo in note for note in notes for demo in DEMO_NOTE.values())


def trace_types(figures: Iterable[Mapping]) -> set[str]:
    """The plotly trace types drawn by ``figures``."""
    return {trace.get("type", "scatter") for figure in figures for trace in figure.get("data", [])}


@lru_cache(maxsize=2)
def _read_plotly_js(which: str) -> str:
    if which == "partial":
        from natsam_analysis.dashboard.figure import BUNDLE

        return BUNDLE.read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def plotly_js_for(types: set[str]) -> tuple[str, str]:
    """The plotly.js to inline for figures of ``types``: ``("partial", js)`` when the dashboards'
    partial bundle draws them all, else ``("full", js)``."""
    from natsam_analysis.dashboard.figure import TRACE_TYPES

    which = "partial" if types <= TRACE_TYPES else "full"
    return which, _read_plotly_js(which)


def notebook_title(nb: nbformat.NotebookNode, default: str) -> str:
    """The first Markdown heading of ``nb`` (without its ``#``), else ``default``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def parameter_names(nb: nbformat.NotebookNode) -> tuple[int, set[str]] | None:
    """The index of ``nb``'s parameters cell and the names it assigns (None without such a cell)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse(cell.source)
            names = {target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                     for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                     if isinstance(target, ast.Name)}
            return index, names
    return None


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any] | None,
                      name: str) -> nbformat.NotebookNode:
    """Insert a cell that sets ``parameters`` after ``nb``'s cell tagged ``parameters`` (in place).

    The values are written as Python literals (``repr``). Raises a ``NatsamError`` when the notebook
    has no parameters cell or a parameter is not one of its names.
    """
    if not parameters:
        return nb
    found = parameter_names(nb)
    if found is None:
        raise NatsamError(f"{name}: no cell tagged '{PARAMETERS_TAG}', so the parameters "
                          f"{', '.join(sorted(parameters))} cannot be set. Tag the notebook's parameter cell "
                          f"'{PARAMETERS_TAG}' (JupyterLab: the property inspector's cell tags).")
    index, names = found
    unknown = sorted(set(parameters) - names)
    if unknown:
        raise NatsamError(f"{name}: unknown parameter(s) {', '.join(unknown)}; the notebook's parameters "
                          f"cell sets {', '.join(sorted(names)) or 'nothing'}.")
    source = "# Parametrar för den här körningen\n" + "\n".join(f"{key} = {value!r}" for key, value in parameters.items())
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]}))
    return nb


def execute(path: str | Path, parameters: Mapping[str, Any] | None = None, *,
            timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run the notebook at ``path`` (in its own folder, with ``parameters`` injected) and return it.

    Raises a ``NatsamError`` naming the notebook, the cell and the error when a cell fails.
    """
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    if not path.is_file():
        raise NatsamError(f"{path}: no such notebook.")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a broken file
        raise NatsamError(f"{path}: not a readable notebook ({exc}).") from None
    inject_parameters(nb, parameters, path.name)
    # The kernel talks over Unix sockets in a private folder: not over TCP on the loopback, which
    # any local user could connect to (ipykernel warns about that), nor with socket files left behind.
    with tempfile.TemporaryDirectory(prefix="natsam-kernel-") as sockets:
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "kernel"))
        client = NotebookClient(nb, km=manager, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
        try:
            client.execute(cleanup_kc=True)  # given a manager, the client would leave the kernel running
        except CellExecutionError as exc:
            _raise_cell_error(path, nb, exc)
    return nb


def _raise_cell_error(path: Path, nb: nbformat.NotebookNode, exc: Exception) -> None:
    cell = next((i for i, c in enumerate(nb.cells) if any(o.get("output_type") == "error"
                                                          for o in c.get("outputs", []))), None)
    error = next((o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"), {})
    where = f"cell {cell + 1}" if cell is not None else "a cell"
    raise NatsamError(f"{path}: {where} failed with {error.get('ename', 'an error')}: "
                      f"{error.get('evalue', exc)}. Open the notebook in JupyterLab (make lab) and run it "
                      "to see the whole traceback.") from None


def to_html(nb: nbformat.NotebookNode, *, title: str, lang: str | None = None,
            exclude_input: bool = False, fallback_note: str | None = None, assets: str | None = None,
            home: tuple[str, str] | None = None) -> tuple[str, str]:
    """Render an executed notebook as one self-contained HTML page; return ``(html, plotly)``.

    ``plotly`` says which plotly.js was inlined (``"partial"``, ``"full"``, or ``""`` when the page
    has no figure). ``exclude_input`` leaves the code out (reports). ``fallback_note`` is the
    banner's source line when no figure carries one. Cells tagged ``remove-cell`` are left out, and
    a figure output whose metadata lists files (:data:`FILES_KEY`) gets links to them.

    ``assets`` (a relative URL ending in ``/``, e.g. ``"../assets/"``) makes a page of a site: instead of
    inlining plotly.js and JupyterLab's style sheet, it loads the shared files of :func:`write_assets`
    from there (a static site of many pages then carries them once). ``home`` is ``(href, text)``
    of a link back to the site's start page.
    """
    lang = check_language(lang)
    figures = figure_outputs(nb)
    notes = source_notes(figures) or ([fallback_note] if fallback_note else [])
    which, js = plotly_js_for(trace_types(figures)) if figures else ("", "")
    exporter = _exporter(exclude_input)
    exporter.language_code = lang  # nbconvert sets <html lang> from its own setting, not from the resources
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    generated = label("export_generated", lang, date=dt.date.today().isoformat(), version=__version__)
    resources = {"language_code": lang, "natsam": {
        "plotly_js": js, "notes": notes, "synthetic": is_demo(notes), "generated": generated,
        "not_drawn": label("figure_not_drawn", lang), "files_label": label("figure_files", lang),
        "plotly_src": f"{assets}{ASSET_FILES[which]}" if assets is not None and which else "",
        "css_href": f"{assets}{ASSET_FILES['css']}" if assets is not None else "",
        "home": {"href": home[0], "text": home[1]} if home else None}}
    if assets is not None:
        resources["natsam"]["plotly_js"] = ""
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body, which


_exporters = threading.local()


def _exporter(exclude_input: bool):
    """The HTML exporter (one per thread and setting: compiling its templates takes half a second)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    cache = _exporters.__dict__.setdefault("by_setting", {})
    if exclude_input not in cache:
        cache[exclude_input] = HTMLExporter(
            config=Config({"NbConvertBase": {"display_data_priority": [FIGURE_MIME, *_html_priority()]},
                           "TagRemovePreprocessor": {"enabled": True, "remove_cell_tags": {REMOVE_TAG}}}),
            template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)], exclude_input=exclude_input,
            exclude_input_prompt=exclude_input, exclude_output_prompt=exclude_input,
        )
    return cache[exclude_input]


@lru_cache(maxsize=1)
def _html_priority() -> tuple[str, ...]:
    from nbconvert import HTMLExporter

    return tuple(HTMLExporter().default_config.NbConvertBase.display_data_priority)


#: Rules of nbconvert's lab template that a page loading the shared style sheet still needs.
_LAB_EXTRA_CSS = """
* { -webkit-print-color-adjust: exact; }
a.anchor-link { display: none; }
.jp-InputArea, .jp-InputArea-editor { overflow: hidden; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; }
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
.jp-Collapser { display: none; }
@page { margin: 0.5in; }
@media print { .jp-Cell-inputWrapper, .jp-Cell-outputWrapper { display: block; } }
"""


def notebook_css() -> str:
    """JupyterLab's style sheet as nbconvert's lab template inlines it (light theme), for the shared file."""
    from nbconvert import HTMLExporter

    for folder in HTMLExporter(template_name="lab").template_paths:
        static = Path(folder) / "static"
        if (static / "index.css").is_file() and (static / "theme-light.css").is_file():
            return "\n".join([(static / "index.css").read_text(encoding="utf-8"),
                              (static / "theme-light.css").read_text(encoding="utf-8"), _LAB_EXTRA_CSS])
    raise NatsamError("nbconvert's lab template (static/index.css) was not found: reinstall nbconvert.")


def write_assets(folder: str | Path, plotly: Iterable[str] = ("partial",)) -> list[Path]:
    """Write the shared files of pages exported with ``assets`` into ``folder`` (atomically): the style
    sheet and each plotly.js of ``plotly`` (``"partial"``, ``"full"``) that the pages load."""
    folder = Path(folder)
    files = {ASSET_FILES["css"]: notebook_css(),
             **{ASSET_FILES[which]: _read_plotly_js(which) for which in sorted(set(plotly) - {""})}}
    for name, text in files.items():
        atomic_write_text(folder / name, text)
    return [folder / name for name in files]


def export_notebook(path: str | Path, out: str | Path, *, parameters: Mapping[str, Any] | None = None,
                    exclude_input: bool = False, fallback_note: str | None = None) -> ExportResult:
    """Run the notebook at ``path`` and write it as a self-contained HTML page to ``out`` (atomically)."""
    start = time.perf_counter()
    path, out = Path(path), Path(out)
    nb = execute(path, parameters)
    lang = (parameters or {}).get("lang") or config.default_language()
    title = notebook_title(nb, path.stem)
    page, which = to_html(nb, title=title, lang=lang, exclude_input=exclude_input, fallback_note=fallback_note)
    atomic_write_text(out, page)
    return ExportResult(path, out, title, len(figure_outputs(nb)), len(page.encode("utf-8")), which,
                        time.perf_counter() - start)


def export_notebooks(notebooks: Iterable[str | Path] | None = None, out: str | Path = DEFAULT_OUT, *,
                     jobs: int = 2, progress: bool = True) -> list[ExportResult]:
    """Run the research notebooks (default: all in ``notebooks/``) and write one page each to ``out``,
    plus an ``index.html`` linking them.

    ``jobs`` notebooks run at once. A notebook that fails does not stop the others; afterwards a
    ``NatsamError`` lists every failure (pages already written stay, older pages of failed notebooks
    are left as they were).
    """
    from tqdm.auto import tqdm

    paths = sorted(Path(p) for p in notebooks) if notebooks is not None else sorted(config.notebooks_dir().glob("*.ipynb"))
    if not paths:
        raise NatsamError(f"No notebooks to export in {config.notebooks_dir()}.")
    out = Path(out)
    results: list[ExportResult] = []
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool, \
            tqdm(total=len(paths), desc="Notebooks", unit="notebook", disable=not progress) as bar:
        futures = {pool.submit(export_notebook, p, out / f"{p.stem}.html"): p for p in paths}
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except NatsamError as exc:
                failures.append(str(exc))
            bar.update()
    results.sort(key=lambda r: r.notebook.name)
    if results:
        atomic_write_text(out / "index.html", index_html(results))
    if failures:
        raise NatsamError(f"{len(failures)} of {len(paths)} notebooks failed:\n" + "\n".join(failures))
    return results


def index_html(results: Iterable[ExportResult], lang: str | None = None) -> str:
    """A page linking the exported notebooks, each with its title and number of figures."""
    lang = check_language(lang)
    items = "\n".join(
        f'  <li><a href="{html.escape(r.html.name)}">{html.escape(r.title)}</a> '
        f'<span>({label("export_figures", lang, n=r.figures)})</span></li>' for r in results)
    title = html.escape(label("export_index_title", lang))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n'
            '<style>body{font:16px/1.5 Inter,"Segoe UI",Roboto,Arial,sans-serif;color:#222;max-width:46em;'
            'margin:2em auto;padding:0 1em}a{color:#005A8C}span{color:#555}</style>\n</head>\n<body>\n'
            f'<h1>{title}</h1>\n<ul>\n{items}\n</ul>\n</body>\n</html>\n')
