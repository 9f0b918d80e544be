"""The Voila dashboards' apps and what makes a dashboard answer at once (see docs/dashboards.md).

- :class:`~natsam_analysis.dashboard.figure.FigureOutput`: a place for a plotly figure, drawn in
  the page by the dashboards' partial plotly.js under Voila (once, and again only when it changes),
  plotly's MIME bundle elsewhere;
- :class:`~natsam_analysis.dashboard.base.Dashboard`: the header (title, link to the start page,
  language toggle, source or demo note) and footer every dashboard shares;
  :class:`~natsam_analysis.dashboard.base.MunicipalityDashboard`: the panel, geography and
  municipality field every municipality dashboard shares besides;
- :mod:`~natsam_analysis.dashboard.widgets`: small widget helpers, and the site's header and footer;
- :mod:`~natsam_analysis.dashboard.site`: the registry of the dashboards and the start page that links them;
- :mod:`~natsam_analysis.dashboard.kernel_socket`: the kernel websocket ``natsam serve`` uses.

The dashboards themselves: :class:`KommunprofilApp` and
:class:`~natsam_analysis.dashboard.indexutforskaren.IndexutforskarenApp`.
"""

from natsam_analysis.dashboard.figure import FigureOutput
from natsam_analysis.dashboard.kommunprofil import KommunprofilApp

__all__ = ["FigureOutput", "KommunprofilApp"]
