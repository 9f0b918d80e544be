"""A researcher's first notebook in JupyterLab: every cell runs and every figure is drawn.

JupyterLab is started as ``natsam lab`` starts it (:class:`natsam_analysis.lab.LabServer`), on a
copy of ``notebooks/`` so that nothing it saves reaches the committed notebooks, and with its own
settings and workspace folders so that a user's settings and open tabs play no part. The test opens
``01_oversikt.ipynb``, runs all cells from the Run menu and saves the notebook; then every cell has
run, no output went to stderr (errors and tracebacks are shown that way too), every plotly output
of the saved notebook is drawn with marks by jupyterlab-plotly at 1280x800, no request left the
machine and the committed notebook is unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from conftest import MARKS, PLOT, wait_until_drawn

from natsam_analysis import config
from natsam_analysis.lab import LabServer, free_port
from natsam_analysis.serve import prepare_data

NOTEBOOK = "01_oversikt.ipynb"
PLOTLY_MIME = "application/vnd.plotly.v1+json"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
#: ms: JupyterLab's first page load and kernel start on a slow 2-core CI machine
LOAD_TIMEOUT = 120_000
#: ms: running every cell of the notebook on such a machine
RUN_TIMEOUT = 120_000
#: The kernel is ready and idle ("Python 3 (ipykernel) | Idle" in the status bar; the execution
#: indicator beside it says "idle" while the kernel is still starting).
KERNEL_IDLE = """() => {
    const status = document.querySelector('.jp-StatusBar-TextItem[title^="Change kernel"]');
    return status !== null && / \\| Idle$/.test(status.textContent.trim());
}"""
#: The code cells' prompts: "[3]:" once run, "[*]:" while queued or running, "[ ]:" before.
PROMPTS = "Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim())"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    """JupyterLab, started as ``natsam lab`` starts it, on a temporary copy of the notebooks."""
    prepare_data()  # the demo panel, so that the first cell does not generate it within the timeout
    root = tmp_path_factory.mktemp("lab")
    notebooks = root / "notebooks"
    shutil.copytree(config.notebooks_dir(), notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = {"JUPYTERLAB_SETTINGS_DIR": str(root / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces")}
    with LabServer(notebooks, port=free_port(), log_path=root / "lab.log", env=env) as server:
        yield server


def _saved_notebook(path: Path, timeout: float = 60.0) -> nbformat.NotebookNode:
    """The notebook at ``path`` once JupyterLab has saved it with every code cell run."""
    deadline = time.monotonic() + timeout
    while True:
        nb = nbformat.read(path, as_version=4)
        if all(c.execution_count for c in nb.cells if c.cell_type == "code"):
            return nb
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not save the executed {path.name} within {timeout:.0f} s")
        time.sleep(0.5)


def test_overview_notebook_runs_and_draws_every_figure_in_jupyterlab(page, lab):
    committed = config.notebooks_dir() / NOTEBOOK
    committed_hash = _sha256(committed)
    started = time.monotonic()

    page.goto(lab.url(NOTEBOOK), timeout=LOAD_TIMEOUT)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=LOAD_TIMEOUT)
    page.wait_for_function(KERNEL_IDLE, timeout=LOAD_TIMEOUT)
    # served with the news feed off and the extension manager that does not ask PyPI
    page_config = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    assert page_config["news"] == {"disabled": True}
    assert page_config["extensionManager"]["name"] == "read-only"

    page.click('.lm-MenuBar-itemLabel:text-is("Run")')
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    # every code cell run, or stop at the first output on stderr (an error stops the run)
    page.wait_for_function(f"""() => {{
        const prompts = {PROMPTS};
        return document.querySelector('{STDERR}') !== null
            || (prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p)));
    }}""", timeout=RUN_TIMEOUT)
    stderr = page.locator(STDERR).all_inner_texts()
    assert stderr == [], f"output on stderr: {stderr}"
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_TIMEOUT)
    prompts = page.evaluate(PROMPTS)
    assert len(prompts) > 0 and all(p[1:-2].isdigit() for p in prompts), prompts

    # the figures the notebook produced, counted in the notebook as JupyterLab saves it
    page.click('.lm-MenuBar-itemLabel:text-is("File")')
    page.click('.lm-Menu-item[data-command="docmanager:save"]')
    executed = _saved_notebook(lab.folder / NOTEBOOK)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"] == []
    n_figures = sum(PLOTLY_MIME in o.get("data", {}) for o in outputs)
    assert n_figures > 0, "the notebook produced no plotly figure"

    # each of them drawn by jupyterlab-plotly, with marks, within its output area
    wait_until_drawn(page, n_figures, RUN_TIMEOUT)
    figures = page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd => ({{
        marks: gd.querySelectorAll('{MARKS}').length,
        byExtension: gd.classList.contains('jp-RenderedPlotly'),
        width: gd._fullLayout.width, areaWidth: gd.getBoundingClientRect().width,
        plotWidth: gd._fullLayout._size.w, plotHeight: gd._fullLayout._size.h,
        traces: gd._fullData.map(t => t.type),
    }}))""")
    assert len(figures) == n_figures, figures
    for fig in figures:
        assert fig["byExtension"], fig
        assert fig["marks"] > 0 and fig["plotWidth"] > 0 and fig["plotHeight"] > 0, fig
        assert fig["width"] <= fig["areaWidth"] + 1, fig  # not wider than its output area
    maps = [f for f in figures if "choropleth" in f["traces"]]
    assert len(maps) == 1 and maps[0]["marks"] >= 290, maps  # every municipality on the map

    page.assert_clean()
    assert _sha256(committed) == committed_hash, f"{committed} was changed"
    print(f"\n{NOTEBOOK} opened, run, saved and checked in JupyterLab in {time.monotonic() - started:.1f} s")
