"""The coin: one object holding every data set of a composite indicator, plus the log of its steps.

Modelled on COINr's "coin". A :class:`Coin` starts from the raw data (units x indicators) and the
framework; each step (:meth:`Coin.run_step`) reads one of the data sets already made (by default the
latest) and adds a new named data set - it never overwrites its input. Data set names:
``raw``, ``denominated``, ``screened``, ``imputed``, ``treated``, ``normalised``, ``aggregated``.
Every step and its parameters go into :attr:`Coin.log`, so the index can be rebuilt with any change
(:meth:`Coin.regenerate`).

Examples
--------
>>> import pandas as pd
>>> idata = pd.DataFrame({"uCode": ["x", "y", "z"], "a": [1.0, 2.0, 4.0], "b": [3.0, None, 1.0]})
>>> imeta = pd.DataFrame({"Level": [1, 1, 2], "iCode": ["a", "b", "Index"],
...                       "Direction": [1, -1, 1], "Parent": ["Index", "Index", None],
...                       "Type": ["Indicator", "Indicator", "Aggregate"]})
>>> coin = Coin(idata, imeta).run_step("impute", method="mean").run_step("normalise")
>>> coin = coin.run_step("aggregate")
>>> coin.results()[["uCode", "Index", "Rank_Index"]].values.tolist()
[['x', 0.0, 3], ['y', 41.666666666666664, 2], ['z', 100.0, 1]]
>>> coin.regenerate({"impute": {"method": "median"}}).results()["Index"].round(2).tolist()
[0.0, 41.67, 100.0]
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis.composite import steps
from natsam_analysis.composite.framework import Framework
from natsam_analysis.composite.spec import DATASET_NAME, STEP_OUTPUT, catalog_framework, check_step, load_spec
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.tables import read_csv_file

UNIT = "uCode"
UNIT_NAME = "uName"
GROUP_SUFFIX = "_group"
PANEL_GROUP = "county_group"

def _read_csv(path: Path, what: str) -> pd.DataFrame:
    return read_csv_file(path, what, dtype={UNIT: str, "iCode": str, "Parent": str, "Type": str})


class Coin:
    """Every data set of a composite indicator plus the log of the steps that made them.

    Parameters
    ----------
    idata
        One row per unit: ``uCode`` (column or index), optional ``uName``, group columns
        (``*_group`` or iMeta rows of Type Group), denominator columns and one column per indicator.
    imeta
        Indicator metadata in COINr's conventions (see :mod:`natsam_analysis.composite.framework`).

    Attributes
    ----------
    framework, data, groups, denominators, log, analysis (per data set: e.g. the treatment summary
    under ``"treated"``, removed units under ``"screened"``), weights (used by the last aggregation),
    unit_names, years and history (panel coins only).
    """

    def __init__(self, idata: pd.DataFrame, imeta: pd.DataFrame | Framework, *, name: str = "Index",
                 origin: tuple[str, str] = ("iData", "iMeta")) -> None:
        self.name = name
        self.framework = imeta if isinstance(imeta, Framework) else Framework.from_imeta(imeta, origin=origin[1])
        fw = self.framework
        table = idata.reset_index() if idata.index.name == UNIT else idata
        if UNIT not in table.columns:
            raise ValidationError(origin[0], [f"no {UNIT!r} column (the unit codes)"],
                                  hint=f"Name the column of unit codes {UNIT!r}.")
        codes = table[UNIT]
        problems = [f"row {i + 2}, column {UNIT!r}: empty" for i, v in enumerate(codes) if pd.isna(v) or not str(v).strip()]
        dup = codes[codes.duplicated()].dropna().astype(str).unique().tolist()
        problems += [f"column {UNIT!r}: {d!r} appears more than once" for d in dup]
        missing = [c for c in fw.indicators if c not in table.columns]
        if missing:
            problems.append(f"missing indicator column(s) named in {origin[1]}: {', '.join(missing)}")
        dens = sorted({d for d in fw.denominator if d} - set(table.columns))
        if dens:
            problems.append(f"missing denominator column(s) named in {origin[1]}: {', '.join(dens)}")
        if problems:
            raise ValidationError(origin[0], problems, hint="Make iData and iMeta name the same codes.")
        index = pd.Index(codes.astype(str).str.strip(), name=UNIT)
        raw = {}
        for code in fw.indicators:
            col = table[code]
            num = pd.to_numeric(col, errors="coerce")
            bad = num.isna() & col.notna() & col.astype(str).str.strip().ne("")
            problems += [f"row {i + 2}, column {code!r}: {col.iloc[i]!r} is not a number" for i in np.flatnonzero(bad)[:20]]
            raw[code] = num.astype(float).to_numpy()
        if problems:
            raise ValidationError(origin[0], problems, hint="Indicator cells must be numbers (empty when missing).")
        group_cols = [c for c in table.columns if str(c).endswith(GROUP_SUFFIX) or c in fw.group_codes]
        den_cols = [c for c in table.columns if c in fw.denominator_codes or c in set(fw.denominator)]
        self.groups = pd.DataFrame({c: table[c].to_numpy() for c in group_cols}, index=index)
        self.denominators = pd.DataFrame({c: pd.to_numeric(table[c], errors="coerce").to_numpy()
                                          for c in den_cols}, index=index)
        self.unit_names = (pd.Series(table[UNIT_NAME].to_numpy(), index=index, name=UNIT_NAME)
                           if UNIT_NAME in table.columns else pd.Series(index.to_numpy(), index=index, name=UNIT_NAME))
        self.data: dict[str, pd.DataFrame] = {"raw": pd.DataFrame(raw, index=index)}
        self.log: list[dict[str, Any]] = []
        self.analysis: dict[str, Any] = {}
        self.weights: pd.Series = fw.weight.reindex(fw.codes).copy()
        self.history: pd.DataFrame | None = None
        self.years: dict[str, int] | None = None
        self.provenance: dict[str, Any] = {}
        self._last = "raw"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_csv(cls, idata_path: str | Path, imeta_path: str | Path, *, name: str = "Index") -> Coin:
        """Read iData and iMeta CSV files (UTF-8, with a header line) and build the coin.

        Examples
        --------
        >>> coin = Coin.from_csv("ASEM_iData.csv", "ASEM_iMeta.csv")  # doctest: +SKIP
        """
        idata = _read_csv(Path(idata_path), "iData")
        imeta = _read_csv(Path(imeta_path), "iMeta")
        return cls(idata, imeta, name=name, origin=(str(idata_path), str(imeta_path)))

    @classmethod
    def from_panel(cls, panel: pd.DataFrame, spec_or_framework: Any = None, year: int | None = None, *,
                   gender: str = "T", catalog: pd.DataFrame | None = None,
                   pillars: pd.DataFrame | None = None) -> Coin:
        """Build a coin from the tidy indicator panel and the catalog (NATSAM indices).

        The panel (rows of ``municipality_id, kpi, year, gender, value``) is pivoted into iData: one
        row per municipality, one column per indicator of the framework, gender ``gender`` ("T").
        Each indicator's value is taken from ``year`` when the indicator has any value in that year,
        otherwise from its latest earlier year with data; with ``year=None`` from the latest year with
        data. The year used per indicator is in :attr:`years`; the whole history (every year) is kept
        in :attr:`history` for the ``impute`` methods ``latest`` and ``interpolate``. Units get a
        ``county_group`` (the first two digits of the municipality id) for group imputation.

        Parameters
        ----------
        spec_or_framework
            A :class:`Framework`; an index spec (``IndexSpec`` or its dict) whose ``framework``/
            ``indicators`` name catalog pillars and KPIs; or None for every scored catalog indicator
            under its pillar, under ``Index``.

        Examples
        --------
        >>> from natsam_analysis.panel import load_panel   # doctest: +SKIP
        >>> coin = Coin.from_panel(load_panel(), year=2024)  # doctest: +SKIP
        >>> coin.framework.aggregates[2][:2]                  # doctest: +SKIP
        ['kompetens', 'naringslivsdynamik']
        """
        if isinstance(spec_or_framework, Framework):
            fw, name = spec_or_framework, "Index"
        else:
            sp = load_spec(spec_or_framework) if spec_or_framework is not None else None
            fw = catalog_framework(sp, catalog=catalog, pillars=pillars)
            name = sp.name if sp is not None else "Index"
            if year is None and sp is not None:
                year = sp.year
        needed = ["municipality_id", "kpi", "year", "gender", "value"]
        missing = [c for c in needed if c not in panel.columns]
        if missing:
            raise ValidationError("indicator panel", [f"missing column(s): {', '.join(missing)}"],
                                  hint="Pass the tidy panel from natsam_analysis.panel.load_panel().")
        rows = panel[(panel["gender"] == gender) & panel["kpi"].isin(fw.indicators)]
        present = set(rows.loc[rows["value"].notna(), "kpi"].astype(str).unique())
        absent = [k for k in fw.indicators if k not in present]
        if absent:
            raise NatsamError(f"Coin.from_panel: the panel has no values (gender {gender!r}) for indicator(s) "
                              f"{', '.join(absent)}; fetch them or leave them out of the index's indicators.")
        history = rows.pivot_table(index="municipality_id", columns=["kpi", "year"], values="value",
                                   aggfunc="first", dropna=False)
        units = sorted(panel["municipality_id"].astype(str).unique())
        history = history.reindex(units)
        history.index.name = UNIT
        years: dict[str, int] = {}
        for kpi in fw.indicators:
            sub = history[kpi]
            with_data = [int(y) for y, has in zip(sub.columns, sub.notna().any(axis=0).to_numpy()) if has]
            eligible = [y for y in with_data if year is None or y <= int(year)]
            if not eligible:
                raise NatsamError(f"Coin.from_panel: indicator {kpi!r} has no values in or before {year}; "
                                  "choose a later year or leave the indicator out.")
            years[kpi] = int(year) if year is not None and int(year) in eligible else max(eligible)
        idata = pd.DataFrame({k: history[(k, years[k])].to_numpy() for k in fw.indicators}, index=history.index)
        idata.insert(0, PANEL_GROUP, [u[:2] for u in idata.index])
        coin = cls(idata, fw, name=name, origin=("indicator panel", "catalog"))
        coin.history = history
        coin.years = years
        coin.provenance = dict(panel.attrs.get("provenance", {}))
        return coin

    # ------------------------------------------------------------------ steps
    @property
    def last_dataset(self) -> str:
        """Name of the data set the latest step wrote (``"raw"`` before any step)."""
        return self._last

    def run_step(self, step: str, *, from_: str | None = None, to: str | None = None, **params: Any) -> Coin:
        """Run one step on a data set of this coin and add its output; returns ``self``.

        Parameters
        ----------
        step
            ``denominate``, ``screen``, ``impute``, ``treat``, ``normalise`` or ``aggregate``.
        from_
            The data set to start from (default: the one the previous step wrote, ``raw`` at first).
        to
            The name of the data set to write (default: the step's own, e.g. ``imputed``); give one to
            keep a repeated step from writing over the data set of the same name.
        params
            The step's parameters (see :data:`natsam_analysis.composite.spec.STEP_PARAMS` and the step
            functions in :mod:`natsam_analysis.composite.steps`).

        Examples
        --------
        >>> coin.run_step("normalise", from_="raw", method="zscore", mean=10, sd=2)  # doctest: +SKIP
        """
        problems = check_step(step, params)
        if problems:
            raise NatsamError(f"step {step!r}: " + "; ".join(msg for _, msg in problems) + ".")
        source = from_ or self._last
        if source not in self.data:
            raise NatsamError(f"step {step!r}: from={source!r} is not a data set of this coin yet "
                              f"(available: {', '.join(self.data)}); run the step that makes it first.")
        if to is not None and (not isinstance(to, str) or not DATASET_NAME.match(to) or to == "raw"):
            raise NatsamError(f"step {step!r}: to={to!r} must be a data set name of letters, digits and _ "
                              "(starting with a letter), not 'raw'.")
        data = self.data[source]
        result = getattr(self, f"_do_{step}")(data, dict(params), source)
        out = to or STEP_OUTPUT[step]
        self.data[out] = result
        self._last = out
        entry = {"step": step, "from": source, "params": copy.deepcopy(dict(params))}
        if to is not None:
            entry["to"] = to
        self.log.append(entry)
        return self

    def _do_denominate(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        return steps.denominate(data, self.denominators, self.framework)

    def _do_screen(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        cols = [c for c in self.framework.indicators if c in data.columns]
        kept, removed = steps.screen(data, params.get("threshold", 0.9), columns=cols)
        self.analysis["screened"] = {"removed": removed, "threshold": params.get("threshold", 0.9)}
        return kept

    def _do_impute(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        method = params.get("method", "mean")
        inds = [c for c in self.framework.indicators if c in data.columns]
        if method in steps.HISTORY_METHODS:
            if self.history is None or self.years is None:
                raise NatsamError(f"impute: method {method!r} fills from other years of a panel; build the coin "
                                  "with Coin.from_panel (or use mean, median, mean_group, median_group).")
            if source != "raw" and any(self.framework.denominator):
                raise NatsamError(f"impute: method {method!r} fills raw panel values, so it must start from "
                                  "the raw data set (from: raw) when indicators are denominated.")
            filled = steps.fill_from_history(data[inds], self.history, self.years, method, params.get("max_age"))
        else:
            groups = None
            if method.endswith("_group"):
                group = params["group"]
                if group not in self.groups.columns:
                    raise NatsamError(f"key 'group': {group!r} is not a group column of the data (group columns: "
                                      f"{', '.join(self.groups.columns) or 'none'}); name one of them.")
                groups = self.groups[group]
            filled = steps.impute(data[inds], method, groups)
        out = data.copy()
        out[inds] = filled
        return out

    def _do_treat(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        inds = [c for c in self.framework.indicators if c in data.columns]
        treated, summary = steps.treat(data[inds], **params)
        self.analysis["treated"] = summary
        out = data.copy()
        out[inds] = treated
        return out

    def _do_normalise(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        return steps.normalise(data, self.framework, **params)

    def resolve_weights(self, weights: Any = None, data: pd.DataFrame | None = None,
                        pca_levels: list[int] | None = None) -> pd.Series:
        """Weights over every code: ``None``/``"metadata"`` (iMeta), ``"equal"``, ``"pca"`` (from
        ``data``) or a mapping of codes to weights replacing the metadata's for those codes."""
        fw = self.framework
        if weights is None or weights == "metadata":
            return fw.weight.reindex(fw.codes).astype(float)
        if weights == "equal":
            return steps.equal_weights(fw)
        if weights == "pca":
            if data is None:
                raise NatsamError("weights: 'pca' needs a data set to compute the components from.")
            return steps.pca_weights(data, fw, pca_levels)
        return steps._as_weight_series(fw, weights)

    def _do_aggregate(self, data: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
        params = dict(params)
        w = self.resolve_weights(params.pop("weights", None), data, params.pop("pca_levels", None))
        out = steps.aggregate(data, self.framework, weights=w, **params)
        self.weights = w.rename("Weight")
        self.analysis["aggregated"] = {"weights": self.weights.copy(),
                                       "effective_weights": steps.effective_weights(self.framework, w)}
        return out

    def build(self, spec: Any) -> Coin:
        """Run every step of a spec (an ``IndexSpec``, a dict or a YAML path); returns ``self``."""
        sp = load_spec(spec)
        for i, entry in enumerate(sp.steps, start=1):
            params = {k: v for k, v in entry.items() if k not in ("step", "from", "to")}
            try:
                self.run_step(entry["step"], from_=entry.get("from"), to=entry.get("to"), **params)
            except NatsamError as exc:
                raise NatsamError(f"{sp.origin}: step {i} ({entry['step']}): {exc}\n"
                                  "Fix the spec or the data and run again.") from exc
        return self

    # ------------------------------------------------------------------ variants and results
    def _blank(self) -> Coin:
        new = object.__new__(Coin)
        new.name = self.name
        new.framework = self.framework
        new.groups = self.groups
        new.denominators = self.denominators
        new.unit_names = self.unit_names
        new.data = {"raw": self.data["raw"]}
        new.log = []
        new.analysis = {}
        new.weights = self.framework.weight.reindex(self.framework.codes).copy()
        new.history = self.history
        new.years = self.years
        new.provenance = self.provenance
        new._last = "raw"
        return new

    def regenerate(self, changes: Mapping[Any, Mapping[str, Any]] | None = None) -> Coin:
        """A new coin made by replaying the log with changed parameters (this coin is not touched).

        ``changes`` maps a step name (every logged step of that name) or a step position in the log
        (0-based int) to parameter changes; a value of ``None`` removes the parameter (back to its
        default). The raw data and framework are shared, not copied.

        Examples
        --------
        >>> variant = coin.regenerate({"treat": {"winmax": 3}, "aggregate": {"method": "geometric"}})  # doctest: +SKIP
        """
        changes = dict(changes or {})
        names = {e["step"] for e in self.log}
        unknown = [k for k in changes if not (k in names or (isinstance(k, int) and 0 <= k < len(self.log)))]
        if unknown:
            raise NatsamError(f"regenerate: {unknown} name no step in this coin's log "
                              f"({', '.join(e['step'] for e in self.log) or 'empty'}).")
        new = self._blank()
        for i, entry in enumerate(self.log):
            params = copy.deepcopy(entry["params"])
            for key in (entry["step"], i):
                for k, v in (changes.get(key) or {}).items():
                    if v is None:
                        params.pop(k, None)
                    else:
                        params[k] = v
            new.run_step(entry["step"], from_=entry["from"], to=entry.get("to"), **params)
        return new

    def spec(self) -> dict[str, Any]:
        """The log as a spec dict (``{"name": ..., "steps": [...]}``), replayable with :meth:`build`."""
        return {"name": self.name,
                "steps": [{"step": e["step"], "from": e["from"], **({"to": e["to"]} if "to" in e else {}),
                           **copy.deepcopy(e["params"])} for e in self.log]}

    def results(self, dataset: str = "aggregated") -> pd.DataFrame:
        """A data set as a flat table: ``uCode``, its columns and ``Rank_<code>`` for each aggregate.

        Rank 1 is the best (highest) score; ties share the lowest rank.
        """
        if dataset not in self.data:
            raise NatsamError(f"results: no data set {dataset!r} in this coin (available: {', '.join(self.data)}).")
        df = self.data[dataset]
        out = df.reset_index()
        aggs = [c for c in self.framework.codes[len(self.framework.indicators):] if c in df.columns]
        for code in aggs:
            out[f"Rank_{code}"] = steps.rank_scores(df[code]).to_numpy()
        return out

    def __repr__(self) -> str:
        units = len(self.data["raw"])
        return (f"Coin({self.name!r}: {units} units, {self.framework!r}; data sets: {', '.join(self.data)})")
