"""Readers of the tables fetched into the local store: the panel, the KPI catalogue, the municipality groups.

Fetched Kolada data lives in one store folder, :func:`kolada_store` (``<data dir>/cache/kolada``),
one table each (see :mod:`natsam_analysis.store` for the folder's format):

=======================  =====================================================================
table                    what
=======================  =====================================================================
``panel``                the indicator panel (see :mod:`natsam_analysis.tables`) plus ``count``
``group_values``         values of municipality groups (``G...``)
``kpis``                 Kolada's KPI catalogue (:func:`kpi_catalogue`)
``municipalities``       Kolada's municipalities and regions (id, title, type K/L)
``municipality_groups``  municipality groups, one row per member; SKR's classification of
                         municipalities (:func:`skr_groups`) comes from here
=======================  =====================================================================

This module only reads; the fetches that write these tables are in
:mod:`natsam_analysis.sources.sync`. It sits with the store, above the sources, so that the catalog
and the geography can read fetched tables without importing the sources.

Examples
--------
>>> kolada_store() == config.cache_dir() / "kolada"
True
>>> kpi_catalogue()["id"].head(2).tolist()           # doctest: +SKIP
['N00002', 'N00003']
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from natsam_analysis import config, store
from natsam_analysis.errors import DataNotAvailableError, NatsamError

PANEL_TABLE = "panel"
GROUP_VALUES_TABLE = "group_values"
KPI_TABLE = "kpis"
MUNICIPALITY_TABLE = "municipalities"
GROUPS_TABLE = "municipality_groups"
#: SKR's classification of municipalities (kommungruppsindelning) as Kolada's municipality groups.
SKR_GROUP_IDS = tuple(f"G{n}" for n in range(92786, 92795))


def kolada_store() -> Path:
    """Folder of the fetched Kolada tables (``<data dir>/cache/kolada``)."""
    return config.cache_dir() / "kolada"


def read_stored(folder: Path, name: str) -> pd.DataFrame | None:
    """Table ``name`` of store folder ``folder``, or ``None`` when the folder does not hold it."""
    return store.read_table(folder, name) if store.has_table(folder, name) else None


def has_fetched_panel() -> bool:
    """True when the local store holds a fetched Kolada panel."""
    return store.has_table(kolada_store(), PANEL_TABLE)


def fetched_panel() -> pd.DataFrame:
    """The fetched Kolada panel; ``attrs["provenance"]`` holds its manifest entry.

    Raises
    ------
    DataNotAvailableError
        When no panel has been fetched yet.
    """
    folder = kolada_store()
    if not has_fetched_panel():
        raise DataNotAvailableError(
            f"No fetched Kolada data in {folder}. Fetch it into the store first, or use "
            "load_panel(source='demo') for the synthetic demo panel."
        )
    return store.read_table(folder, PANEL_TABLE)


def kpi_catalogue(folder: Path | None = None) -> pd.DataFrame:
    """The stored KPI catalogue (:data:`natsam_analysis.sources.kolada.KPI_COLUMNS`).

    Raises
    ------
    DataNotAvailableError
        When it has not been fetched yet (``natsam fetch --kpi-catalogue``).
    """
    folder = Path(folder) if folder else kolada_store()
    frame = read_stored(folder, KPI_TABLE)
    if frame is None:
        raise DataNotAvailableError(
            f"The Kolada KPI catalogue has not been fetched yet (no table {KPI_TABLE!r} in {folder}). Fetch it "
            "with `natsam fetch --kpi-catalogue` (about 6,000 KPIs, two requests) or `natsam fetch --catalog`.")
    return frame


def skr_groups(folder: Path | None = None) -> pd.DataFrame | None:
    """SKR's municipality classification from the stored municipality groups, or ``None`` if not fetched.

    One row per municipality: ``municipality_id``, ``skr_group_id`` (``G92786`` ... ``G92794``) and
    ``skr_group_name`` (e.g. "Storstäder"; Kolada's "(ovägt medel)" suffix removed).

    Raises
    ------
    NatsamError
        When the stored groups put a municipality in two SKR groups.
    """
    folder = Path(folder) if folder else kolada_store()
    groups = read_stored(folder, GROUPS_TABLE)
    if groups is None:
        return None
    skr = groups[groups["group_id"].isin(SKR_GROUP_IDS)]
    twice = skr["member_id"][skr["member_id"].duplicated()]
    if not twice.empty:
        raise NatsamError(f"{store.table_path(folder, GROUPS_TABLE)}: municipalities {sorted(set(twice))} are in more "
                          "than one of SKR's groups; fetch the groups again with `natsam fetch --groups`.")
    name = skr["group_title"].str.replace(r"\s*\(ovägt medel\)\s*$", "", regex=True)
    return pd.DataFrame({"municipality_id": skr["member_id"].astype(str).to_numpy(),
                         "skr_group_id": skr["group_id"].astype(str).to_numpy(),
                         "skr_group_name": name.astype(str).to_numpy()}).sort_values("municipality_id",
                                                                                      ignore_index=True)
