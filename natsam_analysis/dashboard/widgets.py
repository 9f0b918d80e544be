"""Small widget helpers used by every dashboard: municipality picker, language toggle, notes, and the
site's header and footer (the same on every dashboard)."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable

import ipywidgets as widgets
import traitlets

from natsam_analysis import geography
from natsam_analysis.dashboard import site
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import label

log = logging.getLogger(__name__)


def fluid_layout(max_width: str, **extra) -> widgets.Layout:
    """A widget layout that fills a phone's width and stops at ``max_width`` on a desktop."""
    return widgets.Layout(width="100%", max_width=max_width, **extra)


def municipality_options() -> dict[str, str]:
    """Picker labels -> municipality ids: "Stockholm (0180)", the six platforms first, then A-Ö."""
    names = geography.municipality_names()
    return {f"{names[mid]} ({mid})": mid for mid in geography.platform_first_order()}


def municipality_picker(options: dict[str, str], value: str, placeholder: str) -> widgets.Combobox:
    """A searchable municipality field over ``options`` (from :func:`municipality_options`), showing
    the label ``value``; the viewer types part of a name or id and the browser lists the matches.

    The placeholder is also the field's visible label (its ``description``, which follows a new
    placeholder), so the field stays named once it holds a municipality.
    """
    picker = widgets.Combobox(
        options=list(options), value=value, ensure_option=True, placeholder=placeholder,
        description=placeholder, style={"description_width": "initial"}, layout=fluid_layout("560px"),
    )
    traitlets.dlink((picker, "placeholder"), (picker, "description"))
    return picker


def language_toggle(lang: str) -> widgets.ToggleButtons:
    """Svenska / English; its CSS class ``natsam-lang-<value>`` tells the page which language it is in
    (the natsam template's script sets ``<html lang>`` from it)."""
    toggle = widgets.ToggleButtons(
        options=[("Svenska", "sv"), ("English", "en")], value=lang,
        style={"button_width": "80px"}, layout=widgets.Layout(width="auto"),
    )
    toggle.add_class("natsam-language")
    toggle.add_class(f"natsam-lang-{lang}")

    def mark(change: dict) -> None:
        toggle.remove_class(f"natsam-lang-{change['old']}")
        toggle.add_class(f"natsam-lang-{change['new']}")

    toggle.observe(mark, names="value")
    return toggle


#: The start page, from a dashboard (served at ``<base>/voila/render/<name>.ipynb``; the start page is ``<base>/``).
HOME_URL = "../../"


def home_url(lang: str, anchor: str = "") -> str:
    """The start page's address from a dashboard, in ``lang`` (``?lang=en`` for English)."""
    return HOME_URL + ("?lang=en" if lang == "en" else "") + (f"#{anchor}" if anchor else "")


#: The header's look: a compact title on a phone.
SITE_HEADER_CSS = (".natsam-site-header h1{margin:4px 0 2px;font-size:1.6em;line-height:1.2}"
                   "@media (max-width:600px){.natsam-site-header h1{font-size:1.3em}}")


def site_home_html(lang: str) -> str:
    """The header's link back to the start page ("Alla instrumentpaneler")."""
    return (f'<nav class="natsam-site-nav" aria-label="{html.escape(label("site_dashboards_heading", lang))}">'
            f'<a class="natsam-home" href="{home_url(lang)}"><span aria-hidden="true">&larr; </span>'
            f'{html.escape(label("site_all_dashboards", lang))}</a></nav>')


def site_title_html(title: str) -> str:
    """The header's title: the dashboard's name, the page's heading."""
    return f"<style>{SITE_HEADER_CSS}</style><h1 class='natsam-site-title'>{html.escape(title)}</h1>"


def site_header(home: widgets.HTML, language: widgets.ToggleButtons, title: widgets.HTML,
                note: widgets.HTML) -> widgets.VBox:
    """The header of every dashboard: the link to the start page (``home``, :func:`site_home_html`)
    with the language toggle beside it, the title (:func:`site_title_html`) and the source or demo note."""
    top = widgets.HBox([home, language], layout=widgets.Layout(
        flex_flow="row wrap", justify_content="space-between", align_items="center", width="100%"))
    header = widgets.VBox([top, title, note], layout=widgets.Layout(width="100%", margin="0 0 8px"))
    header.add_class("natsam-site-header")
    return header


def site_footer_html(source: str, lang: str) -> str:
    """The footer of every dashboard: the project, the data source, the licence, the link to "about"."""
    line = site.footer_html(source, lang, about_href=home_url(lang, site.ABOUT_ID))
    return (f'<footer class="natsam-site-footer" style="border-top:1px solid #D9D9D9;margin-top:16px;'
            f'padding:8px 0;font-size:0.9em;color:#333">{line}</footer>')


def note_html(text: str, *, demo: bool) -> str:
    """The source / demo note shown above a dashboard (highlighted for demo data)."""
    style = ("background:#FFF4D6;border-left:4px solid #E69F00;" if demo else "background:#F2F5F8;border-left:4px solid #0072B2;")
    return f'<div class="natsam-note" style="{style}padding:6px 10px;margin:4px 0">{html.escape(text)}</div>'


def guarded(status: widgets.HTML, message: Callable[[], str]) -> Callable:
    """Decorator for widget callbacks: a failure shows a short message instead of a traceback."""

    def wrap(func: Callable) -> Callable:
        def run(*args, **kwargs):
            try:
                result = func(*args, **kwargs)
                status.value = ""
                return result
            except NatsamError as exc:
                status.value = f'<div class="natsam-error" style="color:#B00020">{html.escape(str(exc))}</div>'
            except Exception:  # noqa: BLE001 - viewers must never see a traceback
                log.exception("dashboard callback failed")
                status.value = f'<div class="natsam-error" style="color:#B00020">{html.escape(message())}</div>'
        return run

    return wrap


TABLE_CSS = (".natsam-table th,.natsam-table td{border-bottom:1px solid #D9D9D9;padding:4px 8px;"
             "text-align:left;vertical-align:top;line-height:1.35}.natsam-table th{background:#F2F5F8}")


def table_html(header: list[str], rows: list[list[str]], *, caption: str, note: str,
               max_height: str | None = None) -> str:
    """A chart's table view: an accessible HTML table (caption, column headers, the source note
    below), scrolling sideways on a narrow screen rather than overflowing the page, and scrolling
    down within ``max_height`` (e.g. ``"420px"``) when given. The scrolling box is a named region
    that takes the keyboard focus, so that it can be scrolled with the arrow keys."""
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    height = f";max-height:{max_height};overflow-y:auto" if max_height else ""
    return (f"<style>{TABLE_CSS}</style>"
            f'<div class="natsam-table" role="region" tabindex="0" aria-label="{html.escape(caption)}" '
            f'style="overflow-x:auto;max-width:100%{height}">'
            f'<table style="border-collapse:collapse;font-size:13px">'
            f'<caption style="text-align:left;font-weight:600;padding:4px 0">{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
            f'<div style="color:#555;font-size:11px;margin-top:4px">{html.escape(note)}</div>')


def plain_title(title: str) -> str:
    """A figure title as one line of text for a table caption: line breaks become " – ", tags go.

    Examples
    --------
    >>> plain_title("Lund: percentil per indikator<br><sub>Kompetens</sub>")
    'Lund: percentil per indikator – Kompetens'
    """
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"\s*<br\s*/?>\s*", " – ", title))).strip()


def chart_with_table(chart: widgets.Widget, table: widgets.Widget) -> widgets.HBox:
    """A chart with its table view beside it on a desktop, below it on a phone."""
    left = widgets.VBox([chart], layout=widgets.Layout(flex="2 1 560px", min_width="300px"))
    right = widgets.VBox([table], layout=widgets.Layout(flex="1 1 320px", min_width="280px"))
    return widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))
