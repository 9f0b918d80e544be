"""Every dashboard is accessible, on a desktop (1280x800) and on a phone (390x844).

One page load per dashboard: the page is opened on a desktop and then narrowed to a phone's width
(the figures and the layout follow, as on a phone). On both screens:

- **WCAG 2 A and AA** as axe-core tests them (rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa:
  among them color-contrast, label, select-name, button-name, link-name, image-alt, the aria-* rules,
  document-title, html-has-lang, html-lang-valid, scrollable-region-focusable), plus heading-order.
  Nothing is excluded: plotly's SVG gives no false positives (axe does not rate SVG text's contrast;
  the figures' text colours are checked in tests/unit/test_colours.py);
- **a table view beside every chart**: next to each figure (its following sibling, at the level where
  the figure is still alone) is a table with a caption and column headers.

On the desktop besides: the page's language is the dashboard's (``<html lang="sv">``) and its title
the dashboard's heading; and the keyboard alone works: Tab reaches every control (drop-downs, text
fields, sliders, toggle and other buttons, links, plotly's buttons, scrolling tables), each shows a
focus ring (an outline of at least 2 px with 3:1 contrast against the white page), and one choice
is changed with keys only (arrow keys on a drop-down or slider, Enter on a toggle button), after
which the figures are redrawn.
"""

from __future__ import annotations

import pytest
from conftest import PHONE, PLOT, wait_until_drawn, wait_until_live
from test_dashboards_render_browser import DASHBOARDS, TIMEOUT

from natsam_analysis.viz.colours import contrast_ratio

#: axe-core's rule tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA, and the best practices added to them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EXTRA_RULES = ["heading-order"]
#: dashboard -> (the control changed with the keyboard, the keys pressed on it)
KEYBOARD_CHOICE = {
    "kommunprofil.ipynb": (".widget-dropdown select", ["ArrowDown"]),
    "indexutforskaren.ipynb": ('[role="slider"]', ["ArrowRight"]),
    "agenda2030.ipynb": (".widget-toggle-buttons:not(.natsam-language) button:not(.mod-active)", ["Enter"]),
    "enkat.ipynb": (".natsam-language button:not(.mod-active)", ["Enter"]),  # English: html lang follows
    "portfolj.ipynb": (".widget-dropdown select", ["ArrowDown"]),
    "systemhinder.ipynb": (".widget-dropdown select", ["ArrowDown"]),
}
#: What Tab must reach: every enabled control of the dashboard, plotly's buttons and the scrolling tables.
CONTROLS = ('select:not([disabled]), input:not([disabled]), button:not([disabled]), a[href], [role="slider"], '
            '.natsam-table[tabindex="0"]')
MAX_TABS = 400

TABLE_BESIDE_EVERY_FIGURE = """() => {
    const figures = Array.from(document.querySelectorAll('.natsam-figure'));
    const alone = el => el.querySelectorAll('.natsam-figure').length + el.matches('.natsam-figure') === 1;
    const isTable = el => el && el.querySelector('table caption') && el.querySelector('th[scope="col"]')
                          && !el.querySelector('.natsam-figure');
    return figures.filter(fig => {
        for (let el = fig; el && alone(el); el = el.parentElement) {
            if (isTable(el.nextElementSibling)) return false;
        }
        return true;
    }).map(fig => fig.querySelector('.gtitle') ? fig.querySelector('.gtitle').textContent : '(untitled)');
}"""

#: Marks the controls Tab must reach and records every element that takes the focus, with its outline.
RECORD_FOCUS = """(controls) => {
    for (const el of document.querySelectorAll(controls)) {
        if (el.getClientRects().length > 0) el.dataset.natsamControl = '';
    }
    window.natsamStops = [];
    document.addEventListener('focusin', event => {
        const el = event.target;
        if (!el.dataset.natsamTab) el.dataset.natsamTab = String(window.natsamStops.length);
        const style = getComputedStyle(el);
        window.natsamStops.push({tab: el.dataset.natsamTab, tag: el.tagName,
            text: (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40),
            outline: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor});
    });
}"""
#: Tab presses between two looks at what took the focus.
BATCH = 20

#: How many times the page's figures have been drawn, together.
DRAWS = ("() => Array.from(document.querySelectorAll('.natsam-figure'))"
         ".reduce((n, el) => n + Number(el.dataset.draws || 0), 0)")


def open_dashboard(page, voila, notebook: str) -> None:
    root, n_figures, _ = DASHBOARDS[notebook]
    page.goto(voila.url(notebook), timeout=TIMEOUT)
    wait_until_live(page, root, TIMEOUT)
    wait_until_drawn(page, n_figures, TIMEOUT)


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"],
               "rules": {rule: {"enabled": True} for rule in EXTRA_RULES}}
    results = Axe().run(page, options=options).response
    assert set(EXTRA_RULES) <= {r["id"] for r in results["passes"] + results["violations"]
                                + results["incomplete"] + results["inapplicable"]}, "axe skipped a rule"
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:5]]}"
            for v in results["violations"]]


def test_every_dashboard_has_a_keyboard_choice():
    """A new dashboard names the control its keyboard check changes (KEYBOARD_CHOICE)."""
    assert sorted(KEYBOARD_CHOICE) == sorted(DASHBOARDS)


@pytest.mark.parametrize("notebook", sorted(DASHBOARDS))
def test_dashboard_is_accessible(page, voila, notebook):
    open_dashboard(page, voila, notebook)
    # the page speaks Swedish and is titled by its heading (set by the natsam template's script)
    page.wait_for_function("() => document.documentElement.lang === 'sv'", timeout=10_000)
    page.wait_for_function("() => document.title === document.querySelector('h1').textContent.trim()",
                           timeout=10_000)
    assert axe_violations(page) == [], "on a desktop"
    assert page.evaluate(TABLE_BESIDE_EVERY_FIGURE) == [], "figures without a table view beside them"
    check_keyboard(page, notebook)

    page.set_viewport_size(PHONE)
    page.wait_for_function(f"""() => Array.from(document.querySelectorAll('{PLOT}'))
        .every(gd => gd._fullLayout && gd._fullLayout.width <= {PHONE['width']})""", timeout=30_000)
    assert axe_violations(page) == [], "on a phone"
    assert page.evaluate(TABLE_BESIDE_EVERY_FIGURE) == [], "figures without a table view beside them (phone)"
    page.assert_clean()


def check_keyboard(page, notebook: str) -> None:
    """Tab to the dashboard's KEYBOARD_CHOICE and change it with keys only (the figures are redrawn),
    then Tab on through the whole page: every control is reached and shows a focus ring."""
    page.evaluate(RECORD_FOCUS, CONTROLS)
    target, keys = KEYBOARD_CHOICE[notebook]
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches('{target}')"):
            break
    else:
        pytest.fail(f"Tab never reached {target}")
    before = page.evaluate(DRAWS)
    for key in keys:
        page.keyboard.press(key)
    page.wait_for_function(f"() => ({DRAWS})() > {before}", timeout=30_000)  # the figures redrawn
    if notebook == "enkat.ipynb":  # the language was changed to English: the page says so
        page.wait_for_function("() => document.documentElement.lang === 'en'", timeout=10_000)

    # on from the changed control (or from the top, if redrawing took the focus away) until the
    # focus comes round to an element it has already reached since
    start = page.evaluate("() => window.natsamStops.length")
    for _ in range(MAX_TABS // BATCH):
        for _ in range(BATCH):
            page.keyboard.press("Tab")
        since = [stop["tab"] for stop in page.evaluate(f"() => window.natsamStops.slice({start})")]
        if len(set(since)) < len(since):
            break
    else:
        pytest.fail(f"Tab did not come round in {MAX_TABS} presses")
    for stop in page.evaluate("() => window.natsamStops"):
        assert stop["outline"] != "none" and stop["width"] >= 2, f"no visible focus ring on {stop}"
        assert contrast_ratio(stop["colour"]) >= 3, f"a faint focus ring on {stop}"
    # controls a redraw replaced are no longer on the page; their successors need not be reached
    missed = page.evaluate("""() => Array.from(document.querySelectorAll('[data-natsam-control]'))
        .filter(el => el.isConnected && !('natsamTab' in el.dataset)).map(el => el.outerHTML.slice(0, 120))""")
    assert missed == [], f"controls Tab does not reach: {missed}"
