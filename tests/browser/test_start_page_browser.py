"""The start page that ``natsam serve`` opens on, in a real browser, and the way back from every dashboard.

At 1280x800 and 390x844 the start page links every dashboard in ``dashboards/`` (in the registry's
order: a notebook without a registry entry fails), shows each one's thumbnail with an alternative
text, switches between Swedish and English, needs nothing from elsewhere and does not scroll sideways
on a phone. A click on a card opens its dashboard, which draws, shows the site's header and footer,
and leads back to the start page.
"""

from __future__ import annotations

import pytest
from conftest import DESKTOP, PHONE, wait_until_drawn
from test_dashboards_render_browser import DASHBOARDS, TIMEOUT

from natsam_analysis import config
from natsam_analysis.dashboard import site
from natsam_analysis.i18n import DEMO_NOTE, label
from natsam_analysis.panel import is_synthetic
from natsam_analysis.serve import start_page_url

NOTEBOOKS = sorted(p.name for p in config.dashboards_dir().glob("*.ipynb"))


def _open_start(page, voila, query: str = "") -> str:
    url = start_page_url(voila.host, voila.port)
    page.goto(url + query, timeout=TIMEOUT)
    page.wait_for_selector(".card", timeout=TIMEOUT)
    return url


def _visible_text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text().strip()


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_start_page_links_every_dashboard(page, voila):
    url = _open_start(page, voila)
    assert page.title() == label("site_title", "sv")
    assert _visible_text(page, "h1") == label("site_title", "sv")
    cards = page.evaluate("""() => Array.from(document.querySelectorAll('.card')).map(card => {
        const link = card.querySelector('h3 a'), img = card.querySelector('img');
        return {href: link.href, text: link.innerText.trim(), badge: !!card.querySelector('.badge'),
                image: img && img.getAttribute('src'), alt: img && img.alt};
    })""")
    # every dashboard, each once, in the registry's order; a notebook the registry lacks fails here
    registered = [entry.notebook for entry in site.DASHBOARDS]
    assert sorted(registered) == NOTEBOOKS, "add the new dashboard to natsam_analysis.dashboard.site.DASHBOARDS"
    assert [card["href"] for card in cards] == [voila.url(notebook) for notebook in registered]
    for card, entry in zip(cards, site.DASHBOARDS):
        assert card["text"] == entry.title("sv")
        assert card["image"].endswith(f"/static/{entry.thumbnail}")
        assert card["alt"] == label("site_screenshot_alt", "sv", title=entry.title("sv"))
        assert card["badge"] == is_synthetic(site.served_provenance(entry.data))
    if any(card["badge"] for card in cards):
        assert DEMO_NOTE["sv"] in _visible_text(page, ".notice")
    # every thumbnail loads (scrolled into view: they load lazily), at its size
    for image in page.locator(".card img").all():
        image.scroll_into_view_if_needed()
    page.wait_for_function("() => Array.from(document.images).every(img => img.complete && img.naturalWidth === 480)",
                           timeout=TIMEOUT)
    footer = _visible_text(page, ".site-footer")
    assert "natsam-analysis" in footer and "Licens: MIT" in footer
    assert page.locator("h1").count() == 1 and page.locator("main h2").count() == 2
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the screen"
    # one page and its images, nothing else: no kernel, no script or style from anywhere
    requested = [r for r in page.record.requests if not r.startswith("data:")]
    assert requested[0] == url and len(requested) == 1 + len(site.DASHBOARDS), requested
    page.assert_clean()


@pytest.mark.parametrize("page", [DESKTOP, PHONE], indirect=True, ids=["desktop", "phone"])
def test_language_toggle(page, voila):
    url = _open_start(page, voila)
    page.get_by_role("button", name="English").click()
    assert _visible_text(page, "h1") == label("site_title", "en")
    assert page.title() == label("site_title", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.url == url + "?lang=en"
    first = site.DASHBOARDS[0]
    assert _visible_text(page, ".card h3 a") == first.title("en")
    assert page.locator(".card img").first.get_attribute("alt") == label("site_screenshot_alt", "en",
                                                                         title=first.title("en"))
    assert label("site_title", "sv") not in page.inner_text("body")  # the Swedish text is hidden
    page.get_by_role("button", name="Svenska").click()
    assert _visible_text(page, "h1") == label("site_title", "sv") and page.url == url + "?lang=sv"
    # an address can ask for English
    _open_start(page, voila, "?lang=en")
    assert _visible_text(page, "h1") == label("site_title", "en")
    assert _visible_text(page, "h2") == label("site_dashboards_heading", "en")
    page.assert_clean()


@pytest.mark.parametrize("notebook", [entry.notebook for entry in site.DASHBOARDS])
def test_card_opens_its_dashboard_and_the_header_leads_back(page, voila, notebook):
    entry = site.dashboard_entry(notebook)
    root, n_figures, _ = DASHBOARDS[notebook]
    start = _open_start(page, voila)
    page.locator(".card", has=page.locator(f'a[href$="{notebook}"]')).click()
    page.wait_for_url(voila.url(notebook), timeout=TIMEOUT)
    page.wait_for_selector(root, timeout=TIMEOUT)
    wait_until_drawn(page, n_figures, TIMEOUT)
    header = page.locator(f"{root} .natsam-site-header")
    assert header.locator("h1").inner_text().strip() == entry.title("sv")
    assert page.locator("h1").count() == 1
    demo = is_synthetic(site.served_provenance(entry.data))
    assert (DEMO_NOTE["sv"] in header.locator(".natsam-note").inner_text()) == demo
    footer = page.locator(f"{root} .natsam-site-footer").inner_text()
    assert "natsam-analysis" in footer and "Licens: MIT" in footer
    assert (DEMO_NOTE["sv"] in footer) == demo
    # the header's language toggle switches the header too, and the way back keeps the language
    header.get_by_role("button", name="English").click()
    page.wait_for_function(f"""() => document.querySelector('{root} .natsam-site-header h1').innerText.trim()
                               === {entry.title('en')!r}""", timeout=TIMEOUT)
    home = header.get_by_role("link", name=label("site_all_dashboards", "en"))
    assert home.evaluate("a => a.href") == start + "?lang=en"
    home.click()
    page.wait_for_url(start + "?lang=en", timeout=TIMEOUT)
    assert _visible_text(page, "h1") == label("site_title", "en")
    page.assert_clean()
