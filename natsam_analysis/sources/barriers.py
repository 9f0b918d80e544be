"""The system-barrier register (systemhinderregistret): reading, validating and writing it, and its demo.

The schema (fields, types, vocabularies, the status workflow) is data in
:mod:`natsam_analysis.barrier_schema`; this module reads files against it.

File layout
-----------
A register has three tables: **barriers** (one row per system barrier), **events** (the audit trail
of the Dialogverkstad: meetings, letters, remisser, decisions, each optionally changing the
barrier's status) and **links** (relations between barriers). Only the barriers are required: a
barriers-only file is a valid register with no events and no links.

* **XLSX**: one workbook with the sheets ``hinder`` (barriers, required), ``händelser`` (events,
  optional; ``handelser`` is accepted too) and ``kopplingar`` (links, optional). Other sheets are an
  error. Row numbers in messages are the spreadsheet's (the header is row 1).
* **CSV**: UTF-8 (a BOM is fine), comma-separated, one header line. ``NAME.csv`` holds the barriers;
  the events and links, when there are any, sit beside it as ``NAME_handelser.csv`` and
  ``NAME_kopplingar.csv`` and are read with it. Row numbers in messages count the header as row 1.
* In both, a cell of a list or multi-choice field holds its items separated by ``;``
  (``"PBL;MB"``, ``"1281;1280"``); dates are ISO ``YYYY-MM-DD``; vocabulary fields hold the codes of
  :mod:`natsam_analysis.barrier_schema` (e.g. ``in_dialogue``, ``LOU/LUF/LUK``, ``Göteborg``).
  Columns may come in any order; columns that are not required may be left out (they are then
  empty); a column the schema does not know is an error.
* An event's ``status`` is the barrier's status after the event (empty when it did not change);
  the statuses of a barrier's events, by date, must follow the workflow from ``identified`` and end in
  the barrier's ``status``.

Validation reports every problem at once (:class:`~natsam_analysis.errors.ValidationError`), each with
file, row, column, value and what is allowed. Reading never writes anything.

Examples
--------
>>> register = demo_register()
>>> len(register.barriers), register.barriers.attrs["provenance"]["synthetic"]
(40, True)
>>> print(barriers_summary(register).splitlines()[0])  # doctest: +ELLIPSIS
Systemhinderregister: 40 hinder, ... händelser, ... kopplingar (Demodata – syntetiska värden, inte officiell statistik)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis import barrier_schema as schema
from natsam_analysis import config, geography
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.i18n import demo_note, label
from natsam_analysis.store import atomic_write
from natsam_analysis.tables import read_csv_file

#: XLSX sheet -> table; CSV file suffix -> table.
SHEETS = {"hinder": "barriers", "händelser": "events", "handelser": "events", "kopplingar": "links"}
CSV_SUFFIXES = {"events": "_handelser", "links": "_kopplingar"}
#: Where the committed example export lives (``write_example_export`` makes it).
EXAMPLE_PATH = config.PROJECT_ROOT / "data" / "examples" / "systemhinder_exempel.csv"
DEMO_SEED = 2025
#: The day the demo's histories run up to (fixed, so the demo never changes with the calendar).
DEMO_AS_OF = dt.date(2026, 11, 30)
#: The ``owner`` of every demo barrier: a file of only such barriers is read as synthetic.
DEMO_OWNER = "Demodata – syntetiskt exempel"
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00)?$")
_INT = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_SDG_TARGET = re.compile(r"^(\d{1,2})\.(\d{1,2}|[a-z])$")
_MUNICIPALITY = re.compile(r"^[0-9]{4}$")
_HINT = ("Correct the cells named above (vocabularies: natsam_analysis.barrier_schema; layout: "
         "natsam_analysis.sources.barriers) and validate again.")


@dataclass
class Register:
    """A system-barrier register: its three tables and where they came from.

    ``barriers`` has one row per barrier (list fields as tuples, dates as ``datetime64``, ``severity``
    and ``prevalence`` as ``Int64``); ``events`` and ``links`` may be empty. Each frame's
    ``attrs["provenance"]`` is :attr:`provenance`.
    """

    barriers: pd.DataFrame
    events: pd.DataFrame
    links: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for frame in (self.barriers, self.events, self.links):
            frame.attrs["provenance"] = dict(self.provenance)

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance.get("synthetic"))


# ---------------------------------------------------------------------------------------------- reading
def read_barriers(path: str | Path, *, known_municipalities: Iterable[str] | None = None) -> Register:
    """Read and validate a register file (``.csv`` or ``.xlsx``, layout in the module doc).

    Parameters
    ----------
    path
        The barriers CSV (events and links beside it, optional) or the workbook.
    known_municipalities
        Accepted municipality ids (default: the 290 of :func:`natsam_analysis.geography.municipalities`).

    Returns
    -------
    Register
        Typed, validated tables; provenance ``{"source": "file", "path", "sha256", "synthetic"}``
        (``synthetic`` and ``source="demo"`` when every barrier is the demo's, e.g. the example export).

    Raises
    ------
    NatsamError
        The file is missing or unreadable; :class:`ValidationError` (a ``NatsamError``) listing every
        problem when it does not follow the schema.
    """
    path = Path(path)
    if not path.is_file():
        raise NatsamError(f"system-barrier register {path} not found; give the path to a .csv or .xlsx file.")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = _read_csv_tables(path)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx_tables(path)
    else:
        raise NatsamError(f"system-barrier register {path}: unknown file type {path.suffix!r}; "
                          "give a .csv (barriers, lists ;-separated) or an .xlsx workbook (sheets hinder, "
                          "händelser, kopplingar).")
    register = validate_register(raw, known_municipalities=known_municipalities)
    synthetic = len(register.barriers) > 0 and bool((register.barriers["owner"] == DEMO_OWNER).all())
    provenance = {"source": "demo" if synthetic else "file", "synthetic": synthetic, "path": str(path),
                  "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return Register(register.barriers, register.events, register.links, provenance)


def load_barriers(path: str | Path | None = None) -> Register:
    """The register in ``path`` (:func:`read_barriers`), or without a path the synthetic demo
    (:func:`demo_register`, built in memory, provenance ``synthetic``)."""
    return demo_register() if path is None else read_barriers(path)


def _read_csv_tables(path: Path) -> dict[str, tuple[pd.DataFrame, str]]:
    tables = {"barriers": (_read_csv(path), path.name)}
    for table, suffix in CSV_SUFFIXES.items():
        beside = path.with_name(f"{path.stem}{suffix}.csv")
        if beside.is_file():
            tables[table] = (_read_csv(beside), beside.name)
    return tables


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        df = read_csv_file(path, "system-barrier register", dtype=str, keep_default_na=False,
                           encoding="utf-8-sig", skip_blank_lines=True)
    except NatsamError:
        raise
    except (ValueError, OverflowError, MemoryError) as exc:  # e.g. NUL bytes, absurd field sizes
        raise NatsamError(f"system-barrier register {path} could not be read as CSV: {exc}") from None
    return df


def _read_xlsx_tables(path: Path) -> dict[str, tuple[pd.DataFrame, str]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a broken workbook
        raise NatsamError(f"system-barrier register {path} could not be read as an Excel workbook "
                          f"({type(exc).__name__}: {exc}); save it again as .xlsx.") from None
    problems = []
    tables: dict[str, tuple[pd.DataFrame, str]] = {}
    for name, frame in sheets.items():
        table = SHEETS.get(str(name).strip().lower())
        if table is None:
            problems.append(f"{path.name}: sheet {name!r} is not part of a register (sheets: hinder, händelser, "
                            "kopplingar); remove or rename it")
        elif table in tables:
            problems.append(f"{path.name}: two sheets hold the {table} ({name!r}); keep one")
        else:
            tables[table] = (frame, f"{path.name}, sheet {name}")
    if "barriers" not in tables:
        problems.append(f"{path.name}: no sheet 'hinder' with the barriers")
    if problems:
        raise ValidationError(f"system-barrier register {path}", problems, hint=_HINT)
    return tables


# ---------------------------------------------------------------------------------------------- validation
def _cells(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text ("" for empty)."""
    out = df.copy()
    out.columns = [str(c).strip() for c in out.columns]
    for c in out.columns:
        out[c] = [("" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)).strip()
                  for v in out[c].tolist()]
    return out


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(schema.LIST_SEPARATOR) if p.strip())


def _parse_table(table: str, df: pd.DataFrame, where: str, known: set[str],
                 problems: list[tuple[str, int, str]]) -> pd.DataFrame:
    """Check one table's columns and cells; return it typed (cells in error become empty)."""
    fields = {f.name: f for f in schema.TABLES[table]}
    columns = [str(c).strip() for c in df.columns]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            problems.append((where, 0, f"column {c!r} appears twice; keep one"))
        seen.add(c)
        if c not in fields:
            problems.append((where, 0, f"column {c!r} is not in the schema of the {table} "
                                       f"(allowed: {', '.join(fields)}); rename or remove it"))
    missing = [c for c in schema.REQUIRED_COLUMNS[table] if c not in columns]
    if missing:
        problems.append((where, 0, f"missing required column(s): {', '.join(missing)}"))
    df = _cells(df.loc[:, ~pd.Index(columns).duplicated()])
    n = len(df)
    out: dict[str, Any] = {}

    def bad(pos: int, column: str, value: str, why: str) -> None:
        problems.append((where, pos + 2, f"column {column!r}: {value!r} {why}"))

    for name, f in fields.items():
        values = df[name].tolist() if name in df.columns else [""] * n
        if f.kind in ("multi", "list", "municipalities", "sdg_targets"):
            parsed = []
            for pos, v in enumerate(values):
                items = _split(v)
                keep = []
                for item in items:
                    if f.kind == "multi" and item not in f.vocabulary:
                        bad(pos, name, item, f"is not an allowed value (allowed: {', '.join(f.vocabulary)})")
                    elif f.kind == "municipalities" and not _MUNICIPALITY.match(item):
                        bad(pos, name, item, "is not a 4-digit Kolada municipality id with leading zeros (\"0180\")")
                    elif f.kind == "municipalities" and item not in known:
                        bad(pos, name, item, "is not a Swedish municipality id (natsam_analysis.geography)")
                    elif f.kind == "sdg_targets" and not (_SDG_TARGET.match(item)
                                                          and 1 <= int(_SDG_TARGET.match(item).group(1)) <= 17):
                        bad(pos, name, item, "is not an SDG target (goal.target, e.g. 11.2 or 5.c)")
                    else:
                        keep.append(item)
                if f.required and not items:
                    bad(pos, name, v, "is empty; give at least one value"
                        + (f" (allowed: {', '.join(f.vocabulary)})" if f.vocabulary else ""))
                parsed.append(tuple(keep))
            out[name] = parsed
        elif f.kind == "date":
            parsed = []
            for pos, v in enumerate(values):
                m = _DATE.match(v)
                day = None
                if m:
                    try:
                        day = dt.date.fromisoformat(m.group(1))
                    except ValueError:
                        day = None
                if v and day is None:
                    bad(pos, name, v, "is not a date (YYYY-MM-DD, e.g. 2025-03-14)")
                elif f.required and not v:
                    bad(pos, name, v, "is empty; the date is required")
                parsed.append(pd.Timestamp(day) if day else pd.NaT)
            out[name] = pd.to_datetime(pd.Series(parsed, dtype="object"), errors="coerce")
        elif f.kind == "int":
            parsed = []
            for pos, v in enumerate(values):
                number = None
                if v and _INT.match(v):
                    number = int(float(v)) if len(v) < 20 else None
                if v and number is None:
                    bad(pos, name, v, "is not a whole number")
                elif f.required and not v:
                    bad(pos, name, v, "is empty; a value is required")
                elif number is not None and name == "severity" and not (
                        schema.SEVERITY_RANGE[0] <= number <= schema.SEVERITY_RANGE[1]):
                    bad(pos, name, v, "is outside the severity scale 1-5")
                    number = None
                elif number is not None and name == "prevalence" and number < 0:
                    bad(pos, name, v, "is negative; give the number of municipalities reporting it")
                    number = None
                parsed.append(pd.NA if number is None else number)
            out[name] = pd.array(parsed, dtype="Int64")
        else:  # id, text, enum
            parsed = []
            for pos, v in enumerate(values):
                if f.required and not v:
                    bad(pos, name, v, "is empty; a value is required"
                        + (f" (allowed: {', '.join(f.vocabulary)})" if f.vocabulary else ""))
                elif f.kind == "enum" and v and v not in f.vocabulary:
                    bad(pos, name, v, f"is not an allowed value (allowed: {', '.join(f.vocabulary)})")
                    v = ""
                elif f.max_length and len(v) > f.max_length:
                    bad(pos, name, v[:40] + "…", f"is {len(v)} characters long; at most {f.max_length} are allowed")
                parsed.append(v)
            out[name] = parsed
    typed = pd.DataFrame(out, index=pd.RangeIndex(n))
    typed.attrs["where"] = where
    return typed


def _duplicates(df: pd.DataFrame, column: str, where: str, problems: list) -> None:
    ids = df[column]
    dup = ids.ne("") & ids.duplicated(keep=False)
    for value, positions in df.index[dup].to_series().groupby(ids[dup].to_numpy()):
        rows = ", ".join(str(p + 2) for p in positions)
        problems.append((where, int(positions.iloc[0]) + 2, f"rows {rows}, column {column!r}: duplicate id {value!r}"))


def validate_register(tables: dict[str, tuple[pd.DataFrame, str]], *,
                      known_municipalities: Iterable[str] | None = None) -> Register:
    """Validate raw tables (``{"barriers": (frame, where), "events": ..., "links": ...}``, cells as text)
    and return the typed :class:`Register`; raise one :class:`ValidationError` listing every problem.

    Checks: unknown, duplicated and missing columns; required values; vocabularies (the allowed values
    are named); multi-choice and list cells; municipality ids (format and known); SDG targets; dates and
    their order (validated and resolved not before raised, resolved not before validated, last updated
    not before raised, events not before their barrier was raised); dates a status requires (validated
    from the stage validated on, resolved for resolved and not resolvable) and a resolved date only with
    an outcome; severity 1-5; duplicate barrier and event ids; events, links and Dialogverkstad sessions
    pointing at unknown barriers or events; status changes in the event history the workflow does not
    allow, and a history that does not end in the barrier's status.
    """
    known = set(geography.municipalities()["municipality_id"]) if known_municipalities is None \
        else set(known_municipalities)
    problems: list[tuple[str, int, str]] = []
    parsed = {}
    for table in schema.TABLES:
        if table in tables:
            df, where = tables[table]
            parsed[table] = _parse_table(table, df, where, known, problems)
        else:
            parsed[table] = _parse_table(table, pd.DataFrame({c: [] for c in schema.REQUIRED_COLUMNS[table]}),
                                         table, known, problems)
    barriers, events, links = parsed["barriers"], parsed["events"], parsed["links"]
    bw, ew, lw = (barriers.attrs["where"], events.attrs["where"], links.attrs["where"])
    _duplicates(barriers, "barrier_id", bw, problems)
    _duplicates(events, "event_id", ew, problems)

    # dates and status within a barrier
    def later(pos: int, a: str, b: str, why: str) -> None:
        x, y = barriers.at[pos, a], barriers.at[pos, b]
        if pd.notna(x) and pd.notna(y) and y < x:
            problems.append((bw, pos + 2, f"column {b!r}: {y.date()} is before {a} {x.date()}; {why}"))

    for pos in range(len(barriers)):
        later(pos, "date_raised", "date_validated", "a barrier is validated after it is raised")
        later(pos, "date_raised", "date_resolved", "a barrier is resolved after it is raised")
        later(pos, "date_validated", "date_resolved", "a barrier is resolved after it is validated")
        later(pos, "date_raised", "last_updated", "the last update cannot precede the barrier")
        status = barriers.at[pos, "status"]
        stage = schema.stage_of(status) if status else None
        if stage is not None and stage >= 1 and pd.isna(barriers.at[pos, "date_validated"]):
            problems.append((bw, pos + 2, f"column 'date_validated': empty, but status {status!r} comes after "
                                          "validation; give the date it was validated"))
        if status in ("resolved", "not_resolvable") and pd.isna(barriers.at[pos, "date_resolved"]):
            problems.append((bw, pos + 2, f"column 'date_resolved': empty, but status is {status!r}; give the date "
                                          "it was closed"))
        if status and status not in schema.OUTCOMES and pd.notna(barriers.at[pos, "date_resolved"]):
            problems.append((bw, pos + 2, f"column 'date_resolved': {barriers.at[pos, 'date_resolved'].date()} given, "
                                          f"but status {status!r} is not an outcome "
                                          f"({', '.join(schema.OUTCOMES)}); correct the status or remove the date"))

    ids = set(barriers["barrier_id"]) - {""}
    row_of = {b: i for i, b in enumerate(barriers["barrier_id"]) if b}
    # events: known barriers, dates, workflow
    for pos in range(len(events)):
        b = events.at[pos, "barrier_id"]
        if b and b not in ids:
            problems.append((ew, pos + 2, f"column 'barrier_id': {b!r} is not a barrier of the register"))
        elif b:
            raised, day = barriers.at[row_of[b], "date_raised"], events.at[pos, "date"]
            if pd.notna(raised) and pd.notna(day) and day < raised:
                problems.append((ew, pos + 2, f"column 'date': {day.date()} is before barrier {b} was raised "
                                              f"({raised.date()})"))
    if len(events):
        changes = events[(events["status"] != "") & events["barrier_id"].isin(ids) & events["date"].notna()]
        changes = changes.assign(_pos=changes.index).sort_values(["barrier_id", "date", "_pos"], kind="stable")
        for b, history in changes.groupby("barrier_id", sort=False):
            current = "identified"
            for pos, new in zip(history["_pos"], history["status"]):
                if new != current and new not in schema.TRANSITIONS[current]:
                    allowed = ", ".join(schema.TRANSITIONS[current]) or "none, it is final"
                    problems.append((ew, int(pos) + 2, f"column 'status': {current!r} -> {new!r} is not a step of the "
                                                       f"workflow for barrier {b} (from {current!r}: {allowed})"))
                current = new
            status = barriers.at[row_of[b], "status"]
            if status and current != status:
                problems.append((bw, row_of[b] + 2, f"column 'status': {status!r}, but barrier {b}'s event "
                                                    f"history ends in {current!r}; correct one of them"))
        event_of = dict(zip(events["event_id"], events["barrier_id"]))
        for pos, sessions in enumerate(barriers["dialogverkstad_sessions"]):
            for s in sessions:
                if s not in event_of:
                    problems.append((bw, pos + 2, f"column 'dialogverkstad_sessions': {s!r} is not an event of the "
                                                  "register"))
                elif event_of[s] != barriers.at[pos, "barrier_id"]:
                    problems.append((bw, pos + 2, f"column 'dialogverkstad_sessions': event {s!r} belongs to "
                                                  f"barrier {event_of[s]!r}"))
    # links
    for pos in range(len(links)):
        a, b = links.at[pos, "barrier_id"], links.at[pos, "related_barrier_id"]
        for column, value in (("barrier_id", a), ("related_barrier_id", b)):
            if value and value not in ids:
                problems.append((lw, pos + 2, f"column {column!r}: {value!r} is not a barrier of the register"))
        if a and a == b:
            problems.append((lw, pos + 2, f"column 'related_barrier_id': {b!r} links the barrier to itself"))
    if problems:
        problems.sort(key=lambda p: (p[0] != bw, p[0], p[1]))
        raise ValidationError("system-barrier register",
                              [f"{where}, {'header' if row == 0 else f'row {row}'}: {text}"
                               for where, row, text in problems], hint=_HINT)
    for frame in (barriers, events, links):
        frame.attrs.pop("where", None)
    return Register(barriers, events, links, {})


# ---------------------------------------------------------------------------------------------- writing
def _as_text(df: pd.DataFrame, table: str) -> pd.DataFrame:
    out = {}
    for f in schema.TABLES[table]:
        col = df[f.name] if f.name in df.columns else pd.Series([""] * len(df))
        if f.kind in ("multi", "list", "municipalities", "sdg_targets"):
            out[f.name] = [schema.LIST_SEPARATOR.join(v) for v in col]
        elif f.kind == "date":
            out[f.name] = [v.strftime("%Y-%m-%d") if pd.notna(v) else "" for v in col]
        elif f.kind == "int":
            out[f.name] = ["" if pd.isna(v) else str(int(v)) for v in col]
        else:
            out[f.name] = ["" if v is None else str(v) for v in col]
    return pd.DataFrame(out)


def write_barriers(register: Register, path: str | Path, *, barriers_only: bool = False) -> list[Path]:
    """Write ``register`` to ``path`` (``.csv``: the barriers, plus ``NAME_handelser.csv`` and
    ``NAME_kopplingar.csv`` unless ``barriers_only``; ``.xlsx``: the three sheets). Each file is
    written atomically. Returns the files written."""
    path = Path(path)
    written = []
    if path.suffix.lower() == ".csv":
        files = [(path, "barriers")]
        if not barriers_only:
            files += [(path.with_name(f"{path.stem}{s}.csv"), t) for t, s in CSV_SUFFIXES.items()]
        for target, table in files:
            text = _as_text(getattr(register, table), table).to_csv(index=False, lineterminator="\n")
            atomic_write(target, lambda tmp, text=text: tmp.write_bytes(text.encode("utf-8")))
            written.append(target)
    elif path.suffix.lower() == ".xlsx":
        def write(tmp: Path) -> None:
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for sheet, table in (("hinder", "barriers"), ("händelser", "events"), ("kopplingar", "links")):
                    _as_text(getattr(register, table), table).to_excel(xl, sheet_name=sheet, index=False)
        atomic_write(path, write)
        written.append(path)
    else:
        raise NatsamError(f"write_barriers: {path} must end in .csv or .xlsx.")
    return written


def write_example_export(path: str | Path = EXAMPLE_PATH) -> Path:
    """Write the example export (``data/examples/systemhinder_exempel.csv``): the demo's barriers as
    one CSV, lists ``;``-separated; synthetic (every ``owner`` is :data:`DEMO_OWNER`)."""
    return write_barriers(demo_register(), path, barriers_only=True)[0]


def barriers_summary(register: Register, lang: str | None = None) -> str:
    """A few lines about a register, for ``natsam validate barriers FILE``.

    Examples
    --------
    >>> print(barriers_summary(demo_register()))  # doctest: +ELLIPSIS
    Systemhinderregister: 40 hinder, ... händelser, ... kopplingar (Demodata – syntetiska värden, inte officiell statistik)
    Status: ...
    ...
    """
    b = register.barriers
    sv = (lang or "sv") == "sv"
    source = demo_note(lang) if register.synthetic else register.provenance.get("file", register.provenance.get("source", ""))
    lines = [(f"Systemhinderregister: {len(b)} hinder, {len(register.events)} händelser, {len(register.links)} kopplingar"
              if sv else f"System-barrier register: {len(b)} barriers, {len(register.events)} events, "
                         f"{len(register.links)} links") + (f" ({source})" if source else "")]
    counts = b["status"].value_counts()
    lines.append(("Status: " if sv else "Status: ") + ", ".join(
        f"{schema.value_label('status', s, lang)} {int(counts[s])}" for s in schema.STATUSES if s in counts))
    platforms = b["raised_by_platform"].value_counts()
    lines.append(("Plattformar: " if sv else "Platforms: ") + ", ".join(
        f"{schema.value_label('raised_by_platform', p, lang)} {int(platforms[p])}" for p in schema.PLATFORMS
        if p in platforms))
    if len(b):
        lines.append((f"Lyfta {b['date_raised'].min().date()} – {b['date_raised'].max().date()}" if sv
                      else f"Raised {b['date_raised'].min().date()} – {b['date_raised'].max().date()}"))
    return "\n".join(lines)


def source_line(register: Register, lang: str | None = None) -> str:
    """The visible source line of figures and tables built on ``register``."""
    if register.synthetic:
        return demo_note(lang)
    return label("barriers_source_file", lang, file=register.provenance.get("file", "?"))


# ---------------------------------------------------------------------------------------------- demo
#: (title_sv, title_en, types, legal areas, reference, level, mandate, actor, actor type, rule, policy areas,
#:  sdg targets, pathway, affected groups)
_TEMPLATES = [
    ("Sekretess hindrar informationsdelning mellan socialtjänst och skola",
     "Secrecy blocks information sharing between social services and schools",
     "data_sharing;legal", "OSL;SoL;Skollagen", "OSL 26 kap 1 §", "nationell", "none", "Socialdepartementet",
     "ministry", "rule", "social_protection;education", "16.6;4.1", "regulatory_change", "Barn och unga i utsatthet"),
    ("Lokaliseringsprincipen begränsar samarbete om laddinfrastruktur",
     "The localisation principle limits cooperation on charging infrastructure",
     "legal;application", "KL", "KL 2 kap 1 §", "nationell", "partial", "Finansdepartementet", "ministry",
     "interpretation", "environmental_protection", "11.2;13.2", "guidance", "Boende på landsbygd"),
    ("Upphandlingsreglerna försvårar innovationsupphandling i små volymer",
     "Procurement rules hamper innovation procurement in small volumes",
     "procurement;application", "LOU/LUF/LUK", "LOU 4 kap 1 §", "EU", "partial", "Upphandlingsmyndigheten",
     "agency", "interpretation", "economic_affairs", "16.6", "guidance", "Små företag"),
    ("Ettåriga statsbidrag omöjliggör långsiktiga satsningar",
     "One-year state grants rule out long-term investment",
     "financial", "statsbidragsförordning", "Förordning (2011:211)", "nationell", "none", "Finansdepartementet",
     "ministry", "rule", "general_public_services", "16.6", "funding_change", ""),
    ("Detaljplanekrav stoppar tillfälliga och flexibla lokaler",
     "Detailed-plan requirements stop temporary and flexible premises",
     "legal;application", "PBL", "PBL 8 kap 4 a §", "nationell", "partial", "Boverket", "agency", "interpretation",
     "housing_community", "11.1", "guidance", "Nyanlända, unga vuxna"),
    ("Nätägarens monopol hindrar lokala energigemenskaper",
     "The grid owner's monopoly blocks local energy communities",
     "legal;market", "ellagen", "Ellagen 3 kap 1 §", "nationell", "none", "Energimarknadsinspektionen", "agency",
     "rule", "environmental_protection", "13.2;7.2", "regulatory_change", ""),
    ("Statsstödsreglerna begränsar stöd till lokala innovationsbolag",
     "State aid rules limit support for local innovation companies",
     "legal", "EU state aid;KL", "Art. 107 FEUF", "EU", "none", "Europeiska kommissionen", "EU", "rule",
     "economic_affairs", "8.3", "trial", "Små företag"),
    ("Journalsystemen kan inte dela data mellan region och kommun",
     "Record systems cannot share data between region and municipality",
     "data_sharing;technical", "HSL;SoL;GDPR/dataskyddslagen", "Patientdatalagen 4 kap", "regional", "partial",
     "Regionen", "region", "unclear", "health", "3.8", "standard_template", "Äldre med omfattande vårdbehov"),
    ("Otydligt ansvar för hemsjukvård mellan region och kommun",
     "Unclear responsibility for home health care between region and municipality",
     "organisational", "HSL", "HSL 14 kap 1 §", "regional", "partial", "Regionen", "region", "interpretation",
     "health;social_protection", "3.8", "guidance", "Äldre, anhörigvårdare (oftast kvinnor)"),
    ("Beslut enligt LSS kan inte fattas automatiserat",
     "Decisions under LSS cannot be automated",
     "technical;application", "LSS;FL", "FL 28 §", "nationell", "partial", "Myndigheten för digital förvaltning",
     "agency", "interpretation", "digital_government;social_protection", "16.6", "guidance",
     "Personer med funktionsnedsättning"),
    ("Miljöprövningen tar för lång tid för klimatinvesteringar",
     "Environmental permitting takes too long for climate investments",
     "legal", "MB", "MB 9 kap 6 §", "nationell", "none", "Klimat- och näringslivsdepartementet", "ministry", "rule",
     "environmental_protection", "13.2", "regulatory_change", ""),
    ("Brist på kompetens för AI-stöd i äldreomsorgen",
     "Lack of competence for AI support in elderly care",
     "competence", "GDPR/dataskyddslagen", "", "lokal", "full", "Kommunen", "municipality", "unclear",
     "health;social_protection", "3.8;5.4", "capacity_building", "Undersköterskor (oftast kvinnor)"),
    ("Nollfelskultur hämmar försöksverksamhet",
     "A zero-error culture inhibits experimentation",
     "cultural;organisational", "other", "", "lokal", "full", "Kommunen", "municipality", "unclear",
     "general_public_services", "16.7", "capacity_building", ""),
    ("Skolskjutsreglerna hindrar samordnad kollektivtrafik",
     "School transport rules prevent coordinated public transport",
     "legal;application", "Skollagen", "Skollagen 10 kap 32 §", "nationell", "partial", "Skolverket", "agency",
     "interpretation", "education", "11.2;4.1", "trial", "Elever på landsbygd"),
    ("Jämställdhetsanalys saknas i budgetunderlagen",
     "Gender analysis is missing from budget documents",
     "organisational", "KL", "KL 11 kap", "lokal", "full", "Kommunen", "municipality", "unclear",
     "general_public_services", "5.c;5.5", "standard_template", "Kvinnor och män i kommunens verksamheter"),
    ("Skatteregler gör kommunala bilpooler dyra",
     "Tax rules make municipal car pools expensive",
     "financial;market", "other", "Mervärdesskattelagen", "nationell", "none", "Skatteverket", "agency", "rule",
     "environmental_protection", "11.2;13.2", "regulatory_change", ""),
    ("Tolkningen av dataskyddsreglerna stoppar trygghetskameror",
     "The reading of data protection rules stops safety cameras",
     "data_sharing;application", "GDPR/dataskyddslagen", "Kamerabevakningslagen", "EU", "partial",
     "Integritetsskyddsmyndigheten", "agency", "interpretation", "public_order_safety", "16.1;5.2", "guidance",
     "Kvinnor i otrygga miljöer"),
    ("Bredband i glesbygd saknar finansiering",
     "Rural broadband lacks funding",
     "technical;financial", "statsbidragsförordning", "", "nationell", "partial", "Post- och telestyrelsen",
     "agency", "unclear", "digital_government", "9.c;11.a", "funding_change", "Boende på landsbygd"),
    ("Avfallsklassningen hindrar återbruk av byggmaterial",
     "Waste classification prevents reuse of building materials",
     "legal;market", "MB", "MB 15 kap 1 §", "EU", "partial", "Naturvårdsverket", "agency", "interpretation",
     "environmental_protection", "12.5;13.2", "guidance", ""),
    ("Avtalsmallarna saknar klausuler för innovationspartnerskap",
     "Contract templates lack clauses for innovation partnerships",
     "procurement", "LOU/LUF/LUK", "LOU 7 kap", "nationell", "partial", "SKR", "SKR", "unclear",
     "economic_affairs", "11.3", "standard_template", ""),
]
_OTHER_MUNICIPALITIES = ("1280", "0380", "0580", "1880", "1283", "2580", "0680", "2281", "1380", "0180",
                         "1480", "1281", "1490", "2480", "2584", "0114", "2523", "1781")
_PLATFORM_WEIGHTS = (0.16, 0.16, 0.15, 0.16, 0.15, 0.14, 0.08)
_FINAL = {"identified": .08, "validated": .08, "analysed": .12, "in_dialogue": .18, "proposal_submitted": .12,
          "partly_resolved": .1, "resolved": .14, "not_resolvable": .06, "parked": .08, "withdrawn": .04}


def _path_to(final: str, rng: np.random.Generator) -> list[str]:
    """The statuses a demo barrier passes through, after identified, to reach ``final``."""
    chain = list(schema.STAGES[1:5])  # validated .. proposal_submitted
    if final in schema.OUTCOMES:
        return chain + ([final] if final != "resolved" or rng.random() < .6 else ["partly_resolved", "resolved"])
    if final in ("parked", "withdrawn"):
        return chain[: int(rng.integers(0, 3))] + [final]
    return chain[: schema.STAGES.index(final)]


def demo_register(seed: int = DEMO_SEED) -> Register:
    """A synthetic register of 40 barriers with event histories and links, the same for the same seed.

    Twenty realistic barriers (legal areas, references, actors) raised twice each, by the six platform
    municipalities and others, at dates in 2023-2024; each barrier walks the workflow by dated events
    (decisions, analyses, Dialogverkstad meetings, letters, remisser) up to :data:`DEMO_AS_OF`.
    Provenance ``{"source": "demo", "synthetic": True, "seed": seed}``.
    """
    rng = np.random.default_rng(seed)
    rows, events, links = [], [], []
    per_year: dict[int, int] = {}
    starts = sorted(int(d) for d in rng.integers(0, 640, size=2 * len(_TEMPLATES)))
    order = rng.permutation(2 * len(_TEMPLATES))
    for k, (start, which) in enumerate(zip(starts, order)):
        t = _TEMPLATES[which % len(_TEMPLATES)]
        (title_sv, title_en, types, areas, reference, level, mandate, actor, actor_type, rule, policy, sdg,
         pathway, groups) = t
        raised = dt.date(2023, 1, 9) + dt.timedelta(days=start)
        per_year[raised.year] = per_year.get(raised.year, 0) + 1
        barrier_id = f"SH-{raised.year}-{per_year[raised.year]:03d}"
        platform = str(rng.choice(schema.PLATFORMS, p=_PLATFORM_WEIGHTS))
        own = [schema.PLATFORM_IDS[platform]] if platform in schema.PLATFORM_IDS else []
        others = [m for m in rng.choice(_OTHER_MUNICIPALITIES, size=int(rng.integers(0 if own else 1, 4)),
                                        replace=False) if m not in own]
        municipalities = tuple(own + others)
        final = str(rng.choice(list(_FINAL), p=list(_FINAL.values())))
        day, status, history, sessions = raised, "identified", [], []
        n_event = 0

        def event(kind: str, new: str, summary: str, outcome: str = "", actors: tuple = ()) -> str:
            nonlocal n_event
            n_event += 1
            eid = f"{barrier_id}-H{n_event:02d}"
            history.append({"event_id": eid, "barrier_id": barrier_id, "date": pd.Timestamp(day), "type": kind,
                            "actors": actors or ("NATSAM", platform if platform != "other" else "Kommunen"),
                            "summary": summary, "outcome": outcome, "status": new})
            return eid

        date_validated = date_resolved = pd.NaT
        for new in _path_to(final, rng):
            step = dt.timedelta(days=int(rng.integers(20, 110)))
            if day + step > DEMO_AS_OF:
                break
            day += step
            if new == "validated":
                event("decision", new, "Hindret validerat av plattformarnas samordningsgrupp", "Validerat")
                date_validated = pd.Timestamp(day)
            elif new == "analysed":
                event("meeting", new, "Analys av regelverk och tillämpning klar", "Analys dokumenterad")
            elif new == "in_dialogue":
                sessions.append(event("meeting", new, "Dialogverkstad med ansvarig aktör", "Gemensam problembild",
                                      ("NATSAM", actor)))
                for _ in range(int(rng.integers(0, 3))):
                    gap = dt.timedelta(days=int(rng.integers(14, 60)))
                    if day + gap > DEMO_AS_OF:
                        break
                    day += gap
                    sessions.append(event("meeting", "", "Uppföljande dialogverkstad", "Förslag bearbetas",
                                          ("NATSAM", actor)))
            elif new == "proposal_submitted":
                event("letter", new, f"Förslag skickat till {actor}", "Förslag inlämnat", ("NATSAM", actor))
                if rng.random() < .3 and day + dt.timedelta(days=30) <= DEMO_AS_OF:
                    day += dt.timedelta(days=30)
                    event("remiss", "", "Förslaget på remiss", "Remissvar inkomna", (actor,))
            elif new in schema.OUTCOMES:
                outcome = {"partly_resolved": "Delvis löst", "resolved": "Löst", "not_resolvable": "Inte lösbart"}[new]
                event("decision", new, f"Beslut av {actor}", outcome, (actor,))
                if new != "partly_resolved":
                    date_resolved = pd.Timestamp(day)
            elif new == "parked":
                event("meeting", new, "Parkerat i väntan på pågående utredning", "Parkerat")
            else:
                event("decision", new, "Återkallat av plattformen", "Återkallat")
            status = new
        events += history
        cases = tuple(f"FALL-{int(c):03d}" for c in rng.choice(60, size=int(rng.integers(0, 3)), replace=False))
        rows.append({
            "barrier_id": barrier_id, "title_sv": title_sv, "title_en": title_en,
            "description": f"{title_sv}. Hindret påverkar kommunernas omställningsarbete. (Syntetiskt exempel.)",
            "example_case_ids": cases, "raised_by_municipality": municipalities, "raised_by_platform": platform,
            "date_raised": pd.Timestamp(raised), "date_validated": date_validated, "date_resolved": date_resolved,
            "barrier_type": tuple(types.split(";")), "rule_vs_interpretation": rule,
            "legal_area": tuple(areas.split(";")), "legal_reference": reference, "level_of_origin": level,
            "municipal_mandate": mandate, "responsible_actor": actor, "actor_type": actor_type,
            "affected_sdg_targets": tuple(sdg.split(";")), "policy_area": tuple(policy.split(";")),
            "affected_groups": groups, "gender_equity_note": "",
            "severity": int(rng.integers(1, 6)), "prevalence": len(municipalities),
            "evidence_links": (f"https://example.org/natsam/{barrier_id}",),
            "status": status, "pathway": pathway if status != "identified" else "none",
            "dialogverkstad_sessions": tuple(sessions),
            "related_commitments": (f"KK-{int(rng.integers(1, 40)):03d}",) if rng.random() < .25 else (),
            "resolution_description": "Regeländring eller vägledning på plats (syntetiskt)" if status == "resolved" else "",
            "owner": DEMO_OWNER, "last_updated": pd.Timestamp(day),
            "confidentiality": "internal" if rng.random() < .15 else "public",
            "_template": which % len(_TEMPLATES),
        })
    barriers = pd.DataFrame(rows)
    for _, same in barriers.groupby("_template"):
        if len(same) > 1:
            ids = same["barrier_id"].tolist()
            links.append({"barrier_id": ids[1], "related_barrier_id": ids[0],
                          "relation": "duplicates" if rng.random() < .4 else "related"})
    firsts = barriers["barrier_id"].tolist()
    for _ in range(6):
        a, b = rng.choice(len(firsts), size=2, replace=False)
        links.append({"barrier_id": firsts[a], "related_barrier_id": firsts[b], "relation": "causes"})
    barriers = barriers.drop(columns="_template")
    events_df = pd.DataFrame(events, columns=[f.name for f in schema.EVENT_FIELDS])
    links_df = pd.DataFrame(links, columns=[f.name for f in schema.LINK_FIELDS]).drop_duplicates(
        ["barrier_id", "related_barrier_id"], ignore_index=True)
    register = validate_register({
        "barriers": (_as_text(barriers, "barriers"), "demo barriers"),
        "events": (_as_text(events_df, "events"), "demo events"),
        "links": (_as_text(links_df, "links"), "demo links")},
        known_municipalities=_OTHER_MUNICIPALITIES + tuple(schema.PLATFORM_IDS.values()))
    provenance = {"source": "demo", "synthetic": True, "seed": seed,
                  "generator": "natsam_analysis.sources.barriers.demo_register"}
    return Register(register.barriers, register.events, register.links, provenance)
