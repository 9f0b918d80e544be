"""Kommunprofil (municipality profile): the dashboard behind ``dashboards/kommunprofil.ipynb``.

Choose any of the 290 municipalities (searchable, the six platforms first) and a pillar: a map with
the municipality outlined, its direction-aware percentile in Sweden and among the platform
municipalities for each indicator of the pillar, and the time series of a chosen indicator against
the national median. Swedish labels, English through the language toggle; the demo note or the
Kolada source line is always visible.

Examples
--------
>>> app = KommunprofilApp()                  # doctest: +SKIP
>>> app.select(municipality_id="2584")       # doctest: +SKIP
>>> app.widget                               # doctest: +SKIP
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import catalog as catalog_mod
from natsam_analysis import geography
from natsam_analysis.dashboard.base import DEFAULT_MUNICIPALITY, MunicipalityDashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import chart_with_table, fluid_layout, guarded, plain_title, table_html
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.metrics import percentiles
from natsam_analysis.metrics.coverage import latest_year
from natsam_analysis.panel import source_line
from natsam_analysis.viz import charts, maps
from natsam_analysis.viz.theme import wrap_label

#: Characters per line of a figure title: a line fits a phone's screen.
TITLE_WIDTH = 40


class KommunprofilApp(MunicipalityDashboard):
    """The municipality-profile dashboard as an object: widgets, figures and a ``select`` method.

    Parameters
    ----------
    panel
        The indicator panel (default :func:`natsam_analysis.load_panel`).
    municipality_id, pillar, indicator, lang
        The initial selection (default Stockholm, the first pillar, its first indicator, Swedish).
    """

    notebook = "kommunprofil.ipynb"

    def __init__(self, panel: pd.DataFrame | None = None, *, municipality_id: str = DEFAULT_MUNICIPALITY,
                 pillar: str | None = None, indicator: str | None = None, lang: str | None = None):
        self._init_common(panel, municipality_id, lang)
        self.catalog = catalog_mod.load_catalog()
        self.n_units = len(self.geo)
        self.pillars = catalog_mod.scored_pillars()
        self.pillar = self._check_pillar(pillar or self.pillars[0])
        self.indicator = self._check_indicator(indicator, self.pillar)
        self._build_widgets()
        self._build_figures()
        self._refresh_text()

    # ------------------------------------------------------------------ public
    def select(self, municipality_id: str | None = None, pillar: str | None = None,
               indicator: str | None = None, lang: str | None = None) -> None:
        """Change the selection and update every figure and label (as the widgets do)."""
        # Validate everything before changing anything: a bad argument leaves the app as it was.
        new_lang = self.lang if lang is None else check_language(lang)
        new_municipality = self.municipality_id if municipality_id is None else self._check_municipality(municipality_id)
        new_pillar = self.pillar if pillar is None else self._check_pillar(pillar)
        if indicator is None and self.indicator in catalog_mod.indicators_of(new_pillar, self.catalog):
            indicator = self.indicator
        new_indicator = self._check_indicator(indicator, new_pillar)
        before = (self.lang, self.municipality_id, self.pillar, self.indicator)
        after = (new_lang, new_municipality, new_pillar, new_indicator)
        if after == before:
            return
        self.lang, self.municipality_id, self.pillar, self.indicator = after
        self._sync_widgets()
        self._refresh_text()
        # Redraw only what depends on what changed: the pillar drives the percentiles, the
        # indicator the map and the series; the municipality and the language drive all three.
        everything = new_lang != before[0] or new_municipality != before[1]
        if everything or new_indicator != before[3]:
            self.map.show(self.map_figure())
            self.series.show(self.series_figure())
            self.map_table.value, self.series_table.value = self.map_table_html(), self.series_table_html()
        if everything or new_pillar != before[2]:
            self.percentiles.show(self.percentile_figure())
            self.percentile_table.value = self.percentile_table_html()

    def profile(self) -> pd.DataFrame:
        """The current municipality's percentile profile for the current pillar."""
        return self._memo(("profile", self.municipality_id, self.pillar), lambda: percentiles.municipality_profile(
            self.panel, self.catalog, self.municipality_id, self._pillar_kpis(), geography.PLATFORM_MUNICIPALITIES))

    def _series(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The current indicator's series: the municipality's, and the nation's median and quartiles."""
        own = self._memo(("own", self.indicator, self.municipality_id), lambda: percentiles.municipality_series(
            self.panel, self.indicator, self.municipality_id))
        national = self._memo(("national", self.indicator),
                              lambda: percentiles.national_series(self.panel, self.indicator))
        return own, national

    # ------------------------------------------------------------------ building
    def _check_pillar(self, pillar: str) -> str:
        if pillar not in self.pillars:
            raise NatsamError(f"Unknown pillar {pillar!r}; choose one of {', '.join(self.pillars)}.")
        return pillar

    def _check_indicator(self, indicator: str | None, pillar: str) -> str:
        """``indicator`` if it belongs to ``pillar`` (``None`` -> the pillar's first indicator)."""
        kpis = catalog_mod.indicators_of(pillar, self.catalog)
        if indicator is None:
            return kpis[0]
        if indicator not in self.catalog.index:
            raise NatsamError(f"Unknown indicator {indicator!r}; it is not in the catalog.")
        if indicator not in kpis:
            raise NatsamError(f"Indicator {indicator!r} is not in pillar {pillar!r}; choose one of {', '.join(kpis)}.")
        return indicator

    def _pillar_kpis(self) -> list[str]:
        return catalog_mod.indicators_of(self.pillar, self.catalog)

    def _titles(self) -> dict[str, str]:
        return self.catalog[f"title_{self.lang}"].to_dict()

    def _build_widgets(self) -> None:
        self._build_common_widgets()
        self.header = widgets.HTML()
        self.pillar_choice = widgets.Dropdown(layout=fluid_layout("360px"))
        self.indicator_choice = widgets.Dropdown(layout=fluid_layout("640px"))
        self._set_choice_options()

        on = guarded(self.status, lambda: label("no_data", self.lang))
        self.language.observe(on(self._choice_callback("lang")), names="value")
        self.municipality.observe(on(self._on_municipality), names="value")
        self.pillar_choice.observe(on(self._choice_callback("pillar")), names="value")
        self.indicator_choice.observe(on(self._choice_callback("indicator")), names="value")

    def _set_choice_options(self) -> None:
        with self._syncing_widgets():
            self.pillar_choice.options = [(catalog_mod.pillar_label(p, self.lang), p) for p in self.pillars]
            self.pillar_choice.value = self.pillar
            titles = self._titles()
            self.indicator_choice.options = [(titles[k], k) for k in self._pillar_kpis()]
            self.indicator_choice.value = self.indicator
            self.pillar_choice.description = label("pillar", self.lang)
            self.indicator_choice.description = label("indicator", self.lang)
            self.municipality.placeholder = label("choose_municipality", self.lang)

    def _build_figures(self) -> None:
        self.map = FigureOutput(self.map_figure())
        self.percentiles = FigureOutput(self.percentile_figure())
        self.series = FigureOutput(self.series_figure())
        self.percentile_table = widgets.HTML(self.percentile_table_html())
        self.map_table = widgets.HTML(self.map_table_html())
        self.series_table = widgets.HTML(self.series_table_html())
        controls = widgets.HBox([self.municipality, self.pillar_choice],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        # Side by side on a desktop, one above the other on a phone (each at least 300 px wide).
        left = widgets.VBox([self.percentiles.widget, self.percentile_table],
                            layout=widgets.Layout(flex="1 1 520px", min_width="300px"))
        right = widgets.VBox([self.map.widget, self.map_table], layout=widgets.Layout(flex="1 1 420px", min_width="300px"))
        body = widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))
        self._root = self._page([self.intro, controls, self.header, self.status, body, self.indicator_choice,
                                 chart_with_table(self.series.widget, self.series_table)], "natsam-kommunprofil")

    # ------------------------------------------------------------------ figures
    def _note(self, derived: bool = False) -> str:
        return source_line(self.provenance, self.lang, derived=derived)

    def _direction_text(self, direction, target) -> str:
        if direction is None:
            return label("direction_none", self.lang)
        return label(f"direction_{direction}", self.lang, target=f"{target:g}" if target is not None else "")

    def _map_values(self) -> tuple[pd.Series, int | None]:
        """The current indicator's values (by municipality id) in its latest well-covered year, and the year."""
        def compute():
            year = latest_year(self.panel, self.indicator, self.n_units)
            rows = self.panel[(self.panel["kpi"] == self.indicator) & (self.panel["gender"] == "T")
                              & (self.panel["year"] == year)]
            return rows.set_index("municipality_id")["value"], year
        return self._memo(("map", self.indicator), compute)

    def map_figure(self):
        """The map of the current indicator (latest well-covered year), the municipality outlined."""
        ind = self.catalog.loc[self.indicator]
        values, year = self._map_values()
        direction = None if pd.isna(ind["direction"]) else int(ind["direction"])
        target = None if pd.isna(ind["target"]) else float(ind["target"])
        return maps.municipality_map(
            values, self.names, note=self._note(False),
            title=label("map_title", self.lang, indicator=wrap_label(self._titles()[self.indicator], TITLE_WIDTH, 2),
                        year=year if year is not None else label("no_data", self.lang).lower()),
            colorbar_title=f"{ind['unit']}<br><sub>{self._direction_text(direction, target)}</sub>",
            highlight=self.municipality_id, direction=direction, target=target, lang=self.lang, height=560,
            geojson=self.geojson,
        )

    def percentile_figure(self):
        """The current municipality's percentiles on the current pillar's indicators."""
        title = label("percentile_title", self.lang, name=self.names[self.municipality_id],
                      pillar=catalog_mod.pillar_label(self.pillar, self.lang))
        return charts.percentile_chart(self.profile(), self._titles(), note=self._note(True), title=title,
                                       lang=self.lang)

    def series_figure(self):
        """The current indicator over time: the municipality against the national median and quartiles."""
        own, national = self._series()
        name = self.names[self.municipality_id]
        title = (f"{wrap_label(self._titles()[self.indicator], TITLE_WIDTH, 2)}"
                 f"<br><sub>{label('series_title', self.lang, name=name)}</sub>")
        return charts.series_chart(own, national, name=name, note=self._note(True),
                                   unit=self.catalog.loc[self.indicator, "unit"], title=title, lang=self.lang)

    # ------------------------------------------------------------------ table views
    def percentile_table_html(self) -> str:
        """The percentile chart as a table: per indicator the year, value, national median and percentiles."""
        table = charts.profile_table(self.profile(), self._titles(), self.lang)
        title = label("percentile_title", self.lang, name=self.names[self.municipality_id],
                      pillar=catalog_mod.pillar_label(self.pillar, self.lang))
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=plain_title(title),
                          note=self._note(True))

    def map_table_html(self) -> str:
        """The map as a table: every municipality's value, highest first (it scrolls)."""
        values, year = self._map_values()
        table = maps.map_table(values, self.names, self.lang)
        caption = label("map_title", self.lang, indicator=self._titles()[self.indicator],
                        year=year if year is not None else label("no_data", self.lang).lower())
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=caption, note=self._note(False),
                          max_height="420px")

    def series_table_html(self) -> str:
        """The time series as a table: per year the municipality, the national median and the middle half."""
        name = self.names[self.municipality_id]
        own, national = self._series()
        table = charts.series_table(own, national, name=name, lang=self.lang)
        caption = f"{self._titles()[self.indicator]} – {label('series_title', self.lang, name=name)}"
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=caption, note=self._note(True))

    # ------------------------------------------------------------------ text
    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = f"<p style='max-width:900px'>{html.escape(label('kommunprofil_intro', lang))}</p>"
        row = self.geo.loc[self.municipality_id]
        region_type = geography.region_type_name(row["ur6"], lang)
        tag = (f" · <b>{html.escape(label('platform_municipality', lang))}</b>" if row["platform"] else "")
        self.header.value = (
            f"<div class='natsam-header'><span style='font-size:1.4em;font-weight:600'>"
            f"{html.escape(row['name'])}</span> ({self.municipality_id}){tag}<br>"
            f"{html.escape(label('county', lang))}: {html.escape(row['county_name'])} · "
            f"{html.escape(label('fa_region', lang))}: {html.escape(row['fa_name'])} "
            f"({html.escape(region_type)})</div>"
        )
