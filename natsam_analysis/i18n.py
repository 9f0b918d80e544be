"""Swedish and English labels. Swedish is the default everywhere; English is one argument away.

Examples
--------
>>> label("percentile_sweden", "en")
'Percentile in Sweden'
>>> label("percentile_sweden")
'Percentil i Sverige'
"""

from __future__ import annotations

from natsam_analysis.config import LANGUAGES, default_language
from natsam_analysis.errors import NatsamError

#: The visible note on everything built from demo data (required wording).
DEMO_NOTE = {
    "sv": "Demodata – syntetiska värden, inte officiell statistik",
    "en": "Demo data – synthetic values, not official statistics",
}

LABELS: dict[str, tuple[str, str]] = {
    # general
    "municipality": ("Kommun", "Municipality"),
    "municipalities": ("Kommuner", "Municipalities"),
    "county": ("Län", "County"),
    "fa_region": ("FA-region", "FA region"),
    "region_type": ("Regiontyp", "Region type"),
    "pillar": ("Område", "Pillar"),
    "indicator": ("Indikator", "Indicator"),
    "year": ("År", "Year"),
    "value": ("Värde", "Value"),
    "language": ("Språk", "Language"),
    "sweden": ("Sverige", "Sweden"),
    "platforms": ("Plattformskommunerna", "Platform municipalities"),
    "platform_municipality": ("Plattformskommun", "Platform municipality"),
    "other_municipalities": ("Övriga kommuner", "Other municipalities"),
    "national_median": ("Rikets median", "National median"),
    "national_range": ("Mittersta hälften av kommunerna (25–75 %)", "Middle half of municipalities (25–75%)"),
    "no_data": ("Uppgift saknas", "No data"),
    "area_km2": ("Yta (km²)", "Area (km²)"),
    "coverage": ("Täckning", "Coverage"),
    "coverage_share": ("Andel kommuner med värde", "Share of municipalities with a value"),
    "source_kolada": ("Källa: Kolada", "Source: Kolada"),
    "derived_kolada": ("Beräknat från Kolada", "Calculated from Kolada"),
    "fetched": ("hämtad", "fetched"),
    # kommunprofil
    "kommunprofil_title": ("Kommunprofil", "Municipality profile"),
    "kommunprofil_intro": (
        "Välj en kommun och ett område. Percentilen visar hur stor andel av kommunerna som har ett "
        "sämre värde – högre är alltid bättre, oavsett om indikatorn ska vara hög, låg eller nära ett mål.",
        "Choose a municipality and a pillar. The percentile shows the share of municipalities with a worse "
        "value – higher is always better, whether the indicator should be high, low or close to a target.",
    ),
    "choose_municipality": ("Välj kommun (skriv för att söka)", "Choose municipality (type to search)"),
    "percentile_sweden": ("Percentil i Sverige", "Percentile in Sweden"),
    "percentile_platforms": ("Percentil bland plattformskommunerna", "Percentile among the platform municipalities"),
    "percentile_axis": ("Percentil (100 = bäst)", "Percentile (100 = best)"),
    "percentile_title": ("{name}: percentil per indikator, {pillar}", "{name}: percentile by indicator, {pillar}"),
    "map_title": ("{indicator}, {year}", "{indicator}, {year}"),
    "series_title": ("{name} jämfört med riket", "{name} compared with Sweden"),
    "direction_1": ("högre är bättre", "higher is better"),
    "direction_-1": ("lägre är bättre", "lower is better"),
    "direction_0": ("närmast målet {target} är bättre", "closest to the target {target} is better"),
    "direction_none": ("bakgrundsvariabel", "context variable"),
    "latest_year_note": ("Senaste år med värde för kommunen", "Latest year with a value for the municipality"),
    "unknown_municipality": ("Okänd kommun: {value}", "Unknown municipality: {value}"),
    # oversikt
    "coverage_title": ("Täckning per indikator och år", "Coverage by indicator and year"),
    "distribution_title": ("Plattformskommunerna i den nationella fördelningen, {year}",
                           "The platform municipalities in the national distribution, {year}"),
    "distribution_axis": ("Percentil i Sverige (100 = bäst)", "Percentile in Sweden (100 = best)"),
}


def check_language(lang: str | None) -> str:
    """Return a valid language code (``None`` -> the default from ``NATSAM_LANG``)."""
    lang = default_language() if lang is None else lang
    if lang not in LANGUAGES:
        raise NatsamError(f"Unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}.")
    return lang


def label(key: str, lang: str | None = None, **fields: object) -> str:
    """The label ``key`` in ``lang`` ("sv" or "en"), with ``{fields}`` filled in."""
    lang = check_language(lang)
    try:
        sv, en = LABELS[key]
    except KeyError:
        raise NatsamError(f"No label {key!r} in natsam_analysis.i18n.LABELS.") from None
    text = sv if lang == "sv" else en
    return text.format(**fields) if fields else text


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}", "ü": "y", "é": "e"})


def swedish_sort_key(text: str) -> str:
    """Sort key that puts å, ä, ö after z, in that order, as Swedish dictionaries do.

    Examples
    --------
    >>> sorted(["Örebro", "Åre", "Älmhult", "Zinkgruvan"], key=swedish_sort_key)
    ['Zinkgruvan', 'Åre', 'Älmhult', 'Örebro']
    """
    return text.lower().translate(_SWEDISH_ORDER)


def demo_note(lang: str | None = None) -> str:
    """The visible demo-data note in ``lang``."""
    return DEMO_NOTE[check_language(lang)]
