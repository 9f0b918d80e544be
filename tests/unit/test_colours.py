"""Colours for everyone: the figures' palettes stay apart with colour-vision deficiencies, text keeps
WCAG AA contrast, and the colour math (natsam_analysis.viz.colours) is right.

Colour-vision deficiency is simulated with Machado et al. (2009) at severity 1.0 (protanopia,
deuteranopia, tritanopia: the strongest forms); colours are compared with CIEDE2000. Two colours of a
categorical set must stay at least MIN_DELTA_E apart, with normal vision and with each deficiency.
10 is "different at a glance" (2 is just noticeable); Okabe & Ito's palette, designed for colour-blind
viewers, keeps 11.1 at its closest pair, and a red-green pair such as ColorBrewer's red #D7191C and
green #1A9641 falls to 8.1 with deuteranopia.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from natsam_analysis.viz import barriers, charts, gender, portfolio, sdg, survey, theme
from natsam_analysis.viz.colours import (
    AA_TEXT,
    DEFICIENCIES,
    contrast_ratio,
    delta_e,
    delta_e_lab,
    min_distance,
    sample_scale,
    simulate_cvd,
    to_lab,
)

MIN_DELTA_E = 10
VISIONS = (None, *DEFICIENCIES)

#: The suite's categorical colours: every colour that tells groups apart in a figure comes from one of these.
CATEGORICAL = {
    "palette and national grey": [*theme.PALETTE, theme.NATIONAL],
    "SDG status": list(sdg.STATUS_COLOURS.values()),
}
#: The colour sets the figure builders use, each a subset of one set of CATEGORICAL.
USED = {
    "platforms": theme.PLATFORM_COLOURS,
    "ranking groups": list(charts.RANKING_COLOURS.values()),
    "series: municipality against the nation": [theme.HIGHLIGHT, theme.NATIONAL],
    "barrier network kinds": list(barriers.KIND_COLOURS.values()),
    "gender readings": list(gender.READING_COLOURS.values()),
    "case facets": list(portfolio.FACET_COLOURS.values()),
    "gender steps": list(portfolio.STEP_COLOURS.values()),
    "SDG status, relative view": [sdg.STATUS_COLOURS[c] for c in ("green", "yellow", "red", "grey")],
}
SEQUENTIAL_SCALES = {"theme.SEQUENTIAL": theme.SEQUENTIAL, "Blues (coverage, SDG targets)": "Blues",
                     "survey means": survey.SCALE_COLOURS}


# --------------------------------------------------------------------------------------------------
# the colour math


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    # Sharma, Wu & Dalal (2005), the CIEDE2000 test data: pairs 1, 4, 7, 9 and 11 (hue means across
    # 0°/180°), 13, 17, 19, 25 and 34
    ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
    ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
    ((50, 0, 0), (50, -1, 2), 2.3669),
    ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792),
    ((50, 2.49, -0.001), (50, -2.49, 0.0011), 7.2195),
    ((50, -0.001, 2.49), (50, 0.0009, -2.49), 4.8045),
    ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ((50, 2.5, 0), (56, -27, -3), 31.9030),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
])
def test_ciede2000_matches_the_published_test_pairs(lab1, lab2, expected):
    assert delta_e_lab(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert delta_e_lab(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_lab_of_srgb_primaries():
    assert to_lab("#FFFFFF") == pytest.approx([100, 0, 0], abs=0.01)
    assert to_lab("#FF0000") == pytest.approx([53.24, 80.09, 67.20], abs=0.01)


@pytest.mark.parametrize("deficiency", DEFICIENCIES)
def test_simulation_keeps_greys_and_tells_the_deficiencies_apart(deficiency):
    for grey in ("#000000", "#707070", "#FFFFFF"):
        assert simulate_cvd(grey, deficiency) == grey
    red, green = "#D7191C", "#1A9641"  # ColorBrewer's RdYlGn ends
    seen = delta_e(simulate_cvd(red, deficiency), simulate_cvd(green, deficiency))
    assert delta_e(red, green) > 60
    # red and green run together for red-green deficiencies, not for tritanopia (blue-yellow)
    assert seen < 25 if deficiency != "tritanopia" else seen > 60
    with pytest.raises(ValueError, match="deuteranopia"):
        simulate_cvd(red, "achromatopsia")


def test_min_distance_names_the_closest_pair():
    distance, pair = min_distance(["#D7191C", "#1A9641", "#0072B2"], "deuteranopia")
    assert pair == ("#D7191C", "#1A9641") and distance < MIN_DELTA_E


def test_wcag_contrast_ratios():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    assert contrast_ratio("#767676") >= AA_TEXT > contrast_ratio("#777777")  # the lightest AA grey on white
    assert contrast_ratio("rgba(0, 0, 0, 0.87)") == pytest.approx(contrast_ratio("#212121"), abs=0.05)


# --------------------------------------------------------------------------------------------------
# the suite's palettes


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "normal")
@pytest.mark.parametrize("name", CATEGORICAL)
def test_categorical_colours_stay_apart_for_colour_blind_viewers(name, vision):
    distance, pair = min_distance(CATEGORICAL[name], vision)
    assert distance >= MIN_DELTA_E, f"{name}: {pair} are only {distance:.1f} apart ({vision or 'normal vision'})"


@pytest.mark.parametrize("name", USED)
def test_every_colour_set_of_the_figures_comes_from_a_checked_palette(name):
    colours = {c.upper() for c in USED[name]}
    assert len(colours) == len(USED[name]), f"{name}: a colour is used twice"
    assert any(colours <= {c.upper() for c in palette} for palette in CATEGORICAL.values()), name


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "normal")
@pytest.mark.parametrize("name", SEQUENTIAL_SCALES)
def test_sequential_scales_run_from_light_to_dark_for_everyone(name, vision):
    colours = sample_scale(SEQUENTIAL_SCALES[name], 11)
    seen = colours if vision is None else [simulate_cvd(c, vision) for c in colours]
    lightness = [to_lab(c)[0] for c in seen]
    steps = [b - a for a, b in itertools.pairwise(lightness)]
    assert all(s > 1 for s in steps) or all(s < -1 for s in steps), (name, vision, lightness)
    assert delta_e(seen[0], seen[-1]) >= 40


def diverging_ends_apart(scale, vision) -> bool:
    """Both ends of a diverging scale differ from its middle and from each other by MIN_DELTA_E."""
    colours = sample_scale(scale, 11)
    low, mid, high = (c if vision is None else simulate_cvd(c, vision) for c in (colours[0], colours[5], colours[-1]))
    return min(delta_e(low, mid), delta_e(high, mid), delta_e(low, high)) >= MIN_DELTA_E


@pytest.mark.parametrize("vision", VISIONS, ids=lambda v: v or "normal")
def test_the_diverging_scale_keeps_its_two_sides_apart(vision):
    assert diverging_ends_apart(theme.DIVERGING, vision)


def test_a_red_green_scale_would_fail_the_diverging_check():
    assert diverging_ends_apart("RdYlGn", None)
    assert not diverging_ends_apart("RdYlGn", "deuteranopia")


# --------------------------------------------------------------------------------------------------
# text contrast


def test_text_colours_meet_wcag_aa_on_their_backgrounds():
    for text in (theme.TEXT, theme.MUTED_TEXT):
        assert contrast_ratio(text, "#FFFFFF") >= AA_TEXT, text
    for status, colour in sdg.STATUS_COLOURS.items():  # the score and trend written on a goal's cell
        assert contrast_ratio(sdg.STATUS_TEXT, colour) >= AA_TEXT, status
    assert contrast_ratio(theme.NATIONAL, "#FFFFFF") >= 3  # lines and bars: WCAG's 3:1 for graphics


def explicit_text_colours(fig) -> list[str]:
    """Every text colour a figure sets: its font, title, annotations and the text of its traces."""
    layout = fig.layout
    colours = [layout.font.color, layout.title.font.color, layout.legend.font.color]
    colours += [a.font.color for a in layout.annotations]
    for trace in fig.data:
        if getattr(trace, "text", None) is not None and "textfont" in trace:
            colours.append(trace.textfont.color)
    return [c for c in colours if isinstance(c, str)]


def test_chart_text_keeps_aa_contrast_on_white():
    profile = pd.DataFrame({"kpi": ["N1", "N2"], "year": [2024, pd.NA], "value": [12.5, float("nan")],
                            "national_median": [10.0, float("nan")], "pct_sweden": [60.0, float("nan")],
                            "pct_platforms": [50.0, float("nan")]})
    fig = charts.percentile_chart(profile, {"N1": "Ett", "N2": "Två"}, note="Demodata", title="Titel")
    colours = explicit_text_colours(fig)
    assert theme.MUTED_TEXT in colours  # the "no data" mark and the source note are checked too
    for colour in colours:
        assert contrast_ratio(colour, fig.layout.paper_bgcolor or "#FFFFFF") >= AA_TEXT, colour


# --------------------------------------------------------------------------------------------------
# the SDG status: SDSN's colours, and never colour alone


def test_every_sdg_status_is_also_given_in_words():
    statuses = list(sdg.STATUS_ORDER)
    overview = pd.DataFrame({"unit": "0180", "goal": [1, 3, 4, 5, 11], "score": [80.0, 60, 45, 20, None],
                             "colour": statuses, "relative_colour": statuses,
                             "trend": ["on_track", "moderately_improving", "stagnating", "decreasing", None]})
    for lang in ("sv", "en"):
        words = [sdg.status_label(s, lang) for s in statuses]
        assert len(set(words)) == len(words) and all(words)
        fig = sdg.goal_grid(overview, {"0180": "Stockholm"}, ["0180"], note="Demodata", lang=lang)
        cells = fig.data[0]
        assert [c[2] for c in cells.customdata[0]] == words  # the hover names each cell's status
        assert "%{customdata[2]}" in cells.hovertemplate
        assert [t.name for t in fig.data[1:]] == words  # and so does the legend
        assert cells.textfont.color == sdg.STATUS_TEXT
