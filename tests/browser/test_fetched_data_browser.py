"""After `natsam fetch`, both dashboards show the fetched values credited to Kolada (real browser).

The store is filled by the real fetch (``sources.sync.fetch_catalog``) from the fake Kolada API of
the tests, which serves the recorded payloads (plus synthesised values where nothing was recorded);
a Voila server of its own is started on that data directory, exactly as ``natsam serve`` would be.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import PLOT, wait_until_live
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer
from refdata import reference_path

from natsam_analysis import config
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.serve import VoilaServer, free_port, prepare_data, prepare_index, prepare_start_page
from natsam_analysis.sources import sync
from natsam_analysis.sources.kolada import KoladaClient

TIMEOUT = 90_000


@pytest.fixture(scope="module")
def fetched_voila(chromium, tmp_path_factory, geography_cache, data_dir_context):
    kolada = reference_path("kolada", "kolada_v3_2026-03-23_kpi_values.json").parent
    root = tmp_path_factory.mktemp("fetched-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    log = root / "voila.log"
    with data_dir_context(root):
        with FakeServer(KoladaFake(kolada)) as api:
            sync.fetch_catalog(client=KoladaClient(api.url + "/v3", rate=None), progress=False)
        assert prepare_data() == "kolada"
        prepare_index()
        prepare_start_page()
        with VoilaServer(config.dashboards_dir(), port=free_port(), log_path=log) as server:
            yield server


def _body_when_drawn(page, url: str, root: str) -> str:
    page.goto(url, timeout=TIMEOUT)
    wait_until_live(page, root, TIMEOUT)
    page.wait_for_function(f"document.querySelectorAll('{PLOT} .choroplethlayer path').length >= 290",
                           timeout=TIMEOUT)
    page.wait_for_selector(f"{PLOT} .barlayer .point", timeout=TIMEOUT)
    page.assert_clean()
    return page.inner_text("body")


def _notes(page) -> list[str]:
    """The source note under every plotly figure on the page (as one line; long notes are wrapped)."""
    return page.evaluate(f"""() => Array.from(document.querySelectorAll('{PLOT}')).map(gd =>
        (gd.layout.annotations || []).filter(a => a.name === 'source-note').map(a => a.text).join('')
            .replace(/<br>/g, ' '))""")


def test_kommunprofil_credits_kolada_after_a_fetch(page, fetched_voila):
    body = _body_when_drawn(page, fetched_voila.url("kommunprofil.ipynb"), ".natsam-kommunprofil")
    assert DEMO_NOTE["sv"] not in body
    assert "Källa: Kolada (hämtad " in body
    notes = _notes(page)
    assert len(notes) == 3 and all("Kolada (hämtad " in n for n in notes), notes
    assert any(n.startswith("Källa: Kolada") for n in notes)  # the map shows Kolada's own values
    assert any(n.startswith("Beräknat från Kolada") for n in notes)  # percentiles are derived


def test_indexutforskaren_describes_the_index_as_computed_from_kolada(page, fetched_voila):
    body = _body_when_drawn(page, fetched_voila.url("indexutforskaren.ipynb"), ".natsam-indexutforskaren")
    assert DEMO_NOTE["sv"] not in body
    notes = _notes(page)
    assert notes and all(n.startswith("Beräknat från Kolada (hämtad ") for n in notes), notes
