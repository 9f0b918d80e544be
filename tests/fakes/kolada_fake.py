"""A fake Kolada API v3 for tests, serving the real recorded payloads (no network).

:class:`KoladaFake` answers the routes the client uses, under ``/v3``:

* metadata: ``/kpi`` (all, ``/kpi/{ids}``, ``?title=``), ``/municipality`` (``/{ids}``, ``?title=``),
  ``/municipality_groups`` (``/{ids}``, ``?title=``), ``/kpi_groups`` and ``/ou``;
* data: ``/data/kpi/{kpis}/municipality/{ids}/year/{years}`` and the forms with one segment left out;
  ``/oudata/kpi/{kpis}/ou/{ids}/year/{years}``; ``per_page``, ``page`` and ``from_date`` parameters.

Every answer is a page envelope built around the recorded arrays: ``count`` (items on the page),
``values``, ``next_url`` and ``previous_url`` (absolute URLs on this server); with ``style="v2"`` the
links are called ``next_page`` and ``previous_page``. Like the real API the fake answers **400 when a
path segment holds more than 25 values**, so a test that passes proves that the client splits.

Where the data comes from
-------------------------
* **Recorded** (real, "Källa: Kolada"): the KPI catalogue (6,099 KPIs), the 312 municipalities and
  regions, the 3,630 municipality groups and the recorded data rows (``*_data_*_reconstructed.json``:
  N00945 and the GRP key figures N00300-N00379, N03702, N03703 for a few municipalities; the
  2026-03-23 recording wins over the 2026-03-04 one). They are filtered by kpi, municipality and
  year from the URL, so a query returns exactly the recorded subset.
* **Synthesised** (not real, only so that a realistic catalog fetch has something to page through):
  with ``synthesise=True`` (the default) a (kpi, municipality, year) that was not recorded gets a
  deterministic made-up value (crc32 of the key, with about 3 % nulls of count 0), for KPIs of the
  recorded catalogue, municipalities of the KPI's type (K, L or both), and years from 2000 to the
  latest the KPI has published by ``today``. Group ids (``G...``) get the unweighted mean of their
  members, with ``count`` the members that contributed. With ``synthesise=False`` only recorded rows
  exist. ``/kpi_groups`` and ``/ou`` have no recording: they serve what the test passes in (empty by
  default), and so does ``/oudata``.

Changes and faults
------------------
Every row carries a change date (the recording's date; synthetic rows 2026-03-23). ``set_value``
changes a value as of a date and ``delete`` marks a row deleted as of a date: ``from_date`` then
returns only rows changed on or after it, deleted ones with ``"isdeleted": true``. ``last_link``
chooses how the last page ends (``"absent"``, ``"null"`` or ``"empty"``), ``repeat_link=True`` makes
``next_url`` point back at the same page. HTTP faults (429, 500, timeouts, HTML, truncated JSON) are
scripted around the handler with :class:`fakes.server.Script`.

Examples
--------
>>> fake = KoladaFake(reference_dir / "kolada")                       # doctest: +SKIP
>>> with FakeServer(fake) as server:                                   # doctest: +SKIP
...     ...  # point NATSAM_KOLADA_URL at server.url + "/v3"
"""

from __future__ import annotations

import json
import threading
import zlib
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fakes.server import Request, Response

MAX_SEGMENT = 25
MAX_PER_PAGE = 5000
RECORDED_DATA = (  # later files win
    ("kolada_v3_2026-03-04_data_grp_data_reconstructed.json", "2026-03-04"),
    ("kolada_v3_2026-03-23_data_grp_data_reconstructed.json", "2026-03-23"),
    ("kolada_v3_2026-03-23_data_kld_data_reconstructed.json", "2026-03-23"),
    ("kolada_v3_2026-03-23_data_n00945_reconstructed.json", "2026-03-23"),
)
SYNTHETIC_CHANGED = "2026-03-23"
FIRST_SYNTHETIC_YEAR = 2000


def _latest_year(kpi: dict[str, Any], today: date) -> int:
    try:
        period = int(kpi.get("publ_period"))
    except (TypeError, ValueError):
        return today.year - 1
    dates = [d for d in (kpi.get("publication_date"), kpi.get("prel_publication_date")) if d]
    return period if any(d[:10] <= today.isoformat() for d in dates) else period - 1


def _unit(h: int) -> float:
    return (h & 0xFFFFFF) / float(0x1000000)


class KoladaFake:
    """The fake Kolada API as a handler for :class:`fakes.server.FakeServer` (see the module doc)."""

    def __init__(self, folder: Path, *, synthesise: bool = True, style: str = "v3", today: date = date(2026, 11, 29),
                 last_link: str = "null", repeat_link: bool = False, kpi_groups: list[dict] | None = None,
                 ous: list[dict] | None = None, ou_rows: list[dict] | None = None, prefix: str = "/v3"):
        folder = Path(folder)
        self.prefix = prefix
        self.synthesise = synthesise
        self.style = style
        self.today = today
        self.last_link = last_link
        self.repeat_link = repeat_link
        self.kpis: list[dict] = json.loads((folder / "kolada_v3_2026-03-23_kpi_values.json").read_text("utf-8"))
        self.municipalities: list[dict] = json.loads(
            (folder / "kolada_v3_2026-03-23_municipality_values.json").read_text("utf-8"))
        self.groups: list[dict] = json.loads(
            (folder / "kolada_v3_2026-03-23_municipality_groups_values.json").read_text("utf-8"))
        self.kpi_groups = list(kpi_groups or [])
        self.ous = list(ous or [])
        self.ou_rows = list(ou_rows or [])
        self.kpi_by_id = {k["id"]: k for k in self.kpis}
        self.unit_type = {m["id"]: m["type"] for m in self.municipalities}
        self.members = {g["id"]: [m["member_id"] for m in g["members"]] for g in self.groups}
        self.latest = {k["id"]: _latest_year(k, today) for k in self.kpis}
        # recorded rows: key (kpi, unit, year) -> (row, changed)
        self.recorded: dict[tuple[str, str, int], tuple[dict, str]] = {}
        for name, changed in RECORDED_DATA:
            for row in json.loads((folder / name).read_text("utf-8")):
                self.recorded[(row["kpi"], row["municipality"], int(row["period"]))] = (row, changed)
        self.overrides: dict[tuple[str, str, int], tuple[dict, str]] = {}
        self._lock = threading.Lock()
        self._answers: dict[tuple, Response] = {}  # the same request gets the same bytes until data change

    # ------------------------------------------------------------------ changing the data
    def set_value(self, kpi: str, unit: str, year: int, value: float | None, changed: str, gender: str = "T") -> None:
        """Give (kpi, unit, year, gender) a new value as of the date ``changed`` (YYYY-MM-DD)."""
        key = (kpi, unit, year)
        row = self.row(*key) or {"kpi": kpi, "municipality": unit, "period": year, "values": []}
        values = [v for v in row["values"] if v["gender"] != gender]
        values.append({"count": 0 if value is None else 1, "gender": gender, "status": "", "value": value})
        with self._lock:
            self.overrides[key] = ({**row, "values": sorted(values, key=lambda v: v["gender"])}, changed)
            self._answers.clear()

    def delete(self, kpi: str, unit: str, year: int, changed: str) -> None:
        """Mark (kpi, unit, year) deleted as of ``changed``."""
        row = self.row(kpi, unit, year) or {"kpi": kpi, "municipality": unit, "period": year, "values": []}
        with self._lock:
            self.overrides[(kpi, unit, year)] = ({**row, "isdeleted": True}, changed)
            self._answers.clear()

    def reset(self) -> None:
        """Undo every ``set_value`` and ``delete``."""
        with self._lock:
            self.overrides.clear()
            self._answers.clear()

    # ------------------------------------------------------------------ rows
    def _synthetic(self, kpi: str, unit: str, year: int) -> dict | None:
        meta = self.kpi_by_id.get(kpi)
        if meta is None or not FIRST_SYNTHETIC_YEAR <= year <= self.latest[kpi]:
            return None
        if unit in self.members:
            return self._group_row(kpi, unit, year)
        kind = self.unit_type.get(unit)
        if kind is None or meta.get("municipality_type") not in ("A", kind):
            return None
        genders = ("K", "M", "T") if meta.get("is_divided_by_gender") else ("T",)
        values = []
        for gender in genders:
            h = zlib.crc32(f"{kpi}|{unit}|{year}|{gender}".encode())
            missing = _unit(h >> 3) < 0.03
            value = None if missing else round(100 * _unit(h), 1)
            values.append({"count": 0 if missing else 1, "gender": gender, "status": "", "value": value})
        return {"kpi": kpi, "municipality": unit, "period": year, "values": values}

    def _group_row(self, kpi: str, group: str, year: int) -> dict | None:
        sums: dict[str, list[float]] = {}
        for member in self.members[group]:
            row = self.row(kpi, member, year, groups=False)
            for v in (row or {}).get("values", []):
                if v["value"] is not None:
                    sums.setdefault(v["gender"], []).append(v["value"])
        if not sums:
            return None
        values = [{"count": len(vals), "gender": g, "status": "", "value": round(sum(vals) / len(vals), 6)}
                  for g, vals in sorted(sums.items())]
        return {"kpi": kpi, "municipality": group, "period": year, "values": values}

    def row(self, kpi: str, unit: str, year: int, *, groups: bool = True) -> dict | None:
        """The current row of (kpi, unit, year), deleted ones included, or ``None``."""
        found = self._entry(kpi, unit, year, groups=groups)
        return found[0] if found else None

    def _entry(self, kpi: str, unit: str, year: int, *, groups: bool = True) -> tuple[dict, str] | None:
        key = (kpi, unit, year)
        if key in self.overrides:
            return self.overrides[key]
        if key in self.recorded:
            return self.recorded[key]
        if not self.synthesise or (unit in self.members and not groups):
            return None
        row = self._synthetic(kpi, unit, year)
        return (row, SYNTHETIC_CHANGED) if row else None

    def _rows(self, kpis: list[str] | None, units: list[str] | None, years: list[int] | None,
              from_date: str | None) -> list[dict]:
        def wanted(key: tuple[str, str, int]) -> bool:
            return ((kpis is None or key[0] in kpis) and (units is None or key[1] in units)
                    and (years is None or key[2] in years))

        if kpis is None:  # /data/municipality/.../year/...: every KPI, recorded rows only
            keys = {k for k in list(self.recorded) + list(self.overrides) if wanted(k)}
        elif from_date is not None and from_date > SYNTHETIC_CHANGED:
            # only rows changed since: recorded or changed by the test (no synthetic row is that new)
            keys = {k for k, (_, changed) in list(self.recorded.items()) + list(self.overrides.items())
                    if changed >= from_date and wanted(k)}
        else:
            unit_list = units if units is not None else [m["id"] for m in self.municipalities]
            year_list = years if years is not None else list(range(FIRST_SYNTHETIC_YEAR, self.today.year + 1))
            keys = {(k, u, y) for k in kpis for u in unit_list for y in year_list}
            if not self.synthesise:
                keys &= set(self.recorded) | set(self.overrides)
        out = []
        for key in sorted(keys):
            entry = self._entry(*key)
            if entry is None:
                continue
            row, changed = entry
            if from_date is not None and changed < from_date:
                continue
            if row.get("isdeleted") and from_date is None:
                continue
            out.append(row)
        return out

    # ------------------------------------------------------------------ HTTP
    def __call__(self, request: Request) -> Response:
        key = (request.path, tuple(sorted(request.query.items())), request.headers.get("Host"), self.style,
               self.last_link, self.repeat_link)
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None:
            return cached
        answer = self._answer(request)
        with self._lock:
            if len(self._answers) < 500:
                self._answers[key] = answer
        return answer

    def _answer(self, request: Request) -> Response:
        if not request.path.startswith(self.prefix + "/"):
            return Response.error(404, message=f"unknown path {request.path}")
        parts = [p for p in request.path[len(self.prefix) + 1:].split("/") if p]
        for segment in parts:
            if segment.count(",") + 1 > MAX_SEGMENT:
                return Response.error(400, message=f"too many values in a path segment (at most {MAX_SEGMENT})")
        try:
            per_page = int(request.query.get("per_page", MAX_PER_PAGE))
            page = int(request.query.get("page", 1))
        except ValueError:
            return Response.error(400, message="per_page and page must be whole numbers")
        if not 1 <= per_page <= MAX_PER_PAGE or page < 1:
            return Response.error(400, message=f"per_page must be 1-{MAX_PER_PAGE} and page >= 1")
        entity = parts[0] if parts else ""
        if entity in ("kpi", "municipality", "municipality_groups", "kpi_groups", "ou"):
            items = self._metadata(entity, parts[1:], request.query)
        elif entity in ("data", "oudata"):
            items = self._data(entity, parts[1:], request.query)
            if isinstance(items, Response):
                return items
        else:
            return Response.error(404, message=f"unknown path {request.path}")
        return self._page(request, items, page, per_page)

    def _metadata(self, entity: str, ids: list[str], query: dict[str, str]) -> list[dict]:
        items = {"kpi": self.kpis, "municipality": self.municipalities, "municipality_groups": self.groups,
                 "kpi_groups": self.kpi_groups, "ou": self.ous}[entity]
        if ids:
            wanted = set(ids[0].split(","))
            items = [i for i in items if i["id"] in wanted]
        title = query.get("title")
        if title:
            items = [i for i in items if title.casefold() in str(i.get("title", "")).casefold()]
        if entity == "ou" and query.get("municipality"):
            items = [i for i in items if i.get("municipality") == query["municipality"]]
        return items

    def _data(self, entity: str, parts: list[str], query: dict[str, str]) -> list[dict] | Response:
        unit_name = "municipality" if entity == "data" else "ou"
        segments: dict[str, list[str]] = {}
        if len(parts) % 2:
            return Response.error(404, message="a data path has name/value pairs")
        for name, value in zip(parts[::2], parts[1::2]):
            if name not in ("kpi", unit_name, "year"):
                return Response.error(404, message=f"unknown segment {name!r}")
            segments[name] = value.split(",")
        if len(segments) < 2:
            return Response.error(404, message="give at least two of kpi, municipality/ou, year")
        try:
            years = [int(y) for y in segments["year"]] if "year" in segments else None
        except ValueError:
            return Response.error(400, message="years must be numbers")
        from_date = query.get("from_date")
        if entity == "oudata":
            return [r for r in self.ou_rows
                    if ("kpi" not in segments or r["kpi"] in segments["kpi"])
                    and ("ou" not in segments or r["ou"] in segments["ou"])
                    and (years is None or int(r["period"]) in years)]
        return self._rows(segments.get("kpi"), segments.get("municipality"), years, from_date)

    def _page(self, request: Request, items: list[dict], page: int, per_page: int) -> Response:
        start = (page - 1) * per_page
        values = items[start:start + per_page]
        host = request.headers.get("Host", "127.0.0.1")

        def link(number: int) -> str:
            query = {**request.query, "page": str(number), "per_page": str(per_page)}
            return f"http://{host}{request.path}?{urlencode(query)}"

        next_key, prev_key = ("next_page", "previous_page") if self.style == "v2" else ("next_url", "previous_url")
        body: dict[str, Any] = {"count": len(values), "values": values}
        if start + per_page < len(items):
            body[next_key] = link(page) if self.repeat_link else link(page + 1)
        elif self.last_link == "null":
            body[next_key] = None
        elif self.last_link == "empty":
            body[next_key] = ""
        body[prev_key] = link(page - 1) if page > 1 else None
        return Response.json_body(body)

