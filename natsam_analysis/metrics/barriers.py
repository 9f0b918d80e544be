"""Analyses of the system-barrier register: pure functions on its tables (DataFrame in, DataFrame out).

The tables are those of :class:`natsam_analysis.sources.barriers.Register` (list fields as tuples,
dates as datetimes); the vocabularies and the workflow come from :mod:`natsam_analysis.barrier_schema`.

Examples
--------
>>> import pandas as pd
>>> b = pd.DataFrame({"barrier_id": ["A", "B"], "status": ["resolved", "validated"],
...                   "date_validated": pd.to_datetime(["2024-01-01", "2024-02-01"])})
>>> status_funnel(b)["barriers"].tolist()
[2, 2, 1, 1, 1, 1]
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from natsam_analysis import barrier_schema as schema

MULTI_FIELDS = ("barrier_type", "legal_area", "policy_area", "raised_by_municipality", "example_case_ids")


def _vocabulary(column: str) -> tuple[str, ...]:
    for f in schema.BARRIER_FIELDS:
        if f.name == column:
            return f.vocabulary
    return ()


def stage_reached(barriers: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.Series:
    """The furthest funnel stage (index into ``STAGES``) each barrier reached, by ``barrier_id``.

    The furthest of: its current status, every status in its event history, and ``validated`` when it
    has a validation date. A parked or withdrawn barrier keeps the stage it had reached.
    """
    reached = {}
    history: dict[str, list[str]] = {}
    if events is not None and len(events):
        for b, s in zip(events["barrier_id"], events["status"]):
            if s:
                history.setdefault(b, []).append(s)
    validated = barriers["date_validated"] if "date_validated" in barriers else pd.Series(pd.NaT, index=barriers.index)
    for b, status, day in zip(barriers["barrier_id"], barriers["status"], validated):
        stages = [schema.stage_of(s) for s in [status, *history.get(b, [])]]
        stages = [s for s in stages if s is not None] + [0] + ([1] if pd.notna(day) else [])
        reached[b] = max(stages)
    return pd.Series(reached, name="stage", dtype="int64")


def status_funnel(barriers: pd.DataFrame, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many barriers reached each stage of the workflow (``STAGES``), with the share of all.

    Returns columns ``stage``, ``barriers``, ``share`` (0-1), one row per stage in workflow order.
    """
    reached = stage_reached(barriers, events)
    n = [int((reached >= k).sum()) for k in range(len(schema.STAGES))]
    total = len(reached)
    return pd.DataFrame({"stage": list(schema.STAGES), "barriers": n,
                         "share": [x / total if total else 0.0 for x in n]})


def status_counts(barriers: pd.DataFrame) -> pd.DataFrame:
    """Barriers per current status, every status of the workflow in order (zeros included)."""
    counts = barriers["status"].value_counts()
    return pd.DataFrame({"status": list(schema.STATUSES),
                         "barriers": [int(counts.get(s, 0)) for s in schema.STATUSES]})


def counts_by(barriers: pd.DataFrame, column: str) -> pd.DataFrame:
    """Barriers per value of ``column``; a multi-choice column is exploded (a barrier counts once under
    each of its values, so the counts may sum to more than the barriers). Vocabulary order, zeros
    included for a vocabulary field; otherwise by count, largest first.

    Examples
    --------
    >>> b = pd.DataFrame({"legal_area": [("PBL", "MB"), ("PBL",)]})
    >>> counts_by(b, "legal_area").query("barriers > 0").values.tolist()
    [['PBL', 2], ['MB', 1]]
    """
    values = barriers[column]
    if column in MULTI_FIELDS or values.map(lambda v: isinstance(v, tuple)).any():
        values = values.explode().dropna()
    values = values[values != ""]
    counts = values.value_counts()
    vocabulary = _vocabulary(column)
    if vocabulary:
        keys = list(vocabulary)
    else:
        keys = sorted(counts.index, key=lambda k: (-counts[k], str(k)))
    return pd.DataFrame({column: keys, "barriers": [int(counts.get(k, 0)) for k in keys]})


def cross_table(barriers: pd.DataFrame, rows: str, columns: str) -> pd.DataFrame:
    """Barriers per pair of values of two fields (multi-choice fields exploded), every vocabulary value
    as a row or column (zeros included)."""
    df = barriers[[rows, columns]].copy()
    for c in (rows, columns):
        if df[c].map(lambda v: isinstance(v, tuple)).any():
            df = df.explode(c)
    df = df.dropna()
    df = df[(df[rows] != "") & (df[columns] != "")]
    table = pd.crosstab(df[rows], df[columns])
    row_keys = list(_vocabulary(rows)) or list(table.index)
    col_keys = list(_vocabulary(columns)) or list(table.columns)
    return table.reindex(index=row_keys, columns=col_keys, fill_value=0).astype("int64")


def legal_area_by_platform(barriers: pd.DataFrame) -> pd.DataFrame:
    """Barriers per legal area (rows) and raising platform (columns)."""
    return cross_table(barriers, "legal_area", "raised_by_platform")


def mandate_severity(barriers: pd.DataFrame) -> pd.DataFrame:
    """Barriers per municipal mandate (rows: full, partial, none) and severity (columns 1-5)."""
    df = barriers[["municipal_mandate", "severity"]].dropna()
    table = pd.crosstab(df["municipal_mandate"], df["severity"].astype("int64"))
    levels = range(schema.SEVERITY_RANGE[0], schema.SEVERITY_RANGE[1] + 1)
    return table.reindex(index=list(schema.MANDATES), columns=list(levels), fill_value=0).astype("int64")


def days_open(barriers: pd.DataFrame, as_of: dt.date | pd.Timestamp) -> pd.DataFrame:
    """Days from raised to resolved, or to ``as_of`` for a barrier without a resolution date.

    Returns ``barrier_id``, ``status``, ``date_raised``, ``end``, ``days_open`` (float; NaN for a
    withdrawn barrier, which has no end) and ``closed`` (True when ``end`` is the resolution date),
    longest open first.
    """
    as_of = pd.Timestamp(as_of)
    resolved = barriers["date_resolved"]
    end = resolved.where(resolved.notna(), as_of)
    end = end.where(barriers["status"] != "withdrawn", pd.NaT)
    days = (pd.to_datetime(end) - pd.to_datetime(barriers["date_raised"])).dt.days.astype("float64")
    out = pd.DataFrame({"barrier_id": barriers["barrier_id"], "status": barriers["status"],
                        "date_raised": barriers["date_raised"], "end": end, "days_open": days,
                        "closed": resolved.notna()})
    return out.sort_values(["days_open", "barrier_id"], ascending=[False, True], na_position="last",
                           ignore_index=True)


def shared_barriers(barriers: pd.DataFrame, min_municipalities: int = 2) -> pd.DataFrame:
    """Barriers raised by at least ``min_municipalities`` municipalities, most shared first:
    ``barrier_id``, ``title_sv``, ``n_municipalities``, ``municipalities``."""
    n = barriers["raised_by_municipality"].map(len)
    out = pd.DataFrame({"barrier_id": barriers["barrier_id"], "title_sv": barriers["title_sv"],
                        "n_municipalities": n.astype("int64"), "municipalities": barriers["raised_by_municipality"]})
    out = out[out["n_municipalities"] >= min_municipalities]
    return out.sort_values(["n_municipalities", "barrier_id"], ascending=[False, True], ignore_index=True)


def filter_barriers(barriers: pd.DataFrame, *, platform: str | None = None, legal_area: str | None = None,
                    barrier_type: str | None = None, status: str | None = None) -> pd.DataFrame:
    """The barriers matching every given filter (``None`` or ``""`` = any); a multi-choice field
    matches when it holds the value."""
    keep = pd.Series(True, index=barriers.index)
    if platform:
        keep &= barriers["raised_by_platform"] == platform
    if legal_area:
        keep &= barriers["legal_area"].map(lambda v: legal_area in v)
    if barrier_type:
        keep &= barriers["barrier_type"].map(lambda v: barrier_type in v)
    if status:
        keep &= barriers["status"] == status
    return barriers[keep]


def barrier_history(events: pd.DataFrame, barrier_id: str) -> pd.DataFrame:
    """The events of one barrier in date order (the audit trail)."""
    own = events[events["barrier_id"] == barrier_id]
    return own.sort_values(["date", "event_id"], kind="stable", ignore_index=True)


def network(barriers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The network of cases, barriers, responsible actors and pathways.

    Returns ``(nodes, edges)``: nodes ``node`` (unique id, e.g. ``"barrier:SH-2024-001"``), ``kind``
    (case, barrier, actor, pathway), ``name`` and ``degree``; edges ``source``, ``target`` and ``kind``
    (case-barrier, barrier-actor, actor-pathway) with ``weight`` (how many barriers the edge stands for).
    """
    edges = []
    for r in barriers.itertuples():
        b = f"barrier:{r.barrier_id}"
        for case in r.example_case_ids:
            edges.append((f"case:{case}", b, "case-barrier"))
        if r.responsible_actor:
            actor = f"actor:{r.responsible_actor}"
            edges.append((b, actor, "barrier-actor"))
            if r.pathway:
                edges.append((actor, f"pathway:{r.pathway}", "actor-pathway"))
    e = pd.DataFrame(edges, columns=["source", "target", "kind"])
    e = e.groupby(["source", "target", "kind"], sort=False).size().rename("weight").reset_index()
    names = {f"barrier:{b}": b for b in barriers["barrier_id"]}
    nodes = pd.concat([e["source"], e["target"]]).value_counts()
    barrier_ids = [f"barrier:{b}" for b in barriers["barrier_id"]]
    degree = nodes.reindex(list(dict.fromkeys([*barrier_ids, *nodes.index])), fill_value=0)
    order = {"case": 0, "barrier": 1, "actor": 2, "pathway": 3}
    n = pd.DataFrame({"node": degree.index, "degree": degree.to_numpy(dtype="int64")})
    n["kind"] = n["node"].str.split(":", n=1).str[0]
    n["name"] = [names.get(x, x.split(":", 1)[1]) for x in n["node"]]
    n = n.sort_values(["kind", "node"], key=lambda s: s.map(order) if s.name == "kind" else s, ignore_index=True)
    return n[["node", "kind", "name", "degree"]], e
