"""Shared fixtures for the test suite.

Data isolation
--------------
Nothing in the tests writes into the project's ``data/`` folder. ``data_dir`` points
``NATSAM_DATA_DIR`` at a fresh temporary folder for one test; the derived geography (built once per
session into ``geography_cache``) is copied into it so that tests do not rebuild the boundaries
(about a second each) unless they mean to. The ``functools`` caches of :mod:`natsam_analysis.geography`
are cleared on the way in and out, so a test sees tables built or read under its own folder.

Reference data
--------------
``reference_dir()`` (and the ``reference``/``reference_file`` fixtures) locate the real recorded
payloads in ``../shared/reference`` relative to the project root. When the folder is absent the test
is skipped with the reason, except under ``CI=true``, where a missing folder is a failure: CI must not
silently skip the checks against real data. Reference files are read where they are, never copied.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from refdata import reference_dir, reference_path

from natsam_analysis import geography, store

# --------------------------------------------------------------------------------------------------
# reference data


@pytest.fixture
def reference() -> Path:
    """The ``../shared/reference`` folder (skips when absent, fails when ``CI=true``)."""
    return reference_dir()


@pytest.fixture
def reference_file() -> Callable[..., Path]:
    """Factory: ``reference_file("kolada", "x.json")`` -> path (skips/fails like ``reference``)."""
    return reference_path


# --------------------------------------------------------------------------------------------------
# data directory isolation


def clear_data_caches() -> None:
    """Forget every in-process cache that depends on the data directory."""
    geography._tables.cache_clear()
    geography._geojson_text.cache_clear()


@contextmanager
def using_data_dir(path: Path) -> Iterator[Path]:
    """Point ``NATSAM_DATA_DIR`` at ``path`` (and clear the caches) for the duration of the block."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NATSAM_DATA_DIR", str(path))
        clear_data_caches()
        try:
            yield path
        finally:
            clear_data_caches()


@pytest.fixture(scope="session")
def data_dir_context() -> Callable[[Path], contextlib.AbstractContextManager[Path]]:
    """``using_data_dir`` for fixtures of wider scope than a test (module- or session-scoped data)."""
    return using_data_dir


@pytest.fixture(scope="session")
def geography_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The derived geography and GeoJSON, built once per session; returns their cache folder."""
    root = tmp_path_factory.mktemp("geography-data")
    with using_data_dir(root):
        geography.municipalities()
        geography.municipality_geojson()
    folder = root / "cache" / "geography"
    assert store.has_table(folder, "municipalities") and (folder / "kommuner.geojson").exists()
    return folder


@pytest.fixture
def data_dir(tmp_path: Path, geography_cache: Path) -> Iterator[Path]:
    """A fresh ``NATSAM_DATA_DIR`` for one test, with the session's geography cache copied in."""
    root = tmp_path / "data"
    shutil.copytree(geography_cache, root / "cache" / "geography")
    with using_data_dir(root):
        yield root


@pytest.fixture
def empty_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A fresh, empty ``NATSAM_DATA_DIR`` (nothing cached: the geography is rebuilt on first use)."""
    root = tmp_path / "data"
    with using_data_dir(root):
        yield root


@pytest.fixture(scope="session")
def geo_tables(geography_cache: Path) -> dict[str, pd.DataFrame]:
    """Read-only: the municipalities, counties and FA regions tables (do not modify)."""
    with using_data_dir(geography_cache.parent.parent):
        return {
            "municipalities": geography.municipalities(),
            "counties": geography.counties(),
            "fa_regions": geography.fa_regions(),
        }


@pytest.fixture(scope="session")
def municipality_geojson(geography_cache: Path) -> dict:
    """Read-only: the web GeoJSON of the 290 municipalities (do not modify)."""
    with using_data_dir(geography_cache.parent.parent):
        return geography.municipality_geojson()


@pytest.fixture(scope="session")
def demo_panel(geography_cache: Path) -> pd.DataFrame:
    """Read-only: the demo panel generated with the default seed (not written anywhere)."""
    from natsam_analysis.sources import demo

    with using_data_dir(geography_cache.parent.parent):
        return demo.generate_demo_panel()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, geography_cache: Path) -> tuple[Path, dict]:
    """Read-only: a store folder holding the demo written with the default seed, and its manifest entry.

    Copy the folder (``shutil.copytree``) before changing anything in it.
    """
    from natsam_analysis.sources import demo

    folder = tmp_path_factory.mktemp("demo-store")
    with using_data_dir(geography_cache.parent.parent):
        entry = demo.write_demo(seed=demo.DEFAULT_SEED, folder=folder)
    return folder, entry


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list:
    """Everything the dashboards' FigureOutput displays (instead of printing megabytes of JSON)."""
    from natsam_analysis.dashboard import figure

    sent: list = []
    monkeypatch.setattr(figure, "display", lambda obj, **kwargs: sent.append(obj))
    return sent
