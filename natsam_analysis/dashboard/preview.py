"""A dashboard's first screen before its widgets: a static copy of the widget tree, first figure drawn.

Served by Voila, a dashboard's widgets reach the page only once the page's front end has started,
connected to the kernel and asked for the widgets' state; the first figure is then drawn after
every widget view has been made. The page's own output (text, HTML) is shown earlier, as soon as
the front end has started. So the root widget of a dashboard (:class:`DashboardBox`) also sends a
*preview* with its display: the widget tree rendered as static HTML with the classes and inline
styles that ipywidgets 8 gives the same widgets (so that it is laid out exactly like them), and the
first figure's JSON. The ``natsam`` template puts the preview in the page beside the widget output,
and its ``natsam-preview.js`` shows it, draws the first figure in it with the page's plotly.js, and
replaces it by the live dashboard as soon as the live dashboard has drawn its own first figure. The
preview is ``inert`` (no focus, no clicks, not read aloud): it only shows.

Anywhere but Voila (JupyterLab, nbconvert) the root sends no preview.

Examples
--------
>>> import ipywidgets as widgets
>>> static_html(widgets.VBox([widgets.HTML("<b>Hej</b>")], layout=widgets.Layout(width="100%")))
'<div class="lm-Widget lm-Panel jupyter-widgets widget-container widget-box widget-vbox" style="width: 100%"><div class="lm-Widget jupyter-widgets widget-inline-hbox widget-html"><label class="widget-label" style="display: none;"></label><div class="widget-html-content"><b>Hej</b></div></div></div>'
>>> static_html(widgets.IntText())
Traceback (most recent call last):
...
natsam_analysis.errors.NatsamError: A dashboard preview cannot show IntText widgets. Use one of Box, Button, Combobox, Dropdown, FloatSlider, HBox, HTML, PlotlyView, Select, ToggleButtons, VBox, or teach natsam_analysis/dashboard/preview.py to render it.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable

import ipywidgets as widgets

from natsam_analysis.dashboard.figure import PlotlyView, in_voila
from natsam_analysis.errors import NatsamError

log = logging.getLogger(__name__)

#: The MIME type of a preview in a dashboard's display output (read by the natsam template).
PREVIEW_MIME = "application/vnd.natsam.preview+json"
#: plotly.js's height of a figure whose layout gives none.
DEFAULT_FIGURE_HEIGHT = 450
#: Marks the figure the preview draws (the first one, which the live dashboard also draws first).
DRAW_ATTRIBUTE = "data-natsam-preview-draw"


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def _classes(widget: widgets.DOMWidget, *base: str) -> str:
    return " ".join([*base, *widget._dom_classes])


def _style(widget: widgets.DOMWidget) -> str:
    """The widget's layout as the inline style ipywidgets gives its element."""
    layout = widget.layout
    rules = [f"{name.replace('_', '-')}: {getattr(layout, name)}" for name in layout.keys
             if not name.startswith("_") and getattr(layout, name) is not None]
    return f' style="{_attr("; ".join(rules))}"' if rules else ""


def _label(widget: widgets.DOMWidget) -> str:
    """The description label of a widget (hidden when it has no description)."""
    if not widget.description:
        return '<label class="widget-label" style="display: none;"></label>'
    width = getattr(widget.style, "description_width", "")
    style = f"width: {width};" if width else ""
    return f'<label class="widget-label" style="{_attr(style)}">{html.escape(widget.description)}</label>'


def _options(widget: widgets.widget_selection._Selection) -> str:
    """The options of a drop-down or list, as ipywidgets writes them (spaces kept with &nbsp;)."""
    return "".join(
        f'<option{" selected" if index == widget.index else ""}>'
        f'{html.escape(text).replace(" ", "&nbsp;")}</option>'
        for index, text in enumerate(widget._options_labels))


def _inline(widget: widgets.DOMWidget, kind: str, content: str) -> str:
    """A described control in ipywidgets' inline row: its label, then ``content``."""
    classes = _classes(widget, "lm-Widget jupyter-widgets widget-inline-hbox", kind)
    return f'<div class="{classes}"{_style(widget)}>{_label(widget)}{content}</div>'


def _box(widget: widgets.Box) -> str:
    kind = "widget-hbox" if isinstance(widget, widgets.HBox) else "widget-vbox" if isinstance(widget, widgets.VBox) else ""
    classes = _classes(widget, "lm-Widget lm-Panel jupyter-widgets widget-container widget-box", *filter(None, [kind]))
    return f'<div class="{classes}"{_style(widget)}>{"".join(static_html(child) for child in widget.children)}</div>'


def _html(widget: widgets.HTML) -> str:
    return _inline(widget, "widget-html", f'<div class="widget-html-content">{widget.value}</div>')


def _toggle_buttons(widget: widgets.ToggleButtons) -> str:
    width = widget.style.button_width
    style = f' style="width: {_attr(width)};"' if width else ""
    buttons = "".join(
        f'<button type="button" class="widget-toggle-button jupyter-button{" mod-active" if i == widget.index else ""}"'
        f'{style}>{html.escape(text)}<i></i></button>'
        for i, text in enumerate(widget._options_labels))
    return f'<div class="{_classes(widget, "lm-Widget widget-toggle-buttons")}"{_style(widget)}>{_label(widget)}<div>{buttons}</div></div>'


def _dropdown(widget: widgets.Dropdown) -> str:
    return _inline(widget, "widget-dropdown", f"<select>{_options(widget)}</select>")


def _select(widget: widgets.Select) -> str:
    return _inline(widget, "widget-select", f'<select size="{int(widget.rows)}">{_options(widget)}</select>')


def _combobox(widget: widgets.Combobox) -> str:
    return _inline(widget, "widget-text", f'<input type="text" class="widget-input" placeholder="{_attr(widget.placeholder)}" '
                                          f'value="{_attr(widget.value)}">')


def _button(widget: widgets.Button) -> str:
    classes = _classes(widget, "lm-Widget jupyter-widgets jupyter-button widget-button")
    icon = f'<i class="fa fa-{_attr(widget.icon)}"></i>' if widget.icon else ""
    return f'<button class="{classes}"{_style(widget)}>{icon}{html.escape(widget.description)}</button>'


def _float_slider(widget: widgets.FloatSlider) -> str:
    span = widget.max - widget.min
    percent = 100 * (widget.value - widget.min) / span if span else 0
    # noUiSlider moves the handle's origin (a tenth of the track wide) by its own width.
    origin = f"transform: translate({-(100 - percent) * 10:g}%, 0px); z-index: 4;"
    readout = format(widget.value, widget.readout_format) if widget.readout else ""
    return _inline(widget, "widget-slider widget-hslider", (
        '<div class="slider-container"><div class="slider noUi-target noUi-ltr noUi-horizontal noUi-txt-dir-ltr">'
        f'<div class="noUi-base"><div class="noUi-connects"></div><div class="noUi-origin" style="{origin}">'
        '<div class="noUi-handle noUi-handle-lower"><div class="noUi-touch-area"></div></div></div></div></div></div>'
        f'<div class="widget-readout">{html.escape(readout)}</div>'))


def _figure(widget: PlotlyView) -> str:
    layout = json.loads(widget.figure).get("layout", {})
    height = layout.get("height") or DEFAULT_FIGURE_HEIGHT
    return f'<div class="lm-Widget natsam-preview-figure" style="height: {float(height):g}px"></div>'


#: How each widget class is rendered (looked up along the class's MRO, most specific first).
RENDERERS: dict[type, Callable] = {
    widgets.Box: _box, widgets.HTML: _html, widgets.ToggleButtons: _toggle_buttons,
    widgets.Dropdown: _dropdown, widgets.Select: _select, widgets.Combobox: _combobox,
    widgets.Button: _button, widgets.FloatSlider: _float_slider, PlotlyView: _figure,
}
_SHOWN = ", ".join(sorted({"HBox", "VBox", *(cls.__name__ for cls in RENDERERS)}))


def static_html(widget: widgets.Widget) -> str:
    """The widget (and its children) as static HTML laid out like ipywidgets 8's views of it."""
    for cls in type(widget).__mro__:
        if cls in RENDERERS:
            return RENDERERS[cls](widget)
    raise NatsamError(f"A dashboard preview cannot show {type(widget).__name__} widgets. Use one of "
                      f"{_SHOWN}, or teach natsam_analysis/dashboard/preview.py to render it.")


def figures(widget: widgets.Widget) -> list[PlotlyView]:
    """The figure widgets in the tree, in the order of the page (the order the live page draws them)."""
    if isinstance(widget, PlotlyView):
        return [widget]
    return [view for child in getattr(widget, "children", ()) for view in figures(child)]


def preview(root: widgets.Widget) -> dict:
    """The preview of a dashboard: ``html`` (the static tree, the first figure's place marked with
    :data:`DRAW_ATTRIBUTE`), ``figure`` and ``assets`` (that figure's JSON text and GeoJSON assets,
    as its :class:`PlotlyView` has them), or only ``html`` when the dashboard has no figure."""
    text = static_html(root)
    first = next(iter(figures(root)), None)
    if first is None:
        return {"html": text}
    marker = 'class="lm-Widget natsam-preview-figure"'
    return {"html": text.replace(marker, f"{marker} {DRAW_ATTRIBUTE}", 1),
            "figure": first.figure, "assets": first.assets}


class DashboardBox(widgets.VBox):
    """The root of a dashboard: a ``VBox`` that, displayed by a Voila kernel, also sends its
    :func:`preview` (under :data:`PREVIEW_MIME`)."""

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        if data and in_voila():
            try:
                data[PREVIEW_MIME] = preview(self)
            except Exception:  # noqa: BLE001 - without a preview the dashboard only shows later
                log.exception("the dashboard's preview could not be made")
        return data
