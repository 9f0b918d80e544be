"""Client for the Kolada API v3 (https://api.kolada.se/v3): key figures of Sweden's municipalities.

Kolada (RKA) publishes some 6,000 key figures (KPIs) for the 290 municipalities (type ``K``), the 21
regions and the whole country (``0000``, type ``L``), municipality groups (ids ``G...``, unweighted
averages of their members) and organisational units (schools, care homes: ids ``V...``). Unmodified
values are credited "Källa: Kolada".

What this client does with the API's rules:

* **Metadata**: :meth:`KoladaClient.kpis` (all, by ids, by title search), :meth:`~KoladaClient.kpi_groups`,
  :meth:`~KoladaClient.municipalities` (type ``K`` or ``L``), :meth:`~KoladaClient.municipality_groups`
  (members as ``member_id``/``member_title``) and :meth:`~KoladaClient.ous`.
* **Data**: ``/data/kpi/{kpis}/municipality/{ids}/year/{years}`` and the forms with one of the three
  segments left out (at least two are needed), municipality-group ids (``G...``) accepted as
  municipalities; ``/oudata/kpi/{kpis}/ou/{ids}/year/{years}`` for organisational units. ``from_date``
  (``YYYY-MM-DD``) asks only for values changed since that date.
* **At most 25 values in a path segment**: longer lists are split into chunks whose sizes are chosen
  so that as few requests as possible are needed (:func:`plan_chunks`), and the results combined
  without duplicates.
* **Pages**: ``per_page=5000``; pages are followed through ``next_url`` (v2's ``next_page`` too) until
  the link is missing, null or empty; a link that repeats raises :class:`SourceError` instead of
  looping.
* **Rows**: ids stay strings ("0180"), ``period`` becomes the integer ``year``, ``value`` may be null
  (with ``count`` 0), ``gender`` is ``T``, ``K`` or ``M``; a row or value flagged ``isdeleted`` is
  dropped unless ``keep_deleted=True`` (then an ``isdeleted`` column says which).
* **Ids are validated before any request**; a query that returns no rows (a retired or mistyped KPI id
  gives an empty list, not an error) raises an :class:`EmptyResultWarning`.
* Rate limit (about 5 requests per second), retries and clear errors come from
  :class:`natsam_analysis.sources.http.ApiClient`.

Examples
--------
>>> kolada = KoladaClient()                                                    # doctest: +SKIP
>>> frame = kolada.data(["N01951"], ["0180", "1480"], range(2020, 2025))      # doctest: +SKIP
>>> frame[["municipality_id", "kpi", "year", "gender", "value", "count"]].head(1)  # doctest: +SKIP
>>> plan_chunks(["N01951"], None, [2024])[0].path
'data/kpi/N01951/year/2024'
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urljoin

import numpy as np
import pandas as pd

from natsam_analysis import config
from natsam_analysis.errors import ValidationError
from natsam_analysis.sources.http import ApiClient, SourceError
from natsam_analysis.tables import GENDERS, PANEL_COLUMNS

#: The API takes at most this many comma-separated values in one path segment.
MAX_SEGMENT_VALUES = 25
#: The API's largest page.
PER_PAGE = 5000
SOURCE = "kolada"

KPI_ID = re.compile(r"^[NU][0-9]{5}$")
MUNICIPALITY_ID = re.compile(r"^[0-9]{4}$")
GROUP_ID = re.compile(r"^G[0-9]{1,9}$")
OU_ID = re.compile(r"^V[0-9]{2}E[0-9]{5,12}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FIRST_YEAR, LAST_YEAR = 1900, 2100

#: Columns of the frames :meth:`KoladaClient.data` returns (the panel's plus Kolada's ``count``).
DATA_COLUMNS = PANEL_COLUMNS + ["count"]
KPI_COLUMNS = [
    "id", "title", "description", "is_divided_by_gender", "municipality_type", "auspice", "operating_area",
    "perspective", "prel_publication_date", "publication_date", "publ_period", "has_ou_data",
]


class EmptyResultWarning(UserWarning):
    """A Kolada query returned no rows (often a retired or mistyped KPI id)."""


def latest_published_year(kpi: dict[str, Any], today: date | None = None) -> int | None:
    """The latest year of ``kpi`` (a ``/kpi`` item) that Kolada has published by ``today``.

    ``publ_period`` is the period of the next (or latest) publication: it counts once its
    ``publication_date`` or ``prel_publication_date`` (preliminary values) has passed, otherwise the
    year before it is the latest. ``None`` when the KPI gives no period.

    Examples
    --------
    >>> meta = {"publ_period": "2026", "publication_date": "2027-02-24", "prel_publication_date": None}
    >>> latest_published_year(meta, date(2026, 11, 29)), latest_published_year(meta, date(2027, 3, 1))
    (2025, 2026)
    """
    today = today or date.today()
    try:
        period = int(str(kpi.get("publ_period")))
    except (TypeError, ValueError):
        return None
    published = [d for d in (kpi.get("publication_date"), kpi.get("prel_publication_date")) if d]
    if any(str(d)[:10] <= today.isoformat() for d in published):
        return period
    return period - 1


# ------------------------------------------------------------------------------------------------
# validation of what goes into a URL


def _as_list(values: str | Iterable[Any] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = values.split(",")
    return [str(v).strip() for v in values if str(v).strip()]


def validate_ids(kind: str, values: str | Iterable[Any] | None) -> list[str]:
    """Check ids of ``kind`` before they go into a URL; return them deduplicated, in order.

    ``kind`` is ``"kpi"`` (``N01951``), ``"municipality"`` (``0180``, or a group ``G92787``), ``"ou"``
    (``V15E144001301``) or ``"group"`` (``G92787``). Every bad id is reported at once.

    Examples
    --------
    >>> validate_ids("municipality", "0180,1480,0180")
    ['0180', '1480']
    >>> validate_ids("kpi", ["N01951", "n1951"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    natsam_analysis.errors.ValidationError: kpi ids: 1 problem(s) found
    ...
    """
    patterns = {
        "kpi": ([KPI_ID], "a Kolada KPI id is N or U followed by five digits, e.g. N01951"),
        "municipality": ([MUNICIPALITY_ID, GROUP_ID],
                         "a municipality id has four digits with leading zeros (\"0180\"; \"0000\" is Sweden) "
                         "and a municipality-group id is G followed by digits (\"G92787\")"),
        "group": ([GROUP_ID], "a municipality-group id is G followed by digits, e.g. G92787"),
        "ou": ([OU_ID], "an organisational-unit id looks like V15E144001301"),
    }
    if kind not in patterns:
        raise ValueError(f"validate_ids: unknown kind {kind!r}")
    accepted, rule = patterns[kind]
    items = _as_list(values)
    problems = [f"{kind} id {v!r} is not valid: {rule}" for v in items
                if not any(p.fullmatch(v) for p in accepted)]
    if problems:
        raise ValidationError(f"{kind} ids", problems,
                              hint="Correct the ids (nothing was requested); `natsam kpi search` finds KPI ids.")
    return list(dict.fromkeys(items))


def parse_years(spec: str | int | Iterable[Any] | None) -> list[int]:
    """Years from ``"2015-2024"``, ``"2015,2018"``, ``2024`` or an iterable; sorted, without duplicates.

    Examples
    --------
    >>> parse_years("2015-2017,2020")
    [2015, 2016, 2017, 2020]
    """
    if spec is None:
        return []
    parts: list[Any] = [spec] if isinstance(spec, int) else _as_list(spec)
    years: set[int] = set()
    problems = []
    for part in parts:
        text = str(part)
        match = re.fullmatch(r"([0-9]{4})\s*-\s*([0-9]{4})", text)
        if match:
            first, last = int(match.group(1)), int(match.group(2))
            if first > last:
                problems.append(f"range {text!r} runs backwards; write it as {last}-{first}")
                continue
            years.update(range(first, last + 1))
        elif re.fullmatch(r"[0-9]{4}", text):
            years.add(int(text))
        else:
            problems.append(f"{text!r} is not a year (e.g. 2024) or a range (e.g. 2015-2024)")
    problems += [f"year {y} is outside {FIRST_YEAR}-{LAST_YEAR}" for y in sorted(years)
                 if not FIRST_YEAR <= y <= LAST_YEAR]
    if problems:
        raise ValidationError("years", problems, hint="Give years as 2024, 2015-2024 or 2015,2018,2022.")
    return sorted(years)


def validate_date(text: str | None) -> str | None:
    """A ``YYYY-MM-DD`` date for ``from_date`` (``None`` passes through)."""
    if text is None:
        return None
    text = str(text).strip()
    try:
        ok = bool(DATE.fullmatch(text)) and pd.Timestamp(text).strftime("%Y-%m-%d") == text
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError("from_date", [f"{text!r} is not a date written YYYY-MM-DD (e.g. 2026-03-01)"])
    return text


# ------------------------------------------------------------------------------------------------
# planning the requests


def chunked(values: Sequence[Any], size: int) -> list[list[Any]]:
    """``values`` split into consecutive chunks of at most ``size``, as evenly as possible.

    Examples
    --------
    >>> [len(c) for c in chunked(list(range(290)), 25)]
    [25, 25, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24]
    """
    if not values:
        return []
    n_chunks = math.ceil(len(values) / size)
    return [list(part) for part in np.array_split(np.asarray(values, dtype=object), n_chunks)]


@dataclass(frozen=True)
class Chunk:
    """One data request (before paging): the values of each path segment (``None``: segment left out)."""

    kpis: tuple[str, ...] | None
    units: tuple[str, ...] | None
    years: tuple[int, ...] | None
    unit_kind: str = "municipality"  # or "ou"

    @property
    def path(self) -> str:
        """The request path relative to the API root, e.g. ``data/kpi/N01951/municipality/0180/year/2024``."""
        root = "data" if self.unit_kind == "municipality" else "oudata"
        parts = [root]
        if self.kpis:
            parts += ["kpi", ",".join(self.kpis)]
        if self.units:
            parts += [self.unit_kind, ",".join(self.units)]
        if self.years:
            parts += ["year", ",".join(str(y) for y in self.years)]
        return "/".join(parts)

    @property
    def size(self) -> int:
        """Rows the chunk can return at most, counting an omitted segment as one value."""
        return len(self.kpis or (1,)) * len(self.units or (1,)) * len(self.years or (1,))


def _count_options(n: int, max_segment: int) -> list[int]:
    """Distinct numbers of chunks worth trying for ``n`` values (one per possible largest chunk size)."""
    if n == 0:
        return [1]
    return sorted({math.ceil(n / size) for size in range(1, min(n, max_segment) + 1)})


def estimated_requests(sizes: tuple[int, int, int], counts: tuple[int, int, int], per_page: int,
                       rows_per_item: float = 1.0) -> int:
    """Requests a plan needs at most: chunks times pages per (largest) chunk."""
    rows = math.prod(math.ceil(n / c) if n else 1 for n, c in zip(sizes, counts)) * rows_per_item
    return math.prod(counts) * max(1, math.ceil(rows / per_page))


def plan_chunks(
    kpis: Sequence[str] | None,
    units: Sequence[str] | None,
    years: Sequence[int] | None,
    *,
    unit_kind: str = "municipality",
    per_page: int = PER_PAGE,
    max_segment: int = MAX_SEGMENT_VALUES,
    expect_rows: bool = True,
) -> list[Chunk]:
    """Split a data query into requests with at most ``max_segment`` values in each path segment.

    With ``expect_rows`` (a first fetch) the chunk sizes are chosen to minimise the number of HTTP
    requests, pages included, assuming every (kpi, unit, year) has a row: e.g. 40 KPIs x 290
    municipalities x 15 years becomes 2 x 19 chunks of at most 20 x 16 x 15 = 4,800 rows, one page
    each (38 requests), instead of 2 x 12 chunks of two pages each (48). Without it (an update check
    through ``from_date``, where few rows come back) the chunks are as large as allowed.

    Examples
    --------
    >>> plan = plan_chunks([f"N{i:05d}" for i in range(40)], [f"{i:04d}" for i in range(290)], range(2010, 2025))
    >>> len(plan), max(c.size for c in plan)
    (38, 4800)
    """
    dims = [list(kpis or []), list(units or []), list(years or [])]
    if sum(bool(d) for d in dims) < 2:
        raise ValidationError("Kolada data query", [
            "give at least two of: KPI ids, municipality (or unit) ids, years (the API needs two)"])
    sizes = tuple(len(d) for d in dims)
    if expect_rows:
        best: tuple[int, int, tuple[int, int, int]] | None = None
        for ck in _count_options(sizes[0], max_segment):
            for cu in _count_options(sizes[1], max_segment):
                for cy in _count_options(sizes[2], max_segment):
                    counts = (ck, cu, cy)
                    cost = (estimated_requests(sizes, counts, per_page), math.prod(counts))
                    if best is None or cost < best[:2]:
                        best = (*cost, counts)
        assert best is not None
        counts = best[2]
    else:
        counts = tuple(math.ceil(n / max_segment) if n else 1 for n in sizes)

    def parts(values: list[Any], count: int) -> list[tuple[Any, ...] | None]:
        if not values:
            return [None]
        return [tuple(p) for p in chunked(values, math.ceil(len(values) / count))]

    return [Chunk(k, u, y, unit_kind)
            for k in parts(dims[0], counts[0])
            for u in parts(dims[1], counts[1])
            for y in parts([int(v) for v in dims[2]], counts[2])]


# ------------------------------------------------------------------------------------------------
# rows -> frames


def data_frame(rows: Iterable[dict[str, Any]], *, url: str = "", keep_deleted: bool = False,
               unit_kind: str = "municipality") -> pd.DataFrame:
    """Kolada data rows (``{kpi, municipality, period, values: [{count, gender, status, value}]}``) as a frame.

    One row per (unit, kpi, year, gender) with columns :data:`DATA_COLUMNS` (``municipality_id`` holds
    the unit id: a municipality, a group ``G...``, or with ``unit_kind="ou"`` an organisational unit,
    then named ``ou_id``). Rows or values flagged ``isdeleted`` are dropped unless ``keep_deleted``,
    which adds a boolean ``isdeleted`` column instead. A row that breaks the format raises
    :class:`SourceError` naming ``url``, the row and the field.

    Examples
    --------
    >>> rows = [{"kpi": "N00945", "municipality": "0180", "period": 2020,
    ...          "values": [{"count": 1, "gender": "T", "status": "", "value": 39.5}]}]
    >>> data_frame(rows)[["municipality_id", "year", "value", "count", "source"]].values.tolist()
    [['0180', 2020, 39.5, 1, 'kolada']]
    """
    unit_key = "municipality" if unit_kind == "municipality" else "ou"
    rows = rows if isinstance(rows, list) else list(rows)

    def bad(i: int, field: str, value: Any, why: str) -> SourceError:
        value = value.item() if isinstance(value, np.generic) else value  # -1, not np.int64(-1)
        return SourceError(f"{url or 'Kolada'}: row {i + 1}, field {field!r}: {value!r} {why}. The answer does not "
                           "have the shape of Kolada data; report it if it persists.", url=url)

    # One pass flattens (row, value) pairs into records; the columns are then checked vectorised, and
    # only a column that fails is searched element by element for the first bad row to report.
    columns = ["municipality_id", "kpi", "year", "gender", "value", "status", "count", "isdeleted", "row"]
    try:
        records = [(row.get(unit_key), row.get("kpi"), row.get("period"), entry.get("gender"), entry.get("value"),
                    entry.get("status") or "", entry.get("count"),
                    bool(row.get("isdeleted")) or bool(entry.get("isdeleted")), i)
                   for i, row in enumerate(rows) for entry in (row.get("values") or [])]
    except (AttributeError, TypeError):
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise bad(i, "row", row, "is not an object") from None
            values = row.get("values")
            if not isinstance(values, (list, type(None))) or any(not isinstance(e, dict) for e in values or []):
                raise bad(i, "values", values, "is not a list of objects") from None
        raise
    frame = pd.DataFrame.from_records(records, columns=columns) if records else \
        pd.DataFrame({c: pd.Series(dtype=object) for c in columns})

    def report(ok: np.ndarray, column: str, field: str, why: str) -> None:
        if not ok.all():
            pos = int(np.flatnonzero(~ok)[0])
            raise bad(int(frame["row"].iloc[pos]), field, frame[column].iloc[pos], why)

    def of_kind(column: str, kinds: tuple[str, ...], check: Any) -> np.ndarray:
        """Elementwise ``check`` only when pandas cannot tell the column is all of ``kinds`` at once."""
        if pd.api.types.infer_dtype(frame[column], skipna=True) in kinds:
            return np.ones(len(frame), dtype=bool)
        return np.fromiter((check(v) for v in frame[column]), dtype=bool, count=len(frame))

    def is_number(v: Any) -> bool:
        return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))

    units = frame["municipality_id"]
    report(of_kind("municipality_id", ("string",), lambda v: isinstance(v, str))
           & units.notna().to_numpy() & units.ne("").to_numpy(),
           "municipality_id", unit_key, "is not an id string (ids are text such as \"0180\")")
    kpi_ok = of_kind("kpi", ("string",), lambda v: isinstance(v, str))
    kpi_ok &= frame["kpi"].where(kpi_ok, "").astype(str).str.fullmatch(KPI_ID.pattern).to_numpy(dtype=bool)
    report(kpi_ok, "kpi", "kpi", "is not a KPI id")
    period = frame["year"].where(of_kind("year", ("integer",), lambda v: isinstance(v, (int, str))
                                         and not isinstance(v, bool)), None)
    year = pd.to_numeric(period, errors="coerce")
    report((year.notna() & (year == np.floor(year))).to_numpy(), "year", "period", "is not a whole year")
    report(frame["gender"].isin(GENDERS).to_numpy(), "gender", "gender", "is not T, K or M")
    report(of_kind("value", ("floating", "integer", "mixed-integer-float", "empty"), is_number),
           "value", "value", "is not a number or null")
    count_ok = of_kind("count", ("integer", "empty"), lambda v: v is None or (isinstance(v, int)
                                                                              and not isinstance(v, bool)))
    count_ok &= pd.to_numeric(frame["count"].where(count_ok, -1), errors="coerce").fillna(0).to_numpy() >= 0
    report(count_ok, "count", "count", "is not a whole number >= 0")

    frame = frame.assign(
        year=year.astype("int64"),
        value=pd.to_numeric(frame["value"]).astype("float64"),
        count=pd.to_numeric(frame["count"]).astype("Int64"),
        source=SOURCE,
    )
    deleted = frame["isdeleted"].astype(bool).to_numpy()
    frame = frame[DATA_COLUMNS + (["isdeleted"] if keep_deleted else [])]
    if keep_deleted:
        frame = frame.astype({"isdeleted": bool})
    else:
        frame = frame[~deleted].reset_index(drop=True)
    if unit_kind != "municipality":
        frame = frame.rename(columns={"municipality_id": "ou_id"})
    return frame


def kpi_frame(values: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The KPI catalogue (``/kpi`` values) as a frame with :data:`KPI_COLUMNS`, sorted by id."""
    frame = pd.DataFrame(list(values))
    for col in KPI_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame = frame[KPI_COLUMNS].copy()
    for col in ("id", "title", "description", "municipality_type", "auspice", "operating_area", "perspective",
                "prel_publication_date", "publication_date", "publ_period"):
        frame[col] = frame[col].astype("string")
    for col in ("is_divided_by_gender", "has_ou_data"):
        frame[col] = frame[col].astype("boolean")
    return frame.sort_values("id", ignore_index=True)


def municipality_frame(values: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Municipalities and regions (``/municipality`` values): ``municipality_id``, ``title``, ``type`` (K/L)."""
    frame = pd.DataFrame(list(values), columns=["id", "title", "type"]).rename(columns={"id": "municipality_id"})
    return frame.astype("string").sort_values("municipality_id", ignore_index=True)


def group_members_frame(values: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Groups with members (``/municipality_groups`` or ``/kpi_groups``), one row per member.

    Columns ``group_id``, ``group_title``, ``member_id``, ``member_title`` (all text).
    """
    rows = [(g.get("id"), g.get("title"), m.get("member_id", m.get("id")), m.get("member_title", m.get("title")))
            for g in values for m in (g.get("members") or [])]
    frame = pd.DataFrame(rows, columns=["group_id", "group_title", "member_id", "member_title"])
    return frame.astype("string").sort_values(["group_id", "member_id"], ignore_index=True)


# ------------------------------------------------------------------------------------------------
# the client


class KoladaClient:
    """The Kolada API v3 (see the module doc for what it does with the API's rules).

    Parameters
    ----------
    base_url
        The API root (default ``NATSAM_KOLADA_URL`` or ``https://api.kolada.se/v3``).
    api
        An :class:`~natsam_analysis.sources.http.ApiClient` to use (then ``rate`` and ``api_options``
        are ignored).
    rate
        Requests per second at most (default 5).
    per_page, max_segment
        The API's page size and path-segment limit (5000 and 25).
    api_options
        Further :class:`ApiClient` arguments (``retries``, ``timeout``, ``sleep``, ``clock``, ...).

    Attributes
    ----------
    urls
        Every URL requested, pages included, in order.
    pages_read
        Pages that arrived (a failed request is in ``urls`` but not counted here).
    empty_queries
        Data queries (chunks) that returned no rows.

    Examples
    --------
    >>> KoladaClient("https://api.kolada.se/v3").api.base_url
    'https://api.kolada.se/v3'
    """

    def __init__(self, base_url: str | None = None, *, api: ApiClient | None = None, rate: float = 5.0,
                 per_page: int = PER_PAGE, max_segment: int = MAX_SEGMENT_VALUES, **api_options: Any):
        self.api = api or ApiClient(base_url or config.kolada_url(), rate=rate, **api_options)
        self.per_page = int(per_page)
        self.max_segment = int(max_segment)
        self.urls: list[str] = []
        self.pages_read = 0
        self.empty_queries = 0

    # -------------------------------------------------------------- paging
    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[tuple[str, list[Any]]]:
        """Yield ``(url, values)`` for every page of ``path``, following ``next_url`` (or ``next_page``)."""
        params = {"per_page": self.per_page, **(params or {})}
        url = self.api.url(path)
        seen: set[str] = set()
        first = True
        while True:
            shown = url if not first else _with_query(url, params)
            if shown in seen:
                raise SourceError(
                    f"{shown}: Kolada's next_url points back to a page already read; stopping instead of "
                    "looping. The result would be incomplete, so nothing is stored; try again later.", url=shown)
            seen.add(shown)
            self.urls.append(shown)
            payload = self.api.get_json(url, params if first else None)
            self.pages_read += 1
            if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
                raise SourceError(
                    f"{shown}: expected a Kolada page (an object with a 'values' list) but got "
                    f"{type(payload).__name__} {str(payload)[:120]!r}. Check NATSAM_KOLADA_URL.", url=shown)
            yield shown, payload["values"]
            link = payload.get("next_url", payload.get("next_page"))
            if not link:  # missing, null or empty: the last page
                return
            if not isinstance(link, str):
                raise SourceError(f"{shown}: next_url {link!r} is not a URL.", url=shown)
            url = urljoin(shown, link)
            first = False

    def _collect(self, path: str, params: dict[str, Any] | None = None) -> list[Any]:
        return [item for _, values in self.pages(path, params) for item in values]

    def _metadata(self, entity: str, ids: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
        if not ids:
            return self._collect(entity, params)
        found: dict[str, dict[str, Any]] = {}
        for part in chunked(ids, self.max_segment):
            for item in self._collect(f"{entity}/{','.join(part)}", params):
                found.setdefault(str(item.get("id")), item)
        return list(found.values())

    # -------------------------------------------------------------- metadata
    def kpis(self, ids: str | Iterable[str] | None = None, *, title: str | None = None) -> list[dict[str, Any]]:
        """KPI metadata: all of it, the given ids (any number), or those whose title matches ``title``."""
        ids = validate_ids("kpi", ids)
        return self._metadata("kpi", ids, {"title": title} if title else {})

    def kpi_groups(self, ids: str | Iterable[str] | None = None, *, title: str | None = None) -> list[dict[str, Any]]:
        """KPI groups (Kolada's ready-made tables) with their member KPIs."""
        return self._metadata("kpi_groups", _as_list(ids), {"title": title} if title else {})

    def municipalities(self, ids: str | Iterable[str] | None = None, *, type: str | None = None,
                       title: str | None = None) -> list[dict[str, Any]]:
        """Municipalities (``type="K"``), regions and Sweden (``"L"``), or both (``None``)."""
        if type not in (None, "K", "L"):
            raise ValidationError("municipality type", [f"{type!r} is not K (municipality) or L (region)"])
        ids = validate_ids("municipality", ids)
        items = self._metadata("municipality", ids, {"title": title} if title else {})
        return [m for m in items if type is None or m.get("type") == type]

    def municipality_groups(self, ids: str | Iterable[str] | None = None, *,
                            title: str | None = None) -> list[dict[str, Any]]:
        """Municipality groups (``G...``) with members as ``member_id``/``member_title``."""
        ids = validate_ids("group", ids)
        return self._metadata("municipality_groups", ids, {"title": title} if title else {})

    def ous(self, ids: str | Iterable[str] | None = None, *, municipality: str | None = None,
            title: str | None = None) -> list[dict[str, Any]]:
        """Organisational units (schools, care homes, ...), optionally of one municipality or by title."""
        ids = validate_ids("ou", ids)
        params: dict[str, Any] = {}
        if municipality:
            params["municipality"] = validate_ids("municipality", [municipality])[0]
        if title:
            params["title"] = title
        return self._metadata("ou", ids, params)

    # -------------------------------------------------------------- data
    def chunk_rows(self, chunk: Chunk, *, from_date: str | None = None) -> tuple[list[dict[str, Any]], list[str]]:
        """All rows of one chunk (every page) and the URLs requested for it."""
        params = {"from_date": from_date} if from_date else {}
        rows: list[dict[str, Any]] = []
        urls: list[str] = []
        for url, values in self.pages(chunk.path, params):
            rows.extend(values)
            urls.append(url)
        if not rows:
            self.empty_queries += 1
        return rows, urls

    def chunk_frame(self, chunk: Chunk, *, from_date: str | None = None,
                    keep_deleted: bool = False) -> tuple[pd.DataFrame, list[str]]:
        """One chunk as a frame (see :func:`data_frame`) and the URLs requested for it."""
        rows, urls = self.chunk_rows(chunk, from_date=from_date)
        return data_frame(rows, url=urls[0], keep_deleted=keep_deleted, unit_kind=chunk.unit_kind), urls

    def data(self, kpis: str | Iterable[str] | None = None, municipalities: str | Iterable[str] | None = None,
             years: str | int | Iterable[Any] | None = None, *, from_date: str | None = None,
             keep_deleted: bool = False) -> pd.DataFrame:
        """Values of ``kpis`` for ``municipalities`` (or groups ``G...``) in ``years``; at least two given.

        Any number of ids: they are split into requests of at most 25 per segment and the results
        combined without duplicates. Returns a frame with :data:`DATA_COLUMNS` (see :func:`data_frame`)
        whose ``attrs["provenance"]`` holds the source, query, URLs and ``fetched_at``. Warns
        (:class:`EmptyResultWarning`) when nothing comes back.
        """
        return self._data("municipality", kpis, municipalities, years, from_date=from_date,
                          keep_deleted=keep_deleted)

    def ou_data(self, kpis: str | Iterable[str] | None = None, ous: str | Iterable[str] | None = None,
                years: str | int | Iterable[Any] | None = None, *, from_date: str | None = None,
                keep_deleted: bool = False) -> pd.DataFrame:
        """Values at organisational-unit level (``/oudata``); the unit column is ``ou_id``."""
        return self._data("ou", kpis, ous, years, from_date=from_date, keep_deleted=keep_deleted)

    def _data(self, unit_kind: str, kpis: Any, units: Any, years: Any, *, from_date: str | None,
              keep_deleted: bool) -> pd.DataFrame:
        kpi_ids = validate_ids("kpi", kpis)
        unit_ids = validate_ids(unit_kind, units)
        year_list = parse_years(years)
        from_date = validate_date(from_date)
        plan = plan_chunks(kpi_ids, unit_ids, year_list, unit_kind=unit_kind, per_page=self.per_page,
                           max_segment=self.max_segment, expect_rows=from_date is None)
        first_url = len(self.urls)
        frames = [self.chunk_frame(chunk, from_date=from_date, keep_deleted=keep_deleted)[0] for chunk in plan]
        unit_col = "municipality_id" if unit_kind == "municipality" else "ou_id"
        frame = combine(frames, unit_col)
        frame.attrs["provenance"] = {
            "source": SOURCE, "synthetic": False, "credit": "Källa: Kolada", "base_url": self.api.base_url,
            "query": {"kpis": kpi_ids, unit_kind: unit_ids, "years": year_list, "from_date": from_date},
            "urls": self.urls[first_url:], "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if frame.empty and from_date is None:
            warnings.warn(
                f"Kolada returned no rows for kpi={','.join(kpi_ids) or 'all'}, {unit_kind}="
                f"{','.join(unit_ids) or 'all'}, year={','.join(map(str, year_list)) or 'all'}. A retired or "
                "mistyped KPI id gives an empty result rather than an error: check the ids with "
                "`natsam kpi search`.", EmptyResultWarning, stacklevel=3)
        return frame


def combine(frames: Sequence[pd.DataFrame], unit_col: str = "municipality_id") -> pd.DataFrame:
    """Concatenate data frames, keeping the last row of each (unit, kpi, year, gender), sorted by key."""
    frames = [f for f in frames if not f.empty] or list(frames[:1])
    if not frames:
        return data_frame([])
    key = [unit_col, "kpi", "year", "gender"]
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.drop_duplicates(key, keep="last")
    return frame.sort_values(key, ignore_index=True)


def _with_query(url: str, params: dict[str, Any]) -> str:
    import requests

    return requests.Request("GET", url, params=params).prepare().url or url
