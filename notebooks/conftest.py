"""How the notebooks run under ``pytest --nbval-lax``.

``02_datakallor.ipynb`` describes what the local store holds. So that it shows a real fetched store
in CI rather than an empty one, its kernel starts with ``NATSAM_DATA_DIR`` pointing at a fresh
temporary folder that ``natsam fetch --catalog``, ``natsam fetch --groups`` and ``natsam fetch
--scb TAB6471`` have filled from the fake Kolada and SCB APIs of the tests (``tests/fakes``), which
serve the real recorded payloads in ``../shared/reference`` (the fake Kolada adds synthesised values
where nothing was recorded; see its docstring) - and with ``NATSAM_OFFLINE=1``, so the notebook itself never touches the network.
The other notebooks keep the project's data folder (the demo).

Without ``../shared/reference`` (a user's own clone) the notebook runs against the project's own
store; under ``CI=true`` a missing reference folder is an error.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from natsam_analysis import config

DATA_SOURCES_NOTEBOOK = "02_datakallor.ipynb"
_ENV_KEYS = ("NATSAM_DATA_DIR", "NATSAM_OFFLINE")
_prepared: dict[str, Path] = {}


@contextmanager
def _environment(**values: str):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _fetched_data_dir() -> Path | None:
    """A temporary data folder filled from the fake Kolada API, or None without reference data."""
    tests_dir = str(config.PROJECT_ROOT / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    from refdata import in_ci, reference_root

    reference = reference_root() / "kolada"
    if not reference.is_dir():
        if in_ci():
            pytest.fail(f"CI=true but the reference folder {reference} is absent: {DATA_SOURCES_NOTEBOOK} "
                        "cannot be run against the fake Kolada API.", pytrace=False)
        return None
    from fakes.kolada_fake import KoladaFake
    from fakes.scb_fake import RECORDED_SELECTION, RECORDED_TABLE, ScbFake
    from fakes.server import FakeServer

    from natsam_analysis import geography
    from natsam_analysis.sources import scb, sync
    from natsam_analysis.sources.kolada import KoladaClient

    root = Path(tempfile.mkdtemp(prefix="natsam-notebook-data-"))
    geography_cache = config.cache_dir() / "geography"
    if geography_cache.is_dir():
        shutil.copytree(geography_cache, root / "cache" / "geography")
    with _environment(NATSAM_DATA_DIR=str(root)), FakeServer(KoladaFake(reference)) as server:
        geography._tables.cache_clear()
        client = KoladaClient(server.url + "/v3", rate=None)
        sync.fetch_catalog(client=client, progress=False)
        sync.fetch_groups(client=client)
    with _environment(NATSAM_DATA_DIR=str(root)), ScbFake(reference.parent / "scb") as fake:
        scb.fetch_to_store(RECORDED_TABLE, RECORDED_SELECTION, client=scb.make_client(fake.url, rate=None),
                           progress=False)
    geography._tables.cache_clear()
    return root


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Start the data-sources notebook's kernel (in its first cell's setup) on the fetched store."""
    path = Path(str(getattr(item, "path", "")))
    if path.name != DATA_SOURCES_NOTEBOOK or DATA_SOURCES_NOTEBOOK in _prepared:
        return (yield)
    root = _fetched_data_dir()
    if root is None:
        return (yield)
    _prepared[DATA_SOURCES_NOTEBOOK] = root
    with _environment(NATSAM_DATA_DIR=str(root), NATSAM_OFFLINE="1"):
        return (yield)  # nbval starts the kernel here; it keeps this environment


def pytest_sessionfinish(session, exitstatus):
    for root in _prepared.values():
        shutil.rmtree(root, ignore_errors=True)
