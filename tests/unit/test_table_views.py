"""The table views beside the charts and the accessible widget helpers of the dashboards."""

from __future__ import annotations

import pandas as pd

from natsam_analysis.dashboard.widgets import language_toggle, municipality_picker, plain_title, table_html
from natsam_analysis.viz.charts import series_table
from natsam_analysis.viz.maps import map_table


def test_series_table_latest_year_first_with_the_national_middle_half():
    own = pd.DataFrame({"year": [2020, 2021], "value": [1.5, float("nan")]})
    national = pd.DataFrame({"year": [2019, 2020, 2021], "median": [1.0, 2.0, 3.0], "q25": [0.5, 1.0, 2.0],
                             "q75": [2.0, 3.0, 4.25]})
    table = series_table(own, national, name="Lund", lang="en")
    assert list(table.columns) == ["Year", "Lund", "National median", "Middle half of municipalities (25–75%)"]
    assert table.to_numpy().tolist() == [["2021", "–", "3", "2–4.25"], ["2020", "1.5", "2", "1–3"],
                                         ["2019", "–", "1", "0.5–2"]]


def test_map_table_every_municipality_highest_value_first_missing_last():
    names = {"0180": "Stockholm", "1281": "Lund", "2480": "Umeå"}
    table = map_table(pd.Series({"1281": 2.0, "0180": 7.25}), names, "sv")
    assert table.to_numpy().tolist() == [["Stockholm", "7.25"], ["Lund", "2"], ["Umeå", "–"]]
    assert list(table.columns) == ["Kommun", "Värde"]


def test_plain_title_for_a_caption():
    assert plain_title("Rangordning<br><sub>Topp 20 &amp; plattformarna</sub>") == "Rangordning – Topp 20 & plattformarna"


def test_table_html_is_a_named_focusable_region_that_can_scroll():
    text = table_html(["Kommun", "Värde"], [["Lund", "2"]], caption="Värden 2024 <x>", note="Demodata",
                      max_height="420px")
    assert 'role="region" tabindex="0" aria-label="Värden 2024 &lt;x&gt;"' in text
    assert "max-height:420px;overflow-y:auto" in text
    assert "<caption" in text and '<th scope="col">Kommun</th>' in text
    # the source note stays below the scrolling box, always visible
    assert text.index("</table></div>") < text.index("Demodata")
    assert "max-height" not in table_html(["a"], [["1"]], caption="c", note="n")


def test_language_toggle_names_its_language_for_the_page():
    toggle = language_toggle("sv")
    assert {"natsam-language", "natsam-lang-sv"} <= set(toggle._dom_classes)
    toggle.value = "en"
    assert "natsam-lang-en" in toggle._dom_classes and "natsam-lang-sv" not in toggle._dom_classes


def test_municipality_field_keeps_a_visible_label():
    picker = municipality_picker({"Lund (1281)": "1281"}, "Lund (1281)", "Välj kommun")
    assert picker.description == "Välj kommun"
    picker.placeholder = "Choose municipality"
    assert picker.description == "Choose municipality"
