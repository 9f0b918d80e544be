"""The innovation case register (OPSI-compatible): schema, flat-file reading and validation, demo, export.

One row per innovation case. The schema is data (:data:`FIELDS`): every column's group, type,
vocabulary, limits and, where there is one, its name in OECD OPSI's case library (:data:`OPSI_FIELDS`).

Flat files (CSV in UTF-8, or the first sheet of an XLSX workbook), one header row with the column
names of :data:`FIELDS`, one case per row:

* **Vocabularies** are written as their codes (``mission``, ``implementation``, ``municipal_budget``);
  a message about a wrong value names the allowed codes.
* **Lists** (multi-choice fields, ``tags``, ``sdg_targets``, ``barrier_ids``, ``media_urls``, ...) are
  ``;``-separated in one cell: ``11.6; 13.2; 5.5``. An empty cell is an empty list.
* **Partners** are ``;``-separated entries ``name|type|contribution`` (contribution may be left out):
  ``Lunds universitet|academia|utvärdering; Hyresgästföreningen|civil_society``.
* **Outcome KPIs** are ``;``-separated entries ``kpi|baseline|target|latest|gender`` (Kolada KPI id,
  three numbers that may be empty, gender ``T``/``K``/``M``, default ``T``): ``N00945|60|75|68|K``.
* **Yes/no** fields take ``ja``/``nej``, ``yes``/``no``, ``true``/``false`` or ``1``/``0``.
* **Dates** are ``YYYY-MM-DD``; **numbers** take a decimal point or comma; ids are text, so
  municipality ``0180`` keeps its leading zero (format the column as text in Excel).
* ``reused_from`` is a ``case_id`` of the same file or ``external:`` followed by a description.
* ``barrier_ids`` name entries of the system-barrier register (``SH-2025-001``).

Only :data:`REQUIRED` columns must be present; a missing optional column is read as empty.

Examples
--------
>>> cases = load_cases()                  # the synthetic demo      # doctest: +SKIP
>>> print(cases_summary(cases))                                      # doctest: +SKIP
>>> export_opsi(cases, "opsi.json", format="json")                  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis import config, geography, store
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.i18n import DEMO_NOTE, check_language, label

WHAT = "case register"

# ------------------------------------------------------------------------------------------------
# vocabularies (codes; Swedish and English labels are in i18n.LABELS as "cases_<field>_<code>")

#: The platforms of the national collaboration (code -> municipality id); ``none`` for other cases.
PLATFORMS: dict[str, str | None] = {
    "stockholm": "0180", "goteborg": "1480", "lund": "1281", "boras": "1490", "umea": "2480", "kiruna": "2584",
    "none": None,
}
ORGANISATION_TYPES = ("government", "NGO", "academia", "private", "IO", "independent")
LEVELS_OF_GOVERNMENT = ("local", "regional", "national", "other")
#: The sector list of OPSI's case library (13 sectors), as codes.
SECTORS = ("general_public_services", "health", "education", "social_protection", "environment",
           "economic_affairs", "employment", "housing_community", "transport_infrastructure",
           "recreation_culture", "public_order_safety", "digital_government", "energy")
INNOVATION_TYPES = ("service_product", "process_organisation", "communication")
NOVELTY = ("new_to_organisation", "new_to_sweden", "new_to_world")
VINNOVA_ROLES = ("own_operations", "demand", "system_cocreation")
#: OPSI's lifecycle stages, in order.
LIFECYCLE_STAGES = ("identifying_problems", "generating_ideas", "developing_proposals", "implementation",
                    "evaluation", "diffusing_lessons")
#: OPSI's innovation facets (portfolio model).
FACETS = ("enhancement", "mission", "adaptive", "anticipatory")
CREATED_TO = ("policy_problem", "improve_services", "new_user_needs", "explore_uncertainty")
PUSHED_BY = ("leaders_results", "cost_process_pressure", "bottom_up_testing", "future_change")
PRIORITIES = ("high", "medium", "low")
PARTNER_TYPES = ("public", "academia", "business", "civil_society", "residents")
EVALUATIONS = ("none", "internal", "external")
EFFECTS = ("quality", "efficiency", "user_satisfaction", "employee_satisfaction", "participation",
           "gender_equality", "climate")
LEADER_GENDERS = ("woman", "man", "shared", "other")
GENDER_ANALYSIS_METHODS = ("3R", "4R", "other")
FUNDING_SOURCES = ("vinnova", "eu", "municipal_budget", "other")
PUBLICATION_LEVELS = ("public", "consortium", "internal")
KPI_GENDERS = ("T", "K", "M")

#: Targets per SDG: (number of numbered targets, lettered targets). 169 targets in all.
_SDG_TARGETS = {1: (5, "ab"), 2: (5, "abc"), 3: (9, "abcd"), 4: (7, "abc"), 5: (6, "abc"), 6: (6, "ab"),
                7: (3, "ab"), 8: (10, "ab"), 9: (5, "abc"), 10: (7, "abc"), 11: (7, "abc"), 12: (8, "abc"),
                13: (3, "ab"), 14: (7, "abc"), 15: (9, "abc"), 16: (10, "ab"), 17: (19, "")}
#: Every valid SDG target code ("1.1" ... "17.19", "11.a").
SDG_TARGETS = frozenset(f"{g}.{t}" for g, (n, letters) in _SDG_TARGETS.items()
                        for t in [*map(str, range(1, n + 1)), *letters])

CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$"
BARRIER_ID_PATTERN = r"^SH-[0-9]{4}-[0-9]{3}$"
KPI_ID_PATTERN = r"^[NU][0-9]{5}$"
EXTERNAL_PREFIX = "external:"

_TRUE = ("ja", "yes", "true", "1", "sant")
_FALSE = ("nej", "no", "false", "0", "falskt")


@dataclass(frozen=True)
class Field:
    """One column of the register.

    ``kind`` is one of ``id``, ``text``, ``enum``, ``multi`` (several codes), ``list`` (free texts),
    ``bool``, ``int``, ``number``, ``date``, ``municipality``, ``partners``, ``kpis``, ``sdg_targets``,
    ``barriers``, ``case_ref``.
    """

    name: str
    group: str
    kind: str
    required: bool = False
    values: tuple[str, ...] = ()
    max_chars: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    opsi: str | None = None
    description: str = ""


FIELDS: tuple[Field, ...] = (
    # identity
    Field("case_id", "identity", "id", True, description="unique id, e.g. FALL-2025-001"),
    Field("title", "identity", "text", True, max_chars=200, opsi="name_of_innovation"),
    Field("website", "identity", "text", max_chars=500),
    Field("year_launched", "identity", "int", minimum=1950, maximum=2100, opsi="year_innovation_launched"),
    Field("start_date", "identity", "date"),
    Field("end_date", "identity", "date"),
    # ownership
    Field("organisation", "ownership", "text", True, max_chars=200),
    Field("municipality_id", "ownership", "municipality", True, description="Kolada id, 4 digits"),
    Field("platform", "ownership", "enum", True, tuple(PLATFORMS)),
    Field("organisation_type", "ownership", "enum", True, ORGANISATION_TYPES, opsi="organisation_type"),
    Field("level_of_government", "ownership", "enum", True, LEVELS_OF_GOVERNMENT, opsi="level_of_government"),
    Field("contact", "ownership", "text", max_chars=200, description="internal only, never exported"),
    # description
    Field("short_explanation", "description", "text", True, max_chars=500, opsi="short_and_simple_explanation"),
    Field("overview", "description", "text", max_chars=5000, opsi="executive_summary"),
    Field("what_is_innovative", "description", "text", max_chars=1000),
    # classification
    Field("sectors", "classification", "multi", values=SECTORS, opsi="organisation_primary_sectorfield"),
    Field("tags", "classification", "list", opsi="innovation_tags"),
    Field("innovation_type", "classification", "multi", values=INNOVATION_TYPES),
    Field("novelty", "classification", "enum", values=NOVELTY),
    Field("vinnova_role", "classification", "enum", values=VINNOVA_ROLES),
    # lifecycle
    Field("lifecycle_stages", "lifecycle", "multi", True, LIFECYCLE_STAGES, opsi="innovation_status"),
    Field("status_text", "lifecycle", "text", max_chars=1000, opsi="status_description"),
    # portfolio
    Field("facet_primary", "portfolio", "enum", True, FACETS),
    Field("facet_secondary", "portfolio", "enum", values=FACETS),
    Field("created_to", "portfolio", "enum", values=CREATED_TO),
    Field("pushed_by", "portfolio", "enum", values=PUSHED_BY),
    Field("priority", "portfolio", "enum", values=PRIORITIES),
    Field("facet_rationale", "portfolio", "text", max_chars=1000),
    # actors
    Field("partners", "actors", "partners", max_chars=500, opsi="collaboration_partnerships",
          description="name|type|contribution; ... (at most 500 characters as exported)"),
    Field("users_beneficiaries", "actors", "text", max_chars=500, opsi="users_stakeholders_beneficiaries"),
    # results
    Field("results_text", "results", "text", max_chars=1000, opsi="results_impact"),
    Field("outcome_kpis", "results", "kpis", description="kpi|baseline|target|latest|gender; ..."),
    Field("evaluation", "results", "enum", values=EVALUATIONS),
    Field("evaluation_method", "results", "text", max_chars=500),
    Field("effects", "results", "multi", values=EFFECTS),
    # reflection
    Field("challenges_failures", "reflection", "text", max_chars=2000, opsi="challenges"),
    Field("conditions_for_success", "reflection", "text", max_chars=2000, opsi="conditions_to_success"),
    Field("replication", "reflection", "text", max_chars=2000, opsi="potential_to_be_replicated"),
    Field("lessons", "reflection", "text", max_chars=2000, opsi="lessons_to_share"),
    Field("diffused_actively", "reflection", "bool"),
    Field("reused_from", "reflection", "case_ref", description="case_id of this file, or external:<text>"),
    # sustainability
    Field("sdg_targets", "sustainability", "sdg_targets", description="e.g. 11.6; 13.2; 5.5"),
    Field("primary_sdg", "sustainability", "int", minimum=1, maximum=17),
    # gender equality (Vinnova's three steps)
    Field("team_women_pct", "gender", "number", minimum=0, maximum=100),
    Field("team_men_pct", "gender", "number", minimum=0, maximum=100),
    Field("leader_gender", "gender", "enum", values=LEADER_GENDERS),
    Field("budget_share_women_pct", "gender", "number", minimum=0, maximum=100,
          description="budget_share_by_gender: women's share of the budget, if available"),
    Field("gender_analysis_done", "gender", "bool"),
    Field("gender_analysis_method", "gender", "enum", values=GENDER_ANALYSIS_METHODS),
    Field("gender_effects_text", "gender", "text", max_chars=1000),
    Field("norm_critical_review", "gender", "bool"),
    # barriers
    Field("barrier_ids", "barriers", "barriers", description="SH-2025-001; ..."),
    # funding
    Field("funding_sources", "funding", "multi", values=FUNDING_SOURCES),
    Field("vinnova_dnr", "funding", "text", max_chars=100),
    Field("budget_sek", "funding", "number", minimum=0),
    Field("fte", "funding", "number", minimum=0),
    # materials
    Field("media_urls", "materials", "list"),
    Field("files", "materials", "list"),
    Field("pitch_video", "materials", "text", max_chars=500),
    # governance
    Field("publication_level", "governance", "enum", True, PUBLICATION_LEVELS),
    Field("consent_opsi_export", "governance", "bool", True),
    Field("created_by", "governance", "text", max_chars=200),
    Field("created_at", "governance", "date"),
    Field("updated_at", "governance", "date"),
    Field("version", "governance", "int", minimum=1),
)
FIELD = {f.name: f for f in FIELDS}
COLUMNS = [f.name for f in FIELDS]
REQUIRED = [f.name for f in FIELDS if f.required]
_LIST_KINDS = ("multi", "list", "partners", "kpis", "sdg_targets", "barriers")

# ------------------------------------------------------------------------------------------------
# the OPSI export mapping (data): OPSI field -> register field; vocabulary codes become English labels

#: OPSI case-library field -> register field, in OPSI's order. ``case_id`` is kept so that exported
#: cases can be matched to the register; ``materials`` joins media_urls, files and pitch_video.
OPSI_FIELDS: dict[str, str] = {
    "case_id": "case_id",
    "name_of_innovation": "title",
    "year_innovation_launched": "year_launched",
    "organisation_type": "organisation_type",
    "level_of_government": "level_of_government",
    "short_and_simple_explanation": "short_explanation",
    "executive_summary": "overview",
    "organisation_primary_sectorfield": "sectors",
    "innovation_tags": "tags",
    "innovation_status": "lifecycle_stages",
    "status_description": "status_text",
    "collaboration_partnerships": "partners",
    "users_stakeholders_beneficiaries": "users_beneficiaries",
    "results_impact": "results_text",
    "challenges": "challenges_failures",
    "conditions_to_success": "conditions_for_success",
    "potential_to_be_replicated": "replication",
    "lessons_to_share": "lessons",
    "materials": "media_urls+files+pitch_video",
}
#: English labels OPSI shows for the coded values the export writes.
OPSI_VALUE_LABELS: dict[str, dict[str, str]] = {
    "sectors": {
        "general_public_services": "General public services", "health": "Health", "education": "Education",
        "social_protection": "Social protection", "environment": "Environmental protection",
        "economic_affairs": "Economic affairs", "employment": "Employment",
        "housing_community": "Housing and community amenities", "transport_infrastructure": "Transport and infrastructure",
        "recreation_culture": "Recreation, culture and religion", "public_order_safety": "Public order and safety",
        "digital_government": "Digital government", "energy": "Energy"},
    "lifecycle_stages": {
        "identifying_problems": "Identifying problems", "generating_ideas": "Generating ideas",
        "developing_proposals": "Developing proposals", "implementation": "Implementation",
        "evaluation": "Evaluation", "diffusing_lessons": "Diffusing lessons"},
    "partner_types": {"public": "Public sector", "academia": "Academia", "business": "Business",
                      "civil_society": "Civil society", "residents": "Residents"},
}
OPSI_LIST_SEPARATOR = "; "


# ------------------------------------------------------------------------------------------------
# reading


def read_cases(path: str | Path, *, known_municipalities: set[str] | None = None) -> pd.DataFrame:
    """Read and validate a case register from a CSV or XLSX file.

    Parameters
    ----------
    path
        A ``.csv`` (UTF-8, comma- or semicolon-separated) or ``.xlsx`` file (first sheet).
    known_municipalities
        The valid municipality ids (default: the 290 of :func:`natsam_analysis.geography.municipalities`).

    Returns
    -------
    DataFrame
        One row per case, the columns of :data:`COLUMNS` in order: lists as Python lists, partners
        and outcome KPIs as lists of dicts, yes/no as ``boolean``, whole numbers as ``Int64``,
        dates as ``datetime64``. ``attrs["provenance"]`` names the file.

    Raises
    ------
    ValidationError
        Every problem at once, each with its row (1-based data row; the file's line or sheet row
        is one more, after the header), column and value.
    NatsamError
        The file is missing or is not a readable CSV/XLSX file.

    Examples
    --------
    >>> cases = read_cases("data/examples/fall_exempel.csv")      # doctest: +SKIP
    >>> cases.attrs["provenance"]["synthetic"]                    # doctest: +SKIP
    True
    """
    path = Path(path)
    raw = _read_flat(path)
    frame = validate_cases(raw, origin=str(path), known_municipalities=known_municipalities)
    synthetic = _marked_synthetic(raw)
    frame.attrs["provenance"] = {"source": "demo" if synthetic else "file", "synthetic": synthetic,
                                 "file": str(path), "rows": len(frame)}
    if synthetic:
        frame.attrs["provenance"]["note"] = DEMO_NOTE["sv"]
    return frame


def _marked_synthetic(raw: pd.DataFrame) -> bool:
    """A file written from the demo says so in every ``created_by`` cell (see :func:`demo_cases`)."""
    return "created_by" in raw.columns and len(raw) > 0 and bool((raw["created_by"] == DEMO_CREATOR).all())


def _read_flat(path: Path) -> pd.DataFrame:
    """The file's cells as text (empty cells as ""), columns as in the file."""
    if not path.is_file():
        raise NatsamError(f"{WHAT} file {path} not found; give the path to a .csv or .xlsx file.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix not in (".csv", ".txt"):
        raise NatsamError(f"{WHAT} file {path}: unknown file type {path.suffix!r}; give a .csv or .xlsx file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NatsamError(f"{WHAT} file {path} is not UTF-8 text ({exc}); save it as CSV UTF-8.") from None
    if "\x00" in text:
        raise NatsamError(f"{WHAT} file {path} contains NUL bytes: it is not a CSV text file.")
    if not text.strip():
        raise NatsamError(f"{WHAT} file {path} is empty; it needs a header row and one row per case.")
    first = text.splitlines()[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                            engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise NatsamError(f"{WHAT} file {path} could not be read as CSV: {exc}") from None
    return _clean_header(frame, path)


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, keep_default_na=False, na_filter=False,
                              engine="openpyxl")
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, TypeError, IndexError, AttributeError) as exc:
        raise NatsamError(f"{WHAT} file {path} could not be read as an Excel workbook: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a damaged workbook
        raise NatsamError(f"{WHAT} file {path} could not be read as an Excel workbook: {exc}") from None
    return _clean_header(frame.fillna(""), path)


def _clean_header(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype(str) if len(frame.columns) else frame
    return frame


# ------------------------------------------------------------------------------------------------
# validation


def validate_cases(raw: pd.DataFrame, *, origin: str = WHAT,
                   known_municipalities: set[str] | None = None) -> pd.DataFrame:
    """Check a flat frame of text cells (as read from a file) and return the typed register.

    Every problem is collected and raised together as one :class:`ValidationError`; see
    :func:`read_cases` for what is returned.

    Examples
    --------
    >>> raw = pd.DataFrame({"case_id": ["A1"], "platform": ["lund"]})
    >>> validate_cases(raw, known_municipalities={"1281"})   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    natsam_analysis.errors.ValidationError: case register: ... problem(s) found...
    """
    problems: list[str] = []
    columns = [str(c) for c in raw.columns]
    where = f"{origin}: " if origin != WHAT else ""
    counts = Counter(columns)
    for name in sorted(c for c, n in counts.items() if n > 1):
        problems.append(f"{where}column {name!r} appears {counts[name]} times; keep one.")
    unknown = [c for c in columns if c not in FIELD]
    for name in dict.fromkeys(unknown):
        close = [c for c in COLUMNS if c.replace("_", "") == name.lower().replace("_", "").replace(" ", "")]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where}column {name!r} is not a column of the case register{hint}; "
                        f"remove or rename it (see natsam_analysis.sources.cases.COLUMNS).")
    for name in REQUIRED:
        if name not in columns:
            problems.append(f"{where}required column {name!r} is missing; add it to the header row.")
    if problems:
        raise ValidationError(f"{WHAT} {origin}" if origin != WHAT else WHAT, problems,
                              hint="Fix the header row and validate again.")
    if known_municipalities is None:
        known_municipalities = set(geography.municipalities()["municipality_id"])
    raw = raw.reset_index(drop=True)
    parsed: dict[str, list] = {}
    for f in FIELDS:
        cells = raw[f.name].tolist() if f.name in raw.columns else [""] * len(raw)
        out = []
        for i, cell in enumerate(cells):
            value, errors = _parse_cell(f, "" if cell is None else str(cell).strip(), known_municipalities)
            out.append(value)
            problems += [f"{where}row {i + 1}, column {f.name!r}: {e}" for e in errors]
        parsed[f.name] = out
    problems += _cross_checks(parsed, where)
    if problems:
        raise ValidationError(f"{WHAT} {origin}" if origin != WHAT else WHAT, problems, hint=_HINT)
    return _typed(parsed)


_HINT = ("Rows are data rows counted from 1 (line or sheet row = row + 1, after the header). Correct the cells "
         "and validate again; the flat-file conventions are in natsam_analysis.sources.cases.")


def _show(value: str, width: int = 60) -> str:
    return repr(value if len(value) <= width else value[:width] + "…")


def _parse_cell(f: Field, cell: str, municipalities: set[str]) -> tuple[Any, list[str]]:
    """(parsed value, problems) of one cell."""
    if f.kind in _LIST_KINDS:
        return _parse_list(f, cell)
    if cell == "":
        return None, ([f"empty, but {f.name!r} is required; fill it in."] if f.required else [])
    if f.max_chars is not None and len(cell) > f.max_chars:
        return cell, [f"text of {len(cell)} characters is over the limit of {f.max_chars}; shorten it."]
    kind = f.kind
    if kind == "id":
        if not re.match(CASE_ID_PATTERN, cell):
            return None, [f"case id {_show(cell)} is not valid: use letters, digits, '-', '_' or '.' "
                          f"(at most 40, e.g. FALL-2025-001)."]
        return cell, []
    if kind == "text":
        return cell, []
    if kind == "enum":
        if cell not in f.values:
            return None, [f"value {_show(cell)} is not allowed; use one of: {', '.join(f.values)}."]
        return cell, []
    if kind == "bool":
        low = cell.lower()
        if low in _TRUE:
            return True, []
        if low in _FALSE:
            return False, []
        return None, [f"value {_show(cell)} is not yes/no; write ja/nej, yes/no, true/false or 1/0."]
    if kind in ("int", "number"):
        number = _number(cell)
        if number is None or (kind == "int" and number != int(number)):
            what = "a whole number" if kind == "int" else "a number"
            return None, [f"value {_show(cell)} is not {what}."]
        if (f.minimum is not None and number < f.minimum) or (f.maximum is not None and number > f.maximum):
            bounds = (f"between {f.minimum:g} and {f.maximum:g}" if f.maximum is not None
                      else f"at least {f.minimum:g}")
            return None, [f"value {_show(cell)} is outside the allowed range: give a value {bounds}."]
        return (int(number) if kind == "int" else number), []
    if kind == "date":
        day = _date(cell)
        if day is None:
            return None, [f"value {_show(cell)} is not a date; write YYYY-MM-DD (e.g. 2025-03-31)."]
        return day, []
    if kind == "municipality":
        if not re.match(r"^[0-9]{4}$", cell) or cell not in municipalities:
            extra = (" (a number like '180' lost its leading zero: format the column as text and write '0180')"
                     if re.match(r"^[0-9]{1,3}$", cell) else "")
            return None, [f"municipality id {_show(cell)} is not one of Sweden's 290 municipalities' "
                          f"4-digit Kolada ids{extra}."]
        return cell, []
    if kind == "case_ref":
        if cell.startswith(EXTERNAL_PREFIX):
            return cell, []
        if not re.match(CASE_ID_PATTERN, cell):
            return None, [f"value {_show(cell)} is neither a case id nor '{EXTERNAL_PREFIX}<description>'."]
        return cell, []
    raise AssertionError(f"unknown field kind {kind}")  # pragma: no cover - FIELDS is fixed


def _parse_list(f: Field, cell: str) -> tuple[list, list[str]]:
    items = [p.strip() for p in cell.split(";")] if cell else []
    items = [p for p in items if p]
    problems: list[str] = []
    if f.required and not items:
        return [], [f"empty, but {f.name!r} is required; give at least one value (';'-separated)."]
    if f.kind == "multi":
        bad = [v for v in items if v not in f.values]
        if bad:
            problems.append(f"value(s) {', '.join(map(_show, bad))} not allowed; use ';'-separated codes from: "
                            f"{', '.join(f.values)}.")
        items = [v for v in f.values if v in items]  # vocabulary order, no repeats
    elif f.kind == "sdg_targets":
        bad = [v for v in items if v not in SDG_TARGETS]
        if bad:
            problems.append(f"{', '.join(map(_show, bad))} {'is not a valid SDG target' if len(bad) == 1 else 'are not valid SDG targets'}; "
                            f"write target codes like 11.6, 13.2 or 5.a (goal 1-17, then its target).")
        items = list(dict.fromkeys(v for v in items if v in SDG_TARGETS))
    elif f.kind == "barriers":
        bad = [v for v in items if not re.match(BARRIER_ID_PATTERN, v)]
        if bad:
            problems.append(f"barrier id(s) {', '.join(map(_show, bad))} malformed; write SH-YYYY-NNN (e.g. SH-2025-001).")
        items = list(dict.fromkeys(v for v in items if re.match(BARRIER_ID_PATTERN, v)))
    elif f.kind == "partners":
        parsed = []
        for entry in items:
            parts = [p.strip() for p in entry.split("|")]
            if len(parts) not in (2, 3) or not parts[0]:
                problems.append(f"partner {_show(entry)} is not 'name|type|contribution' (contribution may be left out).")
                continue
            if parts[1] not in PARTNER_TYPES:
                problems.append(f"partner {_show(entry)}: type {_show(parts[1])} is not allowed; use one of: "
                                f"{', '.join(PARTNER_TYPES)}.")
                continue
            parsed.append({"name": parts[0], "type": parts[1], "contribution": parts[2] if len(parts) == 3 else ""})
        if not problems and f.max_chars is not None:
            text = format_partners(parsed)
            if len(text) > f.max_chars:
                problems.append(f"partners are {len(text)} characters as exported to OPSI, over the limit of "
                                f"{f.max_chars}; shorten names or contributions.")
        items = parsed
    elif f.kind == "kpis":
        parsed = []
        for entry in items:
            parts = [p.strip() for p in entry.split("|")]
            if len(parts) not in (4, 5):
                problems.append(f"outcome KPI {_show(entry)} is not 'kpi|baseline|target|latest|gender'.")
                continue
            kpi, *numbers = parts[:4]
            gender = parts[4] if len(parts) == 5 and parts[4] else "T"
            entry_problems = []
            if not re.match(KPI_ID_PATTERN, kpi):
                entry_problems.append(f"Kolada KPI id {_show(kpi)} is malformed; write N or U and five digits (e.g. N00945).")
            values = [None if n == "" else _number(n) for n in numbers]
            for name, n, v in zip(("baseline", "target", "latest"), numbers, values):
                if n != "" and v is None:
                    entry_problems.append(f"outcome KPI {_show(entry)}: {name} {_show(n)} is not a number.")
            if gender not in KPI_GENDERS:
                entry_problems.append(f"outcome KPI {_show(entry)}: gender {_show(gender)} is not T, K or M.")
            problems += entry_problems
            if not entry_problems:
                parsed.append({"kpi": kpi, "baseline": values[0], "target": values[1], "latest": values[2],
                               "gender": gender})
        items = parsed
    elif f.kind == "list":
        too_long = [v for v in items if len(v) > 500]
        if too_long:
            problems.append(f"{len(too_long)} item(s) over the limit of 500 characters; shorten them.")
    return items, problems


def _number(text: str) -> float | None:
    text = text.replace("\u00a0", "").replace(" ", "")
    if re.match(r"^[+-]?[0-9]+([.,][0-9]+)?$", text) is None:
        return None
    value = float(text.replace(",", "."))
    return value if np.isfinite(value) else None


def _date(text: str) -> date | None:
    match = re.match(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})( 00:00:00)?$", text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _cross_checks(parsed: dict[str, list], where: str) -> list[str]:
    problems = []
    ids = parsed["case_id"]
    seen: dict[str, int] = {}
    for i, case_id in enumerate(ids):
        if case_id is None:
            continue
        if case_id in seen:
            problems.append(f"{where}row {i + 1}, column 'case_id': duplicate case id {case_id!r} "
                            f"(also in row {seen[case_id] + 1}); give each case its own id.")
        else:
            seen[case_id] = i
    for i, ref in enumerate(parsed["reused_from"]):
        if ref is None or ref.startswith(EXTERNAL_PREFIX):
            continue
        if ref not in seen:
            problems.append(f"{where}row {i + 1}, column 'reused_from': {ref!r} is not a case id in this file; "
                            f"give one, or write '{EXTERNAL_PREFIX}<where it came from>'.")
        elif ref == ids[i]:
            problems.append(f"{where}row {i + 1}, column 'reused_from': a case cannot be reused from itself.")
    for i, (women, men) in enumerate(zip(parsed["team_women_pct"], parsed["team_men_pct"])):
        if women is not None and men is not None and women + men > 100 + 1e-9:
            problems.append(f"{where}row {i + 1}, columns 'team_women_pct' and 'team_men_pct': {women:g} + {men:g} "
                            f"= {women + men:g} %, over 100 %; correct the shares.")
    for i, (start, end) in enumerate(zip(parsed["start_date"], parsed["end_date"])):
        if start is not None and end is not None and end < start:
            problems.append(f"{where}row {i + 1}, column 'end_date': {end.isoformat()} is before the start date "
                            f"{start.isoformat()}.")
    for i, (first, second) in enumerate(zip(parsed["facet_primary"], parsed["facet_secondary"])):
        if first is not None and first == second:
            problems.append(f"{where}row {i + 1}, column 'facet_secondary': {second!r} is also the primary facet; "
                            f"choose another facet or leave it empty.")
    return problems


def _typed(parsed: dict[str, list]) -> pd.DataFrame:
    data = {}
    for f in FIELDS:
        values = parsed[f.name]
        if f.kind in _LIST_KINDS:
            data[f.name] = pd.Series(values, dtype=object)
        elif f.kind == "bool":
            data[f.name] = pd.array(values, dtype="boolean")
        elif f.kind == "int":
            data[f.name] = pd.array(values, dtype="Int64")
        elif f.kind == "number":
            data[f.name] = pd.array([np.nan if v is None else v for v in values], dtype="float64")
        elif f.kind == "date":
            data[f.name] = pd.to_datetime(pd.Series([pd.NaT if v is None else pd.Timestamp(v) for v in values],
                                                    dtype="datetime64[ns]"))
        else:
            data[f.name] = pd.array(values, dtype="string")
    frame = pd.DataFrame(data, columns=COLUMNS)
    frame.index = pd.RangeIndex(len(frame))
    return frame


# ------------------------------------------------------------------------------------------------
# summary, flat writing and the OPSI export


def platform_label(code: str, lang: str | None = None) -> str:
    """'Lund', 'Övriga kommuner' (for ``none``), 'Alla' (for ``all``)."""
    if code == "none":
        return label("cases_platform_none", lang)
    if code == "all":
        return label("cases_all", lang)
    mid = PLATFORMS.get(code)
    return geography.PLATFORM_MUNICIPALITIES.get(mid, code) if mid else code


def cases_summary(frame: pd.DataFrame, lang: str | None = None) -> str:
    """A few lines describing a validated register (for ``natsam validate cases FILE``), in ``lang``
    (Swedish by default).

    Examples
    --------
    >>> print(cases_summary(load_cases()))          # doctest: +SKIP
    60 fall från 14 kommuner (Demodata – syntetiska värden, inte officiell statistik) ...
    """
    lang = check_language(lang)
    prov = frame.attrs.get("provenance", {})
    kind = f" ({DEMO_NOTE[lang]})" if prov.get("synthetic") else ""
    source = prov.get("file") or prov.get("source", "")
    lines = [label("cases_summary_title", lang, n=len(frame), municipalities=frame["municipality_id"].nunique())
             + kind + (f": {source}" if source else "")]
    platforms = frame["platform"].value_counts()
    lines.append(label("cases_summary_platforms", lang) + ": " + ", ".join(
        f"{platform_label(p, lang)} {platforms.get(p, 0)}" for p in PLATFORMS if platforms.get(p, 0)))
    facets = frame["facet_primary"].value_counts()
    lines.append(label("cases_summary_facets", lang) + ": " + ", ".join(
        f"{label(f'cases_facet_{f}', lang)} {facets.get(f, 0)}" for f in FACETS))
    years = frame["year_launched"].dropna()
    if len(years):
        lines.append(label("cases_summary_years", lang, first=int(years.min()), last=int(years.max()),
                           opsi=int(frame["consent_opsi_export"].fillna(False).sum()),
                           reused=int(frame["reused_from"].notna().sum())))
    return "\n".join(lines)


def format_partners(partners: list[dict]) -> str:
    """Partners as OPSI's free text: ``name (type): contribution; ...``."""
    labels = OPSI_VALUE_LABELS["partner_types"]
    return OPSI_LIST_SEPARATOR.join(
        f"{p['name']} ({labels[p['type']]})" + (f": {p['contribution']}" if p.get("contribution") else "")
        for p in partners)


def _flat_value(f: Field, value: Any) -> str:
    """One typed value back as its flat-file text."""
    if f.kind in _LIST_KINDS:
        items = value if isinstance(value, list) else []
        if f.kind == "partners":
            return "; ".join("|".join([p["name"], p["type"]] + ([p["contribution"]] if p["contribution"] else []))
                             for p in items)
        if f.kind == "kpis":
            return "; ".join("|".join([k["kpi"], *("" if v is None or pd.isna(v) else _plain(v)
                                                    for v in (k["baseline"], k["target"], k["latest"])), k["gender"]])
                             for k in items)
        return "; ".join(items)
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if f.kind == "bool":
        return "ja" if value else "nej"
    if f.kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if f.kind == "number":
        return _plain(value)
    return str(value)


def _plain(value: float) -> str:
    """A number without exponent or trailing zeros: 2700000, 0.5."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def to_flat(frame: pd.DataFrame) -> pd.DataFrame:
    """The register as flat text cells (the file conventions above), every column of :data:`COLUMNS`."""
    return pd.DataFrame({f.name: [_flat_value(f, v) for v in frame[f.name]] for f in FIELDS}, columns=COLUMNS)


def write_cases_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write the register as a flat CSV file (UTF-8, comma-separated), atomically; returns the path."""
    text = to_flat(frame).to_csv(index=False, lineterminator="\n")
    path = Path(path)
    store.atomic_write_text(path, text)
    return path


def opsi_records(frame: pd.DataFrame, *, only_consented: bool = True) -> list[dict[str, Any]]:
    """The cases as OPSI case-library records (:data:`OPSI_FIELDS` names; lists as lists).

    Only public cases with ``consent_opsi_export`` are exported unless ``only_consented=False``;
    internal fields (``contact``) are never exported.
    """
    if only_consented:
        keep = frame["consent_opsi_export"].fillna(False).astype(bool) & (frame["publication_level"] == "public")
        frame = frame[keep.to_numpy()]
    records = []
    for _, row in frame.iterrows():
        record: dict[str, Any] = {}
        for opsi, field in OPSI_FIELDS.items():
            if field == "media_urls+files+pitch_video":
                video = row["pitch_video"]
                record[opsi] = [*row["media_urls"], *row["files"], *([] if pd.isna(video) else [str(video)])]
            elif field == "partners":
                record[opsi] = format_partners(row["partners"]) or None
            elif field in OPSI_VALUE_LABELS:
                record[opsi] = [OPSI_VALUE_LABELS[field][v] for v in row[field]]
            elif FIELD[field].kind in _LIST_KINDS:
                record[opsi] = list(row[field])
            else:
                value = row[field]
                record[opsi] = None if pd.isna(value) else (int(value) if FIELD[field].kind == "int" else str(value))
        records.append(record)
    return records


def export_opsi(frame: pd.DataFrame, path: str | Path, format: str = "csv", *,
                only_consented: bool = True) -> Path:
    """Write the cases in OECD OPSI case-library field names, atomically (an existing file is
    replaced only by a complete new one).

    Parameters
    ----------
    frame
        A validated register (:func:`read_cases`, :func:`load_cases`).
    path
        The file to write.
    format
        ``"csv"`` (lists joined with ``"; "``, UTF-8) or ``"json"`` (a list of records, lists as arrays).
    only_consented
        Export only public cases whose ``consent_opsi_export`` is yes (default).

    Examples
    --------
    >>> export_opsi(load_cases(), "opsi.csv")                 # doctest: +SKIP
    PosixPath('opsi.csv')
    """
    if format not in ("csv", "json"):
        raise NatsamError(f"Unknown export format {format!r}; use 'csv' or 'json'.")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise NatsamError(f"export_opsi needs a validated case register (read_cases/load_cases); missing columns: "
                          f"{', '.join(missing)}.")
    records = opsi_records(frame, only_consented=only_consented)
    if format == "json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        flat = pd.DataFrame([{k: OPSI_LIST_SEPARATOR.join(v) if isinstance(v, list) else ("" if v is None else v)
                              for k, v in r.items()} for r in records], columns=list(OPSI_FIELDS))
        text = flat.to_csv(index=False, lineterminator="\n")
    path = Path(path)
    store.atomic_write_text(path, text)
    return path


# ------------------------------------------------------------------------------------------------
# the demo

DEMO_SEED = 20251201
DEMO_CREATOR = "demo-generator (syntetiska data)"
#: The example file in the repository, written by :func:`write_example`.
EXAMPLE_PATH = config.PROJECT_ROOT / "data" / "examples" / "fall_exempel.csv"

#: Other municipalities in the demo (real ids): Uppsala, Malmö, Linköping, Örebro, Helsingborg,
#: Jönköping, Sundsvall, Gävle.
_OTHER_MUNICIPALITIES = ("0380", "1280", "0580", "1880", "1283", "0680", "2281", "2180")
_DEMO_NAMES = {"0180": "Stockholm", "1480": "Göteborg", "1281": "Lund", "1490": "Borås", "2480": "Umeå",
               "2584": "Kiruna", "0380": "Uppsala", "1280": "Malmö", "0580": "Linköping", "1880": "Örebro",
               "1283": "Helsingborg", "0680": "Jönköping", "2281": "Sundsvall", "2180": "Gävle"}
_THEMES = (
    ("Digital hemtjänstplanering", "social_protection", "11.7", 11),
    ("Trygghetsvandringar med unga", "public_order_safety", "16.1", 16),
    ("Klimatneutral skolmat", "education", "13.2", 13),
    ("Samskapad vårdcentral", "health", "3.8", 3),
    ("Fossilfri kollektivtrafik på landsbygden", "transport_infrastructure", "11.2", 11),
    ("Jämställd snöröjning", "transport_infrastructure", "5.1", 5),
    ("Språkcafé för nyanlända", "education", "4.6", 4),
    ("Energidelning i bostadsområden", "energy", "7.2", 13),
    ("Ekonomisk rådgivning i förorten", "social_protection", "1.2", 1),
    ("AI-stöd för bygglov", "digital_government", "16.6", 16),
    ("Medborgarbudget", "general_public_services", "16.7", 16),
    ("Framtidsverkstad klimatanpassning", "environment", "13.1", 13),
    ("Tidiga insatser mot skolfrånvaro", "education", "4.1", 4),
    ("Mötesplatser för äldre", "health", "3.4", 3),
    ("Arbetsmarknadsspår för kvinnor", "employment", "5.5", 5),
    ("Cirkulärt möbellager", "environment", "12.5", 11),
    ("Gröna gårdar", "housing_community", "11.7", 11),
    ("Digital fritidsbank", "recreation_culture", "10.2", 1),
    ("Hållbar gruvstadsomvandling", "housing_community", "11.3", 11),
    ("Testbädd för välfärdsteknik", "health", "3.d", 3),
)
_PARTNERS = (
    ("Lunds universitet", "academia"), ("Chalmers", "academia"), ("Umeå universitet", "academia"),
    ("RISE", "academia"), ("Region Skåne", "public"), ("Västra Götalandsregionen", "public"),
    ("Hyresgästföreningen", "civil_society"), ("Studiefrämjandet", "civil_society"), ("LKAB", "business"),
    ("Lokalt energibolag", "business"), ("Medborgarpanel", "residents"), ("Boenderåd", "residents"),
)
_CONTRIBUTIONS = ("utvärdering", "medfinansiering", "testmiljö", "data", "brukarperspektiv", "")
_NATSAM_EXTRA = ("1.4", "3.8", "4.7", "5.5", "11.6", "13.2", "16.7", "10.2", "8.5", "17.17")


def demo_cases(n: int = 60, seed: int = DEMO_SEED) -> pd.DataFrame:
    """A deterministic synthetic case register of ``n`` cases (about three in four from the platforms).

    **Synthetic**: the cases are invented, not real projects; ``attrs["provenance"]`` says so and
    every ``created_by`` reads :data:`DEMO_CREATOR`. Facets, stages, sectors, SDG targets, partners,
    gender fields, some reuse links between municipalities and some barrier ids (``SH-2025-001``
    style) are plausible, not observed.

    Examples
    --------
    >>> demo_cases(5)["case_id"].tolist()
    ['FALL-2025-001', 'FALL-2025-002', 'FALL-2025-003', 'FALL-2025-004', 'FALL-2025-005']
    """
    rng = np.random.default_rng(seed)
    platform_codes = [c for c in PLATFORMS if c != "none"]
    rows = []
    for i in range(n):
        case_id = f"FALL-2025-{i + 1:03d}"
        if i < 6 or rng.random() < 0.75:
            platform = platform_codes[i % 6] if i < 6 else str(rng.choice(platform_codes))
            municipality = PLATFORMS[platform]
        else:
            platform, municipality = "none", str(rng.choice(_OTHER_MUNICIPALITIES))
        theme, sector, target, goal = _THEMES[int(rng.integers(len(_THEMES)))]
        year = int(rng.integers(2018, 2026))
        start = date(year, int(rng.integers(1, 13)), 1)
        # the stages reached: a prefix of the lifecycle, longer for older cases
        reached = int(min(6, max(1, rng.poisson(1.2 + 0.5 * (2025 - year)))))
        stages = list(LIFECYCLE_STAGES[:reached])
        if reached >= 5 and rng.random() < 0.3:
            stages.remove("evaluation")  # some skip evaluation
        facet_weights = {"stockholm": [.35, .35, .15, .15], "goteborg": [.3, .3, .25, .15], "lund": [.25, .2, .3, .25],
                         "boras": [.45, .2, .25, .1], "umea": [.3, .25, .25, .2], "kiruna": [.2, .4, .15, .25],
                         "none": [.5, .2, .2, .1]}[platform]
        primary = str(rng.choice(FACETS, p=facet_weights))
        secondary = str(rng.choice([f for f in FACETS if f != primary])) if rng.random() < 0.6 else ""
        targets = [target] + [str(t) for t in rng.choice(_NATSAM_EXTRA, size=int(rng.integers(0, 3)), replace=False)
                              if t != target]
        partners = [_PARTNERS[j] for j in rng.choice(len(_PARTNERS), size=int(rng.integers(1, 4)), replace=False)]
        partner_cells = [{"name": name, "type": kind, "contribution": str(rng.choice(_CONTRIBUTIONS))}
                         for name, kind in partners]
        women = float(rng.integers(2, 9) * 10)
        men = float(100 - women - rng.choice([0, 0, 0, 10]))
        gender_analysis = bool(rng.random() < 0.55)
        sdg_goal = goal
        kpis = []
        if rng.random() < 0.4:
            base = float(rng.integers(40, 80))
            kpis.append({"kpi": str(rng.choice(["N00945", "N07403", "N15033", "U00437", "N31807"])),
                         "baseline": base, "target": base + 10, "latest": base + float(rng.integers(-3, 9)),
                         "gender": str(rng.choice(KPI_GENDERS))})
        consent = bool(rng.random() < 0.7)
        rows.append({
            "case_id": case_id,
            "title": f"{theme} ({i + 1})",
            "website": f"https://example.org/fall/{case_id.lower()}",
            "year_launched": year,
            "start_date": pd.Timestamp(start),
            "end_date": pd.Timestamp(date(year + int(rng.integers(1, 4)), 12, 31)) if rng.random() < 0.5 else pd.NaT,
            "organisation": f"{_DEMO_NAMES[municipality].rstrip('s')}s kommun (syntetiskt fall)",
            "municipality_id": municipality,
            "platform": platform,
            "organisation_type": "government",
            "level_of_government": "local",
            "contact": f"kontakt-{i + 1}@example.org",
            "short_explanation": f"Syntetiskt demofall: {theme.lower()} prövas i en kommun.",
            "overview": f"Demodata. {theme} – ett påhittat fall som visar registrets fält.",
            "what_is_innovative": "Nytt arbetssätt tillsammans med brukare (syntetiskt exempel).",
            "sectors": [s for s in SECTORS if s in {sector, str(rng.choice(SECTORS))}][:2],
            "tags": ["demo", theme.split()[0].lower()],
            "innovation_type": [t for t in INNOVATION_TYPES if t in set(rng.choice(INNOVATION_TYPES, size=int(rng.integers(1, 3)), replace=False))],
            "novelty": str(rng.choice(NOVELTY, p=[.6, .3, .1])),
            "vinnova_role": str(rng.choice(VINNOVA_ROLES)),
            "lifecycle_stages": stages,
            "status_text": f"I fas: {stages[-1].replace('_', ' ')}.",
            "facet_primary": primary,
            "facet_secondary": secondary or None,
            "created_to": CREATED_TO[FACETS.index(primary)] if rng.random() < 0.8 else str(rng.choice(CREATED_TO)),
            "pushed_by": PUSHED_BY[FACETS.index(primary)] if rng.random() < 0.7 else str(rng.choice(PUSHED_BY)),
            "priority": str(rng.choice(PRIORITIES, p=[.3, .5, .2])),
            "facet_rationale": f"Frågan som startade fallet passar {primary} (syntetisk motivering).",
            "partners": partner_cells,
            "users_beneficiaries": "Invånare och medarbetare (syntetiskt).",
            "results_text": "Syntetiska resultat: bättre service och lägre kostnad." if reached >= 4 else None,
            "outcome_kpis": kpis,
            "evaluation": str(rng.choice(EVALUATIONS, p=[.4, .4, .2])) if reached >= 4 else "none",
            "evaluation_method": "Före- och eftermätning (syntetisk)" if reached >= 5 else None,
            "effects": [e for e in EFFECTS if rng.random() < 0.3],
            "challenges_failures": "Samordning mellan förvaltningar tog tid.",
            "conditions_for_success": "Förankring hos ledningen och tid för medarbetare.",
            "replication": "Kan spridas till kommuner av liknande storlek.",
            "lessons": "Involvera brukarna tidigt.",
            "diffused_actively": bool("diffusing_lessons" in stages),
            "reused_from": None,
            "sdg_targets": targets,
            "primary_sdg": sdg_goal,
            "team_women_pct": women,
            "team_men_pct": men,
            "leader_gender": str(rng.choice(LEADER_GENDERS, p=[.5, .35, .1, .05])),
            "budget_share_women_pct": float(rng.integers(30, 71)) if rng.random() < 0.3 else np.nan,
            "gender_analysis_done": gender_analysis,
            "gender_analysis_method": str(rng.choice(GENDER_ANALYSIS_METHODS, p=[.5, .3, .2])) if gender_analysis else None,
            "gender_effects_text": "Jämställdhetseffekter följs upp (syntetiskt)." if gender_analysis else None,
            "norm_critical_review": bool(rng.random() < (0.6 if gender_analysis else 0.15)),
            "barrier_ids": [f"SH-2025-{int(b):03d}" for b in sorted(rng.choice(np.arange(1, 31), size=int(rng.integers(1, 3)), replace=False))]
            if rng.random() < 0.45 else [],
            "funding_sources": [s for s in FUNDING_SOURCES if rng.random() < (0.5 if s != "other" else 0.1)] or ["municipal_budget"],
            "vinnova_dnr": f"2024-0{int(rng.integers(1000, 9999))}" if rng.random() < 0.4 else None,
            "budget_sek": float(rng.integers(2, 80) * 50_000),
            "fte": float(rng.integers(1, 12)) / 2,
            "media_urls": [f"https://example.org/media/{case_id.lower()}.jpg"] if rng.random() < 0.3 else [],
            "files": [],
            "pitch_video": None,
            "publication_level": str(rng.choice(PUBLICATION_LEVELS, p=[.7, .2, .1])),
            "consent_opsi_export": consent,
            "created_by": DEMO_CREATOR,
            "created_at": pd.Timestamp(start),
            "updated_at": pd.Timestamp(date(2025, 11, 1)),
            "version": int(rng.integers(1, 5)),
        })
    # reuse: some later cases reuse an earlier case from another municipality, a few an external one
    for i in range(10, n):
        if rng.random() < 0.2:
            j = int(rng.integers(0, i))
            if rows[j]["municipality_id"] != rows[i]["municipality_id"]:
                rows[i]["reused_from"] = rows[j]["case_id"]
                rows[i]["title"] = f"{rows[j]['title'].rsplit(' (', 1)[0]} ({i + 1})"
        elif rng.random() < 0.04:
            rows[i]["reused_from"] = "external:Danska kommuners modell (syntetiskt)"
    frame = _typed({f.name: [_none(r[f.name]) for r in rows] for f in FIELDS})
    frame.attrs["provenance"] = {"source": "demo", "synthetic": True, "seed": seed, "rows": len(frame),
                                 "note": DEMO_NOTE["sv"]}
    return frame


def _none(value: Any) -> Any:
    if isinstance(value, list | dict):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT else value


def load_cases(path: str | Path | None = None) -> pd.DataFrame:
    """The case register: the file ``path`` (:func:`read_cases`), else the synthetic demo in memory.

    Examples
    --------
    >>> load_cases().attrs["provenance"]["synthetic"]
    True
    """
    return demo_cases() if path is None else read_cases(path)


def write_example(path: str | Path = EXAMPLE_PATH) -> Path:
    """Write the example file ``data/examples/fall_exempel.csv``: the synthetic demo as a flat CSV.

    Run ``python -m natsam_analysis.sources.cases`` to regenerate it; a test checks that the
    committed file is what this writes.
    """
    return write_cases_csv(demo_cases(), path)


if __name__ == "__main__":  # pragma: no cover - regenerates the committed example
    print(write_example())
