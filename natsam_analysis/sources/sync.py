"""Fetching Kolada into the local store: atomic, resumable and incremental.

Everything lands in the Kolada store, ``<data dir>/cache/kolada`` (:func:`natsam_analysis.stored.kolada_store`),
as parquet tables with a manifest entry each (source, query, URLs, ``fetched_at``, rows, sha256). The
table names and the readers of what is stored (:func:`~natsam_analysis.stored.kpi_catalogue`,
:func:`~natsam_analysis.stored.skr_groups`) are in :mod:`natsam_analysis.stored`; this module writes.

=======================  =====================================================================
table                    what
=======================  =====================================================================
``panel``                the indicator panel (see :mod:`natsam_analysis.tables`) plus ``count``;
                         what :func:`natsam_analysis.load_panel` returns once it exists
``group_values``         values of municipality groups (``G...``) when such ids were asked for
``kpis``                 the KPI catalogue (:func:`fetch_kpi_catalogue`), searched by
                         :func:`natsam_analysis.catalog.search_kpis`
``municipalities``       Kolada's municipalities and regions (id, title, type K/L)
``municipality_groups``  municipality groups, one row per member (:func:`fetch_groups`); SKR's
                         classification of municipalities comes from here
=======================  =====================================================================

How a data fetch (:func:`fetch_data`, :func:`fetch_catalog`) behaves
------------------------------------------------------------------
* **Atomic.** Nothing in the store changes until every request of the fetch has succeeded; then
  the tables the fetch writes (panel, group values, municipalities; with :func:`fetch_catalog` also
  the KPI catalogue; with :func:`fetch_groups` municipalities and groups) are committed together, in
  one :func:`natsam_analysis.store.commit`: a new file per table, then one atomic swap of the
  manifest. A failed, interrupted or killed fetch leaves the previous consistent set of tables.
* **One writer at a time.** Every fetch holds the store's writer lock
  (:func:`natsam_analysis.store.writer_lock`) from reading what is stored to committing the merge,
  so overlapping fetches take turns and none loses the other's rows. A second fetch waits, saying
  which process it waits for (``wait=True``, the default); ``wait=False`` (``natsam fetch --no-wait``)
  stops at once with :class:`~natsam_analysis.store.StoreBusyError` naming the process id and start
  time of the running fetch. A lock left by a process that no longer runs is taken over with a note.
* **Resumable.** The fetch is split into chunks (:func:`natsam_analysis.sources.kolada.plan_chunks`);
  each completed chunk is kept in a work area, ``<store>/work/<query key>/``, with its own manifest
  and the plan (``plan.json``: the resolved query, ``from_date``, the chunk paths). Running the same
  command again continues with the chunks not yet done; the work area is merged into the store at the
  end and removed. A plan older than :data:`WORK_MAX_AGE_DAYS` days, or made against another base URL,
  is discarded and the fetch starts over.
* **Incremental.** ``since="YYYY-MM-DD"`` asks Kolada only for values changed since that date
  (``from_date``), adds or replaces them and removes those Kolada reports deleted.
* **A second identical run is a no-op.** The panel's manifest remembers each query fetched in full
  (``queries``: its key, ``fetched_at``). Running it again does an update check instead: the same
  query with ``from_date`` set to the day of the last fetch, with the municipality segment left out
  when more than 25 municipalities were asked for (so ``--catalog`` needs 2 requests: 40 KPIs in
  two segments of at most 25, every year in one). When nothing changed, nothing is written (file and
  manifest keep their bytes); when something did, only that is merged. ``full=True`` fetches
  everything again.
* **Offline.** With ``NATSAM_OFFLINE=1``, or when Kolada cannot be reached at all (no answer to the
  first request), nothing is fetched: the summary says so and describes what the store holds.

Examples
--------
>>> summary = fetch_data(["N01951"], ["0180", "1480"], "2015-2024")        # doctest: +SKIP
>>> print("\\n".join(summary.lines()))                                      # doctest: +SKIP
>>> provenance_table()[["table", "source", "fetched_at", "rows"]]           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from natsam_analysis import config, store
from natsam_analysis.catalog import load_catalog
from natsam_analysis.errors import ValidationError
from natsam_analysis.sources.http import SourceError
from natsam_analysis.sources.kolada import (
    DATA_COLUMNS, MUNICIPALITY_ID, Chunk, EmptyResultWarning, KoladaClient, combine,
    group_members_frame, kpi_frame, latest_published_year, municipality_frame, parse_years, plan_chunks,
    validate_date, validate_ids,
)
from natsam_analysis.stored import (
    GROUP_VALUES_TABLE, GROUPS_TABLE, KPI_TABLE, MUNICIPALITY_TABLE, PANEL_TABLE, kolada_store, read_stored,
    skr_groups,
)
from natsam_analysis.tables import PANEL_KEY, validate_panel

WORK = "work"
PLAN = "plan.json"
WORK_MAX_AGE_DAYS = 7
#: First year of a catalog fetch (the last is the latest year the catalog's KPIs have published).
FIRST_CATALOG_YEAR = 2010
CREDIT = "Källa: Kolada"


# ------------------------------------------------------------------------------------------------
# summary


@dataclass
class FetchSummary:
    """What a fetch did; ``lines()`` gives the text the ``natsam fetch`` command prints."""

    what: str
    status: str  # "fetched", "updated", "up to date" or "offline"
    rows: int = 0
    stored_rows: int = 0
    changed_rows: int = 0
    kpis: int = 0
    municipalities: int = 0
    groups: int = 0
    years: tuple[int, int] | None = None
    empty_queries: int = 0
    kpis_without_rows: list[str] = field(default_factory=list)
    requests: int = 0
    wait_seconds: float = 0.0
    chunks: int = 0
    chunks_resumed: int = 0
    from_date: str | None = None
    fetched_at: str = ""
    store: str = ""
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        years = f"{self.years[0]}-{self.years[1]}" if self.years else "-"
        out = [f"Kolada {self.what}: {self.status}" + (f" ({self.message})" if self.message else "")]
        if self.status == "offline":
            return out
        out.append(f"  rows received: {self.rows}   changed in the store: {self.changed_rows}   "
                   f"rows stored: {self.stored_rows}")
        what = [f"KPIs: {self.kpis}"] if self.kpis else []
        what += [f"municipalities: {self.municipalities}"] if self.municipalities else []
        what += [f"municipality groups: {self.groups}"] if self.groups else []
        what += [f"years: {years}"] if self.years else []
        if what:
            out.append("  " + "   ".join(what))
        out.append(f"  requests: {self.requests}   chunks: {self.chunks}"
                   + (f" ({self.chunks_resumed} resumed)" if self.chunks_resumed else "")
                   + f"   empty queries: {self.empty_queries}"
                   + (f"   changed since: {self.from_date}" if self.from_date else ""))
        if self.kpis_without_rows:
            out.append(f"  no rows for: {', '.join(self.kpis_without_rows)} (retired or mistyped KPI ids?)")
        if self.store:
            out.append(f"  store: {self.store}")
        return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _offline_summary(what: str, folder: Path, reason: str) -> FetchSummary:
    manifest = store.read_manifest(folder) if folder.exists() else {}
    held = [f"{name} ({entry.get('rows', '?')} rows, fetched {str(entry.get('fetched_at', '?'))[:10]})"
            for name, entry in sorted(manifest.items())]
    holds = "; the store holds " + ", ".join(held) if held else "; the store holds no Kolada data yet"
    return FetchSummary(what, "offline", message=f"{reason}: nothing fetched{holds}", store=str(folder),
                        stored_rows=int(manifest.get(PANEL_TABLE, {}).get("rows", 0)))


def _unreachable(exc: SourceError, client: KoladaClient) -> bool:
    """True when Kolada could not be reached at all in this run (no network, unknown host, refused)."""
    return exc.unreachable and client.pages_read == 0


def _offline_or_raise(exc: SourceError, client: KoladaClient, what: str, folder: Path) -> FetchSummary:
    """The offline summary when Kolada could not be reached at all in this run; otherwise ``exc`` again."""
    if _unreachable(exc, client):
        return _offline_summary(what, folder, f"Kolada could not be reached ({exc})")
    raise exc


# ------------------------------------------------------------------------------------------------
# the provenance of what is stored (the readers of the tables are in natsam_analysis.stored)


def provenance_table(root: Path | None = None) -> pd.DataFrame:
    """Provenance of every fetched table under ``root`` (default: the data directory's ``cache``).

    One row per table of every store folder (a folder with a ``manifest.json``; work areas of
    unfinished fetches excluded): ``store``, ``table``, ``source``, ``query`` (as JSON text),
    ``fetched_at``, ``rows``, ``sha256``, ``file`` and ``urls`` (how many URLs were requested).

    Examples
    --------
    >>> provenance_table()[["store", "table", "source", "rows"]]   # doctest: +SKIP
    """
    root = Path(root) if root else config.cache_dir()
    records = []
    for manifest in sorted(root.rglob(store.MANIFEST)) if root.exists() else []:
        folder = manifest.parent
        if WORK in folder.relative_to(root).parts:
            continue
        for name, entry in store.read_manifest(folder).items():
            query = entry.get("query")
            records.append({
                "store": str(folder.relative_to(root)), "table": name, "source": entry.get("source", ""),
                "query": json.dumps(query, ensure_ascii=False, sort_keys=True) if query is not None else "",
                "fetched_at": entry.get("fetched_at", entry.get("created_at", "")), "rows": entry.get("rows"),
                "sha256": entry.get("sha256", ""), "file": entry.get("file", ""),
                "urls": len(entry.get("urls") or []),
            })
    columns = ["store", "table", "source", "query", "fetched_at", "rows", "sha256", "file", "urls"]
    return pd.DataFrame(records, columns=columns)


# ------------------------------------------------------------------------------------------------
# metadata fetches


def _changed_rows(folder: Path, name: str, frame: pd.DataFrame) -> int | None:
    """Rows in which ``frame`` differs from the stored table; ``None`` when it holds the same data."""
    old = read_stored(folder, name)
    if old is not None and _same(old, frame):
        return None
    return len(frame) if old is None else int(len(pd.concat([old, frame]).drop_duplicates(keep=False)))


def _write_if_changed(folder: Path, name: str, frame: pd.DataFrame, provenance: dict[str, Any]) -> tuple[bool, int]:
    """Write ``frame`` unless the stored table holds the same data; return (written, changed rows)."""
    changed = _changed_rows(folder, name, frame)
    if changed is None:
        return False, 0
    store.write_table(folder, name, frame, provenance)
    return True, changed


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    try:
        ha = pd.util.hash_pandas_object(a.astype(str), index=False).to_numpy()
        hb = pd.util.hash_pandas_object(b.astype(str), index=False).to_numpy()
    except (TypeError, ValueError):
        return False
    return bool((ha == hb).all())


def _meta_provenance(client: KoladaClient, query: Any, urls: list[str], fetched_at: str) -> dict[str, Any]:
    return {"source": "kolada", "synthetic": False, "credit": CREDIT, "base_url": client.api.base_url,
            "query": query, "urls": urls, "fetched_at": fetched_at}


def _client(client: KoladaClient | None) -> KoladaClient:
    return client if client is not None else KoladaClient()


def _usage(client: KoladaClient) -> tuple[int, float]:
    return client.api.requests_made, client.api.wait_seconds


def _since(client: KoladaClient, start: tuple[int, float]) -> dict[str, Any]:
    """Requests and waiting of ``client`` since ``start`` (a client may serve several fetches)."""
    return {"requests": client.api.requests_made - start[0], "wait_seconds": client.api.wait_seconds - start[1]}


def fetch_kpi_catalogue(*, client: KoladaClient | None = None, folder: Path | None = None,
                        wait: bool | float = True) -> FetchSummary:
    """Fetch Kolada's whole KPI catalogue (``/kpi``, every page) into the store's ``kpis`` table.

    Nothing is written when the catalogue is unchanged. ``wait``: see :func:`fetch_data`.

    Examples
    --------
    >>> fetch_kpi_catalogue().rows              # doctest: +SKIP
    6099
    """
    folder = Path(folder) if folder else kolada_store()
    if config.offline():
        return _offline_summary("KPI catalogue", folder, "NATSAM_OFFLINE is set")
    client = _client(client)
    start = len(client.urls)
    used = _usage(client)
    with store.writer_lock(folder, wait=wait):
        try:
            frame = kpi_frame(client.kpis())
        except SourceError as exc:
            return _offline_or_raise(exc, client, "KPI catalogue", folder)
        fetched_at = _now()
        provenance = _meta_provenance(client, {"entity": "kpi"}, client.urls[start:], fetched_at)
        written, changed = _write_if_changed(folder, KPI_TABLE, frame, provenance)
    return FetchSummary("KPI catalogue", "fetched" if written else "up to date", rows=len(frame),
                        stored_rows=len(frame), changed_rows=changed, **_since(client, used),
                        fetched_at=fetched_at, store=str(folder))


def fetch_groups(*, client: KoladaClient | None = None, folder: Path | None = None,
                 wait: bool | float = True) -> FetchSummary:
    """Fetch municipalities and municipality groups (SKR's classification included) into the store.

    Writes ``municipalities`` and ``municipality_groups`` (one row per member) in one commit, after
    both were fetched completely; tables that did not change are not rewritten. ``wait``: see
    :func:`fetch_data`.

    Examples
    --------
    >>> fetch_groups().message                  # doctest: +SKIP
    "SKR's classification covers 290 municipalities"
    """
    folder = Path(folder) if folder else kolada_store()
    if config.offline():
        return _offline_summary("municipality groups", folder, "NATSAM_OFFLINE is set")
    client = _client(client)
    used = _usage(client)
    with store.writer_lock(folder, wait=wait):
        try:
            start = len(client.urls)
            units = municipality_frame(client.municipalities())
            mid = len(client.urls)
            groups = group_members_frame(client.municipality_groups())
        except SourceError as exc:
            return _offline_or_raise(exc, client, "municipality groups", folder)
        fetched_at = _now()
        changed = 0
        writes: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
        for name, frame, query, urls in ((MUNICIPALITY_TABLE, units, {"entity": "municipality"},
                                          client.urls[start:mid]),
                                         (GROUPS_TABLE, groups, {"entity": "municipality_groups"}, client.urls[mid:])):
            n = _changed_rows(folder, name, frame)
            if n is not None:
                writes[name] = (frame, _meta_provenance(client, query, urls, fetched_at))
                changed += n
        if writes:
            store.write_tables(folder, writes)
        written = bool(writes)
    skr = skr_groups(folder)
    return FetchSummary("municipality groups", "fetched" if written else "up to date", rows=len(units) + len(groups),
                        stored_rows=len(groups), changed_rows=changed, municipalities=int((units["type"] == "K").sum()),
                        **_since(client, used), fetched_at=fetched_at, store=str(folder),
                        message=f"SKR's classification covers {0 if skr is None else len(skr)} municipalities")


# ------------------------------------------------------------------------------------------------
# data fetches


def query_key(query: dict[str, Any]) -> str:
    """A short stable key of a query (sha256 of its canonical JSON)."""
    text = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _chunk_name(i: int) -> str:
    return f"chunk-{i:05d}"


def _load_plan(work: Path, base_url: str) -> dict[str, Any] | None:
    """The plan of an unfinished fetch in ``work``, or ``None`` (a stale or foreign plan is removed)."""
    path = work / PLAN
    if not path.exists():
        return None
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
        age = datetime.now(timezone.utc) - datetime.fromisoformat(str(plan["created_at"]))
        fresh = plan.get("base_url") == base_url and age <= timedelta(days=WORK_MAX_AGE_DAYS)
    except (ValueError, KeyError, TypeError):
        fresh = False
    if not fresh:
        shutil.rmtree(work, ignore_errors=True)
        return None
    return plan


def _prune_work(folder: Path, base_url: str) -> None:
    """Remove the work areas of unfinished fetches that can no longer be resumed (stale or foreign)."""
    root = folder / WORK
    for work in sorted(root.iterdir()) if root.is_dir() else []:
        if work.is_dir() and (work / PLAN).exists():
            _load_plan(work, base_url)


def _municipality_ids(client: KoladaClient, folder: Path) -> tuple[list[str], pd.DataFrame | None]:
    """The ids of all municipalities (type K): from the store, else fetched (then also returned to store)."""
    stored = read_stored(folder, MUNICIPALITY_TABLE)
    if stored is not None:
        return sorted(stored.loc[stored["type"] == "K", "municipality_id"].astype(str)), None
    frame = municipality_frame(client.municipalities())
    return sorted(frame.loc[frame["type"] == "K", "municipality_id"].astype(str)), frame


def _latest_year(client: KoladaClient, folder: Path, kpis: list[str], today: date) -> int:
    stored = read_stored(folder, KPI_TABLE)
    if stored is not None and set(kpis) <= set(stored["id"].astype(str)):
        metas = stored[stored["id"].isin(kpis)].astype(object).where(stored.notna(), None).to_dict("records")
    else:
        metas = client.kpis(kpis)
    years = [y for y in (latest_published_year(m, today) for m in metas) if y is not None]
    return max(years) if years else today.year - 1


def _in_scope(frame: pd.DataFrame, query: dict[str, Any]) -> pd.Series:
    return (frame["kpi"].isin(query["kpis"]) & frame["municipality_id"].isin(query["municipalities"])
            & frame["year"].isin(query["years"]))


def _panel_frame(frame: pd.DataFrame) -> pd.DataFrame:
    return validate_panel(frame, origin="Kolada panel").sort_values(PANEL_KEY, ignore_index=True)


def _changes(old: pd.DataFrame | None, new: pd.DataFrame) -> int:
    """Rows added, removed or changed between two versions of a table keyed on the panel key."""
    if old is None:
        return len(new)
    both = old.merge(new, on=PANEL_KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    added_or_removed = int((both["_merge"] != "both").sum())
    common = both[both["_merge"] == "both"]
    differs = pd.Series(False, index=common.index)
    for col in [c for c in new.columns if c not in PANEL_KEY and c in old.columns]:
        a, b = common[f"{col}_old"], common[f"{col}_new"]
        differs |= ~((a == b).fillna(False) | (a.isna() & b.isna()))
    return added_or_removed + int(differs.sum())


def fetch_data(
    kpis: str | Iterable[str],
    municipalities: str | Iterable[str] | None = None,
    years: str | int | Iterable[Any] | None = None,
    *,
    since: str | None = None,
    full: bool = False,
    client: KoladaClient | None = None,
    folder: Path | None = None,
    progress: bool = True,
    today: date | None = None,
    what: str = "data",
    wait: bool | float = True,
) -> FetchSummary:
    """Fetch values of ``kpis`` into the store's panel (see the module doc for atomicity and resuming).

    Parameters
    ----------
    kpis
        KPI ids (``"N01951,N00999"`` or a list); any number.
    municipalities
        Municipality ids (``"0180"``) and/or group ids (``"G92787"``); default: all 290 municipalities
        (Kolada's type K list, from the store or fetched once).
    years
        ``"2015-2024"``, a list or an int; default ``2010`` to the latest year the KPIs have published.
    since
        ``YYYY-MM-DD``: only values changed since then (``from_date``), merged into what is stored.
    full
        Fetch everything again even when this query was fetched before (default: an update check).
    client
        A :class:`KoladaClient` (default: one for ``NATSAM_KOLADA_URL``, 5 requests per second).
    progress
        Show a tqdm progress bar of the chunks.
    today
        The date used for "latest published year" (default: today).
    wait
        While another fetch writes to the store: ``True`` waits for it (saying so on stderr), ``False``
        raises :class:`~natsam_analysis.store.StoreBusyError` naming it, a number waits at most that
        many seconds.

    Returns
    -------
    FetchSummary
        Rows, KPIs, municipalities, years, empty queries, requests, what changed.

    Raises
    ------
    SourceError
        When a request fails for good; completed chunks are kept for the next run, the store is unchanged.
    StoreBusyError
        When another fetch writes to the store and ``wait`` says not to wait (longer).

    Examples
    --------
    >>> fetch_data(["N01951"], ["0180", "1480"], "2015-2024", wait=False).status   # doctest: +SKIP
    'fetched'
    """
    folder = Path(folder) if folder else kolada_store()
    today = today or date.today()
    kpi_ids = validate_ids("kpi", kpis)
    if not kpi_ids:
        raise ValidationError("kpi ids", ["no KPI ids given"], hint="Give KPI ids, e.g. --kpi N01951,N00999.")
    unit_ids = validate_ids("municipality", municipalities)
    year_list = parse_years(years)
    since = validate_date(since)
    if config.offline():
        return _offline_summary(what, folder, "NATSAM_OFFLINE is set")
    with store.writer_lock(folder, wait=wait):
        return _fetch_data(folder, kpi_ids, unit_ids, year_list, since, full, _client(client), progress, today, what)


def _fetch_data(folder: Path, kpi_ids: list[str], unit_ids: list[str], year_list: list[int], since: str | None,
                full: bool, client: KoladaClient, progress: bool, today: date, what: str) -> FetchSummary:
    """:func:`fetch_data` with its arguments checked, holding the store's writer lock."""
    used = _usage(client)
    spec = {"kpis": sorted(kpi_ids), "municipalities": sorted(unit_ids) or "all", "years": year_list or "latest",
            "since": since, "full": full}
    _prune_work(folder, client.api.base_url)
    work = folder / WORK / query_key(spec)
    plan = _load_plan(work, client.api.base_url)
    extra_tables: dict[str, pd.DataFrame] = {}
    if plan is None:
        try:
            if not unit_ids:
                unit_ids, fetched_units = _municipality_ids(client, folder)
                if fetched_units is not None:
                    extra_tables[MUNICIPALITY_TABLE] = fetched_units
            if not year_list:
                year_list = list(range(FIRST_CATALOG_YEAR, _latest_year(client, folder, kpi_ids, today) + 1))
        except SourceError as exc:
            return _offline_or_raise(exc, client, what, folder)
        query = {"kpis": sorted(kpi_ids), "municipalities": sorted(unit_ids), "years": year_list}
        key = query_key(query)
        manifest = store.read_manifest(folder) if folder.exists() else {}
        recorded = [(manifest.get(t) or {}).get("queries") or {} for t in (PANEL_TABLE, GROUP_VALUES_TABLE)]
        previous = next((queries[key] for queries in recorded if key in queries), None)
        if since:
            mode, from_date = "since", since
        elif previous and not full:
            mode, from_date = "check", str(previous["fetched_at"])[:10]
        else:
            mode, from_date = "full", None
        segment_units = None if from_date and len(unit_ids) > client.max_segment else unit_ids
        chunks = plan_chunks(kpi_ids, segment_units, year_list, per_page=client.per_page,
                             max_segment=client.max_segment, expect_rows=from_date is None)
        plan = {"query": query, "key": key, "mode": mode, "from_date": from_date, "base_url": client.api.base_url,
                "created_at": _now(), "chunks": [c.path for c in chunks]}
        work.mkdir(parents=True, exist_ok=True)
        for name, frame in extra_tables.items():
            store.write_table(work, f"meta-{name}", frame, {"source": "kolada"})
        store.atomic_write_text(work / PLAN, json.dumps(plan, indent=2, ensure_ascii=False) + "\n")
    else:
        for name in (MUNICIPALITY_TABLE,):
            if store.has_table(work, f"meta-{name}"):
                extra_tables[name] = store.read_table(work, f"meta-{name}")
    query, from_date, paths = plan["query"], plan["from_date"], plan["chunks"]
    done = {n for n in store.read_manifest(work) if n.startswith("chunk-")}
    pending = [i for i in range(len(paths)) if _chunk_name(i) not in done]
    resumed = len(paths) - len(pending)
    with tqdm(total=len(paths), initial=resumed, disable=not progress, unit="chunk",
              desc=f"Kolada {what}", leave=False) as bar:
        for i in pending:
            chunk = _chunk_from_path(paths[i])
            try:
                frame, urls = client.chunk_frame(chunk, from_date=from_date, keep_deleted=True)
            except SourceError as exc:
                if _unreachable(exc, client):
                    return _offline_summary(what, folder, f"Kolada could not be reached ({exc}); "
                                            f"{resumed} chunks of an earlier run are kept in {work}")
                kept = sum(name.startswith("chunk-") for name in store.read_manifest(work))
                raise SourceError(
                    f"{exc}\n{kept} of {len(paths)} chunks of this fetch are kept in {work}; run the same command "
                    "again to continue where it stopped. The store was not changed.",
                    url=exc.url, status=exc.status) from exc
            store.write_table(work, _chunk_name(i), frame,
                              {"source": "kolada", "path": paths[i], "urls": urls, "fetched_at": _now(),
                               "from_date": from_date})
            bar.update(1)
    return _merge(folder, work, plan, extra_tables, client, what, resumed, used)


def _chunk_from_path(path: str) -> Chunk:
    """The chunk a planned path stands for (the inverse of :attr:`Chunk.path`)."""
    parts = path.split("/")
    segments = dict(zip(parts[1::2], parts[2::2]))
    kpis = tuple(segments["kpi"].split(",")) if "kpi" in segments else None
    units = tuple(segments["municipality"].split(",")) if "municipality" in segments else None
    years = tuple(int(y) for y in segments["year"].split(",")) if "year" in segments else None
    return Chunk(kpis, units, years)


def _merge(folder: Path, work: Path, plan: dict[str, Any], extra_tables: dict[str, pd.DataFrame],
           client: KoladaClient, what: str, resumed: int, used: tuple[int, float]) -> FetchSummary:
    query, from_date, mode = plan["query"], plan["from_date"], plan["mode"]
    entries = store.read_manifest(work)
    names = [_chunk_name(i) for i in range(len(plan["chunks"]))]
    frames = [store.read_table(work, n) for n in names]
    empty_queries = sum(1 for n in names if entries[n]["rows"] == 0)
    urls = [u for n in names for u in entries[n].get("urls", [])]
    received = combine(frames) if frames else pd.DataFrame(columns=DATA_COLUMNS + ["isdeleted"])
    received = received[_in_scope(received, query)]
    deleted = received[received["isdeleted"].astype(bool)]
    received = received[~received["isdeleted"].astype(bool)].drop(columns="isdeleted")
    is_unit = received["municipality_id"].astype(str).str.fullmatch(MUNICIPALITY_ID.pattern)
    fetched_at = _now()

    without = [] if from_date else sorted(set(query["kpis"]) - set(received["kpi"]))
    for kpi in without:
        warnings.warn(f"Kolada returned no rows for KPI {kpi} (municipalities and years asked for: "
                      f"{len(query['municipalities'])}, {query['years'][0]}-{query['years'][-1]}). A retired or "
                      "mistyped KPI id gives an empty result rather than an error; check it with "
                      "`natsam kpi search`.", EmptyResultWarning, stacklevel=3)

    changed_total = 0
    stored_rows = 0
    writes: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}  # committed together below
    for table, new in ((PANEL_TABLE, received[is_unit]), (GROUP_VALUES_TABLE, received[~is_unit])):
        if mode != "full" and new.empty and deleted.empty:
            continue  # an update check that found nothing: leave the table as it is
        old = read_stored(folder, table)
        if old is None and new.empty:
            continue  # no empty table: load_panel() would take an empty panel for fetched data
        base = old if old is not None else pd.DataFrame(columns=DATA_COLUMNS)
        if "count" not in base.columns:
            base = base.assign(count=pd.array([pd.NA] * len(base), dtype="Int64"))
        base = base[DATA_COLUMNS]
        if mode == "full":
            keep = base[~_in_scope(base, query)]
        else:
            gone = pd.concat([new[PANEL_KEY], deleted[PANEL_KEY]], ignore_index=True)
            marker = base[PANEL_KEY].merge(gone.drop_duplicates(), on=PANEL_KEY, how="left", indicator=True)
            keep = base[(marker["_merge"] == "left_only").to_numpy()]
        merged = combine([keep, new[DATA_COLUMNS]]) if len(keep) or len(new) else base.iloc[0:0]
        merged = _panel_frame(merged) if table == PANEL_TABLE else merged.sort_values(PANEL_KEY, ignore_index=True)
        stored_rows = len(merged) if table == PANEL_TABLE else stored_rows
        entry = (old.attrs.get("provenance") if old is not None else None) or {}
        queries = dict(entry.get("queries") or {})
        record = mode in ("full", "check")
        if old is not None and _same(old, merged) and (not record or plan["key"] in queries):
            continue
        changed_total += _changes(old, merged)
        if record:
            queries[plan["key"]] = {"fetched_at": fetched_at, "kpis": len(query["kpis"]),
                                    "municipalities": len(query["municipalities"]),
                                    "years": [query["years"][0], query["years"][-1]]}
        provenance = {
            "source": "kolada", "synthetic": False, "credit": CREDIT, "base_url": plan["base_url"],
            "fetched_at": fetched_at, "mode": mode, "from_date": from_date,
            "query": query, "urls": urls, "requests": _since(client, used)["requests"],
            "queries": queries,
            "history": (list(entry.get("history") or []) + [{"fetched_at": fetched_at, "mode": mode,
                                                            "key": plan["key"], "rows": int(len(new))}])[-50:],
        }
        writes[table] = (merged, provenance)
    for name, frame in extra_tables.items():
        if not store.has_table(folder, name):
            writes[name] = (frame, {"source": "kolada", "synthetic": False, "credit": CREDIT,
                                    "base_url": plan["base_url"], "query": {"entity": name}, "fetched_at": fetched_at})
    if writes:
        store.write_tables(folder, writes)  # one commit: every table of this fetch, or none
    shutil.rmtree(work, ignore_errors=True)
    if stored_rows == 0 and store.has_table(folder, PANEL_TABLE):
        stored_rows = int(store.read_manifest(folder)[PANEL_TABLE]["rows"])
    status = {"full": "fetched"}.get(mode, "updated" if changed_total else "up to date")
    return FetchSummary(
        what, status, rows=int(len(received)), stored_rows=stored_rows, changed_rows=changed_total,
        kpis=int(received["kpi"].nunique()), municipalities=int(received.loc[is_unit, "municipality_id"].nunique()),
        groups=int(received.loc[~is_unit, "municipality_id"].nunique()),
        years=(int(received["year"].min()), int(received["year"].max())) if len(received) else
        (query["years"][0], query["years"][-1]),
        empty_queries=empty_queries if not from_date else 0, kpis_without_rows=without,
        **_since(client, used), chunks=len(names),
        chunks_resumed=resumed, from_date=from_date, fetched_at=fetched_at, store=str(folder),
    )


def fetch_catalog(*, client: KoladaClient | None = None, folder: Path | None = None, full: bool = False,
                  since: str | None = None, progress: bool = True, today: date | None = None,
                  kpis: Sequence[str] | None = None, wait: bool | float = True) -> list[FetchSummary]:
    """Fetch every catalog indicator for all municipalities, 2010 to the latest published year.

    The KPI catalogue is fetched first when it is not stored yet (or with ``full``); then the data
    (:func:`fetch_data`). Both are committed together (KPI catalogue, municipalities, panel, group
    values), under one hold of the store's writer lock (``wait``: see :func:`fetch_data`). Returns
    the summaries of both steps.

    Examples
    --------
    >>> [s.status for s in fetch_catalog()]     # doctest: +SKIP
    ['fetched', 'fetched']
    """
    folder = Path(folder) if folder else kolada_store()
    kpis = list(kpis) if kpis is not None else list(load_catalog().index)
    summaries = []
    if config.offline():
        return [_offline_summary("catalog", folder, "NATSAM_OFFLINE is set")]
    client = _client(client)
    with store.commit(folder, wait=wait):  # one hold of the writer lock, one commit for both steps
        if full or not store.has_table(folder, KPI_TABLE):
            summary = fetch_kpi_catalogue(client=client, folder=folder)
            summaries.append(summary)
            if summary.status == "offline":
                return summaries
        summaries.append(fetch_data(kpis, None, None, since=since, full=full, client=client, folder=folder,
                                    progress=progress, today=today, what="catalog"))
    return summaries
