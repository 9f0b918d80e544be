"""The hierarchy of a composite indicator: indicators, aggregates, parents, directions and weights.

A :class:`Framework` is built from an indicator-metadata table in COINr's conventions ("iMeta"), one
row per indicator, aggregate, group column and denominator:

==============  =============================================================================
column          meaning
==============  =============================================================================
``Level``       1 for indicators, 2, 3, ... for aggregates (empty for groups and denominators)
``iCode``       unique code; indicator codes are column names of the data
``iName``       display name (optional; defaults to the code)
``Direction``   1 higher is better, -1 lower is better, 0 closest to ``Target`` is best
``Weight``      weight relative to the siblings under the same parent (default 1)
``Unit``        unit (optional, informative)
``Target``      target value (required for Direction 0; used by target-based normalisations)
``Denominator`` code of a denominator column the indicator is divided by (optional)
``Parent``      code of the aggregate one level up (empty only for the single top aggregate)
``Type``        ``Indicator``, ``Aggregate``, ``Group`` or ``Denominator``
==============  =============================================================================

Any number of levels is allowed; every parent sits exactly one level above its children and the
hierarchy ends in a single top aggregate (e.g. ``Index``).

Examples
--------
>>> import pandas as pd
>>> meta = pd.DataFrame({
...     "Level": [1, 1, 1, 2, 2, 3], "iCode": ["a", "b", "c", "P", "Q", "Index"],
...     "Direction": [1, -1, 1, 1, 1, 1], "Weight": [1, 1, 2, 1, 1, 1],
...     "Parent": ["P", "P", "Q", "Index", "Index", None],
...     "Type": ["Indicator"] * 3 + ["Aggregate"] * 3})
>>> fw = Framework.from_imeta(meta)
>>> fw.indicators, fw.aggregates, fw.top
(['a', 'b', 'c'], {2: ['P', 'Q'], 3: ['Index']}, 'Index')
>>> fw.children("P")
['a', 'b']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from natsam_analysis.errors import ValidationError

IMETA_COLUMNS = ["Level", "iCode", "iName", "Direction", "Weight", "Unit", "Target", "Denominator", "Parent",
                 "Type"]
REQUIRED_COLUMNS = ["Level", "iCode", "Parent", "Type"]
TYPES = ("Indicator", "Aggregate", "Group", "Denominator")
DIRECTIONS = (1, -1, 0)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip()) or value is pd.NA


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _number(value: Any) -> float | None:
    if _blank(value):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


@dataclass(frozen=True, eq=False)
class Framework:
    """Immutable, validated description of an index's hierarchy (build it with :meth:`from_imeta`).

    Attributes
    ----------
    imeta
        The normalised metadata table (columns :data:`IMETA_COLUMNS`, one row per code).
    indicators
        Level-1 codes in iMeta order.
    aggregates
        Level -> aggregate codes (levels >= 2), in iMeta order.
    """

    imeta: pd.DataFrame = field(repr=False)
    origin: str = "iMeta"

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_imeta(cls, imeta: pd.DataFrame, *, origin: str = "iMeta") -> Framework:
        """Validate an iMeta table and build the framework.

        Every problem is reported at once in a :class:`~natsam_analysis.errors.ValidationError` naming
        the row (numbered as in a CSV file with a header line: the first data row is row 2), the
        column and the value.

        Parameters
        ----------
        imeta
            The metadata table (see the module docstring); extra columns are kept.
        origin
            What to call the table in messages (typically its file name).

        Examples
        --------
        >>> meta = pd.DataFrame({"Level": [1, 2], "iCode": ["x", "Index"], "Parent": ["Index", None],
        ...                      "Type": ["Indicator", "Aggregate"]})
        >>> Framework.from_imeta(meta).weight.to_dict()
        {'x': 1.0, 'Index': 1.0}
        """
        if not isinstance(imeta, pd.DataFrame):
            raise ValidationError(origin, [f"expected a table (pandas DataFrame), got {type(imeta).__name__}"])
        missing = [c for c in REQUIRED_COLUMNS if c not in imeta.columns]
        if missing:
            raise ValidationError(origin, [f"missing column(s): {', '.join(missing)}"],
                                  hint=f"iMeta needs the columns {', '.join(REQUIRED_COLUMNS)} "
                                       f"(optional: iName, Direction, Weight, Unit, Target, Denominator).")
        df = imeta.reset_index(drop=True).copy()
        for col in IMETA_COLUMNS:
            if col not in df.columns:
                df[col] = np.nan
        problems: list[str] = []
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for i, rec in enumerate(df.to_dict("records")):
            line = i + 2

            def bad(col: str, why: str, rec: dict = rec, line: int = line) -> None:
                problems.append(f"row {line}, column {col!r}: {rec[col]!r} {why}")

            code = _text(rec["iCode"])
            typ = _text(rec["Type"])
            if not code:
                bad("iCode", "is empty; every row needs a unique code")
            elif code in seen:
                bad("iCode", f"appears twice (also on row {seen[code]})")
            seen.setdefault(code, line)
            if typ not in TYPES:
                bad("Type", f"must be one of {', '.join(TYPES)}")
            level: int | None = None
            direction: float | None = None
            weight: float | None = 1.0
            if typ in ("Indicator", "Aggregate"):
                lv = _number(rec["Level"])
                if lv is None or lv != int(lv) or lv < 1:
                    bad("Level", "must be a whole number >= 1 (1 = indicator)")
                else:
                    level = int(lv)
                    if typ == "Indicator" and level != 1:
                        bad("Level", "must be 1 for an Indicator")
                    if typ == "Aggregate" and level < 2:
                        bad("Level", "must be 2 or more for an Aggregate")
                d = _number(rec["Direction"])
                if _blank(rec["Direction"]):
                    direction = 1.0
                elif d is None or d not in DIRECTIONS:
                    bad("Direction", "must be 1 (higher is better), -1 (lower is better) or 0 (closest to Target)")
                else:
                    direction = d
                w = _number(rec["Weight"])
                if _blank(rec["Weight"]):
                    weight = 1.0
                elif w is None or w < 0:
                    bad("Weight", "must be a number >= 0")
                else:
                    weight = w
            target = _number(rec["Target"])
            if not _blank(rec["Target"]) and target is None:
                bad("Target", "is not a number")
            if typ == "Indicator" and direction == 0 and target is None:
                bad("Target", "is required when Direction is 0 (closest to target is best)")
            rows.append({
                "Level": level, "iCode": code, "iName": _text(rec["iName"]) or code,
                "Direction": direction, "Weight": weight, "Unit": _text(rec["Unit"]),
                "Target": target, "Denominator": _text(rec["Denominator"]), "Parent": _text(rec["Parent"]),
                "Type": typ, "_line": line,
            })
        norm = pd.DataFrame(rows)
        if not problems:
            problems += _check_hierarchy(norm)
        if problems:
            raise ValidationError(origin, problems, hint="Fix these cells in the indicator metadata (iMeta).")
        extra = [c for c in df.columns if c not in IMETA_COLUMNS]
        for col in extra:
            norm[col] = df[col].to_numpy()
        norm = norm.drop(columns="_line")
        norm["Level"] = norm["Level"].astype("Int64")
        return cls(imeta=norm.set_index("iCode", drop=False), origin=origin)

    @classmethod
    def from_hierarchy(cls, tree: Mapping[str, Any], *, directions: Mapping[str, int] | None = None,
                       targets: Mapping[str, float] | None = None, weights: Mapping[str, float] | None = None,
                       names: Mapping[str, str] | None = None) -> Framework:
        """Build a framework from a nested mapping ``{top: {aggregate: [indicators], ...}}``.

        Examples
        --------
        >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"], "Q": ["c"]}}, directions={"b": -1})
        >>> fw.direction.loc[["a", "b"]].tolist(), fw.levels
        ([1, -1], [1, 2, 3])
        """
        if len(tree) != 1:
            raise ValidationError("framework", [f"needs exactly one top aggregate, got {list(tree)}"])
        directions, targets = dict(directions or {}), dict(targets or {})
        weights, names = dict(weights or {}), dict(names or {})

        def depth(node: Any) -> int:
            if isinstance(node, Mapping):
                return 1 + max(depth(v) for v in node.values())
            return 2  # a list of indicators under an aggregate

        top = next(iter(tree))
        top_level = depth(tree[top])
        records: list[dict[str, Any]] = []

        def walk(code: str, node: Any, level: int, parent: str | None) -> None:
            if isinstance(node, Mapping):
                for child, sub in node.items():
                    walk(child, sub, level - 1, code)
            else:
                for ind in node:
                    records.append({"Level": 1, "iCode": ind, "Parent": code, "Type": "Indicator"})
            records.append({"Level": level, "iCode": code, "Parent": parent, "Type": "Aggregate"})

        walk(top, tree[top], top_level, None)
        meta = pd.DataFrame(records)
        meta = pd.concat([meta[meta["Level"] == 1], meta[meta["Level"] > 1].sort_values("Level", kind="stable")])
        meta["Direction"] = [directions.get(c, 1) for c in meta["iCode"]]
        meta["Target"] = [targets.get(c, np.nan) for c in meta["iCode"]]
        meta["Weight"] = [weights.get(c, 1.0) for c in meta["iCode"]]
        meta["iName"] = [names.get(c, c) for c in meta["iCode"]]
        return cls.from_imeta(meta, origin="framework")

    # ------------------------------------------------------------------ structure
    @cached_property
    def _tree(self) -> pd.DataFrame:
        return self.imeta[self.imeta["Type"].isin(["Indicator", "Aggregate"])]

    @cached_property
    def indicators(self) -> list[str]:
        """Level-1 indicator codes, in iMeta order."""
        return self._tree.index[self._tree["Type"] == "Indicator"].tolist()

    @cached_property
    def aggregates(self) -> dict[int, list[str]]:
        """Level -> aggregate codes (levels >= 2), in iMeta order."""
        agg = self._tree[self._tree["Type"] == "Aggregate"]
        return {int(lv): agg.index[agg["Level"] == lv].tolist() for lv in sorted(agg["Level"].unique())}

    @cached_property
    def levels(self) -> list[int]:
        """All levels, ascending (``[1, 2, ..., top level]``)."""
        return [1, *self.aggregates]

    @cached_property
    def codes(self) -> list[str]:
        """Every indicator and aggregate code, level by level (indicators first)."""
        return self.indicators + [c for lv in self.aggregates for c in self.aggregates[lv]]

    @cached_property
    def parent(self) -> dict[str, str]:
        """Code -> parent code (the top aggregate has none)."""
        return {c: p for c, p in self._tree["Parent"].items() if p}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {c: [] for lv in self.aggregates for c in self.aggregates[lv]}
        for code in self.codes:
            if code in self.parent:
                out[self.parent[code]].append(code)
        return out

    def children(self, code: str) -> list[str]:
        """Direct children of an aggregate, in iMeta order (empty for an indicator)."""
        if code not in self._tree.index:
            raise KeyError(f"{code!r} is not an indicator or aggregate of this framework")
        return list(self._children.get(code, []))

    def level_of(self, code: str) -> int:
        """The level of a code (1 for indicators)."""
        return int(self._tree.loc[code, "Level"])

    def indicators_under(self, code: str) -> list[str]:
        """All level-1 indicators below (or equal to) ``code``, in iMeta order."""
        if code in self.indicators:
            return [code]
        out: list[str] = []
        for child in self.children(code):
            out += self.indicators_under(child)
        order = {c: i for i, c in enumerate(self.indicators)}
        return sorted(out, key=order.__getitem__)

    @cached_property
    def top(self) -> str:
        """The single top-level aggregate code (e.g. ``"Index"``)."""
        return self.aggregates[max(self.aggregates)][0]

    # ------------------------------------------------------------------ per-code attributes
    @cached_property
    def direction(self) -> pd.Series:
        """Direction per code: 1, -1 or 0 (two-sided: closest to target is best)."""
        return self._tree["Direction"].astype(int).rename("Direction")

    @cached_property
    def target(self) -> pd.Series:
        """Target per code (NaN when none)."""
        return self._tree["Target"].astype(float).rename("Target")

    @cached_property
    def weight(self) -> pd.Series:
        """Weight per code, relative to its siblings under the same parent."""
        return self._tree["Weight"].astype(float).rename("Weight")

    @cached_property
    def denominator(self) -> pd.Series:
        """Denominator code per indicator ("" when the indicator is not divided by anything)."""
        return self._tree.loc[self.indicators, "Denominator"].rename("Denominator")

    @cached_property
    def names(self) -> pd.Series:
        """Display name per code (``iName``)."""
        return self._tree["iName"].rename("iName")

    @cached_property
    def group_codes(self) -> list[str]:
        """Codes of the rows of Type ``Group`` (grouping columns of the data)."""
        return self.imeta.index[self.imeta["Type"] == "Group"].tolist()

    @cached_property
    def denominator_codes(self) -> list[str]:
        """Codes of the rows of Type ``Denominator``."""
        return self.imeta.index[self.imeta["Type"] == "Denominator"].tolist()

    # ------------------------------------------------------------------ variants
    def with_weights(self, weights: Mapping[str, float] | pd.Series) -> Framework:
        """A copy with some weights replaced (codes not given keep theirs).

        Examples
        --------
        >>> fw = Framework.from_hierarchy({"Index": {"P": ["a", "b"]}})
        >>> float(fw.with_weights({"a": 3}).weight["a"])
        3.0
        """
        weights = pd.Series(weights, dtype=float)
        unknown = [c for c in weights.index if c not in self._tree.index]
        bad = [f"{c}={w}" for c, w in weights.items() if not (math.isfinite(w) and w >= 0)]
        problems = [f"weight for unknown code {c!r}" for c in unknown]
        problems += [f"weight {b} must be a finite number >= 0" for b in bad]
        if problems:
            raise ValidationError("weights", problems, hint=f"Codes are: {', '.join(self.codes)}.")
        meta = self.imeta.copy()
        meta.loc[weights.index, "Weight"] = weights.to_numpy()
        return Framework(imeta=meta, origin=self.origin)

    def to_imeta(self) -> pd.DataFrame:
        """The metadata as a plain iMeta table (columns :data:`IMETA_COLUMNS` plus any extra)."""
        out = self.imeta.reset_index(drop=True).copy()
        return out

    def __repr__(self) -> str:
        levels = ", ".join(f"level {lv}: {len(c)}" for lv, c in self.aggregates.items())
        return f"Framework({len(self.indicators)} indicators; {levels}; top {self.top!r})"


def _check_hierarchy(meta: pd.DataFrame) -> list[str]:
    """Problems with parents, levels and the single top of a normalised iMeta table."""
    problems: list[str] = []
    tree = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    if not (tree["Type"] == "Indicator").any():
        return ["no rows of Type 'Indicator': the framework needs at least one indicator"]
    if not (tree["Type"] == "Aggregate").any():
        return ["no rows of Type 'Aggregate': the framework needs at least a top aggregate (e.g. 'Index')"]
    level = dict(zip(tree["iCode"], tree["Level"]))
    all_codes = set(meta["iCode"])
    denominators = set(meta.loc[meta["Type"] == "Denominator", "iCode"])
    has_child: set[str] = set()
    for rec in tree.to_dict("records"):
        code, parent, line = rec["iCode"], rec["Parent"], rec["_line"]
        if parent:
            if parent not in level:
                where = "is a Group/Denominator row" if parent in all_codes else "is not a code in iMeta"
                problems.append(f"row {line}, column 'Parent': {parent!r} {where}; a parent must be an Aggregate")
            elif level[parent] != rec["Level"] + 1:
                problems.append(f"row {line}, column 'Parent': {parent!r} is at level {level[parent]}, "
                                f"but a parent must be one level above its child (level {rec['Level'] + 1})")
            has_child.add(parent)
        elif rec["Type"] == "Indicator":
            problems.append(f"row {line}, column 'Parent': indicator {code!r} has no parent aggregate")
        den = rec["Denominator"]
        if rec["Type"] == "Indicator" and den and den not in denominators and den in all_codes:
            problems.append(f"row {line}, column 'Denominator': {den!r} is not of Type Denominator")
    tops = tree[(tree["Type"] == "Aggregate") & (tree["Parent"] == "")]
    if len(tops) != 1:
        problems.append(f"exactly one aggregate must have no Parent (the top of the index); found "
                        f"{len(tops)}: {', '.join(tops['iCode']) or 'none'}")
    elif int(tops["Level"].iloc[0]) != int(tree["Level"].max()):
        problems.append(f"the top aggregate {tops['iCode'].iloc[0]!r} must be on the highest level "
                        f"({int(tree['Level'].max())})")
    for rec in tree[tree["Type"] == "Aggregate"].to_dict("records"):
        if rec["iCode"] not in has_child:
            problems.append(f"row {rec['_line']}: aggregate {rec['iCode']!r} has no children (no row names it as Parent)")
    return problems
