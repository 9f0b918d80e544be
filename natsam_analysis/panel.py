"""The indicator panel as the rest of the suite sees it: fetched data when there is some, else the demo.

Examples
--------
>>> panel = load_panel()                      # doctest: +SKIP
>>> panel.attrs["provenance"]["source"]       # doctest: +SKIP
'demo'
>>> source_line(panel.attrs["provenance"])    # doctest: +SKIP
'Demodata – syntetiska värden, inte officiell statistik'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from natsam_analysis import config, store
from natsam_analysis.errors import DataNotAvailableError, NatsamError
from natsam_analysis.i18n import demo_note, label
from natsam_analysis.sources import demo

SOURCES = ("auto", "demo", "kolada")
KOLADA_TABLE = "panel"


def kolada_store() -> Path:
    """Folder of the fetched Kolada panel (``<data dir>/cache/kolada``)."""
    return config.cache_dir() / "kolada"


def has_fetched_panel() -> bool:
    """True when the local store holds a fetched Kolada panel (what ``load_panel()`` then returns)."""
    return store.has_table(kolada_store(), KOLADA_TABLE)


def load_panel(source: str = "auto") -> pd.DataFrame:
    """Load the indicator panel.

    Parameters
    ----------
    source
        ``"auto"`` (default): the fetched Kolada panel when the local store holds one, otherwise the
        synthetic demo (generated on first use; a stored demo is kept whatever its seed, see
        :func:`natsam_analysis.sources.demo.ensure_demo`). ``"kolada"``: the fetched panel or a clear error.
        ``"demo"``: always the synthetic demo.

    Returns
    -------
    pandas.DataFrame
        The tidy panel (see :mod:`natsam_analysis.tables`); ``attrs["provenance"]`` holds the store's
        manifest entry: ``source`` ("demo" or "kolada"), ``synthetic``, dates, seed or query, sha256.
    """
    if source not in SOURCES:
        raise NatsamError(f"load_panel: source={source!r} is not one of {', '.join(SOURCES)}.")
    if source in ("auto", "kolada") and has_fetched_panel():
        return store.read_table(kolada_store(), KOLADA_TABLE)
    if source == "kolada":
        raise DataNotAvailableError(
            f"No fetched Kolada data in {kolada_store()}. Fetch it into the store first, or use "
            "load_panel(source='demo') for the synthetic demo panel."
        )
    return store.read_table(demo.ensure_demo(), demo.TABLE)


def is_synthetic(provenance: dict[str, Any]) -> bool:
    """True when the data described by ``provenance`` is the synthetic demo."""
    return bool(provenance.get("synthetic")) or provenance.get("source") == "demo"


def source_line(provenance: dict[str, Any], lang: str | None = None, *, derived: bool = False) -> str:
    """The visible source line for a figure or table built on data with this provenance.

    Demo data always gets the demo note. Unmodified Kolada values are credited "Källa: Kolada";
    values computed from them (``derived=True``: percentiles, medians, indices) "Beräknat från Kolada".
    SCB's tables likewise: "Källa: SCB" and "Beräknat från SCB".
    The fetch date is added when known.
    """
    if is_synthetic(provenance):
        return demo_note(lang)
    source = provenance.get("source")
    if source in ("kolada", "scb"):
        text = label(f"derived_{source}" if derived else f"source_{source}", lang)
        fetched = str(provenance.get("fetched_at", ""))[:10]
        return f"{text} ({label('fetched', lang)} {fetched})" if fetched else text
    return str(provenance.get("source", ""))
