"""Every research notebook, run and exported as ``make notebooks`` does, draws every figure offline.

The notebooks are run once for the session (natsam_analysis.notebooks.export_notebooks, as
``natsam notebooks``) on the project's data (the demo in a fresh clone). Each page is then opened from
its file with every network request refused: the number of drawn plotly figures must equal the
number of figure outputs of the executed notebook, the banner must carry the demo note, and nothing
may be requested off the file, raise an error or be shown as a failed figure. On a phone (390x844)
the figures must fit the screen.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from conftest import DESKTOP, PHONE, wait_until_drawn

from natsam_analysis import config, notebooks
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import is_synthetic, load_panel

NOTEBOOKS = sorted(p.name for p in config.notebooks_dir().glob("*.ipynb"))
TIMEOUT = 30_000


@pytest.fixture(scope="session")
def exported(chromium, tmp_path_factory) -> dict[str, notebooks.ExportResult]:
    out = tmp_path_factory.mktemp("notebooks")
    results = notebooks.export_notebooks(out=out, jobs=2, progress=False)
    return {r.notebook.name: r for r in results}


def offline(page) -> list[str]:
    """Refuse every request that is not for a file or inline data; return the list of refused ones."""
    refused: list[str] = []

    def handle(route):
        if urlparse(route.request.url).scheme in ("file", "data", "blob"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.context.route("**/*", handle)
    return refused


def test_every_notebook_is_exported(exported):
    assert sorted(exported) == NOTEBOOKS
    assert all(r.figures > 0 for r in exported.values()), "a research notebook without figures?"
    index = (next(iter(exported.values())).html.parent / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{r.html.name}"' in index for r in exported.values())


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_exported_page_draws_every_figure_offline(page, exported, notebook):
    result = exported[notebook]
    refused = offline(page)
    page.goto(result.html.as_uri())
    drawn = wait_until_drawn(page, result.figures, TIMEOUT)
    assert len(drawn) == result.figures
    assert page.locator(".natsam-figure-missing").count() == 0
    assert refused == [], f"the page asked the network for {refused}"
    page.assert_clean()
    width = page.viewport_size["width"]
    assert all(0 < d["width"] <= width for d in drawn), f"a figure is wider than the {width}px screen: {drawn}"
    banner = page.inner_text(".natsam-export-note")
    if is_synthetic(load_panel().attrs["provenance"]):
        assert DEMO_NOTE["sv"] in banner
    assert "natsam-analysis" in banner
