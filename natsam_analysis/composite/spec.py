"""Index specs: the construction of an index as data (YAML), validated up front.

A spec names the index, optionally the catalog indicators it uses (for indices built from the
indicator panel), and the steps::

    name: Example
    year: 2024                      # panel indices: the data year (default: latest per indicator)
    framework:                      # panel indices: catalog pillars/KPIs (omit for iData/iMeta input)
      pillars: [kompetens, social]  # default: every scored pillar
      weights: {kompetens: 2}
    steps:
      - step: impute
        method: mean
      - step: normalise
        method: minmax
        range: [0, 100]
      - step: aggregate
        from: normalised            # any step may start from an earlier data set
        method: arithmetic

See ``data/indices/README.md`` for every step and parameter.

Examples
--------
>>> spec = load_spec({"name": "Demo", "steps": [{"step": "normalise"}, {"step": "aggregate"}]})
>>> [s["step"] for s in spec.steps], spec.uses_panel
(['normalise', 'aggregate'], False)
>>> load_spec({"steps": [{"step": "smooth"}]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
natsam_analysis.errors.ValidationError: index spec: 1 problem(s) found
  - step 1, key 'step': unknown step 'smooth'; the steps are denominate, screen, impute, ...
...
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from natsam_analysis.composite.coin import (
    DATASET_NAME,
    DATASETS,
    STEP_OUTPUT,
    Coin,
    _is_num,
    check_step,
)
from natsam_analysis.composite.framework import Framework
from natsam_analysis.errors import NatsamError, ValidationError

TOP_KEYS = ("name", "description", "year", "framework", "indicators", "steps")
FRAMEWORK_KEYS = ("top", "top_name", "pillars", "indicators", "weights")
_HINT = "Fix the spec (the keys and steps are described in data/indices/README.md) and run again."


@dataclass
class IndexSpec:
    """A validated index spec (build it with :func:`load_spec`)."""

    name: str
    steps: list[dict[str, Any]]
    description: str = ""
    year: int | None = None
    framework: dict[str, Any] | None = None
    indicators: list[str] | None = None
    origin: str = "index spec"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def uses_panel(self) -> bool:
        """True when the spec names catalog indicators (built from the panel, not iData/iMeta)."""
        return self.framework is not None or self.indicators is not None

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (what :meth:`to_yaml` writes)."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.year is not None:
            out["year"] = self.year
        if self.framework is not None:
            out["framework"] = copy.deepcopy(self.framework)
        if self.indicators is not None:
            out["indicators"] = list(self.indicators)
        out["steps"] = copy.deepcopy(self.steps)
        return out

    def to_yaml(self) -> str:
        """The spec as YAML text; :func:`load_spec` reads it back to an equal spec."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def load_spec(path_or_dict: str | Path | Mapping[str, Any] | IndexSpec) -> IndexSpec:
    """Read and validate an index spec (a YAML file path, a dict, or an ``IndexSpec``).

    Every problem is reported at once in a :class:`~natsam_analysis.errors.ValidationError` naming the
    file, the step number (from 1) and the key, and what to do: unknown steps or parameters, bad
    values, a ``from`` naming a data set that no earlier step makes.

    Examples
    --------
    >>> load_spec({"name": "X", "steps": [{"step": "aggregate", "from": "treated"}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    natsam_analysis.errors.ValidationError: index spec: 1 problem(s) found
      - step 1, key 'from': data set 'treated' is not made by an earlier step ...
    ...
    """
    if isinstance(path_or_dict, IndexSpec):
        return path_or_dict
    if isinstance(path_or_dict, Mapping):
        origin, raw = "index spec", copy.deepcopy(dict(path_or_dict))
    else:
        path = Path(path_or_dict)
        origin = str(path)
        if not path.is_file():
            raise NatsamError(f"index spec {path} not found; give the path to a YAML spec file "
                              "(examples in data/indices/).")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise NatsamError(f"{path}: not valid YAML ({exc}); fix the syntax and run again.") from None
        except UnicodeDecodeError:
            raise NatsamError(f"{path}: not UTF-8 text; save the spec as UTF-8.") from None
        if not isinstance(raw, Mapping):
            raise ValidationError(origin, ["the file must hold a mapping with at least 'steps'"], hint=_HINT)
        raw = dict(raw)
    problems: list[str] = []
    for key in raw:
        if key not in TOP_KEYS:
            problems.append(f"key {key!r}: unknown (allowed: {', '.join(TOP_KEYS)})")
    name = raw.get("name", "Index")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"key 'name': {name!r} must be a non-empty text")
    year = raw.get("year")
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 2100):
        problems.append(f"key 'year': {year!r} must be a year such as 2024 (or leave it out for the latest)")
    indicators = raw.get("indicators")
    if indicators is not None and not (isinstance(indicators, list) and indicators
                                       and all(isinstance(k, str) for k in indicators)):
        problems.append("key 'indicators': must be a list of catalog KPI ids, e.g. [N01982, N00999]")
    fw = raw.get("framework")
    if fw is not None:
        if not isinstance(fw, Mapping):
            problems.append("key 'framework': must be a mapping (keys: " + ", ".join(FRAMEWORK_KEYS) + ")")
        else:
            for key, value in fw.items():
                if key not in FRAMEWORK_KEYS:
                    problems.append(f"framework, key {key!r}: unknown (allowed: {', '.join(FRAMEWORK_KEYS)})")
                elif key in ("pillars", "indicators") and not (
                        value == "all" or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                    problems.append(f"framework, key {key!r}: must be a list of ids (or 'all')")
                elif key == "weights" and not (isinstance(value, Mapping)
                                               and all(_is_num(v) and v >= 0 for v in value.values())):
                    problems.append("framework, key 'weights': must map codes to numbers >= 0")
                elif key in ("top", "top_name") and not (isinstance(value, str) and value.strip()):
                    problems.append(f"framework, key {key!r}: must be a non-empty text")
            fw = dict(fw)
    step_list = raw.get("steps")
    steps_out: list[dict[str, Any]] = []
    if not isinstance(step_list, list) or not step_list:
        problems.append("key 'steps': missing or empty; list the steps, e.g. - step: normalise")
        step_list = []
    made = {"raw"}
    for i, entry in enumerate(step_list, start=1):
        if not isinstance(entry, Mapping) or "step" not in entry:
            problems.append(f"step {i}: must be a mapping with a 'step' key (e.g. - step: normalise)")
            continue
        entry = dict(entry)
        step = entry["step"]
        params = {k: v for k, v in entry.items() if k not in ("step", "from", "to")}
        for key, msg in check_step(step, params):
            problems.append(f"step {i}, key {key!r}: {msg}")
        if "from" in entry:
            src = entry["from"]
            if not isinstance(src, str) or (src not in DATASETS and not DATASET_NAME.match(src)):
                problems.append(f"step {i}, key 'from': {src!r} is not a data set name ({', '.join(DATASETS)} "
                                "or a name given with 'to')")
            elif src not in made:
                problems.append(f"step {i}, key 'from': data set {src!r} is not made by an earlier step "
                                f"(made so far: {', '.join(sorted(made))}); move the step or name another data set")
        to = entry.get("to")
        if "to" in entry and (not isinstance(to, str) or not DATASET_NAME.match(to) or to == "raw"):
            problems.append(f"step {i}, key 'to': {to!r} must be a data set name of letters, digits and _ "
                            "(starting with a letter), not 'raw'")
        elif to is not None:
            made.add(to)
        elif step in STEP_OUTPUT:
            made.add(STEP_OUTPUT[step])
        steps_out.append(entry)
    if problems:
        raise ValidationError(origin, problems, hint=_HINT)
    return IndexSpec(name=name, steps=steps_out, description=str(raw.get("description", "") or ""),
                     year=year, framework=fw, indicators=indicators, origin=origin, raw=raw)


def catalog_framework(spec: IndexSpec | Mapping[str, Any] | None = None, *, catalog: pd.DataFrame | None = None,
                      pillars: pd.DataFrame | None = None) -> Framework:
    """The framework of a panel index: catalog KPIs -> catalog pillars -> top aggregate.

    Indicators are the spec's ``indicators`` (top level or under ``framework``), by default every
    scored indicator (not the context pillar) of the chosen ``pillars`` (default: every scored pillar).
    Direction and Target come from the catalog; names are the Swedish titles and pillar labels; the
    top aggregate is ``framework.top`` (default ``Index``). ``framework.weights`` sets weights of
    pillars or indicators (relative within their parent; default 1).

    Examples
    --------
    >>> fw = catalog_framework({"steps": [{"step": "aggregate"}], "framework": {"pillars": ["social"]}})
    >>> fw.aggregates[2], fw.top, len(fw.indicators)
    (['social'], 'Index', 6)
    """
    from natsam_analysis import catalog as cat_module

    sp = load_spec(spec) if spec is not None else None
    cat = cat_module.load_catalog() if catalog is None else catalog
    pil = cat_module.load_pillars() if pillars is None else pillars
    fwd = dict(sp.framework or {}) if sp is not None else {}
    scored = [p for p in pil.index if p != cat_module.CONTEXT_PILLAR]
    chosen = fwd.get("pillars", "all")
    chosen = scored if chosen == "all" else list(chosen)
    where = sp.origin if sp is not None else "index spec"
    problems = [f"framework, key 'pillars': {p!r} is not a scored pillar ({', '.join(scored)})"
                for p in chosen if p not in scored]
    wanted = fwd.get("indicators") or (sp.indicators if sp is not None else None)
    if wanted in (None, "all"):
        kpis = [k for k in cat.index if cat.loc[k, "pillar"] in chosen]
    else:
        kpis = list(wanted)
        for k in kpis:
            if k not in cat.index:
                problems.append(f"indicators: {k!r} is not in the indicator catalog (data/catalog/indicators.csv)")
            elif cat.loc[k, "pillar"] not in scored:
                problems.append(f"indicators: {k!r} is a context variable (pillar {cat.loc[k, 'pillar']!r}), "
                                "not scored; leave it out")
            elif "pillars" in fwd and cat.loc[k, "pillar"] not in chosen:
                problems.append(f"indicators: {k!r} belongs to pillar {cat.loc[k, 'pillar']!r}, "
                                "which is not in framework.pillars")
    if problems:
        raise ValidationError(where, problems, hint=_HINT)
    kpis = [k for k in cat.index if k in set(kpis)]  # catalog order
    top = fwd.get("top", "Index")
    used = [p for p in chosen if any(cat.loc[k, "pillar"] == p for k in kpis)]
    order = {p: i for i, p in enumerate(pil.index)}
    used.sort(key=order.__getitem__)
    weights = dict(fwd.get("weights") or {})
    known = set(kpis) | set(used)
    bad = [c for c in weights if c not in known]
    if bad:
        raise ValidationError(where, [f"framework, key 'weights': {c!r} is not an indicator or pillar of this "
                                      "index" for c in bad], hint=_HINT)
    rows = []
    for k in kpis:
        rows.append({"Level": 1, "iCode": k, "iName": cat.loc[k, "title_sv"], "Direction": int(cat.loc[k, "direction"]),
                     "Weight": weights.get(k, 1.0), "Unit": cat.loc[k, "unit"], "Target": cat.loc[k, "target"],
                     "Parent": cat.loc[k, "pillar"], "Type": "Indicator"})
    for p in used:
        rows.append({"Level": 2, "iCode": p, "iName": pil.loc[p, "label_sv"], "Direction": 1,
                     "Weight": weights.get(p, 1.0), "Parent": top, "Type": "Aggregate"})
    rows.append({"Level": 3, "iCode": top, "iName": fwd.get("top_name", sp.name if sp is not None else top),
                 "Direction": 1, "Weight": 1.0, "Parent": None, "Type": "Aggregate"})
    return Framework.from_imeta(pd.DataFrame(rows), origin=f"{where} (framework from the catalog)")


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
            from natsam_analysis.panel import load_panel

            panel = load_panel()
        coin = Coin.from_panel(panel, sp, year=sp.year)
    return coin.build(sp)


def build_index_files(spec_path: str | Path, idata_path: str | Path | None, imeta_path: str | Path | None,
                      out_path: str | Path, dataset: str | None = None) -> tuple[Coin, pd.DataFrame]:
    """Build an index from files and write one data set's results as CSV (atomically).

    The table holds ``uCode``, every indicator and aggregate of ``dataset`` (default: the data set the
    last step wrote) and ``Rank_<code>`` per aggregate. Nothing is written when anything fails.
    """
    from natsam_analysis.store import atomic_write

    sp = load_spec(spec_path)
    if dataset is not None and dataset not in DATASETS and not DATASET_NAME.match(dataset):
        raise NatsamError(f"--dataset {dataset!r} is not a data set name ({', '.join(DATASETS)}).")
    if (idata_path is None) != (imeta_path is None):
        raise NatsamError("give both --idata and --imeta, or neither (to build from the indicator panel).")
    if idata_path is not None:
        from natsam_analysis.composite.coin import _read_csv

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
