"""The indicator catalog (``data/catalog/indicators.csv``) and its pillars (``pillars.csv``).

Each indicator is a real Kolada key figure (KPI) with Swedish and English titles, the pillar of
innovation and transformation capacity it belongs to, its Agenda 2030 goal, its direction (1 = higher
is better, -1 = lower is better, 0 = closest to ``target`` is best, empty = context, not scored), unit,
whether Kolada splits it by gender, the municipality types it exists for and a plausible range.
See ``data/catalog/README.md``.

Examples
--------
>>> cat = load_catalog()
>>> cat.loc["N00999", "pillar"], int(cat.loc["N00999", "direction"])
('naringslivsdynamik', 1)
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import pandas as pd

from natsam_analysis import config
from natsam_analysis.errors import ValidationError
from natsam_analysis.i18n import check_language
from natsam_analysis.stored import kpi_catalogue

KPI_PATTERN = re.compile(r"^[NU][0-9]{5}$")  # ASCII digits only
CONTEXT_PILLAR = "context"
CATALOG_COLUMNS = [
    "kpi", "title_sv", "title_en", "pillar", "sdg", "direction", "target", "unit", "gendered",
    "municipality_type", "plausible_low", "plausible_high",
]
PILLAR_COLUMNS = ["pillar", "order", "label_sv", "label_en", "description_sv", "description_en"]


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise ValidationError(str(path), ["file not found"], hint="Restore it from the repository (git checkout).")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationError(str(path), [f"missing column(s): {', '.join(missing)}"],
                              hint=f"The header must name: {', '.join(columns)}.")
    return df


def _is_whole(text: str) -> bool:
    """True for a non-empty run of ASCII digits (``str.isdigit`` also accepts "²", which int() rejects)."""
    return text.isascii() and text.isdigit()


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_pillars(path: Path | None = None) -> pd.DataFrame:
    """Read and validate ``pillars.csv``; indexed by ``pillar``, sorted by ``order``."""
    path = Path(path) if path else config.catalog_dir() / "pillars.csv"
    df = _read_csv(path, PILLAR_COLUMNS)
    problems = []
    for i, row in df.iterrows():
        line = i + 2
        if not row["pillar"]:
            problems.append(f"line {line}, column 'pillar': empty")
        if not _is_whole(row["order"]):
            problems.append(f"line {line}, column 'order': {row['order']!r} is not a whole number")
        for col in ("label_sv", "label_en"):
            if not row[col].strip():
                problems.append(f"line {line}, column {col!r}: empty")
    dup = df["pillar"][df["pillar"].duplicated()]
    problems += [f"column 'pillar': {p!r} appears more than once" for p in dup]
    if problems:
        raise ValidationError(str(path), problems, hint="Fix these cells in the pillar table.")
    df["order"] = df["order"].astype(int)
    return df.sort_values("order").set_index("pillar")


def read_catalog(path: Path | None = None, pillars: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate an indicator catalog CSV.

    Every problem is reported at once, with its line and column. Returns a frame indexed by ``kpi``
    with typed columns: ``sdg`` (Int64), ``direction`` (Int64, <NA> for context indicators), ``target``,
    ``plausible_low``, ``plausible_high`` (float) and ``gendered`` (bool).
    """
    path = Path(path) if path else config.catalog_dir() / "indicators.csv"
    pillars = read_pillars() if pillars is None else pillars
    df = _read_csv(path, CATALOG_COLUMNS)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for i, row in df.iterrows():
        line = i + 2  # header is line 1

        def bad(col: str, why: str) -> None:
            problems.append(f"line {line}, column {col!r}: {row[col]!r} {why}")

        kpi = row["kpi"]
        if not KPI_PATTERN.match(kpi):
            bad("kpi", "is not a Kolada KPI id (N or U followed by five digits, e.g. N00999)")
        elif kpi in seen:
            bad("kpi", f"is listed twice (also on line {seen[kpi]})")
        seen.setdefault(kpi, line)
        for col in ("title_sv", "title_en", "unit"):
            if not row[col].strip():
                bad(col, "is empty")
        if row["pillar"] not in pillars.index:
            bad("pillar", f"is not a pillar in pillars.csv ({', '.join(pillars.index)})")
        is_context = row["pillar"] == CONTEXT_PILLAR
        if row["sdg"] and not (_is_whole(row["sdg"]) and 1 <= int(row["sdg"]) <= 17):
            bad("sdg", "must be an Agenda 2030 goal number 1-17 (or empty)")
        if row["direction"] not in ("1", "-1", "0", ""):
            bad("direction", "must be 1 (higher is better), -1 (lower is better) or 0 (closest to target)")
        elif row["direction"] == "" and not is_context:
            bad("direction", f"may be empty only for the {CONTEXT_PILLAR!r} pillar")
        target = _number(row["target"]) if row["target"] else None
        if row["target"] and target is None:
            bad("target", "is not a number")
        if row["direction"] == "0" and target is None:
            bad("target", "is required when direction is 0 (closest to target)")
        if row["gendered"] not in ("true", "false"):
            bad("gendered", "must be true or false")
        if row["municipality_type"] not in ("A", "K", "L"):
            bad("municipality_type", "must be A (all), K (municipalities) or L (regions)")
        low, high = _number(row["plausible_low"]), _number(row["plausible_high"])
        if low is None:
            bad("plausible_low", "is not a number")
        if high is None:
            bad("plausible_high", "is not a number")
        if low is not None and high is not None and not low < high:
            problems.append(f"line {line}: plausible_low {low} must be below plausible_high {high}")
    if problems:
        raise ValidationError(str(path), problems, hint="Fix these cells in the catalog and reload.")

    out = df[CATALOG_COLUMNS].copy()
    out["sdg"] = pd.to_numeric(out["sdg"].replace("", None)).astype("Int64")
    out["direction"] = pd.to_numeric(out["direction"].replace("", None)).astype("Int64")
    for col in ("target", "plausible_low", "plausible_high"):
        out[col] = pd.to_numeric(out[col].replace("", None)).astype(float)
    out["gendered"] = out["gendered"] == "true"
    return out.set_index("kpi")


@cache
def _default_catalog() -> pd.DataFrame:
    return read_catalog()


@cache
def _default_pillars() -> pd.DataFrame:
    return read_pillars()


def load_catalog() -> pd.DataFrame:
    """The project's validated indicator catalog, indexed by ``kpi`` (a copy; read once per process)."""
    return _default_catalog().copy()


def load_pillars() -> pd.DataFrame:
    """The pillars (index ``pillar``; ``order``, labels and descriptions in Swedish and English)."""
    return _default_pillars().copy()


def scored_pillars() -> list[str]:
    """Pillar ids that count towards capacity (every pillar but the context one), in display order."""
    return [p for p in _default_pillars().index if p != CONTEXT_PILLAR]


def pillar_label(pillar: str, lang: str | None = None) -> str:
    """Display name of a pillar in ``lang``."""
    return _default_pillars().loc[pillar, f"label_{check_language(lang)}"]


def indicator_title(kpi: str, lang: str | None = None, catalog: pd.DataFrame | None = None) -> str:
    """Title of an indicator in ``lang`` (the KPI id itself when it is not in the catalog)."""
    cat = _default_catalog() if catalog is None else catalog
    return str(cat.loc[kpi, f"title_{check_language(lang)}"]) if kpi in cat.index else kpi


def indicators_of(pillar: str, catalog: pd.DataFrame | None = None) -> list[str]:
    """KPI ids of a pillar, in catalog order."""
    cat = _default_catalog() if catalog is None else catalog
    return cat.index[cat["pillar"] == pillar].tolist()


def search_kpis(text: str, catalogue: pd.DataFrame | None = None) -> pd.DataFrame:
    """KPIs of Kolada's catalogue whose title or description contains every word of ``text``.

    Case-insensitive (Swedish letters included: "Å" finds "å"). Searches the KPI catalogue fetched into
    the local store (``natsam fetch --kpi-catalogue``) unless ``catalogue`` is given. Returns
    ``kpi``, ``title``, ``description``, ``municipality_type``, ``is_divided_by_gender`` and
    ``in_catalog`` (whether the project's indicator catalog uses the KPI), KPIs with a word in the
    title first, then by id.

    Raises
    ------
    DataNotAvailableError
        When the KPI catalogue has not been fetched yet (the message says how to fetch it).

    Examples
    --------
    >>> kpis = pd.DataFrame({"id": ["N07918", "N00999"], "title": ["Bredband minst 1 Gbit/s, andel (%)", "Nya företag"],
    ...                      "description": ["Andel hushåll med tillgång till bredband", "Antal nystartade företag"],
    ...                      "municipality_type": ["K", "K"], "is_divided_by_gender": [False, False]})
    >>> search_kpis("BREDBAND", kpis)["kpi"].tolist()
    ['N07918']
    """
    words = [w.casefold() for w in str(text).split()]
    if not words:
        raise ValidationError("search_kpis", ["give at least one word to search for, e.g. 'bredband'"])
    if catalogue is None:
        catalogue = kpi_catalogue()
    title = catalogue["title"].astype("string").fillna("").str.casefold()
    description = catalogue["description"].astype("string").fillna("").str.casefold()
    both = title + " " + description
    mask = pd.Series(True, index=catalogue.index)
    for word in words:
        mask &= both.str.contains(word, regex=False)
    found = catalogue[mask.to_numpy(dtype=bool)]
    in_title = title[mask.to_numpy(dtype=bool)].map(lambda t: any(w in t for w in words))
    result = pd.DataFrame({
        "kpi": found["id"].astype(str).to_numpy(),
        "title": found["title"].astype(str).to_numpy(),
        "description": found["description"].astype("string").fillna("").astype(str).to_numpy(),
        "municipality_type": found["municipality_type"].astype("string").fillna("").astype(str).to_numpy(),
        "is_divided_by_gender": found["is_divided_by_gender"].astype("boolean").fillna(False).astype(bool).to_numpy(),
        "in_catalog": found["id"].isin(_default_catalog().index).to_numpy(),
        "_title_first": (~in_title).to_numpy(),
    })
    return result.sort_values(["_title_first", "kpi"], ignore_index=True).drop(columns="_title_first")


# --------------------------------------------------------------------------------------------------
# the Agenda 2030 codebook (data/catalog/agenda2030.csv)

#: The Agenda 2030 goals the six platforms report against.
AGENDA2030_GOALS = (1, 3, 4, 5, 11, 13, 16)
AGENDA2030_COLUMNS = ["kpi", "optimum", "green", "red", "lower_bound", "trend_from",
                      "justification_sv", "justification_en"]
#: Rules a codebook cell may hold instead of a number (resolved by metrics.agenda2030).
OPTIMUM_RULE, LOWER_BOUND_RULE = "top5", "p2.5"
SCORE_RULE = re.compile(r"^score(\d+(?:\.\d+)?)$")


def read_agenda2030(path: Path | None = None, catalog: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read and validate the Agenda 2030 codebook: one row per catalog indicator of
    :data:`AGENDA2030_GOALS`, with its optimum, thresholds, lower bound (numbers or rules), trend
    start and a one-line justification in Swedish and English. Every problem is reported at once,
    with its line and column. Returns the rows as text, in file order (see ``data/catalog/README.md``).
    """
    path = Path(path) if path else config.catalog_dir() / "agenda2030.csv"
    cat = load_catalog() if catalog is None else catalog
    df = _read_csv(path, AGENDA2030_COLUMNS)
    problems: list[str] = []
    seen: dict[str, int] = {}
    allowed = {"optimum": f"a number or {OPTIMUM_RULE} (the mean of the five best municipalities)",
               "lower_bound": f"a number or {LOWER_BOUND_RULE} (the 2.5th percentile on the bad side)",
               "green": "a number or scoreNN (the value scoring NN of 100)",
               "red": "a number or scoreNN (the value scoring NN of 100)"}
    for i, row in df.iterrows():
        line = i + 2

        def bad(col: str, why: str) -> None:
            problems.append(f"line {line}, column {col!r}: {row[col]!r} {why}")

        kpi = row["kpi"]
        if kpi in seen:
            bad("kpi", f"is listed twice (also on line {seen[kpi]})")
        seen.setdefault(kpi, line)
        if kpi not in cat.index:
            bad("kpi", "is not in the indicator catalog (indicators.csv)")
        elif pd.isna(cat.loc[kpi, "sdg"]) or int(cat.loc[kpi, "sdg"]) not in AGENDA2030_GOALS:
            bad("kpi", f"follows up goal {cat.loc[kpi, 'sdg']} in the catalog, not one of "
                       f"{', '.join(map(str, AGENDA2030_GOALS))}")
        for col, what in allowed.items():
            text = row[col].strip()
            rule_ok = ((col == "optimum" and text == OPTIMUM_RULE) or (col == "lower_bound" and text == LOWER_BOUND_RULE)
                       or (col in ("green", "red") and SCORE_RULE.match(text)))
            if _number(text) is None and not rule_ok:
                bad(col, f"must be {what}")
        if row["trend_from"] and not (_is_whole(row["trend_from"]) and 1990 <= int(row["trend_from"]) <= 2030):
            bad("trend_from", "must be a year (e.g. 2015) or empty")
        for col in ("justification_sv", "justification_en"):
            if not row[col].strip():
                bad(col, "is empty: say in one line where the bounds come from")
    goals = cat[cat["sdg"].isin(AGENDA2030_GOALS) & cat["direction"].notna()].index
    for kpi in goals.difference(list(seen)):
        problems.append(f"indicator {kpi} (goal {cat.loc[kpi, 'sdg']}) has no row: add its bounds")
    if problems:
        raise ValidationError(str(path), problems, hint="Fix these cells in the Agenda 2030 codebook and reload.")
    return df[AGENDA2030_COLUMNS].copy()


@cache
def _default_agenda2030() -> pd.DataFrame:
    return read_agenda2030()


def load_agenda2030() -> pd.DataFrame:
    """The shipped Agenda 2030 codebook (:func:`read_agenda2030` of ``data/catalog/agenda2030.csv``)."""
    return _default_agenda2030().copy()
