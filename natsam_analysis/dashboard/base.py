"""What every dashboard has: the site's header (title, link to the start page, language toggle, source
or demo note) and footer, the intro and status lines (:class:`Dashboard`); and what every municipality
dashboard has besides: the panel and its provenance, the geography and a searchable municipality field
(:class:`MunicipalityDashboard`). The dashboards add their own choices, figures and ``select`` on top.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import geography
from natsam_analysis.dashboard.preview import DashboardBox
from natsam_analysis.dashboard.site import dashboard_entry
from natsam_analysis.dashboard.widgets import (
    language_toggle,
    municipality_options,
    municipality_picker,
    note_html,
    site_footer_html,
    site_header,
    site_home_html,
    site_title_html,
)
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.panel import is_synthetic, load_panel

DEFAULT_MUNICIPALITY = "0180"
#: How many computed results a dashboard keeps (:meth:`MunicipalityDashboard._memo`).
MEMO_SIZE = 64


class Dashboard:
    """What every dashboard app has: its root widget (``widget``) with the site's header and footer,
    and the guard that keeps the app's own changes of its widgets from being taken for a viewer's choice.

    A subclass names its notebook (:attr:`notebook`, its entry in
    :data:`natsam_analysis.dashboard.site.DASHBOARDS`, which gives the title), has ``lang``,
    ``provenance`` and ``_note()`` (the source line in ``lang``), builds :meth:`_build_text_widgets`,
    lays its widgets out with :meth:`_page` and calls :meth:`_refresh_site_text` with its other text.
    """

    #: The dashboard's notebook in ``dashboards/``.
    notebook: str = ""
    lang: str
    provenance: dict

    # Replacing a widget's options (in a dashboard's _set_choice_options) makes ipywidgets select the
    # first option; such programmatic changes, made inside _syncing_widgets(), are not the viewer's.
    _syncing = False
    _root: widgets.Widget

    @property
    def widget(self) -> widgets.Widget:
        """The whole dashboard, ready to display."""
        return self._root

    @contextmanager
    def _syncing_widgets(self) -> Iterator[None]:
        """Change widgets from the app's state without their callbacks taking it for a viewer's choice."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _choice_callback(self, name: str) -> Callable[[dict], None]:
        """A widget callback that selects ``name`` = the widget's new value, when it is the viewer's
        change of a value the app does not already have."""

        def changed(change: dict) -> None:
            if not self._syncing and change["new"] is not None and change["new"] != getattr(self, name):
                self.select(**{name: change["new"]})
        return changed

    def _build_text_widgets(self) -> None:
        """The status, title, note, intro and footer lines and the language toggle (at ``self.lang``)."""
        self.status = widgets.HTML()
        self.title = widgets.HTML()
        self.note = widgets.HTML()
        self.intro = widgets.HTML()
        self.home = widgets.HTML()
        self.footer = widgets.HTML()
        self.language = language_toggle(self.lang)

    def _page(self, body: list[widgets.Widget], css_class: str, **layout) -> widgets.VBox:
        """The dashboard's root: the site's header, ``body`` and the site's footer (shown first as a
        preview under Voila, :mod:`natsam_analysis.dashboard.preview`)."""
        header = site_header(self.home, self.language, self.title, self.note)
        root = DashboardBox([header, *body, self.footer], layout=widgets.Layout(**layout))
        root.add_class(css_class)
        return root

    def _note(self) -> str:  # pragma: no cover - every dashboard defines its own
        raise NotImplementedError

    def _is_demo(self) -> bool:
        """True when the dashboard shows synthetic data."""
        return is_synthetic(self.provenance)

    def _refresh_site_text(self) -> None:
        """The header's link, title and note and the footer, in ``self.lang``."""
        note = self._note()
        self.home.value = site_home_html(self.lang)
        self.title.value = site_title_html(dashboard_entry(self.notebook).title(self.lang))
        self.note.value = note_html(note, demo=self._is_demo())
        self.footer.value = site_footer_html(note, self.lang)

    def _set_choice_options(self) -> None:
        """Show the app's choices (options, values, labels) in the dashboard's own widgets."""

    def _sync_widgets(self) -> None:
        """Show the app's state in every widget (after a programmatic change)."""
        self._set_choice_options()

    def select(self, **choices) -> None:  # pragma: no cover - every dashboard defines its own
        raise NotImplementedError


class MunicipalityDashboard(Dashboard):
    """Base of the municipality dashboards (see the module doc); subclasses call :meth:`_init_common` first."""

    def _init_common(self, panel: pd.DataFrame | None, municipality_id: str, lang: str | None) -> None:
        self.lang = check_language(lang)
        self.panel = load_panel() if panel is None else panel
        self.provenance = dict(self.panel.attrs.get("provenance", {}))
        self.geo = geography.municipalities().set_index("municipality_id")
        self.names = self.geo["name"].to_dict()
        self.geojson = geography.municipality_geojson_url()
        self.municipality_id = self._check_municipality(municipality_id)
        self._options = municipality_options()
        self._label_of = {mid: text for text, mid in self._options.items()}

    def _memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``key``: a figure and its table view share what they show, and a
        viewer going back to an earlier choice gets it at once (the data do not change). The
        :data:`MEMO_SIZE` latest are kept."""
        memo = self.__dict__.setdefault("_memo_values", OrderedDict())
        if key in memo:
            memo.move_to_end(key)
        else:
            memo[key] = compute()
            while len(memo) > MEMO_SIZE:
                memo.popitem(last=False)
        return memo[key]

    def _check_municipality(self, municipality_id: str) -> str:
        if municipality_id not in self.geo.index:
            raise NatsamError(label("unknown_municipality", self.lang, value=municipality_id))
        return municipality_id

    def _build_common_widgets(self) -> None:
        """The status, title, note and intro lines, the language toggle and the municipality field."""
        self._build_text_widgets()
        self.municipality = municipality_picker(self._options, self._label_of[self.municipality_id],
                                                label("choose_municipality", self.lang))

    def _on_municipality(self, change) -> None:
        mid = self._options.get(change["new"])
        if mid and mid != self.municipality_id:
            self.select(municipality_id=mid)

    def _sync_common_widgets(self) -> None:
        """Show the app's municipality and language in their widgets (after a programmatic change)."""
        if self.municipality.value != self._label_of[self.municipality_id]:
            self.municipality.value = self._label_of[self.municipality_id]
        if self.language.value != self.lang:
            self.language.value = self.lang

    def _sync_widgets(self) -> None:
        """Show the app's state in every widget (after a programmatic change)."""
        self._sync_common_widgets()
        self._set_choice_options()
