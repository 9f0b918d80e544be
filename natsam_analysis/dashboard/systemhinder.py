"""Systemhinder (the dashboard behind ``dashboards/systemhinder.ipynb``): the system-barrier register.

The status funnel, legal area x platform, municipal mandate x severity, days open and the network of
cases, barriers, responsible actors and pathways, all for the barriers that match the filters
(platform, legal area, barrier type, status); and one chosen barrier in detail with its event history
as a timeline and a table. Every chart has a table view beside or below it.

Examples
--------
>>> app = SystemhinderApp()                                  # doctest: +SKIP
>>> app.select(platform="Umeå", barrier_id="SH-2023-004")    # doctest: +SKIP
>>> app.widget                                               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import barrier_schema as schema
from natsam_analysis.dashboard.base import Dashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import (
    chart_with_table, fluid_layout, guarded, table_html,
)
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.metrics import barriers as metrics
from natsam_analysis.sources import barriers as source
from natsam_analysis.viz import barriers as viz

FILTERS = {"platform": "raised_by_platform", "legal_area": "legal_area", "barrier_type": "barrier_type",
           "status": "status"}


class SystemhinderApp(Dashboard):
    """The system-barrier dashboard as an object: widgets, figures, tables and a ``select`` method.

    Parameters
    ----------
    register
        The register (default :func:`natsam_analysis.sources.barriers.load_barriers`: the demo).
    as_of
        The day "days open" counts to for open barriers (default: the demo's fixed day for the demo,
        else today).
    lang
        Swedish (default) or English.
    """

    notebook = "systemhinder.ipynb"

    def __init__(self, register: source.Register | None = None, *, as_of: dt.date | None = None,
                 lang: str | None = None, barrier_id: str | None = None):
        self.lang = check_language(lang)
        self.register = source.load_barriers() if register is None else register
        self.provenance = dict(self.register.provenance)
        self.as_of = as_of or (source.DEMO_AS_OF if self.register.synthetic else dt.date.today())
        self.filters: dict[str, str] = {k: "" for k in FILTERS}
        self.barrier_id = ""
        self.barrier_id = self._check_barrier(barrier_id) if barrier_id else self._first_barrier()
        self._build()

    # ------------------------------------------------------------------ public
    def barriers(self) -> pd.DataFrame:
        """The barriers matching the current filters."""
        return metrics.filter_barriers(self.register.barriers, **{k: v or None for k, v in self.filters.items()})

    def select(self, *, platform: str | None = None, legal_area: str | None = None, barrier_type: str | None = None,
               status: str | None = None, barrier_id: str | None = None, lang: str | None = None) -> None:
        """Change filters ("" = all), the chosen barrier or the language, and redraw what depends on them."""
        new_lang = self.lang if lang is None else check_language(lang)
        new_filters = dict(self.filters)
        for key, value in (("platform", platform), ("legal_area", legal_area), ("barrier_type", barrier_type),
                           ("status", status)):
            if value is not None:
                if value and value not in schema.field("barriers", FILTERS[key]).vocabulary:
                    raise NatsamError(f"Unknown {key} {value!r}; choose one of "
                                      f"{', '.join(schema.field('barriers', FILTERS[key]).vocabulary)}.")
                new_filters[key] = value
        filters_changed = new_filters != self.filters
        lang_changed = new_lang != self.lang
        before = self.barrier_id
        self.filters, self.lang = new_filters, new_lang
        if barrier_id is not None:
            self.barrier_id = self._check_barrier(barrier_id)
        elif filters_changed and self.barrier_id not in set(self.barriers()["barrier_id"]):
            self.barrier_id = self._first_barrier()
        self._sync_widgets()
        self._refresh_text()
        # Redraw only what depends on what changed: the filters drive the overview, the chosen
        # barrier its detail; the language drives both.
        if filters_changed or lang_changed:
            self._draw_overview()
        if self.barrier_id != before or lang_changed:
            self._draw_detail()

    # ------------------------------------------------------------------ checks
    def _check_barrier(self, barrier_id: str) -> str:
        if barrier_id not in set(self.register.barriers["barrier_id"]):
            raise NatsamError(f"Unknown barrier {barrier_id!r}.")
        return barrier_id

    def _first_barrier(self) -> str:
        ids = self.barriers()["barrier_id"].tolist()
        return ids[0] if ids else (self.barrier_id or self.register.barriers["barrier_id"].iloc[0])

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        self._build_text_widgets()
        self.summary = widgets.HTML()
        self.choices = {k: widgets.Dropdown(layout=fluid_layout("260px")) for k in FILTERS}
        self.barrier_choice = widgets.Dropdown(layout=fluid_layout("560px"))
        self._set_options()
        on = guarded(self.status, lambda: label("no_data", self.lang))
        self.language.observe(on(self._choice_callback("lang")), names="value")
        for key, box in self.choices.items():
            box.observe(on(lambda c, key=key: self.select(**{key: c["new"]})
                           if not self._syncing and c["new"] != self.filters[key] else None), names="value")
        self.barrier_choice.observe(on(self._choice_callback("barrier_id")), names="value")
        overview = self._overview()
        self.funnel, self.heat, self.mandate, self.days, self.network, self.timeline = (
            FigureOutput(f) for f in [*self._overview_figures(overview), self.timeline_figure()])
        self.funnel_table, self.heat_table, self.mandate_table, self.days_table, self.network_table = (
            widgets.HTML(t) for t in self._overview_tables(overview))
        self.detail = widgets.HTML(self.detail_html())
        self.history_table = widgets.HTML(self.history_table_html())
        filters = widgets.HBox(list(self.choices.values()), layout=widgets.Layout(flex_flow="row wrap"))
        self._root = self._page([
            self.intro, filters, self.summary, self.status,
            chart_with_table(self.funnel.widget, self.funnel_table),
            self.heat.widget, self.heat_table,
            chart_with_table(self.mandate.widget, self.mandate_table),
            chart_with_table(self.days.widget, self.days_table),
            self.network.widget, self.network_table,
            self.barrier_choice, self.detail, self.timeline.widget, self.history_table,
        ], "natsam-systemhinder")
        self._refresh_text()

    def _set_options(self) -> None:
        with self._syncing_widgets():
            all_ = label("barriers_all", self.lang)
            for key, box in self.choices.items():
                column = FILTERS[key]
                box.options = [(all_, "")] + [(schema.value_label(column, v, self.lang), v)
                                              for v in schema.field("barriers", column).vocabulary]
                box.value = self.filters[key]
                box.description = label(f"barriers_field_{column}", self.lang)
                box.style = {"description_width": "initial"}
            chosen = self.barriers()
            if self.barrier_id not in set(chosen["barrier_id"]):
                chosen = pd.concat([chosen, self.register.barriers[self.register.barriers["barrier_id"] == self.barrier_id]])
            title = "title_sv" if self.lang == "sv" else "title_en"
            self.barrier_choice.options = [(f"{r.barrier_id}: {getattr(r, title) or r.title_sv}", r.barrier_id)
                                           for r in chosen.itertuples()]
            self.barrier_choice.value = self.barrier_id
            self.barrier_choice.description = label("barriers_choose", self.lang)

    def _sync_widgets(self) -> None:
        if self.language.value != self.lang:
            self.language.value = self.lang
        self._set_options()

    # ------------------------------------------------------------------ figures and tables
    def _note(self) -> str:
        return source.source_line(self.register, self.lang)

    def _titles(self) -> dict[str, str]:
        b = self.register.barriers
        title = b["title_sv"] if self.lang == "sv" else b["title_en"].where(b["title_en"] != "", b["title_sv"])
        return dict(zip(b["barrier_id"], title))

    def _overview(self) -> dict:
        """What the overview shows for the barriers matching the filters, computed once for its figures
        and their table views."""
        b = self.barriers()
        nodes, edges = metrics.network(b)
        return {"barriers": b, "funnel": metrics.status_funnel(b, self.register.events),
                "legal_area": metrics.legal_area_by_platform(b), "mandate": metrics.mandate_severity(b),
                "days": metrics.days_open(b, self.as_of), "nodes": nodes, "edges": edges}

    def _overview_figures(self, overview: dict) -> Iterator:
        """The overview's figures, each built when asked for (a dashboard shows one while it builds the next)."""
        note, lang = self._note(), self.lang
        yield viz.funnel_chart(overview["funnel"], note=note, lang=lang)
        yield viz.heatmap(overview["legal_area"], note=note, lang=lang, title_key="barriers_heatmap_title",
                          rows="legal_area", columns="raised_by_platform")
        yield viz.heatmap(overview["mandate"], note=note, lang=lang, title_key="barriers_mandate_title",
                          rows="municipal_mandate", columns="severity")
        yield viz.days_open_chart(overview["days"], self._titles(), note=note, lang=lang)
        yield viz.network_chart(overview["nodes"], overview["edges"], note=note, lang=lang)

    def _overview_tables(self, overview: dict) -> list[str]:
        b, note, lang = overview["barriers"], self._note(), self.lang
        funnel = overview["funnel"]
        tables = [table_html([label("barriers_stage", lang), label("barriers_count", lang), label("barriers_share", lang)],
                             [[label(f"barriers_stage_{r.stage}", lang), str(r.barriers), f"{r.share:.0%}"]
                              for r in funnel.itertuples()], caption=label("barriers_funnel_title", lang), note=note)]
        for table, rows, key in ((overview["legal_area"], "legal_area", "barriers_heatmap_title"),
                                 (overview["mandate"], "municipal_mandate", "barriers_mandate_title")):
            columns = "raised_by_platform" if rows == "legal_area" else "severity"
            header = [label(f"barriers_field_{rows}", lang)] + [viz._value(columns, c, lang) for c in table.columns]
            body = [[viz._value(rows, i, lang)] + [str(v) for v in r] for i, r in zip(table.index, table.to_numpy())]
            tables.append(table_html(header, body, caption=label(key, lang), note=note))
        days = overview["days"]
        titles = self._titles()
        tables.append(table_html(
            [label("barriers_field_barrier_id", lang), label("barriers_field_title", lang),
             label("barriers_field_status", lang), label("barriers_field_date_raised", lang),
             label("barriers_days_open", lang)],
            [[r.barrier_id, titles[r.barrier_id], schema.value_label("status", r.status, lang),
              r.date_raised.strftime("%Y-%m-%d"), "–" if pd.isna(r.days_open) else f"{r.days_open:.0f}"]
             for r in days.itertuples()], caption=label("barriers_days_title", lang), note=note))
        tables.append(table_html(
            [label("barriers_field_barrier_id", lang), label("barriers_field_title", lang),
             label("barriers_node_case", lang), label("barriers_field_responsible_actor", lang),
             label("barriers_field_pathway", lang)],
            [[r.barrier_id, titles[r.barrier_id], ", ".join(r.example_case_ids) or "–", r.responsible_actor or "–",
              schema.value_label("pathway", r.pathway, lang) if r.pathway else "–"] for r in b.itertuples()],
            caption=label("barriers_network_title", lang), note=note))
        return tables

    def _draw_overview(self) -> None:
        overview = self._overview()
        for place, fig in zip((self.funnel, self.heat, self.mandate, self.days, self.network),
                              self._overview_figures(overview)):
            place.show(fig)
        for place, text in zip((self.funnel_table, self.heat_table, self.mandate_table, self.days_table,
                                self.network_table), self._overview_tables(overview)):
            place.value = text

    def history(self) -> pd.DataFrame:
        """The chosen barrier's events in date order."""
        return metrics.barrier_history(self.register.events, self.barrier_id)

    def timeline_figure(self):
        """The chosen barrier's events on a time axis."""
        raised = self.register.barriers.set_index("barrier_id").at[self.barrier_id, "date_raised"]
        return viz.timeline_chart(self.history(), self.barrier_id, note=self._note(), lang=self.lang, raised=raised)

    def history_table_html(self) -> str:
        """The chosen barrier's events as a table."""
        lang = self.lang
        rows = [[r.date.strftime("%Y-%m-%d"), schema.value_label("event_type", r.type, lang),
                 schema.value_label("status", r.status, lang) if r.status else "–", ", ".join(r.actors) or "–",
                 r.summary or "–", r.outcome or "–"] for r in self.history().itertuples()]
        header = [label(k, lang) for k in ("barriers_event_date", "barriers_field_type", "barriers_field_status",
                                           "barriers_event_actors", "barriers_event_summary", "barriers_event_outcome")]
        return table_html(header, rows, caption=label("barriers_timeline_title", lang, barrier=self.barrier_id),
                          note=self._note())

    def detail_html(self) -> str:
        """The chosen barrier's main fields."""
        lang = self.lang
        r = self.register.barriers.set_index("barrier_id").loc[self.barrier_id]

        def values(column: str) -> str:
            v = r[column]
            items = v if isinstance(v, tuple) else ((v,) if v != "" else ())
            return ", ".join(schema.value_label(column, x, lang) for x in items) or "–"

        fields = [("barriers_field_raised_by_platform", values("raised_by_platform")),
                  ("barriers_field_raised_by_municipality", ", ".join(r["raised_by_municipality"]) or "–"),
                  ("barriers_field_date_raised", r["date_raised"].strftime("%Y-%m-%d")),
                  ("barriers_field_status", values("status")),
                  ("barriers_field_barrier_type", values("barrier_type")),
                  ("barriers_field_legal_area", values("legal_area") + (f" ({r['legal_reference']})"
                                                                        if r["legal_reference"] else "")),
                  ("barriers_field_level_of_origin", values("level_of_origin")),
                  ("barriers_field_municipal_mandate", values("municipal_mandate")),
                  ("barriers_field_severity", str(r["severity"])),
                  ("barriers_field_responsible_actor", r["responsible_actor"] or "–"),
                  ("barriers_field_pathway", values("pathway"))]
        items = "".join(f"<tr><th scope='row' style='text-align:left;padding:2px 12px 2px 0;vertical-align:top'>"
                        f"{html.escape(label(k, lang))}</th><td style='padding:2px 0'>{html.escape(v)}</td></tr>"
                        for k, v in fields)
        title = self._titles()[self.barrier_id]
        return (f"<div class='natsam-barrier' style='max-width:900px'><h2 style='margin:8px 0;font-size:1.17em'>"
                f"{html.escape(self.barrier_id)}: {html.escape(title)}</h2>"
                f"<p>{html.escape(r['description'])}</p><table style='border-collapse:collapse;font-size:13px'>"
                f"<tbody>{items}</tbody></table></div>")

    def _draw_detail(self) -> None:
        self.detail.value = self.detail_html()
        self.timeline.show(self.timeline_figure())
        self.history_table.value = self.history_table_html()

    # ------------------------------------------------------------------ text
    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = f"<p style='max-width:900px'>{html.escape(label('barriers_intro', lang))}</p>"
        n = len(self.barriers())
        text = label("barriers_none_match", lang) if n == 0 else f"{label('barriers_count', lang)}: {n}"
        self.summary.value = f"<p class='natsam-summary'>{html.escape(text)}</p>"

