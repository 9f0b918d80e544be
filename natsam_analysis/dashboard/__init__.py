"""ipywidgets building blocks shared by the Voila dashboards (thin notebooks in ``dashboards/``)."""

from natsam_analysis.dashboard.kommunprofil import KommunprofilApp

__all__ = ["KommunprofilApp"]
