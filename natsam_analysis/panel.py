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

from typing import Any

import pandas as pd

from natsam_analysis import store
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import demo_note, label
from natsam_analysis.sources import demo

# kolada_store is not used here but stays importable from this module, where the notebooks read it with
# has_fetched_panel (both live in natsam_analysis.stored).
from natsam_analysis.stored import fetched_panel, has_fetched_panel, kolada_store  # noqa: F401

SOURCES = ("auto", "demo", "kolada")


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
    if source == "kolada" or (source == "auto" and has_fetched_panel()):
        return fetched_panel()  # for "kolada" without a fetched panel: a DataNotAvailableError saying so
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
