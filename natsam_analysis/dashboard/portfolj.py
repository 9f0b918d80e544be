"""The innovation case portfolio (the dashboard behind ``dashboards/portfolj.ipynb``).

Facets per platform (OPSI's portfolio model), the lifecycle funnel, cases per global goal (NATSAM's
seven goals highlighted), Vinnova's three gender-equality steps, and the cases themselves: choose a
case to see every field. The platform choice narrows the funnel, the goals and the case list; every
chart has a table view beside it.

Examples
--------
>>> app = PortfoljApp()                                    # doctest: +SKIP
>>> app.select(platform="lund", case_id="FALL-2025-003")   # doctest: +SKIP
>>> app.widget                                             # doctest: +SKIP
"""

from __future__ import annotations

import html
from functools import cached_property

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import geography
from natsam_analysis.dashboard.base import Dashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import chart_with_table, fluid_layout, guarded, table_html
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.metrics import portfolio
from natsam_analysis.panel import source_line
from natsam_analysis.sources import cases as cases_mod
from natsam_analysis.viz import portfolio as viz

ALL = "all"


class PortfoljApp(Dashboard):
    """The portfolio dashboard as an object: widgets, figures, tables and a ``select`` method.

    Parameters
    ----------
    cases
        A validated case register (default :func:`natsam_analysis.sources.cases.load_cases`: the demo).
    platform
        ``"all"`` or a platform code of :data:`~natsam_analysis.sources.cases.PLATFORMS`.
    case_id
        The case shown in detail (default the first of the chosen platform's cases).
    lang
        ``"sv"`` or ``"en"`` (default from ``NATSAM_LANG``).
    """

    notebook = "portfolj.ipynb"

    def __init__(self, cases: pd.DataFrame | None = None, *, platform: str = ALL, case_id: str | None = None,
                 lang: str | None = None):
        self.lang = check_language(lang)
        self.cases = cases_mod.load_cases() if cases is None else cases
        if self.cases.empty:
            raise NatsamError(label("cases_no_cases", self.lang))
        self.provenance = dict(self.cases.attrs.get("provenance", {}))
        self.names = geography.municipality_names()
        self.platforms = [ALL] + [p for p in portfolio.PLATFORMS if p in set(self.cases["platform"])]
        self.platform = self._check_platform(platform)
        self.case_id = self._check_case(case_id) if case_id is not None else self.visible_cases()["case_id"].iloc[0]
        self._build_widgets()
        self._build_figures()
        self._refresh_text()

    # ------------------------------------------------------------------ public
    def visible_cases(self) -> pd.DataFrame:
        """The cases of the chosen platform (all cases for ``"all"``), by case id."""
        frame = self.cases if self.platform == ALL else self.cases[self.cases["platform"] == self.platform]
        return frame.sort_values("case_id")

    def select(self, platform: str | None = None, case_id: str | None = None, lang: str | None = None) -> None:
        """Change the selection and update what depends on it (as the widgets do)."""
        new_lang = self.lang if lang is None else check_language(lang)
        new_platform = self.platform if platform is None else self._check_platform(platform)
        if case_id is not None:
            new_case = self._check_case(case_id)
        else:
            shown = self.cases if new_platform == ALL else self.cases[self.cases["platform"] == new_platform]
            new_case = self.case_id if self.case_id in set(shown["case_id"]) else sorted(shown["case_id"])[0]
        before = (self.lang, self.platform, self.case_id)
        if (new_lang, new_platform, new_case) == before:
            return
        self.lang, self.platform, self.case_id = new_lang, new_platform, new_case
        self._sync_widgets()
        self._refresh_text()
        if new_lang != before[0]:
            self.facets.show(self.facet_figure())
            self.facet_table.value = self.facet_table_html()
            self.gender.show(self.gender_figure())
            self.gender_table.value = self.gender_table_html()
        if new_lang != before[0] or new_platform != before[1]:
            self.funnel.show(self.funnel_figure())
            self.funnel_table.value = self.funnel_table_html()
            self.sdgs.show(self.sdg_figure())
            self.sdg_table.value = self.sdg_table_html()
        self.detail.value = self.detail_html()

    # ------------------------------------------------------------------ checks
    def _check_platform(self, platform: str) -> str:
        if platform not in self.platforms:
            raise NatsamError(label("cases_unknown_platform", self.lang, platforms=", ".join(self.platforms)))
        return platform

    def _check_case(self, case_id: str) -> str:
        if case_id not in set(self.cases["case_id"]):
            raise NatsamError(label("cases_unknown_case", self.lang, case_id=case_id))
        return case_id

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        self._build_text_widgets()
        self.platform_choice = widgets.Dropdown(layout=fluid_layout("320px"))
        self.case_choice = widgets.Select(rows=8, layout=fluid_layout("560px"))
        self._set_choice_options()
        on = guarded(self.status, lambda: label("no_data", self.lang))
        self.language.observe(on(self._choice_callback("lang")), names="value")
        self.platform_choice.observe(on(self._choice_callback("platform")), names="value")
        self.case_choice.observe(on(self._choice_callback("case_id")), names="value")

    def _set_choice_options(self) -> None:
        with self._syncing_widgets():
            self.platform_choice.options = [
                (label("cases_all_platforms", self.lang) if p == ALL else viz.platform_label(p, self.lang), p)
                for p in self.platforms]
            self.platform_choice.value = self.platform
            self.platform_choice.description = label("cases_platform_choice", self.lang)
            self.case_choice.options = [(f"{r.case_id} {r.title}", r.case_id) for r in self.visible_cases().itertuples()]
            self.case_choice.value = self.case_id
            self.case_choice.description = label("cases_case", self.lang)
            self.language.value = self.lang

    def _build_figures(self) -> None:
        self.facets = FigureOutput(self.facet_figure())
        self.facet_table = widgets.HTML(self.facet_table_html())
        self.funnel = FigureOutput(self.funnel_figure())
        self.funnel_table = widgets.HTML(self.funnel_table_html())
        self.sdgs = FigureOutput(self.sdg_figure())
        self.sdg_table = widgets.HTML(self.sdg_table_html())
        self.gender = FigureOutput(self.gender_figure())
        self.gender_table = widgets.HTML(self.gender_table_html())
        self.list_heading = widgets.HTML()
        self.detail = widgets.HTML(self.detail_html())
        self._root = self._page([
            self.intro, self.platform_choice, self.status,
            chart_with_table(self.facets.widget, self.facet_table),
            chart_with_table(self.funnel.widget, self.funnel_table),
            chart_with_table(self.sdgs.widget, self.sdg_table),
            chart_with_table(self.gender.widget, self.gender_table),
            self.list_heading, self.case_choice, self.detail,
        ], "natsam-portfolj", max_width="100%", overflow="hidden")

    # ------------------------------------------------------------------ figures and tables
    def _note(self) -> str:
        return source_line(self.provenance, self.lang)

    def _caption(self, key: str) -> str:
        scope = label("cases_all_platforms", self.lang) if self.platform == ALL else viz.platform_label(self.platform, self.lang)
        return f"{label(key, self.lang)} – {scope}"

    @cached_property
    def _facets(self) -> pd.DataFrame:
        """Facets per platform of all cases (they do not change: computed once for the chart and its table)."""
        return portfolio.facet_distribution(self.cases)

    @cached_property
    def _gender_steps(self) -> pd.DataFrame:
        """The gender-equality steps per platform of all cases (computed once for the chart and its table)."""
        return portfolio.gender_steps(self.cases)

    def facet_figure(self):
        """Primary facets per platform (all platforms, whatever the choice)."""
        return viz.facet_chart(self._facets, note=self._note(), lang=self.lang)

    def facet_table_html(self) -> str:
        """Cases per platform and facet: primary (share of the platform's cases) / secondary."""
        dist = self._facets.set_index(["platform", "role", "facet"])
        platforms = list(dict.fromkeys(dist.index.get_level_values("platform")))
        rows = []
        for platform in platforms:
            cells = []
            for facet in portfolio.FACETS:
                first, second = dist.loc[(platform, "primary", facet)], dist.loc[(platform, "secondary", facet)]
                cells.append(f"{int(first['cases'])} ({first['share'] * 100:.0f} %) / {int(second['cases'])}")
            rows.append([viz.platform_label(platform, self.lang), *cells])
        header = [label("cases_platform", self.lang)] + [label(f"cases_facet_{f}", self.lang) for f in portfolio.FACETS]
        caption = (f"{label('cases_facets_title', self.lang)}: {label('cases_role_primary', self.lang).lower()} "
                   f"({label('cases_share', self.lang).lower()}) / {label('cases_role_secondary', self.lang).lower()}")
        return table_html(header, rows, caption=caption, note=self._note())

    def funnel_figure(self):
        """The chosen platform's lifecycle funnel."""
        title = f"{label('cases_funnel_title', self.lang)}<br><sub>{html.escape(self._caption('cases_case'))}</sub>"
        return viz.funnel_chart(portfolio.lifecycle_funnel(self.visible_cases()), note=self._note(), lang=self.lang,
                                title=title)

    def funnel_table_html(self) -> str:
        funnel = portfolio.lifecycle_funnel(self.visible_cases())
        rows = [[label(f"cases_stage_{r.stage}", self.lang), str(r.reached), f"{r.share_reached * 100:.0f} %",
                 str(r.in_stage)] for r in funnel.itertuples()]
        header = [label(k, self.lang) for k in ("cases_stage", "cases_reached", "cases_share", "cases_in_stage")]
        return table_html(header, rows, caption=self._caption("cases_funnel_title"), note=self._note())

    def sdg_figure(self):
        """The chosen platform's cases per global goal."""
        title = (f"{label('cases_sdg_title', self.lang)}<br><sub>{html.escape(self._caption('cases_sdg_sub'))}</sub>")
        return viz.sdg_chart(portfolio.sdg_coverage(self.visible_cases()), note=self._note(), lang=self.lang,
                             title=title)

    def sdg_table_html(self) -> str:
        coverage = portfolio.sdg_coverage(self.visible_cases())
        rows = [[f"{r.goal}{' ★' if r.natsam else ''}", str(r.primary_cases), str(r.target_cases), str(r.any_cases)]
                for r in coverage.itertuples() if r.any_cases > 0 or r.natsam]
        header = [label(k, self.lang) for k in ("cases_sdg_goal", "cases_sdg_primary", "cases_sdg_targets", "cases_cases")]
        return table_html(header, rows, caption=self._caption("cases_sdg_title") + " (★ " +
                          label("cases_sdg_natsam", self.lang) + ")", note=self._note())

    def gender_figure(self):
        """Vinnova's three steps per platform and for all cases."""
        return viz.gender_chart(self._gender_steps, note=self._note(), lang=self.lang)

    def gender_table_html(self) -> str:
        """Per platform and step: cases taking the step / cases where it is known (share)."""
        steps = self._gender_steps.set_index(["platform", "step"])
        rows = []
        for platform in dict.fromkeys(steps.index.get_level_values("platform")):
            cells = []
            for step in portfolio.GENDER_STEPS:
                r = steps.loc[(platform, step)]
                share = "–" if pd.isna(r["share"]) else f"{r['share'] * 100:.0f} %"
                cells.append(f"{int(r['yes'])} / {int(r['known'])} ({share})")
            rows.append([viz.platform_label(platform, self.lang), *cells])
        header = [label("cases_platform", self.lang)] + [label(f"cases_step_{s}", self.lang) for s in portfolio.GENDER_STEPS]
        caption = (f"{label('cases_gender_title', self.lang)}: {label('cases_yes', self.lang).lower()} / "
                   f"{label('cases_known', self.lang).lower()} ({label('cases_share', self.lang).lower()})")
        return table_html(header, rows, caption=caption, note=self._note())

    def case_fields(self) -> list[tuple[str, str]]:
        """The chosen case's fields as (field, value) in schema order; empty fields and the internal
        contact are left out."""
        row = self.cases[self.cases["case_id"] == self.case_id]
        flat = cases_mod.to_flat(row).iloc[0]
        return [(f.name, flat[f.name]) for f in cases_mod.FIELDS if f.name != "contact" and flat[f.name] != ""]

    def detail_html(self) -> str:
        """The chosen case in detail: every field with a value."""
        title = self.cases.loc[self.cases["case_id"] == self.case_id, "title"].iloc[0]
        return table_html([label("cases_field", self.lang), label("cases_value", self.lang)],
                          [list(p) for p in self.case_fields()],
                          caption=f"{label('cases_detail_title', self.lang)}: {self.case_id} {title}", note=self._note())

    # ------------------------------------------------------------------ text
    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = f"<p style='max-width:900px'>{html.escape(label('cases_intro', lang))}</p>"
        n = len(self.visible_cases())
        self.list_heading.value = (f"<h2 style='margin:12px 0 4px;font-size:1.17em'>"
                                   f"{html.escape(label('cases_list_title', lang))} ({n})</h2>")

