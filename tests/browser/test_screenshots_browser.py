"""Screenshots of the start page and every dashboard on a desktop and a phone (``docs/screenshots``),
and the start page's thumbnails made from the desktop ones.

After a change a viewer would see, take them again and commit them::

    NATSAM_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots_browser.py

Otherwise each committed screenshot must exist, be exactly the size of its screen, and show the page
as it is now: the PNG records what the page held when it was taken (its heading, its links to
dashboards, its figures and each figure's chart types), and the page must still hold exactly that.
Pixels are not compared, as fonts and antialiasing differ between machines; a dashboard that gains,
loses or changes a chart, or a start page that gains a dashboard, fails until its screenshots are
taken again.
"""

from __future__ import annotations

import io
import json
import os

import pytest
from conftest import DESKTOP, PHONE, PLOT, wait_until_drawn, wait_until_live
from PIL import Image, PngImagePlugin
from test_dashboards_render_browser import DASHBOARDS, TIMEOUT

from natsam_analysis.dashboard import site
from natsam_analysis.serve import prepare_start_page, start_page_url

UPDATE = os.environ.get("NATSAM_UPDATE_SCREENSHOTS") == "1"
#: The PNG text chunk that records the page's structure.
STRUCTURE_KEY = "natsam-structure"
#: The start page last: its thumbnails are made from the dashboards' screenshots.
PAGES = [*sorted(DASHBOARDS), "start"]
HOW_TO_UPDATE = "take the screenshots again: NATSAM_UPDATE_SCREENSHOTS=1 .venv/bin/pytest " \
                "tests/browser/test_screenshots_browser.py, and commit docs/screenshots and the thumbnails"


def _screen(page) -> str:
    size = page.viewport_size
    return next(name for name, (w, h) in site.SCREENS.items() if (w, h) == (size["width"], size["height"]))


def _open(page, voila, name: str) -> None:
    """Open the page and wait until it is complete: every figure drawn, every image and font loaded."""
    if name == "start":
        if UPDATE:
            prepare_start_page()  # with the thumbnails just made
        page.goto(start_page_url(voila.host, voila.port), timeout=TIMEOUT)
        # the images on screen (the others load lazily, when scrolled to)
        page.wait_for_function("""() => Array.from(document.images).every(img =>
            img.getBoundingClientRect().top >= innerHeight || (img.complete && img.naturalWidth > 0))""",
                               timeout=TIMEOUT)
    else:
        root, n_figures, _ = DASHBOARDS[name]
        page.goto(voila.url(name), timeout=TIMEOUT)
        wait_until_live(page, root, TIMEOUT)
        wait_until_drawn(page, n_figures, TIMEOUT)
    page.evaluate("() => document.fonts.ready")
    page.mouse.move(0, 0)
    # two animation frames: the last drawing is on screen
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _structure(page) -> dict:
    """What the page holds: its heading, its links to dashboards, and each figure's chart types."""
    return page.evaluate(f"""() => ({{
        heading: Array.from(document.querySelectorAll('h1')).map(h => h.innerText.trim()),
        dashboards: Array.from(document.querySelectorAll('a[href*="voila/render/"]'))
            .map(a => a.getAttribute('href').split('/').pop()),
        figures: Array.from(document.querySelectorAll('{PLOT}'))
            .map(gd => Array.from(new Set(gd._fullData.map(t => t.type))).sort()),
    }})""")


def _save(png: bytes, structure: dict, path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text(STRUCTURE_KEY, json.dumps(structure, ensure_ascii=False, sort_keys=True))
    # 256 colours: a third of the size, no visible difference on these pages
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                                               dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info, optimize=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".png.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def test_screens_are_the_browser_tests_screens():
    assert site.SCREENS == {"desktop": (DESKTOP["width"], DESKTOP["height"]),
                            "phone": (PHONE["width"], PHONE["height"])}


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_screenshot_shows_the_page_as_it_is(page, voila, name):
    screen = _screen(page)
    stem = "start" if name == "start" else site.dashboard_entry(name).name
    path = site.screenshot_path(stem, screen)
    _open(page, voila, name)
    page.assert_clean()
    structure = _structure(page)
    assert structure["heading"], "the page has a heading"
    if UPDATE:
        _save(page.screenshot(caret="hide", animations="disabled"), structure, path)
        if name != "start" and screen == "desktop":
            entry = site.dashboard_entry(name)
            site.make_thumbnail(path, site.thumbnail_path(entry))
    assert path.exists(), f"{path.name} is missing: {HOW_TO_UPDATE}"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == site.SCREENS[screen], f"{path.name} is {image.size}, not the screen's size"
        recorded = json.loads(image.text.get(STRUCTURE_KEY, "null"))
    assert recorded == structure, f"{path.name} shows another page than the current one: {HOW_TO_UPDATE}"
