"""The Voila dashboards' apps and what makes a dashboard answer at once (see docs/dashboards.md).

- :class:`~natsam_analysis.dashboard.figure.FigureOutput`: a place for a plotly figure, drawn in
  the page by the dashboards' partial plotly.js under Voila (once, and again only when it changes),
  plotly's MIME bundle elsewhere;
- :class:`~natsam_analysis.dashboard.base.MunicipalityDashboard`: the panel, geography, municipality
  field, language toggle and notes every municipality dashboard shares;
- :mod:`~natsam_analysis.dashboard.widgets`: small widget helpers;
- :mod:`~natsam_analysis.dashboard.kernel_socket`: the kernel websocket ``natsam serve`` uses.

The dashboards themselves: :class:`KommunprofilApp` and
:class:`~natsam_analysis.dashboard.indexutforskaren.IndexutforskarenApp`.
"""

from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.kommunprofil import KommunprofilApp

__all__ = ["FigureOutput", "KommunprofilApp"]
