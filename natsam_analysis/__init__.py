"""natsam-analysis: innovation and transformation capacity of Sweden's 290 municipalities.

Loaders and metrics for the research notebooks and the Voila dashboards. Start with
:func:`load_panel` (the tidy indicator panel: fetched Kolada data, or the synthetic demo).
"""

from natsam_analysis.errors import NatsamError, ValidationError
from natsam_analysis.panel import load_panel, source_line

__version__ = "0.1.0"
__all__ = ["NatsamError", "ValidationError", "load_panel", "source_line", "__version__"]
