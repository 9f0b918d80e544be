"""The capability survey "Kommunal innovationsförmåga": its codebook, reading exports, and the demo.

* :func:`load_instrument` reads and validates the codebook ``data/instruments/kommunal_innovationsformaga.yaml``
  (constructs C1-C12, items with Swedish and English text and reverse coding, the 1-5 scale, the separate
  "Vet ej / Ej relevant" code, the background variables).
* :func:`read_survey` reads an export (CSV or XLSX), checks every cell and reports every problem at once
  (:class:`~natsam_analysis.errors.ValidationError`, with data row and column), and returns one row per
  respondent. :func:`survey_summary` describes a read survey in a few lines.
* :func:`demo_survey` makes a deterministic **synthetic** survey (about 1,500 respondents in the six
  platform municipalities, two waves); :func:`load_survey` reads a given file or returns that demo.
  :func:`write_example_exports` writes ``data/examples/enkat_exempel.csv`` and ``.xlsx`` from it.

Format of an export
-------------------
One row per respondent; a header row; columns named by item code (``C1_1`` ... ``C12_4``) or background
variable (``respondent_id``, ``wave``, ``municipality_id``, ``unit``, ``sector``, ``role``, ``gender``,
``years_in_organisation``, ``platform_involvement``, or a Swedish alias listed in the codebook, e.g.
``kommun_id``, ``våg``, ``roll``, ``kön``). Column names are matched without regard to case, surrounding
space or space/underscore. Required: ``respondent_id``, ``wave``, ``municipality_id``, ``role``, ``gender``
and every item of the chosen form (``form="full"``: all 54 items; ``form="short"``: the short form's).

* **Answers**: a number 1-5, the scale label in Swedish ("Stämmer inte alls" ... "Stämmer helt") or
  English, or **"Vet ej / Ej relevant"**, given as the code ``9`` or its label ("Vet ej", "Ej relevant",
  "Don't know" are accepted too). An empty cell is "not answered". In the returned frame an item is an
  ``Int64`` column with 1-5, ``9`` (:data:`DONT_KNOW`) or ``<NA>``; scores treat 9 as not answered.
* **Wave**: an ISO date (``2025-03-01``, the start of fieldwork) or a label ``YYYY-H1`` / ``YYYY-H2``
  (half-year, e.g. ``2025-H1``) or ``våg N`` / ``wave N``. Kept as text, normalised (``2025-h1`` ->
  ``2025-H1``, ``Våg 1`` -> ``våg 1``, an Excel date cell -> ``YYYY-MM-DD``); anything else is an error.
* **Respondent ids** must be unique within a wave (the same id in two waves is allowed: a panel design).
* **Municipality**: a Kolada id of one of the 290 municipalities; Excel's lost leading zero is restored
  (``180`` -> ``0180``). Role and gender use the codebook's categories (Swedish or English), blank allowed.

The returned frame holds individual answers: it is the input of :mod:`natsam_analysis.metrics.survey`,
whose public functions only ever return statistics of groups of at least five respondents. Notebooks
and dashboards show survey results only through those functions.

Examples
--------
>>> frame = demo_survey(n=300)
>>> frame.attrs["provenance"]["synthetic"], frame["municipality_id"].nunique()
(True, 6)
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from natsam_analysis import config, store
from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.geography import PLATFORM_MUNICIPALITIES, municipalities
from natsam_analysis.i18n import demo_note, label

INSTRUMENT_FILE = config.PROJECT_ROOT / "data" / "instruments" / "kommunal_innovationsformaga.yaml"
EXAMPLES_DIR = config.PROJECT_ROOT / "data" / "examples"
EXAMPLE_FILES = ("enkat_exempel.csv", "enkat_exempel.xlsx")
#: The code of "Vet ej / Ej relevant" in exports and in the read frame (kept apart from the 1-5 scale).
DONT_KNOW = 9
SCALE = (1, 2, 3, 4, 5)
BACKGROUND = ("respondent_id", "wave", "municipality_id", "unit", "sector", "role", "gender",
              "years_in_organisation", "platform_involvement")
WAVE_PATTERNS = (r"^\d{4}-\d{2}-\d{2}$", r"^\d{4}-H[12]$", r"^(våg|wave) \d+$")
FORMS = ("full", "short")
DEMO_SEED = 20250301
DEMO_N = 1500
DEMO_WAVES = ("2025-H1", "2026-H1")
EXAMPLE_SEED = 7
#: Respondent ids of synthetic respondents (the demo and the example exports) start with this; a file
#: whose every id does is read as demo data (provenance ``synthetic: True``), so the demo note follows it.
DEMO_ID_PREFIX = "DEMO-"
EXAMPLE_N = 300
_YES = {"ja", "yes", "1", "true", "j", "y"}
_NO = {"nej", "no", "0", "false", "n"}
_BUILTIN_MAX_YEARS = 70


# ---------------------------------------------------------------------------------------------- codebook
class Instrument:
    """The validated codebook (see :func:`load_instrument`).

    Attributes
    ----------
    id, version, name
        The instrument's id, version and ``{"sv", "en"}`` name.
    constructs
        List of dicts: ``id``, ``name`` (sv/en), ``grounding``, ``profile`` (True for C12: not summed),
        ``items`` (item codes).
    items
        Item code -> dict with ``construct``, ``sv``, ``en``, ``reverse``, ``short_form``.
    scale_labels
        1-5 -> ``{"sv", "en"}``; ``dont_know`` the code (9) and its labels.
    background
        The background variables as in the codebook (id, name, type, required, aliases, categories).
    """

    def __init__(self, raw: dict[str, Any], path: Path):
        self.path = path
        self.raw = raw
        self.id = raw["id"]
        self.version = str(raw["version"])
        self.name = raw["name"]
        self.scale_labels = {int(k): v for k, v in raw["scale"]["labels"].items()}
        self.dont_know = raw["dont_know"]
        self.min_answered_share = float(raw["scoring"]["min_answered_share"])
        self.background = raw["background"]
        self.constructs = []
        self.items: dict[str, dict[str, Any]] = {}
        for c in raw["constructs"]:
            codes = [item["code"] for item in c["items"]]
            self.constructs.append({"id": c["id"], "name": c["name"], "grounding": c.get("grounding", ""),
                                    "profile": bool(c.get("profile", False)), "items": codes})
            for item in c["items"]:
                self.items[item["code"]] = {"construct": c["id"], "sv": item["sv"], "en": item["en"],
                                            "reverse": bool(item["reverse"]),
                                            "short_form": bool(item.get("short_form", False))}

    def item_codes(self, form: str = "full") -> list[str]:
        """The item codes of the full or the short form, in codebook order."""
        if form not in FORMS:
            raise NatsamError(f"form={form!r} is not one of {', '.join(FORMS)}.")
        return [code for code, item in self.items.items() if form == "full" or item["short_form"]]

    def summed_constructs(self) -> list[str]:
        """The constructs that get a score (C1-C11; C12 is a profile)."""
        return [c["id"] for c in self.constructs if not c["profile"]]

    def as_attrs(self) -> dict[str, Any]:
        """What the metrics need, as plain data (travels in ``frame.attrs["instrument"]``)."""
        return {
            "id": self.id, "version": self.version,
            "constructs": {c["id"]: list(c["items"]) for c in self.constructs},
            "profile": [c["id"] for c in self.constructs if c["profile"]],
            "names": {c["id"]: dict(c["name"]) for c in self.constructs},
            "items": {code: {"sv": i["sv"], "en": i["en"]} for code, i in self.items.items()},
            "reverse": [code for code, item in self.items.items() if item["reverse"]],
            "dont_know": DONT_KNOW, "scale": [min(SCALE), max(SCALE)],
            "min_answered_share": self.min_answered_share,
        }


def _problems_of_codebook(raw: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(raw, dict):
        return ["the file does not hold a mapping (id, scale, constructs, ...)"]
    for key in ("id", "version", "name", "scale", "dont_know", "scoring", "background", "constructs"):
        if key not in raw:
            problems.append(f"key '{key}' is missing")
    if problems:
        return problems
    labels = raw["scale"].get("labels", {}) if isinstance(raw["scale"], dict) else {}
    if sorted(map(int, labels)) != list(SCALE):
        problems.append(f"scale.labels must give labels for 1-5, got {sorted(labels)}")
    for value, text in labels.items():
        if not (isinstance(text, dict) and text.get("sv") and text.get("en")):
            problems.append(f"scale.labels.{value}: needs both 'sv' and 'en'")
    dk = raw["dont_know"]
    if not isinstance(dk, dict) or dk.get("value") != DONT_KNOW or not (dk.get("label") or {}).get("sv"):
        problems.append(f"dont_know must have value {DONT_KNOW} (outside the 1-5 scale) and a Swedish label")
    share = (raw["scoring"] or {}).get("min_answered_share")
    if not isinstance(share, (int, float)) or not 0 < share <= 1:
        problems.append(f"scoring.min_answered_share must be a share in (0, 1], got {share!r}")
    ids = [b.get("id") for b in raw["background"] if isinstance(b, dict)]
    for needed in BACKGROUND:
        if needed not in ids:
            problems.append(f"background: variable '{needed}' is missing")
    for b in raw["background"]:
        if isinstance(b, dict) and b.get("type") == "category" and not b.get("categories"):
            problems.append(f"background '{b.get('id')}': a category variable needs categories")
    seen: set[str] = set()
    for c in raw["constructs"]:
        cid = c.get("id", "?") if isinstance(c, dict) else "?"
        if not isinstance(c, dict) or not re.fullmatch(r"C\d+", str(cid)):
            problems.append(f"construct {cid!r}: id must look like C1, C2, ...")
            continue
        name = c.get("name") or {}
        if not (isinstance(name, dict) and name.get("sv") and name.get("en")):
            problems.append(f"construct {cid}: name needs 'sv' and 'en'")
        if not c.get("items"):
            problems.append(f"construct {cid}: no items")
        for item in c.get("items") or []:
            code = item.get("code") if isinstance(item, dict) else None
            if not isinstance(code, str) or not re.fullmatch(rf"{cid}_\d+", code):
                problems.append(f"construct {cid}: item code {code!r} must be {cid}_<number>")
                continue
            if code in seen:
                problems.append(f"item {code}: the code is used twice")
            seen.add(code)
            if not isinstance(item.get("reverse"), bool):
                problems.append(f"item {code}: 'reverse' must be true or false")
            if not (item.get("sv") and item.get("en")):
                problems.append(f"item {code}: needs the text in 'sv' and 'en'")
    return problems


def load_instrument(path: Path | str | None = None) -> Instrument:
    """Read and validate the survey codebook (default ``data/instruments/kommunal_innovationsformaga.yaml``).

    Raises :class:`~natsam_analysis.errors.ValidationError` listing every problem of the file.

    Examples
    --------
    >>> inst = load_instrument()
    >>> len(inst.item_codes()), inst.items["C1_5"]["reverse"], inst.summed_constructs()[-1]
    (54, True, 'C11')
    """
    path = Path(path) if path is not None else INSTRUMENT_FILE
    if not path.is_file():
        raise NatsamError(f"Survey codebook {path} not found.")
    return _load_instrument(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_instrument(path: Path, _mtime: int) -> Instrument:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NatsamError(f"Survey codebook {path} is not valid YAML: {exc}") from None
    problems = _problems_of_codebook(raw)
    if problems:
        raise ValidationError(f"survey codebook {path}", problems, hint="Correct the codebook and load it again.")
    return Instrument(raw, path)


# ---------------------------------------------------------------------------------------------- reading
def _norm(text: Any) -> str:
    """Case-, space- and underscore-insensitive form of a header or a label."""
    text = unicodedata.normalize("NFC", str(text)).strip().casefold()
    text = re.sub(r"[\s_]+", " ", text)
    return text.replace("’", "'")


def _column_map(instrument: Instrument) -> dict[str, str]:
    names: dict[str, str] = {}
    for code in instrument.items:
        names[_norm(code)] = code
    for b in instrument.background:
        names[_norm(b["id"])] = b["id"]
        for alias in b.get("aliases", []):
            names.setdefault(_norm(alias), b["id"])
    return names


def _answer_map(instrument: Instrument) -> dict[str, int]:
    answers: dict[str, int] = {}
    for value, text in instrument.scale_labels.items():
        answers[_norm(value)] = value
        answers[_norm(text["sv"])] = value
        answers[_norm(text["en"])] = value
    dk = instrument.dont_know
    answers[_norm(DONT_KNOW)] = DONT_KNOW
    for text in [dk["label"].get("sv"), dk["label"].get("en"), *dk.get("aliases", [])]:
        if text:
            answers[_norm(text)] = DONT_KNOW
            answers[_norm(text.replace(" / ", "/"))] = DONT_KNOW
    return answers


def _category_map(variable: dict[str, Any]) -> dict[str, str]:
    found = {}
    for cat in variable.get("categories", []):
        for text in [cat["code"], cat.get("sv"), cat.get("en"), *cat.get("aliases", [])]:
            if text:
                found[_norm(text)] = cat["code"]
    return found


def _read_raw(path: Path) -> pd.DataFrame:
    """Every cell as text ("" for empty), whatever the file format; a NatsamError when unreadable."""
    if not path.is_file():
        raise NatsamError(f"Survey file {path} not found; give the path to a CSV or XLSX export.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        elif suffix in (".csv", ".txt"):
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="strict")
            first = text.split("\n", 1)[0]
            sep = ";" if first.count(";") > first.count(",") else ","
            import io

            raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
        else:
            raise NatsamError(f"Survey file {path}: unknown file type '{suffix}'; give a .csv or .xlsx export.")
    except NatsamError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is a file that cannot be read
        kind = "Excel (.xlsx)" if suffix in (".xlsx", ".xlsm") else "CSV"
        raise NatsamError(f"Survey file {path} could not be read as {kind}: {type(exc).__name__}: {exc}. "
                          "Export the survey again as CSV (UTF-8) or XLSX.") from None
    if raw.shape[1] == 0:
        raise NatsamError(f"Survey file {path} has no columns; the first row must name the columns.")
    return raw


def _wave(value: str) -> str | None:
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00:00)?", text):
        text = text[:10]
        try:
            datetime.strptime(text, "%Y-%m-%d")
        except ValueError:
            return None
        return text
    if re.fullmatch(r"\d{4}-[hH][12]", text):
        return text.upper()
    lowered = re.sub(r"\s+", " ", text.casefold())
    if re.fullmatch(r"(våg|wave) \d+", lowered):
        return lowered
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ".").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_survey(path: Path | str, *, form: str = "full", instrument: Instrument | None = None) -> pd.DataFrame:
    """Read and validate a survey export (CSV or XLSX; format in the module doc).

    Parameters
    ----------
    path
        The export. CSV: UTF-8 (or Windows-1252), comma- or semicolon-separated. XLSX: the first sheet.
    form
        ``"full"`` (every item column required) or ``"short"`` (the short form's items required; the
        other items, when absent, are empty columns).
    instrument
        The codebook (default :func:`load_instrument`).

    Returns
    -------
    pandas.DataFrame
        One row per respondent: the background columns (:data:`BACKGROUND`; ``years_in_organisation``
        Float64, ``platform_involvement`` boolean, the others text/<NA>) then one ``Int64`` column per
        item (1-5, 9 = "Vet ej / Ej relevant", <NA> = not answered). ``attrs["provenance"]``: source
        "survey", file, sha256, read time, ``synthetic: False`` (source "demo" and ``synthetic: True``
        when every respondent id starts with :data:`DEMO_ID_PREFIX`, as in the example exports); ``attrs["instrument"]``: the codebook's
        constructs, reverse items and scoring settings (used by :mod:`natsam_analysis.metrics.survey`).

    Raises
    ------
    ValidationError
        Every problem at once: unknown, duplicated or missing columns; answers off the scale; blank or
        duplicated respondent ids; unknown municipality ids; waves that are neither a date nor a label;
        unknown role or gender; bad years or yes/no values. Rows are 1-based data rows (the header not
        counted).
    NatsamError
        A missing file or one that cannot be read as CSV/XLSX.

    Examples
    --------
    >>> frame = read_survey(EXAMPLES_DIR / "enkat_exempel.csv")     # doctest: +SKIP
    >>> frame.loc[0, "C1_1"]                                       # doctest: +SKIP
    4
    """
    path = Path(path)
    instrument = instrument or load_instrument()
    items_needed = instrument.item_codes(form)
    raw = _read_raw(path)
    name = path.name
    problems: list[str] = []
    columns = _column_map(instrument)
    found: dict[str, str] = {}  # canonical -> header in the file
    for position, header in enumerate(raw.columns, start=1):
        key = columns.get(_norm(header))
        if key is None:
            problems.append(f"{name}, column {position} '{header}': unknown column; rename it to an item code "
                            f"(C1_1 ... C12_4) or a background variable ({', '.join(BACKGROUND)}), or remove it")
        elif key in found:
            problems.append(f"{name}, column {position} '{header}': a second column for '{key}' "
                            f"(already '{found[key]}'); keep one")
        else:
            found[key] = header
    required = [b["id"] for b in instrument.background if b.get("required")] + items_needed
    for key in required:
        if key not in found:
            problems.append(f"{name}, column '{key}': missing; the export needs a column '{key}'")
    cells = {key: raw[header].astype(str).map(lambda v: v.strip()) for key, header in found.items()
             if isinstance(raw[header], pd.Series)}
    n = len(raw)
    out: dict[str, Any] = {}

    def bad(row: int, column: str, value: str, why: str) -> None:
        problems.append(f"{name}, data row {row + 1}, column '{found.get(column, column)}': value {value!r} {why}")

    # items
    answers = _answer_map(instrument)
    for code in instrument.item_codes("full"):
        values = np.full(n, -1, dtype=np.int64)
        if code in cells:
            for row, text in enumerate(cells[code]):
                if text == "":
                    continue
                value = answers.get(_norm(text))
                if value is None:
                    number = _number(text)
                    if number is not None and number.is_integer() and (int(number) in SCALE or int(number) == DONT_KNOW):
                        value = int(number)
                if value is None:
                    bad(row, code, text, "is not an answer: use 1-5, a scale label (e.g. 'Stämmer helt') or "
                                         f"{DONT_KNOW} / 'Vet ej / Ej relevant'; leave the cell empty if not answered")
                else:
                    values[row] = value
        out[code] = pd.array(np.where(values < 0, None, values).tolist(), dtype="Int64")
    # background
    known = set(municipalities()["municipality_id"])
    ids = cells.get("respondent_id", pd.Series([""] * n))
    waves = cells.get("wave", pd.Series([""] * n))
    wave_values: list[Any] = []
    for row, text in enumerate(waves):
        value = _wave(text) if text else None
        if value is None and "wave" in cells:
            bad(row, "wave", text, "is not a wave: give a date (YYYY-MM-DD) or a label such as '2025-H1' or 'våg 1'")
        wave_values.append(value)
    out["wave"] = pd.array(wave_values, dtype="string")
    id_values = []
    for row, text in enumerate(ids):
        if text == "" and "respondent_id" in cells:
            bad(row, "respondent_id", text, "is empty; every respondent needs an id")
        id_values.append(text or None)
    out["respondent_id"] = pd.array(id_values, dtype="string")
    if "respondent_id" in cells:
        first_seen: dict[tuple[Any, str], int] = {}
        for row, (rid, wave) in enumerate(zip(id_values, wave_values)):
            if rid is None:
                continue
            if (wave, rid) in first_seen:
                bad(row, "respondent_id", rid, f"is a duplicate respondent id (also data row {first_seen[(wave, rid)] + 1}"
                                              f"{'' if wave is None else f', wave {wave}'}); ids must be unique within a wave")
            else:
                first_seen[(wave, rid)] = row
    mids = []
    for row, text in enumerate(cells.get("municipality_id", pd.Series([""] * n))):
        mid = text.zfill(4) if re.fullmatch(r"[0-9]{1,4}", text) else text
        if "municipality_id" in cells and mid not in known:
            bad(row, "municipality_id", text, "is not a municipality's Kolada id (4 digits, e.g. '0180' for Stockholm)")
        mids.append(mid or None)
    out["municipality_id"] = pd.array(mids, dtype="string")
    variables = {b["id"]: b for b in instrument.background}
    for key in ("role", "gender"):
        mapping = _category_map(variables[key])
        values = []
        for row, text in enumerate(cells.get(key, pd.Series([""] * n))):
            code = mapping.get(_norm(text)) if text else None
            if text and code is None:
                codes = ", ".join(repr(c["code"]) for c in variables[key]["categories"])
                bad(row, key, text, f"is not a known {key}: use one of {codes} (or leave empty)")
            values.append(code)
        out[key] = pd.array(values, dtype="string")
    for key in ("unit", "sector"):
        out[key] = pd.array([t or None for t in cells.get(key, pd.Series([""] * n))], dtype="string")
    years = []
    for row, text in enumerate(cells.get("years_in_organisation", pd.Series([""] * n))):
        number = _number(text) if text else None
        if text and (number is None or not 0 <= number <= _BUILTIN_MAX_YEARS):
            bad(row, "years_in_organisation", text, f"is not a number of years (0-{_BUILTIN_MAX_YEARS})")
            number = None
        years.append(number)
    out["years_in_organisation"] = pd.array(years, dtype="Float64")
    flags = []
    for row, text in enumerate(cells.get("platform_involvement", pd.Series([""] * n))):
        low = _norm(text)
        flag = True if low in _YES else False if low in _NO else None
        if text and flag is None:
            bad(row, "platform_involvement", text, "is not yes/no: use 'ja' or 'nej' (or leave empty)")
        flags.append(flag)
    out["platform_involvement"] = pd.array(flags, dtype="boolean")
    if problems:
        raise ValidationError(f"survey export {path}", problems,
                              hint="Rows are data rows counted from 1 below the header. Correct the export "
                                   "and read it again; nothing has been written.")
    frame = pd.DataFrame({key: out[key] for key in (*BACKGROUND, *instrument.item_codes("full"))})
    synthetic = bool(len(frame)) and bool(frame["respondent_id"].str.startswith(DEMO_ID_PREFIX).all())
    frame.attrs["provenance"] = {
        "source": "demo" if synthetic else "survey", "synthetic": synthetic, "file": name, "path": str(path.resolve()),
        "sha256": store.sha256_file(path), "read_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "instrument": instrument.id, "instrument_version": instrument.version, "form": form,
    }
    frame.attrs["instrument"] = instrument.as_attrs()
    return frame


def survey_source_line(provenance: dict[str, Any], lang: str | None = None) -> str:
    """The visible source line of figures and tables built on a survey: the demo note for the demo,
    else "Källa: enkäten Kommunal innovationsförmåga (<file>)"."""
    if provenance.get("synthetic") or provenance.get("source") == "demo":
        return demo_note(lang)
    return label("survey_source", lang, file=provenance.get("file", "?"))


def survey_summary(frame: pd.DataFrame, lang: str | None = None) -> str:
    """A few lines describing a read survey: respondents, municipalities, waves, share of items answered.

    Only counts for the whole file (no group statistics), for ``natsam validate survey FILE``.

    Examples
    --------
    >>> print(survey_summary(demo_survey(n=300)).splitlines()[1])
    Svarande: 300
    """
    prov = frame.attrs.get("provenance", {})
    inst = frame.attrs.get("instrument") or load_instrument().as_attrs()
    codes = [c for items in inst["constructs"].values() for c in items if c in frame.columns]
    answers = frame[codes].to_numpy(dtype="float64", na_value=np.nan) if codes else np.empty((0, 0))
    cells = answers.size or 1
    answered = np.isin(answers, SCALE).sum() / cells
    dont_know = (answers == DONT_KNOW).sum() / cells
    waves = sorted(frame["wave"].dropna().unique())
    mids = sorted(frame["municipality_id"].dropna().unique())
    names = municipalities().set_index("municipality_id")["name"]
    lines = [
        label("survey_summary_title", lang, source=survey_source_line(prov, lang)),
        label("survey_summary_respondents", lang, n=len(frame)),
        label("survey_summary_municipalities", lang, n=len(mids),
              names=", ".join(f"{names.get(m, m)} ({m})" for m in mids)),
        label("survey_summary_waves", lang, n=len(waves), waves=", ".join(waves)),
        label("survey_summary_answered", lang, answered=f"{answered:.0%}", dont_know=f"{dont_know:.0%}",
              blank=f"{max(0.0, 1 - answered - dont_know):.0%}"),
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- demo
#: Respondents per platform municipality in the demo (before scaling to ``n``).
_DEMO_SIZES = {"0180": 360, "1480": 330, "1281": 250, "2480": 230, "1490": 200, "2584": 130}
_ROLES = ("medarbetare", "första linjens chef", "högre chef", "politiker")
_GENDERS = ("kvinna", "man", "annan", "vill ej ange")


def demo_survey(seed: int = DEMO_SEED, n: int = DEMO_N) -> pd.DataFrame:
    """A deterministic **synthetic** survey of about ``n`` respondents in the six platform municipalities,
    two waves (:data:`DEMO_WAVES`), in the shape :func:`read_survey` returns.

    Each respondent has a general factor and one factor per construct (general loading 0.6), plus small
    effects of municipality, wave, role, platform involvement and gender; items are the construct factor
    plus noise cut into 1-5 (reverse items mirrored). About 3 % of answers are blank, 4-12 % "Vet ej"
    (most on C11), a few respondents stop half-way. Kiruna has exactly four politicians (two per wave), and
    "annan" gender is rare, so that small-cell suppression shows. Not official statistics: the frame's
    provenance says ``synthetic: True``.

    Examples
    --------
    >>> demo_survey(n=300).shape[0]
    300
    """
    if n < 50:
        raise NatsamError(f"demo_survey: n={n} is too small; use at least 50 respondents.")
    instrument = load_instrument()
    rng = np.random.default_rng(seed)
    total = sum(_DEMO_SIZES.values())
    sizes = {m: int(round(s * n / total)) for m, s in _DEMO_SIZES.items()}
    sizes["0180"] += n - sum(sizes.values())
    mids = np.concatenate([[m] * k for m, k in sizes.items()])
    waves = np.array([DEMO_WAVES[i % 2] for i in range(n)])
    rng.shuffle(waves)
    role_p = np.array([0.72, 0.15, 0.08, 0.05])
    roles = rng.choice(len(_ROLES), size=n, p=role_p)
    kiruna = np.flatnonzero(mids == "2584")
    roles[kiruna] = rng.choice(3, size=len(kiruna), p=role_p[:3] / role_p[:3].sum())
    for wave in DEMO_WAVES:  # exactly two politicians per wave in Kiruna
        roles[kiruna[waves[kiruna] == wave][:2]] = 3
    genders = rng.choice(len(_GENDERS), size=n, p=[0.64, 0.31, 0.02, 0.03])
    years = np.minimum(rng.gamma(2.0, 5.0, size=n).round(), 45)
    involvement = rng.random(n) < np.where(roles >= 1, 0.45, 0.2)
    constructs = instrument.constructs
    g = rng.normal(size=n)
    muni_effect = {m: rng.normal(0, 0.25, size=len(constructs)) for m in sizes}
    columns: dict[str, Any] = {}
    cuts = np.array([-1.5, -0.6, 0.2, 1.1])
    for ci, c in enumerate(constructs):
        effect = np.array([muni_effect[m][ci] for m in mids])
        effect += np.where(waves == DEMO_WAVES[1], 0.12, 0.0) + np.where(involvement, 0.25, 0.0)
        effect += np.where(roles == 1, 0.15, 0.0) + np.where(roles == 2, 0.3, 0.0)
        if c["id"] == "C10":
            effect += np.where(genders == 0, -0.2, 0.0)
        factor = (0.0 if c["profile"] else 0.6) * g + 0.8 * rng.normal(size=n) + effect
        for code in c["items"]:
            latent = 0.8 * factor + 0.6 * rng.normal(size=n)
            answer = 1 + np.searchsorted(cuts, latent)
            if instrument.items[code]["reverse"]:
                answer = 6 - answer
            dk_rate = 0.12 if c["id"] == "C11" else 0.06 if c["id"] in ("C8", "C10") else 0.04
            dk_rate = np.where((roles == 3) & np.isin(c["id"], ["C4", "C5"]), 0.15, dk_rate)
            answer = np.where(rng.random(n) < dk_rate, DONT_KNOW, answer)
            answer = np.where(rng.random(n) < 0.03, -1, answer)
            columns[code] = answer
    stop = np.where(rng.random(n) < 0.04, rng.integers(5, len(constructs), size=n), len(constructs))
    for ci, c in enumerate(constructs):
        for code in c["items"]:
            columns[code] = np.where(stop <= ci, -1, columns[code])
    frame = pd.DataFrame({
        "respondent_id": pd.array([f"{DEMO_ID_PREFIX}{i + 1:05d}" for i in range(n)], dtype="string"),
        "wave": pd.array(waves, dtype="string"),
        "municipality_id": pd.array(mids, dtype="string"),
        "unit": pd.array([None] * n, dtype="string"),
        "sector": pd.array(rng.choice(["Utbildning", "Vård och omsorg", "Samhällsbyggnad", "Kultur och fritid",
                                        "Ledning och stöd"], size=n), dtype="string"),
        "role": pd.array(np.array(_ROLES)[roles], dtype="string"),
        "gender": pd.array(np.array(_GENDERS)[genders], dtype="string"),
        "years_in_organisation": pd.array(years, dtype="Float64"),
        "platform_involvement": pd.array(involvement, dtype="boolean"),
    })
    frame["unit"] = frame["sector"].str.slice(0, 3).str.upper() + "-" + pd.Series(
        rng.integers(1, 4, size=n).astype(str), dtype="string")
    for code in instrument.item_codes("full"):
        frame[code] = pd.array(np.where(columns[code] < 0, None, columns[code]).tolist(), dtype="Int64")
    frame.attrs["provenance"] = {"source": "demo", "synthetic": True, "seed": seed, "n": n,
                                 "instrument": instrument.id, "instrument_version": instrument.version,
                                 "generator": "natsam_analysis.sources.survey.demo_survey"}
    frame.attrs["instrument"] = instrument.as_attrs()
    return frame


def load_survey(path: Path | str | None = None, *, form: str = "full") -> pd.DataFrame:
    """The survey in ``path`` (:func:`read_survey`), or without a path the synthetic demo (:func:`demo_survey`,
    made in memory in a fraction of a second; its provenance says ``synthetic: True``)."""
    if path is None:
        return demo_survey()
    return read_survey(path, form=form)


# ---------------------------------------------------------------------------------------------- examples
def example_export(seed: int = EXAMPLE_SEED, n: int = EXAMPLE_N) -> pd.DataFrame:
    """The example export as text cells (what ``enkat_exempel.csv``/``.xlsx`` hold): a synthetic survey
    where about a third of the respondents' answers are written as Swedish scale labels and "Vet ej" as
    its label (the others as numbers and 9), yes/no as "ja"/"nej"."""
    instrument = load_instrument()
    frame = demo_survey(seed=seed, n=n)
    rng = np.random.default_rng(seed + 1)
    as_labels = rng.random(n) < 0.35
    sv = {v: t["sv"] for v, t in instrument.scale_labels.items()}
    sv[DONT_KNOW] = instrument.dont_know["label"]["sv"]
    out = pd.DataFrame({
        "respondent_id": frame["respondent_id"].astype(str),
        "wave": frame["wave"].astype(str),
        "municipality_id": frame["municipality_id"].astype(str),
        "unit": frame["unit"].fillna("").astype(str),
        "sector": frame["sector"].fillna("").astype(str),
        "role": frame["role"].fillna("").astype(str),
        "gender": frame["gender"].fillna("").astype(str),
        "years_in_organisation": frame["years_in_organisation"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        "platform_involvement": frame["platform_involvement"].map(lambda v: "" if pd.isna(v) else ("ja" if v else "nej")),
    })
    for code in instrument.item_codes("full"):
        values = frame[code]
        out[code] = [("" if pd.isna(v) else sv[int(v)] if lab else str(int(v)))
                     for v, lab in zip(values, as_labels)]
    out.attrs["provenance"] = dict(frame.attrs["provenance"], example=True)
    return out


def write_example_exports(folder: Path | str | None = None, *, seed: int = EXAMPLE_SEED,
                          n: int = EXAMPLE_N) -> list[Path]:
    """Write ``enkat_exempel.csv`` (UTF-8, comma-separated) and ``enkat_exempel.xlsx`` into ``folder``
    (default ``data/examples``), each atomically. Same seed, same content. Returns the two paths.

    Run ``python -m natsam_analysis.sources.survey`` to rewrite the committed examples.
    """
    folder = Path(folder) if folder is not None else EXAMPLES_DIR
    table = example_export(seed, n)
    csv_path, xlsx_path = folder / EXAMPLE_FILES[0], folder / EXAMPLE_FILES[1]
    store.atomic_write(csv_path, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n"))

    def write_xlsx(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            table.to_excel(writer, index=False, sheet_name="enkat")
            props = writer.book.properties
            props.creator = "natsam_analysis (synthetic demo)"
            props.created = props.modified = datetime(2025, 1, 1)

    store.atomic_write(xlsx_path, write_xlsx)
    return [csv_path, xlsx_path]


def _platform_order() -> list[str]:
    return list(PLATFORM_MUNICIPALITIES)


def file_digest(path: Path) -> str:
    """SHA-256 of a file (for checking that the example files are reproducible)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


if __name__ == "__main__":  # pragma: no cover
    for written in write_example_exports():
        print(written)
