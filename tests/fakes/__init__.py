"""Local fake servers standing in for the real APIs in tests (no network): see ``server`` and ``kolada_fake``."""
