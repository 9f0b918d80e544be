"""The dashboards as one site: the registry, the start page, the thumbnails and the screenshots."""

from __future__ import annotations

import os
import re

import jinja2
import pytest
from PIL import Image, ImageChops, ImageStat

from natsam_analysis import config, serve
from natsam_analysis.dashboard import site
from natsam_analysis.dashboard.agenda2030 import Agenda2030App
from natsam_analysis.dashboard.base import Dashboard, MunicipalityDashboard
from natsam_analysis.dashboard.enkat import EnkatApp
from natsam_analysis.dashboard.indexutforskaren import IndexutforskarenApp
from natsam_analysis.dashboard.kommunprofil import KommunprofilApp
from natsam_analysis.dashboard.portfolj import PortfoljApp
from natsam_analysis.dashboard.systemhinder import SystemhinderApp
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE

APPS = (Agenda2030App, EnkatApp, IndexutforskarenApp, KommunprofilApp, PortfoljApp, SystemhinderApp)
#: A thumbnail may differ this much (mean absolute difference, 0-255) from its screenshot scaled down.
THUMBNAIL_TOLERANCE = 4.0


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


# ---------------------------------------------------------------------------------------------- registry
def test_every_dashboard_notebook_has_a_registry_entry():
    """A new notebook in dashboards/ fails here until it is added to site.DASHBOARDS (and the reverse)."""
    notebooks = sorted(p.name for p in config.dashboards_dir().glob("*.ipynb"))
    assert sorted(entry.notebook for entry in site.DASHBOARDS) == notebooks


def test_every_dashboard_app_names_its_registered_notebook():
    apps = _subclasses(Dashboard) - {MunicipalityDashboard}
    assert set(APPS) <= apps
    assert sorted(app.notebook for app in apps) == sorted(entry.notebook for entry in site.DASHBOARDS)


@pytest.mark.parametrize("entry", site.DASHBOARDS, ids=lambda e: e.name)
def test_registry_entry_has_text_in_both_languages(entry):
    for lang in config.LANGUAGES:
        assert entry.title(lang) and len(entry.description(lang)) > 80
    assert entry.title("sv") != entry.title("en") or entry.name == "agenda2030"
    assert entry.description("sv") != entry.description("en")
    assert entry.data in {"panel", "survey", "barriers", "cases"}
    assert site.dashboard_entry(entry.notebook) is entry


def test_unknown_notebook_names_the_registry():
    with pytest.raises(NatsamError, match=r"nytt\.ipynb: not in the dashboard registry.*site\.DASHBOARDS"):
        site.dashboard_entry("nytt.ipynb")


def test_served_dashboards_show_synthetic_research_data_and_say_so():
    for data in ("survey", "barriers", "cases"):
        assert site.served_provenance(data)["synthetic"] is True
    with pytest.raises(NatsamError, match="Unknown dashboard data"):
        site.served_provenance("weather")


# ---------------------------------------------------------------------------------------------- screenshots
@pytest.mark.parametrize("entry", site.DASHBOARDS, ids=lambda e: e.name)
def test_screenshots_and_thumbnail_exist_and_agree(entry):
    for screen, size in site.SCREENS.items():
        with Image.open(entry.screenshot(screen)) as image:
            assert image.format == "PNG" and image.size == size
    thumbnail = site.thumbnail_path(entry)
    assert thumbnail.stat().st_size < 40_000, "keep the start page light"
    with Image.open(thumbnail) as small, Image.open(entry.screenshot("desktop")) as big:
        assert small.format == "WEBP" and small.size == site.THUMBNAIL_SIZE
        expected = big.convert("RGB").resize(site.THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        difference = ImageStat.Stat(ImageChops.difference(small.convert("RGB"), expected)).mean
    assert max(difference) < THUMBNAIL_TOLERANCE, (
        f"{thumbnail.name} is not made from {entry.screenshot('desktop').name}: take the screenshots again "
        "(NATSAM_UPDATE_SCREENSHOTS=1, tests/browser/test_screenshots_browser.py)")


def test_docs_show_every_screenshot():
    docs = (config.PROJECT_ROOT / "docs" / "dashboards.md").read_text(encoding="utf-8")
    names = ["start", *(entry.name for entry in site.DASHBOARDS)]
    for name in names:
        for screen in site.SCREENS:
            path = site.screenshot_path(name, screen)
            assert path.exists(), path
            assert f"screenshots/{path.name}" in docs, f"docs/dashboards.md does not show {path.name}"


def test_make_thumbnail(tmp_path):
    shot = tmp_path / "shot.png"
    Image.new("RGB", site.SCREENS["desktop"], (11, 61, 102)).save(shot)
    out = site.make_thumbnail(shot, tmp_path / "sub" / "thumb.webp")
    with Image.open(out) as image:
        assert image.size == site.THUMBNAIL_SIZE and image.format == "WEBP"
        assert max(abs(a - b) for a, b in zip(image.convert("RGB").getpixel((10, 10)), (11, 61, 102))) <= 3
    assert site.thumbnail_data_uri(site.DASHBOARDS[0]).startswith("data:image/webp;base64,UklGR")


# ---------------------------------------------------------------------------------------------- start page
def _cards(**kwargs) -> list[site.Card]:
    return site.dashboard_cards(site.DASHBOARDS, href=lambda e: f"voila/render/{e.notebook}", **kwargs)


@pytest.mark.parametrize("lang", config.LANGUAGES)
def test_start_page_links_every_card_in_both_languages(lang):
    page = site.start_page_html(_cards(image=lambda e: f"static/{e.thumbnail}", demo=lambda e: e.data != "panel"),
                                lang=lang, notice=dict(DEMO_NOTE), source={"sv": "Källa: X", "en": "Source: X"})
    assert page.startswith("<!DOCTYPE html>") and f'<html lang="{lang}"' in page
    links = re.findall(r'<a class="card-link" href="([^"]+)"', page)
    assert links == [f"voila/render/{entry.notebook}" for entry in site.DASHBOARDS]
    for entry in site.DASHBOARDS:
        for code in config.LANGUAGES:  # both languages are in the page, whichever is shown first
            assert entry.title(code).replace("'", "&#x27;") in page
    assert page.count('<span class="i18n-sv" lang="sv">Visar demodata</span>') == 3  # survey, barriers, cases
    assert DEMO_NOTE["sv"] in page and DEMO_NOTE["en"] in page
    assert page.count("<h1>") == 1 and page.count("<h3>") == len(site.DASHBOARDS)
    alts = re.findall(r'<img src="static/thumbnail-\w+\.webp" alt="([^"]+)"', page)
    assert len(alts) == len(site.DASHBOARDS) and all(alts)
    assert "Licens: MIT" in page and "Licence: MIT" in page and 'href="#om"' in page and 'id="om"' in page
    # nothing from elsewhere: no address with a host, no external script, style sheet or font
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "@import" not in page and "url(" not in page


def test_start_page_takes_other_cards_an_extra_section_and_a_base():
    card = site.Card(href="rapporter/0180.html", title={"sv": "Stockholm <0180>", "en": "Stockholm <0180>"},
                     description={"sv": "Rapport", "en": "Report"})
    extra = f'<section id="rapporter"><h2>{site.bilingual({"sv": "Kommunrapporter", "en": "Reports"})}</h2></section>'
    page = site.start_page_html([card], extra_html=extra, base_href="/natsam/")
    assert '<base href="/natsam/">' in page and "Stockholm &lt;0180&gt;" in page
    assert page.index('id="rapporter"') > page.index('class="cards"')
    assert "<img" not in page and "Visar demodata" not in page and "notice" not in page.split("</style>")[1]


def test_prepare_start_page_writes_a_template_voila_renders(data_dir, tmp_path, monkeypatch):
    folder = tmp_path / "dashboards"
    folder.mkdir()
    for name in ("kommunprofil.ipynb", "enkat.ipynb", "nytt.ipynb"):
        (folder / name).write_text("{}", encoding="utf-8")
    path = serve.prepare_start_page(folder)
    assert path == serve.start_page_root() / "voila" / "templates" / serve.TEMPLATE / "tree-lab.html"
    assert (path.parent / "tree.html").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    # rendered as Voila renders a template: autoescaped, with the server's base URL
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(path.parent)), autoescape=True)
    page = env.get_template("tree-lab.html").render(base_url="/prefix/")
    assert '<base href="/prefix/">' in page and "{%" not in page
    links = re.findall(r'<a class="card-link" href="([^"]+)"', page)
    # the registry's in its order, then a notebook it does not know, under its file name
    assert links == ["voila/render/kommunprofil.ipynb", "voila/render/enkat.ipynb", "voila/render/nytt.ipynb"]
    assert f'src="voila/templates/{serve.TEMPLATE}/static/thumbnail-kommunprofil.webp"' in page
    assert DEMO_NOTE["sv"] in page and page.count("Visar demodata") == 2  # the demo panel and the demo survey
    assert 'lang="en">nytt</span></a>' in page


def test_voila_finds_the_start_page_before_the_template(data_dir):
    env = serve.voila_environment({"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(serve.start_page_root()), str(serve.template_root()), "/elsewhere"]
    assert serve.start_page_root().is_relative_to(config.cache_dir())
