"""Building an index from its spec: :func:`build_index` in memory, :func:`build_index_files` from files to a CSV.

The spec (:mod:`~natsam_analysis.composite.spec`) says what to build; the coin
(:mod:`~natsam_analysis.composite.coin`) runs the steps; this module brings them together with the
data: iData and iMeta tables or files, or else the indicator panel (:func:`natsam_analysis.panel.load_panel`).

Examples
--------
>>> coin = build_index("data/indices/innovationsformaga.yaml")     # doctest: +SKIP
>>> coin.results()[["uCode", "Index", "Rank_Index"]].head(3)         # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from natsam_analysis.composite.coin import Coin, _read_csv
from natsam_analysis.composite.spec import DATASET_NAME, DATASETS, load_spec
from natsam_analysis.errors import NatsamError
from natsam_analysis.panel import load_panel
from natsam_analysis.store import atomic_write


def build_index(spec: Any, idata: pd.DataFrame | None = None, imeta: pd.DataFrame | None = None,
                panel: pd.DataFrame | None = None) -> Coin:
    """Build the index a spec describes and return the coin with every data set.

    With ``idata`` and ``imeta`` the coin starts from them (COINr's conventions). Otherwise the spec
    must name catalog indicators (``framework``/``indicators``) and the coin is built from ``panel``
    (default: :func:`natsam_analysis.panel.load_panel`) with :meth:`Coin.from_panel`.

    Examples
    --------
    >>> coin = build_index("data/indices/coinr_example.yaml", idata=idata, imeta=imeta)  # doctest: +SKIP
    >>> coin.results().sort_values("Rank_Index")["uCode"].head(3).tolist()          # doctest: +SKIP
    ['CHE', 'NLD', 'DNK']
    """
    sp = load_spec(spec)
    if (idata is None) != (imeta is None):
        raise NatsamError(f"{sp.origin}: give both iData and iMeta, or neither (to build from the indicator panel).")
    if idata is not None:
        coin = Coin(idata, imeta, name=sp.name)
    else:
        if not sp.uses_panel:
            raise NatsamError(f"{sp.origin}: the spec names no catalog indicators (no 'framework' or 'indicators' "
                              "key), so it needs iData and iMeta (natsam index build SPEC --idata FILE --imeta FILE).")
        if panel is None:
            panel = load_panel()
        coin = Coin.from_panel(panel, sp, year=sp.year)
    return coin.build(sp)


def build_index_files(spec_path: str | Path, idata_path: str | Path | None, imeta_path: str | Path | None,
                      out_path: str | Path, dataset: str | None = None) -> tuple[Coin, pd.DataFrame]:
    """Build an index from files and write one data set's results as CSV (atomically).

    The table holds ``uCode``, every indicator and aggregate of ``dataset`` (default: the data set the
    last step wrote) and ``Rank_<code>`` per aggregate. Nothing is written when anything fails.
    """
    sp = load_spec(spec_path)
    if dataset is not None and dataset not in DATASETS and not DATASET_NAME.match(dataset):
        raise NatsamError(f"--dataset {dataset!r} is not a data set name ({', '.join(DATASETS)}).")
    if (idata_path is None) != (imeta_path is None):
        raise NatsamError("give both --idata and --imeta, or neither (to build from the indicator panel).")
    if idata_path is not None:
        idata = _read_csv(Path(idata_path), "iData")
        imeta = _read_csv(Path(imeta_path), "iMeta")
        sp_coin = build_index(sp, idata=idata, imeta=imeta)
    else:
        sp_coin = build_index(sp)
    name = dataset or sp_coin.last_dataset
    if name not in sp_coin.data:
        raise NatsamError(f"--dataset {name!r}: the spec {sp.origin} makes no such data set "
                          f"(it makes {', '.join(sp_coin.data)}).")
    table = sp_coin.results(name)
    atomic_write(Path(out_path), lambda tmp: table.to_csv(tmp, index=False))
    return sp_coin, table
