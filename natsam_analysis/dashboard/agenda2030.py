"""Agenda 2030 (the dashboard behind ``dashboards/agenda2030.ipynb``): SDSN's status and trends for the
seven goals the platforms report against, for any of the 290 municipalities.

For the chosen municipality: the goals as a grid of status colours with trend arrows (↑ ➚ → ↓),
beside its most similar municipalities (k nearest neighbours on structure) and the six platform
municipalities; a goal's indicators with values, bounds, thresholds and trends; the gender gaps of
the gendered indicators. Colours are SDSN's thresholds ("absolut") or the quartile among all
municipalities ("jämfört med andra kommuner"). Every chart has a table view beside it.

Examples
--------
>>> app = Agenda2030App()                         # doctest: +SKIP
>>> app.select(municipality_id="1281", goal=5)    # doctest: +SKIP
>>> app.widget                                    # doctest: +SKIP
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import catalog as catalog_mod
from natsam_analysis import geography
from natsam_analysis.dashboard.base import DEFAULT_MUNICIPALITY, MunicipalityDashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import chart_with_table, fluid_layout, guarded, table_html
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.metrics import agenda2030, gender, peers
from natsam_analysis.panel import source_line
from natsam_analysis.viz import gender as gender_viz
from natsam_analysis.viz import sdg as sdg_viz

#: How many similar municipalities the grid shows.
N_PEERS = 5
VIEWS = ("absolute", "relative")


class Agenda2030App(MunicipalityDashboard):
    """The Agenda 2030 dashboard as an object: widgets, figures, tables and a ``select`` method.

    Parameters
    ----------
    panel
        The indicator panel (default :func:`natsam_analysis.load_panel`).
    municipality_id, goal, view, lang
        The initial selection (default Stockholm, goal 1, SDSN's absolute thresholds, Swedish).
    """

    notebook = "agenda2030.ipynb"

    def __init__(self, panel: pd.DataFrame | None = None, *, municipality_id: str = DEFAULT_MUNICIPALITY,
                 goal: int | None = None, view: str = "absolute", lang: str | None = None):
        self._init_common(panel, municipality_id, lang)
        self.catalog = catalog_mod.load_catalog()
        self.codebook, self.result = agenda2030.score_municipalities(self.panel, self.catalog,
                                                                     catalog_mod.load_agenda2030())
        self.structure = peers.structural_variables(self.panel, self.geo.reset_index())
        self.peer_table = peers.peer_table(self.structure, k=N_PEERS)
        gendered = [k for k in gender.gap_indicators(self.catalog) if k in set(self.codebook["indicator"])]
        self.gaps = gender.gender_gaps(self.panel, self.catalog, kpis=gendered)
        self.goals = list(agenda2030.GOALS)
        self.goal = self._check_goal(self.goals[0] if goal is None else goal)
        self.view = self._check_view(view)
        self._build_widgets()
        self._build_figures()
        self._refresh_text()

    # ------------------------------------------------------------------ public
    @property
    def relative(self) -> bool:
        return self.view == "relative"

    def select(self, municipality_id: str | None = None, goal: int | None = None, view: str | None = None,
               lang: str | None = None) -> None:
        """Change the selection and update what depends on it (as the widgets do)."""
        new_lang = self.lang if lang is None else check_language(lang)
        new_municipality = self.municipality_id if municipality_id is None else self._check_municipality(municipality_id)
        new_goal = self.goal if goal is None else self._check_goal(goal)
        new_view = self.view if view is None else self._check_view(view)
        before = (self.lang, self.municipality_id, self.goal, self.view)
        after = (new_lang, new_municipality, new_goal, new_view)
        if after == before:
            return
        self.lang, self.municipality_id, self.goal, self.view = after
        self._sync_widgets()
        self._refresh_text()
        everything = new_lang != before[0] or new_municipality != before[1]
        if everything or new_view != before[3]:
            self.grid.show(self.grid_figure())
            self.grid_table.value = self.grid_table_html()
        if everything or new_view != before[3] or new_goal != before[2]:
            self.indicators.show(self.indicator_figure())
            self.indicator_table.value = self.indicator_table_html()
        if everything:
            self.gender.show(self.gender_figure())
            self.gender_table.value = self.gender_table_html()

    def units(self) -> list[str]:
        """The grid's rows: the municipality, its most similar municipalities, the platforms."""
        return sdg_viz.grid_rows(self.municipality_id, self.peers(), list(geography.PLATFORM_MUNICIPALITIES))[0]

    def peers(self) -> list[str]:
        """The municipality's :data:`N_PEERS` most similar municipalities: nearest on the standardised
        structural variables (:mod:`natsam_analysis.metrics.peers`), nearest first."""
        own = self.peer_table[self.peer_table["municipality_id"] == self.municipality_id]
        return own.sort_values("rank")["peer_id"].tolist()

    def gender_gaps(self) -> pd.DataFrame:
        """The municipality's gaps between women and men on the gendered indicators of the seven goals,
        largest (standardised) gap first."""
        return self._memo(("gaps", self.municipality_id), lambda: gender.largest_gaps(
            self.gaps, self.municipality_id, n=len(self.gaps["kpi"].unique())))

    def goal_indicators(self) -> pd.DataFrame:
        """The current goal's indicators for the current municipality (values, bounds, trends)."""
        return self._memo(("goal", self.municipality_id, self.goal), lambda: agenda2030.goal_indicators(
            self.result, self.codebook, self.municipality_id, self.goal))

    # ------------------------------------------------------------------ checks
    def _check_goal(self, goal) -> int:
        try:
            goal = int(goal)
        except (TypeError, ValueError):
            goal = None
        if goal not in self.goals:
            raise NatsamError(label("sdg_unknown_goal", self.lang, goals=", ".join(map(str, self.goals))))
        return goal

    def _check_view(self, view: str) -> str:
        if view not in VIEWS:
            raise NatsamError(f"Unknown view {view!r}; choose one of {', '.join(VIEWS)}.")
        return view

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        self._build_common_widgets()
        self.header = widgets.HTML()
        self.peer_note = widgets.HTML()
        self.view_choice = widgets.ToggleButtons(style={"button_width": "auto"}, layout=widgets.Layout(width="auto"))
        self.goal_choice = widgets.Dropdown(layout=fluid_layout("420px"))
        self._set_choice_options()
        on = guarded(self.status, lambda: label("no_data", self.lang))
        self.language.observe(on(self._choice_callback("lang")), names="value")
        self.municipality.observe(on(self._on_municipality), names="value")
        self.view_choice.observe(on(self._choice_callback("view")), names="value")
        self.goal_choice.observe(on(self._choice_callback("goal")), names="value")

    def _set_choice_options(self) -> None:
        with self._syncing_widgets():
            self.view_choice.options = [(label("sdg_view_absolute", self.lang), "absolute"),
                                        (label("sdg_view_relative", self.lang), "relative")]
            self.view_choice.value = self.view
            self.goal_choice.options = [(sdg_viz.goal_label(g, self.lang), g) for g in self.goals]
            self.goal_choice.value = self.goal
            self.goal_choice.description = label("sdg_goal_choice", self.lang)
            self.municipality.placeholder = label("choose_municipality", self.lang)

    def _build_figures(self) -> None:
        self.grid = FigureOutput(self.grid_figure())
        self.grid_table = widgets.HTML(self.grid_table_html())
        self.indicators = FigureOutput(self.indicator_figure())
        self.indicator_table = widgets.HTML(self.indicator_table_html())
        self.gender = FigureOutput(self.gender_figure())
        self.gender_table = widgets.HTML(self.gender_table_html())
        controls = widgets.HBox([self.municipality, self.view_choice],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self._root = self._page([
            self.intro, controls, self.header, self.status,
            chart_with_table(self.grid.widget, self.grid_table), self.peer_note,
            self.goal_choice,
            # the wider tables under their charts, the full width of the page
            self.indicators.widget, self.indicator_table,
            self.gender.widget, self.gender_table,
        ], "natsam-agenda2030")

    # ------------------------------------------------------------------ figures and tables
    def _note(self) -> str:
        return source_line(self.provenance, self.lang, derived=True)

    def _groups(self) -> dict[str, str]:
        return sdg_viz.grid_rows(self.municipality_id, self.peers(), list(geography.PLATFORM_MUNICIPALITIES),
                                 self.lang)[1]

    def grid_figure(self):
        """The seven goals for the municipality, its similar municipalities and the platforms."""
        units = self.units()
        overview = agenda2030.goal_overview(self.result, units)
        view = label(f"sdg_view_{self.view}", self.lang)
        title = f"{label('sdg_grid_title', self.lang)}<br><sub>{html.escape(view)}</sub>"
        return sdg_viz.goal_grid(overview, self.names, units, note=self._note(), relative=self.relative,
                                 title=title, lang=self.lang, groups=self._groups())

    def grid_table_html(self) -> str:
        """The municipality's goals as a table (the grid's first row, in words)."""
        overview = agenda2030.goal_overview(self.result, [self.municipality_id])
        table = sdg_viz.goal_status_table(overview, self.lang, relative=self.relative)
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=f"{self.names[self.municipality_id]}: "
                          f"{label('sdg_grid_title', self.lang).lower()}", note=self._note())

    def indicator_figure(self):
        """The current goal's indicators for the municipality."""
        title = (f"{html.escape(sdg_viz.goal_label(self.goal, self.lang))}<br>"
                 f"<sub>{html.escape(label('sdg_indicators_of', self.lang, name=self.names[self.municipality_id]))}</sub>")
        return sdg_viz.goal_indicator_chart(self.goal_indicators(), self._indicator_titles(), note=self._note(),
                                            relative=self.relative, title=title, lang=self.lang)

    def _indicator_titles(self) -> dict[str, str]:
        """Indicator titles; one assessed by its distance from a target says so."""
        return self._memo(("titles", self.lang), lambda: sdg_viz.indicator_titles(
            self.catalog[f"title_{self.lang}"].to_dict(), self.codebook, self.lang))

    def indicator_table_html(self) -> str:
        """The current goal's indicators with values, bounds, thresholds, trends and justification."""
        table = sdg_viz.goal_indicator_table(self.goal_indicators(), self._indicator_titles(), self.lang,
                                             relative=self.relative)
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=sdg_viz.goal_label(self.goal, self.lang), note=self._note())

    def gender_figure(self):
        """The municipality's gaps between women and men on the gendered indicators of the goals."""
        title = (f"{html.escape(label('gender_gaps_title', self.lang))}<br>"
                 f"<sub>{html.escape(self.names[self.municipality_id])}: "
                 f"{html.escape(label('sdg_gendered_of_goals', self.lang))}</sub>")
        return gender_viz.largest_gaps_chart(self.gender_gaps(), self.catalog[f"title_{self.lang}"].to_dict(),
                                             note=self._note(), title=title, lang=self.lang)

    def gender_table_html(self) -> str:
        """The gaps as a table: women, men, gap, ratio and who has the worse outcome."""
        table = gender_viz.gap_table(self.gender_gaps(), self.catalog[f"title_{self.lang}"].to_dict(), self.lang)
        return table_html(list(table.columns), table.to_numpy().tolist(), caption=f"{self.names[self.municipality_id]}: "
                          f"{label('gender_gaps_title', self.lang).lower()}", note=self._note())

    # ------------------------------------------------------------------ text
    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = f"<p style='max-width:900px'>{html.escape(label('agenda2030_intro', lang))}</p>"
        row = self.geo.loc[self.municipality_id]
        self.header.value = (f"<div class='natsam-header'><span style='font-size:1.4em;font-weight:600'>"
                             f"{html.escape(row['name'])}</span> ({self.municipality_id})</div>")
        variables = ", ".join(peers.structural_labels(self.peer_table.attrs["variables"], lang).values())
        similar = ", ".join(self.names[m] for m in self.peers())
        self.peer_note.value = (f"<p class='natsam-peers' style='max-width:900px;font-size:0.95em'>"
                                f"{html.escape(label('sdg_peers_note', lang, k=N_PEERS, variables=variables, similar=similar))}</p>")

