"""Statistics Sweden (SCB): tables from the Statistical Database through PxWebApi 2.

The client talks to ``https://statistikdatabasen.scb.se/api/v2`` (``NATSAM_SCB_URL`` overrides it)
through the shared :class:`~natsam_analysis.sources.http.ApiClient` (rate limit, retries honouring
``Retry-After``, clear errors). One fetch goes:

1. ``GET /config``: ``maxDataCells`` (the most cells one data request may ask for) and the rate
   limit, ``maxCallsPerTimeWindow`` calls per ``timeWindow`` seconds, which becomes the client's rate;
2. ``GET /tables/{id}/metadata?lang=sv``: the table's variables and their value codes (JSON-stat 2);
3. the selection is resolved against the metadata into explicit value codes, split into chunks of at
   most ``maxDataCells`` cells (the variable with most selected values is cut into pieces; if one
   value of it is still too many cells, the next largest is cut too), and each chunk is asked for with
   ``POST /tables/{id}/data?lang=sv&outputFormat=json-stat2`` and a body
   ``{"selection": [{"variableCode": "Region", "valueCodes": ["0180", "1480"]}, ...]}``. POST keeps
   long code lists (290 municipalities) out of the URL, where they could exceed URL length limits;
4. the JSON-stat 2 answers are checked against what was asked, merged into one cube and turned into a
   tidy frame: one row per cell, a column per dimension with the value code (``Region``, ``Tid``,
   ...), a ``<dimension>_label`` column where the labels say more than the codes, ``value`` (float,
   NaN where SCB has no value) and ``status`` (SCB's symbol, e.g. ``".."``) when the answer has any.

Selections
----------
A selection maps a variable code to value codes or PxWebApi 2 selection expressions, resolved the way
the API resolves them (case-insensitively):

* a value code: ``0180``, ``2025M01``, ``TotSa``;
* ``*`` (every value), ``01*`` / ``*80`` / ``*8*`` (codes starting with, ending with, containing);
  ``????`` (``?`` is one character; ``Region=????`` picks the 4-character codes: the municipalities);
* ``TOP(n)`` / ``TOP(n,offset)``: the first ``n`` values, but for the time variable the **latest**
  ``n`` periods; ``BOTTOM(n)`` likewise the last values, or the earliest periods;
* ``RANGE(a,b)``, ``FROM(a)``, ``TO(a)``: the values between, from or up to codes, inclusive, in the
  table's order;
* a **period range** ``A-B`` on the time variable (written on the command line as ``Tid=2020-2024``):
  when ``A`` and ``B`` are both periods of the table, every period from ``A`` through ``B``; when both
  are years and the table has finer periods (months ``2025M01``, quarters ``2025K1``), every period
  whose year lies from ``A`` through ``B``. A code that itself contains a dash (age ``0-9``) is taken
  as the code; ``A-B`` is a range only where it is not a code of the variable.

A variable can also be selected from one of the **code lists** its metadata offers
(``codelists={"Alder": "agg_Ålder10årJ"}``: 10-year age groups that the API sums from single ages;
``vs_...`` value sets); its codes and expressions then refer to the code list's values
(:func:`codelist` shows them).

A variable left out of the selection is left to the API's rules: one the table allows to be
*eliminated* is eliminated (SCB sums it, or uses the table's total, e.g. all ages) and does not appear
in the result; every other variable gets all its values.

Examples
--------
>>> parse_selection(["Region=0180,1480", "Tid=2020-2024", "Alder=TOP(3)"])
{'Region': ['0180', '1480'], 'Tid': ['2020-2024'], 'Alder': ['TOP(3)']}
>>> split_selection({"Region": ["01", "03", "04"], "Tid": ["2024", "2025"]}, max_cells=4)
[{'Region': ['01', '03'], 'Tid': ['2024', '2025']}, {'Region': ['04'], 'Tid': ['2024', '2025']}]
>>> df = fetch_table("TAB638", {"Region": ["0180", "1281"], "ContentsCode": ["BE0101N1"],
...                             "Tid": ["2020-2024"]})                        # doctest: +SKIP
>>> df[["Region", "Tid", "value"]].shape                                      # doctest: +SKIP
(10, 3)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis import config, store
from natsam_analysis.errors import DataNotAvailableError, NatsamError, ValidationError
from natsam_analysis.sources.http import ApiClient, SourceError, offline

SOURCE = "scb"
CREDIT = "Källa: SCB"
#: Store folder of fetched SCB tables, below the cache directory.
STORE_SUBDIR = "scb"
OUTPUT_FORMAT = "json-stat2"
#: Used when ``/config`` does not say (PxWebApi's documented default for SCB).
DEFAULT_MAX_DATA_CELLS = 150_000

_TABLE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_VARIABLE = re.compile(r"^[^\s=,()]+$")
_TOP = re.compile(r"^(TOP|BOTTOM)\(([1-9]\d*)(?:,(\d+))?\)$", re.IGNORECASE)
_ONE_CODE = re.compile(r"^(FROM|TO)\(([^,()]+)\)$", re.IGNORECASE)
_RANGE = re.compile(r"^RANGE\(([^,()]+),([^,()]+)\)$", re.IGNORECASE)
_FUNCTION = re.compile(r"^(TOP|BOTTOM|RANGE|FROM|TO)\(", re.IGNORECASE)
_PERIOD = r"\d{4}(?:[A-Za-z]\d{1,2})?"
_PERIOD_RANGE = re.compile(rf"^({_PERIOD})-({_PERIOD})$")
_YEAR = re.compile(r"^\d{4}$")
_MUNICIPALITY = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------------------------------
# selection syntax (pure)


def _split_codes(text: str) -> list[str]:
    """Split ``a,RANGE(b,c),d`` on the commas outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _period_key(period: str) -> tuple[int, str, int]:
    year, rest = int(period[:4]), period[4:]
    return (year, rest[:1].upper(), int(rest[1:]) if rest else 0)


def _token_problem(token: str) -> str | None:
    """Why a selection token is malformed (``None`` when it is well formed)."""
    if not token:
        return "an empty value code"
    if token.count("(") != token.count(")"):
        return f"unbalanced parentheses in {token!r}"
    if _FUNCTION.match(token):
        if _TOP.match(token) or _ONE_CODE.match(token) or _RANGE.match(token):
            return None
        name = token.split("(", 1)[0].upper()
        usage = {"TOP": "TOP(n) or TOP(n,offset), n >= 1", "BOTTOM": "BOTTOM(n) or BOTTOM(n,offset), n >= 1",
                 "RANGE": "RANGE(first,last)", "FROM": "FROM(code)", "TO": "TO(code)"}[name]
        return f"{token!r} is not a valid {name} expression; write {usage}"
    if "*" in token and token != "*":
        stars = token.count("*")
        if stars > 2 or (stars == 1 and not (token.startswith("*") or token.endswith("*"))) or (
            stars == 2 and not (token.startswith("*") and token.endswith("*"))
        ):
            return f"{token!r}: '*' may only stand alone or at the start and/or end of a code"
    match = _PERIOD_RANGE.match(token)
    if match:
        first, last = match.groups()
        if bool(_YEAR.match(first)) != bool(_YEAR.match(last)) or (
            not _YEAR.match(first) and first[4:5].upper() != last[4:5].upper()
        ):
            return f"period range {token!r} mixes period kinds; write e.g. 2020-2024 or 2025M01-2025M06"
        if _period_key(first) > _period_key(last):
            return f"period range {token!r} runs backwards; write {last}-{first}"
    return None


def parse_selection(items: Iterable[str]) -> dict[str, list[str]]:
    """Parse ``VAR=CODES`` items (e.g. from ``--select``) into a selection.

    ``CODES`` are value codes or selection expressions separated by commas (commas inside
    ``RANGE(a,b)`` or ``TOP(n,offset)`` belong to the expression); see the module doc for their
    meaning. Repeating a variable adds to its codes. Only the syntax is checked here; whether the codes
    exist is checked against the table's metadata when fetching.

    Raises
    ------
    ValidationError
        Listing every malformed item, quoted, with what is wrong and how to write it.

    Examples
    --------
    >>> parse_selection(["Region=0180, 1480", "Tid=top(5)", "Region=1281"])
    {'Region': ['0180', '1480', '1281'], 'Tid': ['top(5)']}
    >>> parse_selection(["Alder=RANGE(20,64)"])
    {'Alder': ['RANGE(20,64)']}
    """
    if isinstance(items, str):
        items = [items]
    selection: dict[str, list[str]] = {}
    problems: list[str] = []
    for item in items:
        text = str(item).strip()
        variable, sep, codes = text.partition("=")
        variable = variable.strip()
        if not sep:
            problems.append(f"{item!r}: no '='; write VARIABLE=CODE[,CODE...], e.g. Region=0180,1480")
            continue
        if not variable or not _VARIABLE.match(variable):
            problems.append(f"{item!r}: {variable!r} is not a variable code (e.g. Region, Tid, ContentsCode)")
            continue
        if not codes.strip():
            problems.append(f"{item!r}: no value codes after '='; use {variable}=* for every value")
            continue
        tokens = _split_codes(codes)
        bad = [p for p in (_token_problem(t) for t in tokens) if p]
        if bad:
            problems.extend(f"{item!r}: {p}" for p in bad)
            continue
        known = selection.setdefault(variable, [])
        known.extend(t for t in tokens if t not in known)
    if problems:
        raise ValidationError("SCB selection (--select)", problems,
                              hint="Each item is VARIABLE=CODES; see `natsam fetch --help` for the expressions.")
    return selection


# --------------------------------------------------------------------------------------------------
# table metadata


@dataclass(frozen=True)
class Variable:
    """One variable (dimension) of an SCB table as its metadata describes it."""

    code: str
    label: str
    values: tuple[str, ...]
    value_labels: Mapping[str, str]
    elimination: bool = False
    elimination_value: str | None = None
    is_time: bool = False
    is_contents: bool = False
    codelists: tuple[str, ...] = ()

    def labels_useful(self) -> bool:
        """True when some value's label says more than its code (so a ``_label`` column helps)."""
        return any(self.value_labels.get(code, code) != code for code in self.values)


@dataclass(frozen=True)
class TableMetadata:
    """What ``/tables/{id}/metadata`` says about a table: title, variables in order, notes, units."""

    table_id: str
    label: str
    variables: tuple[Variable, ...]
    source: str = ""
    updated: str = ""
    notes: tuple[str, ...] = ()
    units: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    url: str = ""

    def variable(self, code: str) -> Variable:
        """The variable with this code (case-insensitive, as the API matches it)."""
        for var in self.variables:
            if var.code == code:
                return var
        for var in self.variables:
            if var.code.lower() == code.lower():
                return var
        raise ValidationError(
            f"SCB table {self.table_id}", [f"no variable {code!r}; its variables are {', '.join(self.codes)}"],
            hint="Use the variable codes of the table's metadata (case does not matter).",
        )

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.variables]

    @property
    def time_variable(self) -> Variable | None:
        return next((v for v in self.variables if v.is_time), None)


def _categories(dim: Mapping[str, Any], name: str, where: str) -> tuple[list[str], dict[str, str]]:
    category = dim.get("category") if isinstance(dim, Mapping) else None
    index = category.get("index") if isinstance(category, Mapping) else None
    if isinstance(index, Mapping):
        order = sorted(index.items(), key=lambda kv: kv[1])
        codes = [str(code) for code, _ in order]
        if [pos for _, pos in order] != list(range(len(order))):
            raise SourceError(f"{where}: dimension {name!r} has category positions that are not 0..n-1.", url=where)
    elif isinstance(index, list):
        codes = [str(code) for code in index]
    elif index is None and isinstance(category, Mapping) and isinstance(category.get("label"), Mapping) \
            and len(category["label"]) == 1:
        codes = [str(next(iter(category["label"])))]  # JSON-stat allows a lone category without index
    else:
        raise SourceError(f"{where}: dimension {name!r} has no category index; the answer is not JSON-stat 2 "
                          "as expected.", url=where)
    raw_labels = category.get("label") or {}
    labels = {code: str(raw_labels.get(code, code)) for code in codes}
    return codes, labels


def _require_dataset(payload: Any, where: str) -> tuple[list[str], list[int]]:
    if not isinstance(payload, Mapping):
        raise SourceError(f"{where}: expected a JSON-stat 2 dataset (an object), got {type(payload).__name__}.",
                          url=where)
    ids, sizes, dims = payload.get("id"), payload.get("size"), payload.get("dimension")
    if payload.get("class", "dataset") != "dataset" or not isinstance(ids, list) or not isinstance(sizes, list) \
            or not isinstance(dims, Mapping) or len(ids) != len(sizes):
        raise SourceError(
            f"{where}: not a JSON-stat 2 dataset (needs class 'dataset' and matching 'id', 'size' and "
            f"'dimension'; got keys {sorted(payload)[:12]}). Check the table id and outputFormat=json-stat2.",
            url=where,
        )
    missing = [d for d in ids if d not in dims]
    if missing:
        raise SourceError(f"{where}: dimension(s) {missing} listed in 'id' have no 'dimension' entry.", url=where)
    return [str(d) for d in ids], [int(s) for s in sizes]


def parse_metadata(payload: Any, table_id: str, *, where: str = "") -> TableMetadata:
    """Read a ``/tables/{id}/metadata`` answer (JSON-stat 2) into a :class:`TableMetadata`.

    Raises
    ------
    SourceError
        When the answer is not the JSON-stat 2 metadata expected; the message names ``where``.

    Examples
    --------
    >>> meta = parse_metadata({"class": "dataset", "label": "Test", "id": ["Tid"], "size": [2],
    ...     "role": {"time": ["Tid"]}, "dimension": {"Tid": {"label": "år",
    ...     "category": {"index": {"2024": 0, "2025": 1}}}}}, "TAB1")
    >>> meta.time_variable.values
    ('2024', '2025')
    """
    where = where or f"metadata of {table_id}"
    ids, sizes = _require_dataset(payload, where)
    role = payload.get("role") or {}
    time_vars = set(role.get("time") or [])
    metric_vars = set(role.get("metric") or [])
    variables = []
    units: dict[str, Any] = {}
    for name, size in zip(ids, sizes):
        dim = payload["dimension"][name]
        codes, labels = _categories(dim, name, where)
        if len(codes) != size:
            raise SourceError(f"{where}: dimension {name!r} has {len(codes)} values but 'size' says {size}.",
                              url=where)
        ext = dim.get("extension") or {}
        lists = ext.get("codelists") or ext.get("codeLists") or []
        variables.append(Variable(
            code=name, label=str(dim.get("label", name)), values=tuple(codes), value_labels=labels,
            elimination=bool(ext.get("elimination", False)),
            elimination_value=ext.get("eliminationValueCode"),
            is_time=name in time_vars, is_contents=name in metric_vars,
            codelists=tuple(str(c.get("id")) for c in lists if isinstance(c, Mapping) and c.get("id")),
        ))
        if name in metric_vars:
            units.update((dim.get("category") or {}).get("unit") or {})
    notes = payload.get("note") or []
    return TableMetadata(
        table_id=table_id, label=str(payload.get("label", table_id)), variables=tuple(variables),
        source=str(payload.get("source", "")), updated=str(payload.get("updated", "")),
        notes=tuple(str(n) for n in (notes if isinstance(notes, list) else [notes])), units=units, url=where,
    )


# --------------------------------------------------------------------------------------------------
# resolving a selection against the metadata (pure)


def _wildcard(token: str, values: Sequence[str]) -> list[str]:
    if token == "*":
        return list(values)
    core = token.strip("*").lower()
    if token.startswith("*") and token.endswith("*"):
        return [v for v in values if core in v.lower()]
    if token.startswith("*"):
        return [v for v in values if v.lower().endswith(core)]
    return [v for v in values if v.lower().startswith(core)]


def _expand(token: str, var: Variable, table_id: str) -> list[str]:
    """The value codes one token selects (in the table's order); raises ValueError saying why not."""
    values = list(var.values)
    lookup = {v.lower(): v for v in values}
    exact = lookup.get(token.lower())
    if exact is not None:
        return [exact]

    def position(code: str) -> int:
        found = lookup.get(code.strip().lower())
        if found is None:
            raise ValueError(f"{code.strip()!r} is not a value of {var.code}")
        return values.index(found)

    if "*" in token:
        hits = _wildcard(token, values)
    elif "?" in token:
        pattern = re.compile("^" + re.escape(token).replace(r"\?", ".") + "$", re.IGNORECASE)
        hits = [v for v in values if pattern.match(v)]
    elif match := _TOP.match(token):
        kind, count, offset = match.group(1).upper(), int(match.group(2)), int(match.group(3) or 0)
        from_end = (kind == "TOP") == var.is_time  # TOP on time = latest periods; BOTTOM elsewhere = last
        if from_end:
            hits = values[::-1][offset:offset + count][::-1]
        else:
            hits = values[offset:offset + count]
    elif match := _RANGE.match(token):
        first, last = sorted((position(match.group(1)), position(match.group(2))))
        hits = values[first:last + 1]
    elif match := _ONE_CODE.match(token):
        where = position(match.group(2))
        hits = values[where:] if match.group(1).upper() == "FROM" else values[:where + 1]
    elif match := _PERIOD_RANGE.match(token):
        if not var.is_time:
            raise ValueError(
                f"{token!r} is not a value of {var.code}; a range A-B applies only to the time variable"
                f" (use RANGE(a,b) for other variables)"
            )
        first, last = match.groups()
        if first.lower() in lookup and last.lower() in lookup:
            hits = values[position(first):position(last) + 1]
        elif _YEAR.match(first) and _YEAR.match(last):
            hits = [v for v in values if _YEAR.match(v[:4]) and int(first) <= int(v[:4]) <= int(last)]
        else:
            absent = [p for p in (first, last) if p.lower() not in lookup]
            raise ValueError(f"{', '.join(absent)} in {token!r} is not a period of {var.code} "
                             f"(its periods run {values[0]}..{values[-1]})")
    else:
        if var.is_time and values:
            sample = f"periods {values[0]}..{values[-1]}"
        else:
            sample = "values " + ", ".join(values[:6]) + (", ..." if len(values) > 6 else "")
        raise ValueError(f"{token!r} is not a value of {var.code} ({sample})")
    if not hits:
        raise ValueError(f"{token!r} matches no value of {var.code}")
    return hits


def resolve_selection(meta: TableMetadata, selection: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Explicit value codes for every variable that goes into the request, in the table's order.

    Selected variables get the codes their tokens select (each once, in the table's order); variables
    left out are left out when the table lets them be eliminated, and get every value otherwise.

    Raises
    ------
    ValidationError
        Naming every unknown variable and every token that selects nothing, with what the table has.

    Examples
    --------
    >>> meta = parse_metadata({"class": "dataset", "id": ["Region", "Tid"], "size": [3, 3],
    ...     "role": {"time": ["Tid"]}, "dimension": {
    ...     "Region": {"category": {"index": ["00", "0180", "1480"]}, "extension": {"elimination": True}},
    ...     "Tid": {"category": {"index": ["2023", "2024", "2025"]}}}}, "TAB1")
    >>> resolve_selection(meta, {"region": ["????"], "Tid": ["top(2)"]})
    {'Region': ['0180', '1480'], 'Tid': ['2024', '2025']}
    >>> resolve_selection(meta, None)
    {'Tid': ['2023', '2024', '2025']}
    """
    selection = dict(selection or {})
    problems: list[str] = []
    chosen: dict[str, set[str]] = {}
    for name, tokens in selection.items():
        try:
            var = meta.variable(name)
        except ValidationError:
            problems.append(f"{name!r} is not a variable of {meta.table_id}; its variables are "
                            f"{', '.join(meta.codes)}")
            continue
        if isinstance(tokens, str):
            tokens = [tokens]
        if not tokens:
            problems.append(f"{var.code}: no value codes given (use {var.code}=* for every value)")
            continue
        picked = chosen.setdefault(var.code, set())
        for token in tokens:
            try:
                picked.update(_expand(str(token).strip(), var, meta.table_id))
            except ValueError as exc:
                problems.append(f"{var.code}={token}: {exc}")
    if problems:
        raise ValidationError(f"SCB selection for table {meta.table_id}", problems,
                              hint="Check the codes against the table's metadata (natsam_analysis.sources.scb."
                                   "table_metadata) or SCB's Statistical Database.")
    resolved: dict[str, list[str]] = {}
    for var in meta.variables:
        if var.code in chosen:
            resolved[var.code] = [v for v in var.values if v in chosen[var.code]]
        elif not var.elimination:
            resolved[var.code] = list(var.values)
    return resolved


def count_cells(selection: Mapping[str, Sequence[str]]) -> int:
    """Cells a selection asks for: the product of the numbers of selected values."""
    return math.prod(len(codes) for codes in selection.values())


def split_selection(selection: Mapping[str, Sequence[str]], max_cells: int) -> list[dict[str, list[str]]]:
    """Split a resolved selection into chunks of at most ``max_cells`` cells each.

    The variable with the most values is cut into equal-sized consecutive pieces (as few as
    possible); when a single value of it still means too many cells, each of its values is split
    again on the next largest variable. The chunks together select exactly the original cells, each
    once, and come in the table's order.

    Examples
    --------
    >>> chunks = split_selection({"Region": [f"{i:04d}" for i in range(290)], "Tid": ["2024", "2025"]}, 200)
    >>> [len(c["Region"]) for c in chunks], max(len(c["Region"]) * len(c["Tid"]) for c in chunks)
    ([97, 97, 96], 194)
    """
    if max_cells < 1:
        raise NatsamError(f"split_selection: max_cells={max_cells!r} must be at least 1.")
    sel = {k: list(v) for k, v in selection.items()}
    total = count_cells(sel)
    if total <= max_cells or not sel:
        return [sel]
    largest = max(sel, key=lambda k: len(sel[k]))  # first of the largest, in the table's order
    codes = sel[largest]
    rest = total // len(codes)
    if rest > max_cells:
        return [chunk for code in codes for chunk in split_selection({**sel, largest: [code]}, max_cells)]
    pieces = math.ceil(len(codes) / (max_cells // rest))
    size = math.ceil(len(codes) / pieces)
    return [{**sel, largest: codes[i:i + size]} for i in range(0, len(codes), size)]


# --------------------------------------------------------------------------------------------------
# JSON-stat 2 -> cube -> tidy frame (pure)


@dataclass
class Cube:
    """A JSON-stat 2 dataset as arrays: ``values[i, j, ...]`` is the cell of ``codes[dims[0]][i]``, ..."""

    dims: list[str]
    codes: dict[str, list[str]]
    labels: dict[str, dict[str, str]]
    values: np.ndarray
    status: np.ndarray | None = None
    dim_labels: dict[str, str] = field(default_factory=dict)
    label: str = ""
    updated: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(self.codes[d]) for d in self.dims)


def parse_jsonstat2(dataset: Any, *, where: str = "") -> Cube:
    """Read a JSON-stat 2 dataset (``value`` as a list or a sparse object; ``status`` as a string, a
    list or an object keyed by cell position) into a :class:`Cube`.

    Raises
    ------
    SourceError
        When it is not a dataset, the number of values does not match the dimensions, or a value is
        not a number; the message names ``where`` (the URL) and the cell.

    Examples
    --------
    >>> cube = parse_jsonstat2({"class": "dataset", "id": ["Region", "Tid"], "size": [1, 2],
    ...     "dimension": {"Region": {"category": {"index": {"0180": 0}}},
    ...                   "Tid": {"category": {"index": {"2024": 0, "2025": 1}}}},
    ...     "value": [10, None], "status": {"1": ".."}})
    >>> cube.values.tolist(), cube.status.tolist()
    ([[10.0, nan]], [[None, '..']])
    """
    where = where or "JSON-stat 2 dataset"
    ids, sizes = _require_dataset(dataset, where)
    codes: dict[str, list[str]] = {}
    labels: dict[str, dict[str, str]] = {}
    dim_labels: dict[str, str] = {}
    for name, size in zip(ids, sizes):
        dim = dataset["dimension"][name]
        codes[name], labels[name] = _categories(dim, name, where)
        dim_labels[name] = str(dim.get("label", name))
        if len(codes[name]) != size:
            raise SourceError(f"{where}: dimension {name!r} has {len(codes[name])} values but 'size' says "
                              f"{size}.", url=where)
    shape = tuple(sizes)
    n = math.prod(shape)
    flat = np.full(n, np.nan)
    raw = dataset.get("value", [])
    if isinstance(raw, list):
        if len(raw) != n:
            raise SourceError(f"{where}: {len(raw)} values for {n} cells ({' x '.join(map(str, shape))}); "
                              "the answer is incomplete or damaged. Try again.", url=where)
        items: Iterable[tuple[int, Any]] = enumerate(raw)
    elif isinstance(raw, Mapping):
        items = ((int(k), v) for k, v in raw.items())
    else:
        raise SourceError(f"{where}: 'value' must be a list or an object, not {type(raw).__name__}.", url=where)
    for pos, value in items:
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= pos < n:
            raise SourceError(f"{where}: cell {pos} has value {value!r}; expected a number or null.", url=where)
        flat[pos] = float(value)
    status = None
    raw_status = dataset.get("status")
    if raw_status:
        status = np.full(n, None, dtype=object)
        if isinstance(raw_status, str):
            status[:] = raw_status
        elif isinstance(raw_status, list):
            if len(raw_status) != n:
                raise SourceError(f"{where}: {len(raw_status)} status entries for {n} cells.", url=where)
            status[:] = [None if s in (None, "") else str(s) for s in raw_status]
        elif isinstance(raw_status, Mapping):
            for key, symbol in raw_status.items():
                pos = int(key)
                if not 0 <= pos < n:
                    raise SourceError(f"{where}: status for cell {pos} outside the {n} cells.", url=where)
                status[pos] = None if symbol in (None, "") else str(symbol)
        status = status.reshape(shape)
    return Cube(dims=ids, codes=codes, labels=labels, values=flat.reshape(shape), status=status,
                dim_labels=dim_labels, label=str(dataset.get("label", "")), updated=str(dataset.get("updated", "")))


def merge_cubes(cubes: Sequence[Cube], order: Mapping[str, Sequence[str]] | None = None) -> Cube:
    """One cube from the answers to the chunks of a split request.

    Each dimension's codes come in ``order`` (the resolved selection) where given, else in order of
    first appearance. Every cell must be covered exactly once.

    Raises
    ------
    NatsamError
        When the chunks do not have the same dimensions, overlap, or leave cells uncovered.
    """
    if not cubes:
        raise NatsamError("merge_cubes: no cubes to merge.")
    first = cubes[0]
    if len(cubes) == 1:
        return first
    dims = list(first.dims)
    codes: dict[str, list[str]] = {}
    for d in dims:
        if order is not None and d in order:
            codes[d] = list(order[d])
        else:
            seen: dict[str, None] = {}
            for cube in cubes:
                seen.update(dict.fromkeys(cube.codes.get(d, [])))
            codes[d] = list(seen)
    labels = {d: {} for d in dims}
    shape = tuple(len(codes[d]) for d in dims)
    values = np.full(shape, np.nan)
    covered = np.zeros(shape, dtype=np.int32)
    any_status = any(c.status is not None for c in cubes)
    status = np.full(shape, None, dtype=object) if any_status else None
    positions = {d: {code: i for i, code in enumerate(codes[d])} for d in dims}
    for k, cube in enumerate(cubes):
        if sorted(cube.dims) != sorted(dims):
            raise NatsamError(f"merge_cubes: chunk {k + 1} has dimensions {cube.dims}, chunk 1 has {dims}.")
        axes = [cube.dims.index(d) for d in dims]
        try:
            index = np.ix_(*[[positions[d][c] for c in cube.codes[d]] for d in dims])
        except KeyError as exc:
            raise NatsamError(f"merge_cubes: chunk {k + 1} has code {exc.args[0]!r}, which the selection "
                              "does not ask for.") from None
        values[index] = np.transpose(cube.values, axes)
        covered[index] += 1
        if status is not None and cube.status is not None:
            status[index] = np.transpose(cube.status, axes)
        for d in dims:
            labels[d].update(cube.labels.get(d, {}))
    if (covered != 1).any():
        bad = np.argwhere(covered != 1)[0]
        cell = {d: codes[d][i] for d, i in zip(dims, bad)}
        raise NatsamError(f"merge_cubes: cell {cell} is covered {int(covered[tuple(bad)])} times by the "
                          "chunks, not once.")
    return Cube(dims=dims, codes=codes, labels=labels, values=values, status=status,
                dim_labels=dict(first.dim_labels), label=first.label, updated=first.updated)


def cube_to_frame(cube: Cube, *, label_columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The tidy frame of a cube: one row per cell in row-major order (the last dimension varies fastest).

    Columns: each dimension's code (str), ``<dimension>_label`` for the dimensions in
    ``label_columns`` (default: those whose labels differ from their codes), ``value`` (float, NaN
    where missing) and ``status`` (str or None) when the cube has statuses.

    Examples
    --------
    >>> cube = parse_jsonstat2({"class": "dataset", "id": ["Region", "Tid"], "size": [2, 1],
    ...     "dimension": {"Region": {"category": {"index": ["0180", "1480"],
    ...                              "label": {"0180": "Stockholm", "1480": "Göteborg"}}},
    ...                   "Tid": {"category": {"index": ["2025"]}}}, "value": [1, 2]})
    >>> cube_to_frame(cube).to_dict("records")[1]
    {'Region': '1480', 'Region_label': 'Göteborg', 'Tid': '2025', 'value': 2.0}
    """
    if label_columns is None:
        label_columns = [d for d in cube.dims
                         if any(cube.labels[d].get(c, c) != c for c in cube.codes[d])]
    label_columns = set(label_columns)
    n = int(cube.values.size)
    index = np.unravel_index(np.arange(n), cube.shape) if n else [np.array([], dtype=np.intp)] * len(cube.dims)

    def column(texts: list[str], axis: int) -> Any:
        # taking from the few distinct texts is much faster than converting one object per cell
        return pd.array(texts, dtype="str").take(index[axis])

    columns: dict[str, Any] = {}
    for axis, d in enumerate(cube.dims):
        columns[d] = column(cube.codes[d], axis)
        if d in label_columns:
            columns[f"{d}_label"] = column([cube.labels[d].get(c, c) for c in cube.codes[d]], axis)
    columns["value"] = cube.values.reshape(-1).astype(float)
    if cube.status is not None:
        columns["status"] = cube.status.reshape(-1)
    return pd.DataFrame(columns)


def jsonstat2_to_frame(dataset: Any, *, where: str = "") -> pd.DataFrame:
    """The tidy frame of one JSON-stat 2 dataset (see :func:`parse_jsonstat2`, :func:`cube_to_frame`)."""
    return cube_to_frame(parse_jsonstat2(dataset, where=where))


# --------------------------------------------------------------------------------------------------
# the API


@dataclass(frozen=True)
class ApiSettings:
    """What ``/config`` says about the API's limits and terms."""

    max_data_cells: int
    max_calls: int | None = None
    time_window: float | None = None
    license: str = ""
    source_reference: str = ""
    api_version: str = ""

    @property
    def rate(self) -> float | None:
        """Requests per second the API allows (``maxCallsPerTimeWindow / timeWindow``)."""
        if self.max_calls and self.time_window:
            return self.max_calls / self.time_window
        return None


#: SCB's published limit (30 calls per 10 seconds), used until ``/config`` has been read.
DEFAULT_RATE = 3.0


def make_client(base_url: str | None = None, **kwargs: Any) -> ApiClient:
    """An :class:`ApiClient` for SCB (``NATSAM_SCB_URL`` unless ``base_url``) at :data:`DEFAULT_RATE`
    until ``/config`` has told the API's limit (``kwargs`` go to :class:`ApiClient`)."""
    kwargs.setdefault("rate", DEFAULT_RATE)
    return ApiClient(base_url or config.scb_url(), **kwargs)


def _int(value: Any, name: str, where: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < minimum:
        raise SourceError(f"{where}: {name}={value!r} is not a whole number >= {minimum}.", url=where)
    return int(value)


def api_settings(client: ApiClient) -> ApiSettings:
    """Read ``/config`` and set the client's rate to the API's limit (calls per time window).

    Raises
    ------
    SourceError
        When ``/config`` cannot be read or lacks ``maxDataCells``; the message names the URL.
    """
    where = client.url("config")
    payload = client.get_json("config")
    if not isinstance(payload, Mapping):
        raise SourceError(f"{where}: expected the API configuration (a JSON object), got "
                          f"{type(payload).__name__}. Check NATSAM_SCB_URL.", url=where)
    if "maxDataCells" not in payload:
        raise SourceError(f"{where}: the configuration has no maxDataCells (keys: {sorted(payload)}); "
                          "is NATSAM_SCB_URL a PxWebApi 2 root such as "
                          f"{config.DEFAULT_SCB_URL}?", url=where)
    calls, window = payload.get("maxCallsPerTimeWindow"), payload.get("timeWindow")
    refs = payload.get("sourceReferences") or []
    reference = next((str(r.get("text", "")) for r in refs if isinstance(r, Mapping) and r.get("language") == "sv"),
                     CREDIT)
    settings = ApiSettings(
        max_data_cells=_int(payload["maxDataCells"], "maxDataCells", where),
        max_calls=_int(calls, "maxCallsPerTimeWindow", where) if calls is not None else None,
        time_window=float(_int(window, "timeWindow", where)) if window is not None else None,
        license=str(payload.get("license", "")), source_reference=reference,
        api_version=str(payload.get("apiVersion", "")),
    )
    if settings.rate:
        client.set_rate(settings.rate)
    return settings


def _check_table_id(table_id: str) -> str:
    table_id = str(table_id).strip()
    if not _TABLE_ID.match(table_id):
        raise ValidationError("SCB table id", [f"{table_id!r} is not a table id"],
                              hint="SCB table ids look like TAB638 (see search_tables or the table's page in "
                                   "the Statistical Database).")
    return table_id


def table_metadata(table_id: str, *, client: ApiClient | None = None, lang: str = "sv") -> TableMetadata:
    """The metadata of one table: its title, variables, value codes and labels, notes and units.

    Examples
    --------
    >>> meta = table_metadata("TAB6471")                    # doctest: +SKIP
    >>> meta.codes                                          # doctest: +SKIP
    ['Region', 'Alder', 'Kon', 'ContentsCode', 'Tid']
    """
    table_id = _check_table_id(table_id)
    client = client or make_client()
    path = f"tables/{table_id}/metadata"
    payload = client.get_json(path, {"lang": lang})
    return parse_metadata(payload, table_id, where=client.url(path) + f"?lang={lang}")


def _codelist_variable(var: Variable, payload: Any, where: str) -> Variable:
    """``var`` with the values, labels and elimination of a ``/codeLists/{id}`` answer."""
    values = payload.get("values") if isinstance(payload, Mapping) else None
    if not isinstance(values, list) or not all(isinstance(v, Mapping) and "code" in v for v in values):
        raise SourceError(f"{where}: expected a code list with a 'values' list of {{code, label, valueMap}}.",
                          url=where)
    codes = [str(v["code"]) for v in values]
    return replace(
        var, values=tuple(codes), value_labels={str(v["code"]): str(v.get("label", v["code"])) for v in values},
        elimination=bool(payload.get("elimination", False)), elimination_value=payload.get("eliminationValueCode"),
    )


def codelist(codelist_id: str, *, client: ApiClient | None = None, lang: str = "sv") -> pd.DataFrame:
    """A code list (``GET /codeLists/{id}``): an aggregation (``agg_...``, e.g. age groups) or a value
    set (``vs_...``, e.g. the municipalities) that a table's metadata offers for a variable.

    Returns one row per value: ``code``, ``label`` and ``value_map`` (the table's codes it stands for);
    ``attrs["codelist"]`` holds its id, label, type and elimination.

    Examples
    --------
    >>> ages = codelist("agg_Ålder10årJ")                              # doctest: +SKIP
    >>> ages.loc[0, ["code", "label"]].tolist()                         # doctest: +SKIP
    ['-9', '0-9 år']
    """
    client = client or make_client()
    path = f"codeLists/{codelist_id}"
    payload = client.get_json(path, {"lang": lang})
    where = client.url(path) + f"?lang={lang}"
    var = _codelist_variable(Variable(str(codelist_id), "", (), {}), payload, where)
    frame = pd.DataFrame({
        "code": list(var.values),
        "label": [var.value_labels[c] for c in var.values],
        "value_map": [[str(m) for m in v.get("valueMap") or []] for v in payload["values"]],
    })
    frame.attrs["codelist"] = {"id": str(payload.get("id", codelist_id)), "label": str(payload.get("label", "")),
                               "type": str(payload.get("type", "")), "elimination": var.elimination,
                               "elimination_value": var.elimination_value, "url": where}
    return frame


def parse_codelists(items: Iterable[str]) -> dict[str, str]:
    """Parse ``VAR=CODELIST`` items (e.g. ``--codelist Alder=agg_Ålder10årJ``): one code list per variable.

    Examples
    --------
    >>> parse_codelists(["Alder=agg_Ålder10årJ"])
    {'Alder': 'agg_Ålder10årJ'}
    """
    parsed = parse_selection(items)
    problems = [f"{name}={','.join(ids)}: give one code list per variable" for name, ids in parsed.items()
                if len(ids) != 1]
    if problems:
        raise ValidationError("SCB code lists (--codelist)", problems)
    return {name: ids[0] for name, ids in parsed.items()}


def _apply_codelists(meta: TableMetadata, codelists: Mapping[str, str] | None, client: ApiClient,
                     lang: str) -> tuple[TableMetadata, dict[str, str]]:
    """The metadata with each named variable's values replaced by its code list's (checked first)."""
    if not codelists:
        return meta, {}
    used: dict[str, str] = {}
    problems = []
    for name, list_id in codelists.items():
        try:
            var = meta.variable(name)
        except ValidationError:
            problems.append(f"{name!r} is not a variable of {meta.table_id}; its variables are {', '.join(meta.codes)}")
            continue
        if list_id not in var.codelists:
            offered = ", ".join(var.codelists) or "none"
            problems.append(f"{list_id!r} is not a code list of {var.code} in {meta.table_id} (its code lists: "
                            f"{offered})")
            continue
        used[var.code] = str(list_id)
    if problems:
        raise ValidationError(f"SCB code lists for table {meta.table_id}", problems,
                              hint="Use a code list the table's metadata offers for the variable.")
    variables = []
    for var in meta.variables:
        if var.code in used:
            path = f"codeLists/{used[var.code]}"
            var = _codelist_variable(var, client.get_json(path, {"lang": lang}), client.url(path))
        variables.append(var)
    return replace(meta, variables=tuple(variables)), used


def search_tables(query: str | None = None, *, client: ApiClient | None = None, lang: str = "sv",
                  past_days: int | None = None, page_size: int = 100, max_pages: int | None = 1) -> pd.DataFrame:
    """Tables in the Statistical Database, optionally those matching ``query`` (``GET /tables``).

    Returns one row per table: ``id``, ``label``, ``first_period``, ``last_period``, ``time_unit``,
    ``updated``, ``subject_code``, ``variables`` (the variable names, ``"; "``-joined) and
    ``discontinued``. Follows the pages up to ``max_pages`` (``None``: all of them).

    Examples
    --------
    >>> search_tables("folkmängd kommun")[["id", "label"]].head(1)        # doctest: +SKIP
    """
    client = client or make_client()
    params: dict[str, Any] = {"lang": lang, "pageSize": int(page_size)}
    if query:
        params["query"] = query
    if past_days:
        params["pastDays"] = int(past_days)
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        payload = client.get_json("tables", {**params, "pageNumber": page})
        where = client.url("tables")
        if not isinstance(payload, Mapping) or not isinstance(payload.get("tables"), list):
            raise SourceError(f"{where}: expected an object with a 'tables' list; got "
                              f"{type(payload).__name__}.", url=where)
        for table in payload["tables"]:
            rows.append({
                "id": str(table.get("id", "")), "label": str(table.get("label", "")),
                "first_period": table.get("firstPeriod"), "last_period": table.get("lastPeriod"),
                "time_unit": table.get("timeUnit"), "updated": table.get("updated"),
                "subject_code": table.get("subjectCode"),
                "variables": "; ".join(str(v) for v in table.get("variableNames") or []),
                "discontinued": table.get("discontinued"),
            })
        total_pages = int((payload.get("page") or {}).get("totalPages") or 1)
        if page >= total_pages or (max_pages is not None and page >= max_pages):
            break
        page += 1
    columns = ["id", "label", "first_period", "last_period", "time_unit", "updated", "subject_code",
               "variables", "discontinued"]
    return pd.DataFrame(rows, columns=columns)


def _normalise_selection(selection: Mapping[str, Sequence[str]] | Sequence[str] | None) -> dict[str, list[str]]:
    if selection is None:
        return {}
    if isinstance(selection, str) or (isinstance(selection, Sequence) and not isinstance(selection, Mapping)):
        return parse_selection(selection)  # ["Region=0180", ...] as on the command line
    out: dict[str, list[str]] = {}
    for name, tokens in selection.items():
        tokens = [tokens] if isinstance(tokens, str) else list(tokens)
        out[str(name)] = [str(t).strip() for t in tokens]
    return out


def _check_answer(cube: Cube, request: Mapping[str, Sequence[str]], where: str) -> None:
    """Raise unless the answer has exactly the requested codes (extra dimensions only with one value)."""
    problems = []
    for name, codes in request.items():
        got = cube.codes.get(name)
        if got is None:
            problems.append(f"dimension {name!r} is missing")
        elif set(got) != set(codes):
            extra, absent = sorted(set(got) - set(codes)), sorted(set(codes) - set(got))
            problems.append(f"{name}: asked for {len(codes)} value(s), got {len(got)}"
                            + (f"; not asked for: {extra[:5]}" if extra else "")
                            + (f"; missing: {absent[:5]}" if absent else ""))
    for name in cube.dims:
        if name not in request and len(cube.codes[name]) != 1:
            problems.append(f"dimension {name!r} was not asked for but has {len(cube.codes[name])} values")
    if problems:
        raise SourceError(f"{where}: the answer does not match the selection sent: " + "; ".join(problems)
                          + ". Try again; report it to SCB if it persists.", url=where)


def fetch_table(
    table_id: str,
    selection: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    *,
    client: ApiClient | None = None,
    lang: str = "sv",
    progress: bool = False,
    codelists: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Fetch (a selection of) an SCB table as a tidy frame, split into as many requests as needed.

    Parameters
    ----------
    table_id
        The table's id, e.g. ``"TAB638"``.
    selection
        ``{variable: [codes or expressions]}`` or ``["VAR=CODES", ...]`` items (see the module doc);
        ``None`` leaves every variable to the API's rules (eliminated where allowed, else all values).
    client
        An :class:`ApiClient` for the API (default: :func:`make_client`); its rate is set from ``/config``.
    lang
        ``"sv"`` or ``"en"``: the language of the labels.
    progress
        Show a progress bar over the data requests.
    codelists
        ``{variable: code list id}``: select that variable's values from a code list the table
        offers (``agg_...`` groups such as 10-year age classes, ``vs_...`` value sets); its codes and
        expressions then refer to the code list's values.

    Returns
    -------
    DataFrame
        One row per cell: a column per dimension (value codes, str), ``<dimension>_label`` where the
        labels say more than the codes, ``value`` (float, NaN where missing) and ``status`` when SCB
        marks cells. ``attrs["provenance"]`` holds the source, table id and title, URLs, the query,
        the number of requests and ``fetched_at``.

    Raises
    ------
    ValidationError
        When the selection names unknown variables or codes (all of them listed).
    SourceError
        When the API cannot be reached or answers something unusable (the URL is named).

    Examples
    --------
    >>> df = fetch_table("TAB6471", ["Region=01,03", "Alder=TotSA", "Kon=TotSa", "Tid=top(2)"])  # doctest: +SKIP
    >>> df[["Region", "Region_label", "Tid", "value"]]                                          # doctest: +SKIP
    """
    from tqdm import tqdm

    table_id = _check_table_id(table_id)
    wanted = _normalise_selection(selection)
    client = client or make_client()
    settings = api_settings(client)
    meta, used = _apply_codelists(table_metadata(table_id, client=client, lang=lang), codelists, client, lang)
    resolved = resolve_selection(meta, wanted)
    chunks = split_selection(resolved, settings.max_data_cells)
    path = f"tables/{table_id}/data"
    params = {"lang": lang, "outputFormat": OUTPUT_FORMAT}
    url = client.url(path) + f"?lang={lang}&outputFormat={OUTPUT_FORMAT}"
    cubes = []
    for k, chunk in enumerate(tqdm(chunks, desc=f"SCB {table_id}", unit="anrop", disable=not progress), 1):
        body = {"selection": [{"variableCode": name, "valueCodes": codes, **({"codeList": used[name]}
                                                                            if name in used else {})}
                              for name, codes in chunk.items()]}
        try:
            payload = client.post_json(path, body, params)
        except SourceError as exc:
            if exc.status in (400, 403):
                raise SourceError(
                    f"{exc} (request {k} of {len(chunks)}: {count_cells(chunk)} cells, the API allows "
                    f"{settings.max_data_cells}; the selection was {', '.join(f'{n}: {len(c)}' for n, c in chunk.items())} "
                    "value(s)).", url=exc.url, status=exc.status,
                ) from exc
            raise
        where = f"{url} (request {k} of {len(chunks)})" if len(chunks) > 1 else url
        cube = parse_jsonstat2(payload, where=where)
        _check_answer(cube, chunk, where)
        cubes.append(cube)
    merged = merge_cubes(cubes, order=resolved)
    label_columns = []
    for name in merged.dims:
        var = next((v for v in meta.variables if v.code == name), None)
        if (var.labels_useful() if var is not None else
                any(merged.labels[name].get(c, c) != c for c in merged.codes[name])):
            label_columns.append(name)
    frame = cube_to_frame(merged, label_columns=label_columns)
    frame.attrs["provenance"] = {
        "source": SOURCE,
        "credit": settings.source_reference or CREDIT,
        "license": settings.license,
        "table_id": table_id,
        "title": meta.label,
        "table_updated": meta.updated,
        "url": url,
        "metadata_url": meta.url,
        "method": "POST",
        "requests": len(chunks),
        "max_data_cells": settings.max_data_cells,
        "query": {"selection": wanted, "codelists": used, "lang": lang},
        "resolved": resolved,
        "eliminated": [v.code for v in meta.variables if v.code not in resolved],
        "units": {k: dict(v) for k, v in meta.units.items()},
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return frame


def store_folder() -> Path:
    """The store folder of fetched SCB tables: ``<data dir>/cache/scb``."""
    return config.cache_dir() / STORE_SUBDIR


def fetch_to_store(
    table_id: str,
    selection: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    *,
    progress: bool = True,
    client: ApiClient | None = None,
    codelists: Mapping[str, str] | None = None,
    wait: bool | float = True,
) -> dict[str, Any]:
    """Fetch a table (see :func:`fetch_table`) into the local store and return its manifest entry.

    The table is stored in ``<data dir>/cache/scb`` (file ``<table id>.<hash>.parquet``, named by the
    manifest entry's ``file``) with its provenance in the folder's manifest, atomically: a failed fetch
    leaves what was stored before untouched. The fetch holds the folder's writer lock
    (:func:`natsam_analysis.store.writer_lock`): while another fetch writes to it, this one waits
    (``wait=True``, the default), stops at once with :class:`~natsam_analysis.store.StoreBusyError`
    (``wait=False``) or waits at most ``wait`` seconds.

    With ``NATSAM_OFFLINE=1``, or when SCB cannot be reached and the table is stored, nothing is
    fetched: the stored entry is returned with ``"offline": True`` and a ``"message"`` saying so.

    Raises
    ------
    DataNotAvailableError
        Offline, when the table is not stored, or was stored with another selection.

    Examples
    --------
    >>> entry = fetch_to_store("TAB638", ["Region=????", "ContentsCode=BE0101N1", "Tid=top(3)"])  # doctest: +SKIP
    >>> entry["rows"]                                                                            # doctest: +SKIP
    870
    """
    table_id = _check_table_id(table_id)
    wanted = _normalise_selection(selection)
    folder = store_folder()
    if offline():
        return _stored_entry(table_id, selection, wanted, codelists, "NATSAM_OFFLINE is set")
    with store.writer_lock(folder, wait=wait):
        try:
            frame = fetch_table(table_id, wanted or None, client=client, progress=progress, codelists=codelists)
        except SourceError as exc:
            if exc.unreachable and store.has_table(folder, table_id):
                return _stored_entry(table_id, selection, wanted, codelists, f"SCB could not be reached ({exc})")
            raise
        return store.write_table(folder, table_id, frame, frame.attrs["provenance"])


def _stored_entry(table_id: str, selection: Any, wanted: dict[str, list[str]],
                  codelists: Mapping[str, str] | None, reason: str) -> dict[str, Any]:
    """The stored table's manifest entry with ``"offline": True`` and a message, when nothing is fetched."""
    folder = store_folder()
    path = store.table_path(folder, table_id) if store.has_table(folder, table_id) else folder
    if not store.has_table(folder, table_id):
        raise DataNotAvailableError(
            f"{path}: {reason} and SCB table {table_id} is not in the local store. Unset "
            f"NATSAM_OFFLINE (or connect to the network) and run `natsam fetch --scb {table_id}` to fetch it."
        )
    entry = store.read_manifest(folder)[table_id]
    query = entry.get("query") or {}
    stored, stored_lists = query.get("selection") or {}, query.get("codelists") or {}
    if (selection is not None and stored != wanted) or (codelists is not None and stored_lists != dict(codelists)):
        raise DataNotAvailableError(
            f"{path}: {reason} and the stored SCB table {table_id} was fetched with the "
            f"selection {stored or 'none'} (code lists {stored_lists or 'none'}), not {wanted} "
            f"(code lists {dict(codelists or {}) or 'none'}). Use that selection, or fetch this one when "
            "the network is there (without NATSAM_OFFLINE)."
        )
    message = (f"{reason}: nothing fetched; SCB table {table_id} as stored in {path} "
               f"(fetched {entry.get('fetched_at', '?')}, {entry.get('rows', '?')} rows).")
    return {**entry, "offline": True, "message": message}


def read_stored(table_id: str) -> pd.DataFrame:
    """A fetched SCB table from the local store (``attrs["provenance"]`` holds its manifest entry)."""
    table_id = _check_table_id(table_id)
    return store.read_table(store_folder(), table_id)


# --------------------------------------------------------------------------------------------------
# worked example: population by municipality


@dataclass(frozen=True)
class PopulationTable:
    """How to read the population on 31 December per municipality from one SCB table."""

    table_id: str
    contents: str
    fixed: Mapping[str, tuple[str, ...]]
    period: str  # "year": Tid codes are years; "december": monthly codes, December (YYYYM12) is 31 Dec
    description: str


POPULATION_TABLES: dict[str, PopulationTable] = {
    # BE0101 "Folkmängden efter region, civilstånd, ålder och kön. År 1968-2024" (the table once known as
    # BefolkningNy; contents BE0101N1 = folkmängd per 31 december). Civilstånd, ålder and kön can be
    # eliminated: left out, the API returns the population of all of them.
    "TAB638": PopulationTable("TAB638", "BE0101N1", {}, "year",
                              "Folkmängden efter region, civilstånd, ålder och kön, per den 31 december"),
    # BE0101 "Folkmängden per månad efter region, ålder och kön. År 2025M01-" (from 2025, with SCB's
    # cell-key noise): the December figure is the population on 31 December. Ålder cannot be eliminated,
    # so its total (TotSA) is selected, and so is the total of kön (TotSa).
    "TAB6471": PopulationTable("TAB6471", "000007SF", {"Alder": ("TotSA",), "Kon": ("TotSa",)}, "december",
                               "Folkmängden per månad efter region, ålder och kön; december = per den 31 december"),
}
POPULATION_TABLE = "TAB638"


def population_selection(years: Iterable[int] | None = None, table_id: str = POPULATION_TABLE) -> dict[str, list[str]]:
    """The selection :func:`population_by_municipality` sends for ``table_id`` and ``years``.

    Examples
    --------
    >>> population_selection([2023, 2024])
    {'Region': ['????'], 'ContentsCode': ['BE0101N1'], 'Tid': ['2023', '2024']}
    >>> population_selection(None, "TAB6471")["Tid"]
    ['*M12']
    """
    if table_id not in POPULATION_TABLES:
        raise NatsamError(f"population_by_municipality: no recipe for table {table_id!r}; use one of "
                          f"{', '.join(POPULATION_TABLES)}.")
    spec = POPULATION_TABLES[table_id]
    if years is None:
        periods = ["*"] if spec.period == "year" else ["*M12"]
    else:
        years = list(years)
        bad = [y for y in years if isinstance(y, bool) or not isinstance(y, (int, np.integer)) or not 1000 <= y <= 9999]
        if bad or not years:
            raise ValidationError("population_by_municipality", [f"years must be whole years like 2024; got {bad or years!r}"])
        periods = [f"{y}" if spec.period == "year" else f"{y}M12" for y in sorted({int(y) for y in years})]
    return {"Region": ["????"], "ContentsCode": [spec.contents], **{k: list(v) for k, v in spec.fixed.items()},
            "Tid": periods}


def population_by_municipality(
    years: Iterable[int] | None = None,
    *,
    client: ApiClient | None = None,
    table_id: str = POPULATION_TABLE,
) -> pd.DataFrame:
    """The population on 31 December of each municipality, from SCB.

    Reads ``TAB638`` (BE0101, "Folkmängden efter region, civilstånd, ålder och kön", yearly 1968-2024)
    by default; ``table_id="TAB6471"`` reads the monthly table that continues it from 2025 (its
    December figure; values carry SCB's small cell-key noise). Municipalities are the table's
    4-character region codes (``Region=????``); civil status, age and sex are totalled (by the API).

    Parameters
    ----------
    years
        Years to fetch (default: every year in the table).
    client
        An :class:`ApiClient` for SCB (default: :func:`make_client`).
    table_id
        ``"TAB638"`` (default) or ``"TAB6471"`` (see :data:`POPULATION_TABLES`).

    Returns
    -------
    DataFrame
        ``municipality_id`` (4-character str, e.g. ``"0180"``), ``year`` (int), ``value`` (float,
        persons; NaN where SCB has none), sorted; ``attrs["provenance"]`` as for :func:`fetch_table`.

    Examples
    --------
    >>> pop = population_by_municipality([2023, 2024])                         # doctest: +SKIP
    >>> pop.shape, pop.municipality_id.iloc[0]                                 # doctest: +SKIP
    ((580, 3), '0114')
    """
    selection = population_selection(years, table_id)
    spec = POPULATION_TABLES[table_id]
    frame = fetch_table(table_id, selection, client=client)
    regions, periods = frame["Region"].astype(str), frame["Tid"].astype(str)
    period = re.compile(r"^\d{4}M12$" if spec.period == "december" else r"^\d{4}$")
    problems = [f"Region {r!r} is not a 4-digit municipality code" for r in sorted(set(regions))
                if not _MUNICIPALITY.match(r)]
    problems += [f"Tid {p!r} is not a {'December period' if spec.period == 'december' else 'year'}"
                 for p in sorted(set(periods)) if not period.match(p)]
    duplicated = pd.DataFrame({"r": regions, "p": periods}).duplicated()
    problems += [f"municipality {r} has more than one value for {p}"
                 for r, p in zip(regions[duplicated], periods[duplicated])][:5]
    if problems:
        raise ValidationError(f"SCB {table_id} population by municipality", problems,
                              hint="The table's layout is not what population_by_municipality expects.")
    out = pd.DataFrame({
        "municipality_id": regions.to_numpy(dtype=object),
        "year": periods.str[:4].astype(np.int64).to_numpy(),
        "value": frame["value"].astype(float).to_numpy(),
    })
    out = out.sort_values(["municipality_id", "year"], kind="stable").reset_index(drop=True)
    out.attrs["provenance"] = {**frame.attrs["provenance"],
                               "derived": f"population per municipality on 31 December ({spec.description})"}
    return out
