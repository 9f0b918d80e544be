"""One error hierarchy for the whole suite.

Every message names what is at fault (file, row, column, value) and what to do about it, so a
researcher or a dashboard viewer can act on it without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class NatsamError(Exception):
    """Base class of every error the suite raises on purpose."""


class ValidationError(NatsamError):
    """A table or file failed validation; ``problems`` lists every problem found, not just the first.

    Examples
    --------
    >>> err = ValidationError("indikatorpanel", ["rad 3, kolumn 'kpi': okänt KPI 'X1'"])
    >>> err.problems
    ["rad 3, kolumn 'kpi': okänt KPI 'X1'"]
    """

    def __init__(self, what: str, problems: Iterable[str], *, hint: str = "", max_shown: int = 50):
        self.what = what
        self.problems = list(problems)
        self.hint = hint
        shown = self.problems[:max_shown]
        lines = [f"{what}: {len(self.problems)} problem(s) found"]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > max_shown:
            lines.append(f"  ... and {len(self.problems) - max_shown} more")
        if hint:
            lines.append(hint)
        super().__init__("\n".join(lines))


class DataNotAvailableError(NatsamError):
    """Data that was asked for is not in the local store (and cannot be made here)."""
