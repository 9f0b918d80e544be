"""The dashboards as one site: the registry of dashboards, their thumbnails and the start page.

:data:`DASHBOARDS` lists every dashboard once: its notebook in ``dashboards/``, its title and
one-paragraph description (label keys of :mod:`natsam_analysis.i18n`, so Swedish and English), the
data it shows and its thumbnail. Everything that presents the dashboards together reads it: the
start page that ``natsam serve`` shows at ``/`` (:func:`natsam_analysis.serve.prepare_start_page`),
the header and footer of every dashboard (:mod:`natsam_analysis.dashboard.widgets`) and the tests
(a notebook in ``dashboards/`` without an entry fails them).

:func:`start_page_html` renders a start page from any list of :class:`Card`: a self-contained HTML
document in Swedish and English (a button, or ``?lang=en``, switches the language; no request leaves
the page's host), so a static site can reuse it with other cards and an extra section.

Examples
--------
>>> cards = dashboard_cards(DASHBOARDS, href=lambda e: f"voila/render/{e.notebook}")
>>> page = start_page_html(cards, lang="en")
>>> 'href="voila/render/kommunprofil.ipynb"' in page and "Municipality profile" in page
True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from natsam_analysis import config
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.panel import is_synthetic
from natsam_analysis.store import atomic_write

#: Text in both languages: {"sv": ..., "en": ...}.
Text = Mapping[str, str]

#: Where the screenshots of the dashboards are kept (docs/screenshots/<name>-desktop.png, -phone.png).
SCREENSHOTS_DIR = config.PROJECT_ROOT / "docs" / "screenshots"
#: The screens a screenshot is taken on (pixels): what the browser tests check too.
SCREENS = {"desktop": (1280, 800), "phone": (390, 844)}
#: The thumbnails of the start page: made from the desktop screenshots, served with the template.
THUMBNAIL_DIR = Path(__file__).resolve().parent / "share" / "voila" / "templates" / "natsam" / "static"
THUMBNAIL_SIZE = (480, 300)
THUMBNAIL_QUALITY = 80
#: The licence of the project (pyproject.toml).
LICENCE = "MIT"
#: The id of the start page's section about the dashboards (the footers' "about" link points at it).
ABOUT_ID = "om"


@dataclass(frozen=True)
class DashboardEntry:
    """One dashboard of the site.

    Parameters
    ----------
    notebook
        Its notebook's file name in ``dashboards/``.
    title_key, description_key
        Label keys (:data:`natsam_analysis.i18n.LABELS`) of its title and one-paragraph description.
    data
        What it shows: ``"panel"`` (the indicator panel: Kolada or the demo), ``"survey"``,
        ``"barriers"`` or ``"cases"`` (the research's own data; served with the synthetic demo).
    """

    notebook: str
    title_key: str
    description_key: str
    data: str

    @property
    def name(self) -> str:
        """The notebook's name without ``.ipynb`` (``"kommunprofil"``)."""
        return Path(self.notebook).stem

    @property
    def thumbnail(self) -> str:
        """The thumbnail's file name in :data:`THUMBNAIL_DIR`."""
        return f"thumbnail-{self.name}.webp"

    def title(self, lang: str | None = None) -> str:
        return label(self.title_key, lang)

    def description(self, lang: str | None = None) -> str:
        return label(self.description_key, lang)

    def screenshot(self, screen: str) -> Path:
        """Its committed screenshot on ``screen`` (``"desktop"`` or ``"phone"``)."""
        return screenshot_path(self.name, screen)


#: Every dashboard, in the order of the start page.
DASHBOARDS: tuple[DashboardEntry, ...] = (
    DashboardEntry("kommunprofil.ipynb", "kommunprofil_title", "kommunprofil_description", "panel"),
    DashboardEntry("indexutforskaren.ipynb", "indexutforskaren_title", "indexutforskaren_description", "panel"),
    DashboardEntry("agenda2030.ipynb", "agenda2030_title", "agenda2030_description", "panel"),
    DashboardEntry("enkat.ipynb", "survey_title", "survey_description", "survey"),
    DashboardEntry("systemhinder.ipynb", "barriers_title", "barriers_description", "barriers"),
    DashboardEntry("portfolj.ipynb", "cases_title", "cases_description", "cases"),
)


def screenshot_path(name: str, screen: str) -> Path:
    """The committed screenshot of page ``name`` (a dashboard's name, or ``"start"`` for the start page)
    on ``screen`` (``"desktop"`` or ``"phone"``): ``docs/screenshots/<name>-<screen>.png``."""
    if screen not in SCREENS:
        raise NatsamError(f"Unknown screen {screen!r}; use one of {', '.join(SCREENS)}.")
    return SCREENSHOTS_DIR / f"{name}-{screen}.png"


def dashboard_entry(notebook: str) -> DashboardEntry:
    """The registry entry of ``notebook`` (a file name such as ``"kommunprofil.ipynb"``).

    Examples
    --------
    >>> dashboard_entry("agenda2030.ipynb").title("en")
    'Agenda 2030'
    """
    for entry in DASHBOARDS:
        if entry.notebook == notebook:
            return entry
    raise NatsamError(f"{notebook}: not in the dashboard registry; add a DashboardEntry for it to "
                      "natsam_analysis.dashboard.site.DASHBOARDS (title, description, data).")


def texts(key: str, **fields: object) -> dict[str, str]:
    """The label ``key`` in every language, as a :data:`Text`."""
    return {lang: label(key, lang, **fields) for lang in config.LANGUAGES}


# ---------------------------------------------------------------------------------------------- thumbnails
def make_thumbnail(screenshot: Path, out: Path) -> Path:
    """Write ``out``: ``screenshot`` scaled down to :data:`THUMBNAIL_SIZE` (WebP), atomically."""
    from PIL import Image

    with Image.open(screenshot) as image:
        small = image.convert("RGB").resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "WEBP", quality=THUMBNAIL_QUALITY, method=6)
    atomic_write(out, lambda tmp: tmp.write_bytes(buffer.getvalue()))
    return out


def thumbnail_path(entry: DashboardEntry) -> Path:
    return THUMBNAIL_DIR / entry.thumbnail


def thumbnail_data_uri(entry: DashboardEntry) -> str:
    """The thumbnail as a ``data:`` URI, for a page that must carry its images itself."""
    data = thumbnail_path(entry).read_bytes()
    return "data:image/webp;base64," + base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------------------------------------- cards
@dataclass(frozen=True)
class Card:
    """One link of a start page: a title, a description, an optional image and badge, each in both languages."""

    href: str
    title: Text
    description: Text
    image: str | None = None
    image_alt: Text | None = None
    badge: Text | None = None


def dashboard_cards(entries: Iterable[DashboardEntry], *, href: Callable[[DashboardEntry], str],
                    image: Callable[[DashboardEntry], str | None] | None = None,
                    demo: Callable[[DashboardEntry], bool] | None = None) -> list[Card]:
    """A :class:`Card` per dashboard: ``href(entry)`` its address, ``image(entry)`` its thumbnail's
    address (none by default), and a "Demodata" badge where ``demo(entry)`` is true."""
    cards = []
    for entry in entries:
        title = texts(entry.title_key)
        cards.append(Card(
            href=href(entry), title=title, description=texts(entry.description_key),
            image=image(entry) if image else None,
            image_alt={lang: label("site_screenshot_alt", lang, title=title[lang]) for lang in title},
            badge=texts("site_demo_badge") if demo and demo(entry) else None,
        ))
    return cards


def served_provenance(data: str) -> dict:
    """The provenance of the data a served dashboard of kind ``data`` shows (:attr:`DashboardEntry.data`):
    the indicator panel (:func:`~natsam_analysis.panel.load_panel`), or the survey, barrier register or
    case portfolio that the notebooks load by default (the synthetic demo)."""
    if data == "panel":
        from natsam_analysis.panel import load_panel
        return dict(load_panel().attrs.get("provenance", {}))
    if data == "survey":
        from natsam_analysis.sources.survey import load_survey
        return dict(load_survey().attrs.get("provenance", {}))
    if data == "barriers":
        from natsam_analysis.sources.barriers import load_barriers
        return dict(load_barriers().provenance)
    if data == "cases":
        from natsam_analysis.sources.cases import load_cases
        return dict(load_cases().attrs.get("provenance", {}))
    raise NatsamError(f"Unknown dashboard data {data!r}; use panel, survey, barriers or cases.")


def folder_cards(folder: Path, *, href: Callable[[str], str],
                 image: Callable[[DashboardEntry], str | None]) -> list[Card]:
    """A card per dashboard notebook in ``folder``, as served: the registry's in its order, each with
    ``image(entry)`` where its thumbnail exists and a demo badge where the data it shows by default is
    synthetic (:func:`served_provenance`); a notebook missing from the registry gets a plain card with
    its file name. ``href(notebook)`` is a notebook's address."""
    notebooks = {p.name for p in Path(folder).glob("*.ipynb")}
    entries = [entry for entry in DASHBOARDS if entry.notebook in notebooks]
    demo = {data: is_synthetic(served_provenance(data)) for data in {entry.data for entry in entries}}
    cards = dashboard_cards(entries, href=lambda entry: href(entry.notebook),
                            image=lambda entry: image(entry) if thumbnail_path(entry).exists() else None,
                            demo=lambda entry: demo[entry.data])
    for name in sorted(notebooks - {entry.notebook for entry in entries}):
        stem = {lang: Path(name).stem for lang in config.LANGUAGES}
        cards.append(Card(href=href(name), title=stem, description={lang: "" for lang in stem}))
    return cards


# ---------------------------------------------------------------------------------------------- footer
def footer_html(source: str, lang: str, *, about_href: str) -> str:
    """The site's footer line: the project, the data source, the licence and a link to the about section."""
    parts = [f"<strong>{html.escape(label('site_project', lang))}</strong>", html.escape(source),
             html.escape(label("site_licence", lang, licence=LICENCE)),
             f'<a href="{html.escape(about_href)}">{html.escape(label("site_about_heading", lang))}</a>']
    return " · ".join(p for p in parts if p)


# ---------------------------------------------------------------------------------------------- the page
def bilingual(text: Text, tag: str = "span", **attrs: str) -> str:
    """``text`` as one element per language; the page shows the current language's (see :func:`start_page_html`)."""
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{html.escape(v)}"' for k, v in attrs.items())
    return "".join(f'<{tag} class="i18n-{lang}" lang="{lang}"{extra}>{html.escape(text[lang])}</{tag}>'
                   for lang in config.LANGUAGES)


_STYLE = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:#1a1a1a;background:#f4f6f8;line-height:1.5}
html[lang=sv] .i18n-en,html[lang=en] .i18n-sv{display:none!important}
a{color:#0b4f8a}
a:focus-visible,button:focus-visible{outline:3px solid #0b4f8a;outline-offset:2px}
.wrap{max-width:1200px;margin:0 auto;padding:0 16px}
.site-header{background:#0b3d66;color:#fff;padding:12px 0 20px}
.site-header .bar{display:flex;justify-content:space-between;align-items:center;gap:12px}
.site-header .brand{margin:0;font-weight:600;letter-spacing:.02em}
.site-header h1{margin:12px 0 6px;font-size:clamp(1.5rem,4vw,2.2rem);line-height:1.2}
.site-header .intro{margin:0;font-size:1.05rem}
.lang-toggle{font:inherit;font-size:.95rem;color:#0b3d66;background:#fff;border:2px solid #fff;border-radius:4px;
 padding:4px 12px;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:16px}
main h2{font-size:1.4rem;margin:8px 0 12px}
.notice{background:#fff4d6;border-left:4px solid #e69f00;padding:8px 12px;margin:0 0 16px}
.cards{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:20px}
.card{position:relative;background:#fff;border:1px solid #c9d1d9;border-radius:6px;overflow:hidden;display:flex;
 flex-direction:column}
.card:hover{border-color:#0b4f8a;box-shadow:0 2px 8px rgba(0,0,0,.15)}
.card:focus-within{outline:3px solid #0b4f8a;outline-offset:2px}
.card img{display:block;width:100%;height:auto;aspect-ratio:480/300;border-bottom:1px solid #c9d1d9;background:#e9edf1}
.card .body{padding:12px 16px 16px}
.card h3{margin:0 0 6px;font-size:1.2rem}
.card h3 a{text-decoration:none}
.card h3 a::after{content:"";position:absolute;inset:0}
.card h3 a:focus-visible{outline:none}
.card p{margin:0}
.badge{display:inline-block;margin-top:10px!important;font-size:.85rem;background:#fff4d6;border:1px solid #e69f00;
 border-radius:3px;padding:0 6px}
section{margin-top:28px}
.site-footer{border-top:1px solid #c9d1d9;background:#fff;padding:12px 0;font-size:.9rem;color:#333}
.site-footer p{margin:0 auto}
"""

_SCRIPT = """
(function () {
  var root = document.documentElement, button = document.getElementById("natsam-lang");
  function show(lang, remember) {
    root.lang = lang;
    document.title = root.getAttribute("data-title-" + lang);
    document.querySelectorAll("img[data-alt-" + lang + "]").forEach(function (img) {
      img.alt = img.getAttribute("data-alt-" + lang);
    });
    if (remember && window.history && history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("lang", lang);
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }
  var asked = new URLSearchParams(window.location.search).get("lang");
  if (asked === "sv" || asked === "en") { show(asked, false); }
  button.addEventListener("click", function () { show(root.lang === "sv" ? "en" : "sv", true); });
})();
"""


def start_page_html(cards: Sequence[Card], *, lang: str = "sv", heading: Text | None = None,
                    intro: Text | None = None, cards_heading: Text | None = None, notice: Text | None = None,
                    source: Text | None = None, extra_html: str = "", about: Text | None = None,
                    base_href: str | None = None) -> str:
    """A start page linking ``cards``, in Swedish and English, as one self-contained HTML document.

    Both languages are in the page; ``lang`` is the one shown first, the button (or ``?lang=sv|en``
    in the address) shows the other. The page needs nothing but its own HTML and the cards' images:
    no script, style sheet or font from elsewhere.

    Parameters
    ----------
    cards
        The links, in order (e.g. :func:`dashboard_cards`).
    lang
        The language shown first.
    heading, intro, cards_heading, about
        The page's title, introduction, the heading above the cards and the about section (default:
        the site's labels ``site_title``, ``site_intro``, ``site_dashboards_heading``, ``site_about``).
    notice
        A highlighted line above the cards (e.g. the demo note), or none.
    source
        The data source named in the footer, or none.
    extra_html
        HTML placed after the cards (e.g. a section of reports); use :func:`bilingual` for its text.
    base_href
        The address relative links resolve against (a ``<base>`` element), or none.
    """
    lang = check_language(lang)
    heading = heading or texts("site_title")
    intro = intro or texts("site_intro")
    cards_heading = cards_heading or texts("site_dashboards_heading")
    about = about or texts("site_about")
    items = []
    for card in cards:
        image = ""
        if card.image:
            alt = card.image_alt or {code: "" for code in config.LANGUAGES}
            data = "".join(f' data-alt-{code}="{html.escape(alt[code])}"' for code in config.LANGUAGES)
            image = (f'<img src="{html.escape(card.image)}" alt="{html.escape(alt[lang])}"{data} '
                     f'width="{THUMBNAIL_SIZE[0]}" height="{THUMBNAIL_SIZE[1]}" loading="lazy">')
        badge = f'<p class="badge">{bilingual(card.badge)}</p>' if card.badge else ""
        items.append(f'<li class="card">{image}<div class="body"><h3><a class="card-link" '
                     f'href="{html.escape(card.href)}">{bilingual(card.title)}</a></h3>'
                     f"<p>{bilingual(card.description)}</p>{badge}</div></li>")
    footer = "".join(f'<span class="i18n-{code}" lang="{code}">'
                     f'{footer_html(source[code] if source else "", code, about_href="#" + ABOUT_ID)}</span>'
                     for code in config.LANGUAGES)
    titles = "".join(f' data-title-{code}="{html.escape(heading[code])}"' for code in config.LANGUAGES)
    base = f'<base href="{html.escape(base_href)}">' if base_href is not None else ""
    notice_html = f'<p class="notice">{bilingual(notice)}</p>' if notice else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"{titles}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{base}<title>{html.escape(heading[lang])}</title>
<link rel="icon" href="data:,">
<style>{_STYLE}</style>
</head>
<body>
<header class="site-header"><div class="wrap">
<div class="bar"><p class="brand">natsam-analysis</p>
<button type="button" id="natsam-lang" class="lang-toggle"><span class="i18n-sv" lang="en">English</span><span class="i18n-en" lang="sv">Svenska</span></button></div>
<h1>{bilingual(heading)}</h1>
<p class="intro">{bilingual(intro)}</p>
</div></header>
<main id="main">
{notice_html}<h2>{bilingual(cards_heading)}</h2>
<ul class="cards">
{chr(10).join(items)}
</ul>
{extra_html}
<section id="{ABOUT_ID}" aria-labelledby="{ABOUT_ID}-heading">
<h2 id="{ABOUT_ID}-heading">{bilingual(texts("site_about_heading"))}</h2>
<p>{bilingual(about)}</p>
</section>
</main>
<footer class="site-footer"><p class="wrap">{footer}</p></footer>
<script>{_SCRIPT}</script>
</body>
</html>
"""
