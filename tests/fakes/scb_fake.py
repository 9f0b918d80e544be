"""A fake SCB PxWebApi 2 serving the recorded payloads of ``../shared/reference/scb``.

:class:`ScbFake` answers like ``https://statistikdatabasen.scb.se/api/v2`` under ``<url>/api/v2``:

* ``GET /config`` - the recorded configuration (``maxDataCells`` can be lowered for split tests);
* ``GET /tables`` - the recorded table list, or the recorded search answer when ``query`` is given;
* ``GET /tables/{id}/metadata`` - the recorded metadata (``TAB6471``, plus any ``extra_tables``);
* ``POST /tables/{id}/data`` (and ``GET`` with ``valueCodes[VAR]=...``) - the recorded data cube cut
  down to the selection, the way PxWebApi 2 does it: variables matched case-insensitively, missing
  mandatory variables refused (400), more than ``maxDataCells`` cells refused (403, as the API
  specification documents; PxWebApi's implementation answers 400, see ``too_many_cells_status``), a
  variable left out eliminated (by its elimination value code, or by summing when the cube holds all
  its values; a missing part makes the total missing). The fake knows only value codes and ``*`` (the client sends explicit codes), and only the
  recorded cells: asking for a value the recorded cube does not hold is a 400 that says so;
  A ``codeList`` on a variable selects among the code list's values: each value is the sum of the
  cells of its ``valueMap`` (an aggregation), or its own cell when the cube has that code (a value set);
* ``GET /codeLists/{id}`` - the recorded code list (plus any ``extra_codelists``).

Faults are scripted per test through ``fake.script`` (:class:`fakes.server.Script`), e.g.
``fake.script.add("/api/v2/tables/TAB6471/data", Response.error(429, retry_after=2))``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from fakes.server import FakeServer, Request, Response, Script

BASE = "/api/v2"
RECORDED_TABLE = "TAB6471"
COUNTIES = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "19", "20",
            "21", "22", "23", "24", "25"]
AGES_10 = ["0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90-99", "100+10"]
#: The selection the recorded TAB6471 data answers (counties x 10-year ages x sex x the last 4 months).
RECORDED_SELECTION = [f"Region={','.join(COUNTIES)}", f"Alder={','.join(AGES_10)}", "Kon=*",
                      "ContentsCode=000007SF", "Tid=2026M01-2026M04"]


def problem(status: int, title: str, detail: str = "") -> Response:
    """A PxWebApi 2 problem answer (``type``, ``title``, ``status``, ``detail``)."""
    body = {"type": "Parameter error", "title": title, "status": status, "detail": detail or title}
    return Response.json_body(body, status=status)


def load(reference: Path, name: str) -> Any:
    return json.loads((reference / name).read_text(encoding="utf-8"))



class ScbFake:
    """The fake API (see the module doc). Use as a context manager; ``url`` is the API root.

    Parameters
    ----------
    reference
        The ``scb`` folder of the recorded payloads.
    max_data_cells
        Overrides the recorded ``maxDataCells`` (in ``/config`` and in what the fake enforces).
    extra_tables
        ``{table_id: (metadata, data)}`` payloads built by a test, served like the recorded one.
    extra_codelists
        ``{codelist_id: payload}`` code lists built by a test.
    too_many_cells_status
        The status of a refused too-large selection (403 per the specification, 400 as implemented).
    """

    def __init__(self, reference: Path, *, max_data_cells: int | None = None,
                 extra_tables: Mapping[str, tuple[dict, dict]] | None = None,
                 extra_codelists: Mapping[str, dict] | None = None, too_many_cells_status: int = 403):
        self.config = load(reference, "scb_v2_config.json")
        if max_data_cells is not None:
            self.config["maxDataCells"] = max_data_cells
        self.tables_payload = load(reference, "scb_v2_tables.json")
        self.search_payload = load(reference, "scb_v2_search.json")
        self.tables: dict[str, tuple[dict, dict]] = {
            RECORDED_TABLE: (load(reference, "scb_v2_TAB6471_metadata.json"),
                             load(reference, "scb_v2_TAB6471_data.json")),
        }
        self.tables.update(extra_tables or {})
        codelist = load(reference, "scb_v2_codelist_agg_Alder10arJ.json")
        self.codelists = {codelist["id"]: codelist, **(extra_codelists or {})}
        self.too_many_cells_status = too_many_cells_status
        #: Data requests refused because they asked for more than maxDataCells cells.
        self.too_large: list[Request] = []
        #: Cells asked for by each data request that was answered or refused, in order.
        self.cells_requested: list[int] = []
        self.script = Script(self.handle)
        self.server = FakeServer(self.script)

    # ------------------------------------------------------------------ server plumbing

    @property
    def url(self) -> str:
        return self.server.url + BASE

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def data_requests(self, table_id: str = RECORDED_TABLE) -> list[Request]:
        return [r for r in self.server.requests if r.path == f"{BASE}/tables/{table_id}/data"]

    def __enter__(self) -> ScbFake:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    # ------------------------------------------------------------------ routes

    def handle(self, request: Request) -> Response:
        path = request.path
        if not path.startswith(BASE + "/"):
            return problem(404, "Not found", f"no such path {path}")
        parts = path[len(BASE) + 1:].strip("/").split("/")
        if parts == ["config"]:
            return Response.json_body(self.config)
        if parts == ["tables"]:
            return Response.json_body(self.search_payload if request.query.get("query") else self.tables_payload)
        if len(parts) == 2 and parts[0].lower() == "codelists":
            found = self.codelists.get(parts[1])
            return Response.json_body(found) if found else problem(404, "Non-existent codelist")
        if len(parts) == 3 and parts[0] == "tables" and parts[2] in ("metadata", "data"):
            table = self.tables.get(parts[1]) or self.tables.get(parts[1].upper())
            if table is None:
                return problem(404, "Non-existent table", f"no table {parts[1]}")
            if parts[2] == "metadata":
                return Response.json_body(table[0])
            return self.data(request, *table)
        return problem(404, "Not found", f"no such path {path}")

    def data(self, request: Request, metadata: dict, data: dict) -> Response:
        if request.query.get("outputFormat", "json-stat2").lower() != "json-stat2":
            return problem(400, "Unsupported output format", "this fake serves json-stat2 only")
        if request.method == "POST":
            try:
                body = request.json()
                selection = {s["variableCode"]: list(s["valueCodes"]) for s in body["selection"]}
                lists = {s["variableCode"]: s["codeList"] for s in body["selection"] if s.get("codeList")}
            except (ValueError, KeyError, TypeError) as exc:
                return problem(400, "Illegal selection", f"cannot read the selection body: {exc!r}")
        else:
            selection, lists = {}, {}
            for key, value in request.query.items():
                match = re.fullmatch(r"(valueCodes|codelist)\[(.+)\]", key, re.IGNORECASE)
                if match and match.group(1).lower() == "valuecodes":
                    selection[match.group(2)] = [v for v in value.split(",") if v]
                elif match:
                    lists[match.group(2)] = value
        return self.select(metadata, data, selection, request, lists)

    # ------------------------------------------------------------------ the data cube

    def select(self, metadata: dict, data: dict, selection: dict[str, list[str]], request: Request,
               lists: dict[str, str] | None = None) -> Response:
        meta_dims = metadata["dimension"]
        by_lower = {name.lower(): name for name in metadata["id"]}
        chosen: dict[str, list[str]] = {}
        groups: dict[str, dict[str, tuple[str, list[str]]]] = {}  # var -> code -> (label, valueMap)
        for name, list_id in (lists or {}).items():
            var = by_lower.get(name.lower())
            offered = [c["id"] for c in (meta_dims.get(var, {}).get("extension") or {}).get("codelists") or []]
            if var is None or list_id not in offered or list_id not in self.codelists:
                return problem(400, "Non-existent codelist", f"{name}: {list_id}")
            groups[var] = {v["code"]: (v["label"], list(v["valueMap"])) for v in self.codelists[list_id]["values"]}
        for name, tokens in selection.items():
            var = by_lower.get(name.lower())
            if var is None:
                return problem(400, "Non-existent variable", f"no variable {name}")
            values = list(groups[var]) if var in groups else list(meta_dims[var]["category"]["index"])
            lookup = {v.lower(): v for v in values}
            codes: list[str] = []
            for token in tokens:
                if token == "*":
                    codes.extend(values)
                elif token.lower() in lookup:
                    codes.append(lookup[token.lower()])
                else:
                    return problem(400, "Non-existent value",
                                   f"{var}={token}: not a value code (this fake knows codes and *)")
            chosen[var] = list(dict.fromkeys(codes))
        for var in metadata["id"]:
            ext = meta_dims[var].get("extension") or {}
            if var not in chosen and not ext.get("elimination", False):
                return problem(400, "Missing selection for mandatory variable", var)
        cells = math.prod(len(c) for c in chosen.values() if c)
        self.cells_requested.append(cells)
        if cells > int(self.config["maxDataCells"]):
            self.too_large.append(request)
            return problem(self.too_many_cells_status, "Too many cells selected")

        ids, sizes = data["id"], data["size"]
        raw = np.array([np.nan if v is None else v for v in data["value"]], dtype=float).reshape(sizes)
        cube, kept, relabel = raw, [], {}
        for axis, var in enumerate(ids):
            cat = data["dimension"][var]["category"]
            index = cat["index"] if isinstance(cat["index"], dict) else {c: i for i, c in enumerate(cat["index"])}
            if var in groups and var in chosen:
                parts, labels, order = [], {}, sorted(chosen[var], key=list(groups[var]).index)
                for code in order:
                    label, members = groups[var][code]
                    picks = [code] if code in index else members
                    if not all(m in index for m in picks):
                        return problem(400, "Value not in the recorded data",
                                       f"the fake has no recorded cells for {var}={code} of the code list")
                    parts.append(np.sum(np.take(cube, [index[m] for m in picks], axis=axis), axis=axis,
                                        keepdims=True))
                    labels[code] = label
                cube = np.concatenate(parts, axis=axis)
                kept.append((var, order))
                relabel[var] = labels
                continue
            if var in chosen:
                absent = [c for c in chosen[var] if c not in index]
                if absent:
                    return problem(400, "Value not in the recorded data",
                                   f"the fake has no recorded cells for {var}={','.join(absent[:5])}")
                order = sorted(chosen[var], key=lambda c: index[c])
                cube = np.take(cube, [index[c] for c in order], axis=axis)
                kept.append((var, order))
                continue
            ext = {**(meta_dims.get(var, {}).get("extension") or {}),
                   **(data["dimension"][var].get("extension") or {})}
            total = ext.get("eliminationValueCode")
            if total in index:
                cube = np.take(cube, [index[total]], axis=axis)
            elif set(index) >= set(meta_dims[var]["category"]["index"]):
                cube = np.sum(cube, axis=axis, keepdims=True)  # a total with a missing part is missing
            else:
                return problem(400, "Cannot eliminate",
                               f"the fake cannot eliminate {var}: the recorded cube lacks some of its values")
        shape = [len(order) for _, order in kept]
        values = cube.reshape(shape if shape else [1]).reshape(-1)
        dimension = {}
        for var, order in kept:
            dim = json.loads(json.dumps(data["dimension"][var]))
            cat = dim["category"]
            cat["index"] = {code: i for i, code in enumerate(order)}
            if var in relabel:
                cat["label"] = dict(relabel[var])
            for key in ("label", "unit", "note", "child"):
                if isinstance(cat.get(key), dict):
                    cat[key] = {c: v for c, v in cat[key].items() if c in cat["index"]}
            dimension[var] = dim
        answer = {k: v for k, v in data.items() if k not in ("id", "size", "dimension", "value", "status")}
        answer.update(id=[v for v, _ in kept], size=shape, dimension=dimension,
                      value=[None if np.isnan(v) else (int(v) if float(v).is_integer() else float(v))
                             for v in values])
        role = answer.get("role") or {}
        answer["role"] = {k: [v for v in vs if v in dimension] for k, vs in role.items()}
        return Response.json_body(answer)
