"""Paths and settings, read from the environment each time they are asked for.

Environment variables
---------------------
NATSAM_DATA_DIR
    Where generated and fetched data live (default: ``data/`` in the project). Demo data goes to
    ``<data dir>/demo``, fetched data and derived caches to ``<data dir>/cache``.
NATSAM_LANG
    Default language of labels, ``sv`` (default) or ``en``.
NATSAM_KOLADA_URL
    Base URL of the Kolada API (default ``https://api.kolada.se/v3``); tests point it at a local
    fake server.
NATSAM_SCB_URL
    Base URL of SCB's PxWebApi 2 (default ``https://statistikdatabasen.scb.se/api/v2``); tests point
    it at a local fake server.
NATSAM_OFFLINE
    ``1`` (also ``true``/``yes``): never touch the network; fetch commands read the local store only.
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


def notebooks_dir() -> Path:
    """Folder of the research notebooks (opened in JupyterLab by ``natsam lab``)."""
    return PROJECT_ROOT / "notebooks"


def default_language() -> str:
    """Label language from ``NATSAM_LANG`` (``sv`` unless set)."""
    lang = os.environ.get("NATSAM_LANG", "sv").strip().lower() or "sv"
    if lang not in LANGUAGES:
        raise NatsamError(
            f"NATSAM_LANG={lang!r} is not a supported language; use one of {', '.join(LANGUAGES)}."
        )
    return lang


DEFAULT_KOLADA_URL = "https://api.kolada.se/v3"
_TRUE = ("1", "true", "yes", "on")


def kolada_url() -> str:
    """Base URL of the Kolada API (``NATSAM_KOLADA_URL`` or ``https://api.kolada.se/v3``), no trailing slash."""
    url = os.environ.get("NATSAM_KOLADA_URL", "").strip() or DEFAULT_KOLADA_URL
    if not url.startswith(("http://", "https://")):
        raise NatsamError(
            f"NATSAM_KOLADA_URL={url!r} is not an http(s) URL; unset it to use {DEFAULT_KOLADA_URL}."
        )
    return url.rstrip("/")


DEFAULT_SCB_URL = "https://statistikdatabasen.scb.se/api/v2"


def scb_url() -> str:
    """Base URL of SCB's PxWebApi 2 (``NATSAM_SCB_URL`` or the Statistical Database's), no trailing slash."""
    url = os.environ.get("NATSAM_SCB_URL", "").strip() or DEFAULT_SCB_URL
    if not url.startswith(("http://", "https://")):
        raise NatsamError(f"NATSAM_SCB_URL={url!r} is not an http(s) URL; unset it to use {DEFAULT_SCB_URL}.")
    return url.rstrip("/")


def offline() -> bool:
    """True when ``NATSAM_OFFLINE`` is ``1``, ``true``, ``yes`` or ``on`` (case-insensitive)."""
    return os.environ.get("NATSAM_OFFLINE", "").strip().lower() in _TRUE
