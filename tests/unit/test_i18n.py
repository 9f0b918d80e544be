"""Swedish/English labels, the demo note, the language default and Swedish alphabetical order."""

from __future__ import annotations

import string

import pytest

from natsam_analysis import config
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE, LABELS, check_language, demo_note, label, swedish_sort_key


@pytest.fixture(autouse=True)
def no_language_setting(monkeypatch):
    """Every test starts without NATSAM_LANG (the default is then Swedish)."""
    monkeypatch.delenv("NATSAM_LANG", raising=False)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# --------------------------------------------------------------------------------------------------
# labels


@pytest.mark.parametrize("key, sv, en", [
    ("percentile_sweden", "Percentil i Sverige", "Percentile in Sweden"),
    ("municipality", "Kommun", "Municipality"),
    ("no_data", "Uppgift saknas", "No data"),
    ("source_kolada", "Källa: Kolada", "Source: Kolada"),
    ("derived_kolada", "Beräknat från Kolada", "Calculated from Kolada"),
])
def test_label_in_swedish_and_english(key, sv, en):
    assert label(key, "sv") == sv
    assert label(key, "en") == en
    assert label(key) == sv  # Swedish by default


def test_label_fills_in_fields():
    assert label("percentile_title", "sv", name="Kiruna", pillar="Kompetens") == "Kiruna: percentil per indikator<br><sub>Kompetens</sub>"
    assert label("percentile_title", "en", name="Kiruna", pillar="Skills") == "Kiruna: percentile by indicator<br><sub>Skills</sub>"
    assert label("unknown_municipality", "en", value="9999") == "Unknown municipality: 9999"
    assert label("direction_0", "sv", target="50") == "närmast målet 50 är bättre"
    assert label("map_title", "en", indicator="Elbilar", year=2024) == "Elbilar, 2024"
    # without fields the template comes back as it is
    assert label("series_title", "sv") == "{name} jämfört med riket"


def test_label_with_a_missing_field_fails():
    with pytest.raises(KeyError):
        label("percentile_title", "sv", name="Kiruna")


def test_unknown_label_key_is_a_natsam_error():
    with pytest.raises(NatsamError, match=r"No label 'nonexistent_key' in natsam_analysis\.i18n\.LABELS"):
        label("nonexistent_key", "sv")


@pytest.mark.parametrize("lang", ["de", "SV", "", "svenska"])
def test_unsupported_language_is_a_natsam_error(lang):
    with pytest.raises(NatsamError, match=r"Unsupported language .*use one of sv, en"):
        label("municipality", lang)
    with pytest.raises(NatsamError):
        check_language(lang)


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_has_both_languages_with_the_same_fields(key):
    sv, en = LABELS[key]
    assert sv.strip() and en.strip()
    assert placeholders(sv) == placeholders(en)


def test_demo_note_wording():
    assert DEMO_NOTE["sv"] == "Demodata – syntetiska värden, inte officiell statistik"
    assert DEMO_NOTE["en"] == "Demo data – synthetic values, not official statistics"
    assert demo_note("sv") == DEMO_NOTE["sv"] and demo_note("en") == DEMO_NOTE["en"]
    assert demo_note() == DEMO_NOTE["sv"]
    assert set(DEMO_NOTE) == set(config.LANGUAGES)


# --------------------------------------------------------------------------------------------------
# NATSAM_LANG


def test_default_language_is_swedish():
    assert config.default_language() == "sv"
    assert check_language(None) == "sv"


@pytest.mark.parametrize("value, expected", [("en", "en"), ("sv", "sv"), (" EN ", "en"), ("", "sv")])
def test_natsam_lang_sets_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("NATSAM_LANG", value)
    assert check_language(None) == expected
    assert label("municipality") == ("Municipality" if expected == "en" else "Kommun")
    assert demo_note() == DEMO_NOTE[expected]
    # an explicit language wins over the setting
    assert label("municipality", "sv") == "Kommun" and label("municipality", "en") == "Municipality"


@pytest.mark.parametrize("value", ["de", "english", "s v"])
def test_invalid_natsam_lang_is_a_natsam_error(monkeypatch, value):
    monkeypatch.setenv("NATSAM_LANG", value)
    with pytest.raises(NatsamError, match=r"NATSAM_LANG=.* is not a supported language; use one of sv, en"):
        label("municipality")
    assert label("municipality", "en") == "Municipality"  # an explicit language does not read the setting


# --------------------------------------------------------------------------------------------------
# Swedish alphabetical order


def test_swedish_order_puts_a_ring_a_umlaut_o_umlaut_after_z():
    names = ["Örebro", "Åre", "Älmhult", "Zinkgruvan", "Ale", "Östersund", "Åmål", "Övertorneå", "Vänersborg"]
    assert sorted(names, key=swedish_sort_key) == [
        "Ale", "Vänersborg", "Zinkgruvan", "Åmål", "Åre", "Älmhult", "Örebro", "Östersund", "Övertorneå",
    ]


def test_swedish_order_inside_words_and_ignoring_case():
    assert sorted(["Håbo", "Hylte", "Hörby", "Härryda", "Haparanda"], key=swedish_sort_key) == [
        "Haparanda", "Hylte", "Håbo", "Härryda", "Hörby"]
    assert swedish_sort_key("ÅRE") == swedish_sort_key("åre")
    assert sorted(["z", "Ö", "Å", "ä"], key=swedish_sort_key) == ["z", "Å", "ä", "Ö"]


def test_plain_python_order_would_be_wrong():
    # the reason for the key: code-point order puts Ä before Å
    assert sorted(["Åre", "Älmhult"]) == ["Älmhult", "Åre"]
    assert sorted(["Åre", "Älmhult"], key=swedish_sort_key) == ["Åre", "Älmhult"]


def test_municipality_names_in_swedish_order(geo_tables):
    names = sorted(geo_tables["municipalities"]["name"], key=swedish_sort_key)
    keys = [swedish_sort_key(n) for n in names]
    assert keys == sorted(keys)
    first_special = next(i for i, n in enumerate(names) if n[0] in "ÅÄÖ")
    assert all(n[0] in "ÅÄÖ" for n in names[first_special:])  # every Å/Ä/Ö name after every A-Z name
    assert names[-1].startswith("Ö")
