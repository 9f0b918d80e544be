"""Index specs: the construction of an index as data (YAML), validated up front.

This module also holds what a spec may say: the steps, their parameters (:data:`STEP_PARAMS`,
:func:`check_step`) and the data sets they write (:data:`STEP_OUTPUT`), which
:meth:`~natsam_analysis.composite.coin.Coin.run_step` checks against too. It knows nothing of the
coin: the coin imports this module, and :mod:`~natsam_analysis.composite.build` builds a spec.

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
import difflib
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from natsam_analysis.catalog import CONTEXT_PILLAR, load_catalog, load_pillars
from natsam_analysis.composite import steps
from natsam_analysis.composite.framework import Framework
from natsam_analysis.errors import NatsamError, ValidationError

TOP_KEYS = ("name", "description", "year", "framework", "indicators", "steps")
FRAMEWORK_KEYS = ("top", "top_name", "pillars", "indicators", "weights")
_HINT = "Fix the spec (the keys and steps are described in data/indices/README.md) and run again."

# ------------------------------------------------------------------------------------------------
# the steps: their names, parameters and the data sets they write (what a spec may say, and what
# Coin.run_step accepts)

#: Step name -> name of the data set it writes.
STEP_OUTPUT = {
    "denominate": "denominated",
    "screen": "screened",
    "impute": "imputed",
    "treat": "treated",
    "normalise": "normalised",
    "aggregate": "aggregated",
}
DATASETS = ("raw", *STEP_OUTPUT.values())
WEIGHT_CHOICES = ("metadata", "equal", "pca")
DATASET_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: Step name -> parameter name -> (check, description). ``check`` returns True for a valid value.
_NUM = (int, float)


def _is_num(v: Any) -> bool:
    return isinstance(v, _NUM) and not isinstance(v, bool) and math.isfinite(v)


def _is_share(v: Any) -> bool:
    return _is_num(v) and 0 <= v <= 1


def _is_whole(v: Any) -> bool:
    return _is_num(v) and float(v) == int(v) and v >= 0


def _is_pair(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_num(x) for x in v) and v[0] < v[1]


def _is_mapping(v: Any) -> bool:
    return isinstance(v, Mapping)


def _is_weights(v: Any) -> bool:
    return v is None or v in WEIGHT_CHOICES or (
        isinstance(v, Mapping) and all(_is_num(x) and x >= 0 for x in v.values()))


def _is_levels(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(_is_whole(x) and x >= 2 for x in v)


STEP_PARAMS: dict[str, dict[str, tuple[Any, str]]] = {
    "denominate": {},
    "screen": {"threshold": (_is_share, "a share between 0 and 1, e.g. 0.9")},
    "impute": {
        "method": (lambda v: v in steps.IMPUTE_METHODS + steps.HISTORY_METHODS,
                   f"one of {', '.join(steps.IMPUTE_METHODS + steps.HISTORY_METHODS)}"),
        "group": (lambda v: isinstance(v, str) and bool(v), "the name of a group column, e.g. EurAsia_group"),
        "max_age": (_is_whole, "a whole number of years >= 0"),
    },
    "treat": {
        "method": (lambda v: v in steps.TREAT_METHODS, f"one of {', '.join(steps.TREAT_METHODS)}"),
        "winmax": (_is_whole, "a whole number >= 0, e.g. 5"),
        "skew_thresh": (_is_num, "a number, e.g. 2"),
        "kurt_thresh": (_is_num, "a number, e.g. 3.5"),
        "overrides": (_is_mapping, "a mapping from indicator code to a method or {method, winmax, ...}"),
    },
    "normalise": {
        "method": (lambda v: v in steps.NORMALISE_METHODS, f"one of {', '.join(steps.NORMALISE_METHODS)}"),
        "range": (_is_pair, "two numbers [low, high] with low < high, e.g. [0, 100]"),
        "mean": (_is_num, "a number"),
        "sd": (lambda v: _is_num(v) and v > 0, "a number > 0"),
        "scale": (lambda v: _is_num(v) and v > 0, "a number > 0, e.g. 100"),
        "cap": (lambda v: isinstance(v, bool), "true or false"),
        "truncate": (lambda v: isinstance(v, bool), "true or false"),
        "percentile": (lambda v: _is_num(v) and 0 <= v < 50, "a percentile between 0 and 50, e.g. 2.5"),
        "goalposts": (lambda v: isinstance(v, Mapping) and all(_is_pair(x) for x in v.values()),
                      "a mapping from indicator code to [low, high]"),
        "overrides": (_is_mapping, "a mapping from indicator code to {method: ..., <parameters>}"),
    },
    "aggregate": {
        "method": (lambda v: v in steps.AGGREGATE_METHODS, f"one of {', '.join(steps.AGGREGATE_METHODS)}"),
        "weights": (_is_weights, f"one of {', '.join(WEIGHT_CHOICES)} or a mapping from code to weight >= 0"),
        "dat_thresh": (_is_share, "a share between 0 and 1, e.g. 0.5"),
        "p": (lambda v: _is_num(v) and v != 0, "a number other than 0 (the power of the generalised mean)"),
        "pca_levels": (_is_levels, "a list of aggregate levels, e.g. [2]"),
    },
}


def _did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a near miss such as 'normalize' for 'normalise', else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_step(step: str, params: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Problems with a step's name and parameters, as ``(key, message)`` pairs (empty when fine).

    Examples
    --------
    >>> check_step("treat", {"winmax": -1})
    [('winmax', 'winmax=-1 is not valid: it must be a whole number >= 0, e.g. 5')]
    """
    if step not in STEP_PARAMS:
        return [("step", f"unknown step {step!r}{_did_you_mean(step, STEP_PARAMS)}; the steps are "
                         f"{', '.join(STEP_PARAMS)}")]
    allowed = STEP_PARAMS[step]
    out: list[tuple[str | None, str]] = []
    for key, value in params.items():
        if key not in allowed:
            hint = f"allowed: {', '.join(allowed)}" if allowed else "this step takes no parameters"
            out.append((key, f"unknown parameter {key!r} for step {step!r}{_did_you_mean(key, allowed)} ({hint})"))
            continue
        check, what = allowed[key]
        if not check(value):
            out.append((key, f"{key}={value!r} is not valid: it must be {what}"))
    method = params.get("method")
    if step == "impute" and isinstance(method, str) and method.endswith("_group") and "group" not in params:
        out.append(("group", f"method {method!r} needs 'group': the group column (e.g. EurAsia_group)"))
    if step == "normalise" and method == "goalposts" and "goalposts" not in params:
        out.append(("goalposts", "method 'goalposts' needs 'goalposts': {code: [low, high], ...}"))
    if step == "aggregate" and method == "generalised" and "p" not in params:
        out.append(("p", "method 'generalised' needs 'p', the power (e.g. 0.5)"))
    return out



# ------------------------------------------------------------------------------------------------
# specs


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
    sp = load_spec(spec) if spec is not None else None
    cat = load_catalog() if catalog is None else catalog
    pil = load_pillars() if pillars is None else pillars
    fwd = dict(sp.framework or {}) if sp is not None else {}
    scored = [p for p in pil.index if p != CONTEXT_PILLAR]
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
