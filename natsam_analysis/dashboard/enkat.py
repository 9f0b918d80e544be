"""Enkäten (the dashboard behind ``dashboards/enkat.ipynb``): the capability survey's construct profiles
by platform municipality and wave, and one construct compared between groups with confidence intervals.

The viewer chooses a grouping (municipality, role, gender or wave), a construct and, for the groupings
other than municipality, one platform municipality or all. Every number comes from
:mod:`natsam_analysis.metrics.survey`, so groups of fewer than five respondents (and the group that
would reveal them) read "för få svar" in charts and tables alike. A municipality's groups are taken
from the municipality × group table (never from a subset), so they cannot be differenced against the
total. Every chart has a table view.

Examples
--------
>>> app = EnkatApp()                                        # doctest: +SKIP
>>> app.select(by="role", construct="C2", municipality_id="2584")  # doctest: +SKIP
>>> app.widget                                              # doctest: +SKIP
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from natsam_analysis import geography
from natsam_analysis.dashboard.base import Dashboard
from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.widgets import fluid_layout, guarded, table_html
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import check_language, label
from natsam_analysis.metrics import survey as metrics
from natsam_analysis.sources.survey import load_instrument, load_survey, survey_source_line
from natsam_analysis.viz import survey as survey_viz

BYS = tuple(metrics.GROUPINGS)
ALL = "all"


class EnkatApp(Dashboard):
    """The survey dashboard as an object: widgets, figures, tables and a ``select`` method.

    Parameters
    ----------
    frame
        The survey (default :func:`natsam_analysis.sources.survey.load_survey`: the synthetic demo).
    by, construct, municipality_id, lang
        The initial selection (default: by municipality, C1, all municipalities, Swedish).
    """

    notebook = "enkat.ipynb"

    def __init__(self, frame: pd.DataFrame | None = None, *, by: str = "municipality", construct: str = "C1",
                 municipality_id: str = ALL, lang: str | None = None):
        self.lang = check_language(lang)
        self.frame = load_survey() if frame is None else frame
        self.provenance = dict(self.frame.attrs.get("provenance", {}))
        self.instrument = load_instrument()
        self.names = geography.municipality_names()
        self.constructs = self.instrument.summed_constructs()
        self.municipalities = [m for m in geography.PLATFORM_MUNICIPALITIES
                               if m in set(self.frame["municipality_id"].dropna())]
        self.municipalities += sorted(set(self.frame["municipality_id"].dropna()) - set(self.municipalities))
        self.by = self._check_by(by)
        self.construct = self._check_construct(construct)
        self.municipality_id = self._check_municipality(municipality_id)
        # the tables behind every view, computed once (suppression included)
        self.profile_table = metrics.construct_scores(self.frame, ["municipality", "wave"])
        self._build_widgets()
        self._build_figures()
        self._refresh_text()

    # ------------------------------------------------------------------ public
    def select(self, by: str | None = None, construct: str | None = None, municipality_id: str | None = None,
               lang: str | None = None) -> None:
        """Change the selection and update what depends on it (as the widgets do)."""
        new = (self.lang if lang is None else check_language(lang),
               self.by if by is None else self._check_by(by),
               self.construct if construct is None else self._check_construct(construct),
               self.municipality_id if municipality_id is None else self._check_municipality(municipality_id))
        before = (self.lang, self.by, self.construct, self.municipality_id)
        if new == before:
            return
        self.lang, self.by, self.construct, self.municipality_id = new
        self._sync_widgets()
        self._refresh_text()
        if new[0] != before[0]:
            self.profile.show(self.profile_figure())
            self.profile_table_view.value = self.profile_table_html()
        self.groups.show(self.group_figure())
        self.group_table_view.value = self.group_table_html()

    def group_scores(self) -> pd.DataFrame:
        """The chosen construct per group of the chosen grouping (within the chosen municipality, taken
        from the municipality × group table), suppressed where the groups are too small."""
        if self.by == "municipality" or self.municipality_id == ALL:
            table = metrics.construct_scores(self.frame, self.by, constructs=self.construct, lang=self.lang)
        else:
            table = metrics.construct_scores(self.frame, ["municipality", self.by], constructs=self.construct,
                                             lang=self.lang)
            table = table[table["municipality"] == self.municipality_id]
        order = {v: i for i, v in enumerate(self._order(self.by))}
        return table.sort_values(self.by, key=lambda s: s.map(order).fillna(len(order)), kind="stable").reset_index(drop=True)

    def _order(self, by: str) -> list[str]:
        """Groups in reading order: the platforms first, categories as in the codebook."""
        if by == "municipality":
            return self.municipalities
        for b in self.instrument.background:
            if b["id"] == by and b.get("categories"):
                return [c["code"] for c in b["categories"]]
        return sorted(self.frame[metrics.GROUPINGS[by]].dropna().unique())

    # ------------------------------------------------------------------ checks
    def _check_by(self, by: str) -> str:
        if by not in BYS:
            raise NatsamError(f"Unknown grouping {by!r}; choose one of {', '.join(BYS)}.")
        return by

    def _check_construct(self, construct: str) -> str:
        if construct not in self.constructs:
            raise NatsamError(f"Unknown construct {construct!r}; choose one of {', '.join(self.constructs)}.")
        return construct

    def _check_municipality(self, municipality_id: str) -> str:
        if municipality_id != ALL and municipality_id not in self.municipalities:
            raise NatsamError(label("unknown_municipality", self.lang, value=municipality_id))
        return municipality_id

    # ------------------------------------------------------------------ widgets
    def _build_widgets(self) -> None:
        self._build_text_widgets()
        self.by_choice = widgets.ToggleButtons(style={"button_width": "auto"}, layout=widgets.Layout(width="auto"))
        self.construct_choice = widgets.Dropdown(layout=fluid_layout("420px"))
        self.municipality_choice = widgets.Dropdown(layout=fluid_layout("260px"))
        self._set_choice_options()
        on = guarded(self.status, lambda: label("survey_no_data", self.lang))
        self.language.observe(on(self._choice_callback("lang")), names="value")
        self.by_choice.observe(on(self._choice_callback("by")), names="value")
        self.construct_choice.observe(on(self._choice_callback("construct")), names="value")
        self.municipality_choice.observe(on(self._choice_callback("municipality_id")), names="value")

    def _construct_label(self, c: str) -> str:
        return f"{c} {self.instrument.raw['constructs'][self.constructs.index(c)]['name'][self.lang]}"

    def _set_choice_options(self) -> None:
        with self._syncing_widgets():
            self.by_choice.options = [(label(f"survey_by_{b}", self.lang), b) for b in BYS]
            self.by_choice.value = self.by
            self.construct_choice.options = [(self._construct_label(c), c) for c in self.constructs]
            self.construct_choice.value = self.construct
            self.construct_choice.description = label("survey_construct_choice", self.lang)
            self.municipality_choice.options = ([(label("survey_all", self.lang), ALL)]
                                                + [(self.names.get(m, m), m) for m in self.municipalities])
            self.municipality_choice.value = self.municipality_id
            self.municipality_choice.description = label("survey_by_municipality", self.lang)
            self.municipality_choice.disabled = self.by == "municipality"
            if self.language.value != self.lang:
                self.language.value = self.lang

    def _build_figures(self) -> None:
        self.profile = FigureOutput(self.profile_figure())
        self.profile_table_view = widgets.HTML(self.profile_table_html())
        self.groups = FigureOutput(self.group_figure())
        self.group_table_view = widgets.HTML(self.group_table_html())
        controls = widgets.HBox([self.by_choice, self.municipality_choice],
                                layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
        self._root = self._page([
            self.intro, self.status,
            self.profile.widget, self.profile_table_view,
            controls, self.construct_choice,
            self.groups.widget, self.group_table_view,
        ], "natsam-enkat")

    # ------------------------------------------------------------------ figures and tables
    def _note(self) -> str:
        return survey_source_line(self.provenance, self.lang)

    def _categories(self) -> dict[str, str]:
        found = {}
        for b in self.instrument.background:
            for cat in b.get("categories", []):
                found[cat["code"]] = cat[self.lang]
        found[metrics.MISSING_GROUP] = label("no_data", self.lang)
        return found

    def _profile_rows(self) -> list[str]:
        return survey_viz.group_labels(self.profile_table, ["municipality", "wave"], self.names, self._categories())

    def profile_figure(self):
        """Construct profiles (C1-C11) by platform municipality and wave."""
        names = {c: self._construct_label(c) for c in self.constructs}
        order = {m: i for i, m in enumerate(self.municipalities)}
        table = self.profile_table.sort_values(["municipality", "wave"], key=lambda s: s.map(order) if s.name ==
                                               "municipality" else s, kind="stable")
        self.profile_table = table.reset_index(drop=True)
        title = survey_viz.title_text(label("survey_profile_title", self.lang),
                                      label("survey_mean", self.lang))
        return survey_viz.profile_heatmap(self.profile_table, self._profile_rows(), names, note=self._note(),
                                          lang=self.lang, title=title)

    def profile_table_html(self) -> str:
        """The profile as a table: a row per municipality and wave, a column per construct."""
        too_few = label("survey_too_few", self.lang)
        data = self.profile_table.assign(_row=self._profile_rows())
        rows = []
        for key, part in data.groupby("_row", sort=False):
            cells = part.set_index("construct")
            rows.append([key] + [too_few if cells.at[c, "suppressed"] else _number(cells.at[c, "mean"], self.lang)
                                 for c in self.constructs])
        header = [label("survey_group", self.lang)] + self.constructs
        return table_html(header, rows, caption=label("survey_profile_title", self.lang), note=self._note())

    def _group_title(self) -> str:
        by = label(f"survey_by_{self.by}", self.lang).lower()
        main = label("survey_group_title", self.lang, construct=self._construct_label(self.construct), by=by)
        sub = (self.names.get(self.municipality_id, self.municipality_id)
               if self.by != "municipality" and self.municipality_id != ALL else label("survey_all", self.lang))
        return f"{main} – {sub}"

    def _group_rows(self, table: pd.DataFrame) -> list[str]:
        return survey_viz.group_labels(table, [self.by], self.names, self._categories())

    def group_figure(self):
        """The chosen construct per group with 95 % confidence intervals."""
        table = self.group_scores()
        title = survey_viz.title_text(self._group_title(), label("survey_ci", self.lang))
        return survey_viz.group_chart(table, self.by, note=self._note(), lang=self.lang, title=title,
                                      rows=self._group_rows(table))

    def group_table_html(self) -> str:
        """The chosen construct per group: n, mean, interval, index, or "för få svar"."""
        table = self.group_scores()
        too_few = label("survey_too_few", self.lang)
        rows = []
        for name, r in zip(self._group_rows(table), table.itertuples()):
            if r.suppressed:
                rows.append([name, too_few, too_few, too_few, too_few])
            else:
                rows.append([name, str(int(r.n)), _number(r.mean, self.lang),
                             f"{_number(r.ci_low, self.lang)}–{_number(r.ci_high, self.lang)}",
                             _number(r.index, self.lang, 0)])
        header = [label(k, self.lang) for k in ("survey_group", "survey_n", "survey_mean", "survey_ci", "survey_index")]
        note = f"{self._note()}. {label('survey_suppressed_note', self.lang, min_n=metrics.MIN_GROUP_SIZE)}"
        return table_html(header, rows, caption=self._group_title(), note=note)

    # ------------------------------------------------------------------ text
    def _refresh_text(self) -> None:
        lang = self.lang
        self._refresh_site_text()
        self.intro.value = (f"<p style='max-width:900px'>"
                            f"{html.escape(label('survey_intro', lang, min_n=metrics.MIN_GROUP_SIZE))}</p>")


def _number(value, lang: str, decimals: int = 2) -> str:
    if pd.isna(value):
        return "–"
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if lang == "sv" else text
