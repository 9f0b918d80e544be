"""Portfolio analyses of the innovation case register (pure: DataFrame in, DataFrame out).

The input is a validated register (:func:`natsam_analysis.sources.cases.read_cases` or
``load_cases``): list columns hold Python lists. Categories are fixed and ordered here so that every
table has every category, also with zero cases.

Examples
--------
>>> import pandas as pd
>>> cases = pd.DataFrame({"case_id": ["a", "b"], "platform": ["lund", "lund"],
...                       "facet_primary": ["mission", "adaptive"], "facet_secondary": [None, "mission"]})
>>> facet_distribution(cases).query("facet == 'mission'")[["platform", "role", "cases"]].values.tolist()
[['lund', 'primary', 1], ['lund', 'secondary', 1]]
"""

from __future__ import annotations

import pandas as pd

#: OPSI's innovation facets, in the portfolio model's order.
FACETS = ("enhancement", "mission", "adaptive", "anticipatory")
#: OPSI's lifecycle stages, in order.
LIFECYCLE_STAGES = ("identifying_problems", "generating_ideas", "developing_proposals", "implementation",
                    "evaluation", "diffusing_lessons")
#: The platforms (codes of the register), ``none`` last.
PLATFORMS = ("stockholm", "goteborg", "lund", "boras", "umea", "kiruna", "none")
#: The seven goals NATSAM's platforms report against.
NATSAM_GOALS = (1, 3, 4, 5, 11, 13, 16)
#: Vinnova's three steps for gender equality in innovation.
GENDER_STEPS = ("gender_analysis", "team_balance", "norm_critical_review")
#: A team is gender-balanced when women and men each make up at least this share (40/60).
BALANCE_MIN_PCT = 40.0


def _platforms(frame: pd.DataFrame, platforms: tuple[str, ...] | None) -> list[str]:
    present = list(dict.fromkeys(frame["platform"].dropna()))
    if platforms is None:
        return [p for p in PLATFORMS if p in present] + [p for p in present if p not in PLATFORMS]
    return list(platforms)


def facet_distribution(frame: pd.DataFrame, *, platforms: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Cases per platform, facet and role (primary or secondary facet).

    Returns
    -------
    DataFrame
        ``platform, facet, role, cases, share``: ``share`` is the platform's cases with that facet in
        that role divided by all the platform's cases. Every platform x facet x role is present.
    """
    rows = []
    for platform in _platforms(frame, platforms):
        own = frame[frame["platform"] == platform]
        total = len(own)
        for role, column in (("primary", "facet_primary"), ("secondary", "facet_secondary")):
            counts = own[column].value_counts()
            for facet in FACETS:
                n = int(counts.get(facet, 0))
                rows.append({"platform": platform, "facet": facet, "role": role, "cases": n,
                             "share": n / total if total else float("nan")})
    return pd.DataFrame(rows, columns=["platform", "facet", "role", "cases", "share"])


def lifecycle_funnel(frame: pd.DataFrame) -> pd.DataFrame:
    """The lifecycle funnel: per stage, the cases that list it and the cases that have reached it.

    A case has *reached* a stage when its furthest listed stage is that stage or a later one (a
    case in implementation has passed the earlier stages even if it does not list them), so
    ``reached`` never grows along the lifecycle.

    Returns
    -------
    DataFrame
        ``stage, position (1-6), in_stage, reached, share_reached`` (of all cases).
    """
    furthest = [max((LIFECYCLE_STAGES.index(s) for s in stages if s in LIFECYCLE_STAGES), default=-1)
                for stages in frame["lifecycle_stages"]]
    rows = []
    for position, stage in enumerate(LIFECYCLE_STAGES):
        in_stage = sum(stage in stages for stages in frame["lifecycle_stages"])
        reached = sum(f >= position for f in furthest)
        rows.append({"stage": stage, "position": position + 1, "in_stage": in_stage, "reached": reached,
                     "share_reached": reached / len(frame) if len(frame) else float("nan")})
    return pd.DataFrame(rows)


def _goal(target: str) -> int:
    return int(str(target).split(".")[0])


def sdg_coverage(frame: pd.DataFrame) -> pd.DataFrame:
    """Per global goal 1-17: the cases with it as primary goal and the cases with any of its targets.

    Returns
    -------
    DataFrame
        ``goal, primary_cases, target_cases, any_cases, natsam`` (``natsam``: one of the seven goals
        NATSAM reports against). ``any_cases`` counts a case once if the goal is primary or targeted.
    """
    rows = []
    for goal in range(1, 18):
        primary = frame["primary_sdg"].eq(goal).fillna(False).to_numpy()
        targeted = [any(_goal(t) == goal for t in targets) for targets in frame["sdg_targets"]]
        rows.append({"goal": goal, "primary_cases": int(primary.sum()), "target_cases": int(sum(targeted)),
                     "any_cases": int(sum(p or t for p, t in zip(primary, targeted))), "natsam": goal in NATSAM_GOALS})
    return pd.DataFrame(rows)


def sdg_target_coverage(frame: pd.DataFrame, *, platforms: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Cases per platform and SDG target (long), for a heatmap; targets sorted by goal then target.

    Returns
    -------
    DataFrame
        ``platform, target, goal, cases, natsam`` for every platform and every target named by some case.
    """
    targets = sorted({t for ts in frame["sdg_targets"] for t in ts}, key=_target_key)
    rows = []
    for platform in _platforms(frame, platforms):
        own = frame.loc[frame["platform"] == platform, "sdg_targets"]
        for target in targets:
            rows.append({"platform": platform, "target": target, "goal": _goal(target),
                         "cases": int(sum(target in ts for ts in own)), "natsam": _goal(target) in NATSAM_GOALS})
    return pd.DataFrame(rows, columns=["platform", "target", "goal", "cases", "natsam"])


def _target_key(target: str) -> tuple[int, int, str]:
    goal, _, rest = str(target).partition(".")
    return (int(goal), int(rest) if rest.isdigit() else 100, rest)


def team_balanced(women_pct: pd.Series, men_pct: pd.Series) -> pd.Series:
    """Whether a team is gender-balanced: women and men each at least 40 % (``<NA>`` when unknown)."""
    known = women_pct.notna() & men_pct.notna()
    balanced = (women_pct >= BALANCE_MIN_PCT) & (men_pct >= BALANCE_MIN_PCT)
    return pd.array([bool(b) if k else pd.NA for b, k in zip(balanced, known)], dtype="boolean")


def gender_steps(frame: pd.DataFrame, *, platforms: tuple[str, ...] | None = None,
                 include_all: bool = True) -> pd.DataFrame:
    """Vinnova's three gender-equality steps per platform: gender analysis done, a balanced team
    (women and men each at least 40 %), a norm-critical review.

    Shares are of the cases where the step is known (``known``); unknown is not counted as no.

    Returns
    -------
    DataFrame
        ``platform, step, cases, known, yes, share``; with ``include_all`` a last platform ``all``.
    """
    steps = {
        "gender_analysis": frame["gender_analysis_done"].astype("boolean"),
        "team_balance": pd.Series(team_balanced(frame["team_women_pct"], frame["team_men_pct"]), index=frame.index),
        "norm_critical_review": frame["norm_critical_review"].astype("boolean"),
    }
    groups = [(p, frame["platform"] == p) for p in _platforms(frame, platforms)]
    if include_all:
        groups.append(("all", pd.Series(True, index=frame.index)))
    rows = []
    for platform, mask in groups:
        for step in GENDER_STEPS:
            values = steps[step][mask.to_numpy()]
            known = int(values.notna().sum())
            yes = int(values.fillna(False).sum())
            rows.append({"platform": platform, "step": step, "cases": int(mask.sum()), "known": known, "yes": yes,
                         "share": yes / known if known else float("nan")})
    return pd.DataFrame(rows, columns=["platform", "step", "cases", "known", "yes", "share"])


def reuse_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Every case reused from another: the case, where it came from and whether that is in the register.

    Returns
    -------
    DataFrame
        ``case_id, title, municipality_id, reused_from, source_title, source_municipality_id, external``
        (``external``: the source is outside the register, ``external:...``).
    """
    by_id = frame.set_index("case_id")
    rows = []
    for r in frame[frame["reused_from"].notna()].itertuples():
        source = str(r.reused_from)
        inside = source in by_id.index
        rows.append({"case_id": r.case_id, "title": r.title, "municipality_id": r.municipality_id,
                     "reused_from": source,
                     "source_title": by_id.at[source, "title"] if inside else None,
                     "source_municipality_id": by_id.at[source, "municipality_id"] if inside else None,
                     "external": not inside})
    return pd.DataFrame(rows, columns=["case_id", "title", "municipality_id", "reused_from", "source_title",
                                       "source_municipality_id", "external"])


def reuse_flows(frame: pd.DataFrame) -> pd.DataFrame:
    """Reuse between municipalities: how many cases each municipality took from another.

    Returns
    -------
    DataFrame
        ``from_municipality_id, to_municipality_id, cases``, most cases first (links inside the
        register only; reuse within one municipality is kept, as from == to).
    """
    links = reuse_links(frame)
    links = links[~links["external"]]
    if links.empty:
        return pd.DataFrame({"from_municipality_id": pd.Series(dtype=str), "to_municipality_id": pd.Series(dtype=str),
                             "cases": pd.Series(dtype="int64")})
    flows = (links.groupby(["source_municipality_id", "municipality_id"]).size().rename("cases").reset_index()
             .rename(columns={"source_municipality_id": "from_municipality_id", "municipality_id": "to_municipality_id"}))
    flows["from_municipality_id"] = flows["from_municipality_id"].astype(str)
    flows["to_municipality_id"] = flows["to_municipality_id"].astype(str)
    return flows.sort_values(["cases", "from_municipality_id", "to_municipality_id"],
                             ascending=[False, True, True], ignore_index=True)


def case_barrier_links(frame: pd.DataFrame) -> pd.DataFrame:
    """Case -> system barrier links (``case_id, barrier_id``), one row per link."""
    rows = [{"case_id": r.case_id, "barrier_id": b} for r in frame.itertuples() for b in r.barrier_ids]
    return pd.DataFrame(rows, columns=["case_id", "barrier_id"])
