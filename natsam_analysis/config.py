"""Paths and settings, read from the environment each time they are asked for.

Environment variables
---------------------
NATSAM_DATA_DIR
    Where generated and fetched data live (default: ``data/`` in the project). Demo data goes to
    ``<data dir>/demo``, fetched data and derived caches to ``<data dir>/cache``.
NATSAM_LANG
    Default language of labels, ``sv`` (default) or ``en``.
"""

from __future__ import annotations

import os
from pathlib import Path

from natsam_analysis.errors import NatsamError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ("sv", "en")


def data_dir() -> Path:
    """Root of generated and fetched data (``NATSAM_DATA_DIR`` or ``<project>/data``)."""
    env = os.environ.get("NATSAM_DATA_DIR")
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / "data"


def demo_dir() -> Path:
    """Folder of the synthetic demo panel and its manifest."""
    return data_dir() / "demo"


def cache_dir() -> Path:
    """Folder of fetched data and derived caches (geography, GeoJSON)."""
    return data_dir() / "cache"


def catalog_dir() -> Path:
    """Folder of the committed indicator catalog (``data/catalog``)."""
    return PROJECT_ROOT / "data" / "catalog"


def dashboards_dir() -> Path:
    """Folder of the Voila dashboard notebooks."""
    return PROJECT_ROOT / "dashboards"


def default_language() -> str:
    """Label language from ``NATSAM_LANG`` (``sv`` unless set)."""
    lang = os.environ.get("NATSAM_LANG", "sv").strip().lower() or "sv"
    if lang not in LANGUAGES:
        raise NatsamError(
            f"NATSAM_LANG={lang!r} is not a supported language; use one of {', '.join(LANGUAGES)}."
        )
    return lang
