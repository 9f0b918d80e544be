"""Metrics: pure functions, DataFrame in, DataFrame out. No I/O, no plotting."""
